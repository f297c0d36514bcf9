// SPDX-License-Identifier: GPL-2.0
/*
 * The stack check: no thread may be executing, or be about to return into,
 * code that an action replaces (or, on undo, code about to be freed).
 *
 * Each thread's stack is walked with the kernel's reliable unwinder; where
 * that reports the trace unreliable, every word from the saved stack pointer
 * to the top of the stack is treated as a possible return address.
 *
 * Walking costs microseconds per thread, so every thread is walked BEFORE
 * the machine stops, recording its context-switch count; inside
 * stop_machine only threads that ran since then (their count changed), were
 * running at the time, or are new are walked again. A thread that has not
 * been switched in since has the same stack.
 *
 * Even comparing counts costs about a microsecond per thread under TCG, so
 * the window does not visit every thread either: only those noted by the
 * scheduler probes (sched_notes.c) as switched out or created since the
 * pre-check began, those that were running during it, and the idle tasks.
 * If more threads were noted than fit, every thread is visited instead.
 */
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include "helper.h"

#define TRACE_DEPTH 64
#define RECORD_SLACK 64

/* For tests: skip the unwinder and scan every stack conservatively. */
static bool conservative_only;
module_param(conservative_only, bool, 0644);
MODULE_PARM_DESC(conservative_only, "scan stacks word by word only (tests)");

struct task_record {
	struct task_struct *task;
	u64 start_time;
	unsigned long switches;
	bool clean;
	bool reported;		/* in the conflicts of this re-check */
};

struct ksplice_stack_check {
	struct ksplice_state *state;
	struct ksplice_range *ranges;
	unsigned int nr_ranges;
	/* Pre-check results: open addressing on the task pointer. */
	struct task_record *records;
	unsigned int nr_records, max_records, hash_bits;
	/* Threads running during the pre-check. */
	pid_t *unchecked;
	unsigned int nr_unchecked;
	/* User threads the pre-check found busy (referenced): to kick. */
	struct task_struct **busy;
	unsigned int nr_busy;
	/* Threads switched out or created since the pre-check began. */
	struct ksplice_notes notes;
	unsigned long trace[TRACE_DEPTH];
};

/*
 * Busy code. An old function is busy after its jump site only: a thread at
 * the site, or before it in the fentry call, will take the jump as if it had
 * just been called. New code, and code listed for the check only, is busy
 * as a whole: the module may be freed.
 */
struct ksplice_stack_check *ksplice_stack_check_new(struct ksplice_state *s,
						    bool undo)
{
	struct ksplice_stack_check *check;
	unsigned int i, n = 0;

	check = kvzalloc(sizeof(*check), GFP_KERNEL);
	if (!check)
		return NULL;
	check->ranges = kcalloc(2 * s->nr_patches, sizeof(*check->ranges),
				GFP_KERNEL);
	if (!check->ranges) {
		kvfree(check);
		return NULL;
	}
	for (i = 0; i < s->nr_patches; i++) {
		const struct ksplice_site *site = &s->sites[i];

		if (!ksplice_acting(s, i))
			continue;
		check->ranges[n].lo = ksplice_check_only(s, i) ? site->func :
			site->site + 1;
		check->ranges[n++].hi = site->func + s->plan[i].old_size;
		if (!undo || ksplice_check_only(s, i))
			continue;
		check->ranges[n].lo = s->plan[i].new_addr;
		check->ranges[n++].hi = s->plan[i].new_addr + site->new_size;
	}
	check->nr_ranges = n;
	check->state = s;
	return check;
}

static void put_busy(struct ksplice_stack_check *check)
{
	while (check->nr_busy)
		put_task_struct(check->busy[--check->nr_busy]);
}

void ksplice_stack_check_free(struct ksplice_stack_check *check)
{
	ksplice_notes_disarm();
	put_busy(check);
	kvfree(check->busy);
	kvfree(check->unchecked);
	kvfree(check->records);
	kfree(check->ranges);
	kvfree(check);
}

static bool busy_address(const struct ksplice_stack_check *check,
			 unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < check->nr_ranges; i++)
		if (addr >= check->ranges[i].lo && addr < check->ranges[i].hi)
			return true;
	return false;
}

static void add_conflict(struct ksplice_state *state, struct task_struct *t,
			 unsigned long addr)
{
	unsigned int n = state->nr_conflicts++;

	if (n >= KSPLICE_MAX_CONFLICTS)
		return;
	state->conflicts[n].pid = t->pid;
	memcpy(state->conflicts[n].comm, t->comm, TASK_COMM_LEN);
	state->conflicts[n].comm[TASK_COMM_LEN - 1] = '\0';
	state->conflicts[n].addr = addr;
	state->conflicts[n].verdict = ksplice_kick_verdict(t,
						&state->conflicts[n].syscall);
	state->conflicts[n].kicked = false;
}

/* Every word from the saved stack pointer up: conservative, never misses. */
static unsigned long scan_stack(const struct ksplice_stack_check *check,
				struct task_struct *t)
{
	unsigned long *stack = try_get_task_stack(t), *end, *p;
	unsigned long found = 0;

	if (!stack)
		return 0;
	end = stack + THREAD_SIZE / sizeof(*stack);
	p = (unsigned long *)t->thread.sp;
	if (p < stack || p >= end)
		p = stack;
	for (; p < end && !found; p++)
		if (busy_address(check, READ_ONCE_NOCHECK(*p)))
			found = READ_ONCE_NOCHECK(*p);
	ksplice_ksyms.put_task_stack(t);
	return found;
}

/* Records a conflict and returns true if t is in busy code. */
static bool task_is_busy(struct ksplice_stack_check *check,
			 struct task_struct *t)
{
	unsigned long found = 0;
	int i, n;

	if (conservative_only)
		n = -EINVAL;
	else
		n = ksplice_ksyms.save_tsk_reliable(t, check->trace,
						    TRACE_DEPTH);
	if (n < 0)
		found = scan_stack(check, t);
	for (i = 0; i < n && !found; i++)
		if (busy_address(check, check->trace[i]))
			found = check->trace[i];
	if (found)
		add_conflict(check->state, t, found);
	return found;
}

static unsigned long switch_count(const struct task_struct *t)
{
	return READ_ONCE(t->nvcsw) + READ_ONCE(t->nivcsw);
}

static struct task_record *find_record(struct ksplice_stack_check *check,
					struct task_struct *t)
{
	unsigned int mask = (1U << check->hash_bits) - 1;
	unsigned int i = hash_ptr(t, check->hash_bits);

	for (; check->records[i].task; i = (i + 1) & mask)
		if (check->records[i].task == t)
			return &check->records[i];
	return NULL;
}

/* A new record for t, or NULL when the table is full. */
static struct task_record *add_record(struct ksplice_stack_check *check,
				      struct task_struct *t)
{
	unsigned int mask = (1U << check->hash_bits) - 1;
	unsigned int i = hash_ptr(t, check->hash_bits);

	if (check->nr_records >= check->max_records)
		return NULL;
	while (check->records[i].task)
		i = (i + 1) & mask;
	check->nr_records++;
	check->records[i].task = t;
	return &check->records[i];
}

/* Runs with t pinned (task_call_func): it cannot start running meanwhile. */
static int precheck_task(struct task_struct *t, void *arg)
{
	struct ksplice_stack_check *check = arg;
	long nr;
	struct task_record *rec = add_record(check, t);

	if (!rec)
		return 0;	/* a table overflow: every thread is visited */
	rec->start_time = t->start_time;
	rec->clean = false;
	if (READ_ONCE(t->on_cpu)) {
		check->unchecked[check->nr_unchecked++] = t->pid;
		return 0;
	}
	rec->switches = switch_count(t);
	rec->clean = !task_is_busy(check, t);
	if (!rec->clean && check->nr_busy < check->max_records &&
	    ksplice_kick_verdict(t, &nr) == KSPLICE_KICK_YES) {
		get_task_struct(t);
		check->busy[check->nr_busy++] = t;
	}
	return 0;
}

static unsigned int count_tasks(void)
{
	struct task_struct *g, *t;
	unsigned int n = 0;

	rcu_read_lock();
	for_each_process_thread(g, t)
		n++;
	rcu_read_unlock();
	return n + num_possible_cpus();
}

static int alloc_records(struct ksplice_stack_check *check)
{
	unsigned int tasks = count_tasks() + RECORD_SLACK;

	put_busy(check);
	kvfree(check->busy);
	kvfree(check->records);
	kvfree(check->unchecked);
	check->nr_records = 0;
	check->nr_unchecked = 0;
	check->max_records = tasks;
	check->hash_bits = ilog2(roundup_pow_of_two(2 * tasks));
	check->records = kvcalloc(1U << check->hash_bits,
				  sizeof(*check->records), GFP_KERNEL);
	check->unchecked = kvcalloc(tasks, sizeof(*check->unchecked),
				    GFP_KERNEL);
	check->busy = kvcalloc(tasks, sizeof(*check->busy), GFP_KERNEL);
	if (check->records && check->unchecked && check->busy)
		return KSPLICE_OK;
	return ksplice_abort(check->state, KSPLICE_OUT_OF_MEMORY,
			     "no memory for %u task records", tasks);
}

int ksplice_stack_precheck(struct ksplice_stack_check *check)
{
	struct task_struct *g, *t;
	int cpu;

	check->state->nr_conflicts = 0;
	if (alloc_records(check))
		return check->state->cause;
	/* Armed before the walk: whatever runs after its walk gets noted. */
	ksplice_notes_arm(&check->notes);
	rcu_read_lock();
	for_each_process_thread(g, t)
		ksplice_ksyms.task_call_func(t, precheck_task, check);
	for_each_online_cpu(cpu)
		ksplice_ksyms.task_call_func(ksplice_ksyms.idle_task(cpu),
					     precheck_task, check);
	rcu_read_unlock();
	if (check->state->nr_conflicts)
		return ksplice_abort(check->state, KSPLICE_CODE_BUSY,
				     "%u threads in the code (see conflicts)",
				     check->state->nr_conflicts);
	return KSPLICE_OK;
}

/* The user threads the last pre-check found in busy code. */
struct task_struct **ksplice_stack_busy(struct ksplice_stack_check *check,
					unsigned int *nr)
{
	*nr = check->nr_busy;
	return check->busy;
}

static void recheck_task(struct ksplice_stack_check *check,
			 struct task_struct *t)
{
	struct task_record *rec;

	if (READ_ONCE(t->on_cpu))
		return;		/* a stopper thread, running this */
	rec = find_record(check, t);
	if (rec && (rec->reported ||
		    (rec->clean && rec->start_time == t->start_time &&
		     rec->switches == switch_count(t))))
		return;
	if (!rec)
		rec = add_record(check, t);	/* new: walked once */
	if (task_is_busy(check, t)) {
		if (rec)
			rec->reported = true;
		return;
	}
	if (!rec)
		return;
	/* Clean now: a thread noted twice is walked once. */
	rec->clean = true;
	rec->start_time = t->start_time;
	rec->switches = switch_count(t);
}

static void recheck_pid(struct ksplice_stack_check *check, pid_t pid)
{
	struct task_struct *t = pid_task(find_pid_ns(pid, &init_pid_ns),
					 PIDTYPE_PID);

	if (t)
		recheck_task(check, t);
}

static bool noted_everything(struct ksplice_stack_check *check)
{
	return atomic_read(&check->notes.nr) <= KSPLICE_MAX_NOTED &&
		check->nr_records < check->max_records;
}

/* Inside stop_machine, on one CPU: walk again what may have changed. */
int ksplice_stack_recheck(struct ksplice_stack_check *check)
{
	struct task_struct *g, *t;
	unsigned int i;
	int cpu;

	check->state->nr_conflicts = 0;
	rcu_read_lock();
	if (noted_everything(check)) {
		for (i = 0; i < atomic_read(&check->notes.nr); i++)
			recheck_pid(check, READ_ONCE(check->notes.pids[i]));
		for (i = 0; i < check->nr_unchecked; i++)
			recheck_pid(check, check->unchecked[i]);
	} else {
		for_each_process_thread(g, t)
			recheck_task(check, t);
	}
	for_each_online_cpu(cpu)
		recheck_task(check, ksplice_ksyms.idle_task(cpu));
	rcu_read_unlock();
	if (check->state->nr_conflicts)
		return ksplice_abort(check->state, KSPLICE_CODE_BUSY,
				     "%u threads in the code (see conflicts)",
				     check->state->nr_conflicts);
	return KSPLICE_OK;
}
