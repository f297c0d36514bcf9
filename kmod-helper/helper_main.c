// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-helper: the kernel side of ksplice.
 *
 * It owns /sys/kernel/ksplice/, where each update gets a directory of its
 * own. For now it only publishes its version; trampolines, the stack check
 * and undo arrive with the kmod-helper issue.
 */
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#define KSPLICE_HELPER_VERSION "0.1.0"

static struct kobject *ksplice_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", KSPLICE_HELPER_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

static struct attribute *helper_attrs[] = {
	&version_attr.attr,
	NULL,
};

static const struct attribute_group helper_group = {
	.attrs = helper_attrs,
};

static int __init ksplice_helper_init(void)
{
	int ret;

	ksplice_kobj = kobject_create_and_add("ksplice", kernel_kobj);
	if (!ksplice_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(ksplice_kobj, &helper_group);
	if (ret) {
		kobject_put(ksplice_kobj);
		return ret;
	}
	pr_info("ksplice: helper %s loaded\n", KSPLICE_HELPER_VERSION);
	return 0;
}

static void __exit ksplice_helper_exit(void)
{
	sysfs_remove_group(ksplice_kobj, &helper_group);
	kobject_put(ksplice_kobj);
	pr_info("ksplice: helper unloaded\n");
}

module_init(ksplice_helper_init);
module_exit(ksplice_helper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksplice helper: applies and reverses live kernel updates");
MODULE_VERSION(KSPLICE_HELPER_VERSION);
