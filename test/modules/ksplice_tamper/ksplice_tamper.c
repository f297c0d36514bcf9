// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: overwrites kernel text behind kmod-helper's back, as a buggy or
 * hostile party would. insmod ksplice_tamper.ko addr=HEX bytes=HEX writes
 * the bytes at addr with the kernel's text_poke (found through kallsyms).
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>

static unsigned long addr;
module_param(addr, ulong, 0444);
static char *bytes;
module_param(bytes, charp, 0444);

static unsigned long lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup_name)(const char *name);

	if (register_kprobe(&kp) < 0)
		return 0;
	lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);
	return lookup_name(name);
}

static int __init ksplice_tamper_init(void)
{
	void *(*text_poke)(void *addr, const void *opcode, size_t len);
	void (*text_poke_sync)(void);
	struct mutex *text_mutex;
	u8 buf[16];
	size_t len;

	if (!addr || !bytes || strlen(bytes) % 2 || strlen(bytes) > 2 * sizeof(buf))
		return -EINVAL;
	len = strlen(bytes) / 2;
	if (hex2bin(buf, bytes, len))
		return -EINVAL;
	text_poke = (void *)lookup("text_poke");
	text_poke_sync = (void *)lookup("text_poke_sync");
	text_mutex = (void *)lookup("text_mutex");
	if (!text_poke || !text_poke_sync || !text_mutex)
		return -ENOENT;
	mutex_lock(text_mutex);
	text_poke((void *)addr, buf, len);
	text_poke_sync();
	mutex_unlock(text_mutex);
	return 0;
}

static void __exit ksplice_tamper_exit(void)
{
}

module_init(ksplice_tamper_init);
module_exit(ksplice_tamper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test-only: overwrites kernel text");
