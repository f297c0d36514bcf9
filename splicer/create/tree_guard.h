/*
 * Puts the kernel tree back exactly as it was. ksplice-create builds objects
 * and applies the patch in the operator's tree; before it writes a file it
 * asks the guard to protect it (a byte-for-byte backup with mode and
 * timestamps, or a note that the file did not exist), and on success,
 * failure or interruption alike the guard restores every protected file and
 * removes every protected file that did not exist. ksp_guard_commit writes
 * the journal (tree_journal.h) that lets a later run restore the tree after
 * a kill no handler sees.
 */
#ifndef KSPLICE_TREE_GUARD_H
#define KSPLICE_TREE_GUARD_H

#include "error.h"

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

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
	size_t journaled; /* entries in the journal last written */
	time_t started;
};

/* backup_dir must exist and be private to this run; it holds the backups
 * and the journal (for ksplice-create: TREE/.ksplice-guard, see
 * tree_journal.h). */
int ksp_guard_init(struct ksp_guard *g, const char *root, const char *backup_dir,
		   struct ksp_error *err);

/* Records rel's current state; protecting the same path again is a no-op. */
int ksp_guard_protect(struct ksp_guard *g, const char *rel, struct ksp_error *err);

/* Writes the journal if paths were protected since it was last written.
 * Call it after protecting and before touching the protected paths. */
int ksp_guard_commit(struct ksp_guard *g, struct ksp_error *err);

/* Restores every protected path; carries on past errors and reports the
 * first. Then removes the backups, the journal and backup_dir (if empty);
 * on error it keeps them, for the next run to finish the restore. */
int ksp_guard_restore(struct ksp_guard *g, struct ksp_error *err);

void ksp_guard_free(struct ksp_guard *g);

#endif
