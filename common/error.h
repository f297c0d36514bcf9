/*
 * Errors: a kind (enum ksp_code) and a one-line message that names what
 * failed and where. The kind is set where the failure is found and travels
 * with the message; a tool's exit status comes from the kind through the
 * tool's own table (struct ksp_exit_map), never from the message's text.
 */
#ifndef KSPLICE_ERROR_H
#define KSPLICE_ERROR_H

#include <stddef.h>

/* One kind per documented exit status of the tools (their --help lists
 * them). KSP_E_UNSET: the failing step did not say; the caller, which knows
 * which step failed, decides (ksp_error_code's fallback). */
enum ksp_code {
	KSP_E_UNSET = 0,
	KSP_E_USAGE,	   /* the command line */
	KSP_E_INTERNAL,	   /* out of memory, I/O, a bug */
	KSP_E_PERMISSION,  /* needs root */
	KSP_E_INPUT,	   /* an input file is unreadable or malformed */
	KSP_E_INTERRUPTED, /* SIGINT or SIGTERM */
	/* ksplice-create */
	KSP_E_TREE,	  /* KERNEL_SOURCE missing, unconfigured, unprepared */
	KSP_E_BAD_DIFF,	  /* unreadable or malformed diff */
	KSP_E_NO_APPLY,	  /* the diff does not apply to the tree */
	KSP_E_REFUSED,	  /* a change that cannot be live-patched */
	KSP_E_COMPILER,	  /* this compiler is not the kernel's */
	KSP_E_BUILD,	  /* kbuild failed */
	KSP_E_TOOL,	  /* a program it runs is missing */
	KSP_E_BAD_AFTER,  /* an --after update file is unusable */
	KSP_E_NO_CHANGES, /* the diff changes no compiled code */
	KSP_E_OUTPUT,	  /* the output directory is unusable */
	KSP_E_BAD_FACT,	  /* a --cve or --brings value of the wrong form */
	/* ksplice-apply, -undo, -view */
	KSP_E_BAD_FILE,	      /* not a valid update file */
	KSP_E_WRONG_KERNEL,   /* made for another kernel */
	KSP_E_NO_MATCH,	      /* run-pre matching failed */
	KSP_E_CODE_BUSY,      /* a thread is inside a replaced function */
	KSP_E_HELPER_REFUSED, /* kmod-helper refused the update */
	KSP_E_LOAD,	      /* a module did not load */
	KSP_E_NEEDS_EARLIER,  /* made on top of an update not applied */
	KSP_E_OTHER_API,      /* made for another kmod-helper API version */
	KSP_E_NO_SUCH_UPDATE,
	KSP_E_HAS_DEPENDENTS,	/* a later update is stacked on it */
	KSP_E_LOCKDOWN,		/* the kernel's lockdown forbids what it needs */
	KSP_E_MODULE_UNTRUSTED, /* the kernel enforces module signatures */
	KSP_E_REDIRECTED,	/* another redirector (livepatch) owns a function */
	KSP_E_TARGET_ABSENT,	/* a module the update patches is not loaded */
	KSP_E_THREADS_STUCK,	/* the same threads in the code on every try */
	/* ksplice-runpre, ksplice-objdiff */
	KSP_E_MISMATCH,	  /* run-pre: a function does not match */
	KSP_E_BAD_OBJECT, /* objdiff: an unreadable object */
	KSP_E_UNRELATED,  /* objdiff: the objects are not pre/post of one file */
	/* signatures (splicer/update/signature.h) */
	KSP_E_SIGN_KEY,	     /* create: --sign-key/--sign-cert unusable */
	KSP_E_UNSIGNED,	     /* apply: the update carries no signature */
	KSP_E_BAD_SIGNATURE, /* apply: the signature does not match the content */
	KSP_E_UNTRUSTED,     /* apply: signed by a certificate not trusted */
	KSP_E_TRUST_STORE,   /* apply: the trust store cannot be read */
	/* kept updates (splicer/live/persist_store.h) */
	KSP_E_STATE_DIR,    /* the state directory cannot be read or written */
	KSP_E_NOT_KEPT,	    /* an update it needs (--after) is not kept */
	KSP_E_GUARD,	    /* boot: the crash guard tripped, kept updates skipped */
	KSP_E_BOOT_PARTIAL, /* boot: some kept updates did not apply */
	KSP_E_COUNT
};

struct ksp_error {
	enum ksp_code code;
	/* Room for the helper's conflicts: up to 32 threads, each with its
	 * function and why it was not moved out. */
	char msg[4096];
};

/* Sets the message (printf-style), leaves the kind unset, and returns -1,
 * so callers can `return ksp_fail(err, ...)`. err may be NULL. */
int ksp_fail(struct ksp_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As ksp_fail, with the kind. */
int ksp_failc(struct ksp_error *err, enum ksp_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The kind, or fallback when the failing step left it unset. */
enum ksp_code ksp_error_code(const struct ksp_error *err, enum ksp_code fallback);

/* One word per kind ("no_match", "code_busy", ...), for --json. */
const char *ksp_code_name(enum ksp_code code);

/* A tool's exit statuses: one row per kind it can end with. */
struct ksp_exit_map {
	enum ksp_code code;
	int status;
};

/* The status of code in map (terminated by a row with status < 0); a kind
 * the map lacks is the status of KSP_E_INTERNAL (1 if the map lacks that
 * too). 0 for KSP_E_UNSET. */
int ksp_exit_status(const struct ksp_exit_map *map, enum ksp_code code);

/* The kind whose status in map is status (KSP_E_INTERNAL if none). */
enum ksp_code ksp_exit_code(const struct ksp_exit_map *map, int status);

#endif
