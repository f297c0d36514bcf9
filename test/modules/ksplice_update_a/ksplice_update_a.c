// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made test update "testa": ksplice_target_value() returns 2.
 * Its patch table is filled in by ksplice-test-plan before insmod.
 */
#include <linux/module.h>
#include "ksplice_update.h"

static int ksplice_target_value_a(void)
{
	return 2;
}

KSPLICE_PATCH_TABLE(patches) = {
	KSPLICE_PATCH(ksplice_target_value, ksplice_target_value_a),
};
KSPLICE_DEFINE_UPDATE("testa", patches);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test update a for kmod-helper: ksplice_target_value returns 2");
