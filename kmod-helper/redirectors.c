// SPDX-License-Identifier: GPL-2.0
/*
 * Other redirectors of a function: the kernel's livepatch, kprobes with a
 * post handler, BPF trampolines that modify the return. Each takes over the
 * function's fentry call through ftrace with FTRACE_OPS_FL_IPMODIFY, and
 * ftrace lets one IPMODIFY user own a given call. Our jump sits after the
 * fentry call, so such a redirector would silently win over it.
 *
 * So, while an update is applied, the helper owns the fentry call of every
 * function it redirects the way livepatch does: one ftrace_ops per function,
 * IPMODIFY, filtered to that call, whose handler does nothing (our jump
 * after the call does the redirection). An owner already there makes the
 * registration fail with EBUSY: the apply is refused (redirected), nothing
 * written. A redirector arriving later fails to register (livepatch: the
 * patch does not enable).
 *
 * Ftrace writes the fentry call itself (bytes 0-4, with its own breakpoint
 * protocol); the jump and the bytes the helper checks are at +5, and no
 * site check looks at the fentry call, so the two writers never meet. The
 * claim is made before the machine is stopped (ftrace takes text_mutex)
 * and released after the jump is gone. Stacked updates patch an earlier
 * update's new code: the earlier update holds the original's claim.
 */
#include <linux/ftrace.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/ibt.h>
#include "helper.h"

/* Module parameter for tests: apply without claiming (see --audit). */
static bool claim = true;
module_param(claim, bool, 0644);
MODULE_PARM_DESC(claim, "own the fentry call of replaced functions (default Y; tests)");

struct ksplice_claim {
	struct ftrace_ops ops;
	bool registered;
};

static void notrace ksplice_claim_handler(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *ops,
				  struct ftrace_regs *fregs)
{
}

/*
 * The jump follows the fentry call: at +KSPLICE_FENTRY_LEN, or after an
 * ENDBR (CONFIG_X86_KERNEL_IBT; is_endbr() also knows the form the kernel
 * seals unused ones into), which user space leaves in place.
 */
static bool jump_after_fentry(struct ksplice_state *state, unsigned int i)
{
	unsigned int offset = state->plan[i].jump_offset;
	u32 first = 0;

	if (offset == KSPLICE_FENTRY_LEN)
		return true;
	if (!IS_ENABLED(CONFIG_X86_KERNEL_IBT) ||
	    offset != ENDBR_INSN_SIZE + KSPLICE_FENTRY_LEN)
		return false;
	return !get_kernel_nofault(first, (u32 *)state->sites[i].func) &&
		is_endbr(first);
}

static bool wants_claim(struct ksplice_state *state, unsigned int i)
{
	return !ksplice_check_only(state, i) && !state->sites[i].dep &&
		jump_after_fentry(state, i);
}

static int claim_failed(struct ksplice_state *state, unsigned int i, int err,
			const char *what)
{
	const char *name = state->plan[i].name;

	if (err == -EBUSY)
		return ksplice_abort(state, KSPLICE_REDIRECTED,
				     "%s: its fentry call is redirected by another ftrace IPMODIFY user (livepatch, kprobe or BPF trampoline)",
				     name);
	if (err == -ENOMEM)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "%s: no memory to claim its fentry call",
				     name);
	return ksplice_abort(state, KSPLICE_BAD_PLAN,
			     "%s: cannot claim its fentry call: %s failed (%d)",
			     name, what, err);
}

static int claim_one(struct ksplice_state *state, unsigned int i)
{
	struct ksplice_claim *c = &state->claims[i];
	int err;

	c->ops.func = ksplice_claim_handler;
	c->ops.flags = FTRACE_OPS_FL_IPMODIFY;
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	c->ops.flags |= FTRACE_OPS_FL_SAVE_REGS;
#endif
	err = ftrace_set_filter_ip(&c->ops, state->sites[i].func, 0, 0);
	if (err) {
		ftrace_free_filter(&c->ops);
		return claim_failed(state, i, err, "ftrace_set_filter_ip");
	}
	err = register_ftrace_function(&c->ops);
	if (err) {
		ftrace_free_filter(&c->ops);
		return claim_failed(state, i, err, "register_ftrace_function");
	}
	c->registered = true;
	return KSPLICE_OK;
}

/* The claims of the entries the action covers (ksplice_acting). */
void ksplice_release_part_claims(struct ksplice_state *state)
{
	unsigned int i;

	for (i = 0; state->claims && i < state->nr_patches; i++) {
		struct ksplice_claim *c = &state->claims[i];

		if (!c->registered || !ksplice_acting(state, i))
			continue;
		/* Waits until no CPU can be in the handler. */
		unregister_ftrace_function(&c->ops);
		ftrace_free_filter(&c->ops);
		memset(c, 0, sizeof(*c));
	}
}

void ksplice_release_claims(struct ksplice_state *state)
{
	ksplice_release_part_claims(state);
	if (state->scope)
		return;
	kfree(state->claims);
	state->claims = NULL;
}

/* After ksplice_resolve_plan, before the machine is stopped. */
int ksplice_claim_entries(struct ksplice_state *state)
{
	unsigned int i;
	int cause = KSPLICE_OK;

	if (!claim)
		return KSPLICE_OK;
	/* A pending part's claims join those made at apply. */
	if (!state->claims)
		state->claims = kcalloc(state->nr_patches,
					sizeof(*state->claims), GFP_KERNEL);
	if (!state->claims)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "no memory to claim fentry calls");
	for (i = 0; i < state->nr_patches && !cause; i++)
		if (ksplice_acting(state, i) && wants_claim(state, i))
			cause = claim_one(state, i);
	if (cause)
		ksplice_release_claims(state);
	return cause;
}
