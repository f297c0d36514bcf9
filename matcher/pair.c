/* Pairing pre symbols with post symbols, and comparing what relocations
 * refer to. */
#include "internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *mt_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/*
 * The name without the number the compiler gave it: gcc's "name.NNN" of a
 * static local or clone, and the kernel's __UNIQUE_ID_prefixNNN (a
 * __COUNTER__ pasted on, e.g. .modinfo entries of module_param), whose
 * number shifts whenever a patch adds or removes a use above it; a static
 * one has both (pr_debug's descriptor __UNIQUE_ID_ddebug949.8).
 */
size_t mt_base_len(const char *name)
{
	static const char unique[] = "__UNIQUE_ID_";
	size_t n = strlen(name), i = n;
	while (i > 0 && isdigit((unsigned char)name[i - 1]))
		i--;
	if (i < n && i > 1 && name[i - 1] == '.')
		n = i - 1;
	if (strncmp(name, unique, sizeof(unique) - 1) != 0)
		return n;
	i = n;
	while (i > sizeof(unique) - 1 && isdigit((unsigned char)name[i - 1]))
		i--;
	return i;
}

static int numbered(const char *name)
{
	return mt_base_len(name) != strlen(name);
}

static const struct ksp_obj *sort_obj;

static int pos_cmp(const void *a, const void *b)
{
	const struct ksp_obj_symbol *x = &sort_obj->symbols[*(const size_t *)a];
	const struct ksp_obj_symbol *y = &sort_obj->symbols[*(const size_t *)b];
	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int index_positions(struct mt_side *side)
{
	const struct ksp_obj *obj = side->obj;
	side->by_pos = malloc((obj->nsymbols + 1) * sizeof(size_t));
	if (!side->by_pos)
		return -1;
	side->nby_pos = 0;
	for (size_t i = 0; i < obj->nsymbols; i++)
		if (ksp_obj_is_entity(obj, i))
			side->by_pos[side->nby_pos++] = i;
	sort_obj = obj;
	qsort(side->by_pos, side->nby_pos, sizeof(size_t), pos_cmp);
	return 0;
}

size_t mt_covering(const struct mt_side *side, size_t sec, int64_t off)
{
	const struct ksp_obj *obj = side->obj;
	size_t lo = 0, hi = side->nby_pos;
	/* first entity at (sec, > off) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ksp_obj_symbol *s = &obj->symbols[side->by_pos[mid]];
		if (s->section < sec || (s->section == sec && (int64_t)s->value <= off))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		size_t e = side->by_pos[i];
		if (obj->symbols[e].section != sec)
			break;
		uint64_t start, end;
		ksp_obj_extent(obj, e, &start, &end);
		if (off >= (int64_t)start && off < (int64_t)end)
			return e;
		if (i + 4 < lo) /* overlapping entities are rare: look back a little */
			break;
	}
	return KSP_OBJ_NONE;
}

static int alloc_side(struct mt_side *side, const struct ksp_obj *obj)
{
	side->obj = obj;
	side->pair = malloc((obj->nsymbols + 1) * sizeof(size_t));
	side->sec_pair = malloc((obj->nsections + 1) * sizeof(size_t));
	side->primary = malloc((obj->nsections + 1) * sizeof(size_t));
	side->changed = calloc(obj->nsymbols + 1, sizeof(int));
	if (!side->pair || !side->sec_pair || !side->primary || !side->changed)
		return -1;
	for (size_t i = 0; i < obj->nsymbols; i++)
		side->pair[i] = KSP_OBJ_NONE;
	for (size_t i = 0; i < obj->nsections; i++)
		side->sec_pair[i] = side->primary[i] = KSP_OBJ_NONE;
	/* A section's primary entity: the only function or variable in it
	 * (KSP_OBJ_NONE if it holds none or several). */
	size_t *count = calloc(obj->nsections + 1, sizeof(size_t));
	if (!count)
		return -1;
	for (size_t i = 0; i < obj->nsymbols; i++) {
		if (!ksp_obj_is_entity(obj, i))
			continue;
		size_t sec = obj->symbols[i].section;
		if (count[sec]++ == 0)
			side->primary[sec] = i;
		else
			side->primary[sec] = KSP_OBJ_NONE;
	}
	free(count);
	return index_positions(side);
}

void mt_ctx_free(struct mt_ctx *ctx)
{
	struct mt_side *sides[] = {&ctx->pre, &ctx->post};
	for (int i = 0; i < 2; i++) {
		free(sides[i]->pair);
		free(sides[i]->sec_pair);
		free(sides[i]->primary);
		free(sides[i]->changed);
		free(sides[i]->by_pos);
	}
}

static void link_pair(struct mt_ctx *ctx, size_t a, size_t b)
{
	ctx->pre.pair[a] = b;
	ctx->post.pair[b] = a;
}

static int same_kind(const struct mt_ctx *ctx, size_t a, size_t b)
{
	return ctx->pre.obj->symbols[a].kind == ctx->post.obj->symbols[b].kind;
}

/* The only unpaired entity of side whose name (or base name, if base) is
 * name, or KSP_OBJ_NONE (none, or ambiguous). */
static size_t unique_unpaired(const struct mt_side *side, const char *name, size_t len, int base)
{
	size_t found = KSP_OBJ_NONE;
	for (size_t i = 0; i < side->obj->nsymbols; i++) {
		const char *n = side->obj->symbols[i].name;
		if (!ksp_obj_is_entity(side->obj, i) || side->pair[i] != KSP_OBJ_NONE)
			continue;
		size_t l = base ? mt_base_len(n) : strlen(n);
		if (l != len || strncmp(n, name, len) != 0)
			continue;
		if (found != KSP_OBJ_NONE)
			return KSP_OBJ_NONE;
		found = i;
	}
	return found;
}

static void pair_by_name(struct mt_ctx *ctx, int base)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	for (size_t i = 0; i < pre->nsymbols; i++) {
		const char *n = pre->symbols[i].name;
		if (!ksp_obj_is_entity(pre, i) || ctx->pre.pair[i] != KSP_OBJ_NONE ||
		    numbered(n) != base)
			continue;
		size_t len = base ? mt_base_len(n) : strlen(n);
		if (unique_unpaired(&ctx->pre, n, len, base) != i)
			continue;
		size_t j = unique_unpaired(&ctx->post, n, len, base);
		if (j != KSP_OBJ_NONE && same_kind(ctx, i, j))
			link_pair(ctx, i, j);
	}
}

/* Offset in its symbol's section of what r refers to. Summed unsigned: a
 * corrupt object's addend can overflow int64_t (UB), and a wrapped offset
 * falls outside every entity anyway. */
static int64_t target_offset(const struct ksp_obj *obj, const struct ksp_obj_reloc *r)
{
	return (int64_t)(obj->symbols[r->sym].value + (uint64_t)r->addend + (uint64_t)r->bias);
}

size_t mt_reloc_entity(const struct mt_side *side, const struct ksp_obj_reloc *r)
{
	const struct ksp_obj *obj = side->obj;
	const struct ksp_obj_symbol *s = &obj->symbols[r->sym];
	if (ksp_obj_is_entity(obj, r->sym))
		return r->sym;
	if (s->section >= obj->nsections || (obj->sections[s->section].flags & KSP_OBJ_SEC_MERGE))
		return KSP_OBJ_NONE;
	if (side->primary[s->section] != KSP_OBJ_NONE)
		return side->primary[s->section];
	return mt_covering(side, s->section, target_offset(obj, r));
}

int mt_reloc_place(const struct mt_side *side, const struct ksp_obj_reloc *r, size_t *sec,
		   int64_t *off)
{
	const struct ksp_obj *obj = side->obj;
	const struct ksp_obj_symbol *s = &obj->symbols[r->sym];
	if (s->section >= obj->nsections || (obj->sections[s->section].flags & KSP_OBJ_SEC_MERGE) ||
	    mt_reloc_entity(side, r) != KSP_OBJ_NONE)
		return 0;
	*sec = s->section;
	*off = target_offset(obj, r);
	return 1;
}

/* Numbered entities used by unit (pre) and its partner (post): the k-th
 * distinct unpaired use of a base name in one is paired with the k-th in
 * the other. Returns how many pairs were made. */
static size_t correlate_uses(struct mt_ctx *ctx, size_t a, size_t b)
{
	const struct ksp_obj *pre = ctx->pre.obj, *post = ctx->post.obj;
	const struct ksp_obj_section *sa = &pre->sections[pre->symbols[a].section];
	const struct ksp_obj_section *sb = &post->sections[post->symbols[b].section];
	uint64_t a0, a1, b0, b1;
	ksp_obj_extent(pre, a, &a0, &a1);
	ksp_obj_extent(post, b, &b0, &b1);
	size_t made = 0;
	size_t first_b = ksp_obj_first_reloc(sb, b0);
	for (size_t i = ksp_obj_first_reloc(sa, a0); i < sa->nrelocs && sa->relocs[i].offset < a1;
	     i++) {
		size_t ea = mt_reloc_entity(&ctx->pre, &sa->relocs[i]);
		if (ea == KSP_OBJ_NONE || ctx->pre.pair[ea] != KSP_OBJ_NONE)
			continue;
		const char *na = pre->symbols[ea].name;
		size_t la = mt_base_len(na);
		/* the first use of an unpaired namesake in post: uses already
		 * paired are skipped, so the k-th meets the k-th */
		for (size_t j = first_b; j < sb->nrelocs && sb->relocs[j].offset < b1; j++) {
			size_t eb = mt_reloc_entity(&ctx->post, &sb->relocs[j]);
			if (eb == KSP_OBJ_NONE || ctx->post.pair[eb] != KSP_OBJ_NONE)
				continue;
			const char *nb = post->symbols[eb].name;
			if (mt_base_len(nb) == la && strncmp(na, nb, la) == 0 &&
			    same_kind(ctx, ea, eb)) {
				link_pair(ctx, ea, eb);
				made++;
				break;
			}
		}
	}
	return made;
}

static void pair_sections(struct mt_ctx *ctx)
{
	const struct ksp_obj *pre = ctx->pre.obj, *post = ctx->post.obj;
	for (size_t s = 0; s < pre->nsections; s++) {
		size_t e = ctx->pre.primary[s];
		if (e != KSP_OBJ_NONE && ctx->pre.pair[e] != KSP_OBJ_NONE) {
			size_t t = post->symbols[ctx->pre.pair[e]].section;
			if (ctx->post.primary[t] == ctx->pre.pair[e]) {
				ctx->pre.sec_pair[s] = t;
				ctx->post.sec_pair[t] = s;
			}
		}
	}
	for (size_t s = 0; s < pre->nsections; s++) {
		if (ctx->pre.sec_pair[s] != KSP_OBJ_NONE || ctx->pre.primary[s] != KSP_OBJ_NONE)
			continue;
		size_t t = ksp_obj_section(post, pre->sections[s].name);
		if (t != KSP_OBJ_NONE && ctx->post.sec_pair[t] == KSP_OBJ_NONE &&
		    ctx->post.primary[t] == KSP_OBJ_NONE) {
			ctx->pre.sec_pair[s] = t;
			ctx->post.sec_pair[t] = s;
		}
	}
}

/* The unpaired numbered entities of side whose base name is name[0..len)
 * in a section called sec, in address order (malloc'ed; *n of them). */
static size_t *namesakes(const struct mt_side *side, const char *name, size_t len, const char *sec,
			 size_t *n)
{
	const struct ksp_obj *obj = side->obj;
	size_t *v = malloc((obj->nsymbols + 1) * sizeof(*v));
	*n = 0;
	for (size_t i = 0; v && i < obj->nsymbols; i++) {
		const struct ksp_obj_symbol *s = &obj->symbols[i];
		if (!ksp_obj_is_entity(obj, i) || side->pair[i] != KSP_OBJ_NONE ||
		    !numbered(s->name) || mt_base_len(s->name) != len ||
		    strncmp(s->name, name, len) != 0 || s->section >= obj->nsections ||
		    strcmp(obj->sections[s->section].name, sec) != 0)
			continue;
		size_t k = (*n)++;
		while (k > 0 && obj->symbols[v[k - 1]].value > s->value) {
			v[k] = v[k - 1];
			k--;
		}
		v[k] = i;
	}
	return v;
}

/*
 * Numbered entities still unpaired that share a name's base and a section
 * with others: the .modinfo strings of three MODULE_ALIAS lines are
 * __UNIQUE_ID_alias733..735, renumbered when a header above them gains a
 * __COUNTER__ use (READ_ONCE's compile-time assertion). The k-th of a base
 * name in its section, in address order, pairs with the k-th of the other
 * side when both have as many; their contents are then compared as any.
 */
static void pair_in_order(struct mt_ctx *ctx)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	for (size_t i = 0; i < pre->nsymbols; i++) {
		const struct ksp_obj_symbol *s = &pre->symbols[i];
		if (!ksp_obj_is_entity(pre, i) || ctx->pre.pair[i] != KSP_OBJ_NONE ||
		    !numbered(s->name) || s->section >= pre->nsections)
			continue;
		size_t len = mt_base_len(s->name), na, nb;
		const char *sec = pre->sections[s->section].name;
		size_t *a = namesakes(&ctx->pre, s->name, len, sec, &na);
		size_t *b = namesakes(&ctx->post, s->name, len, sec, &nb);
		for (size_t k = 0; a && b && na == nb && k < na; k++)
			if (same_kind(ctx, a[k], b[k]))
				link_pair(ctx, a[k], b[k]);
		free(a);
		free(b);
	}
}

int mt_pair(struct mt_ctx *ctx)
{
	if (alloc_side(&ctx->pre, ctx->pre.obj) || alloc_side(&ctx->post, ctx->post.obj))
		return -1;
	pair_by_name(ctx, 0);
	const struct ksp_obj *pre = ctx->pre.obj;
	size_t made;
	do {
		made = 0;
		for (size_t i = 0; i < pre->nsymbols; i++)
			if (ksp_obj_is_entity(pre, i) && ctx->pre.pair[i] != KSP_OBJ_NONE)
				made += correlate_uses(ctx, i, ctx->pre.pair[i]);
	} while (made);
	pair_by_name(ctx, 1);
	pair_in_order(ctx);
	pair_sections(ctx);
	return 0;
}

/* What a relocation refers to, in a form comparable across the two sides. */
struct target {
	enum { T_NAME, T_ENTITY, T_CONTENT, T_SECTION } kind;
	const char *name;
	size_t index;		    /* entity or section */
	int64_t offset;		    /* from the entity, entry or section */
	const unsigned char *bytes; /* T_CONTENT: the merged entry */
	const struct ksp_obj_section *section;
	size_t nbytes;
};

static int is_nul(const unsigned char *p, unsigned w)
{
	for (unsigned i = 0; i < w; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The entry of a merged section that contains offset o. */
static void merged_entry(const struct ksp_obj_section *s, int64_t o, struct target *t)
{
	if (o < 0)
		o = 0;
	if ((uint64_t)o >= s->size || !s->data) {
		t->bytes = (const unsigned char *)"";
		t->nbytes = 0;
		t->offset = o - (int64_t)s->size;
		return;
	}
	uint64_t start, end;
	unsigned w = s->entsize ? s->entsize : 1;
	if (s->flags & KSP_OBJ_SEC_STRINGS) {
		/* Entries are NUL-terminated strings of w-byte characters. */
		start = (uint64_t)o - (uint64_t)o % w;
		while (start >= w && !is_nul(s->data + start - w, w))
			start -= w;
		end = (uint64_t)o - (uint64_t)o % w;
		while (end + w <= s->size && !is_nul(s->data + end, w))
			end += w;
		end = end + w <= s->size ? end + w : s->size;
	} else {
		start = (uint64_t)o - (uint64_t)o % w;
		end = start + w <= s->size ? start + w : s->size;
	}
	t->bytes = s->data + start;
	t->nbytes = end - start;
	t->offset = o - (int64_t)start;
}

static void resolve(const struct mt_side *side, const struct ksp_obj_reloc *r, struct target *t)
{
	const struct ksp_obj *obj = side->obj;
	const struct ksp_obj_symbol *s = &obj->symbols[r->sym];
	memset(t, 0, sizeof(*t));
	t->name = s->name;
	t->offset = r->addend;
	if (s->section >= obj->nsections) {
		t->kind = T_NAME;
		return;
	}
	const struct ksp_obj_section *sec = &obj->sections[s->section];
	if (sec->flags & KSP_OBJ_SEC_MERGE) {
		t->kind = T_CONTENT;
		t->section = sec;
		/* A section symbol's addend locates the entry; a label's
		 * value does. */
		int64_t o =
			s->kind == KSP_OBJ_SYM_SECTION ? target_offset(obj, r) : (int64_t)s->value;
		merged_entry(sec, o, t);
		if (s->kind != KSP_OBJ_SYM_SECTION)
			t->offset = r->addend;
		return;
	}
	size_t e = mt_reloc_entity(side, r);
	if (e != KSP_OBJ_NONE) {
		t->kind = T_ENTITY;
		t->index = e;
		t->offset = target_offset(obj, r) - (int64_t)obj->symbols[e].value;
		return;
	}
	t->kind = T_SECTION;
	t->index = s->section;
	t->offset = target_offset(obj, r);
}

static void describe(const struct mt_side *side, const struct target *t, char *out, size_t len)
{
	switch (t->kind) {
	case T_NAME:
		snprintf(out, len, "%s%+lld", t->name, (long long)t->offset);
		break;
	case T_ENTITY:
		snprintf(out, len, "%s%+lld", side->obj->symbols[t->index].name,
			 (long long)t->offset);
		break;
	case T_SECTION:
		snprintf(out, len, "%s%+lld", side->obj->sections[t->index].name,
			 (long long)t->offset);
		break;
	case T_CONTENT: {
		char buf[72];
		size_t n = 0, max = sizeof(buf) - 5;
		const struct ksp_obj_section *sec = t->section;
		int text = sec && (sec->flags & KSP_OBJ_SEC_STRINGS);
		for (size_t i = 0; i < t->nbytes && n < max; i++) {
			unsigned char c = t->bytes[i];
			if (!text)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%02x", c);
			else if (c >= 32 && c < 127 && c != '"' && c != '\\')
				buf[n++] = (char)c;
			else if (c || i + 1 < t->nbytes)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02x", c);
		}
		buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
		snprintf(out, len, text ? "\"%s\"%+lld" : "constant %s%+lld", buf,
			 (long long)t->offset);
		break;
	}
	}
}

int mt_targets_equal(const struct mt_ctx *ctx, const struct ksp_obj_reloc *a,
		     const struct ksp_obj_reloc *b, char *why, size_t len)
{
	struct target ta, tb;
	resolve(&ctx->pre, a, &ta);
	resolve(&ctx->post, b, &tb);
	int equal = a->type == b->type && ta.kind == tb.kind && ta.offset == tb.offset;
	if (equal) {
		switch (ta.kind) {
		case T_NAME:
			equal = strcmp(ta.name, tb.name) == 0;
			break;
		case T_ENTITY:
			equal = ctx->pre.pair[ta.index] == tb.index;
			break;
		case T_SECTION:
			equal = ctx->pre.sec_pair[ta.index] == tb.index;
			break;
		case T_CONTENT:
			equal = ta.nbytes == tb.nbytes && !memcmp(ta.bytes, tb.bytes, ta.nbytes);
			break;
		}
	}
	if (!equal && why) {
		char da[128], db[128];
		describe(&ctx->pre, &ta, da, sizeof(da));
		describe(&ctx->post, &tb, db, sizeof(db));
		if (a->type != b->type)
			snprintf(why, len, "relocation type %u became %u", a->type, b->type);
		else
			snprintf(why, len, "refers to %s instead of %s", db, da);
	}
	return equal;
}
