#include "bloom.h"

#include <stdlib.h>
#include <string.h>

enum { BLOOM_PROBES = 7, BLOOM_BITS_PER_ITEM = 12, BLOOM_MIN_WORDS = 64 };

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

int ksp_bloom_init(struct ksp_bloom *b, size_t expected)
{
	b->words = NULL;
	b->nwords = 0;
	if (expected > ((size_t)1 << 31))
		return -1;
	size_t want = (expected * BLOOM_BITS_PER_ITEM + 63) / 64, n = BLOOM_MIN_WORDS;
	while (n < want)
		n *= 2;
	b->words = calloc(n, sizeof(*b->words));
	b->nwords = b->words ? (uint32_t)n : 0;
	return b->words ? 0 : -1;
}

/* Double hashing: probe i is h1 + i * h2, h2 odd so the probes differ. */
static void probes(const struct ksp_bloom *b, const char *s, size_t n, uint64_t *bit)
{
	uint64_t h = fnv1a(s, n), h1 = splitmix64(h), h2 = splitmix64(h1 ^ h) | 1;
	uint64_t mask = (uint64_t)b->nwords * 64 - 1;
	for (int i = 0; i < BLOOM_PROBES; i++)
		bit[i] = (h1 + (uint64_t)i * h2) & mask;
}

void ksp_bloom_add(struct ksp_bloom *b, const char *s, size_t n)
{
	uint64_t bit[BLOOM_PROBES];
	probes(b, s, n, bit);
	for (int i = 0; i < BLOOM_PROBES; i++)
		b->words[bit[i] >> 6] |= 1ULL << (bit[i] & 63);
}

int ksp_bloom_has(const struct ksp_bloom *b, const char *s, size_t n)
{
	uint64_t bit[BLOOM_PROBES];
	probes(b, s, n, bit);
	for (int i = 0; i < BLOOM_PROBES; i++)
		if (!(b->words[bit[i] >> 6] & (1ULL << (bit[i] & 63))))
			return 0;
	return 1;
}

int ksp_bloom_union(struct ksp_bloom *into, const struct ksp_bloom *b)
{
	if (into->nwords != b->nwords)
		return -1;
	for (uint32_t i = 0; i < b->nwords; i++)
		into->words[i] |= b->words[i];
	return 0;
}

void ksp_bloom_free(struct ksp_bloom *b)
{
	free(b->words);
	b->words = NULL;
	b->nwords = 0;
}
