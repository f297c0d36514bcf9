// SPDX-License-Identifier: GPL-2.0
/*
 * A test-only target for kmod-helper tests: ksplice_target_value() returns
 * 1; the test updates replace it by versions returning 2 (update A) and 3
 * (update B).
 *
 * /proc/ksplice_target         reading calls ksplice_target_value()
 * /proc/ksplice_target_other   reading calls ksplice_target_other() (7)
 * parameter delay_ms           ksplice_target_value() sleeps that long first
 * parameter spin               ... and spins that many loops (stress tests)
 * parameter fail_init          init fails (after the COMING notifiers: tests
 *                              of pending parts reversed at GOING)
 * /proc/ksplice_target_hammer  write N: N threads (CPU 1, 0, 1, ...)
 *                              call it in a loop; write 0: stop them;
 *                              read: "calls C old O new N other X"
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#define MAX_HAMMERS 16

static unsigned int delay_ms;
module_param(delay_ms, uint, 0644);
static unsigned int spin;
module_param(spin, uint, 0644);
static bool fail_init;
module_param(fail_init, bool, 0444);

/* noipa: callers must use what the (possibly replaced) code returns. */
__attribute__((__noipa__)) int ksplice_target_value(void)
{
	unsigned int ms = READ_ONCE(delay_ms), i;

	if (ms)
		msleep_interruptible(ms);
	for (i = READ_ONCE(spin); i; i--)
		barrier();
	return 1;
}

/* Stands for code of a replaced function under another symbol (foo.cold). */
__attribute__((__noipa__)) int ksplice_target_other(void)
{
	unsigned int ms = READ_ONCE(delay_ms);

	if (ms)
		msleep_interruptible(ms);
	return 7;
}

static int other_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", ksplice_target_other());
	return 0;
}

static int value_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", ksplice_target_value());
	return 0;
}

static atomic_long_t calls, old_results, new_results, other_results;
static struct task_struct *hammers[MAX_HAMMERS];
static unsigned int nr_hammers;
static DEFINE_MUTEX(hammer_lock);

/*
 * Sleeps a tick every HAMMER_NAP calls: undo releases the helper's ftrace
 * claim, which waits for every task to switch voluntarily (RCU tasks); a
 * kernel thread that never sleeps would hold that off for ever.
 */
#define HAMMER_NAP 256

static int hammer(void *unused)
{
	unsigned long n = 0;

	while (!kthread_should_stop()) {
		int v = ksplice_target_value();

		if (++n % HAMMER_NAP == 0)
			schedule_timeout_interruptible(1);

		atomic_long_inc(&calls);
		if (v == 1)
			atomic_long_inc(&old_results);
		else if (v == 2)
			atomic_long_inc(&new_results);
		else
			atomic_long_inc(&other_results);
		cond_resched();
	}
	return 0;
}

static void stop_hammers(void)
{
	while (nr_hammers)
		kthread_stop(hammers[--nr_hammers]);
}

static int start_hammers(unsigned int n)
{
	struct task_struct *t;

	while (nr_hammers < n) {
		t = kthread_create(hammer, NULL, "ksp_hammer/%u", nr_hammers);
		if (IS_ERR(t))
			return PTR_ERR(t);
		kthread_bind(t, (nr_hammers + 1) % num_online_cpus());
		hammers[nr_hammers++] = t;
		wake_up_process(t);
	}
	return 0;
}

static ssize_t hammer_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	unsigned int n;
	int ret = kstrtouint_from_user(ubuf, count, 10, &n);

	if (ret)
		return ret;
	if (n > MAX_HAMMERS)
		return -EINVAL;
	mutex_lock(&hammer_lock);
	stop_hammers();
	ret = start_hammers(n);
	mutex_unlock(&hammer_lock);
	return ret ? ret : count;
}

static int hammer_show(struct seq_file *m, void *v)
{
	seq_printf(m, "calls %ld old %ld new %ld other %ld\n",
		   atomic_long_read(&calls), atomic_long_read(&old_results),
		   atomic_long_read(&new_results),
		   atomic_long_read(&other_results));
	return 0;
}

static int hammer_open(struct inode *inode, struct file *file)
{
	return single_open(file, hammer_show, NULL);
}

static const struct proc_ops hammer_ops = {
	.proc_open = hammer_open,
	.proc_read = seq_read,
	.proc_write = hammer_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init ksplice_target_init(void)
{
	if (fail_init)
		return -EINVAL;
	if (!proc_create_single("ksplice_target", 0444, NULL, value_show))
		return -ENOMEM;
	if (!proc_create_single("ksplice_target_other", 0444, NULL, other_show))
		goto no_other;
	if (!proc_create("ksplice_target_hammer", 0644, NULL, &hammer_ops))
		goto no_hammer;
	return 0;
no_hammer:
	remove_proc_entry("ksplice_target_other", NULL);
no_other:
	remove_proc_entry("ksplice_target", NULL);
	return -ENOMEM;
}

static void __exit ksplice_target_exit(void)
{
	mutex_lock(&hammer_lock);
	stop_hammers();
	mutex_unlock(&hammer_lock);
	remove_proc_entry("ksplice_target_hammer", NULL);
	remove_proc_entry("ksplice_target_other", NULL);
	remove_proc_entry("ksplice_target", NULL);
}

module_init(ksplice_target_init);
module_exit(ksplice_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test-only target for kmod-helper");
