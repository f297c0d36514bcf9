/* ksplice-apply's work, and its --check that ksplice-view runs. */
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
	/* signatures, when a trust store exists (trust_check.h) */
	KSP_APPLY_UNSIGNED = 15,	 /* the file carries no signature */
	KSP_APPLY_BAD_SIGNATURE = 16,	 /* it does not match the content */
	KSP_APPLY_UNTRUSTED = 17,	 /* the signer is not trusted */
	KSP_APPLY_TRUST_STORE = 18,	 /* the trust store cannot be read */
	KSP_APPLY_LOCKDOWN = 19,	 /* the kernel's lockdown forbids it */
	KSP_APPLY_MODULE_UNTRUSTED = 20, /* signature enforced: unsigned or untrusted key */
	KSP_APPLY_REDIRECTED = 21,    /* a livepatch or other ftrace redirector owns a function */
	KSP_APPLY_TARGET_ABSENT = 22, /* a module the update patches is not loaded and its
				       * file cannot be found or read, or is coming or going */
	KSP_APPLY_THREADS_STUCK = 23, /* the same threads in the code on every try */
	KSP_APPLY_STATE_DIR = 24,     /* --persist: the state directory is unusable */
	KSP_APPLY_NOT_KEPT = 25,      /* --persist: made on top of an update not kept */
};

/* The status of each kind of failure (ksp_exit_status); also
 * ksplice-view --check's. */
extern const struct ksp_exit_map ksp_apply_exit_map[];

struct ksp_apply_opts {
	const char *update; /* the update file */
	const char *helper; /* kmod-helper.ko, or NULL for the default */
	const char *trust;  /* --trust DIR, or NULL (trust_check.h) */
	int insecure_unsigned;
	int no_kick; /* wait for sleepers in the code instead of kicking them */
	int verbose;
	FILE *detail; /* where -v writes (NULL: stdout) */
};

/* Modules not loaded whose parts one update may keep pending. A header
 * change reaches many modules (include/uapi/linux/ioprio.h in 6.1.192: 53
 * objects); the bound is what the helper's targets file lists in one page
 * ("NAME pending\n", names up to MODULE_NAME_LEN). */
#define KSP_APPLY_PENDING_MAX 48

/* A module the update patches that is not loaded: its part is pending. */
struct ksp_apply_pending {
	char module[64];
	int functions; /* entries of the patch table in it */
};

/* What happened, as ksplice-apply --json reports it. */
struct ksp_apply_outcome {
	char id[32];		     /* the update's, once the file is read */
	int functions;		     /* applied: the helper's count */
	unsigned long long pause_ns; /* the helper's, when it acted */
	unsigned kicked;	     /* threads kicked out of the code */
	unsigned long long held_ns;  /* and how long they were held */
	char cause[64];		     /* failed: the helper's abort cause, else the status's name */
	struct ksp_apply_pending pending[KSP_APPLY_PENDING_MAX];
	size_t npending;
};

/* "module nfsd is not loaded: its part (1 function) is pending and is
 * applied when nfsd loads", for pending part i. */
void ksp_apply_pending_message(const struct ksp_apply_outcome *out, size_t i, char *buf,
			       size_t len);

/* 0 when applied; -1 with err and its kind. */
int ksp_apply(const struct ksp_apply_opts *o, struct ksp_apply_outcome *out, struct ksp_error *err);

/* Would the update apply here? Everything ksplice-apply does before it
 * inserts anything: file, kernel, run-pre matching of every function,
 * every reference of the new code resolved, the plan made. Prints
 * where each replaced function is; -1 with err and its kind when it would
 * not apply. */
int ksp_apply_check(const struct ksp_apply_opts *o, struct ksp_error *err);

/* The file's checks alone (checksums, signature against the trust store,
 * metadata, kernel release and build id), for an update already applied
 * that --persist keeps; its id into out->id. */
int ksp_apply_verify_file(const struct ksp_apply_opts *o, struct ksp_apply_outcome *out,
			  struct ksp_error *err);

#endif
