/*
 * Applying the operator's diff to the kernel tree with GNU patch: strictly
 * (no fuzz: a security fix that only applies with fuzz is not the fix that
 * was reviewed), never interactively, without backup or reject files, and
 * always as a dry run first, so that a diff that does not apply leaves the
 * tree untouched.
 */
#ifndef KSPLICE_PATCH_APPLY_H
#define KSPLICE_PATCH_APPLY_H

#include "error.h"

/* Checks (dry_run) or applies patch_file to the tree at root with -p<strip>.
 * patch's output is appended to log_path. On failure err says which file and
 * hunk, e.g. "fix.patch: hunk #2 of kernel/sys.c does not apply (at line 30)". */
int ksp_patch_apply(const char *root, const char *patch_file, int strip, int dry_run,
		    const char *log_path, struct ksp_error *err);

/* Takes an applied patch back out (patch --reverse). */
int ksp_patch_revert(const char *root, const char *patch_file, int strip, const char *log_path,
		     struct ksp_error *err);

#endif
