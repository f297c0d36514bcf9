#include "macro_expand.h"
#include "array.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_NESTING 64
#define MAX_OUTPUT 100000
#define MAX_WORK 2000000
#define MAX_PARAMS 128

static int ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '$';
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static const char *const puncts[] = {"%:%:", "...", "<<=", ">>=", "->", "++", "--", "<<", ">>",
				     "<=",   ">=",  "==",  "!=",  "&&", "||", "*=", "/=", "%=",
				     "+=",   "-=",  "&=",  "^=",  "|=", "##", "%:", NULL};

size_t ksp_ctok_end(const char *s, size_t i, size_t len, int *kind)
{
	char c = s[i];
	if (ident_start(c)) {
		while (i < len && ident_char(s[i]))
			i++;
		*kind = KSP_CT_IDENT;
		return i;
	}
	if (isdigit((unsigned char)c) ||
	    (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
		for (i++; i < len; i++) {
			if ((s[i] == '+' || s[i] == '-') && strchr("eEpP", s[i - 1]))
				continue;
			if (!ident_char(s[i]) && s[i] != '.')
				break;
		}
		*kind = KSP_CT_NUMBER;
		return i;
	}
	if (c == '"' || c == '\'') {
		for (i++; i < len && s[i] != c && s[i] != '\n';)
			i += s[i] == '\\' && i + 1 < len ? 2 : 1;
		*kind = KSP_CT_STRING;
		return i < len && s[i] == c ? i + 1 : i;
	}
	*kind = KSP_CT_PUNCT;
	for (const char *const *p = puncts; *p; p++) {
		size_t n = strlen(*p);
		if (len - i >= n && !memcmp(s + i, *p, n))
			return i + n;
	}
	return i + 1;
}

static int push_mtok(struct ksp_mtoks *t, struct ksp_mtok x)
{
	struct ksp_mtok *v = ksp_array_room(t->v, &t->cap, t->n, sizeof(*v), 64);
	if (!v)
		return -1;
	t->v = v;
	t->v[t->n++] = x;
	return 0;
}

int ksp_mtoks_lex(const char *s, size_t len, struct ksp_mtoks *out)
{
	for (size_t i = 0; i < len;) {
		if (isspace((unsigned char)s[i])) {
			i++;
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			const char *e = i + 2 < len ? strstr(s + i + 2, "*/") : NULL;
			i = e && (size_t)(e - s) < len ? (size_t)(e - s) + 2 : len;
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
			while (i < len && s[i] != '\n')
				i++;
		} else {
			int kind;
			size_t e = ksp_ctok_end(s, i, len, &kind);
			if (push_mtok(out, (struct ksp_mtok){s + i, e - i, 0}))
				return -1;
			i = e;
		}
	}
	return 0;
}

void ksp_mtoks_free(struct ksp_mtoks *t)
{
	for (size_t i = 0; i < t->nmade; i++)
		free(t->made[i]);
	free(t->made);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* A token being expanded: hs is its hide set (an index in the pool, -1 for
 * the empty set). */
struct xtok {
	const char *s;
	uint32_t len;
	int32_t hs;
};

struct xtoks {
	struct xtok *v;
	size_t n, cap;
};

struct hnode {
	const char *s;
	uint32_t len;
	int32_t next;
};

struct exp {
	ksp_macro_def_fn fn;
	void *ctx;
	struct hnode *hv;
	size_t hn, hcap;
	size_t work;
	char *why;
	size_t why_len;
	char **made; /* texts of pasted and stringified tokens */
	size_t nmade, madecap;
};

/* A parsed definition; its tokens point into the definition text. */
struct macro {
	int fnlike, variadic;
	size_t nparams;
	struct ksp_mtok params[MAX_PARAMS];
	struct ksp_mtoks body;
};

static int push_x(struct xtoks *t, struct xtok x)
{
	struct xtok *v = ksp_array_room(t->v, &t->cap, t->n, sizeof(*v), 64);
	if (!v)
		return -1;
	t->v = v;
	t->v[t->n++] = x;
	return 0;
}

static int same(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && !memcmp(a, b, an);
}

static int is_punct(const char *s, size_t len, const char *p)
{
	return same(s, len, p, strlen(p));
}

static int fail(struct exp *e, const char *fmt, const char *name, size_t len)
{
	snprintf(e->why, e->why_len, fmt, (int)len, name);
	return 1;
}

static int hs_has(const struct exp *e, int32_t hs, const char *s, size_t len)
{
	for (; hs >= 0; hs = e->hv[hs].next)
		if (same(e->hv[hs].s, e->hv[hs].len, s, len))
			return 1;
	return 0;
}

static size_t hs_size(const struct exp *e, int32_t hs)
{
	size_t n = 0;
	for (; hs >= 0; hs = e->hv[hs].next)
		n++;
	return n;
}

/* *hs with s added (if not in it already). -1 if out of memory. */
static int hs_add(struct exp *e, int32_t *hs, const char *s, size_t len)
{
	if (hs_has(e, *hs, s, len))
		return 0;
	if (e->hn >= INT32_MAX)
		return -1;
	struct hnode *v = ksp_array_room(e->hv, &e->hcap, e->hn, sizeof(*v), 256);
	if (!v)
		return -1;
	e->hv = v;
	e->hv[e->hn] = (struct hnode){s, (uint32_t)len, *hs};
	*hs = (int32_t)e->hn++;
	return 0;
}

static int hs_union(struct exp *e, int32_t *into, int32_t from)
{
	for (; from >= 0; from = e->hv[from].next)
		if (hs_add(e, into, e->hv[from].s, e->hv[from].len))
			return -1;
	return 0;
}

static int hs_intersect(struct exp *e, int32_t a, int32_t b, int32_t *out)
{
	*out = -1;
	for (; a >= 0; a = e->hv[a].next)
		if (hs_has(e, b, e->hv[a].s, e->hv[a].len) &&
		    hs_add(e, out, e->hv[a].s, e->hv[a].len))
			return -1;
	return 0;
}

static int parse_params(struct macro *m, const struct ksp_mtoks *t, size_t *k)
{
	size_t i = 1;
	m->fnlike = 1;
	if (i < t->n && is_punct(t->v[i].s, t->v[i].len, ")")) {
		*k = i + 1;
		return 0;
	}
	while (i < t->n && m->nparams < MAX_PARAMS) {
		const struct ksp_mtok *p = &t->v[i];
		if (is_punct(p->s, p->len, "...")) {
			m->params[m->nparams++] = (struct ksp_mtok){"__VA_ARGS__", 11, 0};
			m->variadic = 1;
			i++;
		} else if (ident_start(p->s[0])) {
			m->params[m->nparams++] = *p;
			i++;
			if (i < t->n && is_punct(t->v[i].s, t->v[i].len, "...")) {
				m->variadic = 1;
				i++;
			}
		} else {
			return 1;
		}
		if (i < t->n && is_punct(t->v[i].s, t->v[i].len, ")")) {
			*k = i + 1;
			return 0;
		}
		if (m->variadic || i >= t->n || !is_punct(t->v[i].s, t->v[i].len, ","))
			return 1;
		i++;
	}
	return 1;
}

/* 0, 1 (e->why set) or -1. */
static int parse_macro(struct exp *e, const char *name, size_t nlen, const char *def,
		       struct macro *m)
{
	struct ksp_mtoks t = {0};
	memset(m, 0, sizeof(*m));
	if (ksp_mtoks_lex(def, strlen(def), &t))
		return -1;
	size_t k = 0;
	if (def[0] == '(' && parse_params(m, &t, &k)) {
		ksp_mtoks_free(&t);
		return fail(e, "cannot read the parameters of macro %.*s", name, nlen);
	}
	for (size_t i = k; i < t.n; i++) {
		const struct ksp_mtok *x = &t.v[i];
		if (same(x->s, x->len, "__VA_OPT__", 10)) {
			ksp_mtoks_free(&t);
			return fail(e, "macro %.*s uses __VA_OPT__ (not supported)", name, nlen);
		}
		if (push_mtok(&m->body, *x)) {
			ksp_mtoks_free(&t);
			return -1;
		}
	}
	ksp_mtoks_free(&t);
	return 0;
}

static int expand(struct exp *e, const struct xtok *in, size_t n, struct xtoks *out, int depth);

/* The arguments of a call: tokens between the parentheses, and where each
 * argument starts (commas at depth 0 excluded). */
struct args {
	struct xtoks toks;
	size_t start[MAX_PARAMS + 1], end[MAX_PARAMS + 1];
	size_t n;
	struct xtok rparen;
};

/* Pops "( ... )" off the stack st (top = end). 0, 1 or -1. */
static int read_args(struct exp *e, struct xtoks *st, const struct xtok *name, struct args *a)
{
	int depth = 0;
	st->n--; /* '(' */
	a->n = 1;
	a->start[0] = 0;
	while (st->n) {
		struct xtok t = st->v[--st->n];
		if (is_punct(t.s, t.len, "(")) {
			depth++;
		} else if (is_punct(t.s, t.len, ")") && depth-- == 0) {
			a->end[a->n - 1] = a->toks.n;
			a->rparen = t;
			return 0;
		} else if (is_punct(t.s, t.len, ",") && depth == 0) {
			if (a->n > MAX_PARAMS)
				return fail(e, "too many arguments to macro %.*s", name->s,
					    name->len);
			a->end[a->n - 1] = a->toks.n;
			a->start[a->n++] = a->toks.n + 1;
		}
		if (push_x(&a->toks, t))
			return -1;
	}
	return fail(e, "unbalanced parentheses in the arguments of macro %.*s", name->s, name->len);
}

/* Argument k's range; the variadic parameter takes the rest with commas. */
static int arg_range(const struct macro *m, const struct args *a, size_t k, size_t *from,
		     size_t *to)
{
	if (k >= a->n) {
		*from = *to = 0;
		return 0;
	}
	*from = a->start[k];
	*to = m->variadic && k + 1 == m->nparams ? a->end[a->n - 1] : a->end[k];
	return 0;
}

static int check_count(struct exp *e, const struct macro *m, const struct args *a,
		       const struct xtok *name)
{
	int empty = a->n == 1 && a->end[0] == a->start[0];
	if (m->nparams == 0 ? empty : m->variadic ? a->n + 1 >= m->nparams : a->n == m->nparams)
		return 0;
	return fail(e, "wrong number of arguments to macro %.*s", name->s, name->len);
}

static int param_index(const struct macro *m, const struct ksp_mtok *x)
{
	for (size_t k = 0; k < m->nparams; k++)
		if (same(m->params[k].s, m->params[k].len, x->s, x->len))
			return (int)k;
	return -1;
}

static int is_paste_op(const struct ksp_mtok *x)
{
	return is_punct(x->s, x->len, "##") || is_punct(x->s, x->len, "%:%:");
}

static int is_stringify_op(const struct ksp_mtok *x)
{
	return is_punct(x->s, x->len, "#") || is_punct(x->s, x->len, "%:");
}

/* A copy of s (n bytes) that lives as long as the expansion's result. */
static const char *make_text(struct exp *e, const char *s, size_t n)
{
	char **v = ksp_array_room(e->made, &e->madecap, e->nmade, sizeof(*v), 16);
	char *t = v ? malloc(n + 1) : NULL;
	if (!t)
		return NULL;
	e->made = v;
	memcpy(t, s, n);
	t[n] = '\0';
	e->made[e->nmade++] = t;
	return t;
}

/* '#': the argument's spelling as a string literal. Tokens are one space
 * apart where the text they come from had anything between them; the
 * contents of string and character literals get '\\' and '"' escaped. */
static int stringify(struct exp *e, const struct xtok *v, size_t n, struct xtok *out)
{
	size_t cap = 3;
	for (size_t i = 0; i < n; i++)
		cap += 2 * v[i].len + 1;
	char *buf = malloc(cap), *w = buf;
	if (!buf)
		return -1;
	*w++ = '"';
	for (size_t i = 0; i < n; i++) {
		int quoted = v[i].s[0] == '"' || v[i].s[0] == '\'';
		if (i && v[i - 1].s + v[i - 1].len != v[i].s)
			*w++ = ' ';
		for (size_t k = 0; k < v[i].len; k++) {
			if (quoted && (v[i].s[k] == '"' || v[i].s[k] == '\\'))
				*w++ = '\\';
			*w++ = v[i].s[k];
		}
	}
	*w++ = '"';
	const char *t = make_text(e, buf, (size_t)(w - buf));
	free(buf);
	if (!t)
		return -1;
	*out = (struct xtok){t, (uint32_t)(w - buf), -1};
	return 0;
}

/* '##': left becomes left's text followed by right's, which must read as
 * one token (as in the compiler, anything else is an error). */
static int paste(struct exp *e, struct xtok *left, const struct xtok *right)
{
	size_t n = left->len + right->len;
	char *buf = malloc(n + 1);
	if (!buf)
		return -1;
	memcpy(buf, left->s, left->len);
	memcpy(buf + left->len, right->s, right->len);
	buf[n] = '\0';
	int kind;
	int whole = ksp_ctok_end(buf, 0, n, &kind) == n;
	const char *t = whole ? make_text(e, buf, n) : NULL;
	free(buf);
	if (!whole) {
		snprintf(e->why, e->why_len, "pasting \"%.*s\" and \"%.*s\" does not give a token",
			 (int)left->len, left->s, (int)right->len, right->s);
		return 1;
	}
	if (!t)
		return -1;
	*left = (struct xtok){t, (uint32_t)n, -1};
	return 0;
}

/* The substitution so far, and whether a '##' waits for its right operand
 * (paste) and the last operand was empty (a placemarker). */
struct subst {
	struct xtoks res;
	int paste, left_empty;
};

/* Appends one operand (a body token or a parameter's replacement). va: the
 * operand is the variadic parameter, for GNU's ", ## __VA_ARGS__", which
 * drops the comma when the variadic arguments are empty. */
static int add_operand(struct exp *e, struct subst *sb, const struct xtok *v, size_t n, int va)
{
	size_t i = 0;
	int rc = 0;
	if (sb->paste && !sb->left_empty && sb->res.n) {
		struct xtok *left = &sb->res.v[sb->res.n - 1];
		if (va && is_punct(left->s, left->len, ",")) {
			sb->res.n -= n == 0;
		} else if (n) {
			rc = paste(e, left, &v[0]);
			i = 1;
		}
		sb->left_empty = 0;
	} else {
		sb->left_empty = n == 0;
	}
	sb->paste = 0;
	for (; i < n && !rc; i++)
		rc = push_x(&sb->res, v[i]);
	return rc;
}

/* The tokens that replace parameter k: the argument as written next to
 * '#' or '##', else fully expanded (once, kept in expanded[k]). */
static int param_tokens(struct exp *e, const struct macro *m, struct args *a, int k, int raw,
			struct xtoks *expanded, unsigned char *done, const struct xtok **v,
			size_t *n, int depth)
{
	size_t from, to;
	arg_range(m, a, (size_t)k, &from, &to);
	if (raw) {
		*v = a->toks.v + from;
		*n = to - from;
		return 0;
	}
	int rc = 0;
	if (!done[k]) {
		memset(&expanded[k], 0, sizeof(expanded[k]));
		done[k] = 1;
		rc = expand(e, a->toks.v + from, to - from, &expanded[k], depth + 1);
	}
	*v = expanded[k].v;
	*n = expanded[k].n;
	return rc;
}

/* One step of the body at *i: an operator, a parameter or a plain token. */
static int substitute_one(struct exp *e, const struct macro *m, struct args *a, struct subst *sb,
			  size_t *i, struct xtoks *expanded, unsigned char *done, int depth)
{
	const struct ksp_mtok *b = m->body.v, *x = &b[*i];
	size_t nb = m->body.n;
	if (is_paste_op(x)) {
		if (!*i || *i + 1 == nb)
			return fail(e, "'##' at either end of a macro body%.*s", "", 0);
		sb->paste = 1;
		(*i)++;
		return 0;
	}
	if (m->fnlike && is_stringify_op(x)) {
		int k = *i + 1 < nb ? param_index(m, &b[*i + 1]) : -1;
		if (k < 0)
			return fail(e, "'#' not followed by a macro parameter%.*s", "", 0);
		size_t from, to;
		struct xtok str;
		arg_range(m, a, (size_t)k, &from, &to);
		*i += 2;
		int rc = stringify(e, a->toks.v + from, to - from, &str);
		return rc ? rc : add_operand(e, sb, &str, 1, 0);
	}
	int k = ident_start(x->s[0]) ? param_index(m, x) : -1;
	(*i)++;
	if (k < 0) {
		struct xtok t = {x->s, (uint32_t)x->len, -1};
		return add_operand(e, sb, &t, 1, 0);
	}
	int raw = sb->paste || (*i < nb && is_paste_op(&b[*i]));
	const struct xtok *v;
	size_t n;
	int rc = param_tokens(e, m, a, k, raw, expanded, done, &v, &n, depth);
	return rc ? rc : add_operand(e, sb, v, n, m->variadic && (size_t)k + 1 == m->nparams);
}

/* The body with every parameter replaced by its argument, and '#' and '##'
 * applied. */
static int substitute(struct exp *e, const struct macro *m, struct args *a, struct xtoks *res,
		      int depth)
{
	struct xtoks expanded[MAX_PARAMS];
	unsigned char done[MAX_PARAMS] = {0};
	struct subst sb = {*res, 0, 0};
	int rc = 0;
	for (size_t i = 0; i < m->body.n && !rc;)
		rc = substitute_one(e, m, a, &sb, &i, expanded, done, depth);
	*res = sb.res;
	for (size_t k = 0; k < m->nparams; k++)
		if (done[k])
			free(expanded[k].v);
	return rc;
}

/* Replaces the macro invocation at the top of the stack by its expansion
 * (pushed back for rescanning). 0, 1 or -1; *left set if the name is a
 * function-like macro without arguments (to be kept as is). */
static int invoke(struct exp *e, struct xtoks *st, struct xtok name, const struct macro *m,
		  int depth, int *left)
{
	struct args a = {0};
	struct xtoks res = {0};
	int32_t hs = name.hs;
	int rc = 0;
	*left = m->fnlike && (!st->n || !is_punct(st->v[st->n - 1].s, st->v[st->n - 1].len, "("));
	if (*left)
		return 0;
	if (m->fnlike) {
		rc = read_args(e, st, &name, &a);
		if (!rc)
			rc = check_count(e, m, &a, &name);
		if (!rc)
			rc = hs_intersect(e, name.hs, a.rparen.hs, &hs);
		if (!rc)
			rc = substitute(e, m, &a, &res, depth);
	} else {
		rc = substitute(e, m, &a, &res, depth);
	}
	if (!rc)
		rc = hs_add(e, &hs, name.s, name.len);
	if (!rc && hs_size(e, hs) > MAX_NESTING)
		rc = fail(e, "macro %.*s: expansion nested too deeply", name.s, name.len);
	for (size_t i = res.n; i-- > 0 && !rc;) {
		struct xtok t = res.v[i];
		rc = hs_union(e, &t.hs, hs);
		if (!rc)
			rc = push_x(st, t);
	}
	free(a.toks.v);
	free(res.v);
	return rc;
}

/* One identifier from the stack: expanded in place (0 with *done), or to be
 * output as is (0 without). 1 or -1 on failure. */
static int try_macro(struct exp *e, struct xtoks *st, struct xtok t, int depth, int *done)
{
	const char *def;
	*done = 0;
	if (hs_has(e, t.hs, t.s, t.len))
		return 0;
	int rc = e->fn(e->ctx, t.s, t.len, &def, e->why, e->why_len);
	if (rc < 0)
		return -1;
	if (rc == KSP_MACRO_REFUSE)
		return 1;
	if (rc != KSP_MACRO_DEF)
		return 0;
	struct macro m;
	rc = parse_macro(e, t.s, t.len, def, &m);
	int left = 0;
	if (!rc)
		rc = invoke(e, st, t, &m, depth, &left);
	free(m.body.v);
	*done = !left;
	return rc;
}

static int expand(struct exp *e, const struct xtok *in, size_t n, struct xtoks *out, int depth)
{
	struct xtoks st = {0};
	int rc = 0;
	if (depth > MAX_NESTING)
		return fail(e, "%.*smacro arguments nested too deeply", "", 0);
	for (size_t i = n; i-- > 0 && !rc;)
		rc = push_x(&st, in[i]);
	while (st.n && !rc) {
		struct xtok t = st.v[--st.n];
		int done = 0;
		if (++e->work > MAX_WORK || st.n > MAX_WORK || out->n > MAX_OUTPUT) {
			rc = fail(e, "%.*smacro expansion too large", "", 0);
			break;
		}
		if (ident_start(t.s[0]))
			rc = try_macro(e, &st, t, depth, &done);
		if (!rc && !done)
			rc = push_x(out, t);
	}
	free(st.v);
	return rc;
}

/* Hands a made text to the result list (freed with it). */
static int keep_made(struct ksp_mtoks *out, char *t)
{
	char **v = realloc(out->made, (out->nmade + 1) * sizeof(*v));
	if (!v) {
		free(t);
		return -1;
	}
	out->made = v;
	out->made[out->nmade++] = t;
	return 0;
}

int ksp_macro_expand(const struct ksp_mtok *in, size_t n, ksp_macro_def_fn def, void *ctx,
		     struct ksp_mtoks *out, char *why, size_t why_len)
{
	struct exp e = {.fn = def, .ctx = ctx, .why = why, .why_len = why_len};
	struct xtoks x = {0}, res = {0};
	int rc = 0;
	why[0] = '\0';
	for (size_t i = 0; i < n && !rc; i++)
		rc = push_x(&x, (struct xtok){in[i].s, (uint32_t)in[i].len, -1});
	if (!rc)
		rc = expand(&e, x.v, x.n, &res, 0);
	for (size_t i = 0; i < res.n && !rc; i++) {
		const struct xtok *t = &res.v[i];
		int painted = ident_start(t->s[0]) && hs_has(&e, t->hs, t->s, t->len);
		rc = push_mtok(out, (struct ksp_mtok){t->s, t->len, painted});
	}
	free(x.v);
	free(res.v);
	free(e.hv);
	for (size_t i = 0; i < e.nmade; i++)
		if (keep_made(out, e.made[i]))
			rc = -1;
	free(e.made);
	return rc;
}
