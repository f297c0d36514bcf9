/*
 * The tree's configuration (its .config), to tell which branches of a
 * source file's #if directives this kernel compiles. Only the simple forms
 * kernel headers use are decided: #ifdef/#ifndef CONFIG_X and #if [!]
 * defined(CONFIG_X), IS_ENABLED(), IS_BUILTIN(), IS_MODULE() or a bare
 * CONFIG_X. Anything else is unknown, and an unknown branch counts as
 * compiled.
 */
#ifndef KSPLICE_KCONFIG_H
#define KSPLICE_KCONFIG_H

#include "error.h"

#include <stddef.h>

struct ksp_kconfig {
	char **lines; /* "CONFIG_X=value", sorted */
	size_t n;
};

/* Reads TREE/.config. */
int ksp_kconfig_load(const char *tree, struct ksp_kconfig *k, struct ksp_error *err);
void ksp_kconfig_free(struct ksp_kconfig *k);

/* The value of an #if, #ifdef or #ifndef line's condition (text after the
 * '#', len bytes): 1 true, 0 false, -1 not decided. k may be NULL. */
int ksp_kconfig_condition(const struct ksp_kconfig *k, const char *directive, size_t len);

#endif
