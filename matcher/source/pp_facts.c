#include "pp_facts.h"
#include "array.h"
#include "pp_items.h"
#include "pp_reach.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NO_INDEX UINT32_MAX

/* A plain decimal constant near the line it is on, in that file. */
struct line_number {
	size_t tok;
	uint32_t file, value;
};

/* An open-addressing set of strings that point into the text being read. */
struct key {
	const char *s;
	uint32_t len, hash;
};

struct strset {
	uint32_t *slot; /* key index + 1, 0 if empty */
	size_t mask;
	struct key *keys;
	size_t n, cap;
};

static uint32_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static int strset_grow(struct strset *t)
{
	size_t size = t->slot ? (t->mask + 1) * 2 : 1024;
	uint32_t *slot = calloc(size, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = t->keys[i].hash & (size - 1);
		while (slot[h])
			h = (h + 1) & (size - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->mask = size - 1;
	return 0;
}

/* *index is s's index in t. 1 if s was added, 0 if t had it, -1 if out of
 * memory. */
static int strset_add(struct strset *t, const char *s, size_t len, uint32_t *index)
{
	if ((!t->slot || (t->n + 1) * 2 > t->mask + 1) && strset_grow(t))
		return -1;
	uint32_t hash = hash_str(s, len);
	size_t h = hash & t->mask;
	for (; t->slot[h]; h = (h + 1) & t->mask) {
		const struct key *k = &t->keys[t->slot[h] - 1];
		if (k->hash == hash && k->len == len && !memcmp(k->s, s, len)) {
			*index = t->slot[h] - 1;
			return 0;
		}
	}
	struct key *keys = ksp_array_room(t->keys, &t->cap, t->n, sizeof(*keys), 1024);
	if (!keys)
		return -1;
	t->keys = keys;
	t->keys[t->n] = (struct key){s, (uint32_t)len, hash};
	*index = (uint32_t)t->n;
	t->slot[h] = (uint32_t)++t->n;
	return 1;
}

static void strset_free(struct strset *t)
{
	free(t->slot);
	free(t->keys);
}

struct gather {
	const char *text;
	size_t len;
	const char *root;
	struct pp_parsed p;
	struct strset names, files, macros;
	unsigned char *ref; /* per name: whether it can reach the code (pp_reach.h) */
	size_t ref_cap;
	uint32_t *tok_name;	      /* per token: its index in names, if an identifier */
	size_t macros_cap, files_cap; /* of f's arrays */
	/* Numbers that may be a __LINE__, counted once their item is known
	 * to reach the code (pp_reach.h). */
	struct line_number *numbers;
	size_t nnumbers, numbers_cap;
	struct ksp_pp_facts *f;
};

static int name_add(struct gather *g, const char *s, size_t len, uint32_t *index)
{
	int added = strset_add(&g->names, s, len, index);
	if (added <= 0)
		return added;
	unsigned char *v = ksp_array_room(g->ref, &g->ref_cap, *index, sizeof(*v), 1024);
	if (!v)
		return -1;
	g->ref = v;
	g->ref[*index] = 0;
	return 0;
}

/* The index in f->files of the file a line marker names. */
static int file_index(struct gather *g, const char *q, size_t n, uint32_t *index)
{
	char path[4096];
	n = pp_marker_path(q, n, g->root, path, sizeof(path));
	q = path;
	int added = strset_add(&g->files, q, n, index);
	if (added <= 0)
		return added;
	struct ksp_pp_facts *f = g->f;
	struct ksp_pp_file_read *v =
		ksp_array_room(f->files, &g->files_cap, f->nfiles, sizeof(*v), 64);
	if (!v)
		return -1;
	f->files = v;
	if (!(v[f->nfiles].path = strndup(q, n)))
		return -1;
	v[f->nfiles++].max_line_value = 0;
	return 0;
}

/* The line number of a line marker ("# 12 ..." or "#line 12 ..."). */
static uint64_t marker_line(const char *p, const char *end)
{
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p >= 4 && !memcmp(p, "line", 4))
		p += 4;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	uint64_t n = 0;
	for (; p < end && isdigit((unsigned char)*p) && n < UINT32_MAX; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n;
}

static int add_macro(struct gather *g, const char *name, size_t nlen, const char *end)
{
	uint32_t index;
	int added = strset_add(&g->macros, name, (size_t)(end - name), &index);
	if (added <= 0)
		return added;
	struct ksp_pp_facts *f = g->f;
	size_t dlen = (size_t)(end - name) - nlen;
	struct ksp_pp_macro *v =
		ksp_array_room(f->macros, &g->macros_cap, f->nmacros, sizeof(*v), 256);
	if (!v)
		return -1;
	f->macros = v;
	char *s = malloc(nlen + dlen + 2);
	if (!s)
		return -1;
	memcpy(s, name, nlen);
	s[nlen] = '\0';
	memcpy(s + nlen + 1, name + nlen, dlen);
	s[nlen + 1 + dlen] = '\0';
	v[f->nmacros++] = (struct ksp_pp_macro){s, s + nlen + 1};
	return 0;
}

/* A -dU line, "#define NAME..." or "#undef NAME". */
static int macro_line(struct gather *g, const char *p, const char *end)
{
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	int define = end - p >= 6 && !memcmp(p, "define", 6);
	if (!define && !(end - p >= 5 && !memcmp(p, "undef", 5)))
		return 0;
	p += define ? 6 : 5;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	size_t n = 0;
	while (p + n < end && pp_ident_char(p[n]))
		n++;
	uint32_t index;
	if (!n)
		return 0;
	if (name_add(g, p, n, &index) < 0)
		return -1;
	return define ? add_macro(g, p, n, end) : 0;
}

/* A plain decimal constant near the line it is on may be a __LINE__. */
static int note_number(struct gather *g, uint32_t file, uint64_t line, size_t k)
{
	const struct pp_tok *x = &g->p.toks.v[k];
	const char *s = g->text + x->off;
	if (x->len > 10 || (s[0] == '0' && x->len > 1))
		return 0;
	uint64_t v = 0;
	for (uint32_t i = 0; i < x->len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v + 64 < line || v > line + 64 || v > UINT32_MAX || !v)
		return 0;
	struct line_number *n =
		ksp_array_room(g->numbers, &g->numbers_cap, g->nnumbers, sizeof(*n), 256);
	if (!n)
		return -1;
	g->numbers = n;
	g->numbers[g->nnumbers++] = (struct line_number){k, file, (uint32_t)v};
	return 0;
}

/* The item holding token k, or (size_t)-1. */
static size_t item_of(const struct pp_items *items, size_t k)
{
	size_t lo = 0, hi = items->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (items->v[mid].end <= k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < items->n && items->v[lo].first <= k ? lo : (size_t)-1;
}

/* A number counts for its file's max_line_value unless the item it is in
 * cannot reach the code: a __LINE__ in an unused inline function changes
 * nothing, as screening finds. Numbers outside items and in #pragma lines
 * count. */
static void count_line_numbers(struct gather *g, const unsigned char *live)
{
	const struct pp_parsed *p = &g->p;
	for (size_t i = 0; i < g->nnumbers; i++) {
		const struct line_number *n = &g->numbers[i];
		size_t item = item_of(&p->items, n->tok);
		if (item != (size_t)-1 && !live[item] &&
		    p->toks.v[p->items.v[item].first].kind != T_DIRECTIVE)
			continue;
		struct ksp_pp_file_read *r = &g->f->files[n->file];
		if (n->value > r->max_line_value)
			r->max_line_value = n->value;
	}
}

/*
 * One pass over the lines, in step with the tokens: line markers give the
 * file and line each output line presumes to be; '#' lines that the
 * tokenizer neither took as a marker nor kept as a directive are -dU lines.
 */
static int scan_lines(struct gather *g)
{
	const struct pp_toks *t = &g->p.toks;
	const char *s = g->text, *end = s + g->len;
	uint32_t file = NO_INDEX;
	uint64_t line = 1;
	size_t k = 0;
	for (const char *ls = s; ls < end;) {
		const char *nl = memchr(ls, '\n', (size_t)(end - ls)), *le = nl ? nl : end;
		const char *c = ls, *q;
		size_t n;
		while (c < le && isspace((unsigned char)*c))
			c++;
		int hash_line = c < le && *c == '#';
		int directive = hash_line && k < t->n && t->v[k].off == (size_t)(c - s);
		uint64_t next = line + 1;
		if (hash_line && pp_line_marker(c, le, &q, &n)) {
			if (q && file_index(g, q, n, &file))
				return -1;
			next = marker_line(c, le);
		} else if (hash_line && !directive && macro_line(g, c, le)) {
			return -1;
		}
		for (; k < t->n && t->v[k].off < (size_t)(le - s); k++)
			if (t->v[k].kind == T_NUMBER && file != NO_INDEX &&
			    note_number(g, file, line, k))
				return -1;
		line = next;
		ls = le + 1;
	}
	return 0;
}

/* Every identifier of a #pragma line is a reference. */
static int directive_names(struct gather *g, const struct pp_tok *x)
{
	const char *s = g->text + x->off;
	for (uint32_t i = 0; i < x->len;) {
		uint32_t j = i;
		while (j < x->len && pp_ident_char(s[j]))
			j++;
		uint32_t index;
		if (j == i) {
			i++;
			continue;
		}
		if (!isdigit((unsigned char)s[i])) {
			if (name_add(g, s + i, j - i, &index) < 0)
				return -1;
			g->ref[index] = 1;
		}
		i = j;
	}
	return 0;
}

/* Names the item's identifiers. */
static int count_item(struct gather *g, uint32_t i)
{
	const struct pp_item *it = &g->p.items.v[i];
	const struct pp_toks *t = &g->p.toks;
	if (t->v[it->first].kind == T_DIRECTIVE)
		return directive_names(g, &t->v[it->first]);
	for (size_t k = it->first; k < it->end; k++) {
		if (t->v[k].kind != T_IDENT)
			continue;
		if (name_add(g, t->text + t->v[k].off, t->v[k].len, &g->tok_name[k]) < 0)
			return -1;
	}
	return 0;
}

static int scan_items(struct gather *g)
{
	g->tok_name = calloc(g->p.toks.n + 1, sizeof(*g->tok_name));
	if (!g->tok_name)
		return -1;
	for (size_t i = 0; i < g->p.items.n; i++)
		if (count_item(g, (uint32_t)i))
			return -1;
	unsigned char *live = calloc(g->p.items.n + 1, 1);
	int rc = live ? ksp_pp_reach(&g->p, g->tok_name, g->names.n, g->ref, live) : -1;
	if (!rc)
		count_line_numbers(g, live);
	free(live);
	return rc;
}

static int fill_blooms(struct gather *g)
{
	struct ksp_pp_facts *f = g->f;
	if (ksp_bloom_init(&f->seen, g->names.n) || ksp_bloom_init(&f->refs, g->names.n))
		return -1;
	for (size_t i = 0; i < g->names.n; i++) {
		const struct key *k = &g->names.keys[i];
		ksp_bloom_add(&f->seen, k->s, k->len);
		if (g->ref[i])
			ksp_bloom_add(&f->refs, k->s, k->len);
	}
	return 0;
}

static void gather_free(struct gather *g)
{
	pp_parsed_free(&g->p);
	strset_free(&g->names);
	strset_free(&g->files);
	strset_free(&g->macros);
	free(g->ref);
	free(g->tok_name);
	free(g->numbers);
}

int ksp_pp_facts_from_text(const char *text, size_t len, const char *tree_root,
			   struct ksp_pp_facts *f, struct ksp_error *err)
{
	memset(f, 0, sizeof(*f));
	struct gather g = {.text = text, .len = len, .root = tree_root, .f = f};
	if (pp_parse(text, len, &g.p, err))
		return -1;
	int rc = scan_lines(&g) || scan_items(&g) || fill_blooms(&g);
	gather_free(&g);
	if (rc) {
		ksp_pp_facts_free(f);
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	}
	return 0;
}

struct ksp_pp_file_read *ksp_pp_facts_file(const struct ksp_pp_facts *f, const char *path)
{
	for (size_t i = 0; i < f->nfiles; i++)
		if (!strcmp(f->files[i].path, path))
			return &f->files[i];
	return NULL;
}

void ksp_pp_facts_free(struct ksp_pp_facts *f)
{
	ksp_bloom_free(&f->seen);
	ksp_bloom_free(&f->refs);
	for (size_t i = 0; i < f->nmacros; i++)
		free(f->macros[i].name);
	for (size_t i = 0; i < f->nfiles; i++)
		free(f->files[i].path);
	free(f->macros);
	free(f->files);
	memset(f, 0, sizeof(*f));
}

/*
 * On disk: the magic, then uint32 seen.nwords, refs.nwords, nmacros and
 * nfiles, the two filters' words, each macro (uint32 name and def lengths,
 * then both), each file (uint32 max_line_value and path length, then the
 * path). Host byte order. Version 2: refs as pp_reach.h makes them (version
 * 1 counted every name an inert item mentions; its entries are dropped).
 * Version 3: struct definitions are inert (version 2 refs are dropped).
 * Version 4: max_line_value counts only numbers in items that reach code.
 */
static const char facts_magic[8] = {'K', 'S', 'P', 'F', 'A', 'C', 'T', '4'};

enum { MAX_WORDS = 1u << 24, MAX_COUNT = 1u << 24, MAX_STRING = 1u << 20 };

static int put(FILE *out, const void *p, size_t n)
{
	return n == 0 || fwrite(p, n, 1, out) == 1;
}

static int put_u32(FILE *out, size_t v)
{
	uint32_t x = (uint32_t)v;
	return put(out, &x, sizeof(x));
}

static int put_macro(FILE *out, const struct ksp_pp_macro *m)
{
	size_t n = strlen(m->name), d = strlen(m->def);
	return put_u32(out, n) && put_u32(out, d) && put(out, m->name, n) && put(out, m->def, d);
}

static int put_file(FILE *out, const struct ksp_pp_file_read *r)
{
	size_t n = strlen(r->path);
	return put_u32(out, r->max_line_value) && put_u32(out, n) && put(out, r->path, n);
}

int ksp_pp_facts_write(const struct ksp_pp_facts *f, FILE *out, struct ksp_error *err)
{
	if (f->nmacros > MAX_COUNT || f->nfiles > MAX_COUNT)
		return ksp_failc(err, KSP_E_INTERNAL, "facts too large to write");
	int ok = put(out, facts_magic, sizeof(facts_magic)) && put_u32(out, f->seen.nwords) &&
		 put_u32(out, f->refs.nwords) && put_u32(out, f->nmacros) &&
		 put_u32(out, f->nfiles) &&
		 put(out, f->seen.words, f->seen.nwords * sizeof(*f->seen.words)) &&
		 put(out, f->refs.words, f->refs.nwords * sizeof(*f->refs.words));
	for (size_t i = 0; ok && i < f->nmacros; i++)
		ok = put_macro(out, &f->macros[i]);
	for (size_t i = 0; ok && i < f->nfiles; i++)
		ok = put_file(out, &f->files[i]);
	if (!ok || fflush(out))
		return ksp_failc(err, KSP_E_INTERNAL, "cannot write facts");
	return 0;
}

static int get(FILE *in, void *p, size_t n)
{
	return n == 0 || fread(p, n, 1, in) == 1;
}

static int get_bloom(FILE *in, struct ksp_bloom *b, uint32_t nwords)
{
	if (nwords < 64 || nwords > MAX_WORDS || (nwords & (nwords - 1)))
		return 0;
	b->words = malloc(nwords * sizeof(*b->words));
	if (!b->words)
		return 0;
	b->nwords = nwords;
	return get(in, b->words, nwords * sizeof(*b->words));
}

static int get_macro(FILE *in, struct ksp_pp_facts *f, size_t *cap)
{
	uint32_t len[2];
	if (!get(in, len, sizeof(len)) || len[0] > MAX_STRING || len[1] > MAX_STRING)
		return 0;
	struct ksp_pp_macro *v = ksp_array_room(f->macros, cap, f->nmacros, sizeof(*v), 256);
	char *s = v ? malloc((size_t)len[0] + len[1] + 2) : NULL;
	if (v)
		f->macros = v;
	if (!s || !get(in, s, len[0]) || !get(in, s + len[0] + 1, len[1])) {
		free(s);
		return 0;
	}
	s[len[0]] = s[len[0] + 1 + len[1]] = '\0';
	v[f->nmacros++] = (struct ksp_pp_macro){s, s + len[0] + 1};
	return 1;
}

static int get_file(FILE *in, struct ksp_pp_facts *f, size_t *cap)
{
	uint32_t head[2];
	if (!get(in, head, sizeof(head)) || head[1] > MAX_STRING)
		return 0;
	struct ksp_pp_file_read *v = ksp_array_room(f->files, cap, f->nfiles, sizeof(*v), 64);
	char *s = v ? malloc((size_t)head[1] + 1) : NULL;
	if (v)
		f->files = v;
	if (!s || !get(in, s, head[1])) {
		free(s);
		return 0;
	}
	s[head[1]] = '\0';
	v[f->nfiles++] = (struct ksp_pp_file_read){s, head[0]};
	return 1;
}

int ksp_pp_facts_read(FILE *in, struct ksp_pp_facts *f, struct ksp_error *err)
{
	memset(f, 0, sizeof(*f));
	char magic[8];
	uint32_t head[4];
	size_t mcap = 0, fcap = 0;
	int ok = get(in, magic, sizeof(magic)) && !memcmp(magic, facts_magic, sizeof(magic)) &&
		 get(in, head, sizeof(head)) && head[2] <= MAX_COUNT && head[3] <= MAX_COUNT &&
		 get_bloom(in, &f->seen, head[0]) && get_bloom(in, &f->refs, head[1]);
	while (ok && f->nmacros < head[2])
		ok = get_macro(in, f, &mcap);
	while (ok && f->nfiles < head[3])
		ok = get_file(in, f, &fcap);
	if (!ok) {
		ksp_pp_facts_free(f);
		return ksp_failc(err, KSP_E_INPUT, "not a valid facts file (truncated or corrupt)");
	}
	return 0;
}
