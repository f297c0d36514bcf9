/*
 * Which names of an object's preprocessed source can reach its code.
 *
 * A file-scope item that is not inert (pp_screen.h) emits code or data, so
 * every name it mentions matters. An inert item (a prototype, a static
 * inline function, an enum, an extern declaration, a struct or union
 * definition) only matters once a name it declares does; then the names it
 * mentions matter too (a struct's member types and member names), and all
 * the names it declares (an enum's tag and constants, a struct's tag and
 * nested tags). A name that only unused inline functions, unused prototypes
 * or unused struct definitions mention does not matter: changing
 * or removing its declaration cannot alter the object's code. This is
 * pp_screen.c's find_use() seen from the other end, so that the header
 * index rules out exactly the objects screening would find unaltered.
 */
#ifndef KSPLICE_PP_REACH_H
#define KSPLICE_PP_REACH_H

#include "pp_items.h"

#include <stddef.h>
#include <stdint.h>

/* tok_name[k]: the index (below nnames) of token k's name, for every
 * T_IDENT token of p. ref[nnames]: on entry, names that matter already
 * (those a #pragma line names); on return, every name that matters.
 * live[p->items.n], unless NULL: on return, 1 for every item that matters
 * (#pragma lines are not items that matter: their names come in ref). 0,
 * or -1 if out of memory. */
int ksp_pp_reach(const struct pp_parsed *p, const uint32_t *tok_name, size_t nnames,
		 unsigned char *ref, unsigned char *live);

#endif
