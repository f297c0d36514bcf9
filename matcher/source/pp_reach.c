#include "pp_reach.h"
#include "array.h"
#include "pp_screen.h"

#include <stdlib.h>
#include <string.h>

struct reach {
	const struct pp_parsed *p;
	const uint32_t *tok_name;
	size_t nnames;
	unsigned char *ref, *live;
	/* Per item: whether it can only matter through a name it declares. */
	unsigned char *inert;
	/* The names item i declares: decl[decl_first[i] .. decl_first[i + 1]). */
	uint32_t *decl_first, *decl;
	size_t ndecl, decl_cap;
	/* Inert items declaring each name: by_name[by_first[n] .. by_first[n+1]). */
	uint32_t *by_first, *by_name;
	uint32_t *own; /* per name: 1 + the item being walked if it declares it */
	uint32_t *stack;
	size_t nstack;
	size_t item; /* the item ksp_pp_item_decl is reporting on */
};

/* The token of item r->item that starts at name (each_name reports names
 * as pointers into the text). */
static size_t token_at(const struct reach *r, const char *name)
{
	const struct pp_toks *t = &r->p->toks;
	size_t off = (size_t)(name - t->text);
	size_t lo = r->p->items.v[r->item].first, hi = r->p->items.v[r->item].end;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int declared(void *ctx, const char *name, size_t len)
{
	struct reach *r = ctx;
	size_t k = token_at(r, name);
	(void)len;
	if (k >= r->p->items.v[r->item].end || r->p->toks.v[k].kind != T_IDENT)
		return 0;
	uint32_t *v = ksp_array_room(r->decl, &r->decl_cap, r->ndecl, sizeof(*v), 1024);
	if (!v)
		return -1;
	r->decl = v;
	r->decl[r->ndecl++] = r->tok_name[k];
	return 0;
}

/* Which items are inert and what they declare. #pragma lines are neither:
 * their names come in ref already. */
static int classify_items(struct reach *r)
{
	size_t n = r->p->items.n;
	r->decl_first = malloc((n + 1) * sizeof(*r->decl_first));
	r->inert = calloc(n + 1, 1);
	int rc = r->decl_first && r->inert ? 0 : -1;
	for (size_t i = 0; i < n && !rc; i++) {
		r->decl_first[i] = (uint32_t)r->ndecl;
		const struct pp_item *it = &r->p->items.v[i];
		if (r->p->toks.v[it->first].kind == T_DIRECTIVE) {
			r->inert[i] = 1;
			continue;
		}
		r->item = i;
		int inert = ksp_pp_item_decl(r->p, i, declared, r);
		rc = inert < 0 ? -1 : 0;
		/* a nameless inert item can matter only through what it mentions */
		r->inert[i] = inert == 1 && r->ndecl > r->decl_first[i];
	}
	if (!rc)
		r->decl_first[n] = (uint32_t)r->ndecl;
	return rc;
}

/* The inverse of decl: for each name, the inert items declaring it. */
static int index_by_name(struct reach *r)
{
	size_t n = r->p->items.n;
	r->by_first = calloc(r->nnames + 2, sizeof(*r->by_first));
	r->by_name = malloc((r->ndecl + 1) * sizeof(*r->by_name));
	if (!r->by_first || !r->by_name)
		return -1;
	/* counts at [name + 2]; their running sums make [name + 1] the start of
	 * name's range, which filling moves to its end: [name], [name + 1] */
	for (size_t d = 0; d < r->ndecl; d++)
		r->by_first[r->decl[d] + 2]++;
	for (size_t k = 2; k < r->nnames + 2; k++)
		r->by_first[k] += r->by_first[k - 1];
	for (size_t i = 0; i < n; i++)
		for (uint32_t d = r->decl_first[i]; d < r->decl_first[i + 1]; d++)
			r->by_name[r->by_first[r->decl[d] + 1]++] = (uint32_t)i;
	return 0;
}

static void make_live(struct reach *r, size_t i)
{
	if (r->live[i])
		return;
	r->live[i] = 1;
	r->stack[r->nstack++] = (uint32_t)i;
}

static void make_ref(struct reach *r, uint32_t name)
{
	if (r->ref[name])
		return;
	r->ref[name] = 1;
	for (uint32_t k = r->by_first[name]; k < r->by_first[name + 1]; k++)
		make_live(r, r->by_name[k]);
}

/* An item that matters: what it mentions and what it declares matter. */
static void walk(struct reach *r, size_t i)
{
	const struct pp_item *it = &r->p->items.v[i];
	uint32_t first = r->decl_first[i], end = r->decl_first[i + 1];
	for (uint32_t d = first; d < end; d++)
		r->own[r->decl[d]] = (uint32_t)i + 1;
	for (size_t k = it->first; k < it->end; k++) {
		uint32_t name = r->tok_name[k];
		if (r->p->toks.v[k].kind == T_IDENT && r->own[name] != (uint32_t)i + 1)
			make_ref(r, name);
	}
	for (uint32_t d = first; d < end; d++) {
		r->own[r->decl[d]] = 0;
		make_ref(r, r->decl[d]);
	}
}

static void propagate(struct reach *r)
{
	size_t n = r->p->items.n;
	for (size_t name = 0; name < r->nnames; name++) {
		if (r->ref[name]) {
			r->ref[name] = 0;
			make_ref(r, (uint32_t)name);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!r->inert[i])
			make_live(r, i);
	while (r->nstack)
		walk(r, r->stack[--r->nstack]);
}

int ksp_pp_reach(const struct pp_parsed *p, const uint32_t *tok_name, size_t nnames,
		 unsigned char *ref, unsigned char *live)
{
	struct reach r = {.p = p, .tok_name = tok_name, .nnames = nnames, .ref = ref};
	size_t n = p->items.n;
	int rc = classify_items(&r);
	if (!rc)
		rc = index_by_name(&r);
	if (!rc) {
		r.live = calloc(n + 1, 1);
		r.own = calloc(nnames + 1, sizeof(*r.own));
		r.stack = malloc((n + 1) * sizeof(*r.stack));
		rc = r.live && r.own && r.stack ? 0 : -1;
	}
	if (!rc)
		propagate(&r);
	if (!rc && live)
		memcpy(live, r.live, n);
	free(r.decl_first);
	free(r.inert);
	free(r.decl);
	free(r.by_first);
	free(r.by_name);
	free(r.live);
	free(r.own);
	free(r.stack);
	return rc;
}
