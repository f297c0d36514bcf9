// SPDX-License-Identifier: GPL-2.0
/*
 * Moving sleepers out of replaced code: the kick and the park.
 *
 * A user thread asleep in a replaced function (ep_poll, do_wait, pipe_read,
 * ...) keeps the stack check from ever passing. The kernel's livepatch
 * sends such threads a fake signal; so does the kick here: task_work_add()
 * with TWA_SIGNAL sets TIF_NOTIFY_SIGNAL, which makes signal_pending() true
 * and wakes an interruptible sleep. The system call returns a restart code
 * (-ERESTARTSYS, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK) and, on the way
 * back to user mode, get_signal() runs the task work before it looks for a
 * signal: that work is the park. There the thread waits, its stack holding
 * only the exit path, until the helper has stopped the machine, checked
 * and patched (or given up). Then get_signal() finds no signal and
 * arch_do_signal_or_restart() restarts the call as if nothing had
 * happened: the same arguments, a nanosleep's restart block keeping its
 * end time, a wait4 still finding its child.
 *
 * Only threads in a system call of a known list are kicked (or in none:
 * a fault, an exception): calls whose interruption the kernel restarts, and
 * waits that return -EINTR when signal_pending() is true whatever the cause
 * (epoll_wait, a socket read with SO_RCVTIMEO), having done nothing. For
 * those the park turns the -EINTR into -ERESTARTNOHAND when no real signal
 * is pending, so the call is restarted with its arguments; a relative
 * timeout then starts again (the wait is longer, never shorter). A real
 * signal that comes meanwhile is delivered as it would have been in the
 * sleep: handle_signal() turns -ERESTARTNOHAND into -EINTR for a handler.
 * Any other call is left where it is and named: close(), for one, releases
 * the descriptor before it can return -EINTR, so restarting it could close
 * another.
 *
 * A park lasts at most park_max_ms; a fatal signal ends it at once. Every
 * kick is either run or cancelled before the parking is freed, so no work
 * of this module is left queued on a task.
 */
#include <linux/completion.h>
#include <linux/errno.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include <linux/ptrace.h>
#include <asm/syscall.h>
#include <asm/unistd.h>
#include "helper.h"

/* Interrupted, these return a restart code, or -EINTR having done nothing. */
static const int kickable_calls[] = {
	__NR_read, __NR_readv, __NR_pread64, __NR_preadv, __NR_preadv2,
	__NR_recvfrom, __NR_recvmsg, __NR_accept, __NR_accept4,
	__NR_epoll_wait, __NR_epoll_pwait, __NR_epoll_pwait2,
	__NR_wait4, __NR_waitid, __NR_futex, __NR_nanosleep,
	__NR_clock_nanosleep, __NR_select, __NR_pselect6, __NR_poll,
	__NR_ppoll, __NR_pause, __NR_rt_sigsuspend, __NR_msgrcv,
};

/* Of those, the ones whose -EINTR the park turns into a restart. */
static const int eintr_restarted[] = {
	__NR_read, __NR_readv, __NR_pread64, __NR_preadv, __NR_preadv2,
	__NR_recvfrom, __NR_recvmsg, __NR_accept, __NR_accept4,
	__NR_epoll_wait, __NR_epoll_pwait, __NR_epoll_pwait2,
};

static bool listed(const int *calls, size_t n, long nr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (calls[i] == nr)
			return true;
	return false;
}

bool ksplice_kick_default = true;
module_param_named(kick, ksplice_kick_default, bool, 0644);
MODULE_PARM_DESC(kick, "kick user threads out of busy code by default (default Y)");

static unsigned int park_max_ms = 5000;
module_param(park_max_ms, uint, 0644);
MODULE_PARM_DESC(park_max_ms, "longest a kicked thread is held, ms (default 5000)");

static unsigned int park_wait_ms = 500;
module_param(park_wait_ms, uint, 0644);
MODULE_PARM_DESC(park_wait_ms, "how long to wait for kicked threads to arrive, ms (default 500)");

struct ksplice_park {
	struct callback_head work;
	struct ksplice_parking *lot;
	struct task_struct *task;	/* referenced */
	struct completion done;		/* the work ran to its end */
	struct list_head node;
	bool cancelled;
};

struct ksplice_parking {
	struct list_head parks;
	unsigned int nr_kicked;
	atomic_t nr_arrived;
	bool released;
	wait_queue_head_t arrivals;
	wait_queue_head_t release;
	u64 first_kick_ns;
};

struct ksplice_parking *ksplice_parking_new(void)
{
	struct ksplice_parking *lot = kzalloc(sizeof(*lot), GFP_KERNEL);

	if (!lot)
		return NULL;
	INIT_LIST_HEAD(&lot->parks);
	init_waitqueue_head(&lot->arrivals);
	init_waitqueue_head(&lot->release);
	return lot;
}

/* A wait the kick alone made fail with EINTR is restarted instead. */
static void restart_if_kicked_only(struct pt_regs *regs)
{
	long nr = syscall_get_nr(current, regs);

	if (task_sigpending(current) ||
	    !listed(eintr_restarted, ARRAY_SIZE(eintr_restarted), nr))
		return;
	if (syscall_get_error(current, regs) == -EINTR)
		syscall_set_return_value(current, regs, -ERESTARTNOHAND, 0);
}

static void park(struct callback_head *work)
{
	struct ksplice_park *p = container_of(work, struct ksplice_park, work);
	struct ksplice_parking *lot = p->lot;

	atomic_inc(&lot->nr_arrived);
	wake_up(&lot->arrivals);
	wait_event_killable_timeout(lot->release, READ_ONCE(lot->released),
				    msecs_to_jiffies(park_max_ms));
	restart_if_kicked_only(current_pt_regs());
	complete(&p->done);	/* the last touch: the parking may go now */
}

/*
 * Whether t may be kicked; *nr gets the system call it is in (-1: none).
 * Called with t pinned asleep (task_call_func) or for a thread just found
 * so: its saved registers are stable.
 */
enum ksplice_kick ksplice_kick_verdict(struct task_struct *t, long *nr)
{
	struct pt_regs *regs;

	*nr = -1;
	if (t->flags & (PF_KTHREAD | PF_IO_WORKER | PF_EXITING))
		return KSPLICE_KICK_NEVER;
	regs = task_pt_regs(t);
	if (!user_64bit_mode(regs))
		return KSPLICE_KICK_NOT_THIS_CALL;	/* a 32-bit call table */
	*nr = syscall_get_nr(t, regs);
	if (*nr == -1 ||
	    listed(kickable_calls, ARRAY_SIZE(kickable_calls), *nr))
		return KSPLICE_KICK_YES;
	return KSPLICE_KICK_NOT_THIS_CALL;
}

static bool kicked_already(const struct ksplice_parking *lot,
			   const struct task_struct *t)
{
	const struct ksplice_park *p;

	list_for_each_entry(p, &lot->parks, node)
		if (p->task == t)
			return true;
	return false;
}

/*
 * Kicks t (a KSPLICE_KICK_YES thread) towards the park; false if it cannot
 * be (exited meanwhile, no memory).
 */
bool ksplice_parking_kick(struct ksplice_parking *lot, struct task_struct *t)
{
	struct ksplice_park *p;

	if (kicked_already(lot, t))
		return true;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return false;
	p->lot = lot;
	p->task = t;
	init_completion(&p->done);
	init_task_work(&p->work, park);
	get_task_struct(t);
	if (!lot->nr_kicked)
		lot->first_kick_ns = ktime_get_ns();
	if (task_work_add(t, &p->work, TWA_SIGNAL)) {
		put_task_struct(t);
		kfree(p);
		return false;
	}
	list_add_tail(&p->node, &lot->parks);
	lot->nr_kicked++;
	return true;
}

bool ksplice_parking_has(const struct ksplice_parking *lot, pid_t pid)
{
	const struct ksplice_park *p;

	list_for_each_entry(p, &lot->parks, node)
		if (p->task->pid == pid)
			return true;
	return false;
}

unsigned int ksplice_parking_kicked(const struct ksplice_parking *lot)
{
	return lot->nr_kicked;
}

/* Waits until every kicked thread is parked, or park_wait_ms has passed. */
void ksplice_parking_wait(struct ksplice_parking *lot)
{
	wait_event_timeout(lot->arrivals,
			   atomic_read(&lot->nr_arrived) >= lot->nr_kicked,
			   msecs_to_jiffies(park_wait_ms));
}

static bool same_work(struct callback_head *cb, void *data)
{
	return cb == data;
}

/*
 * Lets every parked thread go and frees the parking; returns how long the
 * first kicked thread was kept from its call. A kick not yet run is taken
 * back; one running is waited for (it returns at once: released is set).
 */
u64 ksplice_parking_release(struct ksplice_parking *lot)
{
	struct ksplice_park *p, *next;
	u64 held = 0;

	if (!lot)
		return 0;
	WRITE_ONCE(lot->released, true);
	wake_up_all(&lot->release);
	if (lot->nr_kicked)
		held = ktime_get_ns() - lot->first_kick_ns;
	list_for_each_entry(p, &lot->parks, node)
		p->cancelled = ksplice_ksyms.task_work_cancel_match(p->task,
					same_work, &p->work) != NULL;
	list_for_each_entry_safe(p, next, &lot->parks, node) {
		if (!p->cancelled)
			wait_for_completion(&p->done);
		put_task_struct(p->task);
		kfree(p);
	}
	kfree(lot);
	return held;
}
