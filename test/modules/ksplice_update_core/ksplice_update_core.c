// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made test update "testcore": replaces a function of the core kernel,
 * version_proc_show() (fs/proc/version.c), so that /proc/version says it
 * was patched. Its plan is written by ksplice-test-plan after insmod.
 */
#include <linux/module.h>
#include <linux/seq_file.h>
#include "ksplice_update.h"

static int version_proc_show_patched(struct seq_file *m, void *v)
{
	seq_puts(m, "patched by ksplice testcore\n");
	return 0;
}

KSPLICE_PATCH_TABLE(patches) = {
	KSPLICE_PATCH(version_proc_show, version_proc_show_patched),
};
KSPLICE_DEFINE_UPDATE("testcore", "a core kernel function", patches);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test update for kmod-helper: a core kernel function");
