// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made test update "testp": ksplice_target_value() returns
 * ksplice_target_other() + 10 (17), calling it through a reference the
 * helper completes (relocation key "ksplice_target_other"). Made for
 * ksplice_target not loaded at apply: the key is then a pkey, valued when
 * the module comes. Returns -1 while the reference is not written.
 */
#include <linux/compiler.h>
#include <linux/module.h>
#include "ksplice_update.h"

#define R_X86_64_64 1

/* Written by the helper (8 bytes, R_X86_64_64) when ksplice_target comes. */
static int (*other_fn)(void);

static int ksplice_target_value_p(void)
{
	typeof(other_fn) other = READ_ONCE(other_fn);

	return other ? other() + 10 : -1;
}

KSPLICE_PATCH_TABLE(patches) = {
	KSPLICE_PATCH(ksplice_target_value, ksplice_target_value_p),
};

KSPLICE_RELOC_TABLE(relocs) = {
	{
		.place = (unsigned long)&other_fn,
		.key = "ksplice_target_other",
		.type = R_X86_64_64,
	},
};

KSPLICE_DEFINE_UPDATE_RELOCS("testp", "ksplice_target_value returns ksplice_target_other() + 10",
			     patches, relocs, ARRAY_SIZE(relocs));

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test update P for kmod-helper: a reference valued when ksplice_target loads");
