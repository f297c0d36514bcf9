/* ksplice-apply's work, and what ksplice-undo and ksplice-view share with
 * it: the helper's sysfs files and module loading. */
#ifndef KSPLICE_APPLY_H
#define KSPLICE_APPLY_H

#include "error.h"

#include <stddef.h>
#include <stdio.h>

enum ksp_apply_exit {
	KSP_APPLY_OK = 0,
	KSP_APPLY_USAGE = 2,
	KSP_APPLY_BAD_FILE = 3,
	KSP_APPLY_NOT_ROOT = 4,
	KSP_APPLY_WRONG_KERNEL = 5,
	KSP_APPLY_NO_MATCH = 6,
	KSP_APPLY_CODE_BUSY = 7,
	KSP_APPLY_REFUSED = 8,
	KSP_APPLY_LOAD = 9,
	KSP_APPLY_INTERNAL = 10,
	/* 11 and 12 are ksplice-view's (--check returns these statuses) */
	KSP_APPLY_NEEDS_EARLIER = 13, /* made on top of an update not applied */
	KSP_APPLY_OTHER_API = 14,     /* made for another kmod-helper API version */
};

/* One word per status ("bad_file", "no_match", ...), for --json. */
const char *ksp_apply_status_name(int status);

struct ksp_apply_opts {
	const char *update; /* the update file */
	const char *helper; /* kmod-helper.ko, or NULL for the default */
	int verbose;
	FILE *detail; /* where -v writes (NULL: stdout) */
};

/* What happened, as ksplice-apply --json reports it. */
struct ksp_apply_outcome {
	char id[32];		     /* the update's, once the file is read */
	int functions;		     /* applied: the helper's count */
	unsigned long long pause_ns; /* the helper's, when it acted */
	char cause[64];		     /* failed: the helper's abort cause, else the status's name */
};

int ksp_apply(const struct ksp_apply_opts *o, struct ksp_apply_outcome *out, struct ksp_error *err);

/* Would the update apply here? Everything ksplice-apply does before it
 * inserts anything: file, kernel, run-pre matching of every function,
 * every reference of the new code resolved, the patch table filled. Prints
 * where each replaced function is; returns a ksp_apply_exit status. */
int ksp_apply_check(const struct ksp_apply_opts *o, struct ksp_error *err);

#define KSP_SYSFS "/sys/kernel/ksplice"

/* Reads /sys/kernel/ksplice/ID/FILE (trailing newline removed). */
int ksp_sysfs_read(const char *id, const char *file, char *buf, size_t len);
/* Writes value to /sys/kernel/ksplice/ID/FILE; -1 with errno set. */
int ksp_sysfs_write(const char *id, const char *file, const char *value);

/* Loads a module image (init_module); -1 with err. */
int ksp_module_insert(const void *image, size_t len, const char *what, struct ksp_error *err);
/* Removes module name; -1 with errno set. */
int ksp_module_remove(const char *name);

/* Loads kmod-helper unless /sys/kernel/ksplice exists. */
int ksp_helper_ensure(const char *helper, struct ksp_error *err);

#endif
