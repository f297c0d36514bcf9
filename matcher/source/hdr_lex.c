#include "hdr_lex.h"
#include "array.h"
#include "macro_expand.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Removes backslash-newlines (also with blanks before the newline, as gcc
 * accepts), keeping each byte's physical line. */
static int splice(struct hdr_lexed *s, const char *text, size_t len)
{
	if (!(s->sp = malloc(len + 1)) || !(s->lineof = malloc((len + 1) * sizeof(uint32_t))))
		return -1;
	uint32_t line = 1;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\\') {
			size_t e = i + 1;
			while (e < len && (text[e] == ' ' || text[e] == '\t' || text[e] == '\r'))
				e++;
			if (e < len && text[e] == '\n') {
				i = e;
				line++;
				continue;
			}
		}
		s->sp[k] = text[i];
		s->lineof[k++] = line;
		line += text[i] == '\n';
	}
	s->sp[k] = '\0';
	s->lineof[k] = line;
	s->splen = k;
	return 0;
}

static size_t skip_comment(const char *sp, size_t i, size_t n)
{
	if (sp[i + 1] == '/') {
		while (i < n && sp[i] != '\n')
			i++;
		return i;
	}
	const char *e = strstr(sp + i + 2, "*/");
	return e ? (size_t)(e - sp) + 2 : n;
}

static int is_comment(const char *sp, size_t i, size_t n)
{
	return sp[i] == '/' && i + 1 < n && (sp[i + 1] == '*' || sp[i + 1] == '/');
}

static struct hdr_unit *new_unit(struct hdr_lexed *s, size_t off, size_t end)
{
	struct hdr_unit *v = ksp_array_room(s->u, &s->ucap, s->nu, sizeof(*v), 1024);
	if (!v)
		return NULL;
	s->u = v;
	struct hdr_unit *u = &s->u[s->nu++];
	memset(u, 0, sizeof(*u));
	u->off = (uint32_t)off;
	u->len = (uint32_t)(end - off);
	u->line0 = s->lineof[off];
	u->line1 = s->lineof[end > off ? end - 1 : off];
	return u;
}

static int directive_kind(const char *s, size_t len)
{
	static const char *const w[] = {"define", "undef",   "if",	 "ifdef", "ifndef", "elif",
					"else",	  "elifdef", "elifndef", "endif", NULL};
	static const int k[] = {D_DEFINE, D_UNDEF, D_IF,   D_IF,   D_IFNDEF,
				D_ELSE,	  D_ELSE,  D_ELSE, D_ELSE, D_ENDIF};
	for (size_t i = 0; w[i]; i++)
		if (strlen(w[i]) == len && !memcmp(s, w[i], len))
			return k[i];
	return D_OTHER;
}

/* Appends the token to the directive's normalized text. */
static int norm_add(struct hdr_unit *u, size_t *cap, const char *t, size_t len, int space)
{
	size_t have = u->norm ? strlen(u->norm) : 0;
	char *v = u->norm;
	if (have + len + 2 > *cap) {
		*cap = (have + len + 2) * 2;
		if (!(v = realloc(u->norm, *cap)))
			return -1;
		u->norm = v;
	}
	if (space && have)
		v[have++] = ' ';
	memcpy(v + have, t, len);
	v[have + len] = '\0';
	return 0;
}

/* The directive starting at sp[*i] ('#'), to the end of its logical line. */
static int directive(struct hdr_lexed *s, size_t *i)
{
	const char *sp = s->sp;
	size_t n = s->splen, k = *i + 1, cap = 0, ntok = 0;
	struct hdr_unit tmp = {0};
	tmp.norm = NULL;
	while (k < n && sp[k] != '\n') {
		if (isspace((unsigned char)sp[k])) {
			k++;
			continue;
		}
		if (is_comment(sp, k, n)) {
			k = skip_comment(sp, k, n);
			continue;
		}
		int kind;
		size_t e = ksp_ctok_end(sp, k, n, &kind);
		if (ntok == 0)
			tmp.dkind = (uint8_t)directive_kind(sp + k, e - k);
		if (ntok == 1 && kind == KSP_CT_IDENT) {
			tmp.name_off = (uint32_t)k, tmp.name_len = (uint32_t)(e - k);
		}
		int glued = ntok == 2 && tmp.dkind == D_DEFINE && sp[k] == '(' &&
			    k == tmp.name_off + tmp.name_len;
		if (norm_add(&tmp, &cap, sp + k, e - k, !glued)) {
			free(tmp.norm);
			return -1;
		}
		if (ntok++ == 1)
			tmp.def_at = (uint32_t)strlen(tmp.norm);
		k = e;
	}
	if (!tmp.norm && norm_add(&tmp, &cap, "", 0, 0))
		return -1;
	if (ntok == 0)
		tmp.dkind = D_OTHER;
	struct hdr_unit *u = new_unit(s, *i, k < n ? k + 1 : n);
	if (!u) {
		free(tmp.norm);
		return -1;
	}
	tmp.off = u->off, tmp.len = u->len, tmp.line0 = u->line0, tmp.line1 = u->line1;
	tmp.kind = U_DIR;
	if (tmp.dkind == D_DEFINE && !tmp.def_at)
		tmp.def_at = (uint32_t)strlen(tmp.norm);
	*u = tmp;
	*i = k;
	return 0;
}

static int lex_units(struct hdr_lexed *s)
{
	const char *sp = s->sp;
	size_t i = 0, n = s->splen;
	int bol = 1;
	while (i < n) {
		char c = sp[i];
		if (c == '\n' || isspace((unsigned char)c)) {
			bol |= c == '\n';
			i++;
		} else if (is_comment(sp, i, n)) {
			i = skip_comment(sp, i, n);
		} else if (bol && c == '#') {
			if (directive(s, &i))
				return -1;
		} else {
			int kind;
			size_t e = ksp_ctok_end(sp, i, n, &kind);
			if (!new_unit(s, i, e))
				return -1;
			bol = 0;
			i = e;
		}
	}
	return 0;
}

int hdr_lex(const char *text, size_t len, struct hdr_lexed *out)
{
	memset(out, 0, sizeof(*out));
	return splice(out, text, len) ? -1 : lex_units(out);
}

void hdr_lex_free(struct hdr_lexed *l)
{
	for (size_t i = 0; i < l->nu; i++)
		free(l->u[i].norm);
	free(l->u);
	free(l->sp);
	free(l->lineof);
	memset(l, 0, sizeof(*l));
}

int hdr_unit_eq(const struct hdr_lexed *a, const struct hdr_unit *x, const struct hdr_lexed *b,
		const struct hdr_unit *y)
{
	if (x->kind != y->kind)
		return 0;
	if (x->kind == U_DIR)
		return !strcmp(x->norm, y->norm);
	return x->len == y->len && !memcmp(a->sp + x->off, b->sp + y->off, x->len);
}

/* hdr_builtin_word's list (with every __builtin_ name). */
static const char *const builtin_words[] = {"auto",
					    "break",
					    "case",
					    "char",
					    "const",
					    "continue",
					    "default",
					    "do",
					    "double",
					    "else",
					    "enum",
					    "extern",
					    "float",
					    "for",
					    "goto",
					    "if",
					    "inline",
					    "int",
					    "long",
					    "register",
					    "restrict",
					    "return",
					    "short",
					    "signed",
					    "sizeof",
					    "static",
					    "struct",
					    "switch",
					    "typedef",
					    "union",
					    "unsigned",
					    "void",
					    "volatile",
					    "while",
					    "_Bool",
					    "_Complex",
					    "_Imaginary",
					    "_Noreturn",
					    "_Atomic",
					    "_Thread_local",
					    "_Alignas",
					    "_Alignof",
					    "_Generic",
					    "_Static_assert",
					    "__thread",
					    "__signed__",
					    "__signed",
					    "__volatile__",
					    "__volatile",
					    "__restrict",
					    "__restrict__",
					    "__const",
					    "__const__",
					    "__inline",
					    "__inline__",
					    "__int128",
					    "__extension__",
					    "__attribute__",
					    "__attribute",
					    "__typeof__",
					    "__typeof",
					    "typeof",
					    "asm",
					    "__asm__",
					    "__asm",
					    "__alignof__",
					    "__alignof",
					    "__label__",
					    "__auto_type",
					    "__real__",
					    "__imag__",
					    "__func__",
					    "__FUNCTION__",
					    "__PRETTY_FUNCTION__",
					    "__LINE__",
					    "__FILE__",
					    "__seg_gs",
					    "__seg_fs",
					    NULL};

int hdr_builtin_word(const char *s, size_t len)
{
	if (len > 10 && !memcmp(s, "__builtin_", 10))
		return 1;
	for (size_t i = 0; builtin_words[i]; i++)
		if (strlen(builtin_words[i]) == len && !memcmp(s, builtin_words[i], len))
			return 1;
	return 0;
}
