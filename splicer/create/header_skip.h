/*
 * Objects a header change cannot alter, known from the header index without
 * preprocessing them. The change of each header is read from its text
 * (hdr_change.h: the macros it changes, the names its touched declarations
 * declare, the first line whose number shifts); an object whose index entry
 * is fresh is known unaltered when, for every changed file it read, the
 * change is one of names only and the object neither used a changed macro
 * (-dU's record), nor refers to a declared name anywhere but in that name's
 * own inert declaration, nor holds a number that may be a __LINE__ at or
 * after the first shifted line. That is exactly when screening would find
 * every touched item inert and no untouched item naming them: the index only
 * skips work whose answer it knows. Any doubt (a file that is not a header, a
 * change the analysis does not follow, a patch that creates files, a stale
 * entry) leaves the object to screening.
 */
#ifndef KSPLICE_HEADER_SKIP_H
#define KSPLICE_HEADER_SKIP_H

#include "error.h"
#include "header_index.h"
#include "header_screen.h"

#include <stdio.h>

/* One file the patch changes, both texts (post NULL if not readable). */
struct ksp_changed_text {
	const char *path; /* relative to the tree */
	const char *pre, *post;
	size_t pre_len, post_len;
};

struct ksp_skip_stats {
	size_t indexed;		/* objects with a fresh entry */
	size_t unread;		/* of those, reading no changed file */
	size_t unaltered;	/* of those, reading one, known unaltered */
	size_t headers_by_name; /* changed headers judged by names (no fallback) */
};

/* skip[i] = 1 for every object known unaltered that reads no changed file,
 * 2 for one that reads one (judged by names). log (may be NULL) receives
 * one line per changed header: what the analysis found. */
int ksp_header_skip(struct ksp_hindex *ix, const char *const *objects, size_t n,
		    const struct ksp_changed_text *changed, size_t nchanged, unsigned char *skip,
		    struct ksp_skip_stats *stats, FILE *log, struct ksp_error *err);

/* For screening: marks the objects known unaltered KSP_SCREEN_KNOWN in
 * sc->state (sc->index set, sc->nchanged the patch's files, none created),
 * reading each changed file before the patch from the tree and after it
 * from post_dir (the same relative path). read_changed (n flags, may be
 * NULL) gets 1 for each of them that read a changed file: ruled out by
 * the names alone. */
int ksp_header_skip_screen(struct ksp_screen *sc, const char *post_dir, struct ksp_skip_stats *st,
			   unsigned char *read_changed, FILE *log, struct ksp_error *err);

#endif
