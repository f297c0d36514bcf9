/*
 * What an update module says about itself before it is loaded: its name
 * (the modinfo "name=" modpost records, the name the kernel will give it).
 * Its signature is module_signature.h's.
 */
#ifndef KSPLICE_MODULE_INFO_H
#define KSPLICE_MODULE_INFO_H

#include "error.h"

#include <stddef.h>

/* The module name of the .ko image at ko into name (size bytes); -1 with
 * err (KSP_E_BAD_FILE) when the image has none. */
int ksp_module_info_name(const void *ko, size_t len, char *name, size_t size,
			 struct ksp_error *err);

#endif
