// SPDX-License-Identifier: GPL-2.0
/*
 * Pending parts: entries of an update whose module was not loaded when the
 * update was planned (the protocol shared with user space, pending-protocol.md, and
 * README.md, "Pending module parts"). This file holds the model: the plan
 * lines that describe them (pending, pmask, pkey), which entries an action
 * covers, and the check at apply that the module is still absent.
 * pending_module.c applies and reverses a part when its module comes and
 * goes.
 *
 * Plan lines:
 *   pending INDEX MODULE SYMINDEX NAME OLD_SIZE JUMP_OFFSET SHA256
 *   pmask INDEX OFFSET LENGTH
 *   pkey KEY MODULE SYMINDEX NAME OFFSET        (SYMINDEX may be "-")
 * SYMINDEX, OLD_SIZE, JUMP_OFFSET, OFFSET and LENGTH are decimal.
 */
#include <linux/ctype.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "helper.h"
#include "pending.h"

struct ksplice_pending *ksplice_pending_alloc(unsigned int nr_entries,
					      unsigned int nr_keys)
{
	struct ksplice_pending *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	p->nr_entries = nr_entries;
	p->nr_keys = nr_keys;
	p->entries = kcalloc(nr_entries + 1, sizeof(*p->entries), GFP_KERNEL);
	p->keys = kvcalloc(nr_keys + 1, sizeof(*p->keys), GFP_KERNEL);
	if (!p->entries || !p->keys) {
		ksplice_pending_release(p);
		return NULL;
	}
	return p;
}

void ksplice_pending_release(struct ksplice_pending *p)
{
	unsigned int i;

	if (!p)
		return;
	for (i = 0; p->entries && i < p->nr_entries; i++)
		kfree(p->entries[i]);
	for (i = 0; p->keys && i < p->nr_keys; i++)
		kfree(p->keys[i]);
	kfree(p->entries);
	kvfree(p->keys);
	kvfree(p->masks);
	kfree(p);
}

static void *dup_with_name(const void *obj, size_t size, const char *name)
{
	return obj ? kmemdup(obj, size + strlen(name) + 1, GFP_KERNEL) : NULL;
}

/* A deep copy, for a plan write that may be refused (relocs.c). */
struct ksplice_pending *ksplice_pending_clone(const struct ksplice_pending *p)
{
	struct ksplice_pending *c = ksplice_pending_alloc(p->nr_entries,
							  p->nr_keys);
	unsigned int i;

	if (!c)
		return NULL;
	for (i = 0; i < p->nr_entries; i++) {
		if (!p->entries[i])
			continue;
		c->entries[i] = dup_with_name(p->entries[i],
					      sizeof(*p->entries[i]),
					      p->entries[i]->name);
		if (!c->entries[i])
			goto nomem;
	}
	for (i = 0; i < p->nr_keys; i++) {
		if (!p->keys[i])
			continue;
		c->keys[i] = dup_with_name(p->keys[i], sizeof(*p->keys[i]),
					   p->keys[i]->name);
		if (!c->keys[i])
			goto nomem;
	}
	if (p->nr_masks) {
		c->masks = kvcalloc(p->max_masks, sizeof(*p->masks),
				    GFP_KERNEL);
		if (!c->masks)
			goto nomem;
		memcpy(c->masks, p->masks, p->nr_masks * sizeof(*p->masks));
		c->nr_masks = p->nr_masks;
		c->max_masks = p->max_masks;
	}
	return c;
nomem:
	ksplice_pending_release(c);
	return NULL;
}

int ksplice_pending_new(struct ksplice_state *state, unsigned int nr_entries,
			unsigned int nr_keys)
{
	state->pending = ksplice_pending_alloc(nr_entries, nr_keys);
	return state->pending ? 0 : -ENOMEM;
}

void ksplice_pending_free(struct ksplice_state *state)
{
	ksplice_pending_release(state->pending);
	state->pending = NULL;
}

static const struct ksplice_pending_entry *
entry_of(const struct ksplice_state *state, unsigned int i)
{
	return state->pending ? state->pending->entries[i] : NULL;
}

bool ksplice_is_pending(const struct ksplice_state *state, unsigned int i)
{
	return entry_of(state, i);
}

/* Planned pending and not (or no longer) in its module. */
bool ksplice_waiting(const struct ksplice_state *state, unsigned int i)
{
	const struct ksplice_pending_entry *e = entry_of(state, i);

	return e && !e->live;
}

const char *ksplice_pending_module(const struct ksplice_state *state,
				   unsigned int i)
{
	const struct ksplice_pending_entry *e = entry_of(state, i);

	return e ? e->module : NULL;
}

/*
 * Whether entry i is part of the action under way: the whole update
 * (state->scope NULL: every entry but those still waiting for their
 * module), or the part for module state->scope (its pending entries).
 */
bool ksplice_acting(const struct ksplice_state *state, unsigned int i)
{
	const struct ksplice_pending_entry *e = entry_of(state, i);

	if (!state->scope)
		return !e || e->live;
	return e && !strcmp(e->module, state->scope);
}

bool ksplice_key_pending(const struct ksplice_state *state, unsigned int k)
{
	return state->pending && state->pending->keys[k];
}

/* After undo or a failed apply: every part waits for its module again. */
void ksplice_pending_reset(struct ksplice_state *state)
{
	unsigned int i;

	for (i = 0; state->pending && i < state->nr_patches; i++) {
		if (!state->pending->entries[i])
			continue;
		state->pending->entries[i]->live = false;
		state->plan[i].old_addr = 0;
	}
}

/* The plan lines. */

static bool valid_module_name(const char *name)
{
	size_t len = strnlen(name, MODULE_NAME_LEN);
	size_t i;

	if (len == 0 || len == MODULE_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static bool valid_symbol_name(const char *name)
{
	size_t len = strnlen(name, KSYM_NAME_LEN);

	return len > 0 && len < KSYM_NAME_LEN;
}

/* A symbol index: decimal, not 0 (the null symbol); "-" gives 0 if allowed. */
static int parse_symindex(const char *arg, bool dash, unsigned int *index)
{
	if (dash && !strcmp(arg, "-")) {
		*index = 0;
		return 0;
	}
	if (kstrtouint(arg, 10, index) || *index == 0)
		return -EINVAL;
	return 0;
}

static int parse_sha256(const char *hex, u8 *out)
{
	if (strlen(hex) != 2 * SHA256_DIGEST_SIZE)
		return -EINVAL;
	return hex2bin(out, hex, SHA256_DIGEST_SIZE);
}

static void drop_masks(struct ksplice_pending *p, unsigned int index)
{
	unsigned int i, n = 0;

	for (i = 0; i < p->nr_masks; i++)
		if (p->masks[i].index != index)
			p->masks[n++] = p->masks[i];
	p->nr_masks = n;
}

/* pending INDEX MODULE SYMINDEX NAME OLD_SIZE JUMP_OFFSET SHA256 */
static int plan_pending(struct ksplice_state *state, char **args, int nargs)
{
	struct ksplice_pending *p = state->pending;
	struct ksplice_pending_entry *e;
	unsigned int index, symindex, size, offset;
	u8 sha[SHA256_DIGEST_SIZE];
	bool check;

	if (nargs != 8 || kstrtouint(args[1], 10, &index) ||
	    parse_symindex(args[3], false, &symindex) ||
	    kstrtouint(args[5], 10, &size) || kstrtouint(args[6], 10, &offset) ||
	    parse_sha256(args[7], sha))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: malformed pending line");
	if (index >= state->nr_patches)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: no entry %u", index);
	if (!valid_module_name(args[2]))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pending entry %u: bad module name %.64s",
				     index, args[2]);
	if (!valid_symbol_name(args[4]))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pending entry %u: bad symbol name",
				     index);
	if (state->plan[index].flags & KSPLICE_PATCH_FILLED)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: entry %u (%s) has a patch or check line: it cannot be pending",
				     index, state->plan[index].name);
	check = ksplice_check_only(state, index);
	if (check && offset != 0)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pending entry %u (%s) is check-only: jump offset must be 0",
				     index, state->plan[index].name);
	if (size == 0 || size > KSPLICE_PENDING_MAX_SIZE ||
	    (!check && (u64)offset + KSPLICE_JUMP_LEN > size))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pending entry %u (%s): size %u cannot hold a jump at +%u",
				     index, state->plan[index].name, size,
				     offset);
	e = kzalloc(sizeof(*e) + strlen(args[4]) + 1, GFP_KERNEL);
	if (!e)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "plan: no memory for pending entry %u",
				     index);
	strscpy(e->module, args[2], sizeof(e->module));
	strcpy(e->name, args[4]);	/* sized above */
	e->symindex = symindex;
	e->old_size = size;
	e->jump_offset = offset;
	memcpy(e->sha256, sha, sizeof(sha));
	kfree(p->entries[index]);	/* a later line replaces, masks too */
	p->entries[index] = e;
	drop_masks(p, index);
	state->plan[index].old_addr = 0;
	state->plan[index].old_size = size;
	state->plan[index].jump_offset = offset;
	return KSPLICE_OK;
}

/* pmask INDEX OFFSET LENGTH */
static int plan_pmask(struct ksplice_state *state, char **args, int nargs)
{
	struct ksplice_pending *p = state->pending;
	unsigned int index, offset, length;
	const struct ksplice_pending_entry *e;

	if (nargs != 4 || kstrtouint(args[1], 10, &index) ||
	    kstrtouint(args[2], 10, &offset) ||
	    kstrtouint(args[3], 10, &length) || length == 0)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: malformed pmask line");
	if (index >= state->nr_patches)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: no entry %u", index);
	e = p->entries[index];
	if (!e)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pmask for entry %u (%s), which is not pending",
				     index, state->plan[index].name);
	if ((u64)offset + length > e->old_size)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pmask %u+%u of entry %u (%s) is beyond its %u bytes",
				     offset, length, index, e->name, e->old_size);
	if (p->nr_masks == p->max_masks) {
		unsigned int max = p->max_masks ? 2 * p->max_masks : 16;
		struct ksplice_pmask *m;

		if (max > KSPLICE_PENDING_MAX_MASKS)
			return ksplice_abort(state, KSPLICE_BAD_PLAN,
					     "plan: more than %u pmask lines",
					     KSPLICE_PENDING_MAX_MASKS);
		m = kvcalloc(max, sizeof(*m), GFP_KERNEL);
		if (!m)
			return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
					     "plan: no memory for pmask lines");
		if (p->nr_masks)
			memcpy(m, p->masks, p->nr_masks * sizeof(*m));
		kvfree(p->masks);
		p->masks = m;
		p->max_masks = max;
	}
	p->masks[p->nr_masks].index = index;
	p->masks[p->nr_masks].offset = offset;
	p->masks[p->nr_masks++].length = length;
	return KSPLICE_OK;
}

/* pkey KEY MODULE SYMINDEX NAME OFFSET */
static int plan_pkey(struct ksplice_state *state, char **args, int nargs)
{
	struct ksplice_pending *p = state->pending;
	struct ksplice_pending_key *k;
	unsigned int symindex;
	long long offset;
	int at;

	if (nargs != 6 || parse_symindex(args[3], true, &symindex) ||
	    kstrtoll(args[5], 10, &offset))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: malformed pkey line");
	at = ksplice_key_index(state, args[1]);
	if (at < 0)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: key %s is not one of the update's",
				     args[1]);
	if (!valid_module_name(args[2]))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pkey %s: bad module name %.64s",
				     args[1], args[2]);
	if (!valid_symbol_name(args[4]))
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "plan: pkey %s: bad symbol name", args[1]);
	k = kzalloc(sizeof(*k) + strlen(args[4]) + 1, GFP_KERNEL);
	if (!k)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "plan: no memory for pkey %s", args[1]);
	strscpy(k->module, args[2], sizeof(k->module));
	strcpy(k->name, args[4]);	/* sized above */
	k->symindex = symindex;
	k->offset = offset;
	kfree(p->keys[at]);	/* a later line replaces a key or pkey line */
	p->keys[at] = k;
	ksplice_key_unvalue(state, at);
	return KSPLICE_OK;
}

/* A key line for key k replaces its pkey line, if any. */
void ksplice_pending_key_valued(struct ksplice_state *state, unsigned int k)
{
	kfree(state->pending->keys[k]);
	state->pending->keys[k] = NULL;
}

/* One line of a plan write (on the copy relocs.c makes); -1: not ours. */
int ksplice_pending_line(struct ksplice_state *state, char **args, int nargs)
{
	if (!strcmp(args[0], "pending"))
		return plan_pending(state, args, nargs);
	if (!strcmp(args[0], "pmask"))
		return plan_pmask(state, args, nargs);
	if (!strcmp(args[0], "pkey"))
		return plan_pkey(state, args, nargs);
	return -1;
}

/*
 * At apply: a pending entry's module must not be loaded (any state past
 * UNFORMED). A module coming later waits for ksplice_mutex in our notifier
 * (pending_module.c), held here until the apply is over, and then finds the
 * update applied with its part waiting; one that is already formed may have
 * passed the notifier already, so the plan (made against its file) is
 * refused and user space plans again against live memory.
 */
int ksplice_pending_absent(struct ksplice_state *state)
{
	unsigned int i;
	bool loaded;

	for (i = 0; i < state->nr_patches; i++) {
		const char *name = ksplice_pending_module(state, i);

		if (!name)
			continue;
		/* find_module_all wants module_mutex or preemption off. */
		preempt_disable();
		loaded = ksplice_ksyms.find_module_all(name, strlen(name),
						       false);
		preempt_enable();
		if (loaded)
			return ksplice_abort(state, KSPLICE_MODULE_BUSY,
					     "module %s loaded since the update was planned: plan again",
					     name);
	}
	return KSPLICE_OK;
}
