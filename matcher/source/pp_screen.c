#include "pp_screen.h"
#include "array.h"
#include "pp_items.h"
#include "strlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const c_keywords[] = {
	"auto",	      "break",	      "case",	    "char",	     "const",
	"continue",   "default",      "do",	    "double",	     "else",
	"enum",	      "extern",	      "float",	    "for",	     "goto",
	"if",	      "inline",	      "int",	    "long",	     "register",
	"restrict",   "return",	      "short",	    "signed",	     "sizeof",
	"static",     "struct",	      "switch",	    "typedef",	     "union",
	"unsigned",   "void",	      "volatile",   "while",	     "_Bool",
	"_Complex",   "_Noreturn",    "_Atomic",    "_Thread_local", "__thread",
	"__signed__", "__volatile__", "__restrict", "__restrict__",  "__const",
	"__const__",  "__inline",     "__inline__", "__int128",	     "__extension__",
	NULL};

/* Words followed by a parenthesized group that is not a declarator. */
static const char *const group_words[] = {"__attribute__", "__attribute", "__typeof__", "__typeof",
					  "typeof",	   "asm",	  "__asm__",	"__asm",
					  "_Alignas",	   "__alignof__", "_Alignof",	NULL};

/* Attributes that emit or bind a symbol even if nothing refers to it. */
static const char *const emitting_words[] = {"used",
					     "__used__",
					     "constructor",
					     "__constructor__",
					     "destructor",
					     "__destructor__",
					     "alias",
					     "__alias__",
					     "weakref",
					     "__weakref__",
					     "externally_visible",
					     "__externally_visible__",
					     "ifunc",
					     "__ifunc__",
					     "retain",
					     "__retain__",
					     "weak",
					     "__weak__",
					     NULL};

static int tok_in(const struct pp_toks *t, size_t k, const char *const *words)
{
	for (; *words; words++)
		if (pp_tok_is(t, k, *words))
			return 1;
	return 0;
}

/* Index after the group opened at k (its matching close), or end. */
static size_t skip_group(const struct pp_toks *t, size_t k, size_t end)
{
	int depth = 0;
	for (; k < end; k++) {
		if (t->v[k].kind != T_PUNCT)
			continue;
		char c = t->text[t->v[k].off];
		depth += c == '(' || c == '[' || c == '{';
		depth -= c == ')' || c == ']' || c == '}';
		if (depth == 0)
			return k + 1;
	}
	return end;
}

/* Index after any attribute, typeof or asm groups starting at k. */
static size_t skip_attributes(const struct pp_toks *t, size_t k, size_t end)
{
	while (k + 1 < end && tok_in(t, k, group_words) && pp_is_punct(t, k + 1, '('))
		k = skip_group(t, k + 1, end);
	return k;
}

/* After the declarator's parameter list: only attribute or asm groups, then
 * ';' (a prototype) or a body running to the end (a definition). Returns 1
 * for a prototype, 2 for a definition, 0 for anything else. */
static int declarator_tail(const struct pp_toks *t, size_t k, size_t end)
{
	k = skip_attributes(t, k, end);
	if (k + 1 == end && pp_is_punct(t, k, ';'))
		return 1;
	if (k < end && pp_is_punct(t, k, '{') && skip_group(t, k, end) == end)
		return 2;
	return 0;
}

struct decl {
	int inert;
	size_t name; /* token index, or (size_t)-1 */
	/* The braces of an enum definition (its names: its enumerators) or of
	 * a struct or union definition (its names: the tags of the definitions
	 * nested in it); open == (size_t)-1 if neither. close is the index
	 * after the '}'. */
	size_t open, close;
	uint8_t is_enum;
	uint8_t tagdef; /* a struct (1) or union (2) definition, name its tag */
};

#define NO_DECL ((struct decl){0, (size_t)-1, (size_t)-1, 0, 0, 0})
#define NAMED(inert, name) ((struct decl){(inert), (name), (size_t)-1, 0, 0, 0})

/* The last identifier at depth 0 of an extern variable declaration. */
static struct decl extern_variable(const struct pp_toks *t, size_t first, size_t end)
{
	struct decl d = NO_DECL;
	for (size_t k = first; k < end;) {
		size_t after = skip_attributes(t, k, end);
		if (after != k) {
			k = after;
			continue;
		}
		if (pp_is_punct(t, k, '[')) {
			k = skip_group(t, k, end);
			continue;
		}
		if (pp_is_punct(t, k, '=') || pp_is_punct(t, k, ',') || pp_is_punct(t, k, '{') ||
		    pp_is_punct(t, k, '('))
			return d;
		if (t->v[k].kind == T_IDENT && !tok_in(t, k, c_keywords))
			d.name = k;
		k++;
	}
	d.inert = d.name != (size_t)-1;
	return d;
}

static int has_word_before(const struct pp_toks *t, size_t first, size_t end, const char *const *w)
{
	for (size_t k = first; k < end; k++)
		if (tok_in(t, k, w))
			return 1;
	return 0;
}

static const char *const static_words[] = {"static", NULL};
static const char *const inline_words[] = {"inline", "__inline", "__inline__", NULL};
static const char *const extern_words[] = {"extern", NULL};
static const char *const refused_first[] = {"typedef",	      "asm", "__asm__", "__asm",
					    "_Static_assert", NULL};

/* At the keyword k ("struct", "union" or "enum"): the index of the '{' of
 * "KEYWORD [attributes] [tag] [attributes] {", with *tag the tag's token or
 * (size_t)-1; (size_t)-1 if no body follows. */
static size_t tagged_body(const struct pp_toks *t, size_t k, size_t end, size_t *tag)
{
	*tag = (size_t)-1;
	k = skip_attributes(t, k + 1, end);
	if (k < end && t->v[k].kind == T_IDENT && !tok_in(t, k, c_keywords)) {
		*tag = k;
		k = skip_attributes(t, k + 1, end);
	}
	return k < end && pp_is_punct(t, k, '{') ? k : (size_t)-1;
}

/* The braces [open, close) are followed by attributes and the final ';':
 * the definition declares nothing else (no variable of its type). */
static int nothing_after(const struct pp_toks *t, size_t close, size_t end)
{
	size_t after = skip_attributes(t, close, end);
	return after + 1 == end && pp_is_punct(t, after, ';');
}

/* "enum [tag] { ... };" with nothing declared: an enum's constants only
 * matter where they are named (a changed value, a new or removed constant,
 * or the enum's type through its tag). */
static struct decl enum_definition(const struct pp_toks *t, size_t first, size_t end)
{
	size_t tag, open = tagged_body(t, first, end, &tag);
	if (open == (size_t)-1)
		return NO_DECL;
	size_t close = skip_group(t, open, end);
	if (!nothing_after(t, close, end))
		return NO_DECL; /* a variable of the enum type */
	return (struct decl){1, tag, open, close, 1, 0};
}

static const char *const record_words[] = {"struct", "union", NULL};

/* Whether a struct body [open, close) can be read for the names it
 * declares at file scope: the tags of the struct and union definitions
 * nested in it. An enum definition would declare its constants there too,
 * and a #pragma line may apply beyond the body: both are refused. */
static int readable_body(const struct pp_toks *t, size_t open, size_t close)
{
	size_t tag;
	for (size_t k = open + 1; k + 1 < close; k++) {
		if (t->v[k].kind == T_DIRECTIVE)
			return 0;
		if (pp_tok_is(t, k, "enum") && tagged_body(t, k, close, &tag) != (size_t)-1)
			return 0;
	}
	return 1;
}

/*
 * "struct|union [attributes] tag [attributes] { ... } [attributes];" with
 * nothing declared after the body. Its names: the tag and the tags of the
 * definitions nested in it (which C puts at file scope); member names live
 * in their own namespace and are mere mentions.
 *
 * A struct definition emits no code or data. Code depends on it only
 * through items that name its tag: variables, prototypes, typedefs (never
 * inert, so always roots), casts, sizeof, container_of and offsetof in
 * function bodies, other definitions nesting or embedding it. find_use()
 * and pp_reach.h follow all of those, so it matters only where they lead
 * to code. An untagged definition has no name to follow and stays not
 * inert, as does one whose body declares other file-scope names
 * (readable_body()).
 */
static struct decl struct_definition(const struct pp_toks *t, size_t first, size_t end)
{
	size_t tag, open = tagged_body(t, first, end, &tag);
	if (open == (size_t)-1 || tag == (size_t)-1)
		return NO_DECL;
	size_t close = skip_group(t, open, end);
	if (!nothing_after(t, close, end) || !readable_body(t, open, close))
		return NO_DECL;
	return (struct decl){1, tag, open, close, 0, pp_tok_is(t, first, "union") ? 2 : 1};
}

/* Whether the item can only matter through a reference to its name. */
static struct decl classify(const struct pp_toks *t, size_t first, size_t end)
{
	struct decl none = NO_DECL;
	while (first < end && pp_tok_is(t, first, "__extension__"))
		first++;
	if (first == end || (end - first == 1 && pp_is_punct(t, first, ';')))
		return NAMED(1, (size_t)-1);
	if (tok_in(t, first, refused_first) || t->v[first].kind == T_DIRECTIVE)
		return none;
	if (end - first == 3 && tok_in(t, first, record_words) && t->v[first + 1].kind == T_IDENT &&
	    !tok_in(t, first + 1, c_keywords) && pp_is_punct(t, first + 2, ';'))
		return NAMED(1, first + 1); /* "struct tag;": declares the tag */
	if (pp_tok_is(t, first, "enum"))
		return enum_definition(t, first, end);
	if (tok_in(t, first, record_words)) {
		size_t tag;
		struct decl d = struct_definition(t, first, end);
		if (d.inert || tagged_body(t, first, end, &tag) != (size_t)-1)
			return d;
	}
	for (size_t k = first; k < end;) {
		size_t after = skip_attributes(t, k, end);
		if (after != k) {
			k = after;
			continue;
		}
		if (pp_is_punct(t, k, '{') || pp_is_punct(t, k, '=') || pp_is_punct(t, k, ','))
			return none;
		if (!pp_is_punct(t, k, '(')) {
			k++;
			continue;
		}
		if (k == first || t->v[k - 1].kind != T_IDENT || tok_in(t, k - 1, c_keywords))
			return none; /* a function pointer or something not understood */
		int tail = declarator_tail(t, skip_group(t, k, end), end);
		size_t body = tail == 2 ? k : end;
		if (!tail || has_word_before(t, first, body, emitting_words))
			return none;
		if (tail == 2 && (!has_word_before(t, first, k, static_words) ||
				  !has_word_before(t, first, k, inline_words)))
			return none;
		return NAMED(1, k - 1);
	}
	if (!has_word_before(t, first, end, extern_words) ||
	    has_word_before(t, first, end, emitting_words))
		return none;
	return extern_variable(t, first, end);
}

typedef int (*name_fn)(void *ctx, const char *name, size_t len);

static int report(const struct pp_toks *t, size_t k, name_fn fn, void *ctx)
{
	return fn(ctx, t->text + t->v[k].off, t->v[k].len);
}

/* The enumerators of the enum body [open, close). */
static int each_constant(const struct pp_toks *t, size_t open, size_t close, name_fn fn, void *ctx)
{
	int depth = 0, expect = 1;
	for (size_t k = open + 1; k + 1 < close; k++) {
		if (t->v[k].kind == T_PUNCT) {
			char c = t->text[t->v[k].off];
			depth += c == '(' || c == '[' || c == '{';
			depth -= c == ')' || c == ']' || c == '}';
			expect = depth == 0 && c == ',';
		} else if (expect && depth == 0 && t->v[k].kind == T_IDENT) {
			if (report(t, k, fn, ctx))
				return -1;
			expect = 0;
		} else {
			expect = 0;
		}
	}
	return 0;
}

/* The tags of the struct and union definitions nested in the body
 * [open, close), at any depth. */
static int each_nested_tag(const struct pp_toks *t, size_t open, size_t close, name_fn fn,
			   void *ctx)
{
	size_t tag;
	for (size_t k = open + 1; k + 1 < close; k++)
		if (tok_in(t, k, record_words) && tagged_body(t, k, close, &tag) != (size_t)-1 &&
		    tag != (size_t)-1 && report(t, tag, fn, ctx))
			return -1;
	return 0;
}

/* Calls fn for every name the declaration declares. */
static int each_name(const struct pp_toks *t, struct decl d, name_fn fn, void *ctx)
{
	if (d.name != (size_t)-1 && report(t, d.name, fn, ctx))
		return -1;
	if (d.open == (size_t)-1)
		return 0;
	if (d.is_enum)
		return each_constant(t, d.open, d.close, fn, ctx);
	return each_nested_tag(t, d.open, d.close, fn, ctx);
}

/* A declaration without any name, and not an enum: it can only matter if
 * it is itself touched. */
static int nameless(struct decl d)
{
	return d.name == (size_t)-1 && !d.is_enum;
}

int ksp_pp_item_decl(const struct pp_parsed *p, size_t i,
		     int (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
	const struct pp_item *it = &p->items.v[i];
	struct decl d = classify(&p->toks, it->first, it->end);
	if (!d.inert)
		return 0;
	return each_name(&p->toks, d, fn, ctx) ? -1 : 1;
}

int ksp_pp_item_tagdef(const struct pp_parsed *p, size_t i)
{
	const struct pp_item *it = &p->items.v[i];
	struct decl d = classify(&p->toks, it->first, it->end);
	return d.inert && d.tagdef;
}

/* Names of one item go into the digest space-separated, as one string
 * that close_names() ends. */
static int append_name(void *ctx, const char *name, size_t len)
{
	struct ksp_pp_digest *d = ctx;
	char *grown = realloc(d->names, d->names_len + len + 1);
	if (!grown)
		return -1;
	d->names = grown;
	memcpy(d->names + d->names_len, name, len);
	d->names[d->names_len + len] = ' ';
	d->names_len += len + 1;
	return 0;
}

static int close_names(struct ksp_pp_digest *d, size_t start)
{
	if (d->names_len > start) {
		d->names[d->names_len - 1] = '\0';
		return 0;
	}
	char *grown = realloc(d->names, d->names_len + 1);
	if (!grown)
		return -1;
	d->names = grown;
	d->names[d->names_len++] = '\0';
	return 0;
}

int ksp_pp_digest_text(const char *text, size_t len, struct ksp_pp_digest *d, struct ksp_error *err)
{
	memset(d, 0, sizeof(*d));
	struct pp_parsed p;
	if (pp_parse(text, len, &p, err))
		return -1;
	d->items = calloc(p.items.n + 1, sizeof(*d->items));
	int rc = d->items ? 0 : -1;
	for (size_t i = 0; i < p.items.n && !rc; i++) {
		const struct pp_item *it = &p.items.v[i];
		struct decl c = classify(&p.toks, it->first, it->end);
		struct ksp_pp_item *out = &d->items[d->nitems++];
		out->hash = it->hash;
		out->inert = (uint8_t)c.inert;
		out->directive = p.toks.v[it->first].kind == T_DIRECTIVE;
		out->tagdef = c.tagdef;
		out->name = UINT32_MAX;
		if (c.inert && !nameless(c)) {
			out->name = (uint32_t)d->names_len;
			rc = each_name(&p.toks, c, append_name, d) || close_names(d, out->name);
		}
	}
	pp_parsed_free(&p);
	if (rc) {
		ksp_pp_digest_free(d);
		return ksp_fail(err, "out of memory");
	}
	return 0;
}

void ksp_pp_digest_free(struct ksp_pp_digest *d)
{
	free(d->items);
	free(d->names);
	memset(d, 0, sizeof(*d));
}

/* Version 4: struct and union definitions are inert, their tag first among
 * their names (version 3 named them "struct tag", not inert). */
static const char digest_magic[8] = "KSPPP04";

int ksp_pp_digest_save(const struct ksp_pp_digest *d, const char *path, struct ksp_error *err)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	uint64_t counts[2] = {d->nitems, d->names_len};
	int ok = fwrite(digest_magic, sizeof(digest_magic), 1, f) == 1 &&
		 fwrite(counts, sizeof(counts), 1, f) == 1 &&
		 fwrite(d->items, sizeof(*d->items), d->nitems, f) == d->nitems &&
		 fwrite(d->names, 1, d->names_len, f) == d->names_len;
	if (fclose(f) || !ok)
		return ksp_fail(err, "%s: cannot write", path);
	return 0;
}

int ksp_pp_digest_load(const char *path, struct ksp_pp_digest *d, struct ksp_error *err)
{
	memset(d, 0, sizeof(*d));
	FILE *f = fopen(path, "rb");
	if (!f)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	char magic[8];
	uint64_t counts[2];
	int ok = fread(magic, sizeof(magic), 1, f) == 1 && !memcmp(magic, digest_magic, 8) &&
		 fread(counts, sizeof(counts), 1, f) == 1 && counts[0] < (1u << 28) &&
		 counts[1] < (1u << 30);
	if (ok) {
		d->items = calloc(counts[0] + 1, sizeof(*d->items));
		d->names = malloc(counts[1] + 1);
		ok = d->items && d->names &&
		     fread(d->items, sizeof(*d->items), counts[0], f) == counts[0] &&
		     fread(d->names, 1, counts[1], f) == counts[1];
		d->nitems = counts[0];
		d->names_len = counts[1];
	}
	fclose(f);
	for (size_t i = 0; ok && i < d->nitems; i++)
		ok = d->items[i].name == UINT32_MAX || d->items[i].name < d->names_len;
	if (ok && d->names_len && d->names[d->names_len - 1])
		ok = 0;
	if (!ok) {
		ksp_pp_digest_free(d);
		return ksp_fail(err, "%s: not a preprocessed-source digest", path);
	}
	return 0;
}

struct keyed {
	uint64_t hash;
	size_t index;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Marks every item of one side's middle part whose hash the other side's
 * middle part does not have (as many times). */
static void mark_unmatched(struct keyed *a, size_t na, struct keyed *b, size_t nb,
			   unsigned char *touched_a, unsigned char *touched_b)
{
	qsort(a, na, sizeof(*a), cmp_keyed);
	qsort(b, nb, sizeof(*b), cmp_keyed);
	size_t i = 0, k = 0;
	while (i < na || k < nb) {
		if (k == nb || (i < na && a[i].hash < b[k].hash))
			touched_a[a[i++].index] = 1;
		else if (i == na || b[k].hash < a[i].hash)
			touched_b[b[k++].index] = 1;
		else
			i++, k++;
	}
}

/* The names of touched declarations, each a copy owned here. */

static int push_name(void *ctx, const char *name, size_t len)
{
	return ksp_strlist_push(ctx, name, len);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first words of an item, for a message. */
static void describe(const struct pp_toks *t, const struct pp_item *it, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t k = it->first; k < it->end && used + 1 < len && used < 60; k++) {
		int n = snprintf(out + used, len - used, "%s%.*s", used ? " " : "",
				 (int)t->v[k].len > 40 ? 40 : (int)t->v[k].len,
				 t->text + t->v[k].off);
		used += n > 0 ? (size_t)n : 0;
	}
	if (used >= len)
		out[len - 1] = '\0';
}

struct screen {
	const struct ksp_pp_digest *pre;
	struct pp_parsed post;
	unsigned char *touched_pre, *touched_post;
	struct ksp_strlist names;
};

static int collect_pre(struct screen *s, char *why, size_t why_len)
{
	for (size_t i = 0; i < s->pre->nitems; i++) {
		const struct ksp_pp_item *it = &s->pre->items[i];
		if (!s->touched_pre[i])
			continue;
		if (it->directive)
			return snprintf(why, why_len, "a #pragma line changed"), 1;
		if (!it->inert)
			return snprintf(why, why_len,
					"a file-scope definition changed or was removed"),
			       1;
		for (const char *n = it->name == UINT32_MAX ? "" : s->pre->names + it->name; *n;) {
			size_t len = strcspn(n, " ");
			if (push_name(&s->names, n, len))
				return -1;
			n += len + (n[len] == ' ');
		}
	}
	return 0;
}

static int collect_post(struct screen *s, char *why, size_t why_len)
{
	const struct pp_toks *t = &s->post.toks;
	for (size_t i = 0; i < s->post.items.n; i++) {
		const struct pp_item *it = &s->post.items.v[i];
		if (!s->touched_post[i])
			continue;
		struct decl d = classify(t, it->first, it->end);
		if (!d.inert) {
			char words[128];
			describe(t, it, words, sizeof(words));
			snprintf(why, why_len, "file-scope definition changed: '%s'", words);
			return 1;
		}
		if (each_name(t, d, push_name, &s->names))
			return -1;
	}
	return 0;
}

static int names_has(const struct ksp_strlist *s, const char *word)
{
	return bsearch(&word, s->v, s->n, sizeof(*s->v), cmp_name) != NULL;
}

/* The first identifier of an item that names a touched declaration, or
 * (size_t)-1. */
static size_t first_use(const struct pp_toks *t, const struct pp_item *it,
			const struct ksp_strlist *names)
{
	char word[256];
	for (size_t k = it->first; k < it->end; k++) {
		if (t->v[k].kind != T_IDENT || t->v[k].len >= sizeof(word))
			continue;
		memcpy(word, t->text + t->v[k].off, t->v[k].len);
		word[t->v[k].len] = '\0';
		if (names_has(names, word))
			return k;
	}
	return (size_t)-1;
}

/*
 * An untouched item that names a touched declaration. If it is itself inert
 * (an inline function calling a changed one), it only matters when named in
 * turn: its name joins the touched ones, until nothing is added. Any other
 * item naming one means the object's code may change.
 */
static int find_use(struct screen *s, char *why, size_t why_len)
{
	const struct pp_toks *t = &s->post.toks;
	for (size_t added = s->names.n; added;) {
		qsort(s->names.v, s->names.n, sizeof(*s->names.v), cmp_name);
		size_t before = s->names.n;
		for (size_t i = 0; i < s->post.items.n; i++) {
			if (s->touched_post[i])
				continue;
			const struct pp_item *it = &s->post.items.v[i];
			size_t use = first_use(t, it, &s->names);
			if (use == (size_t)-1)
				continue;
			struct decl d = classify(t, it->first, it->end);
			if (!d.inert || nameless(d)) {
				snprintf(why, why_len, "uses %.*s", (int)t->v[use].len,
					 t->text + t->v[use].off);
				return 1;
			}
			if (each_name(t, d, push_name, &s->names))
				return -1;
			s->touched_post[i] = 1;
		}
		added = s->names.n - before;
	}
	return 0;
}

/* Whether the untouched items of both middle parts come in the same
 * order (nothing was moved across anything else). */
static int same_order(const struct screen *s, size_t lo, size_t na, size_t nb)
{
	size_t i = 0, k = 0;
	for (;;) {
		while (i < na && s->touched_pre[lo + i])
			i++;
		while (k < nb && s->touched_post[lo + k])
			k++;
		if (i == na || k == nb)
			return i == na && k == nb;
		if (s->pre->items[lo + i].hash != s->post.items.v[lo + k].hash)
			return 0;
		i++, k++;
	}
}

/* Items equal at both ends are untouched; in the middle, an item is
 * untouched if the other side's middle has it too (a moved declaration). */
static int mark_touched(struct screen *s)
{
	size_t np = s->pre->nitems, nq = s->post.items.n, lo = 0, hi = 0;
	while (lo < np && lo < nq && s->pre->items[lo].hash == s->post.items.v[lo].hash)
		lo++;
	while (hi < np - lo && hi < nq - lo &&
	       s->pre->items[np - 1 - hi].hash == s->post.items.v[nq - 1 - hi].hash)
		hi++;
	size_t na = np - lo - hi, nb = nq - lo - hi;
	struct keyed *a = calloc(na + 1, sizeof(*a)), *b = calloc(nb + 1, sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	for (size_t i = 0; i < na; i++)
		a[i] = (struct keyed){s->pre->items[lo + i].hash, lo + i};
	for (size_t i = 0; i < nb; i++)
		b[i] = (struct keyed){s->post.items.v[lo + i].hash, lo + i};
	mark_unmatched(a, na, b, nb, s->touched_pre, s->touched_post);
	/* If what both sides have is not in the same order, a #pragma in the
	 * middle may now apply to other code. */
	if (!same_order(s, lo, na, nb)) {
		for (size_t i = 0; i < na; i++)
			s->touched_pre[lo + i] |= s->pre->items[lo + i].directive;
		for (size_t i = 0; i < nb; i++) {
			const struct pp_item *it = &s->post.items.v[lo + i];
			s->touched_post[lo + i] |= s->post.toks.v[it->first].kind == T_DIRECTIVE;
		}
	}
	free(a);
	free(b);
	return 0;
}

static int listed(const char *const *types, size_t n, const char *type, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(types[i]) == len && !memcmp(types[i], type, len))
			return 1;
	return 0;
}

/* "struct tag" or "union tag". */
static void tagdef_type(int tagdef, const char *tag, size_t len, char *out, size_t out_len)
{
	snprintf(out, out_len, "%s %.*s", tagdef == 2 ? "union" : "struct", (int)len, tag);
}

/* The touched struct or union definition of the post side defining type,
 * or (size_t)-1. */
static size_t post_tagdef(const struct screen *s, const char *type)
{
	const struct pp_toks *t = &s->post.toks;
	for (size_t k = 0; k < s->post.items.n; k++) {
		const struct pp_item *p = &s->post.items.v[k];
		if (!s->touched_post[k])
			continue;
		struct decl d = classify(t, p->first, p->end);
		char post_type[300];
		if (!d.tagdef)
			continue;
		tagdef_type(d.tagdef, t->text + t->v[d.name].off, t->v[d.name].len, post_type,
			    sizeof(post_type));
		if (!strcmp(post_type, type))
			return k;
	}
	return (size_t)-1;
}

/*
 * A struct or union definition that changed only in ways its compiled
 * layout does not show (the caller proves that from the objects' DWARF):
 * every existing member where it was, new members only aliasing their
 * storage. Code that uses the type compiles the same, so the definition
 * counts as untouched on both sides (unless it also defines nested types,
 * whose layout the proof of the outer one does not cover).
 */
static void untouch_same_layout(struct screen *s, const char *const *types, size_t ntypes)
{
	for (size_t i = 0; i < s->pre->nitems && ntypes; i++) {
		const struct ksp_pp_item *it = &s->pre->items[i];
		const char *tag = it->name == UINT32_MAX ? " " : s->pre->names + it->name;
		/* one with nested definitions declares more than the proven type */
		if (!s->touched_pre[i] || !it->tagdef || strchr(tag, ' '))
			continue;
		char type[300];
		tagdef_type(it->tagdef, tag, strcspn(tag, " "), type, sizeof(type));
		if (!listed(types, ntypes, type, strlen(type)))
			continue;
		size_t k = post_tagdef(s, type);
		if (k != (size_t)-1)
			s->touched_pre[i] = s->touched_post[k] = 0;
	}
}

int ksp_pp_affects(const struct ksp_pp_digest *pre, const char *post_text, size_t len, char *why,
		   size_t why_len, struct ksp_error *err)
{
	return ksp_pp_affects_with(pre, post_text, len, NULL, 0, why, why_len, err);
}

int ksp_pp_affects_with(const struct ksp_pp_digest *pre, const char *post_text, size_t len,
			const char *const *same_layout, size_t nsame, char *why, size_t why_len,
			struct ksp_error *err)
{
	struct screen s = {.pre = pre};
	why[0] = '\0';
	if (pp_parse(post_text, len, &s.post, err))
		return -1;
	s.touched_pre = calloc(pre->nitems + 1, 1);
	s.touched_post = calloc(s.post.items.n + 1, 1);
	int rc = s.touched_pre && s.touched_post ? mark_touched(&s) : -1;
	if (!rc)
		untouch_same_layout(&s, same_layout, nsame);
	if (!rc)
		rc = collect_post(&s, why, why_len);
	if (!rc)
		rc = collect_pre(&s, why, why_len);
	if (!rc)
		rc = find_use(&s, why, why_len);
	for (size_t i = 0; i < s.names.n; i++)
		free(s.names.v[i]);
	free(s.names.v);
	free(s.touched_pre);
	free(s.touched_post);
	pp_parsed_free(&s.post);
	if (rc < 0)
		return ksp_fail(err, "out of memory");
	return rc;
}
