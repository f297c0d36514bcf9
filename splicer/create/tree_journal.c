#include "tree_journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

unsigned long long ksp_process_start_ticks(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* Field 2, the command, is in parentheses and may hold spaces. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

int ksp_process_alive(long pid, unsigned long long start_ticks)
{
	return pid > 0 && ksp_process_start_ticks(pid) == start_ticks;
}

static void journal_path(const char *dir, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Removes every file in dir (the guard's own: no subdirectories). */
static void empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

int ksp_journal_dir_make(const char *root, char *dir, size_t len, struct ksp_error *err)
{
	char journal[4200];
	snprintf(dir, len, "%s/%s", root, KSP_JOURNAL_DIR);
	journal_path(dir, KSP_JOURNAL_NAME, journal, sizeof(journal));
	if (access(journal, F_OK) == 0)
		return ksp_failc(err, KSP_E_TREE, "%s: an interrupted run's journal is still there",
				 journal);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ksp_failc(err, KSP_E_TREE, "%s: cannot create: %s", dir, strerror(errno));
	empty_dir(dir);
	return 0;
}

static void write_entry(FILE *f, const struct ksp_guard_entry *e, size_t index)
{
	if (!e->existed) {
		fprintf(f, "N %s\n", e->rel);
		return;
	}
	fprintf(f, "B %zu %o %lld %ld %lld %ld %s\n", index, (unsigned)(e->st.st_mode & 07777),
		(long long)e->st.st_atim.tv_sec, e->st.st_atim.tv_nsec,
		(long long)e->st.st_mtim.tv_sec, e->st.st_mtim.tv_nsec, e->rel);
}

int ksp_journal_write(const struct ksp_guard *g, struct ksp_error *err)
{
	char tmp[4200], journal[4200];
	journal_path(g->backup_dir, KSP_JOURNAL_NAME ".tmp", tmp, sizeof(tmp));
	journal_path(g->backup_dir, KSP_JOURNAL_NAME, journal, sizeof(journal));
	FILE *f = fopen(tmp, "we");
	if (!f)
		return ksp_fail(err, "%s: %s", tmp, strerror(errno));
	long pid = (long)getpid();
	fprintf(f, "ksplice-guard 1\nowner %ld %llu %lld\n", pid, ksp_process_start_ticks(pid),
		(long long)g->started);
	for (size_t i = 0; i < g->count; i++)
		write_entry(f, &g->entries[i], i);
	int rc = fflush(f) != 0 || fsync(fileno(f)) != 0;
	rc |= fclose(f) != 0;
	if (rc || rename(tmp, journal) != 0 || fsync_dir(g->backup_dir) != 0) {
		int saved = errno;
		unlink(tmp);
		return ksp_fail(err, "%s: cannot write: %s", journal, strerror(saved));
	}
	return 0;
}

void ksp_journal_remove(const struct ksp_guard *g)
{
	char journal[4200];
	journal_path(g->backup_dir, KSP_JOURNAL_NAME, journal, sizeof(journal));
	/* The journal first: without it, what is left is only stale copies. */
	if (unlink(journal) == 0)
		fsync_dir(g->backup_dir);
	for (size_t i = 0; i < g->count; i++)
		if (g->entries[i].backup)
			unlink(g->entries[i].backup);
	rmdir(g->backup_dir);
}

struct journal_owner {
	long pid;
	unsigned long long start_ticks;
	long long started;
};

/* One "B ..." or "N ..." line into a new entry of g. */
static int parse_entry(struct ksp_guard *g, const char *line)
{
	struct ksp_guard_entry e;
	memset(&e, 0, sizeof(e));
	size_t index;
	unsigned mode;
	long long as, ms;
	long an, mn;
	int used = 0;
	if (line[0] == 'N' && line[1] == ' ') {
		e.rel = strdup(line + 2);
	} else if (sscanf(line, "B %zu %o %lld %ld %lld %ld %n", &index, &mode, &as, &an, &ms, &mn,
			  &used) == 6 &&
		   used > 0) {
		e.existed = 1;
		e.rel = strdup(line + used);
		e.st.st_mode = S_IFREG | (mode & 07777);
		e.st.st_atim = (struct timespec){(time_t)as, an};
		e.st.st_mtim = (struct timespec){(time_t)ms, mn};
		if (asprintf(&e.backup, "%s/%zu", g->backup_dir, index) < 0)
			e.backup = NULL;
	} else {
		return -1;
	}
	struct ksp_guard_entry *v = realloc(g->entries, (g->count + 1) * sizeof(*v));
	if (!e.rel || (e.existed && !e.backup) || !v) {
		free(e.rel);
		free(e.backup);
		if (v)
			g->entries = v;
		return -1;
	}
	g->entries = v;
	g->entries[g->count++] = e;
	return 0;
}

/* Reads the journal into g (already initialised with root and dir). */
static int read_journal(struct ksp_guard *g, const char *journal, struct journal_owner *owner,
			struct ksp_error *err)
{
	FILE *f = fopen(journal, "re");
	if (!f)
		return ksp_fail(err, "%s: %s", journal, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, lineno = 0;
	memset(owner, 0, sizeof(*owner));
	while (!rc && (n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		lineno++;
		if (lineno == 1)
			rc = strcmp(line, "ksplice-guard 1") ? -1 : 0;
		else if (lineno == 2)
			rc = sscanf(line, "owner %ld %llu %lld", &owner->pid, &owner->start_ticks,
				    &owner->started) == 3
				     ? 0
				     : -1;
		else
			rc = parse_entry(g, line);
	}
	free(line);
	fclose(f);
	if (rc || lineno < 2)
		return ksp_failc(err, KSP_E_TREE, "%s:%d: not a ksplice-create journal", journal,
				 lineno);
	return 0;
}

static void report_recovery(FILE *report, const struct ksp_guard *g,
			    const struct journal_owner *owner)
{
	size_t removed = 0;
	for (size_t i = 0; i < g->count; i++)
		removed += !g->entries[i].existed;
	char when[64] = "?";
	time_t t = (time_t)owner->started;
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(report,
		"ksplice-create: %s: restored %zu file%s and removed %zu that an interrupted "
		"ksplice-create (pid %ld, started %s) left changed\n",
		g->root, g->count - removed, g->count - removed == 1 ? "" : "s", removed,
		owner->pid, when);
}

int ksp_journal_recover(const char *root, FILE *report, struct ksp_error *err)
{
	char dir[4200], journal[4300];
	snprintf(dir, sizeof(dir), "%s/%s", root, KSP_JOURNAL_DIR);
	journal_path(dir, KSP_JOURNAL_NAME, journal, sizeof(journal));
	if (access(journal, F_OK) != 0)
		return 0;
	struct ksp_guard g;
	if (ksp_guard_init(&g, root, dir, err))
		return -1;
	struct journal_owner owner;
	int rc = read_journal(&g, journal, &owner, err);
	if (!rc && ksp_process_alive(owner.pid, owner.start_ticks))
		rc = ksp_failc(err, KSP_E_TREE,
			       "%s: ksplice-create (pid %ld) is still working in it (%s)", root,
			       owner.pid, journal);
	if (!rc)
		rc = ksp_guard_restore(&g, err);
	if (!rc)
		report_recovery(report, &g, &owner);
	ksp_guard_free(&g);
	return rc;
}
