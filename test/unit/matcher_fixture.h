/* Helpers of the matcher tests: compiling pre/post pairs and checking the
 * exact sets a plan reports. */
#ifndef KSPLICE_TEST_MATCHER_FIXTURE_H
#define KSPLICE_TEST_MATCHER_FIXTURE_H

#include "matcher.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names (space-separated, sorted as given) of the functions in a state. */
static inline void plan_func_names(const struct mt_plan *plan, enum mt_state state, char *out,
				   size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < plan->nfuncs; i++)
		if (plan->funcs[i].state == state) {
			if (out[0])
				strncat(out, " ", len - strlen(out) - 1);
			strncat(out, plan->funcs[i].name, len - strlen(out) - 1);
		}
}

static inline void plan_data_names(const struct mt_plan *plan, enum mt_state state, char *out,
				   size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < plan->ndata; i++)
		if (plan->data[i].state == state) {
			if (out[0])
				strncat(out, " ", len - strlen(out) - 1);
			strncat(out, plan->data[i].name, len - strlen(out) - 1);
		}
}

static inline void plan_refused_names(const struct mt_plan *plan, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < plan->nrefusals; i++) {
		if (out[0])
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, plan->refusals[i].symbol, len - strlen(out) - 1);
	}
}

/* The set of names in words, sorted, so comparisons ignore order. */
static inline void sorted_words(const char *words, char *out, size_t len)
{
	char *copy = strdup(words), *save = NULL, *list[512];
	size_t n = 0;
	for (char *w = strtok_r(copy, " ", &save); w && n < 512; w = strtok_r(NULL, " ", &save))
		list[n++] = w;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(list[j - 1], list[j]) > 0; j--) {
			char *t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, list[i], len - strlen(out) - 1);
	}
	free(copy);
}

#define EXPECT_SET(what, plan, state, expected)                                                    \
	do {                                                                                       \
		char got_[8192], a_[8192], b_[8192];                                               \
		what(plan, state, got_, sizeof(got_));                                             \
		sorted_words(got_, a_, sizeof(a_));                                                \
		sorted_words(expected, b_, sizeof(b_));                                            \
		ck_assert_msg(strcmp(a_, b_) == 0, "%s %s: got [%s], expected [%s]", #what,        \
			      mt_state_name(state), a_, b_);                                       \
	} while (0)

#define EXPECT_FUNCS(plan, state, expected) EXPECT_SET(plan_func_names, plan, state, expected)
#define EXPECT_DATA(plan, state, expected) EXPECT_SET(plan_data_names, plan, state, expected)

static inline void refused_adapter(const struct mt_plan *plan, enum mt_state state, char *out,
				   size_t len)
{
	(void)state;
	plan_refused_names(plan, out, len);
}
#define EXPECT_REFUSED(plan, expected) EXPECT_SET(refused_adapter, plan, MT_UNCHANGED, expected)

static inline const struct mt_func *plan_func(const struct mt_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->nfuncs; i++)
		if (strcmp(plan->funcs[i].name, name) == 0)
			return &plan->funcs[i];
	return NULL;
}

static inline const char *plan_refusal(const struct mt_plan *plan, const char *symbol)
{
	for (size_t i = 0; i < plan->nrefusals; i++)
		if (strcmp(plan->refusals[i].symbol, symbol) == 0)
			return plan->refusals[i].reason;
	return NULL;
}

#endif
