/* Lookups in the object model, and what kind of thing a symbol or section
 * is. */
#include "objfile.h"

#include <string.h>

size_t ksp_obj_section(const struct ksp_obj *obj, const char *name)
{
	for (size_t i = 0; i < obj->nsections; i++)
		if (strcmp(obj->sections[i].name, name) == 0)
			return i;
	return KSP_OBJ_NONE;
}

size_t ksp_obj_first_reloc(const struct ksp_obj_section *sec, uint64_t offset)
{
	size_t lo = 0, hi = sec->nrelocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sec->relocs[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct ksp_obj_symbol *ksp_obj_reloc_symbol(const struct ksp_obj *obj,
						  const struct ksp_obj_reloc *r)
{
	return &obj->symbols[r->sym];
}

const struct ksp_obj_section *ksp_obj_symbol_section(const struct ksp_obj *obj,
						     const struct ksp_obj_symbol *sym)
{
	return sym->section < obj->nsections ? &obj->sections[sym->section] : NULL;
}

int ksp_obj_is_entity(const struct ksp_obj *obj, size_t sym)
{
	const struct ksp_obj_symbol *s = &obj->symbols[sym];
	return (s->kind == KSP_OBJ_SYM_FUNC || s->kind == KSP_OBJ_SYM_OBJECT) &&
	       s->section < obj->nsections;
}

int ksp_obj_is_function(const struct ksp_obj *obj, size_t sym)
{
	const struct ksp_obj_section *sec;
	if (!ksp_obj_is_entity(obj, sym) || obj->symbols[sym].kind != KSP_OBJ_SYM_FUNC)
		return 0;
	sec = &obj->sections[obj->symbols[sym].section];
	return (sec->flags & KSP_OBJ_SEC_CODE) && sec->data;
}

uint64_t ksp_obj_padding_before(const struct ksp_obj *obj, size_t sym)
{
	const struct ksp_obj_symbol *s = &obj->symbols[sym];
	for (size_t i = 0; i < obj->nsymbols; i++) {
		const struct ksp_obj_symbol *p = &obj->symbols[i];
		if (p->kind == KSP_OBJ_SYM_PREFIX && p->section == s->section && p->size &&
		    p->value + p->size == s->value)
			return p->size;
	}
	return 0;
}

int ksp_obj_is_data(const struct ksp_obj *obj, size_t sym)
{
	if (!ksp_obj_is_entity(obj, sym) || obj->symbols[sym].kind != KSP_OBJ_SYM_OBJECT)
		return 0;
	const struct ksp_obj_section *sec = &obj->sections[obj->symbols[sym].section];
	return (sec->flags & KSP_OBJ_SEC_ALLOC) && !(sec->flags & KSP_OBJ_SEC_CODE) &&
	       strncmp(sec->name, ".discard", 8) != 0;
}

static int has_prefix(const char *name, const char *const *prefixes)
{
	for (int i = 0; prefixes[i]; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

int ksp_obj_is_variable_section(const char *name)
{
	static const char *const prefixes[] = {
		".data",     ".bss",	   ".rodata", ".init.data", ".init.rodata",
		".ref.data", ".exit.data", ".tdata",  ".tbss",	    NULL};
	return has_prefix(name, prefixes);
}

int ksp_obj_is_text_section(const char *name)
{
	return strncmp(name, ".text.", 6) == 0;
}

int ksp_obj_is_data_section(const char *name)
{
	static const char *const prefixes[] = {".data.", ".bss.", ".rodata.", NULL};
	return has_prefix(name, prefixes);
}

void ksp_obj_extent(const struct ksp_obj *obj, size_t sym, uint64_t *start, uint64_t *end)
{
	const struct ksp_obj_symbol *s = &obj->symbols[sym];
	uint64_t size = obj->sections[s->section].size;
	*start = s->value < size ? s->value : size;
	*end = s->size && s->size <= size - *start ? *start + s->size : size;
}
