/*
 * Does a header change alter an object's code? Answered from the object's
 * preprocessed source before and after the patch, without compiling it.
 *
 * The preprocessed file is cut into file-scope items (declarations and
 * function definitions). Items present on both sides are untouched; the rest
 * are touched. The object's code cannot change if every touched item is
 * inert and no untouched item names what a touched item declares:
 *  - inert: a function prototype, a static inline function definition
 *    (without used/constructor/alias-like attributes), an extern variable
 *    declaration, an enum definition (its names: the tag and the
 *    constants), a tagged struct or union definition declaring nothing
 *    else (its names: the tag and the tags of the definitions nested in
 *    it, not its members; one with an enum definition inside is not
 *    inert), a bare "struct tag;" (its name: the tag) or an empty
 *    declaration. None of these emits code or data unless something
 *    refers to it: a struct's layout reaches code only through items that
 *    name its tag (variables, prototypes, typedefs, function bodies);
 *  - everything else (typedefs, untagged struct definitions, variables,
 *    non-inline functions, file-scope asm, #pragma lines, anything not
 *    understood) makes the object one to compile.
 * Macros are expanded in preprocessed text, so a changed macro shows up where
 * it is used; unused inline functions are never emitted, so a change to one
 * only matters through a reference from an untouched item.
 */
#ifndef KSPLICE_PP_SCREEN_H
#define KSPLICE_PP_SCREEN_H

#include "error.h"
#include "pp_items.h"

#include <stddef.h>
#include <stdint.h>

/* One file-scope item of the "before" side, as kept between the two
 * preprocessing runs. */
struct ksp_pp_item {
	uint64_t hash; /* of its tokens */
	uint32_t name; /* offset in names of what it declares (space-separated), or UINT32_MAX */
	uint8_t inert; /* see above */
	uint8_t directive; /* a #pragma line */
	uint8_t tagdef;	   /* defines a struct (1) or union (2): its tag is its first name */
};

struct ksp_pp_digest {
	struct ksp_pp_item *items;
	size_t nitems;
	char *names; /* NUL-separated */
	size_t names_len;
};

/* Digests preprocessed text (len bytes). */
int ksp_pp_digest_text(const char *text, size_t len, struct ksp_pp_digest *d,
		       struct ksp_error *err);
int ksp_pp_digest_save(const struct ksp_pp_digest *d, const char *path, struct ksp_error *err);
int ksp_pp_digest_load(const char *path, struct ksp_pp_digest *d, struct ksp_error *err);
void ksp_pp_digest_free(struct ksp_pp_digest *d);

/* 1 if the code compiled from post_text may differ from what pre compiles
 * to (why says which item or name), 0 if it cannot, -1 with err. */
int ksp_pp_affects(const struct ksp_pp_digest *pre, const char *post_text, size_t len, char *why,
		   size_t why_len, struct ksp_error *err);

/* The same, where the types listed ("struct dst_entry") are known to keep
 * their compiled layout (dwarf_layout.h): a change to their definition
 * alone is none. */
int ksp_pp_affects_with(const struct ksp_pp_digest *pre, const char *post_text, size_t len,
			const char *const *same_layout, size_t nsame, char *why, size_t why_len,
			struct ksp_error *err);

/* Whether item i of p is inert (1) or not (0), as the screening judges it;
 * for an inert item, fn is called for every name it declares (the tag and
 * constants of an enum, the tags of a struct definition and of those nested
 * in it), each a pointer into p's text. -1 if fn failed. */
int ksp_pp_item_decl(const struct pp_parsed *p, size_t i,
		     int (*fn)(void *ctx, const char *name, size_t len), void *ctx);

/* Whether item i of p is an inert struct or union definition (one that
 * declares only its tag and the tags nested in it). */
int ksp_pp_item_tagdef(const struct pp_parsed *p, size_t i);

#endif
