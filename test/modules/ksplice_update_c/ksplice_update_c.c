// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made test update "testc": ksplice_target_value() returns 2, and
 * ksplice_target_other() is listed for the stack check only, as the cold
 * part of a replaced function would be. Planned by ksplice-test-plan after insmod.
 */
#include <linux/module.h>
#include "ksplice_update.h"

static int ksplice_target_value_c(void)
{
	return 2;
}

KSPLICE_PATCH_TABLE(patches) = {
	KSPLICE_PATCH(ksplice_target_value, ksplice_target_value_c),
	KSPLICE_CHECK_ONLY(ksplice_target_other),
};
KSPLICE_DEFINE_UPDATE("testc", "a check-only entry", patches);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test update C for kmod-helper: a check-only entry");
