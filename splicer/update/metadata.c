/* The update's metadata: model, parser, writer (metadata.h). */
#include "metadata.h"
#include "update_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ksp_meta_list_add(struct ksp_meta_list *l, const char *s)
{
	const char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	l->v = v;
	l->v[l->n++] = s;
	return 0;
}

int ksp_meta_list_has(const struct ksp_meta_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

struct ksp_meta_unit *ksp_metadata_add_unit(struct ksp_metadata *m, const char *object)
{
	struct ksp_meta_unit *u = realloc(m->units, (m->nunits + 1) * sizeof(*u));
	if (!u)
		return NULL;
	m->units = u;
	u = &m->units[m->nunits++];
	memset(u, 0, sizeof(*u));
	u->object = object;
	return u;
}

int ksp_metadata_is_external(const struct ksp_metadata *m, const char *name)
{
	for (size_t i = 0; i < m->nunits; i++)
		if (ksp_meta_list_has(&m->units[i].externals, name))
			return 1;
	return 0;
}

static void list_free(struct ksp_meta_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void ksp_metadata_free(struct ksp_metadata *m)
{
	for (size_t i = 0; i < m->nunits; i++) {
		struct ksp_meta_unit *u = &m->units[i];
		list_free(&u->changed);
		list_free(&u->check);
		list_free(&u->new_functions);
		list_free(&u->new_data);
		list_free(&u->externals);
	}
	free(m->units);
	list_free(&m->cves);
	list_free(&m->after);
	free(m->text);
	memset(m, 0, sizeof(*m));
	m->api_version = -1;
}

/* The per-unit list a key fills, or NULL for another key. */
static struct ksp_meta_list *unit_list(struct ksp_meta_unit *u, const char *key)
{
	if (!strcmp(key, "CHANGED"))
		return &u->changed;
	if (!strcmp(key, "CHECK"))
		return &u->check;
	if (!strcmp(key, "NEW"))
		return &u->new_functions;
	if (!strcmp(key, "NEW_DATA"))
		return &u->new_data;
	if (!strcmp(key, "EXTERNAL"))
		return &u->externals;
	return NULL;
}

/* The field a key given once fills, or NULL for another key. */
static const char **single_field(struct ksp_metadata *m, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} fields[] = {
		{"ID", offsetof(struct ksp_metadata, id)},
		{"DESCRIPTION", offsetof(struct ksp_metadata, description)},
		{"KERNEL_RELEASE", offsetof(struct ksp_metadata, kernel_release)},
		{"BUILD_ID", offsetof(struct ksp_metadata, build_id)},
		{"COMPILER", offsetof(struct ksp_metadata, compiler)},
		{"TOOL_VERSION", offsetof(struct ksp_metadata, tool_version)},
		{"CREATED", offsetof(struct ksp_metadata, created)},
		{"BRINGS", offsetof(struct ksp_metadata, brings)},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(key, fields[i].key))
			return (const char **)((char *)m + fields[i].offset);
	return NULL;
}

/* A per-unit line: "OBJECT:NAME" of the current unit; only NAME is kept,
 * but an EXTERNAL is a binding key, kept whole. */
static int add_unit_line(struct ksp_metadata *m, const char *key, const char *value,
			 struct ksp_error *err)
{
	struct ksp_meta_unit *u = m->nunits ? &m->units[m->nunits - 1] : NULL;
	struct ksp_meta_list *l = u ? unit_list(u, key) : NULL;
	if (!u)
		return ksp_failc(err, KSP_E_BAD_FILE, "metadata: %s=%s before any UNIT=", key,
				 value);
	if (l == &u->externals)
		return ksp_meta_list_add(l, value);
	size_t n = strlen(u->object);
	if (strncmp(value, u->object, n) != 0 || value[n] != ':')
		return ksp_failc(err, KSP_E_BAD_FILE, "metadata: %s=%s outside its unit %s", key,
				 value, u->object);
	return ksp_meta_list_add(l, value + n + 1);
}

int ksp_module_name_valid(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	return n > 0 && n <= 55 && !name[n];
}

const char *ksp_meta_unit_target(const struct ksp_meta_unit *u)
{
	return u->target ? u->target : "vmlinux";
}

/* TARGET= of the current unit: once, a module name or vmlinux (kept NULL). */
static int set_target(struct ksp_metadata *m, const char *value, struct ksp_error *err)
{
	struct ksp_meta_unit *u = m->nunits ? &m->units[m->nunits - 1] : NULL;
	if (!u)
		return ksp_failc(err, KSP_E_BAD_FILE, "metadata: TARGET=%.64s before any UNIT=",
				 value);
	if (strcmp(value, "vmlinux") && !ksp_module_name_valid(value))
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "metadata: TARGET=%.64s of %s is neither vmlinux nor a module name",
				 value, u->object);
	if (!u->target && strcmp(value, "vmlinux"))
		u->target = value;
	return 0;
}

static int parse_line(struct ksp_metadata *m, char *line, struct ksp_error *err)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return 0;
	*eq = '\0';
	const char *key = line, *value = eq + 1;
	const char **field = single_field(m, key);
	struct ksp_meta_unit probe = {0};
	if (field) {
		if (!*field)
			*field = value;
		return 0;
	}
	if (!strcmp(key, "API_VERSION")) {
		if (m->api_version < 0)
			m->api_version = atoi(value);
		return 0;
	}
	if (!strcmp(key, "AFTER"))
		return ksp_meta_list_add(&m->after, value);
	if (!strcmp(key, "CVE"))
		return ksp_meta_list_add(&m->cves, value);
	if (!strcmp(key, "UNIT"))
		return ksp_metadata_add_unit(m, value) ? 0 : -1;
	if (!strcmp(key, "TARGET"))
		return set_target(m, value, err);
	if (unit_list(&probe, key))
		return add_unit_line(m, key, value, err);
	return 0;
}

/* Ids name sysfs directories and module names: only what ksplice-create
 * makes is accepted. */
static int check_ids(const struct ksp_metadata *m, struct ksp_error *err)
{
	if (m->id && !ksp_update_id_valid(m->id))
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "metadata: ID=%.64s is not an update id (1 to 16 of a-z, 0-9)",
				 m->id);
	for (size_t i = 0; i < m->after.n; i++)
		if (!ksp_update_id_valid(m->after.v[i]))
			return ksp_failc(err, KSP_E_BAD_FILE,
					 "metadata: AFTER=%.64s is not an update id (1 to 16 of "
					 "a-z, 0-9)",
					 m->after.v[i]);
	return 0;
}

/* What ksplice-create validated (--cve, --brings) is checked again: the
 * kernel shows these, and scanners read them. */
static int check_facts(const struct ksp_metadata *m, struct ksp_error *err)
{
	size_t joined = 0;
	for (size_t i = 0; i < m->cves.n; i++) {
		if (!ksp_cve_valid(m->cves.v[i]))
			return ksp_failc(err, KSP_E_BAD_FILE,
					 "metadata: CVE=%.64s is not a CVE id (CVE-YYYY-NNNN)",
					 m->cves.v[i]);
		joined += strlen(m->cves.v[i]) + (i ? 1 : 0);
	}
	if (joined > KSP_CVES_MAX)
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "metadata: %zu CVE ids take %zu bytes, more than %d", m->cves.n,
				 joined, KSP_CVES_MAX);
	if (m->brings && !ksp_version_valid(m->brings))
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "metadata: BRINGS=%.64s is not a Debian package version",
				 m->brings);
	return 0;
}

int ksp_metadata_parse(const char *text, size_t len, struct ksp_metadata *m, struct ksp_error *err)
{
	memset(m, 0, sizeof(*m));
	m->api_version = -1;
	m->text = malloc(len + 1);
	if (!m->text)
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	for (char *line = m->text; line < m->text + len;) {
		char *nl = memchr(line, '\n', (size_t)(m->text + len - line));
		if (nl)
			*nl = '\0';
		struct ksp_error why = {0};
		if (parse_line(m, line, &why)) {
			if (!why.msg[0])
				ksp_failc(&why, KSP_E_INTERNAL, "out of memory");
			*err = why;
			ksp_metadata_free(m);
			return -1;
		}
		line = nl ? nl + 1 : m->text + len;
	}
	if (check_ids(m, err) || check_facts(m, err)) {
		ksp_metadata_free(m);
		return -1;
	}
	return 0;
}

static void write_unit_lines(FILE *f, const char *key, const char *object,
			     const struct ksp_meta_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s=%s%s%s\n", key, object ? object : "", object ? ":" : "", l->v[i]);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

char *ksp_metadata_format(const struct ksp_metadata *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fprintf(f,
		"API_VERSION=%d\nID=%s\nDESCRIPTION=%s\nKERNEL_RELEASE=%s\nBUILD_ID=%s\n"
		"COMPILER=%s\nTOOL_VERSION=%s\nCREATED=%s\n",
		m->api_version, or_empty(m->id), or_empty(m->description),
		or_empty(m->kernel_release), or_empty(m->build_id), or_empty(m->compiler),
		or_empty(m->tool_version), or_empty(m->created));
	if (m->brings)
		fprintf(f, "BRINGS=%s\n", m->brings);
	for (size_t i = 0; i < m->cves.n; i++)
		fprintf(f, "CVE=%s\n", m->cves.v[i]);
	for (size_t i = 0; i < m->after.n; i++)
		fprintf(f, "AFTER=%s\n", m->after.v[i]);
	for (size_t i = 0; i < m->nunits; i++) {
		const struct ksp_meta_unit *u = &m->units[i];
		fprintf(f, "UNIT=%s\nTARGET=%s\n", u->object, ksp_meta_unit_target(u));
		write_unit_lines(f, "CHANGED", u->object, &u->changed);
		write_unit_lines(f, "CHECK", u->object, &u->check);
		write_unit_lines(f, "NEW", u->object, &u->new_functions);
		write_unit_lines(f, "NEW_DATA", u->object, &u->new_data);
		write_unit_lines(f, "EXTERNAL", NULL, &u->externals);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
