// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of updates: update modules register their patch tables here
 * (the helper's only exported interface, see ksplice_update.h).
 */
#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "helper.h"

DEFINE_MUTEX(ksplice_mutex);
LIST_HEAD(ksplice_updates);

static bool valid_id(const char *id)
{
	size_t len = strnlen(id, KSPLICE_ID_MAX + 1);
	size_t i;

	if (len == 0 || len > KSPLICE_ID_MAX || !strcmp(id, "version"))
		return false;
	for (i = 0; i < len; i++)
		if (!islower(id[i]) && !isdigit(id[i]) && id[i] != '_')
			return false;
	return true;
}

/* NULL, or at most max bytes of digits, the extra characters and letters. */
static bool valid_fact(const char *s, size_t max, const char *extra,
		       bool letters)
{
	size_t len, i;

	if (!s)
		return true;
	len = strnlen(s, max + 1);
	if (len > max)
		return false;
	for (i = 0; i < len; i++)
		if (!isdigit(s[i]) && !(letters && isalpha(s[i])) &&
		    !strchr(extra, s[i]))
			return false;
	return true;
}

/* User space checked the forms; the helper only keeps sysfs readable. */
static bool valid_facts(const struct ksplice_update *update)
{
	if (update->api_version < 4)
		return true;
	return valid_fact(update->cves, KSPLICE_CVES_MAX, "CVE- ", false) &&
	       valid_fact(update->brings, KSPLICE_VERSION_MAX, ".+~:-", true);
}

static bool valid_update(const struct ksplice_update *update)
{
	unsigned int i;

	if (!update || !ksplice_api_known(update->api_version) ||
	    !update->owner || !update->patches || !update->id ||
	    update->nr_patches == 0 ||
	    update->nr_patches > KSPLICE_MAX_PATCHES || !valid_id(update->id) ||
	    !valid_facts(update))
		return false;
	for (i = 0; i < update->nr_patches; i++)
		if (strnlen(update->patches[i].name, KSPLICE_NAME_LEN) ==
		    KSPLICE_NAME_LEN)
			return false;
	return ksplice_relocs_valid(update);
}

/* from (NULL: ""), cut to size - 1 bytes, on one line. */
static void copy_line(char *to, const char *from, size_t size)
{
	size_t i;

	strscpy(to, from ? from : "", size);
	for (i = 0; to[i]; i++)
		if ((unsigned char)to[i] < 0x20 || to[i] == 0x7f)
			to[i] = ' ';
}

static void copy_facts(struct ksplice_state *state,
		       const struct ksplice_update *update)
{
	copy_line(state->description, update->description,
		  sizeof(state->description));
	if (update->api_version < 4)
		return;
	copy_line(state->cves, update->cves, sizeof(state->cves));
	copy_line(state->brings, update->brings, sizeof(state->brings));
}

static struct ksplice_state *find_by_id(const char *id)
{
	struct ksplice_state *state;

	list_for_each_entry(state, &ksplice_updates, list)
		if (!strcmp(state->id, id))
			return state;
	return NULL;
}

static void free_state(struct ksplice_state *state)
{
	ksplice_keys_free(state);
	kfree(state->plan);
	kfree(state->sites);
	kfree(state);
}

static struct ksplice_state *new_state(const struct ksplice_update *update)
{
	struct ksplice_state *state = kzalloc(sizeof(*state), GFP_KERNEL);
	unsigned int i;

	if (!state)
		return NULL;
	state->plan = kmemdup(update->patches,
			      update->nr_patches * sizeof(*state->plan),
			      GFP_KERNEL);
	state->sites = kcalloc(update->nr_patches, sizeof(*state->sites),
			       GFP_KERNEL);
	if (!state->plan || !state->sites ||
	    ksplice_keys_new(state, update)) {
		free_state(state);
		return NULL;
	}
	/* The kernel side of every entry comes from the plan, nothing else. */
	for (i = 0; i < update->nr_patches; i++)
		state->plan[i].flags &= ~KSPLICE_PATCH_FILLED;
	strscpy(state->id, update->id, sizeof(state->id));
	copy_facts(state, update);
	state->update = update;
	state->owner = update->owner;
	state->nr_patches = update->nr_patches;
	state->stage = KSPLICE_PREPARED;
	state->cause = KSPLICE_OK;
	state->kick = ksplice_kick_default;
	return state;
}

int ksplice_register_update(const struct ksplice_update *update)
{
	struct ksplice_state *state;
	int ret;

	if (!valid_update(update)) {
		pr_warn("ksplice: refused a malformed update registration\n");
		return -EINVAL;
	}
	state = new_state(update);
	if (!state)
		return -ENOMEM;
	mutex_lock(&ksplice_mutex);
	if (find_by_id(state->id)) {
		mutex_unlock(&ksplice_mutex);
		pr_warn("ksplice: update id %s is already registered\n",
			state->id);
		free_state(state);
		return -EEXIST;
	}
	ret = ksplice_state_add(state);	/* frees state on failure */
	if (!ret)
		list_add_tail(&state->list, &ksplice_updates);
	mutex_unlock(&ksplice_mutex);
	if (!ret)
		pr_info("ksplice: update %s registered (%u functions)\n",
			update->id, update->nr_patches);
	return ret;
}
EXPORT_SYMBOL_GPL(ksplice_register_update);

void ksplice_unregister_update(const struct ksplice_update *update)
{
	struct ksplice_state *state, *found = NULL;

	mutex_lock(&ksplice_mutex);
	list_for_each_entry(state, &ksplice_updates, list)
		if (state->update == update)
			found = state;
	if (found) {
		found->unregistered = true;	/* no more stage writes */
		/* Only a forced unload gets here: the module was pinned. */
		if (found->stage == KSPLICE_APPLIED)
			ksplice_reverse_for_unload(found, found->owner->name);
		if (found->stage == KSPLICE_APPLIED)
			found = NULL;	/* logged; its state stays visible */
		else
			list_del(&found->list);
	}
	mutex_unlock(&ksplice_mutex);
	/* Outside the mutex: removal waits for sysfs readers, who take it. */
	if (found)
		ksplice_state_remove(found);
}
EXPORT_SYMBOL_GPL(ksplice_unregister_update);

struct ksplice_state *ksplice_find_follower(const struct ksplice_state *self,
					   unsigned long func,
					   unsigned int *index)
{
	struct ksplice_state *state;
	unsigned int i;

	list_for_each_entry(state, &ksplice_updates, list) {
		if (state == self || state->stage != KSPLICE_APPLIED)
			continue;
		for (i = 0; i < state->nr_patches; i++) {
			if (state->sites[i].func == func &&
			    !ksplice_check_only(state, i)) {
				*index = i;
				return state;
			}
		}
	}
	return NULL;
}

struct ksplice_state *ksplice_update_owning(struct module *mod)
{
	struct ksplice_state *state;

	list_for_each_entry(state, &ksplice_updates, list)
		if (state->owner == mod)
			return state;
	return NULL;
}

/* An applied update that patches code of state, or NULL. */
struct ksplice_state *ksplice_first_dependent(const struct ksplice_state *state)
{
	struct ksplice_state *other;
	unsigned int i;

	list_for_each_entry(other, &ksplice_updates, list) {
		if (other->stage != KSPLICE_APPLIED)
			continue;
		for (i = 0; i < other->nr_patches; i++)
			if (other->sites[i].dep == state)
				return other;
	}
	return NULL;
}

/* The update and entry whose new code is at new_addr, or NULL. */
struct ksplice_state *ksplice_find_replaced(unsigned long new_addr,
					    unsigned int *index)
{
	struct ksplice_state *state;
	unsigned int i;

	list_for_each_entry(state, &ksplice_updates, list) {
		for (i = 0; i < state->nr_patches; i++) {
			if (state->plan[i].new_addr == new_addr &&
			    !ksplice_check_only(state, i)) {
				*index = i;
				return state;
			}
		}
	}
	return NULL;
}
