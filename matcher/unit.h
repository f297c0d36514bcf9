/* Comparing one function or variable with its partner. */
#ifndef KSPLICE_MATCHER_UNIT_H
#define KSPLICE_MATCHER_UNIT_H

#include "internal.h"

struct mt_unit_result {
	int equal;     /* equal, perhaps apart from __LINE__ constants */
	int line_only; /* some instruction differed only in a __LINE__ constant */
	uint64_t at;   /* first difference, from the start */
	char why[384]; /* "+0x1c: ..." */
};

void mt_compare_unit(const struct mt_ctx *ctx, size_t pre_sym, size_t post_sym,
		     struct mt_unit_result *res);

/* Compares len bytes at pre_off of pre section pre_sec with post_off of
 * post_sec, relocation-aware; 0 if equal, else 1 with why set. */
int mt_compare_region(const struct mt_ctx *ctx, size_t pre_sec, uint64_t pre_off, size_t post_sec,
		      uint64_t post_off, uint64_t len, char *why, size_t whylen);

/* Compares the run-time patch tables' entries (__bug_table, __ex_table,
 * .altinstructions, __jump_table, ...) of functions found unchanged: a
 * difference other than a bug entry's line makes the function changed. */
int mt_compare_tables(const struct mt_ctx *ctx, struct mt_plan *plan);

#endif
