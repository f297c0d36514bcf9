/*
 * A small C preprocessor macro expander over a token list: object-like and
 * function-like macros (arguments fully expanded before substitution, then
 * a rescan; hide sets as in Prosser's algorithm keep a macro from expanding
 * inside itself), variadic "..." / __VA_ARGS__ and GNU "args...", the '#'
 * (stringify) and '##' (paste) operators with placemarkers and GNU's
 * ", ## __VA_ARGS__". __VA_OPT__ is not supported: a definition that uses it
 * makes the expansion fail with a reason. Directives ("defined") are not
 * handled: the tokens are code.
 *
 * Definitions are written as gcc -dU prints the text after the name:
 * "(a, b) body" or "(fmt, ...) body" for a function-like macro, " body" or
 * "" for an object-like one.
 */
#ifndef KSPLICE_MACRO_EXPAND_H
#define KSPLICE_MACRO_EXPAND_H

#include <stddef.h>

enum ksp_ctok_kind { KSP_CT_IDENT, KSP_CT_NUMBER, KSP_CT_STRING, KSP_CT_PUNCT };

/* The end of the C token starting at s[i] (not a space or a comment), and
 * its kind. Punctuators are read longest first ("->", "...", "<<="). */
size_t ksp_ctok_end(const char *s, size_t i, size_t len, int *kind);

/* A token: its text is not owned (it points into the input, into a
 * definition, which must outlive the list, or into the list's own texts).
 * painted: an identifier that can
 * no longer expand because it names a macro being expanded around it. */
struct ksp_mtok {
	const char *s;
	size_t len;
	int painted;
};

struct ksp_mtoks {
	struct ksp_mtok *v;
	size_t n, cap;
	/* Texts made by the expansion (pasted and stringified tokens), which
	 * tokens of v may point into; freed with the list. */
	char **made;
	size_t nmade;
};

/* Appends the tokens of s (comments and whitespace skipped). -1 if out of
 * memory. */
int ksp_mtoks_lex(const char *s, size_t len, struct ksp_mtoks *out);
void ksp_mtoks_free(struct ksp_mtoks *t);

enum { KSP_MACRO_NONE = 0, KSP_MACRO_DEF = 1, KSP_MACRO_REFUSE = 2 };

/* Whether name is a macro: KSP_MACRO_DEF with *def, KSP_MACRO_NONE if it is
 * an ordinary identifier, KSP_MACRO_REFUSE (why filled) if the expansion
 * must fail, -1 if out of memory. */
typedef int (*ksp_macro_def_fn)(void *ctx, const char *name, size_t len, const char **def,
				char *why, size_t why_len);

/* Expands the n tokens of in, appending to out. 0 on success, 1 if the
 * expansion failed (why says why: a refused or unsupported macro, wrong
 * argument count, unbalanced parentheses, nesting or size limits), -1 if
 * out of memory. */
int ksp_macro_expand(const struct ksp_mtok *in, size_t n, ksp_macro_def_fn def, void *ctx,
		     struct ksp_mtoks *out, char *why, size_t why_len);

#endif
