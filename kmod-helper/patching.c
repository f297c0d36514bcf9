// SPDX-License-Identifier: GPL-2.0
/*
 * Apply and undo: what happens with the machine stopped.
 *
 * Lock order, as the kernel's own text patching: cpus_read_lock(), then
 * text_mutex, then stop_machine_cpuslocked(). Inside, each jump is written
 * with one atomic store through a writable alias mapped beforehand
 * (jump_write.c: an NMI sees the old or the new bytes, never a mix). Every
 * CPU runs the callback and serializes (sync_core) after the write.
 */
#include <linux/cpu.h>
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stop_machine.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/sync_core.h>
#include "helper.h"

unsigned int ksplice_tries = 5;
module_param_named(tries, ksplice_tries, uint, 0644);
MODULE_PARM_DESC(tries, "stack check attempts before code_busy (default 5)");
unsigned int ksplice_retry_ms = 1000;
module_param_named(retry_ms, ksplice_retry_ms, uint, 0644);
MODULE_PARM_DESC(retry_ms, "pause between attempts, ms (default 1000)");

int ksplice_abort(struct ksplice_state *state, enum ksplice_abort_cause cause,
		  const char *fmt, ...)
{
	va_list args;

	state->cause = cause;
	va_start(args, fmt);
	vsnprintf(state->detail, sizeof(state->detail), fmt, args);
	va_end(args);
	return cause;
}

struct stop_ctx {
	struct ksplice_state *state;
	struct ksplice_stack_check *check;
	struct ksplice_jump_write *jw;
	bool undo;
	atomic_t arrived;
	int done;
	int cause;
};

/* Apply: the expected bytes are there. Undo: our trampoline is intact. */
static int verify_sites(struct ksplice_state *state, bool undo)
{
	u8 live[KSPLICE_JUMP_LEN];
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++) {
		const struct ksplice_site *site = &state->sites[i];
		const u8 *want = undo ? site->trampoline : state->plan[i].expected;

		if (ksplice_check_only(state, i) || !ksplice_acting(state, i))
			continue;
		if (copy_from_kernel_nofault(live, (void *)site->site,
					     sizeof(live)))
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "%s: cannot read 0x%lx",
					     state->plan[i].name, site->site);
		if (!memcmp(live, want, sizeof(live)))
			continue;
		if (undo)
			return ksplice_abort(state, KSPLICE_TRAMPOLINE_CHANGED,
					     "%s: trampoline at 0x%lx was overwritten: %5phN",
					     state->plan[i].name, site->site,
					     live);
		return ksplice_abort(state, KSPLICE_NO_MATCH,
				     "%s: bytes at 0x%lx are %5phN, expected %5phN",
				     state->plan[i].name, site->site, live, want);
	}
	return KSPLICE_OK;
}

static void write_sites(struct ksplice_state *state,
			struct ksplice_jump_write *jw, bool undo)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++) {
		struct ksplice_site *site = &state->sites[i];

		if (ksplice_check_only(state, i) || !ksplice_acting(state, i))
			continue;
		if (!undo)
			memcpy(site->saved, state->plan[i].expected,
			       KSPLICE_JUMP_LEN);
		ksplice_jump_write(jw, i, undo ? site->saved : site->trampoline);
	}
}

static int stopped_action(struct stop_ctx *ctx)
{
	int cause = verify_sites(ctx->state, ctx->undo);

	if (!cause)
		cause = ksplice_stack_recheck(ctx->check);
	if (!cause)
		write_sites(ctx->state, ctx->jw, ctx->undo);
	return cause;
}

/* Every online CPU runs this; the first to arrive does the work. */
static int stop_machine_fn(void *data)
{
	struct stop_ctx *ctx = data;

	if (atomic_inc_return(&ctx->arrived) == 1) {
		u64 start = ktime_get_ns();

		ctx->cause = stopped_action(ctx);
		ctx->state->pause_inside_ns = ktime_get_ns() - start;
		/* Pairs with the acquire below: the writes precede done. */
		smp_store_release(&ctx->done, 1);
	} else {
		/* Pairs with the release above. */
		while (!smp_load_acquire(&ctx->done))
			cpu_relax();
	}
	sync_core();
	return 0;
}

static int stop_and_act(struct ksplice_state *state,
			struct ksplice_stack_check *check, bool undo)
{
	struct stop_ctx ctx = {
		.state = state, .check = check, .undo = undo,
		.arrived = ATOMIC_INIT(0),
	};
	u64 start;
	int cause;

	ctx.jw = ksplice_jump_write_new(state, &cause);
	if (!ctx.jw)
		return cause;
	cpus_read_lock();
	mutex_lock(ksplice_ksyms.text_mutex);
	cause = undo ? KSPLICE_OK : ksplice_check_reserved(state);
	if (!cause) {
		start = ktime_get_ns();
		ksplice_ksyms.stop_machine_cpuslocked(stop_machine_fn, &ctx,
						      cpu_online_mask);
		state->pause_ns = ktime_get_ns() - start;
		cause = ctx.cause;
	}
	mutex_unlock(ksplice_ksyms.text_mutex);
	cpus_read_unlock();
	ksplice_jump_write_free(ctx.jw);
	return cause;
}

/* Checks fail fast before the machine is stopped, and again inside. */
static int attempt(struct ksplice_state *state,
		   struct ksplice_stack_check *check, bool undo)
{
	int cause = verify_sites(state, undo);

	if (!cause)
		cause = ksplice_stack_precheck(check);
	if (!cause)
		cause = stop_and_act(state, check, undo);
	return cause;
}

/* Threads busy on the first try and on every try since: waiting won't help. */
struct busy_history {
	pid_t pids[KSPLICE_MAX_CONFLICTS];
	unsigned int nr;
};

static bool in_conflicts(const struct ksplice_state *state, pid_t pid)
{
	unsigned int i, shown = min_t(unsigned int, state->nr_conflicts,
				      KSPLICE_MAX_CONFLICTS);

	for (i = 0; i < shown; i++)
		if (state->conflicts[i].pid == pid)
			return true;
	return false;
}

static void note_busy(struct busy_history *h,
		      const struct ksplice_state *state, unsigned int try)
{
	unsigned int i, kept = 0;

	if (try == 1) {
		h->nr = min_t(unsigned int, state->nr_conflicts,
			      KSPLICE_MAX_CONFLICTS);
		for (i = 0; i < h->nr; i++)
			h->pids[i] = state->conflicts[i].pid;
		return;
	}
	for (i = 0; i < h->nr; i++)
		if (in_conflicts(state, h->pids[i]))
			h->pids[kept++] = h->pids[i];
	h->nr = kept;
}

/* Kicks the user threads the last pre-check found busy; how many were new. */
static unsigned int kick_busy(struct ksplice_parking *lot,
			      struct ksplice_stack_check *check)
{
	unsigned int i, nr, before = ksplice_parking_kicked(lot);
	struct task_struct **busy = ksplice_stack_busy(check, &nr);

	for (i = 0; i < nr; i++)
		ksplice_parking_kick(lot, busy[i]);
	return ksplice_parking_kicked(lot) - before;
}

static void mark_kicked(struct ksplice_state *state,
			struct ksplice_parking *lot)
{
	unsigned int i, shown = min_t(unsigned int, state->nr_conflicts,
				      KSPLICE_MAX_CONFLICTS);

	for (i = 0; i < shown; i++)
		state->conflicts[i].kicked =
			ksplice_parking_has(lot, state->conflicts[i].pid);
}

static int busy_cause(struct ksplice_state *state,
		      const struct busy_history *h, unsigned int tries)
{
	if (tries > 1 && h->nr)
		return ksplice_abort(state, KSPLICE_THREADS_STUCK,
				     "%u threads in the code on each of %u tries: retrying cannot help (see conflicts)",
				     h->nr, tries);
	return ksplice_abort(state, KSPLICE_CODE_BUSY,
			     "%u threads in the code after %u tries (see conflicts)",
			     state->nr_conflicts, tries);
}

/*
 * The entries ksplice_acting() names: the update, or one module's part.
 * Between tries, user threads found in busy code are kicked into the park
 * (sleepers.c) unless the update's kick is off; the next try follows as
 * soon as they have arrived. All are let go once the action is over.
 */
int ksplice_act_with_retries(struct ksplice_state *state, bool undo)
{
	struct ksplice_parking *lot = NULL;
	struct ksplice_stack_check *check;
	struct busy_history history = { .nr = 0 };
	unsigned int try;
	int cause;

	check = ksplice_stack_check_new(state, undo);
	if (!check)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "no memory for the stack check");
	if (state->kick)
		lot = ksplice_parking_new();
	for (try = 1;; try++) {
		cause = attempt(state, check, undo);
		if (cause != KSPLICE_CODE_BUSY)
			break;
		note_busy(&history, state, try);
		if (try >= ksplice_tries)
			break;
		if (lot && kick_busy(lot, check)) {
			ksplice_parking_wait(lot);
			continue;
		}
		if (msleep_interruptible(ksplice_retry_ms))
			break;	/* a signal: give up now */
	}
	if (lot) {
		mark_kicked(state, lot);
		state->nr_kicked = ksplice_parking_kicked(lot);
		state->held_ns = ksplice_parking_release(lot);
	}
	if (cause == KSPLICE_CODE_BUSY)
		cause = busy_cause(state, &history, try);
	ksplice_stack_check_free(check);
	return cause;
}

/*
 * The kernel log may be readable by users who cannot read /proc/kallsyms
 * (dmesg_restrict=0): it gets the detail with every 0x-number of more than
 * 8 digits hidden. abort_detail (root only) keeps the whole line.
 */
void ksplice_hide_addresses(char *to, const char *from, size_t len)
{
	size_t o = 0, n;

	while (*from && o + 1 < len) {
		n = 0;
		if (from[0] == '0' && from[1] == 'x')
			while (isxdigit(from[2 + n]))
				n++;
		if (n > 8) {
			o += scnprintf(to + o, len - o, "0x(hidden)");
			from += 2 + n;
		} else {
			to[o++] = *from++;
		}
	}
	to[o] = '\0';
}

static void report(struct ksplice_state *state, const char *action)
{
	char detail[KSPLICE_DETAIL_LEN];

	if (state->cause == KSPLICE_OK) {
		pr_info("ksplice: %s: %s, machine paused %llu ns (%llu ns of work), %u threads kicked, held %llu ns\n",
			state->id, action, state->pause_ns,
			state->pause_inside_ns, state->nr_kicked,
			state->held_ns);
		return;
	}
	ksplice_hide_addresses(detail, state->detail, sizeof(detail));
	pr_warn("ksplice: %s: %s refused: %s: %s\n", state->id, action,
		ksplice_cause_name(state->cause), detail);
}

static int do_apply(struct ksplice_state *state)
{
	int cause;

	if (state->stage == KSPLICE_APPLIED)
		return ksplice_abort(state, KSPLICE_ALREADY_APPLIED,
				     "update %s is applied already", state->id);
	cause = ksplice_pending_absent(state);
	if (!cause)
		cause = ksplice_resolve_plan(state);
	if (cause)
		return cause;
	if (!try_module_get(state->owner)) {
		ksplice_release_plan(state);
		return ksplice_abort(state, KSPLICE_MODULE_BUSY,
				     "update module is going away");
	}
	cause = ksplice_claim_entries(state);
	if (!cause)
		cause = ksplice_act_with_retries(state, false);
	if (cause) {
		ksplice_release_claims(state);
		module_put(state->owner);
		ksplice_release_plan(state);
		return cause;
	}
	WRITE_ONCE(state->stage, KSPLICE_APPLIED);
	WRITE_ONCE(state->applied_at, ktime_get_real_seconds());
	return ksplice_abort(state, KSPLICE_OK, "applied %u functions",
			     state->nr_patches);
}

static int do_reverse(struct ksplice_state *state)
{
	struct ksplice_state *dependent;
	int cause;

	if (state->stage != KSPLICE_APPLIED)
		return ksplice_abort(state, KSPLICE_NOT_APPLIED,
				     "update %s is not applied", state->id);
	dependent = ksplice_first_dependent(state);
	if (dependent)
		return ksplice_abort(state, KSPLICE_HAS_DEPENDENTS,
				     "update %s patches this one's code: undo %s first",
				     dependent->id, dependent->id);
	cause = ksplice_act_with_retries(state, true);
	if (cause)
		return cause;
	WRITE_ONCE(state->stage, KSPLICE_REVERSED);
	ksplice_release_claims(state);
	ksplice_release_plan(state);
	ksplice_pending_reset(state);	/* parts applied at COMING, too */
	module_put(state->owner);
	return ksplice_abort(state, KSPLICE_OK, "reversed %u functions",
			     state->nr_patches);
}

/* Both run under ksplice_mutex. */
int ksplice_apply(struct ksplice_state *state)
{
	int cause;

	state->pause_ns = 0;
	state->pause_inside_ns = 0;
	state->nr_conflicts = 0;
	state->nr_kicked = 0;
	state->held_ns = 0;
	cause = do_apply(state);
	report(state, "apply");
	return cause;
}

int ksplice_reverse(struct ksplice_state *state)
{
	int cause;

	state->pause_ns = 0;
	state->pause_inside_ns = 0;
	state->nr_conflicts = 0;
	state->nr_kicked = 0;
	state->held_ns = 0;
	cause = do_reverse(state);
	report(state, "undo");
	return cause;
}
