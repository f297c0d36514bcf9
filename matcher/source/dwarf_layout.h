/*
 * Data layout changes, from the compiled objects: the layout of a struct or
 * union as the DWARF of a relocatable object (a kbuild .o built with -g)
 * describes it, before and after the patch.
 *
 * A change to a type's definition is harmless to live objects when every
 * member keeps its place, size and type and any new member only aliases
 * storage that existing members already use (a pointer wrapped in an
 * anonymous union with a second pointer, as 6.1's dst_entry.dev/dev_rcu).
 *
 * A layout is flat: the members of anonymous struct and union members are
 * listed in their parent's place (their offsets added); a named member of
 * struct or union type is one member whose type is that struct's name, its
 * own layout being that type's business. Type strings are C as DWARF spells
 * it: typedef names as written ("u32"), "struct net_device *", "int [4]",
 * "const char *", "int (*)(struct sock *, int)"; an anonymous struct or
 * union used as a named member's type is spelled with its members
 * ("struct { int a; int b: 3; }"). Address-space annotations (__rcu) are not
 * in DWARF, so they are not in the strings.
 */
#ifndef KSPLICE_DWARF_LAYOUT_H
#define KSPLICE_DWARF_LAYOUT_H

#include "error.h"

#include <stddef.h>

struct ksp_layout_member {
	char *name;	      /* "dev"; members of anonymous members carry their own name */
	char *type;	      /* canonical type string, see above */
	unsigned long offset; /* bytes from the start of the type */
	unsigned bit_offset;  /* bit-fields: bits past offset (0-7, least significant first) */
	unsigned bit_size;    /* bit-fields: width; 0 for other members */
	unsigned long size;   /* bytes of the member's type; 0 if unknown (int x[]) */
};

struct ksp_layout {
	unsigned long size;		   /* total bytes */
	unsigned long align;		   /* DW_AT_alignment (an explicit __aligned), else 0 */
	struct ksp_layout_member *members; /* in declaration order */
	size_t count;
};

/* Reads the layout of type ("struct dst_entry", "union futex_key") from the
 * DWARF of the object at object_path: its first full definition (not a
 * declaration) at file scope of a compilation unit. Relocations of the
 * object's debug sections are applied. Returns 1 and out (free it with
 * ksp_layout_free), 0 if the object's DWARF does not define type, -1 on
 * error (unreadable object, no DWARF, out of memory) with err set. */
int ksp_dwarf_layout_load(const char *object_path, const char *type, struct ksp_layout *out,
			  struct ksp_error *err);

/* 0 if objects laid out as pre stay valid under post: same size and
 * alignment, every member of pre in post by name with the same offset, bit
 * offset, bit size, size and type string, and every member only post has
 * lies within bits that members of pre use (no padding, no new space; a
 * member of unknown or zero size only post has is refused). Else 1, with
 * the first reason in why ("member 'expires' moved from offset 24 to 32",
 * "size changed from 120 to 128"). Allocates nothing. */
int ksp_layout_compare(const struct ksp_layout *pre, const struct ksp_layout *post, char *why,
		       size_t why_len);

/* Frees what ksp_dwarf_layout_load stored in l and empties it. */
void ksp_layout_free(struct ksp_layout *l);

#endif
