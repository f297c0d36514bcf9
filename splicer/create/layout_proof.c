#include "layout_proof.h"
#include "dwarf_layout.h"
#include "fileio.h"
#include "patch_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pre and post copies of built objects, by object name. */
struct built_pair {
	const char *object, *pre, *post;
};

/* The first pair whose pre object's DWARF defines type: 1 with both
 * layouts, 0 if none does, -1 with err. */
static int find_layouts(const struct built_pair *pairs, size_t n, const char *type,
			struct ksp_layout *pre, struct ksp_layout *post, const char **object,
			struct ksp_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int rc = ksp_dwarf_layout_load(pairs[i].pre, type, pre, err);
		if (rc <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		rc = ksp_dwarf_layout_load(pairs[i].post, type, post, err);
		if (rc <= 0) {
			ksp_layout_free(pre);
			if (rc < 0)
				return -1;
			continue; /* the patch made the object stop using it */
		}
		*object = pairs[i].object;
		return 1;
	}
	return 0;
}

/* 1 refused (err says why), 0 proven or (if !must) not found, -1 error. */
static int prove_one(const struct ksp_create_opts *o, const struct built_pair *pairs, size_t n,
		     struct ksp_layout_suspect *s, int must, struct ksp_error *err)
{
	struct ksp_layout pre, post;
	const char *object = NULL;
	int found = find_layouts(pairs, n, s->type, &pre, &post, &object, err);
	if (found < 0)
		return -1;
	if (!found && !must)
		return 0;
	if (!found)
		return ksp_failc(err, KSP_E_REFUSED,
				 "%s: the patch changes the definition of %s, and no object it "
				 "builds compiles the type to compare its layout (the data layout "
				 "of existing objects): refused",
				 s->file, s->type),
		       1;
	char why[256];
	int differs = ksp_layout_compare(&pre, &post, why, sizeof(why));
	ksp_layout_free(&pre);
	ksp_layout_free(&post);
	if (differs)
		return ksp_failc(err, KSP_E_REFUSED,
				 "%s: the patch changes the layout of %s: %s (the data layout of "
				 "existing objects): refused",
				 s->file, s->type, why),
		       1;
	s->proven = 1;
	if (o->progress) {
		fprintf(o->progress,
			"%s: %s: definition changed, compiled layout the same (every member "
			"at its offset with its type, in %s's DWARF)\n",
			s->file, s->type, object);
		fflush(o->progress);
	}
	return 0;
}

static int prove_all(const struct ksp_create_opts *o, const struct built_pair *pairs, size_t n,
		     struct ksp_layout_suspects *s, int must, struct ksp_error *err)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].proven)
			continue;
		int rc = prove_one(o, pairs, n, &s->v[i], must, err);
		if (rc)
			return rc;
	}
	return 0;
}

int ksp_layout_prove(const struct ksp_create_opts *o, const struct ksp_create_result *res,
		     struct ksp_layout_suspects *s, struct ksp_error *err)
{
	struct built_pair *pairs = calloc(res->nunits + 1, sizeof(*pairs));
	if (!pairs)
		return ksp_fail(err, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < res->nunits; i++)
		if (res->units[i].pre && res->units[i].post)
			pairs[n++] = (struct built_pair){res->units[i].object, res->units[i].pre,
							 res->units[i].post};
	int rc = prove_all(o, pairs, n, s, 1, err);
	free(pairs);
	return rc;
}

/* Builds the objects into workdir/layout-SIDE/, as copies. */
static int build_copies(const struct ksp_create_opts *o, struct ksp_create_result *res,
			const char **objects, char **copies, size_t n, const char *side,
			struct ksp_error *err)
{
	char log[4300];
	snprintf(log, sizeof(log), "%s/layout-build-%s.log", res->workdir, side);
	if (ksp_tree_build(&res->tree, objects, n, o->jobs, log, err))
		return -1;
	for (size_t i = 0; i < n; i++) {
		char from[8300], to[8400];
		snprintf(from, sizeof(from), "%s/%s", res->tree.path, objects[i]);
		snprintf(to, sizeof(to), "%s/layout-%s/%s", res->workdir, side, objects[i]);
		if (ksp_copy_file(from, to, err) || !(copies[i] = strdup(to)))
			return -1;
	}
	return 0;
}

int ksp_layout_prove_early(const struct ksp_create_opts *o, struct ksp_create_result *res,
			   const char *log, struct ksp_error *err)
{
	size_t n = 0;
	const char **objects = calloc(res->nunits + 1, sizeof(*objects));
	char **pre = calloc(res->nunits + 1, sizeof(*pre)),
	     **post = calloc(res->nunits + 1, sizeof(*post));
	struct built_pair *pairs = calloc(res->nunits + 1, sizeof(*pairs));
	int rc = objects && pre && post && pairs ? 0 : ksp_fail(err, "out of memory");
	for (size_t i = 0; i < res->nunits && !rc; i++)
		if (!res->units[i].screened)
			objects[n++] = res->units[i].object;
	if (!rc && n && res->layout.n) {
		if (o->progress)
			fprintf(o->progress,
				"building %zu object%s to compare compiled layouts...\n", n,
				n == 1 ? "" : "s"),
				fflush(o->progress);
		rc = build_copies(o, res, objects, pre, n, "pre", err);
		if (!rc && ksp_patch_apply(res->tree.path, o->patch, res->diff.strip, 0, log, err))
			rc = -1;
		else if (!rc) {
			rc = build_copies(o, res, objects, post, n, "post", err);
			struct ksp_error revert_err;
			if (ksp_patch_revert(res->tree.path, o->patch, res->diff.strip, log,
					     &revert_err) &&
			    !rc)
				rc = (*err = revert_err, -1);
		}
		for (size_t i = 0; i < n && !rc; i++)
			pairs[i] = (struct built_pair){objects[i], pre[i], post[i]};
		if (!rc)
			rc = prove_all(o, pairs, n, &res->layout, 0, err);
	}
	for (size_t i = 0; i < n && pre && post; i++) {
		free(pre[i]);
		free(post[i]);
	}
	free(objects);
	free(pre);
	free(post);
	free(pairs);
	return rc;
}
