#include "leftovers.h"
#include "array.h"
#include "run.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* try-run's .tmp_PID directories, and filechk's .NAME.tmp, whose EXIT trap
 * does not run when make's shell dies of the signal. */
static int is_kbuild_temporary(const char *name)
{
	size_t n = strlen(name);
	return !strncmp(name, ".tmp_", 5) ||
	       (name[0] == '.' && n > 5 && !strcmp(name + n - 4, ".tmp"));
}

static int read_names(struct ksp_listing *d)
{
	size_t cap = 0;
	DIR *dir = opendir(d->dir);
	int rc = 0;
	for (struct dirent *e; dir && !rc && (e = readdir(dir));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (d->tmp_only && !is_kbuild_temporary(e->d_name)))
			continue;
		char **v = ksp_array_room(d->names, &cap, d->n, sizeof(*v), 64);
		if (!v || !(v[d->n] = strdup(e->d_name)))
			rc = -1;
		else
			d->names = v, d->n++;
	}
	if (dir)
		closedir(dir);
	qsort(d->names, d->n, sizeof(*d->names), cmp_str);
	return rc;
}

static int add_listing(struct ksp_leftovers *l, size_t *cap, const char *dir, int tmp_only)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].dir, dir) && l->v[i].tmp_only == tmp_only)
			return 0;
	struct ksp_listing *v = ksp_array_room(l->v, cap, l->n, sizeof(*v), 16);
	if (!v)
		return -1;
	l->v = v;
	struct ksp_listing *d = &l->v[l->n];
	memset(d, 0, sizeof(*d));
	d->tmp_only = tmp_only;
	if (!(d->dir = strdup(dir)))
		return -1;
	l->n++;
	return read_names(d);
}

static void free_listings(struct ksp_leftovers *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->v[i].n; k++)
			free(l->v[i].names[k]);
		free(l->v[i].names);
		free(l->v[i].dir);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int ksp_leftovers_list(struct ksp_leftovers *l, const char *root, const char *const *files,
		       size_t nfiles)
{
	size_t cap = 0;
	memset(l, 0, sizeof(*l));
	static const char *const generated[] = {"include/generated", "include/config",
						"arch/x86/include/generated"};
	int rc = add_listing(l, &cap, root, 1);
	for (size_t i = 0; i < sizeof(generated) / sizeof(*generated) && !rc; i++) {
		char dir[8300];
		snprintf(dir, sizeof(dir), "%s/%s", root, generated[i]);
		rc = add_listing(l, &cap, dir, 1);
	}
	for (size_t i = 0; i < nfiles && !rc; i++) {
		const char *slash = strrchr(files[i], '/');
		char dir[8300];
		snprintf(dir, sizeof(dir), "%s/%.*s", root, slash ? (int)(slash - files[i]) : 0,
			 files[i]);
		rc = add_listing(l, &cap, dir, 0);
	}
	if (rc)
		free_listings(l);
	return rc;
}

int ksp_leftovers_is_new(const struct ksp_leftovers *l, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return 0;
	size_t dir_len = (size_t)(slash - path);
	const char *name = slash + 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct ksp_listing *d = &l->v[i];
		if (d->tmp_only || strlen(d->dir) != dir_len || strncmp(d->dir, path, dir_len))
			continue;
		return !bsearch(&name, d->names, d->n, sizeof(*d->names), cmp_str);
	}
	return 0;
}

static void remove_new(const struct ksp_listing *before)
{
	struct ksp_listing now = {before->dir, NULL, 0, before->tmp_only};
	read_names(&now);
	for (size_t i = 0; i < now.n; i++) {
		const char *key = now.names[i];
		if (!bsearch(&key, before->names, before->n, sizeof(*before->names), cmp_str)) {
			char path[8600];
			snprintf(path, sizeof(path), "%s/%s", before->dir, key);
			const char *argv[] = {"rm", "-rf", "--", path, NULL};
			char out[64];
			ksp_run_capture(argv, NULL, out, sizeof(out));
		}
		free(now.names[i]);
	}
	free(now.names);
}

void ksp_leftovers_remove(struct ksp_leftovers *l)
{
	for (size_t i = 0; i < l->n; i++)
		remove_new(&l->v[i]);
	free_listings(l);
}

int ksp_leftovers_finish(struct ksp_leftovers *l, int listed, struct ksp_guard *g, int rc,
			 struct ksp_error *err)
{
	if (listed)
		ksp_leftovers_remove(l);
	struct ksp_error restore_err;
	if (ksp_guard_restore(g, &restore_err)) {
		ksp_failc(err, KSP_E_INTERNAL, "%s", restore_err.msg);
		rc = KSP_E_INTERNAL;
	}
	ksp_guard_free(g);
	return rc;
}
