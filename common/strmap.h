/*
 * A map from strings to pointers (open addressing, keys copied), for the
 * tables that are looked up by name: file states, macro definitions.
 */
#ifndef KSPLICE_STRMAP_H
#define KSPLICE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct ksp_strmap {
	char **keys;
	void **values;
	size_t n, cap; /* cap: a power of two, or 0 */
};

uint64_t ksp_strhash(const char *s, size_t len);
/* The value stored for key[0..len), or NULL. */
void *ksp_strmap_get(const struct ksp_strmap *m, const char *key, size_t len);
/* Stores value for key (replacing any); -1 out of memory. */
int ksp_strmap_put(struct ksp_strmap *m, const char *key, size_t len, void *value);
/* Frees the keys, and each value with free_value unless it is NULL. */
void ksp_strmap_free(struct ksp_strmap *m, void (*free_value)(void *));

#endif
