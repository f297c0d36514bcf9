/*
 * ksplice-create's pipeline up to the comparison: read the diff, check the
 * tree, find and classify the objects it changes, build them before and
 * after the patch (in place, with the kernel's own rules plus function and
 * data sections), put the tree back exactly, and compare each pre/post pair
 * with the matcher.
 */
#ifndef KSPLICE_CREATE_H
#define KSPLICE_CREATE_H

#include "create_after.h"
#include "diff.h"
#include "error.h"
#include "kbuild.h"
#include "layout_check.h"
#include "matcher.h"
#include "objtool_pass.h"

#include <stdio.h>

/* Exit statuses of ksplice-create, one per cause (documented in --help);
 * create_main.c maps each kind of error (enum ksp_code) to one of them. */
enum ksp_create_exit {
	KSP_CREATE_OK = 0,
	KSP_CREATE_USAGE = 2,
	KSP_CREATE_TREE = 3,	    /* KERNEL_SOURCE missing, unconfigured, unprepared */
	KSP_CREATE_BAD_DIFF = 4,    /* unreadable or malformed diff */
	KSP_CREATE_NO_APPLY = 5,    /* the diff does not apply to the tree */
	KSP_CREATE_REFUSED = 6,	    /* a change that cannot be live-patched */
	KSP_CREATE_COMPILER = 7,    /* this compiler is not the kernel's */
	KSP_CREATE_BUILD = 8,	    /* kbuild failed */
	KSP_CREATE_TOOL = 9,	    /* a tool is missing */
	KSP_CREATE_INTERNAL = 10,   /* out of memory, I/O, or not implemented */
	KSP_CREATE_BAD_AFTER = 11,  /* an --after update file is unusable */
	KSP_CREATE_OUTPUT = 12,	    /* -o DIR cannot be created or written */
	KSP_CREATE_SIGN_KEY = 13,   /* --sign-key/--sign-cert unreadable or not a pair */
	KSP_CREATE_BAD_FACT = 14,   /* a --cve or --brings value of the wrong form */
	KSP_CREATE_NO_CHANGES = 66, /* the diff changes no compiled code (as Ksplice) */
	KSP_CREATE_INTERRUPTED = 130,
};

struct ksp_create_opts {
	const char *patch;
	const char *tree;
	const char *workdir; /* NULL: a temporary directory, removed afterwards */
	int jobs;
	int verbose;
	int force_compiler;
	const char *const *after; /* earlier update files, applied first, in order */
	size_t nafter;
	size_t max_objects;  /* refused if header changes may alter more objects */
	int no_index;	     /* screen every object a header reaches (no header index) */
	int package;	     /* an update will be built: find its kbuild headers first */
	const char *headers; /* --headers; NULL: the tree's record or /lib/modules */
	FILE *progress;	     /* "building pre objects (3 files)..." lines; NULL: quiet */
};

/* One object the diff changes. */
struct ksp_create_unit {
	char *source;	  /* fs/proc/cmdline.c */
	char *object;	  /* fs/proc/cmdline.o */
	char *module;	  /* the module it is linked into ("nfsd"); NULL: vmlinux */
	char *pre, *post; /* copies of the built objects in the work directory */
	int screened;	  /* reached only through a changed header (header_screen.h) */
	char *why;	  /* for a screened unit kept: what it uses that changed */
	int audited;	  /* ruled out, built only for KSPLICE_SCREEN_AUDIT */
	struct mt_plan plan;
};

struct ksp_create_result {
	struct ksp_diff diff;
	struct ksp_tree tree;
	struct ksp_objtool_pass objtool; /* kbuild's link-time objtool, if it delays it */
	struct ksp_create_unit *units;
	size_t nunits;
	struct ksp_after *after; /* opts->after, read */
	size_t nafter;
	char *workdir;
	int own_workdir;
	char headers[4096]; /* the kbuild headers found, if opts->package */
	/* Types whose definition the patch changes: screening takes them as
	 * unchanged, the built objects' DWARF must prove it. */
	struct ksp_layout_suspects layout;
};

/* Runs the pipeline. Returns KSP_E_UNSET on success, else the kind of the
 * failure (also in err->code), and err says why. The tree is as it was on
 * return, whatever happened. */
enum ksp_code ksp_create_compare(const struct ksp_create_opts *opts, struct ksp_create_result *res,
				 struct ksp_error *err);

/* Refusals of every unit, and whether any function or data changed. */
size_t ksp_create_refusals(const struct ksp_create_result *res);
int ksp_create_has_changes(const struct ksp_create_result *res);

void ksp_create_unit_free(struct ksp_create_unit *u);
void ksp_create_result_free(struct ksp_create_result *res);

/* Locks the tree against other ksplice-create runs (waiting for them, as
 * said on o->progress): the descriptor to close, or -1 with err. */
int ksp_create_lock_tree(const struct ksp_create_opts *o, const char *tree, struct ksp_error *err);

/* --build-index: an up-to-date header index entry (header_index.h) for
 * every object the tree's configuration builds. Returns KSP_E_UNSET or the
 * kind of failure, as ksp_create. */
int ksp_create_build_index(const struct ksp_create_opts *o, struct ksp_error *err);

#endif
