/* A growable list of owned strings: the names screening, the header change
 * analysis and the index build collect. */
#ifndef KSPLICE_STRLIST_H
#define KSPLICE_STRLIST_H

#include "array.h"

#include <string.h>

struct ksp_strlist {
	char **v;
	size_t n, cap;
};

/* Appends a copy of s[0..len); -1 if out of memory (the list as it was). */
static inline int ksp_strlist_push(struct ksp_strlist *l, const char *s, size_t len)
{
	char **v = ksp_array_room(l->v, &l->cap, l->n, sizeof(*v), 16);
	if (!v)
		return -1;
	l->v = v;
	if (!(l->v[l->n] = strndup(s, len)))
		return -1;
	l->n++;
	return 0;
}

/* Whether s[0..len) is in the list (a linear search: for short lists). */
static inline int ksp_strlist_has(const struct ksp_strlist *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && !memcmp(l->v[i], s, len))
			return 1;
	return 0;
}

static inline void ksp_strlist_free(struct ksp_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

#endif
