/*
 * What a change to one header can affect, judged from the header's text
 * before and after the patch, for skipping the objects that read it without
 * preprocessing them (see pp_screen.h for the screening this stands in for).
 *
 * The change is cut into line hunks. Changed #define/#undef lines name the
 * macros whose users must be screened. Changed code is cut into file-scope
 * constructs, each macro-expanded and judged as the screening judges an
 * item: every touched construct must be inert, and its declared names are
 * reported. A touched struct or union definition with #if lines among its
 * members is judged as the union of its branches (hdr_struct_cond.h). A
 * changed conditional (#if ... #endif) whose groups, before and after, hold
 * only #define and #undef lines reports every macro they define
 * (hdr_cond.h). Anything else (another directive, a construct not understood, a
 * macro that cannot be expanded with certainty) is a fallback: every reader
 * of the header must be screened.
 */
#ifndef KSPLICE_HDR_CHANGE_H
#define KSPLICE_HDR_CHANGE_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

/* Where a macro's definition comes from outside the header: the index's table
 * of definitions seen by every indexed object. Returns 1 and *def (text after
 * the name as gcc -dU prints it: "(a,b) body" for function-like, " body" or ""
 * for object-like) if exactly one definition is known, 0 if the name was never
 * seen defined, 2 if several different definitions exist (ambiguous). */
typedef int (*ksp_macro_lookup_fn)(void *ctx, const char *name, size_t len, const char **def);
/* Whether the identifier cannot hide a macro: an identifier of a touched
 * construct that the lookup does not know as a macro may still be one that
 * some reader defines and never expanded (-dU lists only macros used), and
 * would expand once the patch writes it. 1 if that cannot be (some indexed
 * object saw it, or nothing the compiler could take a definition from
 * defines it: macro_names.h); 0 makes the change fall back. */
typedef int (*ksp_ident_not_macro_fn)(void *ctx, const char *name, size_t len);

struct ksp_hdr_change {
	int fallback;  /* cannot be judged by names: every reader must be screened */
	char why[256]; /* the fallback's reason */
	char **macros; /* macro names whose #define/#undef lines changed (sorted, unique) */
	size_t nmacros;
	char **declared; /* names declared by touched inert constructs, pre and post side */
	size_t ndeclared;
	uint32_t first_shifted_line; /* first pre line whose number differs after the patch, or 0 */
	/* A touched construct expands __COUNTER__: every later __COUNTER__
	 * in a reader may give another number. */
	int counter_shift;
	/* #include lines added or removed outside any #if group but the
	 * include guard, as written without spaces: "<linux/stddef.h>" or
	 * "\"local.h\"" (sorted, unique). Such a line changes nothing for a
	 * reader that read the file before it read this header, if an include
	 * guard wraps that file (header_skip.h). */
	char **includes;
	size_t nincludes;
};

/* Fills out (which ksp_hdr_change_free releases, also after a failure).
 * 0, or -1 with err (out of memory, text too large). */
int ksp_hdr_change_analyze(const char *pre, size_t pre_len, const char *post, size_t post_len,
			   ksp_macro_lookup_fn lookup, ksp_ident_not_macro_fn not_macro, void *ctx,
			   struct ksp_hdr_change *out, struct ksp_error *err);
void ksp_hdr_change_free(struct ksp_hdr_change *c);

/* Whether "#ifndef G / #define G / ... / #endif" wraps the whole text: 1,
 * 0, or -1 if out of memory. */
int ksp_hdr_include_guarded(const char *text, size_t len);

#endif
