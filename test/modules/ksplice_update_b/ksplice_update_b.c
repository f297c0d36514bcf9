// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made test update "testb": ksplice_target_value() returns 3.
 * Its plan is written by ksplice-test-plan after insmod.
 */
#include <linux/module.h>
#include "ksplice_update.h"

static int ksplice_target_value_b(void)
{
	return 3;
}

KSPLICE_PATCH_TABLE(patches) = {
	KSPLICE_PATCH(ksplice_target_value, ksplice_target_value_b),
};
/* 300 characters: the helper keeps KSPLICE_DESCRIPTION_MAX (255) of them. */
static const char description[] = "012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";
KSPLICE_DEFINE_UPDATE("testb", description, patches);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test update b for kmod-helper: ksplice_target_value returns 3");
