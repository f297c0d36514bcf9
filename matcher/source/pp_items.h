/*
 * Preprocessed C cut into tokens and file-scope items (declarations and
 * function definitions), each item hashed for comparison: the reading
 * half of pp_screen.h. Line markers are dropped; #pragma lines are items of
 * their own. Names that __COUNTER__ numbers are hashed without the number.
 */
#ifndef KSPLICE_PP_ITEMS_H
#define KSPLICE_PP_ITEMS_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

enum pp_tok_kind { T_IDENT, T_NUMBER, T_STRING, T_PUNCT, T_DIRECTIVE /* #pragma */ };

struct pp_tok {
	uint32_t off, len;
	uint8_t kind;
	uint8_t glued; /* a punctuator written right after another one */
};

struct pp_toks {
	const char *text;
	struct pp_tok *v;
	size_t n, cap;
};

/* [first, end) of the token array. */
struct pp_item {
	size_t first, end;
	uint64_t hash;
};

struct pp_items {
	struct pp_item *v;
	size_t n, cap;
};

struct pp_parsed {
	struct pp_toks toks;
	struct pp_items items;
};

int pp_parse(const char *text, size_t len, struct pp_parsed *p, struct ksp_error *err);
void pp_parsed_free(struct pp_parsed *p);

int pp_ident_char(char c);
/* Whether the line [line, end) (starting with '#') is a line marker,
 * "# 12 "./include/linux/fs.h" 2" or "#line 12"; *file and *len give the
 * quoted file name (*file NULL if there is none). Any other '#' line
 * (#pragma, #ident) is a directive token. */
int pp_line_marker(const char *line, const char *end, const char **file, size_t *len);
/* The file a line marker names ([q, q + n)), as screening and the header
 * index name files: relative to root if under it (root may be NULL),
 * without "." components and with "dir/.." collapsed (a header included as
 * "../x.h" is the same file as the patch names). Returns its length. */
size_t pp_marker_path(const char *q, size_t n, const char *root, char *out, size_t cap);
/* The length of identifier [r, r + n) without the number __COUNTER__ gave
 * it (a name __UNIQUE_ID() or compiletime_assert() made), else n: such
 * names are hashed without it (see pp_items.c). */
size_t pp_strip_counter(const char *r, size_t n);
/* Token k is the punctuator c / the identifier word. */
int pp_is_punct(const struct pp_toks *t, size_t k, char c);
int pp_tok_is(const struct pp_toks *t, size_t k, const char *word);

#endif
