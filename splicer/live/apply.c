/* ksplice-apply: from an update file to an applied update (apply.h). */
#include "apply.h"
#include "critical.h"
#include "helper_client.h"
#include "kallsyms.h"
#include "kernel_identity.h"
#include "kernel_protection.h"
#include "ksplice_update.h"
#include "metadata.h"
#include "module_files.h"
#include "module_info.h"
#include "module_load.h"
#include "module_targets.h"
#include "objfile.h"
#include "package.h"
#include "pending_plan.h"
#include "refusal.h"
#include "runpre.h"
#include "stacking.h"
#include "symtab.h"
#include "trust_check.h"
#include "update_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

_Static_assert(KSP_DESCRIPTION_MAX == KSPLICE_DESCRIPTION_MAX,
	       "update_file.h and ksplice_update.h disagree on descriptions");
_Static_assert(sizeof(struct ksplice_patch) == KSPLICE_PATCH_SIZE,
	       "struct ksplice_patch is the layout the update module's table has");
_Static_assert(KSP_UPDATE_API_VERSION == KSPLICE_API_VERSION,
	       "update_file.h and ksplice_update.h disagree on the helper's API");

struct session {
	const struct ksp_apply_opts *o;
	struct ksp_package pkg;
	struct ksp_metadata meta;
	char id[KSPLICE_ID_MAX + 1];
	char signer[512]; /* verified, or "" */
	struct rp_object *objs;
	struct rp_object **ptrs;
	size_t nobjs;
	struct ksp_kallsyms ks;
	struct rp_memview mem;
	struct rp_result result;
	struct ksp_stacked stacked;
	struct ksp_apply_outcome *out;
	int matched, mem_open;
	struct ksp_plan_entry *entries; /* the plan, by patch table index */
	size_t nentries;
	struct ksp_plan_key *keys;
	size_t nkeys;
	char *plan;	    /* as written to the helper */
	const char **names; /* of the entries */
	/* Targets not loaded (pending parts), and their files laid out. */
	const char *absent[KSP_APPLY_PENDING_MAX];
	size_t nabsent;
	struct ksp_pending pending;
};

const struct ksp_exit_map ksp_apply_exit_map[] = {
	{KSP_E_USAGE, KSP_APPLY_USAGE},
	{KSP_E_BAD_FILE, KSP_APPLY_BAD_FILE},
	{KSP_E_PERMISSION, KSP_APPLY_NOT_ROOT},
	{KSP_E_WRONG_KERNEL, KSP_APPLY_WRONG_KERNEL},
	{KSP_E_NO_MATCH, KSP_APPLY_NO_MATCH},
	{KSP_E_CODE_BUSY, KSP_APPLY_CODE_BUSY},
	{KSP_E_HELPER_REFUSED, KSP_APPLY_REFUSED},
	{KSP_E_LOAD, KSP_APPLY_LOAD},
	{KSP_E_INTERNAL, KSP_APPLY_INTERNAL},
	{KSP_E_NEEDS_EARLIER, KSP_APPLY_NEEDS_EARLIER},
	{KSP_E_OTHER_API, KSP_APPLY_OTHER_API},
	{KSP_E_UNSIGNED, KSP_APPLY_UNSIGNED},
	{KSP_E_BAD_SIGNATURE, KSP_APPLY_BAD_SIGNATURE},
	{KSP_E_UNTRUSTED, KSP_APPLY_UNTRUSTED},
	{KSP_E_TRUST_STORE, KSP_APPLY_TRUST_STORE},
	{KSP_E_LOCKDOWN, KSP_APPLY_LOCKDOWN},
	{KSP_E_MODULE_UNTRUSTED, KSP_APPLY_MODULE_UNTRUSTED},
	{KSP_E_REDIRECTED, KSP_APPLY_REDIRECTED},
	{KSP_E_TARGET_ABSENT, KSP_APPLY_TARGET_ABSENT},
	{KSP_E_THREADS_STUCK, KSP_APPLY_THREADS_STUCK},
	{KSP_E_STATE_DIR, KSP_APPLY_STATE_DIR},
	{KSP_E_NOT_KEPT, KSP_APPLY_NOT_KEPT},
	{KSP_E_UNSET, -1},
};

/* A failure of a step another module reported, as the kind it is for
 * ksplice-apply (which the step cannot know); returns -1. */
static int as_kind(struct ksp_error *err, enum ksp_code code)
{
	if (err)
		err->code = code;
	return -1;
}

/* The update module must be the one the metadata names: the helper knows
 * an update by the id its module registers, ksplice-apply by the
 * metadata's, and the module is removed by its name. */
static int check_module_name(struct session *s, struct ksp_error *err)
{
	const struct ksp_pkg_member *m = ksp_pkg_find(&s->pkg, KSP_UPDATE_MODULE);
	char name[64], want[64];
	struct ksp_error why = {0};
	if (ksp_module_info_name(m->data, m->size, name, sizeof(name), &why))
		return ksp_failc(err, KSP_E_BAD_FILE, "%s: %s", s->o->update, why.msg);
	snprintf(want, sizeof(want), "ksplice_%s", s->id);
	if (strcmp(name, want) != 0)
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "%s: its update module is %s, its metadata says update %s: the "
				 "file is inconsistent, refused",
				 s->o->update, name, s->id);
	return 0;
}

static int check_file(struct session *s, struct ksp_error *err)
{
	if (ksp_pkg_read(s->o->update, &s->pkg, err))
		return as_kind(err, KSP_E_BAD_FILE);
	/* Before the metadata is believed, and before anything is loaded. */
	struct ksp_trust_policy policy = {s->o->trust, s->o->insecure_unsigned,
					  !s->o->verbose ? NULL
					  : s->o->detail ? s->o->detail
							 : stdout,
					  s->signer, sizeof(s->signer)};
	if (ksp_trust_check(&policy, s->o->update, &s->pkg, err))
		return -1;
	const struct ksp_pkg_member *m = ksp_pkg_find(&s->pkg, KSP_UPDATE_METADATA);
	if (!m || !ksp_pkg_find(&s->pkg, KSP_UPDATE_MODULE))
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "%s: not a ksplice update (no metadata or module)", s->o->update);
	struct ksp_error why = {0};
	if (ksp_metadata_parse((const char *)m->data, m->size, &s->meta, &why))
		return ksp_failc(err, KSP_E_BAD_FILE, "%s: %s", s->o->update, why.msg);
	if (!s->meta.id)
		return ksp_failc(err, KSP_E_BAD_FILE, "%s: metadata lacks an ID", s->o->update);
	snprintf(s->id, sizeof(s->id), "%s", s->meta.id);
	snprintf(s->out->id, sizeof(s->out->id), "%s", s->id);
	if (check_module_name(s, err))
		return -1;
	if (s->meta.api_version < KSPLICE_API_VERSION_MIN ||
	    s->meta.api_version > KSPLICE_API_VERSION) {
		char version[16] = "";
		if (s->meta.api_version >= 0)
			snprintf(version, sizeof(version), "%d", s->meta.api_version);
		return ksp_failc(err, KSP_E_OTHER_API,
				 "%s: update %s was made for kmod-helper API version %s, this "
				 "ksplice applies versions %d to %d: create it again",
				 s->o->update, s->id, version, KSPLICE_API_VERSION_MIN,
				 KSPLICE_API_VERSION);
	}
	struct utsname u;
	uname(&u);
	const char *release = s->meta.kernel_release ? s->meta.kernel_release : "";
	const char *build_id = s->meta.build_id;
	char build[256];
	if (strcmp(release, u.release) != 0)
		return ksp_failc(err, KSP_E_WRONG_KERNEL,
				 "update %s is for kernel %s, this is %s: refused", s->id, release,
				 u.release);
	if (build_id && build_id[0] && ksp_running_build_id(build, sizeof(build)) == 0 &&
	    strcmp(build_id, build) != 0)
		return ksp_failc(err, KSP_E_WRONG_KERNEL,
				 "update %s is for build %s of %s, this kernel is build %s: "
				 "refused",
				 s->id, build_id, u.release, build);
	return 0;
}

/* A kernel that loads only signed modules refuses an unsigned update
 * module: say so before loading anything, the helper included. */
static int check_loadable(struct session *s, struct ksp_error *err)
{
	const struct ksp_pkg_member *m = ksp_pkg_find(&s->pkg, KSP_UPDATE_MODULE);
	char what[64];
	snprintf(what, sizeof(what), "the update module of %s", s->id);
	return ksp_check_loadable(m->data, m->size, what, err);
}

/* Does the update module link its new code into keys when it loads (early
 * references, ksplice_update.h)? */
static int has_early_references(const struct session *s)
{
	const struct ksp_pkg_member *m = ksp_pkg_find(&s->pkg, KSP_UPDATE_MODULE);
	struct ksp_error why = {0};
	struct ksp_obj ko;
	int found = 0;
	memset(&ko, 0, sizeof(ko));
	if (ksp_obj_open_mem(KSP_UPDATE_MODULE, m->data, m->size, &ko, &why))
		return 0;
	for (size_t i = 0; i < ko.nsymbols && !found; i++)
		found = ko.symbols[i].name && !strcmp(ko.symbols[i].name, KSPLICE_EARLY_SYMBOL);
	ksp_obj_free(&ko);
	return found;
}

/* The modules the update patches: live, else not loaded with a file to
 * match against (their part is pending), found before anything is loaded.
 * An update whose module links into keys at load cannot wait for one: the
 * keys may be that module's (kmod-helper would refuse the load). */
static int check_targets(struct session *s, struct ksp_error *err)
{
	char dir[4096];
	if (ksp_module_targets_check("/sys", &s->meta, s->absent, KSP_APPLY_PENDING_MAX,
				     &s->nabsent, err))
		return -1;
	if (!s->nabsent)
		return 0;
	if (has_early_references(s))
		return ksp_failc(err, KSP_E_TARGET_ABSENT,
				 "update %s: its new code uses tracepoints or static keys that "
				 "the kernel links when the update module loads, and module %s "
				 "is not loaded: load it first (modprobe %s)",
				 s->id, s->absent[0], s->absent[0]);
	ksp_modules_dir(dir, sizeof(dir));
	return ksp_pending_find(&s->pending, s->absent, s->nabsent, "/sys", dir, err);
}

/* An update made on top of others (ksplice-create --after) matches only
 * while they are applied: say so rather than fail to match. */
static int check_earlier(struct session *s, struct ksp_error *err)
{
	for (size_t i = 0; i < s->meta.after.n; i++) {
		const char *id = s->meta.after.v[i];
		enum ksp_stage stage = ksp_helper_stage(id);
		if (stage != KSP_STAGE_APPLIED)
			return ksp_failc(err, KSP_E_NEEDS_EARLIER,
					 "update %s was made on top of update %s, which is %s "
					 "here: apply %s first",
					 s->id, id, ksp_stage_name(stage), id);
	}
	return 0;
}

/* The module a unit's code runs in, NULL for vmlinux. */
static const char *unit_target(const struct session *s, const char *unit)
{
	for (size_t u = 0; u < s->meta.nunits; u++)
		if (!strcmp(s->meta.units[u].object, unit))
			return s->meta.units[u].target;
	return NULL;
}

/* Opens the pre objects where the package holds them, each named by its
 * unit: nothing is written to disk, so nothing is left behind by a kill. */
static int open_pre_objects(struct session *s, struct ksp_error *err)
{
	s->objs = calloc(s->pkg.count + 1, sizeof(*s->objs));
	s->ptrs = calloc(s->pkg.count + 1, sizeof(*s->ptrs));
	if (!s->objs || !s->ptrs)
		return ksp_fail(err, "out of memory");
	size_t pre_len = strlen(KSP_UPDATE_PRE_DIR);
	for (size_t i = 0; i < s->pkg.count; i++) {
		const struct ksp_pkg_member *m = &s->pkg.members[i];
		if (strncmp(m->name, KSP_UPDATE_PRE_DIR, pre_len) != 0)
			continue;
		if (rp_object_open_mem(m->name, m->data, m->size, &s->objs[s->nobjs], err))
			return -1;
		s->objs[s->nobjs].unit = m->name + pre_len;
		s->objs[s->nobjs].module = unit_target(s, m->name + pre_len);
		s->ptrs[s->nobjs] = &s->objs[s->nobjs];
		s->nobjs++;
	}
	return s->nobjs ? 0 : ksp_fail(err, "%s: no pre objects", s->o->update);
}

/* The applied update whose new code runs in place of the function name,
 * or NULL. */
static const char *replaced_by(const struct session *s, const char *name)
{
	const struct ksp_ksym *const *found;
	size_t n = ksp_kallsyms_lookup(&s->ks, name, &found);
	for (size_t i = 0; i < n; i++) {
		uint64_t code = found[i]->module
					? found[i]->addr
					: ksp_stacked_newest((void *)&s->stacked, found[i]->addr);
		if (code != found[i]->addr)
			return ksp_stacked_owner(&s->stacked, code);
	}
	return NULL;
}

static int no_match(const struct session *s, const struct rp_function_result *f,
		    struct ksp_error *err)
{
	const struct ksp_pending_module *m = NULL;
	for (size_t i = 0; f->object->module && i < s->pending.n; i++)
		if (!strcmp(s->pending.v[i].name, f->object->module))
			m = &s->pending.v[i];
	if (m)
		return ksp_failc(err, KSP_E_NO_MATCH,
				 "no_match: %s:%s does not match module %s's file %s (the module "
				 "is not loaded): %s (was the module built from this source, with "
				 "this compiler?)",
				 f->object->unit, f->function->name, m->name, m->path, f->detail);
	const char *owner = replaced_by(s, f->function->name);
	if (owner)
		return ksp_failc(err, KSP_E_NO_MATCH,
				 "no_match: %s:%s does not match the running kernel: %s (it runs "
				 "the new code of update %s: was this update made on top of it, "
				 "with ksplice-create --after?)",
				 f->object->unit, f->function->name, f->detail, owner);
	return ksp_failc(err, KSP_E_NO_MATCH,
			 "no_match: %s:%s does not match the running kernel: %s (was the kernel "
			 "built from this source, with this compiler?)",
			 f->object->unit, f->function->name, f->detail);
}

static int run_pre(struct session *s, struct ksp_error *err)
{
	if (open_pre_objects(s, err))
		return as_kind(err, KSP_E_BAD_FILE);
	struct ksp_error why = {0};
	if (rp_memview_open_kcore(&s->mem, "/proc/kcore", &why))
		return ksp_explain_kcore_failure(why.msg, err);
	s->mem_open = 1;
	if (ksp_kallsyms_load("/proc/kallsyms", &s->ks, err))
		return as_kind(err, KSP_E_INTERNAL);
	if (s->pending.n && ksp_pending_lay_out(&s->pending, &s->ks, &s->mem, err))
		return -1;
	if (ksp_stacked_load(&s->stacked, &s->mem))
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	struct rp_symtab st;
	rp_symtab_from_kallsyms(&st, &s->ks);
	st.newest_code = ksp_stacked_newest; /* functions applied updates replaced */
	st.newest_ctx = &s->stacked;
	if (rp_match_objects(s->ptrs, s->nobjs, &s->mem, &st, &s->result, err))
		return as_kind(err, KSP_E_INTERNAL);
	s->matched = 1;
	for (size_t i = 0; i < s->result.nfunctions; i++) {
		const struct rp_function_result *f = &s->result.functions[i];
		if (s->o->verbose)
			fprintf(s->o->detail ? s->o->detail : stdout, "  %-9s %s:%s%s%s\n",
				rp_status_name(f->status), f->object->unit, f->function->name,
				f->detail[0] ? ": " : "", f->detail);
		if (f->status == RP_NO_MATCH)
			return no_match(s, f, err);
	}
	return 0;
}

/* The match of function of unit, or NULL. */
static const struct rp_function_result *replaced_function(const struct session *s, const char *unit,
							  const char *function)
{
	for (size_t i = 0; i < s->result.nfunctions; i++) {
		const struct rp_function_result *f = &s->result.functions[i];
		if (!strcmp(f->object->unit, unit) && !strcmp(f->function->name, function))
			return f;
	}
	return NULL;
}

/* A binding key's address: run-pre's, else the one symbol of that name the
 * code of scope (the unit's module, NULL for vmlinux) can mean. */
static int resolve_key(const struct session *s, const char *key, const char *scope, uint64_t *addr)
{
	const struct rp_result *res = &s->result;
	for (size_t i = 0; i < res->nsymbols; i++)
		if (!strcmp(res->symbols[i].name, key)) {
			*addr = res->symbols[i].address;
			return 1;
		}
	if (strchr(key, ':'))
		return 0;
	struct rp_symtab st;
	uint64_t found[2];
	rp_symtab_from_kallsyms(&st, &s->ks);
	if (st.lookup(st.ctx, scope, key, found, 2) != 1)
		return 0;
	*addr = found[0];
	return 1;
}

/* Units of different targets may name one key; it is one table entry, so
 * it must mean one address. */
static int add_key(struct session *s, const char *key, const char *scope, size_t *unresolved,
		   const char **first, struct ksp_error *err)
{
	uint64_t addr = 0;
	int resolved = resolve_key(s, key, scope, &addr);
	for (size_t j = 0; j < s->nkeys; j++) {
		if (strcmp(s->keys[j].key, key))
			continue;
		if (resolved && s->keys[j].addr && s->keys[j].addr != addr)
			return ksp_failc(err, KSP_E_NO_MATCH,
					 "no_match: the new code's reference %s means different "
					 "symbols in the update's units (vmlinux and modules)",
					 key);
		return 0;
	}
	s->keys[s->nkeys].key = key;
	s->keys[s->nkeys].addr = resolved ? addr : 0;
	if (!resolved && !(*unresolved)++)
		*first = key;
	s->nkeys++;
	return 0;
}

/* The address of every key the update module's relocation table names (the
 * metadata's EXTERNALs), each once. */
static int plan_keys(struct session *s, struct ksp_error *err)
{
	size_t total = 0, unresolved = 0;
	for (size_t u = 0; u < s->meta.nunits; u++)
		total += s->meta.units[u].externals.n;
	s->keys = calloc(total + 1, sizeof(*s->keys));
	if (!s->keys)
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	const char *first = NULL;
	for (size_t u = 0; u < s->meta.nunits; u++)
		for (size_t k = 0; k < s->meta.units[u].externals.n; k++)
			if (add_key(s, s->meta.units[u].externals.v[k], s->meta.units[u].target,
				    &unresolved, &first, err))
				return -1;
	if (unresolved)
		return ksp_failc(err, KSP_E_NO_MATCH,
				 "no_match: %zu reference(s) of the new code are not found in "
				 "the running kernel, the first %s",
				 unresolved, first);
	return 0;
}

/* One patch table entry, from its function's match. A check-only entry
 * (the old cold part of a replaced function) needs only where the code is. */
static int plan_entry(struct session *s, const char *unit, const char *name, int check_only,
		      struct ksp_plan_entry *e, struct ksp_error *err)
{
	const struct rp_function_result *f = replaced_function(s, unit, name);
	if (!f || f->status != RP_MATCHED)
		return ksp_failc(
			err, KSP_E_NO_MATCH,
			"no_match: %s was not found exactly once in the running kernel%s%s", name,
			f && f->detail[0] ? ": " : "", f ? f->detail : "");
	memset(e, 0, sizeof(*e));
	e->check_only = check_only;
	e->old_addr = f->code_address; /* stacked: the newest replacement */
	e->old_size = (uint32_t)f->function->size;
	if (check_only)
		return 0;
	if (f->trampoline < 0)
		return ksp_failc(err, KSP_E_NO_MATCH, "%s: cannot be patched: %s", name,
				 f->no_jump ? f->no_jump : "no place for the jump");
	e->jump_offset = (uint32_t)f->trampoline;
	if (rp_memview_read(&s->mem, e->old_addr + e->jump_offset, e->expected, KSPLICE_JUMP_LEN))
		return ksp_failc(err, KSP_E_INTERNAL, "%s: cannot read the running code", name);
	return 0;
}

/* The update module's patch table, read (never written) from the file:
 * entry i's name and flags. */
static int read_table(struct session *s, struct ksp_obj *ko, const unsigned char **table,
		      size_t *count, struct ksp_error *err)
{
	const struct ksp_pkg_member *m = ksp_pkg_find(&s->pkg, KSP_UPDATE_MODULE);
	struct ksp_error why = {0};
	if (ksp_obj_open_mem(KSP_UPDATE_MODULE, m->data, m->size, ko, &why))
		return ksp_failc(err, KSP_E_BAD_FILE, "%s: %s", s->o->update, why.msg);
	size_t sec = ksp_obj_section(ko, KSPLICE_PATCHES_SECTION);
	if (sec == KSP_OBJ_NONE || !ko->sections[sec].data ||
	    ko->sections[sec].size % KSPLICE_PATCH_SIZE || !ko->sections[sec].size)
		return ksp_failc(err, KSP_E_BAD_FILE, "%s: update module: no patch table",
				 s->o->update);
	*table = ko->sections[sec].data;
	*count = ko->sections[sec].size / KSPLICE_PATCH_SIZE;
	return 0;
}

/* Entry i of the table is the i-th CHANGED, then CHECK, of the units in
 * the metadata's order (ksplice-create writes both so): the metadata says
 * which unit, the table confirms name and kind. */
static int plan_entries(struct session *s, const unsigned char *table, size_t count,
			struct ksp_error *err)
{
	s->entries = calloc(count + 1, sizeof(*s->entries));
	s->names = calloc(count + 1, sizeof(*s->names));
	if (!s->entries || !s->names)
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	for (size_t u = 0; u < s->meta.nunits; u++) {
		const struct ksp_meta_unit *mu = &s->meta.units[u];
		for (size_t k = 0; k < mu->changed.n + mu->check.n; k++) {
			int check = k >= mu->changed.n;
			const char *name =
				check ? mu->check.v[k - mu->changed.n] : mu->changed.v[k];
			struct ksplice_patch p;
			if (s->nentries < count)
				memcpy(&p, table + s->nentries * KSPLICE_PATCH_SIZE, sizeof(p));
			if (s->nentries >= count || strncmp(p.name, name, KSPLICE_NAME_LEN) != 0 ||
			    !(p.flags & KSPLICE_PATCH_CHECK_ONLY) != !check)
				return ksp_failc(err, KSP_E_BAD_FILE,
						 "%s: the update module's patch table does not "
						 "list %s:%s as entry %zu, as its metadata does",
						 s->o->update, mu->object, name, s->nentries);
			if (plan_entry(s, mu->object, name, check, &s->entries[s->nentries], err))
				return -1;
			s->names[s->nentries++] = name;
		}
	}
	if (s->nentries != count)
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "%s: the update module's patch table has %zu entries, its "
				 "metadata %zu",
				 s->o->update, count, s->nentries);
	return 0;
}

/* What the outcome says of the pending parts: each target not loaded and
 * its number of entries. */
static void note_pending(struct session *s)
{
	for (size_t i = 0; i < s->pending.n && s->out->npending < KSP_APPLY_PENDING_MAX; i++) {
		const struct ksp_pending_module *m = &s->pending.v[i];
		if (!m->target)
			continue;
		snprintf(s->out->pending[s->out->npending].module,
			 sizeof(s->out->pending[0].module), "%s", m->name);
		s->out->pending[s->out->npending++].functions = m->functions;
	}
}

/* Everything the helper must be told, as plan text; nothing is written. */
static int make_plan(struct session *s, struct ksp_error *err)
{
	struct ksp_obj ko;
	const unsigned char *table = NULL;
	size_t count = 0;
	memset(&ko, 0, sizeof(ko));
	int rc = read_table(s, &ko, &table, &count, err);
	if (!rc)
		rc = plan_keys(s, err);
	if (!rc)
		rc = plan_entries(s, table, count, err);
	if (!rc && s->pending.n)
		rc = ksp_pending_plan(&s->pending, s->entries, s->nentries, s->names, s->keys,
				      s->nkeys, err);
	if (!rc)
		note_pending(s);
	ksp_obj_free(&ko);
	if (!rc && !(s->plan = ksp_plan_format(s->entries, s->nentries, s->keys, s->nkeys)))
		rc = ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	return rc;
}

/* The plan was refused: the helper's words. */
static int plan_refused(struct session *s, struct ksp_error *err)
{
	int saved = errno;
	char detail[1024] = "";
	ksp_helper_abort_detail(s->id, detail, sizeof(detail));
	snprintf(s->out->cause, sizeof(s->out->cause), "bad_plan");
	return ksp_failc(err, KSP_E_HELPER_REFUSED, "the helper refused the plan: %s%s%s",
			 strerror(saved), detail[0] ? ": " : "", detail);
}

/* Inserts the update module exactly as the update file holds it, writes
 * the plan and has the helper apply it; on any failure the module is
 * removed again. */
static int insert_and_apply(struct session *s, struct ksp_error *err)
{
	const struct ksp_pkg_member *ko = ksp_pkg_find(&s->pkg, KSP_UPDATE_MODULE);
	char what[64], module[64];
	snprintf(what, sizeof(what), "update module of %s", s->id);
	snprintf(module, sizeof(module), "ksplice_%s", s->id);
	enum ksp_stage stage = ksp_helper_stage(s->id);
	if (stage != KSP_STAGE_NOT_LOADED)
		return ksp_failc(err, KSP_E_HELPER_REFUSED,
				 "update %s is already loaded (stage %s)", s->id,
				 ksp_stage_name(stage));
	if (s->o->verbose) {
		char hex[65];
		ksp_sha256_hex(ko->data, ko->size, hex);
		fprintf(s->o->detail ? s->o->detail : stdout, "  inserting %s: sha256 %s\n",
			KSP_UPDATE_MODULE, hex);
	}
	if (ksp_module_insert(ko->data, ko->size, what, err))
		return -1;
	if (ksp_helper_stage(s->id) != KSP_STAGE_PREPARED) {
		/* It registered under another id, or not at all. */
		ksp_module_remove(module);
		return ksp_failc(err, KSP_E_BAD_FILE,
				 "the update module of %s did not register update %s with "
				 "kmod-helper: refused, module removed",
				 s->id, s->id);
	}
	if (ksp_helper_write_plan(s->id, s->plan) != 0) {
		int rc = plan_refused(s, err);
		if (ksp_module_remove(module) != 0)
			fprintf(stderr, "ksplice-apply: warning: could not remove %s: %s\n", module,
				strerror(errno));
		return rc;
	}
	/* A helper without kicks has no such file: it waits, as --no-kick. */
	ksp_helper_set_kick(s->id, !s->o->no_kick);
	if (s->signer[0])
		ksp_helper_set_signer(s->id, s->signer); /* for ksplice-view, nothing checks it */
	int applied = ksp_helper_set_stage(s->id, KSP_STAGE_APPLIED) == 0;
	s->out->pause_ns = ksp_helper_pause_ns(s->id);
	struct ksp_helper_kicks kicks;
	ksp_helper_kicks(s->id, &kicks);
	s->out->kicked = kicks.kicked;
	s->out->held_ns = kicks.held_ns;
	if (applied) {
		struct ksp_helper_function *f;
		size_t n = 0;
		if (ksp_helper_functions(s->id, &f, &n) == 0)
			free(f);
		s->out->functions = (int)n;
		return 0;
	}
	int rc = ksp_apply_refused(s->id, s->o->no_kick, s->out->cause, sizeof(s->out->cause), err);
	if (ksp_module_remove(module) != 0)
		fprintf(stderr, "ksplice-apply: warning: could not remove %s: %s\n", module,
			strerror(errno));
	return rc;
}

static void cleanup(struct session *s)
{
	if (s->matched)
		rp_result_free(&s->result);
	for (size_t i = 0; i < s->nobjs; i++)
		rp_object_close(&s->objs[i]);
	free(s->objs);
	free(s->ptrs);
	ksp_stacked_free(&s->stacked);
	for (size_t i = 0; s->entries && i < s->nentries; i++)
		free(s->entries[i].masks);
	free(s->entries);
	free(s->names);
	free(s->keys);
	ksp_pending_free(&s->pending);
	free(s->plan);
	if (s->mem_open)
		rp_memview_close(&s->mem);
	ksp_kallsyms_free(&s->ks);
	ksp_metadata_free(&s->meta);
	ksp_pkg_free(&s->pkg);
}

void ksp_apply_pending_message(const struct ksp_apply_outcome *out, size_t i, char *buf, size_t len)
{
	const struct ksp_apply_pending *p = &out->pending[i];
	snprintf(buf, len,
		 "module %s is not loaded: its part (%d function%s) is pending and is applied "
		 "when %s loads",
		 p->module, p->functions, p->functions == 1 ? "" : "s", p->module);
}

/* Where --check says the replaced functions of a unit are. */
static void print_places(const struct session *s, const struct ksp_meta_unit *u)
{
	for (size_t i = 0; i < u->changed.n; i++) {
		const struct rp_function_result *f =
			replaced_function(s, u->object, u->changed.v[i]);
		const struct ksp_pending_module *m = ksp_pending_module_of(&s->pending, f->address);
		if (m) {
			printf("%s:%s: pending (module %s is not loaded; matched in %s)\n",
			       u->object, u->changed.v[i], m->name, m->path);
			continue;
		}
		const char *owner = ksp_stacked_owner(&s->stacked, f->code_address);
		printf("%s:%s: at 0x%llx, jump at +%lld", u->object, u->changed.v[i],
		       (unsigned long long)f->code_address, (long long)f->trampoline);
		if (owner)
			printf(" (new code of update %s; the function is at 0x%llx)", owner,
			       (unsigned long long)f->address);
		printf("\n");
	}
}

int ksp_apply_check(const struct ksp_apply_opts *o, struct ksp_error *err)
{
	struct session s;
	struct ksp_apply_outcome out = {0};
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.out = &out;
	int rc = check_file(&s, err);
	if (!rc && geteuid() != 0) {
		rc = ksp_failc(err, KSP_E_PERMISSION,
			       "reading the running kernel's memory needs root");
	}
	if (!rc)
		rc = check_targets(&s, err);
	if (!rc)
		rc = check_earlier(&s, err);
	if (!rc)
		rc = run_pre(&s, err);
	if (!rc)
		rc = make_plan(&s, err);
	if (!rc) {
		for (size_t i = 0; i < s.meta.nunits; i++)
			print_places(&s, &s.meta.units[i]);
		if (o->verbose)
			fputs(s.plan, o->detail ? o->detail : stdout);
		printf("update %s would apply: %zu functions matched, %zu symbols resolved\n", s.id,
		       s.result.matched, s.result.nsymbols);
		for (size_t i = 0; i < out.npending; i++) {
			char line[256];
			ksp_apply_pending_message(&out, i, line, sizeof(line));
			printf("%s\n", line);
		}
	}
	cleanup(&s);
	return rc;
}

int ksp_apply_verify_file(const struct ksp_apply_opts *o, struct ksp_apply_outcome *out,
			  struct ksp_error *err)
{
	struct session s;
	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	s.o = o;
	s.out = out;
	int rc = check_file(&s, err);
	cleanup(&s);
	return rc;
}

/* One attempt; *replan set when the helper refused because a module whose
 * part was planned as pending loaded in the meantime. */
static int apply_once(const struct ksp_apply_opts *o, struct ksp_apply_outcome *out,
		      struct ksp_error *err, int *replan)
{
	struct session s;
	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	s.o = o;
	s.out = out;
	int rc = check_file(&s, err);
	if (!rc && geteuid() != 0) {
		rc = ksp_failc(err, KSP_E_PERMISSION, "applying an update needs root");
	}
	if (!rc)
		rc = check_targets(&s, err);
	if (!rc)
		rc = check_loadable(&s, err);
	if (!rc)
		rc = ksp_helper_ensure(o->helper, err);
	if (!rc)
		rc = check_earlier(&s, err);
	if (!rc)
		rc = run_pre(&s, err);
	if (!rc)
		rc = make_plan(&s, err);
	if (!rc && o->verbose)
		fputs(s.plan, o->detail ? o->detail : stdout);
	if (!rc) {
		struct ksp_critical section;
		ksp_critical_begin(&section);
		rc = insert_and_apply(&s, err);
		ksp_critical_end(&section);
		*replan = rc && s.pending.n && !strcmp(out->cause, "module_busy");
	}
	if (rc && !out->cause[0])
		snprintf(out->cause, sizeof(out->cause), "%s",
			 ksp_code_name(ksp_error_code(err, KSP_E_INTERNAL)));
	cleanup(&s);
	return rc;
}

int ksp_apply(const struct ksp_apply_opts *o, struct ksp_apply_outcome *out, struct ksp_error *err)
{
	int replan = 0;
	int rc = apply_once(o, out, err, &replan);
	if (rc && replan) {
		/* The module came between matching its file and the apply: the
		 * helper refused (nothing written, module removed); match it
		 * live now. Once: it cannot come twice. */
		fprintf(o->detail ? o->detail : stdout,
			"ksplice-apply: %s; planning again against the loaded module\n", err->msg);
		memset(err, 0, sizeof(*err));
		rc = apply_once(o, out, err, &replan);
	}
	return rc;
}
