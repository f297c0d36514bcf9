#include "rules.h"

#include "dwarf_interface.h"

#include <stdlib.h>
#include <string.h>

static struct mt_func *func_named(struct mt_plan *plan, const char *pre_name)
{
	for (size_t i = 0; i < plan->nfuncs; i++)
		if (plan->funcs[i].state != MT_NEW &&
		    strcmp(plan->funcs[i].pre_name, pre_name) == 0)
			return &plan->funcs[i];
	return NULL;
}

static size_t named_function(const struct ksp_obj *obj, const char *name)
{
	for (size_t i = 0; i < obj->nsymbols; i++)
		if (ksp_obj_is_function(obj, i) && strcmp(obj->symbols[i].name, name) == 0)
			return i;
	return KSP_OBJ_NONE;
}

/* The function or variable of section sec that covers off. */
static size_t covering(const struct ksp_obj *obj, size_t sec, uint64_t off)
{
	for (size_t i = 0; i < obj->nsymbols; i++) {
		if (!ksp_obj_is_entity(obj, i) || obj->symbols[i].section != sec)
			continue;
		uint64_t start, end;
		ksp_obj_extent(obj, i, &start, &end);
		if (off >= start && off < end)
			return i;
	}
	return KSP_OBJ_NONE;
}

static int mark_changed(struct mt_func *f, char *why)
{
	if (!why)
		return -1;
	if (f->state != MT_UNCHANGED) {
		free(why);
		return 0;
	}
	f->state = MT_CHANGED;
	f->line_only = 0;
	f->difference = why;
	return 0;
}

#define DYNDBG "__dyndbg"

/* A use of changed read-only data at off of section sec. */
static int changed_rodata_use(const struct mt_ctx *ctx, struct mt_plan *plan, size_t data,
			      size_t sec, uint64_t off)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	const char *name = pre->symbols[data].name;
	size_t user = covering(pre, sec, off);
	if (user == data)
		return 0;
	if (user != KSP_OBJ_NONE && ksp_obj_is_function(pre, user)) {
		struct mt_func *f = func_named(plan, pre->symbols[user].name);
		return f ? mark_changed(f, mt_strdup_printf("uses changed read-only data %s", name))
			 : 0;
	}
	const char *secname = pre->sections[sec].name;
	if (strncmp(secname, ".discard", 8) == 0 || strcmp(secname, DYNDBG) == 0)
		return 0;
	return mt_plan_refuse(
		plan, name,
		mt_strdup_printf("read-only data changed but is used by %s, which the update "
				 "cannot redirect",
				 user != KSP_OBJ_NONE ? pre->symbols[user].name : secname));
}

static int changed_data(const struct mt_ctx *ctx, struct mt_plan *plan, size_t data)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	const struct ksp_obj_symbol *s = &pre->symbols[data];
	if (!ksp_obj_is_variable_section(pre->sections[s->section].name))
		return 0; /* table_rules() */
	const struct ksp_obj_symbol *t = &ctx->post.obj->symbols[ctx->pre.pair[data]];
	int resized = s->size != t->size;
	if (pre->sections[s->section].flags & KSP_OBJ_SEC_WRITE)
		return mt_plan_refuse(
			plan, s->name,
			resized ? mt_strdup_printf(
					  "writable data changed size (%llu to %llu bytes): "
					  "running data cannot be resized",
					  (unsigned long long)s->size, (unsigned long long)t->size)
				: strdup("changed initializer of writable data: running data "
					 "cannot be re-initialized"));
	if (s->global)
		return mt_plan_refuse(plan, s->name,
				      strdup("read-only data visible outside the object changed: "
					     "code elsewhere keeps using the old copy"));
	for (size_t sec = 0; sec < pre->nsections; sec++) {
		const struct ksp_obj_section *sc = &pre->sections[sec];
		for (size_t r = 0; r < sc->nrelocs; r++)
			if (mt_reloc_entity(&ctx->pre, &sc->relocs[r]) == data &&
			    changed_rodata_use(ctx, plan, data, sec, sc->relocs[r].offset))
				return -1;
	}
	return 0;
}

/* A .cold part is entered only from its parent, by jumps: the parent must be
 * replaced with it. */
static int cold_parents(struct mt_plan *plan)
{
	for (size_t i = 0; i < plan->nfuncs; i++) {
		const struct mt_func *f = &plan->funcs[i];
		const char *cold = strstr(f->name, ".cold");
		if (!cold || f->state == MT_UNCHANGED)
			continue;
		char *parent = strndup(f->name, (size_t)(cold - f->name));
		struct mt_func *p = parent ? func_named(plan, parent) : NULL;
		int rc = !parent ? -1
			 : p	 ? mark_changed(p, mt_strdup_printf("its part %s changed", f->name))
				 : 0;
		free(parent);
		if (rc)
			return -1;
	}
	return 0;
}

static int references(const struct ksp_obj *obj, const char *name)
{
	for (size_t i = 0; i < obj->nsymbols; i++)
		if (obj->symbols[i].section == KSP_OBJ_SHN_UNDEF &&
		    !strcmp(obj->symbols[i].name, name))
			return 1;
	return 0;
}

/* The changed function an unchanged function f calls directly, or NULL. */
static const char *calls_changed(const struct mt_ctx *ctx, struct mt_plan *plan, size_t f)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	const struct ksp_obj_section *sec = &pre->sections[pre->symbols[f].section];
	uint64_t start, end;
	ksp_obj_extent(pre, f, &start, &end);
	for (size_t r = ksp_obj_first_reloc(sec, start); r < sec->nrelocs; r++) {
		const struct ksp_obj_reloc *rel = &sec->relocs[r];
		if (rel->offset >= end)
			break;
		if (rel->offset == start || sec->data[rel->offset - 1] != 0xe8)
			continue;
		size_t callee = mt_reloc_entity(&ctx->pre, rel);
		if (callee == KSP_OBJ_NONE || callee == f || !ksp_obj_is_function(pre, callee))
			continue;
		struct mt_func *c = func_named(plan, pre->symbols[callee].name);
		if (c && c->state == MT_CHANGED)
			return pre->symbols[callee].name;
	}
	return NULL;
}

/*
 * gcc's -fipa-ra lets a caller keep values in call-clobbered registers that
 * a callee of the same file is known to leave alone. A new version of the
 * callee may not: its callers must be replaced with it, and theirs in turn.
 * gcc turns this off for code compiled with -pg (every ftrace kernel), so
 * only objects without __fentry__ calls need it.
 */
static int ipa_ra_callers(const struct mt_ctx *ctx, struct mt_plan *plan)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	if (references(pre, "__fentry__") || references(pre, "mcount"))
		return 0;
	for (int more = 1; more;) {
		more = 0;
		for (size_t f = 0; f < pre->nsymbols; f++) {
			if (!ksp_obj_is_function(pre, f))
				continue;
			struct mt_func *u = func_named(plan, pre->symbols[f].name);
			if (!u || u->state != MT_UNCHANGED)
				continue;
			const char *callee = calls_changed(ctx, plan, f);
			if (!callee)
				continue;
			if (mark_changed(u, mt_strdup_printf("calls changed %s, whose register use "
							     "it may rely on (-fipa-ra, no -pg)",
							     callee)))
				return -1;
			more = 1;
		}
	}
	return 0;
}

static int is_init_section(const char *name)
{
	return strncmp(name, ".init.", 6) == 0 || strncmp(name, ".exit.", 6) == 0;
}

static int init_rules(struct mt_plan *plan)
{
	for (size_t i = 0; i < plan->nfuncs; i++) {
		const struct mt_func *f = &plan->funcs[i];
		if (f->state != MT_UNCHANGED && is_init_section(f->section) &&
		    mt_plan_refuse(plan, f->name,
				   mt_strdup_printf("%s __init/__exit function: it ran at boot "
						    "and its memory is freed",
						    mt_state_name(f->state))))
			return -1;
	}
	for (size_t i = 0; i < plan->ndata; i++) {
		const struct mt_data *d = &plan->data[i];
		if (d->state != MT_UNCHANGED && is_init_section(d->section) &&
		    mt_plan_refuse(plan, d->name,
				   mt_strdup_printf("%s __init data: it was used at boot and "
						    "its memory is freed",
						    mt_state_name(d->state))))
			return -1;
	}
	return 0;
}

/* The relocation of f's section that refers to a symbol in an __init or
 * __exit section (of the same object), or NULL. The whole section: a
 * function that shares its section with others (__head code in .head.text,
 * anything placed with __section) reaches the update with all of them. */
static const struct ksp_obj_reloc *init_reference(const struct ksp_obj *obj, size_t f)
{
	const struct ksp_obj_section *sec = &obj->sections[obj->symbols[f].section];
	for (size_t r = 0; r < sec->nrelocs; r++) {
		const struct ksp_obj_reloc *rel = &sec->relocs[r];
		size_t target = obj->symbols[rel->sym].section;
		if (target < obj->nsections && is_init_section(obj->sections[target].name))
			return rel;
	}
	return NULL;
}

/* The function of section sec whose extent holds offset, or KSP_OBJ_NONE. */
static size_t function_at(const struct ksp_obj *obj, size_t sec, uint64_t offset)
{
	for (size_t i = 0; i < obj->nsymbols; i++) {
		uint64_t start, end;
		if (obj->symbols[i].section != sec || !ksp_obj_is_function(obj, i))
			continue;
		ksp_obj_extent(obj, i, &start, &end);
		if (offset >= start && offset < end)
			return i;
	}
	return KSP_OBJ_NONE;
}

/* " (through its section .head.text, ...: sme_encrypt_kernel refers to it)"
 * when the reference is another function's of f's section, else "". */
static char *shared_section_note(const struct ksp_obj *obj, size_t f,
				 const struct ksp_obj_reloc *rel)
{
	size_t sec = obj->symbols[f].section;
	size_t owner = function_at(obj, sec, rel->offset);
	if (owner == f)
		return mt_strdup_printf("%s", "");
	return mt_strdup_printf(" (through its section %s, which the update carries whole: %s "
				"refers to it)",
				obj->sections[sec].name,
				owner == KSP_OBJ_NONE ? "code outside any function"
						      : obj->symbols[owner].name);
}

/* New code that refers to __init memory would use it after the kernel freed
 * it (mem_encrypt_identity.c's .init.scratch work area in 6.12): run-pre
 * matching cannot even place it. */
static int init_reference_rules(const struct mt_ctx *ctx, struct mt_plan *plan)
{
	const struct ksp_obj *post = ctx->post.obj;
	for (size_t i = 0; i < plan->nfuncs; i++) {
		const struct mt_func *f = &plan->funcs[i];
		if ((f->state != MT_CHANGED && f->state != MT_NEW) || is_init_section(f->section))
			continue;
		size_t at = named_function(post, f->name);
		const struct ksp_obj_reloc *rel =
			at == KSP_OBJ_NONE ? NULL : init_reference(post, at);
		if (!rel)
			continue;
		const char *sec = post->sections[post->symbols[rel->sym].section].name;
		const char *name = post->symbols[rel->sym].name;
		char *note = shared_section_note(post, at, rel);
		char *reason = note ? mt_strdup_printf("%s function refers to %s%s%s, __init "
						       "memory that is freed after boot%s",
						       mt_state_name(f->state), sec,
						       strcmp(name, sec) ? ": " : "",
						       strcmp(name, sec) ? name : "", note)
				    : NULL;
		free(note);
		if (mt_plan_refuse(plan, f->name, reason))
			return -1;
	}
	return 0;
}

/* The kernel reads its tables' entries at boot or module load: an update
 * can neither change, add nor remove one. Except dynamic debug descriptors
 * (pr_debug): the update module brings its own, new, changed or not, which
 * the loader registers under the update's name (extraction carries
 * __dyndbg whole, special_sections.c), and one the patch removes stays
 * unused. */
static int table_rules(struct mt_plan *plan)
{
	for (size_t i = 0; i < plan->ndata; i++) {
		struct mt_data *d = &plan->data[i];
		if (strcmp(d->section, DYNDBG) == 0) {
			d->state = MT_UNCHANGED;
			continue;
		}
		if (d->state != MT_UNCHANGED && !ksp_obj_is_variable_section(d->section) &&
		    mt_plan_refuse(plan, d->name,
				   mt_strdup_printf("%s entry of the kernel table %s: the kernel "
						    "reads it at boot or load only",
						    mt_state_name(d->state), d->section)))
			return -1;
	}
	return 0;
}

/* A CRC changes with any change to what genksyms sees of the symbol's
 * declaration, including type definitions an added #include makes visible;
 * the compiled types decide whether modules would see another interface. */
/* 0 if the interface is the same; 1 with the refusal's reason in *reason
 * (NULL if out of memory, which mt_plan_refuse reports). */
static int crc_refusal(const struct mt_options *opts, const struct mt_crc *a,
		       const struct mt_crc *b, char **reason)
{
	char why[512];
	struct ksp_error err = {0};
	int rc = 1;
	snprintf(why, sizeof(why), "no object to read its compiled types from");
	if (opts->pre_object && opts->post_object)
		rc = ksp_dwarf_interface_compare(opts->pre_object, opts->post_object, a->name, why,
						 sizeof(why), &err);
	if (rc == 0)
		return 0;
	if (rc < 0)
		*reason =
			mt_strdup_printf("exported symbol's CRC changed (0x%08x to 0x%08x) and its "
					 "compiled interface cannot be compared (%s): its "
					 "interface may have changed for modules",
					 a->crc, b->crc, err.msg);
	else
		*reason = mt_strdup_printf("exported symbol's CRC changed (0x%08x to 0x%08x): its "
					   "interface changed for modules: %s",
					   a->crc, b->crc, why);
	return 1;
}

static int crc_rules(const struct mt_options *opts, struct mt_plan *plan)
{
	if (!opts || !opts->pre_crcs || !opts->post_crcs)
		return 0;
	for (size_t i = 0; i < opts->pre_crcs->n; i++) {
		const struct mt_crc *a = &opts->pre_crcs->v[i];
		for (size_t j = 0; j < opts->post_crcs->n; j++) {
			const struct mt_crc *b = &opts->post_crcs->v[j];
			if (strcmp(a->name, b->name) != 0 || a->crc == b->crc)
				continue;
			char *why = NULL;
			if (crc_refusal(opts, a, b, &why) && mt_plan_refuse(plan, a->name, why))
				return -1;
		}
	}
	return 0;
}

/* Room for a 5-byte jump: after the ftrace call site (call __fentry__ at
 * the entry) when there is one, from the entry otherwise. */
static int trampoline_rules(const struct mt_ctx *ctx, struct mt_plan *plan)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	for (size_t i = 0; i < plan->nfuncs; i++) {
		const struct mt_func *f = &plan->funcs[i];
		if (f->state != MT_CHANGED || strstr(f->name, ".cold"))
			continue;
		size_t sym = named_function(pre, f->pre_name);
		if (sym == KSP_OBJ_NONE)
			continue;
		const struct ksp_obj_section *sec = &pre->sections[pre->symbols[sym].section];
		uint64_t start, end;
		ksp_obj_extent(pre, sym, &start, &end);
		size_t r = ksp_obj_first_reloc(sec, start + 1);
		int fentry = end - start >= 5 && sec->data[start] == 0xe8 && r < sec->nrelocs &&
			     sec->relocs[r].offset == start + 1 &&
			     strcmp(pre->symbols[sec->relocs[r].sym].name, "__fentry__") == 0;
		uint64_t room = end - start - (fentry ? 5 : 0);
		if (room < 5 &&
		    mt_plan_refuse(plan, f->name,
				   mt_strdup_printf("cannot take a trampoline: %llu bytes %s, a "
						    "5-byte jump is needed",
						    (unsigned long long)room,
						    fentry ? "after its ftrace call site"
							   : "long, without an ftrace call site")))
			return -1;
	}
	return 0;
}

int mt_apply_rules(const struct mt_ctx *ctx, const struct mt_options *opts, struct mt_plan *plan)
{
	const struct ksp_obj *pre = ctx->pre.obj;
	for (size_t i = 0; i < pre->nsymbols; i++)
		if (ctx->pre.changed[i] && changed_data(ctx, plan, i))
			return -1;
	if (cold_parents(plan) || ipa_ra_callers(ctx, plan) || init_rules(plan) ||
	    init_reference_rules(ctx, plan) || table_rules(plan) || crc_rules(opts, plan) ||
	    trampoline_rules(ctx, plan))
		return -1;
	return 0;
}
