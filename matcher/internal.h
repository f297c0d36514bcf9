/* Shared between the matcher's source files; not part of its API. */
#ifndef KSPLICE_MATCHER_INTERNAL_H
#define KSPLICE_MATCHER_INTERNAL_H

#include "matcher.h"

#include <stddef.h>
#include <stdint.h>

struct mt_side {
	const struct ksp_obj *obj;
	size_t *pair;	  /* per symbol: the partner on the other side, or KSP_OBJ_NONE */
	size_t *sec_pair; /* per section: the partner section, or KSP_OBJ_NONE */
	size_t *primary;  /* per section: its only function or variable, or KSP_OBJ_NONE */
	int *changed;	  /* per symbol: its contents differ (read-only data) */
	size_t *by_pos;	  /* entities sorted by section and offset */
	size_t nby_pos;
};

struct mt_ctx {
	struct mt_side pre, post;
};

/* "foo.isra" for "foo.isra.3"; the length of the name without the numeric
 * suffix gcc adds to statics and clones. */
size_t mt_base_len(const char *name);

/* Pairs the symbols and sections of pre and post (names, then uses). */
int mt_pair(struct mt_ctx *ctx);
void mt_ctx_free(struct mt_ctx *ctx);

/* The entity a relocation refers to (the function or variable covering
 * its target), or KSP_OBJ_NONE (externals, merged constants, labels outside any
 * entity). */
size_t mt_reloc_entity(const struct mt_side *side, const struct ksp_obj_reloc *r);

/* Whether two relocations refer to the same thing; if not, and why is
 * given, a description of both targets. */
int mt_targets_equal(const struct mt_ctx *ctx, const struct ksp_obj_reloc *a,
		     const struct ksp_obj_reloc *b, char *why, size_t len);

/* The entity of section sec covering offset off, or KSP_OBJ_NONE. */
size_t mt_covering(const struct mt_side *side, size_t sec, int64_t off);

/* If r refers to a place in a section outside any entity (a label in
 * .altinstr_replacement, say), its section and offset. */
int mt_reloc_place(const struct mt_side *side, const struct ksp_obj_reloc *r, size_t *sec,
		   int64_t *off);

/* Length of the x86-64 instruction at p (at most avail bytes), 0 if it
 * does not decode; text receives its disassembly. */
unsigned mt_insn(const unsigned char *p, size_t avail, char *text, size_t len);

char *mt_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
