// SPDX-License-Identifier: GPL-2.0
/*
 * Early references of an update module (ksplice_update.h): written when the
 * update module comes, before jump_label's and static_call's notifiers read
 * its __jump_table and .static_call_sites entries. Each names a global
 * symbol of a module (or of vmlinux), found through kallsyms; each module
 * such a key is in is held loaded until the update module goes, since the
 * jump label and static call cores link the update's sites into that
 * module's keys. Any fault refuses the update module's load, with a line
 * naming the key.
 */
#include <linux/elf.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "helper.h"

#define KSPLICE_MODULE_PREFIX "ksplice_"
#define R_X86_64_PC64 24

/* The modules an update module holds, until it goes. */
struct early_hold {
	struct list_head list;
	struct module *update;
	unsigned int nr;
	struct module *held[];
};

static LIST_HEAD(early_holds);
static DEFINE_MUTEX(early_lock);

static const struct ksplice_early_relocs *early_table(struct module *mod)
{
	const struct ksplice_early_relocs *found = NULL;
	struct mod_kallsyms *ks;
	unsigned int i;

	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; ks && i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (sym->st_shndx != SHN_UNDEF &&
		    !strcmp(ks->strtab + sym->st_name, KSPLICE_EARLY_SYMBOL)) {
			found = (const void *)(unsigned long)sym->st_value;
			break;
		}
	}
	preempt_enable();
	return found;
}

/* kallsyms' address for name, and the module it is in (NULL: vmlinux). */
static unsigned long lookup(const char *name, struct module **owner)
{
	unsigned long addr = ksplice_ksyms.kallsyms_lookup_name(name);

	preempt_disable();
	*owner = addr ? ksplice_ksyms.module_address(addr) : NULL;
	preempt_enable();
	return addr;
}

/*
 * The key's address and the module it is in (NULL: vmlinux); 0 if none.
 * A unit's key is its module's, else vmlinux's (an unexported tracepoint
 * of the core kernel that the module's code uses).
 */
static unsigned long early_key(const struct ksplice_early_reloc *r,
			       struct module **owner)
{
	char name[MODULE_NAME_LEN + KSPLICE_KEY_MAX + 1];
	unsigned long addr;

	if (r->module) {
		snprintf(name, sizeof(name), "%s:%s", r->module, r->key);
		addr = lookup(name, owner);
		if (addr && *owner && !strcmp((*owner)->name, r->module))
			return addr;
	}
	addr = lookup(r->key, owner);
	return addr && !*owner ? addr : 0;
}

static int early_write(struct module *update, const struct ksplice_early_reloc *r,
		       unsigned long key)
{
	unsigned long place = (unsigned long)r->place;
	s64 value = (s64)(key + r->addend);
	bool text;

	preempt_disable();
	text = ksplice_ksyms.module_text_address(place);
	preempt_enable();
	if (!within_module(place, update) || text)
		return -EINVAL;
	switch (r->type) {
	case R_X86_64_64:
		WRITE_ONCE(*(u64 *)place, value);
		return 0;
	case R_X86_64_PC64:
		WRITE_ONCE(*(u64 *)place, value - (s64)place);
		return 0;
	case R_X86_64_PC32:
		value -= (s64)place;
		if (value != (s32)value)
			return -ERANGE;
		WRITE_ONCE(*(s32 *)place, (s32)value);
		return 0;
	}
	return -EINVAL;
}

static bool holds(const struct early_hold *h, struct module *mod)
{
	unsigned int i;

	for (i = 0; i < h->nr; i++)
		if (h->held[i] == mod)
			return true;
	return false;
}

static void release(struct early_hold *h)
{
	while (h->nr)
		module_put(h->held[--h->nr]);
	kfree(h);
}

static int early_one(struct module *update, const struct ksplice_early_reloc *r,
		     struct early_hold *h)
{
	struct module *owner;
	unsigned long key;
	int ret;

	if (!within_module((unsigned long)r->key, update) ||
	    (r->module && !within_module((unsigned long)r->module, update)) ||
	    strnlen(r->key, KSPLICE_KEY_MAX) == KSPLICE_KEY_MAX ||
	    (r->module && strnlen(r->module, MODULE_NAME_LEN) == MODULE_NAME_LEN)) {
		pr_err("ksplice: %s: malformed early reference: load refused\n",
		       update->name);
		return -EINVAL;
	}
	key = early_key(r, &owner);
	if (!key) {
		pr_err("ksplice: %s: %s%s%s is not in the running kernel: load refused\n",
		       update->name, r->module ? r->module : "",
		       r->module ? ":" : "", r->key);
		return -ENOENT;
	}
	if (owner && !holds(h, owner)) {
		if (!try_module_get(owner)) {
			pr_err("ksplice: %s: module %s is going away: load refused\n",
			       update->name, owner->name);
			return -EBUSY;
		}
		h->held[h->nr++] = owner;
	}
	ret = early_write(update, r, key);
	if (ret)
		pr_err("ksplice: %s: the reference to %s at %pS cannot be written (%d): load refused\n",
		       update->name, r->key, (void *)(unsigned long)r->place, ret);
	return ret;
}

/* MODULE_STATE_COMING of any module: an update module's early references. */
int ksplice_early_coming(struct module *mod)
{
	const struct ksplice_early_relocs *t;
	struct early_hold *h;
	unsigned int i;
	int ret = 0;

	if (strncmp(mod->name, KSPLICE_MODULE_PREFIX,
		    strlen(KSPLICE_MODULE_PREFIX)))
		return 0;
	t = early_table(mod);
	if (!t || !t->nr_relocs)
		return 0;
	if (!within_module((unsigned long)t, mod) ||
	    !ksplice_api_known(t->api_version) ||
	    t->nr_relocs > KSPLICE_MAX_RELOCS ||
	    !within_module((unsigned long)t->relocs, mod)) {
		pr_err("ksplice: %s: malformed early references: load refused\n",
		       mod->name);
		return -EINVAL;
	}
	h = kzalloc(struct_size(h, held, t->nr_relocs), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->update = mod;
	for (i = 0; i < t->nr_relocs && !ret; i++)
		ret = early_one(mod, &t->relocs[i], h);
	if (ret) {
		release(h);
		return ret;
	}
	mutex_lock(&early_lock);
	list_add(&h->list, &early_holds);
	mutex_unlock(&early_lock);
	return 0;
}

/* MODULE_STATE_GOING: the update module no longer holds its keys' modules. */
void ksplice_early_going(struct module *mod)
{
	struct early_hold *h, *next;

	mutex_lock(&early_lock);
	list_for_each_entry_safe(h, next, &early_holds, list) {
		if (h->update != mod)
			continue;
		list_del(&h->list);
		release(h);
	}
	mutex_unlock(&early_lock);
}
