// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/ksplice/: the helper's version, and one directory per update
 * with its stage (written to apply or undo), the outcome of the last action,
 * what the update patches (and which modules it holds loaded), its
 * description, CVE ids, the version it brings, its signer (as user space
 * verified it) and when it was last applied.
 */
#include <linux/capability.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "helper.h"

struct kobject *ksplice_root;

static const char * const cause_names[] = {
	[KSPLICE_OK] = "ok",
	[KSPLICE_CODE_BUSY] = "code_busy",
	[KSPLICE_NO_MATCH] = "no_match",
	[KSPLICE_BAD_PLAN] = "bad_plan",
	[KSPLICE_MODULE_BUSY] = "module_busy",
	[KSPLICE_ALREADY_APPLIED] = "already_applied",
	[KSPLICE_NOT_APPLIED] = "not_applied",
	[KSPLICE_HAS_DEPENDENTS] = "has_dependents",
	[KSPLICE_TRAMPOLINE_CHANGED] = "trampoline_changed",
	[KSPLICE_OUT_OF_MEMORY] = "out_of_memory",
	[KSPLICE_REDIRECTED] = "redirected",
	[KSPLICE_THREADS_STUCK] = "threads_stuck",
};

static const char * const stage_names[] = {
	[KSPLICE_PREPARED] = "prepared",
	[KSPLICE_APPLIED] = "applied",
	[KSPLICE_REVERSED] = "reversed",
};

const char *ksplice_cause_name(enum ksplice_abort_cause cause)
{
	return cause < ARRAY_SIZE(cause_names) ? cause_names[cause] : "?";
}

static struct ksplice_state *to_state(struct kobject *kobj)
{
	return container_of(kobj, struct ksplice_state, kobj);
}

static ssize_t stage_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", stage_names[READ_ONCE(to_state(kobj)->stage)]);
}

/* The errno a failed write of stage returns; abort_cause says more. */
int ksplice_cause_errno(enum ksplice_abort_cause cause)
{
	switch (cause) {
	case KSPLICE_OK:
		return 0;
	case KSPLICE_CODE_BUSY:
	case KSPLICE_THREADS_STUCK:
	case KSPLICE_MODULE_BUSY:
	case KSPLICE_HAS_DEPENDENTS:
	case KSPLICE_REDIRECTED:
		return -EBUSY;
	case KSPLICE_ALREADY_APPLIED:
		return -EEXIST;
	case KSPLICE_OUT_OF_MEMORY:
		return -ENOMEM;
	case KSPLICE_NO_MATCH:
	case KSPLICE_TRAMPOLINE_CHANGED:
		return -ENOEXEC;
	default:
		return -EINVAL;
	}
}

static ssize_t stage_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct ksplice_state *state = to_state(kobj);
	int cause;

	if (!capable(CAP_SYS_MODULE))
		return -EPERM;
	if (!sysfs_streq(buf, "applied") && !sysfs_streq(buf, "reversed"))
		return -EINVAL;
	mutex_lock(&ksplice_mutex);
	if (state->unregistered)
		cause = ksplice_abort(state, KSPLICE_MODULE_BUSY,
				      "update module is being removed");
	else if (sysfs_streq(buf, "applied"))
		cause = ksplice_apply(state);
	else
		cause = ksplice_reverse(state);
	mutex_unlock(&ksplice_mutex);
	return cause ? ksplice_cause_errno(cause) : count;
}

/* The plan (relocs.c), before the first apply: root with CAP_SYS_MODULE. */
static ssize_t plan_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct ksplice_state *state = to_state(kobj);
	int ret;

	if (!capable(CAP_SYS_MODULE))
		return -EPERM;
	mutex_lock(&ksplice_mutex);
	ret = state->unregistered ? -EBUSY :
		ksplice_plan_write(state, buf, count);
	mutex_unlock(&ksplice_mutex);
	return ret ? ret : count;
}

static ssize_t abort_cause_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  ksplice_cause_name(READ_ONCE(to_state(kobj)->cause)));
}

static ssize_t abort_detail_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct ksplice_state *state = to_state(kobj);
	ssize_t len;

	mutex_lock(&ksplice_mutex);
	len = sysfs_emit(buf, "%s\n", state->detail);
	mutex_unlock(&ksplice_mutex);
	return len;
}

/* Why a thread in the code was not moved out of it, when that is known. */
static int conflict_note(char *buf, ssize_t at,
			 const struct ksplice_state *state,
			 const struct ksplice_conflict *c)
{
	if (c->verdict == KSPLICE_KICK_NEVER)
		return sysfs_emit_at(buf, at, " (kernel thread or exiting: cannot be kicked)");
	if (c->verdict == KSPLICE_KICK_NOT_THIS_CALL)
		return sysfs_emit_at(buf, at, " (in system call %ld, which a kick could disturb: not kicked)",
				     c->syscall);
	if (c->kicked)
		return sysfs_emit_at(buf, at, " (kicked: did not leave, an uninterruptible sleep?)");
	if (!state->kick)
		return sysfs_emit_at(buf, at, " (not kicked: kick is off)");
	return 0;
}

static ssize_t conflicts_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	struct ksplice_state *state = to_state(kobj);
	unsigned int i, shown;
	ssize_t len = 0;

	mutex_lock(&ksplice_mutex);
	shown = min_t(unsigned int, state->nr_conflicts, KSPLICE_MAX_CONFLICTS);
	for (i = 0; i < shown; i++) {
		const struct ksplice_conflict *c = &state->conflicts[i];

		len += sysfs_emit_at(buf, len, "%d %s %pS", c->pid, c->comm,
				     (void *)c->addr);
		len += conflict_note(buf, len, state, c);
		len += sysfs_emit_at(buf, len, "\n");
	}
	if (state->nr_conflicts > shown)
		len += sysfs_emit_at(buf, len, "... %u more\n",
				     state->nr_conflicts - shown);
	mutex_unlock(&ksplice_mutex);
	return len;
}

static ssize_t functions_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	struct ksplice_state *state = to_state(kobj);
	ssize_t len = 0;
	unsigned int i;

	mutex_lock(&ksplice_mutex);
	for (i = 0; i < state->nr_patches; i++)
		len += sysfs_emit_at(buf, len, "%s 0x%llx 0x%llx\n",
				     state->plan[i].name,
				     state->plan[i].old_addr,
				     state->plan[i].new_addr);
	mutex_unlock(&ksplice_mutex);
	return len;
}

static ssize_t pause_ns_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_state(kobj)->pause_ns));
}

static ssize_t pause_inside_ns_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(to_state(kobj)->pause_inside_ns));
}

static ssize_t depends_on_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct ksplice_state *state = to_state(kobj);
	ssize_t len = 0;
	unsigned int i, j;

	mutex_lock(&ksplice_mutex);
	for (i = 0; state->stage == KSPLICE_APPLIED && i < state->nr_patches;
	     i++) {
		struct ksplice_state *dep = state->sites[i].dep;

		for (j = 0; dep && j < i; j++)
			if (state->sites[j].dep == dep)
				dep = NULL;	/* listed already */
		if (dep)
			len += sysfs_emit_at(buf, len, "%s\n", dep->id);
	}
	mutex_unlock(&ksplice_mutex);
	return len;
}

/* Is name the first word of a line of buf[0, len)? */
static bool listed(const char *buf, ssize_t len, const char *name)
{
	size_t n = strlen(name);
	const char *line = buf, *end = buf + len, *nl;

	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			break;
		if ((size_t)(nl - line) >= n && !memcmp(line, name, n) &&
		    (line[n] == ' ' || line[n] == '\n'))
			return true;
	}
	return false;
}

/* Module names, no addresses: readable by anyone. */
static ssize_t targets_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct ksplice_state *state = to_state(kobj);
	char name[MODULE_NAME_LEN];
	ssize_t len = 0;
	unsigned int i;
	const char *how;

	mutex_lock(&ksplice_mutex);
	for (i = 0; i < state->nr_patches; i++) {
		if (!ksplice_target(state, i, name, sizeof(name), &how) ||
		    listed(buf, len, name))
			continue;
		len += sysfs_emit_at(buf, len, "%s%s\n", name, how);
	}
	mutex_unlock(&ksplice_mutex);
	return len;
}

/* Whether the next action kicks user threads out of busy code. */
static ssize_t kick_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_state(kobj)->kick));
}

static ssize_t kick_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct ksplice_state *state = to_state(kobj);
	bool kick;

	if (!capable(CAP_SYS_MODULE))
		return -EPERM;
	if (kstrtobool(buf, &kick))
		return -EINVAL;
	mutex_lock(&ksplice_mutex);
	state->kick = kick;
	mutex_unlock(&ksplice_mutex);
	return count;
}

static ssize_t kicked_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_state(kobj)->nr_kicked));
}

static ssize_t held_ns_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_state(kobj)->held_ns));
}

static ssize_t description_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_state(kobj)->description);
}

/* One CVE id a line. */
static ssize_t cves_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	const char *s = to_state(kobj)->cves;
	int len = 0;
	size_t n;

	while (*s) {
		n = strcspn(s, " ");
		if (n)
			len += sysfs_emit_at(buf, len, "%.*s\n", (int)n, s);
		s += n + (s[n] == ' ');
	}
	return len;
}

static ssize_t brings_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_state(kobj)->brings);
}

static ssize_t signer_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_state(kobj)->signer);
}

/*
 * Who signed the update file, as ksplice-apply verified it: the module
 * cannot say (the kernel keeps no module signature). Printable ASCII, one
 * line; final, as the plan, once the update was first applied.
 */
static ssize_t signer_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct ksplice_state *state = to_state(kobj);
	size_t len = count, i;
	int ret = 0;

	if (!capable(CAP_SYS_MODULE))
		return -EPERM;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len > KSPLICE_SIGNER_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return -EINVAL;
	mutex_lock(&ksplice_mutex);
	if (state->unregistered || state->frozen)
		ret = -EBUSY;
	else
		strscpy(state->signer, buf, len + 1);
	mutex_unlock(&ksplice_mutex);
	return ret ? ret : count;
}

static ssize_t applied_at_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)READ_ONCE(to_state(kobj)->applied_at));
}

static struct kobj_attribute stage_attr = __ATTR(stage, 0644, stage_show,
						 stage_store);
static struct kobj_attribute plan_attr = __ATTR(plan, 0200, NULL, plan_store);
static struct kobj_attribute abort_cause_attr = __ATTR_RO(abort_cause);
/*
 * Files that can carry kernel addresses are root only (0400): an address
 * is readable here only by who can read it in /proc/kcore anyway.
 */
static struct kobj_attribute abort_detail_attr = __ATTR(abort_detail, 0400,
							abort_detail_show, NULL);
static struct kobj_attribute conflicts_attr = __ATTR(conflicts, 0400,
						     conflicts_show, NULL);
static struct kobj_attribute functions_attr = __ATTR(functions, 0400,
						     functions_show, NULL);
static struct kobj_attribute pause_ns_attr = __ATTR_RO(pause_ns);
static struct kobj_attribute pause_inside_ns_attr = __ATTR_RO(pause_inside_ns);
static struct kobj_attribute depends_on_attr = __ATTR_RO(depends_on);
static struct kobj_attribute description_attr = __ATTR_RO(description);
static struct kobj_attribute cves_attr = __ATTR_RO(cves);
static struct kobj_attribute brings_attr = __ATTR_RO(brings);
static struct kobj_attribute signer_attr = __ATTR(signer, 0644, signer_show,
						  signer_store);
static struct kobj_attribute targets_attr = __ATTR_RO(targets);
static struct kobj_attribute applied_at_attr = __ATTR_RO(applied_at);
static struct kobj_attribute kick_attr = __ATTR(kick, 0644, kick_show,
						kick_store);
static struct kobj_attribute kicked_attr = __ATTR_RO(kicked);
static struct kobj_attribute held_ns_attr = __ATTR_RO(held_ns);

static struct attribute *update_attrs[] = {
	&stage_attr.attr,
	&plan_attr.attr,
	&abort_cause_attr.attr,
	&abort_detail_attr.attr,
	&conflicts_attr.attr,
	&functions_attr.attr,
	&pause_ns_attr.attr,
	&pause_inside_ns_attr.attr,
	&depends_on_attr.attr,
	&description_attr.attr,
	&cves_attr.attr,
	&brings_attr.attr,
	&signer_attr.attr,
	&applied_at_attr.attr,
	&targets_attr.attr,
	&kick_attr.attr,
	&kicked_attr.attr,
	&held_ns_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(update);

static void update_release(struct kobject *kobj)
{
	struct ksplice_state *state = to_state(kobj);

	ksplice_keys_free(state);
	kfree(state->plan);
	kfree(state->sites);
	kfree(state);
}

static struct kobj_type update_ktype = {
	.release = update_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = update_groups,
};

int ksplice_state_add(struct ksplice_state *state)
{
	int ret = kobject_init_and_add(&state->kobj, &update_ktype,
				       ksplice_root, "%s", state->id);

	if (ret)
		kobject_put(&state->kobj);
	return ret;
}

void ksplice_state_remove(struct ksplice_state *state)
{
	kobject_del(&state->kobj);
	kobject_put(&state->kobj);
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", KSPLICE_HELPER_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

int ksplice_sysfs_init(void)
{
	int ret;

	ksplice_root = kobject_create_and_add("ksplice", kernel_kobj);
	if (!ksplice_root)
		return -ENOMEM;
	ret = sysfs_create_file(ksplice_root, &version_attr.attr);
	if (ret)
		kobject_put(ksplice_root);
	return ret;
}

void ksplice_sysfs_exit(void)
{
	sysfs_remove_file(ksplice_root, &version_attr.attr);
	kobject_put(ksplice_root);
}
