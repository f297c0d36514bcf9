/*
 * Keeping updates for the next boot: ksplice-apply --persist (checked
 * before the apply, written after it) and ksplice-undo --forget (what still
 * needs the update). The directory's layout is persist_store.h's; the
 * update files are read through splicer/update.
 */
#ifndef KSPLICE_PERSIST_H
#define KSPLICE_PERSIST_H

#include "error.h"

#include <stddef.h>

struct ksp_persist {
	char dir[4096];
	char id[64];
	char build_id[256];  /* the running kernel's, "" if it names none */
	unsigned char *data; /* the update file's bytes, as read before the apply */
	size_t len;
};

/* Everything --persist needs, before anything is applied: root, the update
 * file readable and an update, the state directory usable and recorded for
 * this build (else KSP_E_STATE_DIR), every update it was made --after
 * already kept (else KSP_E_NOT_KEPT). */
int ksp_persist_prepare(const char *update, struct ksp_persist *p, struct ksp_error *err);

/* After the apply: the file kept under its place in the order (an update
 * kept again keeps its place), and the build id recorded. */
int ksp_persist_commit(const struct ksp_persist *p, struct ksp_error *err);

void ksp_persist_free(struct ksp_persist *p);

/* A kept update other than id that was made --after id, into who ("" and 0
 * when none); -1 with err when the directory cannot be read. */
int ksp_persist_dependent(const char *dir, const char *id, char *who, size_t len,
			  struct ksp_error *err);

#endif
