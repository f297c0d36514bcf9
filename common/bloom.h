/*
 * A Bloom filter of byte strings: "certainly never added" or "maybe added".
 * The hashing is fixed (FNV-1a, then splitmix64), so filters written to disk
 * by one run or machine answer the same on another.
 */
#ifndef KSPLICE_BLOOM_H
#define KSPLICE_BLOOM_H

#include <stddef.h>
#include <stdint.h>

struct ksp_bloom {
	uint64_t *words;
	uint32_t nwords; /* a power of two */
};

/* Room for about expected items at ~12 bits each (at least 64 words), all
 * clear. -1 if out of memory. */
int ksp_bloom_init(struct ksp_bloom *b, size_t expected);
void ksp_bloom_add(struct ksp_bloom *b, const char *s, size_t n);
/* 0: s was certainly never added; 1: it may have been. */
int ksp_bloom_has(const struct ksp_bloom *b, const char *s, size_t n);
/* Adds everything b has to into; -1 (into unchanged) unless both have the
 * same nwords. */
int ksp_bloom_union(struct ksp_bloom *into, const struct ksp_bloom *b);
void ksp_bloom_free(struct ksp_bloom *b);

#endif
