/*
 * What an update module says about itself before it is loaded: its name
 * (the modinfo "name=" modpost records, the name the kernel will give it)
 * and whether a signature is appended to it (the kernel's module signature
 * format ends the file with MODULE_SIG_STRING).
 */
#ifndef KSPLICE_MODULE_INFO_H
#define KSPLICE_MODULE_INFO_H

#include "error.h"

#include <stddef.h>

/* The module name of the .ko image at ko into name (size bytes); -1 with
 * err (KSP_E_BAD_FILE) when the image has none. */
int ksp_module_info_name(const void *ko, size_t len, char *name, size_t size,
			 struct ksp_error *err);

/* 1 when a module signature is appended to the image. */
int ksp_module_info_signed(const void *ko, size_t len);

#endif
