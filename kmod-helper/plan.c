// SPDX-License-Identifier: GPL-2.0
/*
 * Checking a plan before anything is stopped: where each jump goes, that it
 * fits, that nothing else rewrites those bytes, and which modules must stay
 * loaded while the update is applied; what an update's targets are.
 */
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/preempt.h>
#ifdef KSPLICE_HAVE_LINUX_UNALIGNED	/* 6.12 moved it (Kbuild) */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include "helper.h"

#define MAX_STACKING_DEPTH 64

/* The newest version of func: follow the trampolines of applied updates. */
static unsigned long follow_trampolines(struct ksplice_state *state,
					unsigned long func,
					struct ksplice_state **dep)
{
	struct ksplice_state *later;
	unsigned int depth, index;

	for (depth = 0; depth < MAX_STACKING_DEPTH; depth++) {
		later = ksplice_find_follower(state, func, &index);
		if (!later)
			break;
		*dep = later;
		func = later->plan[index].new_addr;
	}
	return func;
}

static bool function_start(unsigned long addr, unsigned long *size)
{
	unsigned long offset;

	return ksplice_ksyms.kallsyms_lookup_size_offset(addr, size, &offset) &&
		offset == 0;
}

static bool jump_site_reserved(unsigned long site)
{
	void *start = (void *)site, *last = (void *)(site + KSPLICE_JUMP_LEN - 1);

	return ksplice_ksyms.ftrace_text_reserved(start, last) ||
		ksplice_ksyms.jump_label_text_reserved(start, last) ||
		ksplice_ksyms.static_call_text_reserved(start, last);
}

/*
 * Which module holds the patched code, and whether the update may patch it:
 * code of another update only while that update is applied (it becomes a
 * dependency), never the update's own code. The module must be live.
 */
static int find_target(struct ksplice_state *state, unsigned int i)
{
	struct ksplice_site *site = &state->sites[i];
	const char *name = state->plan[i].name;
	struct ksplice_state *owner;
	struct module *mod;

	mod = ksplice_ksyms.module_text_address(site->func);
	if (!mod) {
		if (!ksplice_ksyms.core_kernel_text(site->func))
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "%s: 0x%lx is not kernel text",
					     name, site->func);
		return KSPLICE_OK;
	}
	if (mod == state->owner || mod == THIS_MODULE)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: 0x%lx is code of %s itself",
				     name, site->func, mod->name);
	owner = ksplice_update_owning(mod);
	if (owner && owner->stage != KSPLICE_APPLIED)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: 0x%lx is code of update %s, which is not applied",
				     name, site->func, owner->id);
	if (owner)
		site->dep = owner;
	/* A pending part is applied while its module is COMING. */
	if (mod->state != MODULE_STATE_LIVE &&
	    !(mod->state == MODULE_STATE_COMING && ksplice_is_pending(state, i)))
		return ksplice_abort(state, KSPLICE_MODULE_BUSY,
				     "%s: module %s is not live", name,
				     mod->name);
	site->mod = mod;
	return KSPLICE_OK;
}

bool ksplice_holds_ref(const struct ksplice_state *state, struct module *mod)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++)
		if (state->sites[i].holds_ref && state->sites[i].mod == mod)
			return true;
	return false;
}

/*
 * One reference per (update, module) keeps a patched module loaded: a plain
 * rmmod says it is in use. An update module's code is kept by its own
 * update, which cannot be undone under a later one (has_dependents).
 */
static int pin_module(struct ksplice_state *state, unsigned int i)
{
	struct ksplice_site *site = &state->sites[i];

	if (!site->mod || ksplice_check_only(state, i) ||
	    ksplice_update_owning(site->mod) ||
	    ksplice_holds_ref(state, site->mod))
		return KSPLICE_OK;
	if (!try_module_get(site->mod))
		return ksplice_abort(state, KSPLICE_MODULE_BUSY,
				     "%s: module %s is going away",
				     state->plan[i].name, site->mod->name);
	site->holds_ref = true;
	return KSPLICE_OK;
}

static int check_new_code(struct ksplice_state *state, unsigned int i)
{
	const struct ksplice_patch *p = &state->plan[i];
	struct ksplice_site *site = &state->sites[i];
	long rel;

	if (ksplice_ksyms.module_text_address(p->new_addr) != state->owner ||
	    !function_start(p->new_addr, &site->new_size))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: new code 0x%llx is not a function of the update module",
				     p->name, p->new_addr);
	rel = (long)p->new_addr - (long)(site->site + KSPLICE_JUMP_LEN);
	if (rel != (s32)rel)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: new code out of reach of a jump",
				     p->name);
	site->trampoline[0] = 0xe9;
	put_unaligned_le32((u32)rel, &site->trampoline[1]);
	return KSPLICE_OK;
}

/* Text at a function start, old_size within the symbol, not listed twice. */
static int check_old_code(struct ksplice_state *state, unsigned int i)
{
	const struct ksplice_patch *p = &state->plan[i];
	struct ksplice_site *site = &state->sites[i];
	unsigned long size;
	unsigned int j;
	int cause = find_target(state, i);

	if (cause)
		return cause;
	if (!function_start(site->func, &size))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: 0x%lx is not the start of a function",
				     p->name, site->func);
	if (p->old_size == 0 || p->old_size > size)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: size %u does not fit the symbol (%lu bytes)",
				     p->name, p->old_size, size);
	for (j = 0; j < i; j++)
		if (state->sites[j].func == site->func)
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "%s: listed twice", p->name);
	return KSPLICE_OK;
}

/* Called with preemption off (module and symbol lookups) and jump_label_lock. */
static int resolve_one(struct ksplice_state *state, unsigned int i)
{
	const struct ksplice_patch *p = &state->plan[i];
	struct ksplice_site *site = &state->sites[i];
	int cause;

	if (!(p->flags & KSPLICE_PATCH_FILLED) && !ksplice_is_pending(state, i))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: patch not filled in", p->name);
	if (p->flags & KSPLICE_PATCH_CHECK_ONLY) {
		site->func = p->old_addr;
		return check_old_code(state, i);
	}
	/* A pending part's code is the module's as loaded: never followed. */
	site->func = ksplice_is_pending(state, i) ? p->old_addr :
		follow_trampolines(state, p->old_addr, &site->dep);
	site->site = site->func + p->jump_offset;
	cause = check_old_code(state, i);
	if (cause)
		return cause;
	if (p->jump_offset + KSPLICE_JUMP_LEN > p->old_size)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: no room for a jump at +%u in %u bytes",
				     p->name, p->jump_offset, p->old_size);
	if (jump_site_reserved(site->site))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: jump site +%u overlaps a site the kernel rewrites (ftrace, jump label or static call)",
				     p->name, p->jump_offset);
	cause = check_new_code(state, i);
	return cause ? cause : pin_module(state, i);
}

/* The sites of the entries the action covers (ksplice_acting). */
void ksplice_release_plan(struct ksplice_state *state)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++) {
		if (!ksplice_acting(state, i))
			continue;
		if (state->sites[i].holds_ref)
			module_put(state->sites[i].mod);
		memset(&state->sites[i], 0, sizeof(state->sites[i]));
	}
}

/* Resolves the entries ksplice_acting() names; on failure none stays held. */
static int resolve_acting(struct ksplice_state *state)
{
	unsigned int i;
	int cause = KSPLICE_OK;

	ksplice_ksyms.jump_label_lock();
	preempt_disable();
	for (i = 0; i < state->nr_patches && !cause; i++)
		if (ksplice_acting(state, i))
			cause = resolve_one(state, i);
	preempt_enable();
	ksplice_ksyms.jump_label_unlock();
	if (cause)
		ksplice_release_plan(state);
	return cause;
}

int ksplice_resolve_plan(struct ksplice_state *state)
{
	int cause = ksplice_relocs_check(state);

	ksplice_release_plan(state);
	if (cause)
		return cause;
	cause = resolve_acting(state);
	if (!cause)
		ksplice_relocs_write(state);	/* once: the plan is final */
	return cause;
}

/*
 * The part for module state->scope, while it is COMING: its entries' old_addr
 * are filled (pending_module.c). Every other entry is as it was.
 */
int ksplice_resolve_part(struct ksplice_state *state)
{
	return resolve_acting(state);
}

/* smp_locks sites; called with text_mutex held. */
int ksplice_check_reserved(struct ksplice_state *state)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++) {
		unsigned long site = state->sites[i].site;

		if (ksplice_check_only(state, i) || !ksplice_acting(state, i))
			continue;
		if (ksplice_ksyms.alternatives_text_reserved((void *)site,
				(void *)(site + KSPLICE_JUMP_LEN - 1)))
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "%s: jump site overlaps a lock prefix the kernel rewrites",
					     state->plan[i].name);
	}
	return KSPLICE_OK;
}

/* What addr replaces, if it is an earlier update's new code (recursively). */
static unsigned long original_code(unsigned long addr)
{
	struct ksplice_state *earlier;
	unsigned int depth, index;

	for (depth = 0; depth < MAX_STACKING_DEPTH; depth++) {
		earlier = ksplice_find_replaced(addr, &index);
		if (!earlier)
			break;
		addr = earlier->plan[index].old_addr;
	}
	return addr;
}

/*
 * What entry i patches, for people: "vmlinux" or a module's name (an earlier
 * update's new code stands for what that code replaces), and how: " pinned"
 * if this update holds that module, " pending" if the update is applied and
 * the entry waits for its module, else "". False for a check-only or
 * unplanned entry, or code that is gone. Called with ksplice_mutex held.
 */
bool ksplice_target(struct ksplice_state *state, unsigned int i, char *name,
		    size_t len, const char **how)
{
	const struct ksplice_patch *p = &state->plan[i];
	unsigned long addr;
	struct module *mod;
	bool found = true;

	if (ksplice_check_only(state, i))
		return false;
	if (ksplice_waiting(state, i)) {
		strscpy(name, ksplice_pending_module(state, i), len);
		*how = state->stage == KSPLICE_APPLIED ? " pending" : "";
		return true;
	}
	if (!(p->flags & KSPLICE_PATCH_FILLED) && !ksplice_is_pending(state, i))
		return false;
	addr = original_code(p->old_addr);
	preempt_disable();	/* mod stays valid */
	mod = ksplice_ksyms.module_text_address(addr);
	if (mod)
		strscpy(name, mod->name, len);
	else if (ksplice_ksyms.core_kernel_text(addr))
		strscpy(name, "vmlinux", len);
	else
		found = false;
	*how = mod && ksplice_holds_ref(state, mod) ? " pinned" : "";
	preempt_enable();
	return found;
}
