/*
 * A header's raw text (not preprocessed) read as units, for hdr_change.h:
 * backslash-newlines are spliced away (each byte keeps its physical line),
 * comments and whitespace are skipped, and the rest is cut into C tokens,
 * except that a '#' at the start of a line begins a directive, which is one
 * unit to the end of its logical line: its kind, its macro name and its
 * tokens written one space apart.
 */
#ifndef KSPLICE_HDR_LEX_H
#define KSPLICE_HDR_LEX_H

#include <stddef.h>
#include <stdint.h>

enum { U_CODE, U_DIR };
enum { D_DEFINE, D_UNDEF, D_IF, D_IFNDEF, D_ELSE, D_ENDIF, D_OTHER };

/* A code token or a whole directive, in the spliced text. */
struct hdr_unit {
	uint32_t off, len;
	uint32_t line0, line1; /* physical lines it covers, 1-based */
	uint8_t kind, dkind;
	uint32_t name_off, name_len; /* a #define/#undef/#ifndef's macro */
	char *norm;		     /* a directive's tokens, one space apart */
	uint32_t def_at;	     /* a #define's definition in norm, as gcc -dU prints it */
	/* Left 0 here, for the change analysis: */
	uint8_t touched, changed;
	uint8_t cut_before; /* the other side has units inserted just before this one */
	uint32_t cond;	    /* a directive's #if nesting */
};

struct hdr_lexed {
	char *sp;	  /* the text with line continuations removed */
	uint32_t *lineof; /* physical line of each byte of sp (splen + 1 entries) */
	size_t splen;
	struct hdr_unit *u;
	size_t nu, ucap;
};

/* Reads text into out (which hdr_lex_free releases, also after a failure).
 * 0, or -1 if out of memory. */
int hdr_lex(const char *text, size_t len, struct hdr_lexed *out);
void hdr_lex_free(struct hdr_lexed *l);

/* Whether two units read the same: the same code token, or directives with
 * the same normalized tokens. */
int hdr_unit_eq(const struct hdr_lexed *a, const struct hdr_unit *x, const struct hdr_lexed *b,
		const struct hdr_unit *y);

/* Whether the identifier is a C keyword or a GNU C built-in word: never a
 * macro of the kernel's, nor a name a header declares. */
int hdr_builtin_word(const char *s, size_t len);

#endif
