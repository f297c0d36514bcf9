/* The run-time patch tables of functions whose code is unchanged: an entry
 * that differs (other than a bug entry's line) changes the function. Each
 * entry belongs to the function its first field points into. Which tables,
 * and their layouts: common/special_sections.c. */
#include "rules.h"
#include "special_sections.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

struct table {
	const struct ksp_special_section *kind;
	unsigned entsize;
	int line_off; /* 2-byte __LINE__ field, -1 if none */
	size_t sec;
	size_t *func; /* per entry: the function it belongs to, or KSP_OBJ_NONE */
	size_t n;
};

/* A table with a compact variant (the bug table without
 * CONFIG_DEBUG_BUGVERBOSE: 8-byte entries, no line): tell by its relocations
 * (one per relocated field of a full entry). */
static void entry_layout(const struct ksp_special_section *k, const struct ksp_obj_section *s,
			 struct table *t)
{
	const struct ksp_special_field *line = ksp_special_field(k, KSP_FIELD_LINE);
	t->entsize = k->entry_size;
	t->line_off = line ? (int)line->offset : -1;
	if (k->compact_entry_size &&
	    (s->size % k->entry_size ||
	     s->nrelocs != ksp_special_relocated_fields(k) * (s->size / k->entry_size))) {
		t->entsize = k->compact_entry_size;
		t->line_off = -1;
	}
}

static int load_table(const struct mt_side *side, const struct ksp_special_section *k,
		      struct table *t)
{
	const struct ksp_obj *obj = side->obj;
	memset(t, 0, sizeof(*t));
	t->kind = k;
	t->sec = ksp_obj_section(obj, k->name);
	if (t->sec == KSP_OBJ_NONE || !obj->sections[t->sec].data)
		return 0;
	const struct ksp_obj_section *s = &obj->sections[t->sec];
	if (!ksp_special_layout_fits(k, s->size, s->nrelocs)) {
		t->sec = KSP_OBJ_NONE; /* another kernel's layout of this table */
		return 0;
	}
	entry_layout(k, s, t);
	if (s->size % t->entsize)
		return 0;
	t->n = s->size / t->entsize;
	t->func = malloc((t->n + 1) * sizeof(size_t));
	if (!t->func)
		return -1;
	unsigned site = ksp_special_field(k, KSP_FIELD_SITE)->offset;
	for (size_t e = 0; e < t->n; e++) {
		uint64_t off = e * t->entsize + site;
		size_t r = ksp_obj_first_reloc(s, off);
		t->func[e] = KSP_OBJ_NONE;
		if (r < s->nrelocs && s->relocs[r].offset == off) {
			size_t f = mt_reloc_entity(side, &s->relocs[r]);
			if (f != KSP_OBJ_NONE && ksp_obj_is_function(obj, f))
				t->func[e] = f;
		}
	}
	return 0;
}

static size_t relocs_of_entry(const struct ksp_obj_section *s, uint64_t off, unsigned size,
			      size_t *first)
{
	size_t i = ksp_obj_first_reloc(s, off), n = 0;
	*first = i;
	while (i + n < s->nrelocs && s->relocs[i + n].offset < off + size)
		n++;
	return n;
}

struct entry_ref {
	const struct table *t;
	uint64_t off;
};

/* A field pointing at code outside any function: compare that code. */
static int place_equal(const struct mt_ctx *ctx, const struct ksp_obj_reloc *ra,
		       const struct ksp_obj_reloc *rb, unsigned len, char *why, size_t wlen)
{
	size_t ps, qs;
	int64_t po, qo;
	if (!mt_reloc_place(&ctx->pre, ra, &ps, &po) || !mt_reloc_place(&ctx->post, rb, &qs, &qo))
		return -1;
	if (ctx->pre.sec_pair[ps] != qs || po < 0 || qo < 0) {
		snprintf(why, wlen, "points into another section");
		return 0;
	}
	return !mt_compare_region(ctx, ps, (uint64_t)po, qs, (uint64_t)qo, len, why, wlen);
}

static int entry_equal(const struct mt_ctx *ctx, const struct entry_ref *a,
		       const struct entry_ref *b, int *line_differs, char *why, size_t wlen)
{
	const struct ksp_obj_section *sa = &ctx->pre.obj->sections[a->t->sec];
	const struct ksp_obj_section *sb = &ctx->post.obj->sections[b->t->sec];
	unsigned size = a->t->entsize;
	size_t fa, fb, na = relocs_of_entry(sa, a->off, size, &fa);
	if (na != relocs_of_entry(sb, b->off, size, &fb) || b->t->entsize != size) {
		snprintf(why, wlen, "its fields changed");
		return 0;
	}
	for (unsigned k = 0; k < size; k++) {
		int field = 0;
		for (size_t i = 0; i < na; i++) {
			const struct ksp_obj_reloc *ra = &sa->relocs[fa + i],
						   *rb = &sb->relocs[fb + i];
			if (ra->offset - a->off != rb->offset - b->off) {
				snprintf(why, wlen, "its fields changed");
				return 0;
			}
			field |= a->off + k >= ra->offset && a->off + k < ra->offset + ra->size;
		}
		if (field || sa->data[a->off + k] == sb->data[b->off + k])
			continue;
		if (a->t->line_off >= 0 && k >= (unsigned)a->t->line_off &&
		    k < (unsigned)a->t->line_off + 2) {
			*line_differs = 1;
			continue;
		}
		snprintf(why, wlen, "byte %u changed", k);
		return 0;
	}
	for (size_t i = 0; i < na; i++) {
		const struct ksp_obj_reloc *ra = &sa->relocs[fa + i], *rb = &sb->relocs[fb + i];
		const struct ksp_special_field *rl =
			ksp_special_field(a->t->kind, KSP_FIELD_REPLACEMENT_LEN);
		int eq = rl ? place_equal(ctx, ra, rb, sa->data[a->off + rl->offset], why, wlen)
			    : -1;
		if (eq < 0)
			eq = mt_targets_equal(ctx, ra, rb, why, wlen);
		if (!eq)
			return 0;
	}
	return 1;
}

static struct mt_func *unchanged_func(struct mt_plan *plan, const char *pre_name)
{
	for (size_t i = 0; i < plan->nfuncs; i++)
		if (plan->funcs[i].state == MT_UNCHANGED &&
		    !strcmp(plan->funcs[i].pre_name, pre_name))
			return &plan->funcs[i];
	return NULL;
}

/* Compares the entries of pre function f in table a with those of its
 * partner in table b. */
static int compare_function_entries(const struct mt_ctx *ctx, const struct table *a,
				    const struct table *b, size_t f, struct mt_func *pf)
{
	size_t g = ctx->pre.pair[f];
	size_t ia = 0, ib = 0, k = 0;
	char why[384];
	for (;; k++) {
		while (ia < a->n && a->func[ia] != f)
			ia++;
		while (ib < b->n && b->func[ib] != g)
			ib++;
		if (ia >= a->n && ib >= b->n)
			return 0;
		if (ia >= a->n || ib >= b->n) {
			snprintf(why, sizeof(why), "%s entries were %s", a->kind->name,
				 ia >= a->n ? "added" : "removed");
			break;
		}
		struct entry_ref ea = {a, ia * a->entsize}, eb = {b, ib * b->entsize};
		int line = 0;
		char detail[300];
		if (!entry_equal(ctx, &ea, &eb, &line, detail, sizeof(detail))) {
			snprintf(why, sizeof(why), "%s entry %zu: %s", a->kind->name, k, detail);
			break;
		}
		pf->line_only |= line;
		ia++;
		ib++;
	}
	pf->state = MT_CHANGED;
	pf->line_only = 0;
	pf->difference = strdup(why);
	return pf->difference ? 0 : -1;
}

static int compare_kind(const struct mt_ctx *ctx, const struct ksp_special_section *k,
			struct mt_plan *plan)
{
	struct table a, b;
	int rc = 0;
	if (load_table(&ctx->pre, k, &a) || load_table(&ctx->post, k, &b)) {
		free(a.func);
		return -1;
	}
	/* An entry-less side still has to be compared: entries may come or go. */
	for (size_t f = 0; !rc && f < ctx->pre.obj->nsymbols; f++) {
		if (!ksp_obj_is_function(ctx->pre.obj, f) || ctx->pre.pair[f] == KSP_OBJ_NONE)
			continue;
		struct mt_func *pf = unchanged_func(plan, ctx->pre.obj->symbols[f].name);
		if (pf)
			rc = compare_function_entries(ctx, &a, &b, f, pf);
	}
	free(a.func);
	free(b.func);
	return rc;
}

int mt_compare_tables(const struct mt_ctx *ctx, struct mt_plan *plan)
{
	for (size_t i = 0; i < ksp_nspecial_sections; i++)
		if (ksp_special_sections[i].match == KSP_MATCH_COMPARE &&
		    compare_kind(ctx, &ksp_special_sections[i], plan))
			return -1;
	return 0;
}
