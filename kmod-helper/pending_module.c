// SPDX-License-Identifier: GPL-2.0
/*
 * A pending part applied when its module comes, reversed when it goes
 * (pending.c has the model). Called from the helper's module notifier
 * (force_unload.c) in the task loading or unloading the module.
 *
 * COMING: the module's code is laid out, relocated, read-only, its
 * alternatives, paravirt sites, return thunks and fentry calls written
 * (module_finalize, ftrace_module_init/enable), its whole .symtab in
 * mod->kallsyms with run-time values. Its init has not run and its state is
 * COMING: no other module can link against it yet (ref_module refuses a
 * COMING module), it has registered nothing, so no code of it can run
 * until the notifier chain returns. Writing there is safe for that reason;
 * the helper still writes through the normal path (resolve, claim,
 * ksplice_act_with_retries: verify, stack check, stop_machine, one-store
 * jump), so one write path and one set of checks serve both. The stop costs
 * one stop_machine per module load that has a pending part. The helper's
 * notifier runs first (priority INT_MAX), before jump_label's and
 * static_call's, which write sites of the module afterwards: those sites are
 * masked by user space (pmask) and the jump may not overlap them (the
 * reserved-site checks read the module's own tables, filled before COMING).
 *
 * Locks: the loader holds no module lock here (module_mutex is released
 * after formation); the notifier chain holds its rwsem for reading. We take
 * ksplice_mutex, then the apply path's own order: cpus_read_lock(),
 * text_mutex, stop_machine_cpuslocked(); ftrace's locks for the claims. The
 * same order as a stage write, which holds ksplice_mutex and never waits for
 * a module load or the notifier rwsem. An apply racing with a load: either
 * the apply sees the module formed (module_busy) or the load's notifier
 * waits for ksplice_mutex and finds the update applied, its part waiting.
 * The update module cannot go meanwhile: an applied update holds a
 * reference on it, and a forced unload of it takes ksplice_mutex.
 *
 * Refusal: nothing of that update is written into the module (relocations
 * live in the update module), the notifier returns an error and the load
 * fails; since ours is the first notifier, no other receives GOING. Parts of
 * other updates already applied at this COMING are reversed first.
 */
#include <linux/bitmap.h>
#include <linux/elf.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "helper.h"
#include "pending.h"

/*
 * Symbol index of mod's .symtab, its name checked; COMING only (the whole
 * table is there until init is freed).
 */
static int symbol_at(struct module *mod, unsigned int index, const char *name,
		     unsigned long *addr, unsigned long *size)
{
	const struct mod_kallsyms *ks;
	const Elf_Sym *sym;
	int ret = -ENOENT;

	rcu_read_lock();
	ks = rcu_dereference(mod->kallsyms);
	if (index < ks->num_symtab) {
		sym = &ks->symtab[index];
		ret = -ESRCH;
		if (!strcmp(ks->strtab + sym->st_name, name) &&
		    sym->st_shndx != SHN_UNDEF) {
			*addr = sym->st_value;
			*size = sym->st_size;
			ret = 0;
		}
	}
	rcu_read_unlock();
	return ret;
}

/*
 * The one defined symbol name of mod (global ones only if global): a live
 * module keeps only its core symbols, not the .symtab's indexes. Called
 * with preemption off.
 */
static int symbol_named(struct module *mod, const char *name, bool global,
			unsigned long *addr)
{
	const struct mod_kallsyms *ks = rcu_dereference_sched(mod->kallsyms);
	unsigned int i, found = 0;

	for (i = 1; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];
		unsigned int bind = ELF_ST_BIND(sym->st_info);

		if (sym->st_shndx == SHN_UNDEF ||
		    strcmp(ks->strtab + sym->st_name, name) ||
		    (global && bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		*addr = sym->st_value;
		found++;
	}
	return found == 1 ? 0 : found ? -ENOTUNIQ : -ENOENT;
}

/* Entry i: its symbol in mod, its bytes' SHA-256 outside the pmask ranges. */
static int resolve_entry(struct ksplice_state *state, unsigned int i,
			 struct module *mod)
{
	const struct ksplice_pending *p = state->pending;
	const struct ksplice_pending_entry *e = p->entries[i];
	struct ksplice_patch *plan = &state->plan[i];
	unsigned long addr, size;
	u8 digest[SHA256_DIGEST_SIZE];
	unsigned int m;
	u8 *code;
	int ret;

	ret = symbol_at(mod, e->symindex, e->name, &addr, &size);
	if (ret == -ENOENT)
		return ksplice_abort(state, KSPLICE_NO_MATCH,
				     "%s: the module has no symbol %u: another file was loaded",
				     e->name, e->symindex);
	if (ret)
		return ksplice_abort(state, KSPLICE_NO_MATCH,
				     "%s: symbol %u of the module has another name: another file was loaded",
				     e->name, e->symindex);
	if (e->old_size > size)
		return ksplice_abort(state, KSPLICE_NO_MATCH,
				     "%s: size %u does not fit the symbol (%lu bytes)",
				     e->name, e->old_size, size);
	preempt_disable();
	ret = ksplice_ksyms.module_text_address(addr) == mod &&
		ksplice_ksyms.module_text_address(addr + e->old_size - 1) == mod;
	preempt_enable();
	if (!ret)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: symbol %u is not code of module %s",
				     e->name, e->symindex, mod->name);
	code = kvmalloc(e->old_size, GFP_KERNEL);
	if (!code)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "%s: no memory to hash its code", e->name);
	if (copy_from_kernel_nofault(code, (void *)addr, e->old_size)) {
		kvfree(code);
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: cannot read its code", e->name);
	}
	if (!ksplice_check_only(state, i))
		memcpy(plan->expected, code + e->jump_offset, KSPLICE_JUMP_LEN);
	for (m = 0; m < p->nr_masks; m++)
		if (p->masks[m].index == i)
			memset(code + p->masks[m].offset, 0, p->masks[m].length);
	sha256(code, e->old_size, digest);
	kvfree(code);
	if (memcmp(digest, e->sha256, sizeof(digest)))
		return ksplice_abort(state, KSPLICE_NO_MATCH,
				     "%s: loaded code differs from the planned file (SHA-256 %8phN..., planned %8phN...)",
				     e->name, digest, e->sha256);
	plan->old_addr = addr;
	return KSPLICE_OK;
}

/* Is name the module of a pending entry of state? */
static bool pending_module(const struct ksplice_state *state, const char *name)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++)
		if (ksplice_is_pending(state, i) &&
		    !strcmp(ksplice_pending_module(state, i), name))
			return true;
	return false;
}

/* The value of pkey k, now that mod comes. */
static int value_pkey(struct ksplice_state *state, unsigned int k,
		      struct module *mod)
{
	const struct ksplice_pending_key *pk = state->pending->keys[k];
	unsigned long addr, size;
	struct module *owner;
	int ret;

	if (!strcmp(pk->module, mod->name) && pk->symindex) {
		ret = symbol_at(mod, pk->symindex, pk->name, &addr, &size);
	} else {
		preempt_disable();	/* owner stays: a dependency of mod */
		owner = !strcmp(pk->module, mod->name) ? mod :
			ksplice_ksyms.find_module_all(pk->module,
						      strlen(pk->module),
						      false);
		if (owner && owner != mod &&
		    owner->state != MODULE_STATE_LIVE)
			owner = NULL;
		ret = owner ? symbol_named(owner, pk->name, !pk->symindex,
					   &addr) : -ENODEV;
		preempt_enable();
	}
	if (ret == -ENODEV)
		return ksplice_abort(state, KSPLICE_MODULE_BUSY,
				     "key %s: module %s is not loaded",
				     ksplice_key_name(state, k), pk->module);
	if (ret == -ESRCH)
		return ksplice_abort(state, KSPLICE_NO_MATCH,
				     "key %s: symbol %u of module %s is not %s: another file was loaded",
				     ksplice_key_name(state, k), pk->symindex,
				     pk->module, pk->name);
	if (ret)
		return ksplice_abort(state, KSPLICE_NO_MATCH,
				     "key %s: no %s symbol %s in module %s",
				     ksplice_key_name(state, k),
				     ret == -ENOTUNIQ ? "unique" : "such",
				     pk->name, pk->module);
	ksplice_key_set(state, k, addr + pk->offset);
	return KSPLICE_OK;
}

/*
 * The pkeys valued at mod's COMING: mod's own, and those of modules that
 * are no pending module of the update (dependencies); a pkey of another
 * pending module waits for that module.
 */
static int value_pkeys(struct ksplice_state *state, struct module *mod,
		       unsigned long *keys)
{
	unsigned int k;
	int cause;

	for (k = 0; k < ksplice_nr_keys(state); k++) {
		const struct ksplice_pending_key *pk = state->pending->keys[k];

		if (!pk || (strcmp(pk->module, mod->name) &&
			    pending_module(state, pk->module)))
			continue;
		cause = value_pkey(state, k, mod);
		if (cause)
			return cause;
		set_bit(k, keys);
	}
	return KSPLICE_OK;
}

static void part_done(struct ksplice_state *state, bool live)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++) {
		if (!ksplice_acting(state, i))
			continue;
		state->pending->entries[i]->live = live;
		if (!live)
			state->plan[i].old_addr = 0;
	}
}

/* Called with ksplice_mutex held and state->scope set. */
static int apply_part(struct ksplice_state *state, struct module *mod)
{
	unsigned long *keys = bitmap_zalloc(ksplice_nr_keys(state) + 1,
					    GFP_KERNEL);
	unsigned int i, n = 0;
	int cause = KSPLICE_OK;

	if (!keys)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "no memory for the keys");
	state->pause_ns = 0;
	state->pause_inside_ns = 0;
	state->nr_conflicts = 0;
	for (i = 0; i < state->nr_patches && !cause; i++)
		if (ksplice_acting(state, i)) {
			cause = resolve_entry(state, i, mod);
			n++;
		}
	if (!cause)
		cause = value_pkeys(state, mod, keys);
	if (!cause)
		cause = ksplice_relocs_check_keys(state, keys);
	if (!cause)
		cause = ksplice_resolve_part(state);	/* pins mod */
	if (!cause) {
		/* Before any jump into the new code is written. */
		ksplice_relocs_write_keys(state, keys);
		cause = ksplice_claim_entries(state);
	}
	if (!cause)
		cause = ksplice_act_with_retries(state, false);
	if (cause) {
		ksplice_release_part_claims(state);
		ksplice_release_plan(state);
		part_done(state, false);
	} else {
		part_done(state, true);
		ksplice_abort(state, KSPLICE_OK,
			      "applied %u functions into module %s", n,
			      mod->name);
	}
	bitmap_free(keys);
	return cause;
}

/*
 * The part for mod goes back to pending: jumps removed (restored bytes),
 * claims released, the reference on mod dropped. The module's code goes
 * away whatever happens, so a reversal that fails (a thread in the new
 * code after every try) is logged and the part forgotten all the same: the
 * jumps are in the code being freed, the new code stays with its module.
 */
static void revert_part(struct ksplice_state *state, const char *why)
{
	char detail[KSPLICE_DETAIL_LEN];
	int cause = ksplice_act_with_retries(state, true);

	if (cause) {
		ksplice_hide_addresses(detail, state->detail, sizeof(detail));
		pr_warn("ksplice: update %s: module %s %s: its part not reversed (%s: %s), forgotten with the module's code\n",
			state->id, state->scope, why, ksplice_cause_name(cause),
			detail);
	} else {
		pr_info("ksplice: update %s: module %s %s: its part is pending again\n",
			state->id, state->scope, why);
	}
	ksplice_release_part_claims(state);
	ksplice_release_plan(state);
	part_done(state, false);
}

static bool part_live(const struct ksplice_state *state, const char *module)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++)
		if (ksplice_is_pending(state, i) && !ksplice_waiting(state, i) &&
		    !strcmp(ksplice_pending_module(state, i), module))
			return true;
	return false;
}

static bool part_waiting(const struct ksplice_state *state, const char *module)
{
	unsigned int i;

	for (i = 0; i < state->nr_patches; i++)
		if (ksplice_waiting(state, i) &&
		    !strcmp(ksplice_pending_module(state, i), module))
			return true;
	return false;
}

/* Called with ksplice_mutex held. */
static void revert_parts(struct module *mod, const char *why)
{
	struct ksplice_state *state;

	list_for_each_entry(state, &ksplice_updates, list) {
		if (state->stage != KSPLICE_APPLIED ||
		    !part_live(state, mod->name))
			continue;
		state->scope = mod->name;
		revert_part(state, why);
		state->scope = NULL;
	}
}

/* MODULE_STATE_COMING: a notifier's return value. */
int ksplice_module_coming(struct module *mod)
{
	char detail[KSPLICE_DETAIL_LEN];
	struct ksplice_state *state;
	int cause = KSPLICE_OK;

	mutex_lock(&ksplice_mutex);
	list_for_each_entry(state, &ksplice_updates, list) {
		if (state->stage != KSPLICE_APPLIED || state->unregistered ||
		    !part_waiting(state, mod->name))
			continue;
		state->scope = mod->name;
		cause = apply_part(state, mod);
		state->scope = NULL;
		if (cause)
			break;
		pr_info("ksplice: update %s: applied into module %s as it loads\n",
			state->id, mod->name);
	}
	if (cause) {
		ksplice_hide_addresses(detail, state->detail, sizeof(detail));
		pr_warn("ksplice: update %s: refusing to load module %s: %s\n",
			state->id, mod->name, detail);
		revert_parts(mod, "failed to load");
	}
	mutex_unlock(&ksplice_mutex);
	return cause ? notifier_from_errno(ksplice_cause_errno(cause)) :
		NOTIFY_OK;
}

/*
 * MODULE_STATE_GOING: parts applied into mod when it came (its init failed,
 * or a forced unload) become pending again. Called with ksplice_mutex held.
 */
void ksplice_module_going_parts(struct module *mod)
{
	revert_parts(mod, "is going away");
}
