/* Loading and removing kernel modules: update modules and kmod-helper. */
#ifndef KSPLICE_MODULE_LOAD_H
#define KSPLICE_MODULE_LOAD_H

#include "error.h"

#include <stddef.h>

/* Loads a module image (init_module); -1 with err (KSP_E_LOAD, or why the
 * kernel's protection refused it: kernel_protection.h). */
int ksp_module_insert(const void *image, size_t len, const char *what, struct ksp_error *err);
/* Removes module name; -1 with errno set. */
int ksp_module_remove(const char *name);

/* Loads kmod-helper unless it is loaded: helper, or the default when NULL
 * (/lib/modules/RELEASE/extra/kmod-helper.ko). -1 with err (KSP_E_LOAD;
 * an unsigned helper on a kernel that loads only signed modules is refused
 * before it is tried). */
int ksp_helper_ensure(const char *helper, struct ksp_error *err);

#endif
