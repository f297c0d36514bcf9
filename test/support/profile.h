/*
 * Kernel profiles (profiles/NAME.profile): everything specific to one target
 * kernel, as KEY=VALUE lines. scripts/testbed reads the same files.
 */
#ifndef KSPLICE_PROFILE_H
#define KSPLICE_PROFILE_H

#include "error.h"

#include <stddef.h>

#define KSP_PROFILE_MAX_ENTRIES 64

struct ksp_profile_entry {
	char *key;
	char *value;
};

struct ksp_profile {
	struct ksp_profile_entry entries[KSP_PROFILE_MAX_ENTRIES];
	size_t count;
};

/* Parses a profile file. On error returns -1 with err naming file and line;
 * p is then left empty. */
int ksp_profile_load(const char *path, struct ksp_profile *p, struct ksp_error *err);

/* Parses profile text; origin names it in error messages. */
int ksp_profile_parse(const char *text, const char *origin, struct ksp_profile *p,
		      struct ksp_error *err);

/* The value of key, or NULL. */
const char *ksp_profile_get(const struct ksp_profile *p, const char *key);

/* The make variables (CC=..., KERNELRELEASE=..., KBUILD_BUILD_*=...) that make
 * the tree compile objects identical to the shipped kernel, space-separated,
 * into buf. Returns -1 if buf is too small. */
int ksp_profile_make_vars(const struct ksp_profile *p, char *buf, size_t len);

void ksp_profile_free(struct ksp_profile *p);

#endif
