/*
 * Reading a relocatable object's DWARF at the level of its entries (DIEs):
 * what the layout check (dwarf_layout.c) and the exported-interface check
 * (dwarf_interface.c) share. Includes libdw; only those two include this.
 */
#ifndef KSPLICE_DWARF_DIE_H
#define KSPLICE_DWARF_DIE_H

#include "dwarf_layout.h"
#include "error.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

struct ksp_dwarf {
	Dwfl *dwfl;
	Dwarf *dw; /* owned by dwfl */
	int big_endian;
	const char *path; /* not copied */
};

/* Opens the object at path (relocations of its debug sections applied, no
 * separate debug info looked for): 0, or -1 with err set (unreadable, no
 * DWARF). */
int ksp_dwarf_open(const char *path, struct ksp_dwarf *d, struct ksp_error *err);
void ksp_dwarf_close(struct ksp_dwarf *d);

/* The type DIE that die's DW_AT_type names, into out: 1, or 0 (void). */
int ksp_dwarf_type_of(Dwarf_Die *die, Dwarf_Die *out);

/* Whether die is only a declaration (DW_AT_declaration): an incomplete
 * struct, an extern. */
int ksp_dwarf_is_declaration(Dwarf_Die *die);

/* The C spelling of type t (NULL: void), as layouts spell member types;
 * of function f (a subprogram or subroutine type) as its type:
 * "int (struct sock *, int)". Allocated; NULL if out of memory. */
char *ksp_dwarf_spell(Dwarf_Die *t);
char *ksp_dwarf_spell_function(Dwarf_Die *f);

/* The layout of struct or union t of d's object: 0, or -1 with err set. */
int ksp_dwarf_layout_of(const struct ksp_dwarf *d, Dwarf_Die *t, struct ksp_layout *out,
			struct ksp_error *err);

#endif
