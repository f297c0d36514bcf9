/*
 * Unified diffs, as an operator hands them to ksplice-create: which files a
 * patch touches, its hunks, and enough validation to refuse a malformed diff
 * with the file and line at fault before any tree is touched.
 *
 * Accepted: `diff -u`, `git diff` and `git format-patch` output (a mail header
 * and commit message before the first `diff --git`/`---` line are skipped),
 * with `a/` `b/` prefixes or without. A file created or deleted by the patch
 * is marked as such (ksplice-create refuses new object files).
 */
#ifndef KSPLICE_DIFF_H
#define KSPLICE_DIFF_H

#include "error.h"

#include <stddef.h>

struct ksp_hunk {
	unsigned old_start, old_count;
	unsigned new_start, new_count;
	unsigned diff_line; /* line of the @@ header in the diff, 1-based */
	unsigned added, removed;
};

struct ksp_file_diff {
	char *old_path; /* NULL for a file the patch creates */
	char *new_path; /* NULL for a file the patch deletes */
	struct ksp_hunk *hunks;
	size_t nhunks;
};

struct ksp_diff {
	struct ksp_file_diff *files;
	size_t nfiles;
	char *description; /* first non-empty line (the Subject of a mail) */
	int strip;	   /* leading path components removed, as patch -pN */
};

/* Parses a diff; origin names it in error messages ("fix.patch:12: ...").
 * Returns -1 on a malformed diff or one that changes nothing. */
int ksp_diff_parse(const char *text, size_t len, const char *origin, struct ksp_diff *diff,
		   struct ksp_error *err);

/* Reads and parses a diff file. */
int ksp_diff_load(const char *path, struct ksp_diff *diff, struct ksp_error *err);

/* Makes every path relative to the tree at root: removes further leading
 * components (updating strip) until each file the diff modifies or deletes
 * exists there. -1, naming the first file, if no strip level fits. */
int ksp_diff_resolve_paths(struct ksp_diff *diff, const char *root, struct ksp_error *err);

/* The path a file diff touches in the tree (new path, or old for a deletion). */
const char *ksp_file_diff_path(const struct ksp_file_diff *f);

/* Lines added plus lines removed over the whole diff. */
unsigned ksp_diff_lines_changed(const struct ksp_diff *diff);

void ksp_diff_free(struct ksp_diff *diff);

#endif
