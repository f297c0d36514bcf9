// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made test update "testa": ksplice_target_value() returns 2. Like the
 * original it sleeps delay_ms first, so that a thread can be caught inside
 * the new code. Its plan is written by ksplice-test-plan after insmod.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include "ksplice_update.h"

static unsigned int delay_ms;
module_param(delay_ms, uint, 0644);

static int ksplice_target_value_a(void)
{
	unsigned int ms = READ_ONCE(delay_ms);

	if (ms)
		msleep_interruptible(ms);
	return 2;
}

KSPLICE_PATCH_TABLE(patches) = {
	KSPLICE_PATCH(ksplice_target_value, ksplice_target_value_a),
};
/* Tab and newline: the helper shows the description on one line. */
KSPLICE_DEFINE_UPDATE("testa", "ksplice_target_value returns 2,\tthen\nsleeps",
		      patches);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test update A for kmod-helper: ksplice_target_value returns 2");
