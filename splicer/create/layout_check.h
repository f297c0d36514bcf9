/*
 * The data layout check of a patch, before anything is built (the
 * comparison itself and what it refuses: matcher/source/layout.h).
 */
#ifndef KSPLICE_LAYOUT_CHECK_H
#define KSPLICE_LAYOUT_CHECK_H

#include "diff.h"
#include "error.h"

/* Applies the patch to copies of the files it modifies (under workdir/layout;
 * the tree is only read) and compares each C file and header before and
 * after. Returns 1 with err naming the file and type if a layout changes,
 * 0 if none does, -1 with err on failure. */
int ksp_patch_layout_check(const char *tree, const char *patch, const struct ksp_diff *diff,
			   const char *workdir, struct ksp_error *err);

#endif
