#include "tree_guard.h"
#include "tree_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[1 << 16];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0)
		rc = -1;
	if (fsync(out) != 0)
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	return rc;
}

int ksp_guard_init(struct ksp_guard *g, const char *root, const char *backup_dir,
		   struct ksp_error *err)
{
	memset(g, 0, sizeof(*g));
	g->root = strdup(root);
	g->backup_dir = strdup(backup_dir);
	g->started = time(NULL);
	if (!g->root || !g->backup_dir) {
		ksp_guard_free(g);
		return ksp_fail(err, "out of memory");
	}
	return 0;
}

static void full_path(const struct ksp_guard *g, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", g->root, rel);
}

int ksp_guard_protect(struct ksp_guard *g, const char *rel, struct ksp_error *err)
{
	for (size_t i = 0; i < g->count; i++)
		if (strcmp(g->entries[i].rel, rel) == 0)
			return 0;
	struct ksp_guard_entry *e = realloc(g->entries, (g->count + 1) * sizeof(*e));
	if (!e)
		return ksp_fail(err, "out of memory");
	g->entries = e;
	e = &g->entries[g->count];
	memset(e, 0, sizeof(*e));
	char path[4096];
	full_path(g, rel, path, sizeof(path));
	if (lstat(path, &e->st) == 0) {
		if (!S_ISREG(e->st.st_mode))
			return ksp_fail(err, "%s: not a regular file", path);
		char backup[4096];
		snprintf(backup, sizeof(backup), "%s/%zu", g->backup_dir, g->count);
		if (copy_file(path, backup, 0600))
			return ksp_fail(err, "%s: cannot back up: %s", path, strerror(errno));
		e->existed = 1;
		e->backup = strdup(backup);
	} else if (errno != ENOENT) {
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	}
	e->rel = strdup(rel);
	if (!e->rel || (e->existed && !e->backup)) {
		free(e->rel);
		free(e->backup);
		return ksp_fail(err, "out of memory");
	}
	g->count++;
	return 0;
}

/* Copy beside the target, then rename over it: a crash mid-restore never
 * leaves a half-written source file. */
static int restore_one(const struct ksp_guard *g, const struct ksp_guard_entry *e)
{
	char path[4096], tmp[4200];
	full_path(g, e->rel, path, sizeof(path));
	if (!e->existed)
		return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	snprintf(tmp, sizeof(tmp), "%s.ksplice-restore", path);
	if (copy_file(e->backup, tmp, e->st.st_mode) || chmod(tmp, e->st.st_mode & 07777) ||
	    rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	struct timespec times[2] = {e->st.st_atim, e->st.st_mtim};
	return utimensat(AT_FDCWD, path, times, 0);
}

int ksp_guard_commit(struct ksp_guard *g, struct ksp_error *err)
{
	if (g->journaled == g->count)
		return 0;
	if (ksp_journal_write(g, err))
		return -1;
	g->journaled = g->count;
	return 0;
}

int ksp_guard_restore(struct ksp_guard *g, struct ksp_error *err)
{
	int rc = 0;
	for (size_t i = g->count; i-- > 0;) {
		if (restore_one(g, &g->entries[i]) && rc == 0) {
			rc = ksp_fail(err, "%s/%s: could not be restored (%s); backup kept in %s",
				      g->root, g->entries[i].rel, strerror(errno),
				      g->entries[i].backup ? g->entries[i].backup : "(none)");
		}
	}
	if (rc == 0)
		ksp_journal_remove(g);
	return rc;
}

void ksp_guard_free(struct ksp_guard *g)
{
	for (size_t i = 0; i < g->count; i++) {
		free(g->entries[i].rel);
		free(g->entries[i].backup);
	}
	free(g->entries);
	free(g->root);
	free(g->backup_dir);
	memset(g, 0, sizeof(*g));
}
