/* ksp_patch_layout_check: the patch applied to copies, each changed C file
 * compared before and after by the matcher's layout comparison. */
#include "layout_check.h"
#include "fileio.h"
#include "kconfig.h"
#include "layout.h"
#include "patch_apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int c_text(const char *path)
{
	size_t n = strlen(path);
	return n > 2 && path[n - 2] == '.' && (path[n - 1] == 'c' || path[n - 1] == 'h');
}

struct collecting {
	struct ksp_layout_suspects *out;
	const char *file;
};

static int add_suspect(void *ctx, const char *type)
{
	struct collecting *c = ctx;
	struct ksp_layout_suspect *v = realloc(c->out->v, (c->out->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	c->out->v = v;
	v[c->out->n] = (struct ksp_layout_suspect){strdup(c->file), strdup(type), 0};
	if (!v[c->out->n].file || !v[c->out->n].type) {
		free(v[c->out->n].file);
		free(v[c->out->n].type);
		return -1;
	}
	c->out->n++;
	return 0;
}

static int compare_file(const char *tree, const char *copy, const char *rel,
			const struct ksp_kconfig *k, struct ksp_layout_suspects *out,
			struct ksp_error *err)
{
	char pre_path[8400], post_path[8400];
	snprintf(pre_path, sizeof(pre_path), "%s/%s", tree, rel);
	snprintf(post_path, sizeof(post_path), "%s/%s", copy, rel);
	unsigned char *pre, *post;
	size_t len;
	if (ksp_read_file(pre_path, 0, &pre, &len, err))
		return -1;
	if (ksp_read_file(post_path, 0, &post, &len, err)) {
		free(pre);
		return -1;
	}
	struct collecting c = {out, rel};
	int rc = ksp_layout_changed_each((char *)pre, (char *)post, k, add_suspect, &c);
	free(pre);
	free(post);
	return rc < 0 ? ksp_fail(err, "out of memory") : 0;
}

void ksp_layout_suspects_free(struct ksp_layout_suspects *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].file);
		free(s->v[i].type);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int ksp_patch_layout_check(const char *tree, const char *patch, const struct ksp_diff *diff,
			   const char *workdir, struct ksp_layout_suspects *out,
			   struct ksp_error *err)
{
	char copy[4200], log[4300];
	snprintf(copy, sizeof(copy), "%s/layout", workdir);
	snprintf(log, sizeof(log), "%s/layout.log", workdir);
	if (mkdir(copy, 0755) && errno != EEXIST)
		return ksp_fail(err, "%s: %s", copy, strerror(errno));
	for (size_t i = 0; i < diff->nfiles; i++) {
		const struct ksp_file_diff *f = &diff->files[i];
		if (!f->old_path || !f->new_path)
			continue;
		char from[4200], to[4300];
		snprintf(from, sizeof(from), "%s/%s", tree, f->new_path);
		snprintf(to, sizeof(to), "%s/%s", copy, f->new_path);
		if (ksp_copy_file(from, to, err))
			return -1;
	}
	if (ksp_patch_apply(copy, patch, diff->strip, 0, log, err))
		return -1;
	struct ksp_kconfig k;
	if (ksp_kconfig_load(tree, &k, err))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < diff->nfiles && !rc; i++) {
		const struct ksp_file_diff *f = &diff->files[i];
		if (f->old_path && f->new_path && c_text(f->new_path))
			rc = compare_file(tree, copy, f->new_path, &k, out, err);
	}
	ksp_kconfig_free(&k);
	return rc;
}
