/*
 * Changed conditional directives (#if, #ifdef, #ifndef, #elif, #elifdef,
 * #elifndef, #else, #endif), for hdr_change.h.
 *
 * Each hunk that changes one is judged by the #if groups around it: on each
 * side, the outermost group (below the include guard) holding one of the
 * hunk's changed units, or holding the place where the other side's units
 * were inserted. If every such group, on both sides, holds nothing but
 * conditional directives, #define and #undef, the change only alters which
 * macros are defined: the macros those groups #define or #undef.
 *
 * Why that is enough: a group that holds code is never such a group, so no
 * hunk changing a conditional lies within it, on either side; then its
 * conditional directives are all unchanged and match, one to one and in
 * order, those of a group of the other side. Every unchanged line of code
 * thus sits under the same conditions, written the same, on both sides. The
 * include guard must be the same unchanged lines on both sides.
 */
#ifndef KSPLICE_HDR_COND_H
#define KSPLICE_HDR_COND_H

#include "hdr_lex.h"

#include <stddef.h>

/* One hunk of the change: the changed units [at, end) of the pre (0) and
 * post (1) sides, between the same two unchanged units; at == end is the
 * place where the other side's units stand. */
struct hdr_hunk {
	size_t at[2], end[2];
};

typedef int (*hdr_name_fn)(void *ctx, const char *name, size_t len);

/* Whether the unit is a conditional directive. */
int hdr_is_conditional(const struct hdr_unit *u);

/* Whether unit k lies outside every #if group but the include guard: 1,
 * 0 (also if the #ifs do not pair), -1 if out of memory. *guarded: whether
 * "#ifndef G / #define G / ... / #endif" wraps the whole text. */
int hdr_unit_top_level(const struct hdr_lexed *lx, size_t k, int *guarded);

/* Judges the hunks that change a conditional directive, as above (the units'
 * changed flags must be set). 0, with fn called for every macro their groups
 * #define or #undef; 1 with why if they cannot be judged by macros; -1 if out
 * of memory or fn failed. */
int hdr_cond_judge(const struct hdr_lexed *side[2], const struct hdr_hunk *h, size_t nh,
		   hdr_name_fn fn, void *ctx, char *why, size_t why_len);

#endif
