/*
 * Screening the objects a changed header reaches. A shared header such as
 * include/net/dst.h is included by hundreds of built-in objects; compiling
 * all of them before and after the patch would take most of a kernel build.
 * Instead kbuild preprocesses each of them (its %.i rule, same flags) before
 * the patch and after it, and pp_screen.h decides from the two texts whether
 * the object's code can change. Only those are built and compared. An object
 * whose preprocessing fails is kept (built), never dropped; one that kbuild
 * cannot preprocess before the patch, or whose preprocessing did not read
 * any file the patch changes, gets no second run.
 */
#ifndef KSPLICE_HEADER_SCREEN_H
#define KSPLICE_HEADER_SCREEN_H

#include "error.h"
#include "header_index.h"
#include "kbuild.h"

#include <stdio.h>

struct ksp_screen {
	const struct ksp_tree *tree;
	const char *const *objects; /* "net/ipv4/route.o" */
	size_t n;
	int jobs;
	const char *dir; /* private work directory for digests and logs */
	FILE *progress;	 /* NULL: quiet */
	/* The files the patch changes (relative to the tree). An object whose
	 * preprocessing before the patch read none of them cannot change and is
	 * not preprocessed again; nchanged 0 turns this off (a patch that
	 * creates files, which an include could find first). */
	const char *const *changed;
	size_t nchanged;
	unsigned char *state; /* n of enum ksp_screen_state, zeroed by the caller */
	/* The header index (NULL: none): preprocessing adds -dU, and the run
	 * before the patch records each object's entry. */
	struct ksp_hindex *index;
	int record_only; /* only record index entries (no digests) */
	/* Types taken to keep their compiled layout ("struct dst_entry"): a
	 * change to their definition alone changes no object (layout_proof.h). */
	const char *const *same_layout;
	size_t nsame;
	/* n flags (zeroed by the caller, may be NULL), set by the run after the
	 * patch for objects that only the same-layout types leave unchanged
	 * (2 if the object also names one of them, else 1): candidates to
	 * build for the layout comparison. */
	unsigned char *witness;
	/* Only objects [from, to) are preprocessed and judged (to 0: all). */
	size_t from, to;
};

/* Where an object stands after the run before the patch. */
enum ksp_screen_state {
	KSP_SCREEN_DIGESTED,	   /* to be compared after the patch */
	KSP_SCREEN_UNREAD,	   /* it read no changed file: it cannot change */
	KSP_SCREEN_UNPREPROCESSED, /* kbuild could not preprocess it: it is kept */
	KSP_SCREEN_KNOWN,	   /* the index knows it unaltered: not preprocessed */
};

/* The preprocessed-source files that screening writes into the tree for
 * object (to be protected by the tree guard): "x.i", ".x.i.cmd", ".x.i.d". */
void ksp_screen_outputs(const char *object, char out[3][4096]);

/* Before the patch: digests every object's preprocessed source. */
int ksp_screen_before(const struct ksp_screen *s, struct ksp_error *err);

/* After the patch: keep[i] = 1 if object i's code may change, with why[i]
 * (malloc'ed) saying what it uses or why it could not be screened. */
int ksp_screen_after(const struct ksp_screen *s, int *keep, char **why, struct ksp_error *err);

#endif
