/*
 * The interface an exported symbol offers modules, from the compiled
 * objects' DWARF: whether the patch changed it.
 *
 * Modversions' CRC (genksyms) hashes the symbol's declaration with every
 * type definition genksyms can see expanded, so it also changes when the
 * patch only makes more definitions visible (an added #include turns
 * "struct foo;" into the whole struct) or renames a parameter. Here the
 * interface is what the compiler laid out: the function's return and
 * parameter types (or the variable's type) as C spells them, and, for every
 * struct, union, enum and typedef reachable from them, its definition where
 * both objects have one: layouts as the layout check compares them
 * (dwarf_layout.h: members may only gain aliases), enumerators by value,
 * typedefs by what they name. A type only one side defines (declared only
 * on the other) is the same type: the patch's own type changes are judged
 * by the layout check.
 */
#ifndef KSPLICE_DWARF_INTERFACE_H
#define KSPLICE_DWARF_INTERFACE_H

#include "error.h"

#include <stddef.h>

/* 0 if exported symbol (a function or variable defined in both objects)
 * offers modules the same interface in the post object as in the pre, 1 if
 * not, with the first difference in why ("parameter 2 changed from 'int' to
 * 'long int'", "struct sock_fprog: member 'len' moved from offset 0 to 8"),
 * -1 with err set if it cannot tell (an object unreadable or without
 * DWARF, the symbol not described in one). */
int ksp_dwarf_interface_compare(const char *pre_object, const char *post_object, const char *symbol,
				char *why, size_t why_len, struct ksp_error *err);

#endif
