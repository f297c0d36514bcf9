// SPDX-License-Identifier: GPL-2.0
/*
 * Bench-only module for bench/helper_pause.sh: reference pauses to compare
 * kmod-helper's pause_ns with, measured the way the helper measures it (the
 * duration of the stop_machine call, callback on every online CPU).
 *
 * /proc/ksplice_bench: write "sleepers N" to keep N extra kernel threads
 * asleep; write "empty K" or "unwind K" to run K empty stop_machines, or K
 * that walk every task's stack with the reliable unwinder (Ksplice's way:
 * everything inside the stopped window); read the medians in ns.
 */
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stop_machine.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#define MAX_RUNS 200
#define TRACE_DEPTH 64

static int (*save_tsk_reliable)(struct task_struct *tsk, unsigned long *store,
				unsigned int size);
static struct task_struct *(*idle_task_of)(int cpu);

static struct task_struct **sleepers;
static unsigned int nr_sleepers;
static DEFINE_MUTEX(bench_lock);
static u64 empty_ns, unwind_ns, unwind_inside_ns;
static unsigned int unwind_tasks;

static unsigned long lookup(const char *name)
{
	static unsigned long (*lookup_name)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup_name) {
		if (register_kprobe(&kp) < 0)
			return 0;
		lookup_name = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup_name(name);
}

static int sleeper(void *unused)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int set_sleepers(unsigned int n)
{
	struct task_struct *t;

	while (nr_sleepers > n)
		kthread_stop(sleepers[--nr_sleepers]);
	while (nr_sleepers < n) {
		t = kthread_run(sleeper, NULL, "ksplice_sleeper/%u", nr_sleepers);
		if (IS_ERR(t))
			return PTR_ERR(t);
		sleepers[nr_sleepers++] = t;
	}
	return 0;
}

struct walk {
	atomic_t arrived;
	int done;
	bool unwind;
	unsigned int tasks;
	u64 inside_ns;
	unsigned long trace[TRACE_DEPTH];
};

static void walk_all(struct walk *w)
{
	struct task_struct *g, *t;
	u64 start = ktime_get_ns();
	int cpu;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (READ_ONCE(t->on_cpu))
			continue;
		save_tsk_reliable(t, w->trace, TRACE_DEPTH);
		w->tasks++;
	}
	for_each_online_cpu(cpu) {
		save_tsk_reliable(idle_task_of(cpu), w->trace, TRACE_DEPTH);
		w->tasks++;
	}
	rcu_read_unlock();
	w->inside_ns = ktime_get_ns() - start;
}

static int stopped(void *data)
{
	struct walk *w = data;

	if (atomic_inc_return(&w->arrived) == 1) {
		if (w->unwind)
			walk_all(w);
		/* Pairs with the acquire below. */
		smp_store_release(&w->done, 1);
	} else {
		/* Pairs with the release above. */
		while (!smp_load_acquire(&w->done))
			cpu_relax();
	}
	sync_core();
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return v[n / 2];
}

static int measure(bool unwind, unsigned int runs)
{
	u64 *total, *inside;
	struct walk *w;
	unsigned int i;
	u64 start;

	total = kcalloc(runs, sizeof(*total), GFP_KERNEL);
	inside = kcalloc(runs, sizeof(*inside), GFP_KERNEL);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!total || !inside || !w) {
		kfree(total);
		kfree(inside);
		kfree(w);
		return -ENOMEM;
	}
	for (i = 0; i < runs; i++) {
		memset(w, 0, sizeof(*w));
		w->unwind = unwind;
		start = ktime_get_ns();
		stop_machine(stopped, w, cpu_online_mask);
		total[i] = ktime_get_ns() - start;
		inside[i] = w->inside_ns;
	}
	if (unwind) {
		unwind_ns = median(total, runs);
		unwind_inside_ns = median(inside, runs);
		unwind_tasks = w->tasks;
	} else {
		empty_ns = median(total, runs);
	}
	kfree(total);
	kfree(inside);
	kfree(w);
	return 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[32], what[16];
	unsigned int n;
	int ret;

	if (count >= sizeof(buf) || copy_from_user(buf, ubuf, count))
		return -EINVAL;
	buf[count] = '\0';
	if (sscanf(buf, "%15s %u", what, &n) != 2)
		return -EINVAL;
	mutex_lock(&bench_lock);
	if (!strcmp(what, "sleepers") && n <= 4096)
		ret = set_sleepers(n);
	else if (!strcmp(what, "empty") && n && n <= MAX_RUNS)
		ret = measure(false, n);
	else if (!strcmp(what, "unwind") && n && n <= MAX_RUNS)
		ret = measure(true, n);
	else
		ret = -EINVAL;
	mutex_unlock(&bench_lock);
	return ret ? ret : count;
}

static int bench_show(struct seq_file *m, void *v)
{
	mutex_lock(&bench_lock);
	seq_printf(m, "sleepers %u empty_ns %llu unwind_ns %llu unwind_inside_ns %llu unwind_tasks %u\n",
		   nr_sleepers, empty_ns, unwind_ns, unwind_inside_ns,
		   unwind_tasks);
	mutex_unlock(&bench_lock);
	return 0;
}

static int bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, bench_show, NULL);
}

static const struct proc_ops bench_ops = {
	.proc_open = bench_open,
	.proc_read = seq_read,
	.proc_write = bench_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init ksplice_bench_init(void)
{
	save_tsk_reliable = (void *)lookup("stack_trace_save_tsk_reliable");
	idle_task_of = (void *)lookup("idle_task");
	if (!save_tsk_reliable || !idle_task_of)
		return -ENOENT;
	sleepers = vzalloc(4096 * sizeof(*sleepers));
	if (!sleepers)
		return -ENOMEM;
	if (!proc_create("ksplice_bench", 0600, NULL, &bench_ops)) {
		vfree(sleepers);
		return -ENOMEM;
	}
	return 0;
}

static void __exit ksplice_bench_exit(void)
{
	remove_proc_entry("ksplice_bench", NULL);
	set_sleepers(0);
	vfree(sleepers);
}

module_init(ksplice_bench_init);
module_exit(ksplice_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("reference pauses for kmod-helper's benchmark");
