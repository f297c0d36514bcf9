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

#endif
