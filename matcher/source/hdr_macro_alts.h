/*
 * A macro a header defines once in each branch of one #if group, as in
 * include/linux/pagemap.h:
 *
 *	#ifdef CONFIG_TRANSPARENT_HUGEPAGE
 *	#define PREFERRED_MAX_PAGECACHE_ORDER	HPAGE_PMD_ORDER
 *	#else
 *	#define PREFERRED_MAX_PAGECACHE_ORDER	8
 *	#endif
 *
 * Whatever the configuration, code after the group sees exactly one of the
 * definitions, so a changed construct that uses it can be judged once per
 * definition, by the union of the names the expansions give (as a struct
 * with #if members is judged by the union of its branches). This holds only
 * if the group is at the header's top level (inside its include guard, if
 * any), ends with a plain #else, every branch holds exactly one #define of
 * the name directly (none in a nested #if), nothing #undefs it, and the
 * group ends before the construct.
 */
#ifndef KSPLICE_HDR_MACRO_ALTS_H
#define KSPLICE_HDR_MACRO_ALTS_H

#include "hdr_lex.h"

#include <stddef.h>

#define HDR_MAX_ALT_DEFS 8
#define HDR_MAX_ALT_MACROS 4

struct hdr_alt {
	const char *name;
	size_t len;
	size_t defs[HDR_MAX_ALT_DEFS]; /* #define units, in order */
	size_t ndefs, pick;
};

/* The choices of one construct's judgement: one definition per macro met. */
struct hdr_alts {
	struct hdr_alt v[HDR_MAX_ALT_MACROS];
	size_t n;
};

/* The #define unit to expand name with in the current choice, registering
 * the macro (first definition) when first met: 1 with *def, 0 if the name's
 * definitions do not have the shape above (or too many macros do), before
 * unit use_at of lx whose top level is guard. */
int hdr_alts_pick(struct hdr_alts *a, const struct hdr_lexed *lx, uint32_t guard, size_t use_at,
		  const char *name, size_t len, const struct hdr_unit **def);

/* Moves to the next combination of definitions: 1, or 0 after the last
 * (every macro registered so far back at its first definition). */
int hdr_alts_next(struct hdr_alts *a);

#endif
