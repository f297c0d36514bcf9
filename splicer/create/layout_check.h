/*
 * The data layout check of a patch, before anything is built (the
 * comparison itself and what it refuses: matcher/source/layout.h).
 */
#ifndef KSPLICE_LAYOUT_CHECK_H
#define KSPLICE_LAYOUT_CHECK_H

#include "diff.h"
#include "error.h"

/* A struct or union whose definition the patch changes. */
struct ksp_layout_suspect {
	char *file; /* where it is defined, relative to the tree */
	char *type; /* "struct dst_entry" */
	int proven; /* its compiled layout was found the same */
};

struct ksp_layout_suspects {
	struct ksp_layout_suspect *v;
	size_t n;
};

/* Applies the patch to copies of the files it modifies (under workdir/layout;
 * the tree is only read) and compares each C file and header before and
 * after: every type whose definition differs goes into out. The types are
 * not refused here: whether their compiled layout changed is decided from
 * the built objects' DWARF (layout_proof.h). 0, or -1 with err. */
int ksp_patch_layout_check(const char *tree, const char *patch, const struct ksp_diff *diff,
			   const char *workdir, struct ksp_layout_suspects *out,
			   struct ksp_error *err);
void ksp_layout_suspects_free(struct ksp_layout_suspects *s);

#endif
