/* Macros defined once per branch of an #if group (hdr_macro_alts.h). */
#include "hdr_macro_alts.h"

#include <string.h>

static int names(const struct hdr_lexed *lx, const struct hdr_unit *u, const char *name, size_t len)
{
	return u->kind == U_DIR && u->name_len == len && !memcmp(lx->sp + u->name_off, name, len);
}

static int is_conditional_start(const struct hdr_unit *u)
{
	return u->kind == U_DIR && (u->dkind == D_IF || u->dkind == D_IFNDEF);
}

/* The #if unit that opens the group holding unit k at branch level level,
 * or (size_t)-1. */
static size_t group_start(const struct hdr_lexed *lx, size_t k, uint32_t level)
{
	while (k-- > 0) {
		const struct hdr_unit *u = &lx->u[k];
		if (is_conditional_start(u) && u->cond == level - 1)
			return k;
	}
	return (size_t)-1;
}

/* Fills alt->defs from the group opened at unit g: 1 if every branch holds
 * exactly one #define of the name at the branch level, the last branch is a
 * plain #else and the group ends before use_at. */
static int one_per_branch(const struct hdr_lexed *lx, size_t g, uint32_t level, size_t use_at,
			  struct hdr_alt *alt)
{
	size_t in_branch = 0;
	int plain_else = 0;
	alt->ndefs = 0;
	for (size_t k = g + 1; k < lx->nu && k < use_at; k++) {
		const struct hdr_unit *u = &lx->u[k];
		if (u->kind != U_DIR || u->cond != level)
			continue;
		if (u->dkind == D_ELSE || u->dkind == D_ENDIF) {
			if (in_branch != 1)
				return 0;
			if (u->dkind == D_ENDIF)
				return plain_else;
			plain_else = !strcmp(u->norm, "else");
			in_branch = 0;
		} else if (u->dkind == D_DEFINE && names(lx, u, alt->name, alt->len)) {
			if (in_branch++ || alt->ndefs == HDR_MAX_ALT_DEFS)
				return 0;
			alt->defs[alt->ndefs++] = k;
		}
	}
	return 0; /* the group does not end before the use */
}

/* Whether every #define of the name lies in one top-level group's branches,
 * one per branch (alt->defs filled), and nothing #undefs it. */
static int shaped(const struct hdr_lexed *lx, uint32_t guard, size_t use_at, struct hdr_alt *alt)
{
	size_t first = (size_t)-1, count = 0;
	for (size_t k = 0; k < lx->nu; k++) {
		const struct hdr_unit *u = &lx->u[k];
		if (!names(lx, u, alt->name, alt->len) ||
		    (u->dkind != D_DEFINE && u->dkind != D_UNDEF))
			continue;
		if (u->dkind == D_UNDEF || u->cond != guard + 1)
			return 0;
		if (first == (size_t)-1)
			first = k;
		count++;
	}
	if (first == (size_t)-1)
		return 0;
	size_t g = group_start(lx, first, guard + 1);
	return g != (size_t)-1 && one_per_branch(lx, g, guard + 1, use_at, alt) &&
	       alt->ndefs == count;
}

int hdr_alts_pick(struct hdr_alts *a, const struct hdr_lexed *lx, uint32_t guard, size_t use_at,
		  const char *name, size_t len, const struct hdr_unit **def)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].len == len && !memcmp(a->v[i].name, name, len)) {
			*def = &lx->u[a->v[i].defs[a->v[i].pick]];
			return 1;
		}
	if (a->n == HDR_MAX_ALT_MACROS)
		return 0;
	struct hdr_alt *alt = &a->v[a->n];
	*alt = (struct hdr_alt){.name = name, .len = len};
	if (!shaped(lx, guard, use_at, alt) || alt->ndefs < 2)
		return 0;
	/* the name as the header writes it: the caller's may be a pasted
	 * token that the next expansion frees */
	alt->name = lx->sp + lx->u[alt->defs[0]].name_off;
	a->n++;
	*def = &lx->u[alt->defs[0]];
	return 1;
}

int hdr_alts_next(struct hdr_alts *a)
{
	for (size_t i = 0; i < a->n; i++) {
		if (++a->v[i].pick < a->v[i].ndefs)
			return 1;
		a->v[i].pick = 0;
	}
	return 0;
}
