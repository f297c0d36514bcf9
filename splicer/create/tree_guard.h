/*
 * Puts the kernel tree back exactly as it was. ksplice-create builds objects
 * and applies the patch in the operator's tree; before it writes a file it
 * asks the guard to protect it (a byte-for-byte backup with mode and
 * timestamps, or a note that the file did not exist), and on success,
 * failure or interruption alike the guard restores every protected file and
 * removes every protected file that did not exist.
 */
#ifndef KSPLICE_TREE_GUARD_H
#define KSPLICE_TREE_GUARD_H

#include "error.h"

#include <stddef.h>
#include <sys/stat.h>

struct ksp_guard_entry {
	char *rel;    /* path relative to the tree */
	int existed;  /* 0: remove it on restore */
	char *backup; /* path of the copy, if it existed */
	struct stat st;
};

struct ksp_guard {
	char *root;
	char *backup_dir;
	struct ksp_guard_entry *entries;
	size_t count;
};

/* backup_dir must exist and be private to this run. */
int ksp_guard_init(struct ksp_guard *g, const char *root, const char *backup_dir,
		   struct ksp_error *err);

/* Records rel's current state; protecting the same path again is a no-op. */
int ksp_guard_protect(struct ksp_guard *g, const char *rel, struct ksp_error *err);

/* Restores every protected path; carries on past errors and reports the
 * first. */
int ksp_guard_restore(struct ksp_guard *g, struct ksp_error *err);

void ksp_guard_free(struct ksp_guard *g);

#endif
