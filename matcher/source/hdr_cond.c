#include "hdr_cond.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* One side's #if structure. */
struct groups {
	const struct hdr_lexed *lx;
	uint32_t *top;	 /* per unit: opening unit of its outermost group below the guard */
	uint32_t *close; /* per opening unit: its #endif */
	uint8_t *seen;	 /* per opening unit: a covering group already judged */
	int balanced, guard;
};

struct judge {
	struct groups g[2];
	hdr_name_fn fn;
	void *ctx;
	char *why;
	size_t why_len;
	const struct hdr_unit *first; /* the hunk's first changed conditional */
};

int hdr_is_conditional(const struct hdr_unit *u)
{
	return u->kind == U_DIR && (u->dkind == D_IF || u->dkind == D_IFNDEF ||
				    u->dkind == D_ELSE || u->dkind == D_ENDIF);
}

/* Sets why to "a directive changed: #... , <reason>"; returns 1. */
__attribute__((format(printf, 2, 3))) static int fail(struct judge *j, const char *fmt, ...)
{
	int n = snprintf(j->why, j->why_len, "a directive changed: #%.60s, ", j->first->norm);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < j->why_len)
		vsnprintf(j->why + n, j->why_len - (size_t)n, fmt, ap);
	va_end(ap);
	return 1;
}

/* Pairs each #if with its #endif; balanced stays 0 if they do not pair. */
static void pair_up(struct groups *g, uint32_t *stack, int *else_at_guard)
{
	const struct hdr_lexed *lx = g->lx;
	size_t n = 0;
	for (size_t k = 0; k < lx->nu; k++) {
		const struct hdr_unit *u = &lx->u[k];
		if (u->kind != U_DIR)
			continue;
		if (u->dkind == D_IF || u->dkind == D_IFNDEF)
			stack[n++] = (uint32_t)k;
		else if ((u->dkind == D_ELSE || u->dkind == D_ENDIF) && !n)
			return;
		else if (u->dkind == D_ELSE)
			*else_at_guard |= n == 1 && stack[0] == 0;
		else if (u->dkind == D_ENDIF)
			g->close[stack[--n]] = (uint32_t)k;
	}
	g->balanced = !n;
}

/* "#ifndef G / #define G / ... / #endif" around everything, no #else. */
static int include_guard(const struct groups *g, int else_at_guard)
{
	const struct hdr_lexed *lx = g->lx;
	if (lx->nu < 3 || else_at_guard || g->close[0] != lx->nu - 1)
		return 0;
	const struct hdr_unit *i = &lx->u[0], *d = &lx->u[1];
	return i->kind == U_DIR && i->dkind == D_IFNDEF && d->kind == U_DIR &&
	       d->dkind == D_DEFINE && i->name_len && i->name_len == d->name_len &&
	       !memcmp(lx->sp + i->name_off, lx->sp + d->name_off, i->name_len);
}

static int read_groups(struct groups *g, const struct hdr_lexed *lx)
{
	size_t nu = lx->nu ? lx->nu : 1;
	uint32_t *stack = malloc(nu * sizeof(*stack));
	g->lx = lx;
	g->top = malloc(nu * sizeof(*g->top));
	g->close = malloc(nu * sizeof(*g->close));
	g->seen = calloc(nu, 1);
	if (!stack || !g->top || !g->close || !g->seen) {
		free(stack);
		return -1;
	}
	int else_at_guard = 0;
	for (size_t k = 0; k < nu; k++)
		g->top[k] = g->close[k] = NONE;
	pair_up(g, stack, &else_at_guard);
	free(stack);
	if (!g->balanced)
		return 0;
	g->guard = include_guard(g, else_at_guard);
	size_t from = g->guard ? 1 : 0, to = g->guard ? lx->nu - 1 : lx->nu;
	uint32_t cur = NONE;
	for (size_t k = from; k < to; k++) {
		if (cur == NONE && g->close[k] != NONE)
			cur = (uint32_t)k;
		g->top[k] = cur;
		if (cur != NONE && g->close[cur] == k)
			cur = NONE;
	}
	return 0;
}

static void free_groups(struct groups *g)
{
	free(g->top);
	free(g->close);
	free(g->seen);
}

int hdr_unit_top_level(const struct hdr_lexed *lx, size_t k, int *guarded)
{
	struct groups g = {0};
	int rc = read_groups(&g, lx);
	*guarded = !rc && g.balanced && g.guard;
	if (!rc)
		rc = g.balanced && k < lx->nu && g.top[k] == NONE;
	free_groups(&g);
	return rc;
}

/* The group opening at unit o must only define macros; fn gets them. */
static int judge_group(struct judge *j, struct groups *g, uint32_t o)
{
	if (g->seen[o])
		return 0;
	g->seen[o] = 1;
	for (uint32_t k = o; k <= g->close[o]; k++) {
		const struct hdr_unit *u = &g->lx->u[k];
		if (hdr_is_conditional(u))
			continue;
		if (u->kind != U_DIR || (u->dkind != D_DEFINE && u->dkind != D_UNDEF) ||
		    !u->name_len)
			return fail(j,
				    "in an #if group that does more than define macros (line %u)",
				    u->line0);
	}
	for (uint32_t k = o; k <= g->close[o]; k++) {
		const struct hdr_unit *u = &g->lx->u[k];
		if (!hdr_is_conditional(u) && j->fn(j->ctx, g->lx->sp + u->name_off, u->name_len))
			return -1;
	}
	return 0;
}

/* The groups covering one side of the hunk. */
static int judge_side(struct judge *j, struct groups *g, size_t at, size_t end)
{
	const uint32_t *top = g->top;
	if (at == end) {
		if (at > 0 && at < g->lx->nu && top[at - 1] != NONE && top[at - 1] == top[at])
			return judge_group(j, g, top[at]);
		return 0;
	}
	for (size_t k = at; k < end; k++) {
		if (top[k] == NONE && hdr_is_conditional(&g->lx->u[k]))
			return fail(j, "the include guard's own line (line %u)", g->lx->u[k].line0);
		int rc = top[k] == NONE ? 0 : judge_group(j, g, top[k]);
		if (rc)
			return rc;
	}
	return 0;
}

static const struct hdr_unit *first_conditional(const struct judge *j, const struct hdr_hunk *h)
{
	for (int s = 0; s < 2; s++)
		for (size_t k = h->at[s]; k < h->end[s]; k++)
			if (hdr_is_conditional(&j->g[s].lx->u[k]))
				return &j->g[s].lx->u[k];
	return NULL;
}

/* Both sides must have no include guard, or the same unchanged one. */
static int same_guard(struct judge *j)
{
	if (!j->g[0].balanced || !j->g[1].balanced)
		return fail(j, "with #if/#endif unbalanced");
	if (j->g[0].guard != j->g[1].guard)
		return fail(j, "and the include guard differs");
	for (int s = 0; s < 2 && j->g[s].guard; s++) {
		const struct hdr_lexed *lx = j->g[s].lx;
		if (lx->u[0].changed || lx->u[lx->nu - 1].changed)
			return fail(j, "and the include guard changed");
	}
	return 0;
}

static int judge_hunks(struct judge *j, const struct hdr_hunk *h, size_t nh)
{
	int rc = 0, checked = 0;
	for (size_t i = 0; i < nh && !rc; i++) {
		if (!(j->first = first_conditional(j, &h[i])))
			continue;
		if (!checked++ && (rc = same_guard(j)))
			break;
		for (int s = 0; s < 2 && !rc; s++)
			rc = judge_side(j, &j->g[s], h[i].at[s], h[i].end[s]);
	}
	return rc;
}

int hdr_cond_judge(const struct hdr_lexed *side[2], const struct hdr_hunk *h, size_t nh,
		   hdr_name_fn fn, void *ctx, char *why, size_t why_len)
{
	struct judge j = {.fn = fn, .ctx = ctx, .why = why, .why_len = why_len};
	size_t i = 0;
	j.g[0].lx = side[0], j.g[1].lx = side[1];
	while (i < nh && !first_conditional(&j, &h[i]))
		i++;
	if (i == nh)
		return 0;
	int rc = read_groups(&j.g[0], side[0]) || read_groups(&j.g[1], side[1]) ? -1 : 0;
	if (!rc)
		rc = judge_hunks(&j, h, nh);
	free_groups(&j.g[0]);
	free_groups(&j.g[1]);
	return rc;
}
