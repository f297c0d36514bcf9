/*
 * What a build leaves in the tree that the tree guard cannot know in
 * advance: kbuild's try-run directories (TREE/.tmp_PID, removed on exit, so
 * left only by an interrupted build), filechk's temporaries in the generated
 * include directories (.package.h.tmp, left the same way) and files that an object's rules
 * generate beside it the first time it is built (security/selinux/flask.h,
 * security/apparmor/capability_names.h, security/tomoyo/builtin-policy.h).
 * The names in those directories are listed before the build; afterwards
 * every new one is removed.
 */
#ifndef KSPLICE_LEFTOVERS_H
#define KSPLICE_LEFTOVERS_H

#include "error.h"
#include "tree_guard.h"

#include <stddef.h>

struct ksp_listing {
	char *dir;    /* absolute */
	char **names; /* sorted */
	size_t n;
	int tmp_only; /* only kbuild temporaries (.tmp_*, .*.tmp) count */
};

struct ksp_leftovers {
	struct ksp_listing *v;
	size_t n;
};

/* Lists the kbuild temporaries of root and the generated include
 * directories, and every entry of the directories holding
 * the given files (relative to root). -1 if out of memory (nothing kept). */
int ksp_leftovers_list(struct ksp_leftovers *l, const char *root, const char *const *files,
		       size_t nfiles);

/* 1 if path (absolute) is in a directory listed whole and was not there
 * when it was listed: the build made it. 0 otherwise, also for paths in
 * directories not listed whole. */
int ksp_leftovers_is_new(const struct ksp_leftovers *l, const char *path);

/* Removes what was not listed, then frees the listing. */
void ksp_leftovers_remove(struct ksp_leftovers *l);

/* The end of guarded builds: removes what they left (l, if listed), then
 * puts the tree back (ksp_guard_restore) and frees the guard. Returns rc,
 * or KSP_E_INTERNAL with err if the tree could not be put back. */
int ksp_leftovers_finish(struct ksp_leftovers *l, int listed, struct ksp_guard *g, int rc,
			 struct ksp_error *err);

#endif
