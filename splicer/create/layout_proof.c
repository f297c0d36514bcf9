#include "layout_proof.h"
#include "dwarf_layout.h"

#include <stdio.h>
#include <string.h>

/* The first unit whose pre object's DWARF defines type: 1 with both
 * layouts, 0 if none does, -1 with err. */
static int find_layouts(const struct ksp_create_result *res, const char *type,
			struct ksp_layout *pre, struct ksp_layout *post, const char **object,
			struct ksp_error *err)
{
	for (size_t i = 0; i < res->nunits; i++) {
		const struct ksp_create_unit *u = &res->units[i];
		if (!u->pre || !u->post)
			continue;
		int rc = ksp_dwarf_layout_load(u->pre, type, pre, err);
		if (rc <= 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		rc = ksp_dwarf_layout_load(u->post, type, post, err);
		if (rc <= 0) {
			ksp_layout_free(pre);
			if (rc < 0)
				return -1;
			continue; /* the patch made the object stop using it */
		}
		*object = u->object;
		return 1;
	}
	return 0;
}

static int prove_one(const struct ksp_create_opts *o, const struct ksp_create_result *res,
		     const struct ksp_layout_suspect *s, struct ksp_error *err)
{
	struct ksp_layout pre, post;
	const char *object = NULL;
	int found = find_layouts(res, s->type, &pre, &post, &object, err);
	if (found < 0)
		return -1;
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
	if (o->progress) {
		fprintf(o->progress,
			"%s: %s: definition changed, compiled layout the same (every member "
			"at its offset with its type, in %s's DWARF)\n",
			s->file, s->type, object);
		fflush(o->progress);
	}
	return 0;
}

int ksp_layout_prove(const struct ksp_create_opts *o, const struct ksp_create_result *res,
		     const struct ksp_layout_suspects *s, struct ksp_error *err)
{
	for (size_t i = 0; i < s->n; i++) {
		int rc = prove_one(o, res, &s->v[i], err);
		if (rc)
			return rc;
	}
	return 0;
}
