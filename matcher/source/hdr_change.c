#include "hdr_change.h"
#include "array.h"
#include "hdr_cond.h"
#include "hdr_lex.h"
#include "hdr_macro_alts.h"
#include "hdr_struct_cond.h"
#include "line_diff.h"
#include "macro_expand.h"
#include "pp_items.h"
#include "pp_screen.h"
#include "strlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct side {
	struct line_diff_text lines;
	struct hdr_lexed lx;
	uint32_t guard; /* 1 if an include guard wraps everything */
};

/* A file-scope construct: units [first, last]. */
struct cons {
	size_t first, last;
	int touched;
	int twin; /* touched, but matched with an identical one of the other side */
	int cond; /* touched, holding #if lines: judged as the union of its branches */
};

struct an {
	struct side s[2];
	ksp_macro_lookup_fn lookup;
	ksp_ident_not_macro_fn not_macro;
	void *ctx;
	struct ksp_hdr_change *out;
	struct ksp_strlist macros, declared, includes;
	struct hdr_hunk *hunks;
	size_t nhunks, hcap;
};

/* Sets the fallback; returns 1 so that callers can stop. */
__attribute__((format(printf, 2, 3))) static int fb(struct an *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->out->why, sizeof(a->out->why), fmt, ap);
	va_end(ap);
	a->out->fallback = 1;
	return 1;
}

static int push_name(struct ksp_strlist *s, const char *name, size_t len)
{
	return ksp_strlist_push(s, name, len);
}

static int word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && !memcmp(s, w, len);
}

/* 0, 1 (fallback) or -1. */
static int diff_lines(struct an *a)
{
	size_t m, n;
	int rc = line_diff(&a->s[0].lines, &a->s[1].lines, &a->out->first_shifted_line, &m, &n);
	if (rc == 1)
		return fb(a, "change too large (%zu lines before, %zu after)", m, n);
	return rc;
}

/* ---- the header's units ---- */

/* The units of the side, each touched if it covers a changed line. */
static int read_units(struct side *s)
{
	if (hdr_lex(s->lines.text, s->lines.len, &s->lx))
		return -1;
	for (size_t k = 0; k < s->lx.nu; k++)
		for (uint32_t l = s->lx.u[k].line0; l <= s->lx.u[k].line1 && l <= s->lines.nlines;
		     l++)
			s->lx.u[k].touched |= s->lines.chg[l];
	return 0;
}

/* Within one gap between untouched units, what both sides share at either
 * end is unchanged (a comment or a line break edited); the rest changed and
 * is a hunk. */
static int trim_gap(struct an *a, size_t i0, size_t i1, size_t j0, size_t j1)
{
	struct side *p = &a->s[0], *q = &a->s[1];
	size_t lo = 0, hi = 0;
	while (i0 + lo < i1 && j0 + lo < j1 &&
	       hdr_unit_eq(&p->lx, &p->lx.u[i0 + lo], &q->lx, &q->lx.u[j0 + lo]))
		lo++;
	while (i1 - hi > i0 + lo && j1 - hi > j0 + lo &&
	       hdr_unit_eq(&p->lx, &p->lx.u[i1 - hi - 1], &q->lx, &q->lx.u[j1 - hi - 1]))
		hi++;
	for (size_t k = i0 + lo; k < i1 - hi; k++)
		p->lx.u[k].changed = 1;
	for (size_t k = j0 + lo; k < j1 - hi; k++)
		q->lx.u[k].changed = 1;
	/* Units inserted on one side only: a construct of the other side that
	 * spans the place is touched too (a ';' removed joins two). */
	if (i0 + lo == i1 - hi && j0 + lo < j1 - hi && i0 + lo < p->lx.nu)
		p->lx.u[i0 + lo].cut_before = 1;
	if (j0 + lo == j1 - hi && i0 + lo < i1 - hi && j0 + lo < q->lx.nu)
		q->lx.u[j0 + lo].cut_before = 1;
	if (i0 + lo == i1 - hi && j0 + lo == j1 - hi)
		return 0;
	struct hdr_hunk *h = ksp_array_room(a->hunks, &a->hcap, a->nhunks, sizeof(*h), 16);
	if (!h)
		return -1;
	a->hunks = h;
	a->hunks[a->nhunks++] = (struct hdr_hunk){{i0 + lo, j0 + lo}, {i1 - hi, j1 - hi}};
	return 0;
}

/* Outside the hunks both sides must read as the same units, in the same
 * order: else a change reached unchanged lines (a comment opened, a line
 * continued, a directive absorbed). */
static int mark_changes(struct an *a)
{
	struct side *p = &a->s[0], *q = &a->s[1];
	size_t i = 0, j = 0;
	for (;;) {
		size_t i1 = i, j1 = j;
		while (i1 < p->lx.nu && p->lx.u[i1].touched)
			i1++;
		while (j1 < q->lx.nu && q->lx.u[j1].touched)
			j1++;
		if (trim_gap(a, i, i1, j, j1))
			return -1;
		if (i1 == p->lx.nu || j1 == q->lx.nu) {
			if (i1 != p->lx.nu || j1 != q->lx.nu)
				return fb(a, "the change alters how unchanged lines are read");
			return 0;
		}
		if (!hdr_unit_eq(&p->lx, &p->lx.u[i1], &q->lx, &q->lx.u[j1]))
			return fb(a, "the change alters how unchanged lines are read");
		i = i1 + 1, j = j1 + 1;
	}
}

static int add_macro(void *ctx, const char *name, size_t len)
{
	return push_name(&((struct an *)ctx)->macros, name, len);
}

/* A changed "#include <a/b.h>" or "#include "c.h"" at the top level (no
 * #if around it but the include guard): its file name joins out->includes.
 * Anything else (a computed include, one under #if) is a fallback. */
static int changed_include(struct an *a, const struct side *s, size_t k)
{
	const struct hdr_unit *u = &s->lx.u[k];
	const char *name = u->norm + 8;
	int guarded, top = hdr_unit_top_level(&s->lx, k, &guarded);
	if (top < 0)
		return -1;
	size_t n = strlen(name);
	int angled = n > 2 && name[0] == '<' && name[n - 1] == '>';
	int quoted = n > 2 && name[0] == '"' && name[n - 1] == '"' && !memchr(name + 1, '"', n - 2);
	if (!top || (!angled && !quoted))
		return fb(a, "a directive changed: #%.60s", u->norm);
	char file[512];
	size_t w = 0;
	for (size_t i = 0; i < n && w + 1 < sizeof(file); i++)
		if (quoted || name[i] != ' ')
			file[w++] = name[i];
	file[w] = '\0';
	return push_name(&a->includes, file, w);
}

/* Changed conditionals are judged by hdr_cond.h, with their hunks. */
static int changed_directives(struct an *a)
{
	const struct hdr_lexed *lx[2] = {&a->s[0].lx, &a->s[1].lx};
	int rc = hdr_cond_judge(lx, a->hunks, a->nhunks, add_macro, a, a->out->why,
				sizeof(a->out->why));
	a->out->fallback = rc > 0;
	if (rc)
		return rc;
	for (int k = 0; k < 2; k++) {
		const struct side *s = &a->s[k];
		for (size_t i = 0; i < s->lx.nu; i++) {
			const struct hdr_unit *u = &s->lx.u[i];
			if (u->kind != U_DIR || !u->changed || hdr_is_conditional(u))
				continue;
			if (u->dkind == D_OTHER && !strncmp(u->norm, "include ", 8)) {
				int rc = changed_include(a, s, i);
				if (rc)
					return rc;
				continue;
			}
			if ((u->dkind != D_DEFINE && u->dkind != D_UNDEF) || !u->name_len)
				return fb(a, "a directive changed: #%.60s", u->norm);
			if (push_name(&a->macros, s->lx.sp + u->name_off, u->name_len))
				return -1;
		}
	}
	return 0;
}

/* ---- file-scope constructs ---- */

static int code_punct(const struct side *s, const struct hdr_unit *u, char c)
{
	return u->kind == U_CODE && u->len == 1 && s->lx.sp[u->off] == c;
}

struct conslist {
	struct cons *v;
	size_t n, cap;
};

/* A changed construct holding directives is judged only if it is a struct
 * or union definition with #if lines among its members (hdr_struct_cond.h). */
static int end_construct(struct an *a, struct conslist *c, size_t first, size_t last, int dir,
			 int touched, const struct side *s)
{
	if (touched && dir && !hdr_struct_cond_shape(&s->lx, first, last))
		return fb(a, "directive inside a changed construct (line %u)",
			  s->lx.u[first].line0);
	struct cons *v = ksp_array_room(c->v, &c->cap, c->n, sizeof(*v), 16);
	if (!v)
		return -1;
	c->v = v;
	c->v[c->n++] = (struct cons){first, last, touched, 0, touched && dir};
	return 0;
}

/* Cuts the code as pp_items' itemize does and lists the constructs with a
 * changed token. 0, 1 or -1. */
static int constructs(struct an *a, struct side *s, struct conslist *c)
{
	int stack[HDR_MAX_COND], depth = 0, body = 0, dir = 0, touched = 0, rc = 0;
	size_t nst = 0, first = (size_t)-1, prev = (size_t)-1;
	for (size_t k = 0; k < s->lx.nu && !rc; k++) {
		struct hdr_unit *u = &s->lx.u[k];
		touched |= u->cut_before && first != (size_t)-1;
		if (u->kind == U_DIR) {
			rc = hdr_cond_nesting(u, depth, stack, &nst, a->out->why,
					      sizeof(a->out->why));
			a->out->fallback |= rc;
			dir |= first != (size_t)-1;
			continue;
		}
		if (first == (size_t)-1)
			first = k, body = dir = touched = 0;
		touched |= u->changed;
		if (code_punct(s, u, '{') && depth == 0 && prev != (size_t)-1 && prev >= first &&
		    code_punct(s, &s->lx.u[prev], ')'))
			body = 1;
		if (code_punct(s, u, '(') || code_punct(s, u, '[') || code_punct(s, u, '{'))
			depth++;
		else if (code_punct(s, u, ')') || code_punct(s, u, ']') || code_punct(s, u, '}'))
			depth--;
		if (depth < 0)
			return fb(a, "unbalanced brackets (line %u)", u->line0);
		if (depth == 0 && (code_punct(s, u, ';') || (code_punct(s, u, '}') && body))) {
			rc = end_construct(a, c, first, k, dir, touched, s);
			first = (size_t)-1;
		}
		prev = k;
	}
	if (rc)
		return rc;
	if (depth || nst)
		return fb(a, "unbalanced brackets or #if at the end of the header");
	if (first != (size_t)-1 && touched)
		return fb(a, "changed construct not terminated by ';' or a function body");
	if (first != (size_t)-1 && end_construct(a, c, first, s->lx.nu - 1, 1, 0, s))
		return -1;
	int guarded;
	if (hdr_unit_top_level(&s->lx, 0, &guarded) < 0)
		return -1;
	s->guard = (uint32_t)guarded;
	return 0;
}

static int same_construct(const struct side *p, const struct cons *x, const struct side *q,
			  const struct cons *y)
{
	if (x->last - x->first != y->last - y->first)
		return 0;
	for (size_t k = 0; k <= x->last - x->first; k++)
		if (!hdr_unit_eq(&p->lx, &p->lx.u[x->first + k], &q->lx, &q->lx.u[y->first + k]))
			return 0;
	return 1;
}

/* ---- expansion and judgement ---- */

struct resolver {
	struct an *a;
	const struct side *s;
	size_t at;	      /* the construct's first unit */
	struct hdr_alts alts; /* macros defined once per #if branch: the current choice */
};

/* H's #define of name on this side: 1 with *u if it is the only
 * #define/#undef of it, 2 if there are others, 0 if none. */
static int own_definition(const struct side *s, const char *name, size_t len,
			  const struct hdr_unit **def, size_t *at)
{
	size_t ndef = 0, nundef = 0;
	for (size_t k = 0; k < s->lx.nu; k++) {
		const struct hdr_unit *u = &s->lx.u[k];
		if (u->kind != U_DIR || (u->dkind != D_DEFINE && u->dkind != D_UNDEF) ||
		    u->name_len != len || memcmp(s->lx.sp + u->name_off, name, len))
			continue;
		if (u->dkind == D_DEFINE)
			ndef++, *def = u, *at = k;
		else
			nundef++;
	}
	if (!ndef && !nundef)
		return 0;
	return ndef == 1 && !nundef ? 1 : 2;
}

static int resolve(void *ctx, const char *name, size_t len, const char **def, char *why,
		   size_t why_len)
{
	struct resolver *r = ctx;
	const struct hdr_unit *u = NULL;
	size_t at = 0;
	int own = own_definition(r->s, name, len, &u, &at);
	int ext = r->a->lookup(r->a->ctx, name, len, def);
	if (word_is(name, len, "__COUNTER__")) {
		/* Its value only numbers names that screening hashes without
		 * the number (pp_strip_counter); any number judges the same.
		 * But later numbers shift in every reader (counter_shift). */
		r->a->out->counter_shift = 1;
		*def = " 0";
		return KSP_MACRO_DEF;
	}
	const struct hdr_unit *alt;
	if (own == 2 && hdr_alts_pick(&r->alts, &r->s->lx, r->s->guard, r->at, name, len, &alt)) {
		*def = alt->norm + alt->def_at;
		return KSP_MACRO_DEF;
	}
	if (own == 2 || (own == 1 && u->cond > r->s->guard)) {
		snprintf(why, why_len, "macro %.*s defined conditionally in the header", (int)len,
			 name);
		return KSP_MACRO_REFUSE;
	}
	if (own == 1 && at > r->at) {
		snprintf(why, why_len, "macro %.*s defined in the header after its use", (int)len,
			 name);
		return KSP_MACRO_REFUSE;
	}
	if (ext == 2) {
		snprintf(why, why_len, "ambiguous macro %.*s", (int)len, name);
		return KSP_MACRO_REFUSE;
	}
	if (own == 1) {
		*def = u->norm + u->def_at;
		return KSP_MACRO_DEF;
	}
	return ext == 1 ? KSP_MACRO_DEF : KSP_MACRO_NONE;
}

static int function_like(const char *def)
{
	return def[0] == '(';
}

/* Whether name may expand where it stands: it names a macro, unless every
 * definition known of it takes arguments and no '(' follows (called_with
 * 0), when no reader can expand it (an "err" variable where some driver
 * defines err(...)). */
static int may_expand(const struct resolver *r, const char *name, size_t len, int called)
{
	const struct hdr_unit *u = NULL;
	const char *def = NULL;
	size_t at;
	int own = own_definition(r->s, name, len, &u, &at);
	int ext = r->a->lookup(r->a->ctx, name, len, &def);
	if (!own && !ext)
		return 0;
	if (called || own == 2 || ext == 2)
		return 1;
	return (own && !function_like(u->norm + u->def_at)) || (ext && !function_like(def));
}

/* The expansion as text, with where each token starts and which are
 * painted (an identifier naming a macro that was being expanded). */
struct joined {
	char *text;
	size_t len;
	size_t *off;
	const struct ksp_mtoks *t;
};

static int join(const struct ksp_mtoks *t, struct joined *j)
{
	size_t total = 1;
	for (size_t i = 0; i < t->n; i++)
		total += t->v[i].len + 1;
	if (!(j->text = malloc(total)) || !(j->off = malloc((t->n + 1) * sizeof(size_t))))
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		j->text[k++] = ' ';
		j->off[i] = k;
		memcpy(j->text + k, t->v[i].s, t->v[i].len);
		k += t->v[i].len;
	}
	j->text[k] = '\0';
	j->len = k;
	j->t = t;
	return 0;
}

static int painted(const struct joined *j, size_t off)
{
	size_t lo = 0, hi = j->t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (j->off[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->t->n && j->off[lo] == off && j->t->v[lo].painted;
}

struct judged {
	struct an *a;
	const struct resolver *r;
	const struct joined *j;
	const struct pp_parsed *p;
	struct ksp_strlist names; /* declared by the construct's items */
	struct ksp_strlist *side; /* [0]: declared by the side's touched constructs, [1]: unknown */
	uint32_t cond_line;	  /* a struct with #if lines: its line, else 0 */
};

static int add_decl(void *ctx, const char *name, size_t len)
{
	return push_name(&((struct judged *)ctx)->names, name, len);
}

static int in_names(const struct ksp_strlist *n, const char *s, size_t len)
{
	return ksp_strlist_has(n, s, len);
}

static void describe(const struct pp_parsed *p, const struct pp_item *it, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t k = it->first; k < it->end && used + 1 < len && used < 60; k++) {
		int n = snprintf(out + used, len - used, "%s%.*s", used ? " " : "",
				 (int)p->toks.v[k].len > 40 ? 40 : (int)p->toks.v[k].len,
				 p->toks.text + p->toks.v[k].off);
		used += n > 0 ? (size_t)n : 0;
	}
}

#define TOK(p, k) ((p)->toks.text + (p)->toks.v[k].off)

/* Whether token k is a parameter name of the function item: an identifier
 * followed by ',', ')' or '[' inside the parentheses after its name. */
static int param_name(const struct pp_parsed *p, const struct pp_item *it, size_t name, size_t k)
{
	if (name == (size_t)-1 || name + 1 >= it->end || !pp_is_punct(&p->toks, name + 1, '(') ||
	    k <= name + 1 || k + 1 >= it->end)
		return 0;
	int depth = 0;
	for (size_t i = name + 1; i < k; i++) {
		depth += pp_is_punct(&p->toks, i, '(');
		depth -= pp_is_punct(&p->toks, i, ')');
		if (depth == 0)
			return 0;
	}
	return pp_is_punct(&p->toks, k + 1, ',') || pp_is_punct(&p->toks, k + 1, ')') ||
	       pp_is_punct(&p->toks, k + 1, '[');
}

/* The token the item declares first, or (size_t)-1. */
static size_t decl_token(const struct judged *jd, const struct pp_item *it)
{
	for (size_t k = it->first; k < it->end; k++)
		if (jd->p->toks.v[k].kind == T_IDENT &&
		    in_names(&jd->names, TOK(jd->p, k), jd->p->toks.v[k].len))
			return k;
	return (size_t)-1;
}

/* Every identifier left must be one the index can vouch for: an unknown one
 * may be a macro no indexed object expanded, hiding anything. Those the
 * not_macro callback cannot clear (no reader saw them, and the tree may
 * define them) are kept for check_unknown. A struct's member names are such
 * identifiers, never declared names (only tags are): a new member is judged
 * by names only if the tree #defines that name nowhere. */
static int check_idents(struct judged *jd, const struct pp_item *it)
{
	const struct pp_parsed *p = jd->p;
	size_t name = decl_token(jd, it);
	int in_enum = pp_tok_is(&p->toks, it->first, "enum"), depth = 0;
	for (size_t k = it->first; k < it->end; k++) {
		const char *s = TOK(p, k);
		size_t len = p->toks.v[k].len;
		depth += pp_is_punct(&p->toks, k, '{') - pp_is_punct(&p->toks, k, '}');
		if (p->toks.v[k].kind != T_IDENT || painted(jd->j, p->toks.v[k].off))
			continue;
		if (word_is(s, len, "_Pragma") || word_is(s, len, "__pragma") ||
		    word_is(s, len, "__COUNTER__"))
			return fb(jd->a, "changed construct uses %.*s", (int)len, s);
		if (pp_strip_counter(s, len) != len)
			continue; /* made by pasting __COUNTER__: never a macro */
		if (may_expand(jd->r, s, len, k + 1 < it->end && pp_is_punct(&p->toks, k + 1, '(')))
			return fb(jd->a, "macro %.*s left unexpanded", (int)len, s);
		if (hdr_builtin_word(s, len))
			continue;
		if (in_enum && depth > 0 && k + 1 < it->end && pp_is_punct(&p->toks, k + 1, '('))
			return fb(jd->a, "call of %.*s in an enum", (int)len, s);
		if (!in_names(&jd->names, s, len) && !param_name(p, it, name, k) &&
		    !jd->a->not_macro(jd->a->ctx, s, len) && push_name(&jd->side[1], s, len))
			return -1;
	}
	return 0;
}

static int judge_items(struct judged *jd)
{
	const struct pp_parsed *p = jd->p;
	size_t nt = p->toks.n;
	if (!nt || !p->items.n)
		return 0;
	if (!pp_is_punct(&p->toks, nt - 1, ';') && !pp_is_punct(&p->toks, nt - 1, '}'))
		return fb(jd->a, "changed construct does not end a declaration");
	for (size_t i = 0; i < p->items.n; i++) {
		const struct pp_item *it = &p->items.v[i];
		size_t f = it->first;
		while (f < it->end && pp_tok_is(&p->toks, f, "__extension__"))
			f++;
		if (f < it->end &&
		    (pp_tok_is(&p->toks, f, "asm") || pp_tok_is(&p->toks, f, "__asm__") ||
		     pp_tok_is(&p->toks, f, "__asm")))
			return fb(jd->a, "file-scope asm changed");
		int rc = ksp_pp_item_decl(p, i, add_decl, jd);
		if (rc < 0)
			return -1;
		if (!rc) {
			char words[128];
			describe(p, it, words, sizeof(words));
			return fb(jd->a, "not inert: '%s'", words);
		}
	}
	if (jd->cond_line && !hdr_struct_cond_item(p))
		return fb(jd->a, "directive inside a changed construct (line %u)", jd->cond_line);
	for (size_t i = 0; i < p->items.n; i++) {
		int rc = check_idents(jd, &p->items.v[i]);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < jd->names.n; i++)
		if (pp_strip_counter(jd->names.v[i], strlen(jd->names.v[i])) !=
		    strlen(jd->names.v[i]))
			return fb(jd->a, "declares %s, numbered by __COUNTER__", jd->names.v[i]);
	for (size_t i = 0; i < jd->names.n; i++)
		if (push_name(&jd->a->declared, jd->names.v[i], strlen(jd->names.v[i])) ||
		    push_name(&jd->side[0], jd->names.v[i], strlen(jd->names.v[i])))
			return -1;
	return 0;
}

/* An identifier that may be a macro is still vouched for if a touched
 * construct of the same side declares it: it is not a macro any more than
 * that construct's own declared name is, and readers naming it are screened.
 * (A macro of the side's own text never gets here: it is expanded, or its
 * construct falls back.) */
static int check_unknown(struct an *a, struct ksp_strlist *side)
{
	for (size_t i = 0; i < side[1].n; i++)
		if (!in_names(&side[0], side[1].v[i], strlen(side[1].v[i])))
			return fb(a, "unknown identifier %s (may be a macro)", side[1].v[i]);
	return 0;
}

/* The construct expanded with r's current choice of definitions, parsed
 * and judged (its names join a's). */
static int judge_expansion(struct an *a, const struct side *s, const struct cons *c,
			   struct ksp_strlist *side, struct resolver *r)
{
	struct ksp_mtoks in = {0}, exp = {0};
	struct joined j = {0};
	struct pp_parsed p;
	struct ksp_error err;
	char why[200];
	int rc = 0, parsed = 0;
	in.v = calloc(c->last - c->first + 1, sizeof(*in.v));
	if (!in.v)
		return -1;
	for (size_t k = c->first; k <= c->last; k++) /* a struct's #if lines: all branches */
		if (s->lx.u[k].kind == U_CODE)
			in.v[in.n++] =
				(struct ksp_mtok){s->lx.sp + s->lx.u[k].off, s->lx.u[k].len, 0};
	if (!rc)
		rc = ksp_macro_expand(in.v, in.n, resolve, r, &exp, why, sizeof(why));
	if (rc == 1)
		rc = fb(a, "line %u: %s", s->lx.u[c->first].line0, why);
	if (!rc)
		rc = join(&exp, &j);
	if (!rc)
		rc = pp_parse(j.text, j.len, &p, &err), parsed = !rc;
	if (!rc) {
		uint32_t cond_line = c->cond ? s->lx.u[c->first].line0 : 0;
		struct judged jd = {a, r, &j, &p, {0}, side, cond_line};
		rc = judge_items(&jd);
		ksp_strlist_free(&jd.names);
	}
	if (parsed)
		pp_parsed_free(&p);
	free(j.text);
	free(j.off);
	ksp_mtoks_free(&in);
	ksp_mtoks_free(&exp);
	return rc;
}

/* Combinations of per-branch macro definitions judged at most. */
#define MAX_ALT_RUNS 16

/* Judged once per combination of the definitions of the macros it uses
 * that the header defines once per #if branch (hdr_macro_alts.h). */
static int judge_construct(struct an *a, const struct side *s, const struct cons *c,
			   struct ksp_strlist *side)
{
	struct resolver r = {.a = a, .s = s, .at = c->first};
	size_t runs = 0;
	int rc;
	do
		rc = judge_expansion(a, s, c, side, &r);
	while (!rc && !a->out->fallback && ++runs < MAX_ALT_RUNS && hdr_alts_next(&r.alts));
	if (!rc && runs == MAX_ALT_RUNS && hdr_alts_next(&r.alts))
		rc = fb(a, "line %u: more than %d combinations of macros defined per #if branch",
			s->lx.u[c->first].line0, MAX_ALT_RUNS);
	return rc;
}

/* ---- the whole analysis ---- */

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void sort_unique(struct ksp_strlist *n)
{
	if (!n->n)
		return;
	qsort(n->v, n->n, sizeof(*n->v), cmp_str);
	size_t k = 1;
	for (size_t i = 1; i < n->n; i++) {
		if (strcmp(n->v[i], n->v[k - 1]))
			n->v[k++] = n->v[i];
		else
			free(n->v[i]);
	}
	n->n = k;
}

/* The untouched constructs of both sides must be the same, in the same
 * order: else the change moved a construct boundary outside the hunks. */
static int same_untouched(struct an *a, const struct conslist *c)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < c[0].n && c[0].v[i].touched)
			i++;
		while (j < c[1].n && c[1].v[j].touched)
			j++;
		if (i == c[0].n || j == c[1].n)
			break;
		if (!same_construct(&a->s[0], &c[0].v[i], &a->s[1], &c[1].v[j]))
			return fb(a, "construct boundaries changed (line %u)",
				  a->s[0].lx.u[c[0].v[i].first].line0);
		i++, j++;
	}
	if (i != c[0].n || j != c[1].n)
		return fb(a, "construct boundaries changed");
	return 0;
}

/* The next unit or construct that the order check compares: an unchanged
 * directive or an untouched construct. 0 at the end of the side. */
static int next_kept(const struct side *s, const struct conslist *c, size_t *k, size_t *ci,
		     const struct cons **x, const struct hdr_unit **u)
{
	while (*k < s->lx.nu) {
		*x = NULL, *u = NULL;
		if (*ci < c->n && c->v[*ci].first == *k) {
			*x = &c->v[(*ci)++];
			*k = (*x)->last + 1;
			if (!(*x)->touched)
				return 1;
		} else if ((*u = &s->lx.u[(*k)++])->kind == U_DIR && !(*u)->changed)
			return 1;
	}
	return 0;
}

/* Whether both sides have the same unchanged directives and untouched
 * constructs, in the same order. */
static int same_order(const struct an *a, const struct conslist *c)
{
	size_t k[2] = {0, 0}, ci[2] = {0, 0};
	const struct cons *x[2];
	const struct hdr_unit *u[2];
	for (;;) {
		int more0 = next_kept(&a->s[0], &c[0], &k[0], &ci[0], &x[0], &u[0]);
		int more1 = next_kept(&a->s[1], &c[1], &k[1], &ci[1], &x[1], &u[1]);
		if (!more0 || !more1)
			return more0 == more1;
		if (x[0] ? !x[1] || !same_construct(&a->s[0], x[0], &a->s[1], x[1])
			 : !u[1] || !hdr_unit_eq(&a->s[0].lx, u[0], &a->s[1].lx, u[1]))
			return 0;
	}
}

/* Whether the construct names a macro whose #define/#undef lines changed. */
static int names_changed_macro(const struct an *a, const struct side *s, const struct cons *x)
{
	for (size_t k = x->first; k <= x->last; k++)
		if (s->lx.u[k].kind == U_CODE &&
		    in_names(&a->macros, s->lx.sp + s->lx.u[k].off, s->lx.u[k].len))
			return 1;
	return 0;
}

/* A touched construct whose identical twin is touched on the other side is
 * no move if the line diff merely aligned them apart: matched in order, the
 * twins are untouched when every unchanged directive and untouched construct
 * then comes in the same order on both sides (so each twin stands under the
 * same conditions and #pragmas). Twins not matched so are moves. */
static void untouch_twins(struct an *a, struct conslist *c)
{
	size_t from = 0, n = 0;
	for (size_t i = 0; i < c[0].n; i++) {
		struct cons *x = &c[0].v[i];
		for (size_t j = from; x->touched && j < c[1].n; j++)
			if (c[1].v[j].touched &&
			    same_construct(&a->s[0], x, &a->s[1], &c[1].v[j]) &&
			    !names_changed_macro(a, &a->s[0], x)) {
				x->twin = c[1].v[j].twin = 1, from = j + 1, n++;
				break;
			}
	}
	for (int k = 0; k < 2 && n; k++)
		for (size_t i = 0; i < c[k].n; i++)
			c[k].v[i].touched &= !c[k].v[i].twin;
	int moved = n && !same_order(a, c);
	for (int k = 0; k < 2 && moved; k++)
		for (size_t i = 0; i < c[k].n; i++)
			c[k].v[i].touched |= c[k].v[i].twin;
}

/* The file's structure only matters where code changed. */
static int any_changed_code(const struct side *s)
{
	for (size_t k = 0; k < s->lx.nu; k++)
		if (s->lx.u[k].kind == U_CODE && s->lx.u[k].changed)
			return 1;
	return 0;
}

static int judge_sides(struct an *a)
{
	struct conslist c[2] = {{0}, {0}};
	int rc = 0;
	if (!any_changed_code(&a->s[0]) && !any_changed_code(&a->s[1]))
		return 0;
	for (int k = 0; k < 2 && !rc; k++)
		rc = constructs(a, &a->s[k], &c[k]);
	if (!rc)
		rc = same_untouched(a, c);
	if (!rc)
		untouch_twins(a, c);
	for (size_t i = 0; i < c[0].n && !rc; i++)
		for (size_t j = 0; j < c[1].n && !rc; j++)
			if (c[0].v[i].touched && c[1].v[j].touched &&
			    same_construct(&a->s[0], &c[0].v[i], &a->s[1], &c[1].v[j]))
				rc = fb(a, "moved construct (line %u)",
					a->s[0].lx.u[c[0].v[i].first].line0);
	for (int k = 0; k < 2 && !rc; k++) {
		struct ksp_strlist side[2] = {{0}, {0}};
		for (size_t i = 0; i < c[k].n && !rc; i++)
			if (c[k].v[i].touched)
				rc = judge_construct(a, &a->s[k], &c[k].v[i], side);
		if (!rc)
			rc = check_unknown(a, side);
		ksp_strlist_free(&side[0]);
		ksp_strlist_free(&side[1]);
	}
	free(c[0].v);
	free(c[1].v);
	return rc;
}

static int prepare(struct side *s, const char *text, size_t len)
{
	return line_diff_split(&s->lines, text, len);
}

static int analyze(struct an *a)
{
	int rc = diff_lines(a);
	for (int k = 0; k < 2 && !rc; k++)
		rc = read_units(&a->s[k]);
	if (!rc)
		rc = mark_changes(a);
	if (!rc)
		rc = changed_directives(a);
	if (!rc)
		rc = judge_sides(a);
	return rc;
}

static void free_side(struct side *s)
{
	hdr_lex_free(&s->lx);
	line_diff_text_free(&s->lines);
}

int ksp_hdr_change_analyze(const char *pre, size_t pre_len, const char *post, size_t post_len,
			   ksp_macro_lookup_fn lookup, ksp_ident_not_macro_fn not_macro, void *ctx,
			   struct ksp_hdr_change *out, struct ksp_error *err)
{
	struct an a = {.lookup = lookup, .not_macro = not_macro, .ctx = ctx, .out = out};
	memset(out, 0, sizeof(*out));
	if (pre_len >= UINT32_MAX / 2 || post_len >= UINT32_MAX / 2)
		return ksp_fail(err, "header too large");
	int rc = prepare(&a.s[0], pre, pre_len) || prepare(&a.s[1], post, post_len) ? -1 : 0;
	if (!rc)
		rc = analyze(&a);
	free_side(&a.s[0]);
	free_side(&a.s[1]);
	free(a.hunks);
	sort_unique(&a.macros);
	sort_unique(&a.declared);
	sort_unique(&a.includes);
	out->includes = a.includes.v, out->nincludes = a.includes.n;
	out->macros = a.macros.v, out->nmacros = a.macros.n;
	out->declared = a.declared.v, out->ndeclared = a.declared.n;
	if (rc < 0)
		return ksp_fail(err, "out of memory");
	return 0;
}

void ksp_hdr_change_free(struct ksp_hdr_change *c)
{
	for (size_t i = 0; i < c->nmacros; i++)
		free(c->macros[i]);
	for (size_t i = 0; i < c->ndeclared; i++)
		free(c->declared[i]);
	for (size_t i = 0; i < c->nincludes; i++)
		free(c->includes[i]);
	free(c->macros);
	free(c->declared);
	free(c->includes);
	memset(c, 0, sizeof(*c));
}

int ksp_hdr_include_guarded(const char *text, size_t len)
{
	struct hdr_lexed lx;
	int guarded = 0;
	int rc = hdr_lex(text, len, &lx);
	if (!rc)
		rc = hdr_unit_top_level(&lx, 0, &guarded);
	hdr_lex_free(&lx);
	return rc < 0 ? -1 : guarded;
}
