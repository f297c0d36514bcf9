// SPDX-License-Identifier: GPL-2.0
/*
 * What the helper needs from the kernel but the kernel does not export.
 * kallsyms_lookup_name is itself unexported: a kprobe registered on it
 * reports its address, and it finds the rest.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include "helper.h"

struct ksplice_ksyms ksplice_ksyms;

static unsigned long find_kallsyms_lookup_name(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr;

	if (register_kprobe(&kp) < 0)
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

#define KSYM(field, name) { #name, (void **)&ksplice_ksyms.field }

static const struct {
	const char *name;
	void **slot;
} wanted[] = {
	KSYM(kallsyms_lookup_size_offset, kallsyms_lookup_size_offset),
	KSYM(core_kernel_text, core_kernel_text),
	KSYM(module_text_address, __module_text_address),
	KSYM(module_address, __module_address),
	KSYM(stop_machine_cpuslocked, stop_machine_cpuslocked),
	KSYM(text_poke_kgdb, text_poke_kgdb),
	KSYM(text_poke, text_poke),
	KSYM(text_mutex, text_mutex),
	KSYM(save_tsk_reliable, stack_trace_save_tsk_reliable),
	KSYM(idle_task, idle_task),
	KSYM(task_call_func, task_call_func),
	KSYM(ftrace_text_reserved, ftrace_text_reserved),
	KSYM(jump_label_text_reserved, jump_label_text_reserved),
	KSYM(static_call_text_reserved, static_call_text_reserved),
	KSYM(alternatives_text_reserved, alternatives_text_reserved),
	KSYM(jump_label_lock, jump_label_lock),
	KSYM(jump_label_unlock, jump_label_unlock),
	KSYM(put_task_stack, put_task_stack),
	KSYM(find_module_all, find_module_all),
	KSYM(task_work_cancel_match, task_work_cancel_match),
};

int ksplice_find_ksyms(void)
{
	unsigned long addr;
	int i;

	addr = find_kallsyms_lookup_name();
	if (!addr) {
		pr_err("ksplice: cannot find kallsyms_lookup_name through a kprobe\n");
		return -ENOENT;
	}
	ksplice_ksyms.kallsyms_lookup_name = (void *)addr;
	for (i = 0; i < ARRAY_SIZE(wanted); i++) {
		addr = ksplice_ksyms.kallsyms_lookup_name(wanted[i].name);
		if (!addr) {
			pr_err("ksplice: kernel symbol %s not found\n",
			       wanted[i].name);
			return -ENOENT;
		}
		*wanted[i].slot = (void *)addr;
	}
	return 0;
}
