/* The state directory of kept updates (persist_store.h). */
#include "persist_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEPT_SUFFIX ".tar.gz"

void ksp_state_dir(const char *release, char *buf, size_t len)
{
	const char *root = getenv("KSPLICE_STATE_DIR");
	snprintf(buf, len, "%s/%s", root && root[0] ? root : KSP_STATE_DIR_DEFAULT, release);
}

int ksp_kept_name_parse(const char *name, unsigned *seq, char *id, size_t idlen)
{
	size_t n = strlen(name), digits = strspn(name, "0123456789");
	size_t suffix = sizeof(KEPT_SUFFIX) - 1;
	if (digits != 4 || name[4] != '-' || n <= 5 + suffix ||
	    strcmp(name + n - suffix, KEPT_SUFFIX) != 0)
		return -1;
	size_t idn = n - 5 - suffix;
	if (idn >= idlen)
		return -1;
	for (size_t i = 5; i < 5 + idn; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return -1;
	*seq = (unsigned)strtoul(name, NULL, 10);
	memcpy(id, name + 5, idn);
	id[idn] = '\0';
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct ksp_kept *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int ksp_kept_list(const char *dir, struct ksp_kept_list *out, struct ksp_error *err)
{
	memset(out, 0, sizeof(*out));
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0
				       : ksp_failc(err, KSP_E_STATE_DIR, "%s: cannot read: %s", dir,
						   strerror(errno));
	struct dirent *e;
	size_t cap = 0;
	while ((e = readdir(d))) {
		struct ksp_kept k;
		memset(&k, 0, sizeof(k));
		if (ksp_kept_name_parse(e->d_name, &k.seq, k.id, sizeof(k.id)))
			continue;
		snprintf(k.file, sizeof(k.file), "%s", e->d_name);
		if (out->n == cap) {
			cap = cap ? 2 * cap : 8;
			struct ksp_kept *v = realloc(out->v, cap * sizeof(*v));
			if (!v) {
				closedir(d);
				ksp_kept_list_free(out);
				return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
			}
			out->v = v;
		}
		out->v[out->n++] = k;
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_seq);
	return 0;
}

void ksp_kept_list_free(struct ksp_kept_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const struct ksp_kept *ksp_kept_find(const struct ksp_kept_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].id, id))
			return &l->v[i];
	return NULL;
}

void ksp_kept_name_for(const struct ksp_kept_list *l, const char *id, char *buf, size_t len)
{
	const struct ksp_kept *k = ksp_kept_find(l, id);
	if (k) {
		snprintf(buf, len, "%s", k->file);
		return;
	}
	unsigned next = l->n ? l->v[l->n - 1].seq + 1 : 1;
	snprintf(buf, len, "%04u-%s%s", next, id, KEPT_SUFFIX);
}

/* Whoever can write the directory decides what is applied at boot: it must
 * be the caller's (root's) and no one else may write it. */
static int check_private_dir(const char *path, struct ksp_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: not a directory", path);
	if (st.st_mode & (S_IWGRP | S_IWOTH) || st.st_uid != geteuid())
		return ksp_failc(err, KSP_E_STATE_DIR,
				 "%s: owned by uid %u or writable by others (mode %03o): refused, "
				 "only root may decide what is applied at boot",
				 path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
	return 0;
}

static int make_private_dir(const char *path, struct ksp_error *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: cannot create: %s", path,
				 strerror(errno));
	return check_private_dir(path, err);
}

/* The state root: dir without its last component ("" when it has none). */
static void state_root(const char *dir, char *root, size_t len)
{
	snprintf(root, len, "%s", dir);
	char *slash = strrchr(root, '/');
	if (slash && slash != root)
		*slash = '\0';
	else
		root[0] = '\0';
}

int ksp_state_prepare(const char *dir, struct ksp_error *err)
{
	char root[4096];
	state_root(dir, root, sizeof(root));
	if (root[0] && make_private_dir(root, err))
		return -1;
	return make_private_dir(dir, err);
}

int ksp_state_check(const char *dir, struct ksp_error *err)
{
	char root[4096];
	state_root(dir, root, sizeof(root));
	if (root[0] && check_private_dir(root, err))
		return -1;
	return check_private_dir(dir, err);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ksp_state_write(const char *dir, const char *name, const void *data, size_t len,
		    struct ksp_error *err)
{
	char tmp[4096], path[4096];
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp%ld", dir, name, (long)getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: cannot create: %s", tmp,
				 strerror(errno));
	int bad = write_all(fd, data, len) || fsync(fd);
	int saved = errno;
	if (close(fd) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	if (!bad && rename(tmp, path) != 0) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		unlink(tmp);
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: cannot write: %s", path,
				 strerror(saved));
	}
	if (sync_dir(dir) != 0)
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: cannot sync: %s", dir, strerror(errno));
	return 0;
}

int ksp_state_read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	buf[0] = '\0';
	if (!fgets(buf, (int)len, f) && ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int ksp_state_remove(const char *dir, const char *name, struct ksp_error *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) != 0 && errno != ENOENT)
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: cannot remove: %s", path,
				 strerror(errno));
	if (sync_dir(dir) != 0 && errno != ENOENT)
		return ksp_failc(err, KSP_E_STATE_DIR, "%s: cannot sync: %s", dir, strerror(errno));
	return 0;
}
