/* kmod-helper's sysfs protocol, read and written (helper_client.h). */
#include "helper_client.h"
#include "update_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const cause_names[] = {
	[KSPLICE_OK] = "ok",
	[KSPLICE_CODE_BUSY] = "code_busy",
	[KSPLICE_NO_MATCH] = "no_match",
	[KSPLICE_BAD_PLAN] = "bad_plan",
	[KSPLICE_MODULE_BUSY] = "module_busy",
	[KSPLICE_ALREADY_APPLIED] = "already_applied",
	[KSPLICE_NOT_APPLIED] = "not_applied",
	[KSPLICE_HAS_DEPENDENTS] = "has_dependents",
	[KSPLICE_TRAMPOLINE_CHANGED] = "trampoline_changed",
	[KSPLICE_OUT_OF_MEMORY] = "out_of_memory",
	[KSPLICE_REDIRECTED] = "redirected",
	[KSPLICE_THREADS_STUCK] = "threads_stuck",
};
/* The enum has no count: its last member stands for it. A cause added to
 * ksplice_update.h without a name here fails the unit test live.helper_client,
 * which reads the names from the header's comments. */
_Static_assert(sizeof(cause_names) / sizeof(cause_names[0]) == KSPLICE_THREADS_STUCK + 1,
	       "a name for every enum ksplice_abort_cause");

_Static_assert(KSP_CVES_MAX == KSPLICE_CVES_MAX && KSP_VERSION_MAX == KSPLICE_VERSION_MAX &&
		       KSP_SIGNER_MAX == KSPLICE_SIGNER_MAX,
	       "update_file.h and ksplice_update.h disagree on the update's facts");

static const char *const stage_names[] = {
	[KSP_STAGE_NOT_LOADED] = "not loaded", [KSP_STAGE_PREPARED] = "prepared",
	[KSP_STAGE_APPLIED] = "applied",       [KSP_STAGE_REVERSED] = "reversed",
	[KSP_STAGE_UNKNOWN] = "unknown",
};

/* Reads KSP_SYSFS/ID/FILE (or KSP_SYSFS/FILE when id is NULL), trailing
 * newlines removed. */
static int sysfs_read(const char *id, const char *file, char *buf, size_t len)
{
	char path[512];
	buf[0] = '\0';
	if (id && !ksp_update_id_valid(id)) {
		errno = ENOENT; /* no update can have it: no path is built from it */
		return -1;
	}
	snprintf(path, sizeof(path), KSP_SYSFS "/%s%s%s", id ? id : "", id ? "/" : "", file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0) {
		buf[0] = '\0';
		return -1;
	}
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* Writes value to KSP_SYSFS/ID/FILE; -1 with errno set. */
static int sysfs_write(const char *id, const char *file, const char *value)
{
	char path[512];
	if (!ksp_update_id_valid(id)) {
		errno = ENOENT;
		return -1;
	}
	snprintf(path, sizeof(path), KSP_SYSFS "/%s/%s", id, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

char *ksp_plan_format(const struct ksp_plan_entry *entries, size_t nentries,
		      const struct ksp_plan_key *keys, size_t nkeys)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < nentries; i++) {
		const struct ksp_plan_entry *e = &entries[i];
		if (e->module) {
			fprintf(f, "pending %zu %s %zu %s %" PRIu32 " %" PRIu32 " %s\n", i,
				e->module, e->symindex, e->symname, e->old_size,
				e->check_only ? 0 : e->jump_offset, e->sha256);
			for (size_t m = 0; m < e->nmasks; m++)
				fprintf(f, "pmask %zu %" PRIu32 " %" PRIu32 "\n", i,
					e->masks[m].offset, e->masks[m].len);
			continue;
		}
		if (e->check_only) {
			fprintf(f, "check %zu 0x%" PRIx64 " %" PRIu32 "\n", i, e->old_addr,
				e->old_size);
			continue;
		}
		fprintf(f, "patch %zu 0x%" PRIx64 " %" PRIu32 " %" PRIu32 " ", i, e->old_addr,
			e->old_size, e->jump_offset);
		for (int b = 0; b < KSPLICE_JUMP_LEN; b++)
			fprintf(f, "%02x", e->expected[b]);
		fprintf(f, "\n");
	}
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].module)
			fprintf(f, "pkey %s %s %zu %s %" PRId64 "\n", keys[i].key, keys[i].module,
				keys[i].symindex, keys[i].symname, keys[i].offset);
		else
			fprintf(f, "key %s 0x%" PRIx64 "\n", keys[i].key, keys[i].addr);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

#define PLAN_WRITE_MAX 4000

int ksp_helper_write_plan(const char *id, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), KSP_SYSFS "/%s/plan", id);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = 0;
	for (size_t at = 0, len = strlen(text); at < len && !rc;) {
		size_t n = len - at;
		if (n > PLAN_WRITE_MAX) { /* whole lines only */
			n = PLAN_WRITE_MAX;
			while (n > 0 && text[at + n - 1] != '\n')
				n--;
			if (n == 0) {
				errno = E2BIG;
				rc = -1;
				break;
			}
		}
		ssize_t w = write(fd, text + at, n);
		rc = w == (ssize_t)n ? 0 : -1;
		at += n;
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

const char *ksp_stage_name(enum ksp_stage stage)
{
	return stage <= KSP_STAGE_UNKNOWN ? stage_names[stage] : "unknown";
}

enum ksp_stage ksp_helper_stage(const char *id)
{
	char word[64];
	if (sysfs_read(id, "stage", word, sizeof(word)))
		return KSP_STAGE_NOT_LOADED;
	for (int s = KSP_STAGE_PREPARED; s < KSP_STAGE_UNKNOWN; s++)
		if (!strcmp(word, stage_names[s]))
			return (enum ksp_stage)s;
	return KSP_STAGE_UNKNOWN;
}

int ksp_helper_set_stage(const char *id, enum ksp_stage stage)
{
	if (stage != KSP_STAGE_APPLIED && stage != KSP_STAGE_REVERSED) {
		errno = EINVAL;
		return -1;
	}
	return sysfs_write(id, "stage", stage_names[stage]);
}

const char *ksp_abort_cause_name(enum ksplice_abort_cause cause)
{
	return cause <= KSPLICE_THREADS_STUCK ? cause_names[cause] : "?";
}

int ksp_abort_cause_parse(const char *name, enum ksplice_abort_cause *cause)
{
	for (int c = KSPLICE_OK; c <= KSPLICE_THREADS_STUCK; c++)
		if (!strcmp(name, cause_names[c])) {
			*cause = (enum ksplice_abort_cause)c;
			return 0;
		}
	return -1;
}

int ksp_helper_abort_cause(const char *id, enum ksplice_abort_cause *cause)
{
	char word[64];
	if (sysfs_read(id, "abort_cause", word, sizeof(word)))
		return -1;
	return ksp_abort_cause_parse(word, cause);
}

void ksp_helper_abort_detail(const char *id, char *buf, size_t len)
{
	sysfs_read(id, "abort_detail", buf, len);
}

void ksp_helper_conflicts(const char *id, char *buf, size_t len)
{
	sysfs_read(id, "conflicts", buf, len);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ';';
}

int ksp_helper_functions_parse(const char *text, struct ksp_helper_function **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char copy[KSPLICE_NAME_LEN + 64];
		struct ksp_helper_function f;
		snprintf(copy, sizeof(copy), "%.*s", (int)len, line);
		line += len + (nl ? 1 : 0);
		if (sscanf(copy, "%128s %" SCNx64 " %" SCNx64, f.name, &f.old_addr, &f.new_addr) !=
		    3)
			continue;
		struct ksp_helper_function *grown = realloc(*v, (*n + 1) * sizeof(**v));
		if (!grown) {
			free(*v);
			*v = NULL;
			*n = 0;
			return -1;
		}
		*v = grown;
		(*v)[(*n)++] = f;
	}
	return 0;
}

int ksp_helper_functions(const char *id, struct ksp_helper_function **v, size_t *n)
{
	static char text[1 << 16];
	*v = NULL;
	*n = 0;
	if (sysfs_read(id, "functions", text, sizeof(text)))
		return -1;
	return ksp_helper_functions_parse(text, v, n);
}

/* "NAME" or "NAME pinned" into t; -1 if the line is neither. */
static int target_parse(const char *line, size_t len, struct ksp_helper_target *t)
{
	size_t name_len = strcspn(line, " \n");
	if (name_len > len)
		name_len = len;
	if (name_len == 0 || name_len >= sizeof(t->name))
		return -1;
	const char *rest = line + name_len;
	size_t rest_len = len - name_len;
	t->pinned = rest_len == strlen(" pinned") && !strncmp(rest, " pinned", rest_len);
	t->pending = rest_len == strlen(" pending") && !strncmp(rest, " pending", rest_len);
	if (rest_len && !t->pinned && !t->pending)
		return -1;
	snprintf(t->name, sizeof(t->name), "%.*s", (int)name_len, line);
	return 0;
}

int ksp_helper_targets_parse(const char *text, struct ksp_helper_target **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		struct ksp_helper_target t;
		int ok = target_parse(line, len, &t) == 0;
		line += len + (nl ? 1 : 0);
		if (!ok)
			continue;
		struct ksp_helper_target *grown = realloc(*v, (*n + 1) * sizeof(**v));
		if (!grown) {
			free(*v);
			*v = NULL;
			*n = 0;
			return -1;
		}
		*v = grown;
		(*v)[(*n)++] = t;
	}
	return 0;
}

int ksp_helper_targets(const char *id, struct ksp_helper_target **v, size_t *n)
{
	char text[8192];
	*v = NULL;
	*n = 0;
	if (sysfs_read(id, "targets", text, sizeof(text)))
		return -1;
	return ksp_helper_targets_parse(text, v, n);
}

static int id_list_add(struct ksp_id_list *list, const char *id, size_t len)
{
	if (len == 0 || len > KSPLICE_ID_MAX)
		return 0;
	void *grown = realloc(list->ids, (list->n + 1) * sizeof(*list->ids));
	if (!grown)
		return -1;
	list->ids = grown;
	snprintf(list->ids[list->n++], sizeof(*list->ids), "%.*s", (int)len, id);
	return 0;
}

int ksp_id_list_parse(const char *text, struct ksp_id_list *list)
{
	memset(list, 0, sizeof(*list));
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (id_list_add(list, line, len)) {
			ksp_id_list_free(list);
			return -1;
		}
		line += len + (nl ? 1 : 0);
	}
	return 0;
}

int ksp_helper_updates(struct ksp_id_list *list)
{
	memset(list, 0, sizeof(*list));
	DIR *d = opendir(KSP_SYSFS);
	int rc = 0;
	for (struct dirent *e; d && !rc && (e = readdir(d));)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "version"))
			rc = id_list_add(list, e->d_name, strlen(e->d_name));
	if (d)
		closedir(d);
	if (rc)
		ksp_id_list_free(list);
	return rc;
}

int ksp_helper_depends_on(const char *id, struct ksp_id_list *list)
{
	char text[4096];
	sysfs_read(id, "depends_on", text, sizeof(text));
	return ksp_id_list_parse(text, list);
}

void ksp_id_list_free(struct ksp_id_list *list)
{
	free(list->ids);
	memset(list, 0, sizeof(*list));
}

void ksp_helper_description(const char *id, char *buf, size_t len)
{
	sysfs_read(id, "description", buf, len);
}

void ksp_helper_cves_parse(const char *text, struct ksp_helper_facts *f)
{
	f->ncves = 0;
	for (const char *p = text; *p && f->ncves < KSP_HELPER_CVES_MAX;) {
		size_t n = strcspn(p, "\n");
		char *cve = f->cves[f->ncves];
		if (n <= KSP_CVE_ID_MAX) {
			memcpy(cve, p, n);
			cve[n] = '\0';
			f->ncves += ksp_cve_valid(cve);
		}
		p += n + (p[n] == '\n');
	}
}

void ksp_helper_facts(const char *id, struct ksp_helper_facts *f)
{
	char text[KSPLICE_CVES_MAX + 2];
	memset(f, 0, sizeof(*f));
	if (sysfs_read(id, "cves", text, sizeof(text)) == 0)
		ksp_helper_cves_parse(text, f);
	sysfs_read(id, "brings", f->brings, sizeof(f->brings));
	sysfs_read(id, "signer", f->signer, sizeof(f->signer));
	if (!ksp_version_valid(f->brings))
		f->brings[0] = '\0';
}

int ksp_helper_set_signer(const char *id, const char *subject)
{
	char line[KSPLICE_SIGNER_MAX + 1];
	snprintf(line, sizeof(line), "%s", subject);
	return sysfs_write(id, "signer", line);
}

long long ksp_helper_applied_at(const char *id)
{
	char text[32];
	return sysfs_read(id, "applied_at", text, sizeof(text)) ? 0 : strtoll(text, NULL, 10);
}

unsigned long long ksp_helper_pause_ns(const char *id)
{
	char text[32];
	return sysfs_read(id, "pause_ns", text, sizeof(text)) ? 0 : strtoull(text, NULL, 10);
}

int ksp_helper_set_kick(const char *id, int kick)
{
	return sysfs_write(id, "kick", kick ? "1" : "0");
}

void ksp_helper_kicks(const char *id, struct ksp_helper_kicks *k)
{
	char text[32];
	k->kicked = sysfs_read(id, "kicked", text, sizeof(text))
			    ? 0
			    : (unsigned)strtoul(text, NULL, 10);
	k->held_ns = sysfs_read(id, "held_ns", text, sizeof(text)) ? 0 : strtoull(text, NULL, 10);
}

int ksp_helper_loaded(void)
{
	return access(KSP_SYSFS "/version", F_OK) == 0;
}

void ksp_helper_version(char *buf, size_t len)
{
	sysfs_read(NULL, "version", buf, len);
}
