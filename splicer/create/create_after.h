/*
 * Stacked updates: ksplice-create --after EARLIER_UPDATE makes an update
 * from the source with an earlier update's patch applied (the running
 * kernel then runs that update's code). Each earlier update file is read
 * and verified, its `patch` member written to the work directory; under
 * the tree guard it is applied before the pre objects are built, and the
 * new update's metadata records AFTER=ID.
 */
#ifndef KSPLICE_CREATE_AFTER_H
#define KSPLICE_CREATE_AFTER_H

#include "diff.h"
#include "error.h"
#include "tree_guard.h"

struct ksp_after {
	const char *file; /* the earlier update file, as given */
	char id[17];
	char *patch; /* its diff, copied into the work directory */
	struct ksp_diff diff;
};

/* Reads the earlier update `file` (checksums verified), checks it is for
 * `release`, writes its patch as WORKDIR/after-INDEX.patch and parses it
 * against the tree. -1 with err naming the file. */
int ksp_after_load(const char *file, const char *release, const char *tree, const char *workdir,
		   size_t index, struct ksp_after *a, struct ksp_error *err);

/* Has the guard protect every file the earlier patch touches. */
int ksp_after_protect(struct ksp_guard *g, const struct ksp_after *a, struct ksp_error *err);

/* Applies the earlier patch to the tree (dry run first); log gets patch's
 * output. -1 with err naming the earlier update. */
int ksp_after_apply(const struct ksp_after *a, const char *tree, const char *log,
		    struct ksp_error *err);

void ksp_after_free(struct ksp_after *a);

#endif
