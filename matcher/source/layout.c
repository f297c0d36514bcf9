#include "layout.h"
#include "kconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct type_def {
	char *name; /* "struct foo" */
	char *body; /* normalized text between the braces */
};

struct type_defs {
	struct type_def *v;
	size_t n;
};

/* The text without comments, string and character literals emptied, and
 * every run of white space made one space; line starts kept as '\n' so that
 * preprocessor lines can be recognized. */
static char *normalize(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	while (*s) {
		if (s[0] == '/' && s[1] == '*') {
			const char *end = strstr(s + 2, "*/");
			s = end ? end + 2 : s + strlen(s);
			*o++ = ' ';
		} else if (s[0] == '/' && s[1] == '/') {
			while (*s && *s != '\n')
				s++;
		} else if (*s == '"' || *s == '\'') {
			char q = *s++;
			while (*s && *s != q && *s != '\n')
				s += (*s == '\\' && s[1]) ? 2 : 1;
			s += *s == q;
			*o++ = q;
			*o++ = q;
		} else if (*s == '\\' && s[1] == '\n') {
			s += 2; /* continuation: one logical line */
		} else if (*s == '\n') {
			while (o > out && o[-1] == ' ')
				o--;
			if (o == out || o[-1] != '\n')
				*o++ = '\n';
			s++;
		} else if (isspace((unsigned char)*s)) {
			if (o > out && o[-1] != ' ' && o[-1] != '\n')
				*o++ = ' ';
			s++;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static int is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* "struct name" if the text before a file-scope '{' opens a named struct or
 * union definition: [typedef] struct|union [attributes] name [attributes]. */
static int definition_name(const char *start, const char *brace, char *name, size_t len)
{
	const char *p = start;
	while (p < brace && isspace((unsigned char)*p))
		p++;
	if ((size_t)(brace - p) > 7 && strncmp(p, "typedef", 7) == 0 && !is_ident(p[7]))
		p += 8;
	while (p < brace && isspace((unsigned char)*p))
		p++;
	const char *kind = p;
	size_t klen = strncmp(p, "struct", 6) == 0 ? 6 : strncmp(p, "union", 5) == 0 ? 5 : 0;
	if (!klen || is_ident(p[klen]))
		return 0;
	p += klen;
	const char *found = NULL;
	size_t flen = 0;
	while (p < brace) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (!is_ident(*p) && *p != '(')
			return 0; /* '=', '*', ';': a variable or declaration */
		const char *w = p;
		while (p < brace && is_ident(*p))
			p++;
		if (p < brace && *p == '(' && strncmp(w, "__", 2) != 0)
			return 0; /* struct timespec64 current_time(...) { : a function */
		if (p < brace && *p == '(') { /* __attribute__((...)), __aligned(8) */
			int depth = 0;
			do {
				depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
				p++;
			} while (p < brace && depth > 0);
			continue;
		}
		if (strncmp(w, "__", 2) != 0) {
			if (found)
				return 0;
			found = w;
			flen = (size_t)(p - w);
		}
	}
	if (!found)
		return 0;
	snprintf(name, len, "%.*s %.*s", (int)klen, kind, (int)flen, found);
	return 1;
}

/* Line breaks were kept only to find directives: one space for any run of
 * them and of spaces, none at the ends. */
static void flatten(char *s)
{
	char *o = s;
	for (const char *c = s; *c; c++) {
		int blank = *c == ' ' || *c == '\n';
		if (!blank)
			*o++ = *c;
		else if (o > s && o[-1] != ' ')
			*o++ = ' ';
	}
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
}

static int add_def(struct type_defs *d, const char *name, const char *body, size_t blen)
{
	struct type_def *v = realloc(d->v, (d->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	d->v = v;
	d->v[d->n].name = strdup(name);
	d->v[d->n].body = strndup(body, blen);
	if (d->v[d->n].body)
		flatten(d->v[d->n].body);
	if (!d->v[d->n].name || !d->v[d->n].body) {
		free(d->v[d->n].name);
		free(d->v[d->n].body);
		return -1;
	}
	d->n++;
	return 0;
}

/* Braces on preprocessor lines (macro bodies) do not nest code. */
static const char *skip_directive(const char *p)
{
	while (*p && *p != '\n')
		p++;
	return p;
}

/* Which #if branches this configuration compiles (kconfig.h): per level,
 * the branch's value (1, 0, -1 not decided), whether a branch was known
 * taken, and whether every branch so far was known not taken. */
struct branch {
	int value, taken, none;
};

struct branches {
	struct branch v[64];
	int depth, overflow;
};

static int word_is(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(end - p) >= n && !strncmp(p, w, n) &&
	       (p + n == end || !isalnum((unsigned char)p[n]));
}

static void track(struct branches *b, const struct ksp_kconfig *k, const char *line,
		  const char *end)
{
	const char *p = line + 1;
	while (p < end && *p == ' ')
		p++;
	if (word_is(p, end, "if") || word_is(p, end, "ifdef") || word_is(p, end, "ifndef")) {
		int v = ksp_kconfig_condition(k, p, (size_t)(end - p));
		if (b->depth == 64)
			b->overflow++;
		else
			b->v[b->depth++] = (struct branch){v, v == 1, v == 0};
	} else if (b->overflow && word_is(p, end, "endif")) {
		b->overflow--;
	} else if (b->overflow || !b->depth) {
		return;
	} else if (word_is(p, end, "elif")) {
		struct branch *t = &b->v[b->depth - 1];
		t->value = t->taken ? 0 : -1;
		t->none = 0;
	} else if (word_is(p, end, "else")) {
		struct branch *t = &b->v[b->depth - 1];
		t->value = t->taken ? 0 : t->none ? 1 : -1;
	} else if (word_is(p, end, "endif")) {
		b->depth--;
	}
}

/* Not compiled in this configuration: inside a branch known not taken. */
static int compiled_out(const struct branches *b)
{
	for (int i = 0; i < b->depth; i++)
		if (b->v[i].value == 0)
			return 1;
	return 0;
}

static int collect(const char *text, const struct ksp_kconfig *k, struct type_defs *defs)
{
	const char *stmt = text, *open = NULL;
	int depth = 0, open_out = 0;
	struct branches b = {.depth = 0};
	for (const char *p = text; *p; p++) {
		if ((p == text || p[-1] == '\n') && *p == '#') {
			const char *end = skip_directive(p);
			track(&b, k, p, end);
			p = end;
			if (depth == 0)
				stmt = p;
			if (!*p)
				break;
			continue;
		}
		if (*p == '{') {
			if (depth++ == 0) {
				open = p;
				open_out = compiled_out(&b);
			}
		} else if (*p == '}' && depth > 0) {
			if (--depth == 0) {
				char name[256];
				if (!open_out && definition_name(stmt, open, name, sizeof(name)) &&
				    add_def(defs, name, open + 1, (size_t)(p - open - 1)))
					return -1;
				stmt = p + 1;
			}
		} else if (*p == ';' && depth == 0) {
			stmt = p + 1;
		}
	}
	return 0;
}

static void free_defs(struct type_defs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].body);
	}
	free(d->v);
}

/* The definition of name that comes nth (from 0) in d, or NULL. */
static const struct type_def *nth_def(const struct type_defs *d, const char *name, size_t nth)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].name, name) == 0 && nth-- == 0)
			return &d->v[i];
	return NULL;
}

static size_t count_defs(const struct type_defs *d, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += strcmp(d->v[i].name, name) == 0;
	return n;
}

/*
 * A type may be defined once per branch of an #ifdef (the real one and an
 * empty stand-in): the nth definition before is compared with the nth
 * after. If the patch adds or removes one of them, the type has changed.
 */
int ksp_layout_changed_each(const char *pre, const char *post, const struct ksp_kconfig *k,
			    int (*fn)(void *ctx, const char *type), void *ctx)
{
	char *a = normalize(pre), *b = normalize(post);
	struct type_defs da = {0}, db = {0};
	int rc = (!a || !b || collect(a, k, &da) || collect(b, k, &db)) ? -1 : 0, changed = 0;
	for (size_t i = 0; rc >= 0 && i < da.n; i++) {
		const char *name = da.v[i].name;
		size_t nth = 0, after = count_defs(&db, name);
		for (size_t k = 0; k < i; k++)
			nth += strcmp(da.v[k].name, name) == 0;
		if (!after || nth > 0)
			continue; /* gone: not a layout of existing data; or seen */
		int differs = count_defs(&da, name) != after;
		for (size_t m = 0; !differs && m < after; m++)
			differs = strcmp(nth_def(&da, name, m)->body, nth_def(&db, name, m)->body);
		if (differs) {
			changed = 1;
			if (fn(ctx, name))
				rc = -1;
		}
	}
	free_defs(&da);
	free_defs(&db);
	free(a);
	free(b);
	return rc < 0 ? -1 : changed;
}

struct first_type {
	char *out;
	size_t len;
	int found;
};

static int keep_first(void *ctx, const char *type)
{
	struct first_type *f = ctx;
	if (!f->found)
		snprintf(f->out, f->len, "%s", type);
	f->found = 1;
	return 0;
}

int ksp_layout_changed(const char *pre, const char *post, const struct ksp_kconfig *k, char *out,
		       size_t len)
{
	struct first_type f = {out, len, 0};
	return ksp_layout_changed_each(pre, post, k, keep_first, &f);
}
