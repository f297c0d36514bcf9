/* Growable arrays: the one realloc-and-double step they all share. */
#ifndef KSPLICE_ARRAY_H
#define KSPLICE_ARRAY_H

#include <stdlib.h>

/* Room for element n of an array v of *cap elements of size elem: returns v
 * if it has it, else v grown to twice *cap (first, if empty) with *cap
 * updated, or NULL if out of memory (v and *cap as they were). */
static inline void *ksp_array_room(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
	if (n < *cap)
		return v;
	size_t grown = *cap ? *cap * 2 : first;
	void *p = realloc(v, grown * elem);
	if (p)
		*cap = grown;
	return p;
}

#endif
