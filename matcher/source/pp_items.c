#include "pp_items.h"
#include "array.h"

#include <ctype.h>
#include <string.h>

static int push_tok(struct pp_toks *t, size_t off, size_t len, int kind, int glued)
{
	struct pp_tok *v = ksp_array_room(t->v, &t->cap, t->n, sizeof(*v), 4096);
	if (!v)
		return -1;
	t->v = v;
	t->v[t->n++] = (struct pp_tok){(uint32_t)off, (uint32_t)len, (uint8_t)kind, (uint8_t)glued};
	return 0;
}

int pp_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static size_t line_end(const char *s, size_t i, size_t len)
{
	const char *nl = memchr(s + i, '\n', len - i);
	return nl ? (size_t)(nl - s) : len;
}

int pp_line_marker(const char *line, const char *end, const char **file, size_t *len)
{
	const char *p = line + 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || !(isdigit((unsigned char)*p) || (end - p >= 4 && !memcmp(p, "line", 4))))
		return 0;
	const char *q = memchr(p, '"', (size_t)(end - p));
	const char *e = q ? memchr(q + 1, '"', (size_t)(end - q - 1)) : NULL;
	*file = e ? q + 1 : NULL;
	*len = e ? (size_t)(e - q - 1) : 0;
	return 1;
}

/* Whether the path so far (len bytes) ends in a ".." component that
 * cannot be collapsed (it climbs above where the path starts). */
static int ends_in_dotdot(const char *out, size_t start, size_t len)
{
	return len - start >= 2 && !memcmp(out + len - 2, "..", 2) &&
	       (len - start == 2 || out[len - 3] == '/');
}

size_t pp_marker_path(const char *q, size_t n, const char *root, char *out, size_t cap)
{
	size_t r = root ? strlen(root) : 0, len = 0, start;
	if (cap < 2)
		return 0;
	if (root && n > r && !memcmp(q, root, r) && q[r] == '/')
		q += r + 1, n -= r + 1;
	if (n && q[0] == '<') { /* <built-in>, <command-line> */
		len = n < cap ? n : cap - 1;
		memcpy(out, q, len);
		out[len] = '\0';
		return len;
	}
	if (n && q[0] == '/') /* outside the tree: stays absolute */
		out[len++] = '/';
	start = len;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && q[j] != '/')
			j++;
		const char *c = q + i;
		size_t m = j - i;
		i = j + 1;
		if (!m || (m == 1 && c[0] == '.'))
			continue;
		if (m == 2 && c[0] == '.' && c[1] == '.' && len > start &&
		    !ends_in_dotdot(out, start, len)) {
			while (len > start && out[len - 1] != '/')
				len--;
			len -= len > start;
			continue;
		}
		if (len + 1 + m + 1 > cap)
			break;
		if (len > start)
			out[len++] = '/';
		memcpy(out + len, c, m);
		len += m;
	}
	out[len] = '\0';
	return len;
}

/*
 * gcc -dU writes "#define NAME ..." and "#undef NAME" lines for the macros
 * the source used; they are not part of the program, so screening skips
 * them and gives the same verdicts with and without -dU.
 */
static int macro_line(const char *line, const char *end)
{
	const char *p = line + 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	size_t n = 0;
	while (p + n < end && pp_ident_char(p[n]))
		n++;
	return (n == 6 && !memcmp(p, "define", 6)) || (n == 5 && !memcmp(p, "undef", 5));
}

static size_t scan_number(const char *s, size_t i, size_t len)
{
	while (i < len) {
		char c = s[i];
		if ((c == '+' || c == '-') && strchr("eEpP", s[i - 1]))
			i++;
		else if (pp_ident_char(c) || c == '.')
			i++;
		else
			break;
	}
	return i;
}

static size_t scan_quoted(const char *s, size_t i, size_t len)
{
	char quote = s[i++];
	while (i < len && s[i] != quote && s[i] != '\n')
		i += s[i] == '\\' && i + 1 < len ? 2 : 1;
	return i < len && s[i] == quote ? i + 1 : i;
}

static int tokenize(const char *s, size_t len, struct pp_toks *t)
{
	size_t i = 0, punct_end = (size_t)-1;
	int line_start = 1;
	t->text = s;
	while (i < len) {
		char c = s[i];
		if (c == '\n' || isspace((unsigned char)c)) {
			line_start |= c == '\n';
			i++;
			continue;
		}
		size_t start = i;
		int kind = T_PUNCT;
		if (line_start && c == '#') {
			size_t end = line_end(s, i, len), flen;
			const char *file;
			if (!pp_line_marker(s + i, s + end, &file, &flen) &&
			    !macro_line(s + i, s + end) && push_tok(t, i, end - i, T_DIRECTIVE, 0))
				return -1;
			i = end;
			continue;
		}
		line_start = 0;
		if (isalpha((unsigned char)c) || c == '_' || c == '$') {
			while (i < len && pp_ident_char(s[i]))
				i++;
			kind = T_IDENT;
		} else if (isdigit((unsigned char)c) ||
			   (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
			i = scan_number(s, i + 1, len);
			kind = T_NUMBER;
		} else if (c == '"' || c == '\'') {
			i = scan_quoted(s, i, len);
			kind = T_STRING;
		} else {
			i++;
		}
		if (push_tok(t, start, i - start, kind, kind == T_PUNCT && punct_end == start))
			return -1;
		if (kind == T_PUNCT)
			punct_end = i;
	}
	return 0;
}

int pp_is_punct(const struct pp_toks *t, size_t k, char c)
{
	return t->v[k].kind == T_PUNCT && t->text[t->v[k].off] == c;
}

int pp_tok_is(const struct pp_toks *t, size_t k, const char *word)
{
	size_t n = strlen(word);
	return t->v[k].kind == T_IDENT && t->v[k].len == n &&
	       !memcmp(t->text + t->v[k].off, word, n);
}

static int push_item(struct pp_items *it, size_t first, size_t end)
{
	if (first == end)
		return 0;
	struct pp_item *v = ksp_array_room(it->v, &it->cap, it->n, sizeof(*v), 1024);
	if (!v)
		return -1;
	it->v = v;
	it->v[it->n++] = (struct pp_item){first, end, 0};
	return 0;
}

/* Cuts the tokens at file scope: after a ';' at depth 0, after the '}'
 * closing a function body (a '{' at depth 0 right after a ')'), and around
 * a directive at depth 0. */
static int itemize(const struct pp_toks *t, struct pp_items *it)
{
	size_t first = 0;
	int depth = 0, body = 0;
	for (size_t k = 0; k < t->n; k++) {
		if (t->v[k].kind == T_DIRECTIVE && depth == 0) {
			if (push_item(it, first, k) || push_item(it, k, k + 1))
				return -1;
			first = k + 1;
			body = 0;
			continue;
		}
		if (t->v[k].kind != T_PUNCT)
			continue;
		char c = t->text[t->v[k].off];
		if (c == '{' && depth == 0 && k > first && pp_is_punct(t, k - 1, ')'))
			body = 1;
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		int end = depth == 0 && ((c == ';') || (c == '}' && body));
		if (end) {
			if (push_item(it, first, k + 1))
				return -1;
			first = k + 1;
			body = 0;
		}
	}
	return push_item(it, first, t->n);
}

/*
 * __COUNTER__ numbers names that macros make, so a header change that adds
 * one use renumbers every later one in the file: compiletime_assert()'s
 * function (__compiletime_assert_N, also inside the error strings that
 * quote macro arguments), __UNIQUE_ID(), the initcall names
 * (__initcall__kmod_MOD__N_LINE_fn) and BTF_ID symbols (__BTF_ID__..__N).
 * The number only keeps the names apart: renaming them all consistently
 * compiles to the same code (compiletime_assert's function is never called
 * at run time, the others are local temporaries or section entries found by
 * position). Such names are hashed without their counter.
 */
size_t pp_strip_counter(const char *r, size_t n)
{
	static const char *const trailing[] = {"__compiletime_assert_", "__UNIQUE_ID_",
					       "__BTF_ID__"};
	for (size_t i = 0; i < sizeof(trailing) / sizeof(*trailing); i++) {
		size_t m = strlen(trailing[i]);
		if (n > m && !memcmp(r, trailing[i], m)) {
			while (n > m && isdigit((unsigned char)r[n - 1]))
				n--;
			return n;
		}
	}
	return n;
}

/* Hashes an identifier-like run of a token, without its counter. */
static uint64_t hash_run(uint64_t h, const char *r, size_t n)
{
	size_t keep = pp_strip_counter(r, n), skip_from = n, skip_to = n;
	const char *kmod = memmem(r, keep, "__kmod_", 7);
	if (kmod) {
		const char *sep = memmem(kmod + 7, keep - (size_t)(kmod + 7 - r), "__", 2);
		if (sep) {
			skip_from = skip_to = (size_t)(sep + 2 - r);
			while (skip_to < keep && isdigit((unsigned char)r[skip_to]))
				skip_to++;
		}
	}
	for (size_t i = 0; i < keep; i++)
		if (i < skip_from || i >= skip_to)
			h = (h ^ (unsigned char)r[i]) * 1099511628211ULL;
	return h;
}

static int has_counted_name(const char *s, size_t n)
{
	return memmem(s, n, "_assert_", 8) || memmem(s, n, "UNIQUE_ID", 9) ||
	       memmem(s, n, "__kmod_", 7) || memmem(s, n, "BTF_ID", 6);
}

static uint64_t hash_token(uint64_t h, const struct pp_toks *t, const struct pp_tok *x)
{
	const char *s = t->text + x->off;
	if (x->kind == T_PUNCT || x->kind == T_NUMBER || !has_counted_name(s, x->len)) {
		for (uint32_t i = 0; i < x->len; i++)
			h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
		return h;
	}
	for (size_t i = 0; i < x->len;) {
		size_t j = i;
		while (j < x->len && pp_ident_char(s[j]))
			j++;
		if (j > i) {
			h = hash_run(h, s + i, j - i);
			i = j;
		} else {
			h = (h ^ (unsigned char)s[i++]) * 1099511628211ULL;
		}
	}
	return h;
}

static uint64_t hash_item(const struct pp_toks *t, const struct pp_item *item)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t k = item->first; k < item->end; k++) {
		const struct pp_tok *x = &t->v[k];
		h = hash_token(h, t, x);
		h = (h ^ (0x80u | x->kind | (x->glued << 4))) * 1099511628211ULL;
	}
	return h;
}

void pp_parsed_free(struct pp_parsed *p)
{
	free(p->toks.v);
	free(p->items.v);
}

int pp_parse(const char *text, size_t len, struct pp_parsed *p, struct ksp_error *err)
{
	memset(p, 0, sizeof(*p));
	if (len >= UINT32_MAX)
		return ksp_fail(err, "preprocessed source too large (%zu bytes)", len);
	if (tokenize(text, len, &p->toks) || itemize(&p->toks, &p->items)) {
		pp_parsed_free(p);
		return ksp_fail(err, "out of memory");
	}
	for (size_t i = 0; i < p->items.n; i++)
		p->items.v[i].hash = hash_item(&p->toks, &p->items.v[i]);
	return 0;
}
