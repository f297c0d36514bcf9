#include "strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t ksp_strhash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static size_t slot_of(const struct ksp_strmap *m, const char *key, size_t len)
{
	size_t mask = m->cap - 1, i = (size_t)ksp_strhash(key, len) & mask;
	while (m->keys[i] && (strncmp(m->keys[i], key, len) || m->keys[i][len]))
		i = (i + 1) & mask;
	return i;
}

void *ksp_strmap_get(const struct ksp_strmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return NULL;
	size_t i = slot_of(m, key, len);
	return m->keys[i] ? m->values[i] : NULL;
}

static int grow(struct ksp_strmap *m)
{
	struct ksp_strmap bigger = {0};
	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.values = calloc(bigger.cap, sizeof(*bigger.values));
	if (!bigger.keys || !bigger.values) {
		free(bigger.keys);
		free(bigger.values);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t k = slot_of(&bigger, m->keys[i], strlen(m->keys[i]));
			bigger.keys[k] = m->keys[i];
			bigger.values[k] = m->values[i];
		}
	bigger.n = m->n;
	free(m->keys);
	free(m->values);
	*m = bigger;
	return 0;
}

int ksp_strmap_put(struct ksp_strmap *m, const char *key, size_t len, void *value)
{
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -1;
	size_t i = slot_of(m, key, len);
	if (!m->keys[i]) {
		if (!(m->keys[i] = strndup(key, len)))
			return -1;
		m->n++;
	}
	m->values[i] = value;
	return 0;
}

void ksp_strmap_free(struct ksp_strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		free(m->keys[i]);
		if (free_value && m->values[i])
			free_value(m->values[i]);
	}
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}
