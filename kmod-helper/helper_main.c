// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-helper: the kernel side of ksplice.
 *
 * Update modules register their patch tables (ksplice_update.h); each
 * update gets /sys/kernel/ksplice/<id>/, where writing its stage applies or
 * undoes it under stop_machine, after the stack check.
 */
#include <linux/init.h>
#include <linux/module.h>
#include "helper.h"

static int __init ksplice_helper_init(void)
{
	int ret = ksplice_find_ksyms();

	if (ret)
		return ret;
	ret = ksplice_sched_notes_init();
	if (ret)
		return ret;
	ret = ksplice_sysfs_init();
	if (ret) {
		ksplice_sched_notes_exit();
		return ret;
	}
	ret = ksplice_force_unload_init();
	if (ret) {
		ksplice_sysfs_exit();
		ksplice_sched_notes_exit();
		return ret;
	}
	pr_info("ksplice: helper %s loaded\n", KSPLICE_HELPER_VERSION);
	return 0;
}

static void __exit ksplice_helper_exit(void)
{
	/* Update modules use our symbols: none can be loaded now. */
	ksplice_force_unload_exit();
	ksplice_sysfs_exit();
	ksplice_sched_notes_exit();
	pr_info("ksplice: helper unloaded\n");
}

module_init(ksplice_helper_init);
module_exit(ksplice_helper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksplice helper: applies and reverses live kernel updates");
MODULE_VERSION(KSPLICE_HELPER_VERSION);
