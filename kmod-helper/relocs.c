// SPDX-License-Identifier: GPL-2.0
/*
 * The plan user space writes after insmod (/sys/kernel/ksplice/<id>/plan),
 * and the new code's references to the running kernel that the helper
 * completes: the update module file is never modified, so what run-pre
 * matching learned arrives here. At the first apply every entry and key must
 * be planned; the relocations are then written into the module's memory with
 * text_poke(), once, and the plan is final.
 *
 * Plan lines, one or more per write:
 *   patch INDEX OLD_ADDR OLD_SIZE JUMP_OFFSET EXPECTED   (EXPECTED: 10 hex digits)
 *   check INDEX OLD_ADDR OLD_SIZE                        (a check-only entry)
 *   key KEY ADDR
 * Numbers as kstrtoull() reads them with base 0 (0x... for hex). The lines
 * of pending parts (pending, pmask, pkey) are pending.c's. A write is
 * applied to a copy of the plan, which replaces it only if every line
 * passed.
 */
#include <linux/kallsyms.h>
#include <linux/percpu.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#ifdef KSPLICE_HAVE_LINUX_UNALIGNED	/* 6.12 moved it (Kbuild) */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include "helper.h"
#include "pending.h"

#define R_X86_64_64 1
#define R_X86_64_PC32 2
#define R_X86_64_PLT32 4
#define R_X86_64_32 10
#define R_X86_64_32S 11

struct ksplice_key {
	const char *name;		/* the module's string */
	unsigned long addr;
	bool valued;
};

struct ksplice_keys {
	struct ksplice_key *keys;
	unsigned int nr_keys;
	unsigned int *key_of;		/* per relocation: index into keys */
};

static unsigned int reloc_size(u32 type)
{
	switch (type) {
	case R_X86_64_64:
	case KSPLICE_R_VALUE64:
		return 8;
	case KSPLICE_R_VALUE8:
		return 1;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
		return 4;
	default:
		return 0;
	}
}

bool ksplice_relocs_valid(const struct ksplice_update *update)
{
	const struct ksplice_reloc *r = update->relocs;
	unsigned int i;

	if (update->nr_relocs > KSPLICE_MAX_RELOCS ||
	    (update->nr_relocs && !r))
		return false;
	for (i = 0; i < update->nr_relocs; i++) {
		unsigned int size = reloc_size(r[i].type);

		if (!size || !r[i].key ||
		    strnlen(r[i].key, KSPLICE_KEY_MAX) == KSPLICE_KEY_MAX ||
		    !within_module_core(r[i].place, update->owner) ||
		    !within_module_core(r[i].place + size - 1, update->owner))
			return false;
	}
	return true;
}

static int find_key(const struct ksplice_keys *k, const char *name)
{
	unsigned int i;

	for (i = 0; i < k->nr_keys; i++)
		if (!strcmp(k->keys[i].name, name))
			return i;
	return -1;
}

int ksplice_key_index(const struct ksplice_state *state, const char *name)
{
	return find_key(state->keys, name);
}

const char *ksplice_key_name(const struct ksplice_state *state, unsigned int k)
{
	return state->keys->keys[k].name;
}

unsigned int ksplice_nr_keys(const struct ksplice_state *state)
{
	return state->keys->nr_keys;
}

/* A pkey line for key k replaces its key line, if any. */
void ksplice_key_unvalue(struct ksplice_state *state, unsigned int k)
{
	state->keys->keys[k].valued = false;
	state->keys->keys[k].addr = 0;
}

/* A pkey valued when its module comes (pending_module.c). */
void ksplice_key_set(struct ksplice_state *state, unsigned int k,
		     unsigned long addr)
{
	state->keys->keys[k].addr = addr;
}

int ksplice_keys_new(struct ksplice_state *state,
		     const struct ksplice_update *update)
{
	struct ksplice_keys *k = kzalloc(sizeof(*k), GFP_KERNEL);
	unsigned int i, n = update->nr_relocs;

	state->keys = k;
	if (!k)
		return -ENOMEM;
	k->keys = kcalloc(n + 1, sizeof(*k->keys), GFP_KERNEL);
	k->key_of = kcalloc(n + 1, sizeof(*k->key_of), GFP_KERNEL);
	if (!k->keys || !k->key_of)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int at = find_key(k, update->relocs[i].key);

		if (at < 0) {
			at = k->nr_keys++;
			k->keys[at].name = update->relocs[i].key;
		}
		k->key_of[i] = at;
	}
	return ksplice_pending_new(state, update->nr_patches, k->nr_keys);
}

void ksplice_keys_free(struct ksplice_state *state)
{
	ksplice_pending_free(state);
	if (!state->keys)
		return;
	kfree(state->keys->keys);
	kfree(state->keys->key_of);
	kfree(state->keys);
	state->keys = NULL;
}

/*
 * A kernel address, or an offset into the per-CPU area (per-CPU symbols):
 * the kernel's, or a module's, which the first chunk's reserved part right
 * after the kernel's holds (PERCPU_MODULE_RESERVE; kallsyms shows a
 * module's per-CPU symbol as its offset there, e.g. rds_stats).
 */
static bool kernel_value(unsigned long addr)
{
	unsigned long percpu_end;

	if (addr >= PAGE_OFFSET)
		return true;
	percpu_end = ksplice_ksyms.kallsyms_lookup_name("__per_cpu_end");
	return percpu_end && percpu_end < PAGE_OFFSET &&
	       addr < percpu_end + PAGE_ALIGN(PERCPU_MODULE_RESERVE);
}

/*
 * kallsyms' address for a key the plan gives addr: the name as the module
 * holding addr knows it ("mod:name"), if addr is in a module and the module
 * has it, else the first the whole table has. A module's global symbols
 * need not be unique: every module has its own __this_module.
 */
static unsigned long known_address(const char *key, unsigned long addr)
{
	char scoped[MODULE_NAME_LEN + KSYM_NAME_LEN + 2] = "";
	unsigned long known = 0;
	struct module *mod;

	preempt_disable();
	mod = ksplice_ksyms.module_address(addr);
	if (mod)
		snprintf(scoped, sizeof(scoped), "%s:%s", mod->name, key);
	preempt_enable();
	if (scoped[0])
		known = ksplice_ksyms.kallsyms_lookup_name(scoped);
	return known ? known : ksplice_ksyms.kallsyms_lookup_name(key);
}

static int plan_key(struct ksplice_state *state, char **args, int nargs)
{
	struct ksplice_keys *k = state->keys;
	unsigned long long addr;
	unsigned long known;
	int at;

	if (nargs != 3 || kstrtoull(args[2], 0, &addr))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: malformed key line");
	at = find_key(k, args[1]);
	if (at < 0)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: key %s is not one of the update's",
				     args[1]);
	if (!kernel_value(addr))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: key %s: not a kernel address",
				     args[1]);
	known = strchr(args[1], ':') ? 0 : known_address(args[1], addr);
	if (known && known != addr)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: key %s: kallsyms has another address",
				     args[1]);
	k->keys[at].addr = addr;
	k->keys[at].valued = true;
	ksplice_pending_key_valued(state, at);
	return KSPLICE_OK;
}

static int parse_expected(const char *hex, u8 *out)
{
	if (strlen(hex) != 2 * KSPLICE_JUMP_LEN)
		return -EINVAL;
	return hex2bin(out, hex, KSPLICE_JUMP_LEN);
}

static int plan_entry(struct ksplice_state *state, char **args, int nargs)
{
	bool check = !strcmp(args[0], "check");
	unsigned int index, size, offset = 0;
	u8 expected[KSPLICE_EXPECTED_LEN] = { 0 };
	unsigned long long addr;
	struct ksplice_patch *p;

	if (nargs != (check ? 4 : 6) || kstrtouint(args[1], 0, &index) ||
	    kstrtoull(args[2], 0, &addr) || kstrtouint(args[3], 0, &size) ||
	    (!check && (kstrtouint(args[4], 0, &offset) ||
			parse_expected(args[5], expected))))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: malformed %s line", args[0]);
	if (index >= state->nr_patches)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: no entry %u", index);
	p = &state->plan[index];
	if (check != ksplice_check_only(state, index))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: entry %u (%s) is %s", index, p->name,
				     check ? "not check-only" : "check-only");
	if (ksplice_is_pending(state, index))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: entry %u (%s) is pending: it cannot have a %s line",
				     index, p->name, args[0]);
	p->old_addr = addr;
	p->old_size = size;
	p->jump_offset = offset;
	memcpy(p->expected, expected, sizeof(p->expected));
	p->flags |= KSPLICE_PATCH_FILLED;
	return KSPLICE_OK;
}

#define MAX_ARGS 8

/* Takes every line of buf, until one is refused. */
static int plan_lines(struct ksplice_state *state, char *buf)
{
	char *line, *args[MAX_ARGS];
	int cause = KSPLICE_OK;

	while (!cause && (line = strsep(&buf, "\n"))) {
		int nargs = 0;
		char *arg;

		while (nargs < MAX_ARGS && (arg = strsep(&line, " \t")))
			if (*arg)
				args[nargs++] = arg;
		if (nargs == 0)
			continue;
		if (line && *line)
			nargs = MAX_ARGS + 1;	/* too many: malformed */
		if (!strcmp(args[0], "key"))
			cause = plan_key(state, args, nargs);
		else if (!strcmp(args[0], "patch") || !strcmp(args[0], "check"))
			cause = plan_entry(state, args, nargs);
		else
			cause = ksplice_pending_line(state, args, nargs);
		if (cause < 0)
			cause = ksplice_abort(state, KSPLICE_BAD_PLAN,
					      "plan: unknown line %.32s", args[0]);
	}
	return cause;
}

/* What a plan write changes: the state's, or the copies it works on. */
struct plan_parts {
	struct ksplice_patch *plan;
	struct ksplice_key *keys;
	struct ksplice_pending *pending;
};

static void swap_parts(struct ksplice_state *state, struct plan_parts *parts)
{
	swap(state->plan, parts->plan);
	swap(state->keys->keys, parts->keys);
	swap(state->pending, parts->pending);
}

static void free_parts(struct plan_parts *parts)
{
	kfree(parts->plan);
	kfree(parts->keys);
	ksplice_pending_release(parts->pending);
}

/* Called with ksplice_mutex held. A write is taken whole or not at all. */
int ksplice_plan_write(struct ksplice_state *state, const char *buf,
		       size_t count)
{
	struct plan_parts parts = { 0 };
	char *copy;
	int cause;

	if (state->frozen || state->stage == KSPLICE_APPLIED)
		return -EBUSY;
	copy = kmemdup_nul(buf, count, GFP_KERNEL);
	parts.plan = kmemdup(state->plan, state->nr_patches * sizeof(*parts.plan),
			     GFP_KERNEL);
	parts.keys = kmemdup(state->keys->keys,
			     (state->keys->nr_keys + 1) * sizeof(*parts.keys),
			     GFP_KERNEL);
	parts.pending = ksplice_pending_clone(state->pending);
	if (!copy || !parts.plan || !parts.keys || !parts.pending) {
		kfree(copy);
		free_parts(&parts);
		return -ENOMEM;
	}
	swap_parts(state, &parts);	/* the lines change the copies */
	cause = plan_lines(state, copy);
	kfree(copy);
	if (cause)
		swap_parts(state, &parts);	/* refused: back to the plan */
	free_parts(&parts);
	if (cause == KSPLICE_OUT_OF_MEMORY)
		return -ENOMEM;
	return cause ? -EINVAL : 0;
}

/* S + A (- P), in range for the relocation's size. */
static int reloc_value(struct ksplice_state *state, unsigned int i, u64 *value)
{
	const struct ksplice_reloc *r = &state->update->relocs[i];
	const struct ksplice_key *key = &state->keys->keys[state->keys->key_of[i]];
	s64 v = (s64)(key->addr + r->addend);
	u64 stored = 0;

	switch (r->type) {
	case KSPLICE_R_VALUE64:
	case KSPLICE_R_VALUE8:
		if (copy_from_kernel_nofault(&stored, (void *)(unsigned long)v,
					     reloc_size(r->type)))
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "reference %u: cannot read the value of %s",
					     i, key->name);
		*value = stored;
		return KSPLICE_OK;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		v -= (s64)r->place;
		fallthrough;
	case R_X86_64_32S:
		if (v != (s32)v)
			break;
		*value = (u32)v;
		return KSPLICE_OK;
	case R_X86_64_32:
		if ((u64)v != (u32)v)
			break;
		*value = (u32)v;
		return KSPLICE_OK;
	default:
		*value = v;
		return KSPLICE_OK;
	}
	return ksplice_abort(state, KSPLICE_BAD_PLAN,
			     "reference %u to %s (type %u): out of range",
			     i, key->name, r->type);
}

/*
 * Before the first apply: every entry planned, every key valued and every
 * relocation in range. Nothing is written here.
 */
int ksplice_relocs_check(struct ksplice_state *state)
{
	const struct ksplice_keys *k = state->keys;
	unsigned int i;
	u64 value;
	int cause;

	if (state->frozen)
		return KSPLICE_OK;
	for (i = 0; i < state->nr_patches; i++)
		if (!(state->plan[i].flags & KSPLICE_PATCH_FILLED) &&
		    !ksplice_is_pending(state, i))
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "entry %u (%s) is not in the plan",
					     i, state->plan[i].name);
	for (i = 0; i < k->nr_keys; i++)
		if (!k->keys[i].valued && !ksplice_key_pending(state, i))
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "key %s has no address in the plan",
					     k->keys[i].name);
	for (i = 0; i < state->update->nr_relocs; i++) {
		if (ksplice_key_pending(state, k->key_of[i]))
			continue;	/* when its module comes */
		cause = reloc_value(state, i, &value);
		if (cause)
			return cause;
	}
	return KSPLICE_OK;
}

/* Writes relocations i (keys NULL: all but pkeys'; else those of keys). */
static void write_relocs(struct ksplice_state *state, const unsigned long *keys)
{
	unsigned int i, k;
	u64 value;

	mutex_lock(ksplice_ksyms.text_mutex);
	for (i = 0; i < state->update->nr_relocs; i++) {
		const struct ksplice_reloc *r = &state->update->relocs[i];
		u8 bytes[8];

		k = state->keys->key_of[i];
		if (keys ? !test_bit(k, keys) : ksplice_key_pending(state, k))
			continue;
		reloc_value(state, i, &value);	/* checked: in range */
		put_unaligned_le64(value, bytes);
		ksplice_ksyms.text_poke((void *)(unsigned long)r->place, bytes,
					reloc_size(r->type));
	}
	mutex_unlock(ksplice_ksyms.text_mutex);
}

/*
 * Writes the relocations into the module (read-only after load), once;
 * those of pkeys wait for their module (ksplice_relocs_write_keys).
 */
void ksplice_relocs_write(struct ksplice_state *state)
{
	if (state->frozen)
		return;
	write_relocs(state, NULL);
	state->frozen = true;
}

/* The relocations of the keys in the bitmap keys are in range. */
int ksplice_relocs_check_keys(struct ksplice_state *state,
			      const unsigned long *keys)
{
	unsigned int i;
	u64 value;
	int cause;

	for (i = 0; i < state->update->nr_relocs; i++) {
		if (!test_bit(state->keys->key_of[i], keys))
			continue;
		cause = reloc_value(state, i, &value);
		if (cause)
			return cause;
	}
	return KSPLICE_OK;
}

/* Writes them, once ksplice_relocs_check_keys() passed. */
void ksplice_relocs_write_keys(struct ksplice_state *state,
			       const unsigned long *keys)
{
	write_relocs(state, keys);
}
