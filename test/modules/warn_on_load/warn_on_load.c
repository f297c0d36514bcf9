// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: logs a WARNING when loaded, so the test-bed can show that
 * a guest run fails on any kernel warning. Never load it outside the guest.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warn_on_load_init(void)
{
	WARN(1, "ksplice test: deliberate warning from warn_on_load\n");
	return 0;
}

static void __exit warn_on_load_exit(void)
{
}

module_init(warn_on_load_init);
module_exit(warn_on_load_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksplice test-bed: deliberately WARNs on load");
