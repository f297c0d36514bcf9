// SPDX-License-Identifier: GPL-2.0
/*
 * Forced unloads (rmmod -f, MODULE_FORCE_UNLOAD=y): a module the helper
 * pinned can still go (its reference count is ignored). If it holds the new code of an applied update, or
 * code an applied update jumps from, the update is reversed while that code
 * is still mapped: from the update module's exit (ksplice_unregister_update)
 * or from a module notifier (MODULE_STATE_GOING, before the memory is freed).
 *
 * Reversing needs the stack check to pass. There is no way to refuse the
 * unload, so it is retried until no thread is in the code: rmmod blocks
 * (TASK_IDLE, not counted by the hung task detector) and the log names the
 * reason every KSPLICE_FORCE_LOG_EVERY rounds. A thread that never leaves
 * the code keeps rmmod waiting forever, which is safer than a jump into
 * freed memory.
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/sched.h>
#include "helper.h"

#define KSPLICE_FORCE_LOG_EVERY 10

/* Later updates stacked on state first, newest first. */
static int reverse_with_dependents(struct ksplice_state *state)
{
	struct ksplice_state *dependent;
	int cause;

	while ((dependent = ksplice_first_dependent(state))) {
		cause = reverse_with_dependents(dependent);
		if (cause)
			return cause;
		pr_warn("ksplice: %s: reversed: it patches %s, whose module is going away\n",
			dependent->id, state->id);
	}
	return state->stage == KSPLICE_APPLIED ? ksplice_reverse(state) :
		KSPLICE_OK;
}

static bool retryable(int cause)
{
	return cause == KSPLICE_CODE_BUSY || cause == KSPLICE_THREADS_STUCK ||
		cause == KSPLICE_OUT_OF_MEMORY ||
		cause == KSPLICE_MODULE_BUSY;
}

/*
 * Called with ksplice_mutex held; drops it while waiting between rounds.
 * why names the module going away, for the log.
 */
void ksplice_reverse_for_unload(struct ksplice_state *state, const char *why)
{
	unsigned int round;
	int cause;

	for (round = 1;; round++) {
		cause = reverse_with_dependents(state);
		if (!cause) {
			pr_warn("ksplice: %s: reversed: module %s is being unloaded by force\n",
				state->id, why);
			return;
		}
		if (!retryable(cause)) {
			pr_crit("ksplice: %s: cannot be reversed (%s) while module %s is unloaded by force: calls may jump into freed code\n",
				state->id, ksplice_cause_name(cause), why);
			return;
		}
		if (round % KSPLICE_FORCE_LOG_EVERY == 1)
			pr_warn("ksplice: %s: module %s is being unloaded by force: waiting to reverse the update (%s, round %u, see conflicts)\n",
				state->id, why, ksplice_cause_name(cause),
				round);
		mutex_unlock(&ksplice_mutex);
		schedule_timeout_idle(msecs_to_jiffies(ksplice_retry_ms) + 1);
		mutex_lock(&ksplice_mutex);
	}
}

/* An applied update whose jump sits in mod's code, or NULL. */
static struct ksplice_state *patching_module(struct module *mod)
{
	struct ksplice_state *state;
	unsigned int i;

	list_for_each_entry(state, &ksplice_updates, list) {
		if (state->stage != KSPLICE_APPLIED)
			continue;
		for (i = 0; i < state->nr_patches; i++)
			if (state->sites[i].mod == mod &&
			    !ksplice_check_only(state, i))
				return state;
	}
	return NULL;
}

/*
 * An update that could not be reversed keeps pointing at mod: its reference
 * goes with the module, so that it is never put twice or after the free.
 */
static void forget_references(struct module *mod)
{
	struct ksplice_state *state;
	unsigned int i;

	list_for_each_entry(state, &ksplice_updates, list) {
		for (i = 0; i < state->nr_patches; i++) {
			struct ksplice_site *site = &state->sites[i];

			if (site->holds_ref && site->mod == mod) {
				module_put(mod);
				site->holds_ref = false;
			}
		}
	}
}

/*
 * The helper's one module notifier: COMING writes an update module's early
 * references (early.c) and applies pending parts (pending_module.c); GOING
 * lets go of the modules an update module held, makes parts applied at
 * COMING pending again, then reverses updates whose code a forced unload
 * frees.
 */
static int module_notify(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	struct module *mod = data;
	struct ksplice_state *state;
	int ret;

	if (action == MODULE_STATE_COMING) {
		ret = ksplice_early_coming(mod);
		return ret ? notifier_from_errno(ret) : ksplice_module_coming(mod);
	}
	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	ksplice_early_going(mod);
	mutex_lock(&ksplice_mutex);
	ksplice_module_going_parts(mod);
	while ((state = patching_module(mod))) {
		ksplice_reverse_for_unload(state, mod->name);
		if (state->stage == KSPLICE_APPLIED)
			break;	/* logged: nothing more can be done */
	}
	forget_references(mod);
	mutex_unlock(&ksplice_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block module_nb = {
	.notifier_call = module_notify,
	/*
	 * GOING: before ftrace and livepatch forget the module's code.
	 * COMING: before jump_label and static_call write its sites.
	 */
	.priority = INT_MAX,
};

int ksplice_force_unload_init(void)
{
	return register_module_notifier(&module_nb);
}

void ksplice_force_unload_exit(void)
{
	unregister_module_notifier(&module_nb);
}
