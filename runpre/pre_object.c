#include "pre_object.h"

#include <stdlib.h>
#include <string.h>

static int func_cmp(const void *a, const void *b)
{
	const struct rp_function *x = a, *y = b;
	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static const struct ksp_obj_section *code_section_of(const struct ksp_obj *m,
						     const struct ksp_obj_symbol *sym)
{
	const struct ksp_obj_section *s = ksp_obj_symbol_section(m, sym);
	unsigned need = KSP_OBJ_SEC_ALLOC | KSP_OBJ_SEC_CODE;
	return s && (s->flags & need) == need && s->data ? s : NULL;
}

/* Function sizes: from each function to the next one in its section, or to
 * the section's end (alignment padding between functions is part of the
 * section at run time too). */
static int load_functions(struct rp_object *obj)
{
	const struct ksp_obj *m = &obj->model;
	obj->functions = calloc(m->nsymbols + 1, sizeof(*obj->functions));
	if (!obj->functions)
		return -1;
	for (size_t i = 0; i < m->nsymbols; i++) {
		const struct ksp_obj_symbol *sym = &m->symbols[i];
		const struct ksp_obj_section *s = code_section_of(m, sym);
		if (sym->kind != KSP_OBJ_SYM_FUNC || !s || sym->value >= s->size)
			continue;
		struct rp_function *f = &obj->functions[obj->nfunctions++];
		f->name = sym->name;
		f->section = s;
		f->offset = sym->value;
		f->global = sym->global;
		f->weak = sym->weak;
	}
	qsort(obj->functions, obj->nfunctions, sizeof(*obj->functions), func_cmp);
	for (size_t i = 0; i < obj->nfunctions; i++) {
		struct rp_function *f = &obj->functions[i];
		uint64_t end = f->section->size;
		if (i + 1 < obj->nfunctions && obj->functions[i + 1].section == f->section)
			end = obj->functions[i + 1].offset;
		f->size = end - f->offset;
	}
	return 0;
}

static int finish_open(struct rp_object *obj, struct ksp_error *err)
{
	obj->path = obj->model.path;
	obj->unit = obj->path;
	if (load_functions(obj)) {
		ksp_fail(err, "%s: out of memory", obj->path);
		rp_object_close(obj);
		return -1;
	}
	return 0;
}

int rp_object_open(const char *path, struct rp_object *obj, struct ksp_error *err)
{
	memset(obj, 0, sizeof(*obj));
	if (ksp_obj_open(path, &obj->model, err))
		return -1;
	return finish_open(obj, err);
}

int rp_object_open_mem(const char *name, const void *data, size_t size, struct rp_object *obj,
		       struct ksp_error *err)
{
	memset(obj, 0, sizeof(*obj));
	if (ksp_obj_open_mem(name, data, size, &obj->model, err))
		return -1;
	return finish_open(obj, err);
}

void rp_object_close(struct rp_object *obj)
{
	free(obj->functions);
	ksp_obj_free(&obj->model);
	memset(obj, 0, sizeof(*obj));
}

const struct ksp_obj_section *rp_object_section(const struct rp_object *obj, const char *name)
{
	size_t i = ksp_obj_section(&obj->model, name);
	if (i == KSP_OBJ_NONE || !(obj->model.sections[i].flags & KSP_OBJ_SEC_ALLOC))
		return NULL;
	return &obj->model.sections[i];
}

const char *rp_object_symbol_at(const struct rp_object *obj, const struct ksp_obj_section *sec,
				uint64_t offset, int *global)
{
	const struct ksp_obj *m = &obj->model;
	size_t index = (size_t)(sec - m->sections);
	const char *best = NULL;
	*global = 0;
	for (size_t i = 0; i < m->nsymbols; i++) {
		const struct ksp_obj_symbol *sym = &m->symbols[i];
		if (sym->section != index || sym->value != offset ||
		    sym->kind == KSP_OBJ_SYM_SECTION || sym->kind == KSP_OBJ_SYM_FILE ||
		    !*sym->name)
			continue;
		/* Prefer a function or object over a local label. */
		if (!best || sym->kind == KSP_OBJ_SYM_FUNC || sym->kind == KSP_OBJ_SYM_OBJECT) {
			best = sym->name;
			*global = sym->global;
		}
	}
	return best;
}

const struct ksp_obj_reloc *rp_section_reloc_in(const struct ksp_obj_section *s, uint64_t from,
						uint64_t to)
{
	size_t i = ksp_obj_first_reloc(s, from);
	/* R_X86_64_NONE would stall a byte-by-byte walk that steps over
	 * fields */
	while (i < s->nrelocs && s->relocs[i].size == 0)
		i++;
	return i < s->nrelocs && s->relocs[i].offset < to ? &s->relocs[i] : NULL;
}

const char *rp_reloc_name(const struct rp_object *obj, const struct ksp_obj_reloc *r)
{
	return ksp_obj_reloc_symbol(&obj->model, r)->name;
}

int rp_reloc_section_symbol(const struct rp_object *obj, const struct ksp_obj_reloc *r)
{
	return ksp_obj_reloc_symbol(&obj->model, r)->kind == KSP_OBJ_SYM_SECTION;
}

int rp_reloc_local(const struct rp_object *obj, const struct ksp_obj_reloc *r)
{
	return !rp_reloc_section_symbol(obj, r) && ksp_obj_reloc_symbol(&obj->model, r)->local;
}

const struct ksp_obj_section *
rp_reloc_target(const struct rp_object *obj, const struct ksp_obj_reloc *r, uint64_t *symbol_offset)
{
	const struct ksp_obj_symbol *sym = ksp_obj_reloc_symbol(&obj->model, r);
	const struct ksp_obj_section *s = ksp_obj_symbol_section(&obj->model, sym);
	if (!s || !(s->flags & KSP_OBJ_SEC_ALLOC))
		return NULL;
	*symbol_offset = sym->value;
	return s;
}
