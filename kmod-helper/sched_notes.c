// SPDX-License-Identifier: GPL-2.0
/*
 * Which threads ran since the stack pre-check began: probes on the
 * sched_switch and sched_process_fork tracepoints note the pid of every
 * thread switched out or created while a set of notes is armed. The probes
 * stay registered while the helper is loaded and cost one load and a test
 * per context switch when nothing is armed.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/tracepoint.h>
#include "helper.h"

static struct ksplice_notes __rcu *armed_notes;

static void note_pid(pid_t pid)
{
	struct ksplice_notes *notes = rcu_dereference_sched(armed_notes);
	unsigned int i;

	if (!notes)
		return;
	i = atomic_inc_return(&notes->nr) - 1;
	if (i < KSPLICE_MAX_NOTED)
		WRITE_ONCE(notes->pids[i], pid);
}

static void probe_sched_switch(void *data, bool preempt,
			       struct task_struct *prev,
			       struct task_struct *next, unsigned int prev_state)
{
	note_pid(prev->pid);
}

static void probe_sched_fork(void *data, struct task_struct *parent,
			     struct task_struct *child)
{
	note_pid(child->pid);
}

static struct {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} probes[] = {
	{ "sched_switch", probe_sched_switch },
	{ "sched_process_fork", probe_sched_fork },
};

static void find_tracepoint(struct tracepoint *tp, void *unused)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		if (!strcmp(tp->name, probes[i].name))
			probes[i].tp = tp;
}

void ksplice_sched_notes_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		if (probes[i].tp)
			tracepoint_probe_unregister(probes[i].tp,
						    probes[i].probe, NULL);
	tracepoint_synchronize_unregister();
}

int ksplice_sched_notes_init(void)
{
	int i, ret;

	for_each_kernel_tracepoint(find_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		ret = probes[i].tp ? tracepoint_probe_register(probes[i].tp,
							       probes[i].probe,
							       NULL) : -ENOENT;
		if (ret) {
			pr_err("ksplice: cannot probe tracepoint %s\n",
			       probes[i].name);
			probes[i].tp = NULL;
			ksplice_sched_notes_exit();
			return ret;
		}
	}
	return 0;
}

/* Starts noting into notes (from zero); one set of notes at a time. */
void ksplice_notes_arm(struct ksplice_notes *notes)
{
	atomic_set(&notes->nr, 0);
	rcu_assign_pointer(armed_notes, notes);
}

/* Stops noting; afterwards no probe writes into the notes any more. */
void ksplice_notes_disarm(void)
{
	RCU_INIT_POINTER(armed_notes, NULL);
	synchronize_rcu();
}
