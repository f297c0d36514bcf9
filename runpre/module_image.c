/* A module file laid out as if loaded (module_image.h). */
#include "module_image.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#define SECTION_ALIGN 64

static int laid_out(const struct rp_module_image *im, size_t sec)
{
	return sec < im->obj.nsections && im->section_addr[sec] != 0;
}

/* The letter /proc/kallsyms gives a symbol of section sec. */
static char kallsyms_type(const struct ksp_obj_section *s, int global)
{
	char t = (s->flags & KSP_OBJ_SEC_CODE)	   ? 't'
		 : (s->flags & KSP_OBJ_SEC_NOBITS) ? 'b'
		 : (s->flags & KSP_OBJ_SEC_WRITE)  ? 'd'
						   : 'r';
	return global ? (char)(t - 'a' + 'A') : t;
}

static int list_symbols(struct rp_module_image *im)
{
	im->ksyms = calloc(im->obj.nsymbols + 1, sizeof(*im->ksyms));
	if (!im->ksyms)
		return -1;
	for (size_t i = 0; i < im->obj.nsymbols; i++) {
		const struct ksp_obj_symbol *s = &im->obj.symbols[i];
		if (!laid_out(im, s->section) || !s->name[0] || s->kind == KSP_OBJ_SYM_SECTION ||
		    s->kind == KSP_OBJ_SYM_FILE)
			continue;
		im->ksyms[im->nksyms++] = (struct ksp_ksym){
			.addr = im->section_addr[s->section] + s->value,
			.name = s->name,
			.module = im->module,
			.type = kallsyms_type(&im->obj.sections[s->section], !s->local),
		};
	}
	return 0;
}

int rp_module_image_open(const char *module, const char *path, const void *data, size_t size,
			 uint64_t base, struct rp_module_image *im, struct ksp_error *err)
{
	memset(im, 0, sizeof(*im));
	im->module = module;
	im->path = path;
	im->base = base;
	if (ksp_obj_open_mem(path, data, size, &im->obj, err))
		return -1;
	im->section_addr = calloc(im->obj.nsections + 1, sizeof(*im->section_addr));
	if (!im->section_addr)
		goto oom;
	uint64_t at = 0;
	for (size_t i = 0; i < im->obj.nsections; i++) {
		const struct ksp_obj_section *s = &im->obj.sections[i];
		if (!(s->flags & KSP_OBJ_SEC_ALLOC))
			continue;
		im->section_addr[i] = base + at;
		at += (s->size + SECTION_ALIGN) & ~(uint64_t)(SECTION_ALIGN - 1);
	}
	im->size = at;
	im->bytes = calloc(at + 1, 1);
	if (!im->bytes)
		goto oom;
	for (size_t i = 0; i < im->obj.nsections; i++) {
		const struct ksp_obj_section *s = &im->obj.sections[i];
		if (laid_out(im, i) && s->data)
			memcpy(im->bytes + (im->section_addr[i] - base), s->data, s->size);
	}
	if (list_symbols(im))
		goto oom;
	return 0;
oom:
	rp_module_image_free(im);
	return ksp_fail(err, "%s: out of memory", path);
}

uint64_t rp_module_image_symbol_addr(const struct rp_module_image *im, size_t sym)
{
	if (sym >= im->obj.nsymbols || !laid_out(im, im->obj.symbols[sym].section))
		return 0;
	return im->section_addr[im->obj.symbols[sym].section] + im->obj.symbols[sym].value;
}

int rp_module_image_global(const struct rp_module_image *im, const char *name, uint64_t *addr)
{
	for (size_t i = 0; i < im->obj.nsymbols; i++) {
		const struct ksp_obj_symbol *s = &im->obj.symbols[i];
		if (s->global && !s->local && laid_out(im, s->section) && !strcmp(s->name, name)) {
			*addr = rp_module_image_symbol_addr(im, i);
			return 1;
		}
	}
	return 0;
}

static void put_le(unsigned char *p, uint64_t v, unsigned size)
{
	for (unsigned b = 0; b < size; b++)
		p[b] = (unsigned char)(v >> (8 * b));
}

int rp_module_image_relocate(struct rp_module_image *im, rp_module_resolve_fn resolve, void *ctx,
			     struct ksp_error *err)
{
	(void)err;
	for (size_t i = 0; i < im->obj.nsections; i++) {
		const struct ksp_obj_section *s = &im->obj.sections[i];
		if (!laid_out(im, i))
			continue;
		for (size_t k = 0; k < s->nrelocs; k++) {
			const struct ksp_obj_reloc *r = &s->relocs[k];
			const struct ksp_obj_symbol *sym =
				r->sym < im->obj.nsymbols ? ksp_obj_reloc_symbol(&im->obj, r)
							  : NULL;
			uint64_t target = 0;
			if (!r->size || r->offset + r->size > s->size || !sym)
				continue;
			if (sym->section == KSP_OBJ_SHN_UNDEF) {
				if (!resolve || !resolve(ctx, sym->name, &target)) {
					if (!im->unresolved++)
						im->first_unresolved = sym->name;
					continue;
				}
			} else if (sym->section == KSP_OBJ_SHN_ABS) {
				target = sym->value;
			} else if (laid_out(im, sym->section)) {
				target = im->section_addr[sym->section] + sym->value;
			} else {
				continue; /* a section the loader does not keep */
			}
			uint64_t place = im->section_addr[i] + r->offset;
			uint64_t value = target + (uint64_t)r->addend - (r->pcrel ? place : 0);
			put_le(im->bytes + (place - im->base), value, r->size > 8 ? 8 : r->size);
		}
	}
	return 0;
}

int rp_module_image_contains(const struct rp_module_image *im, uint64_t addr)
{
	return im->bytes && addr >= im->base && addr - im->base <= im->size;
}

size_t rp_module_image_section_of(const struct rp_module_image *im, uint64_t addr, uint64_t *offset)
{
	for (size_t i = 0; i < im->obj.nsections; i++) {
		if (!laid_out(im, i) || addr < im->section_addr[i] ||
		    addr - im->section_addr[i] > im->obj.sections[i].size)
			continue;
		*offset = addr - im->section_addr[i];
		return i;
	}
	return KSP_OBJ_NONE;
}

/* Prefer a function or variable to a label, a global to a static. */
static int rank(const struct ksp_obj_symbol *s)
{
	return (s->kind == KSP_OBJ_SYM_FUNC || s->kind == KSP_OBJ_SYM_OBJECT) * 2 + !s->local;
}

int rp_module_image_symbol_at(const struct rp_module_image *im, uint64_t addr, size_t *sym,
			      int64_t *offset)
{
	uint64_t off;
	size_t sec = rp_module_image_section_of(im, addr, &off);
	size_t best = KSP_OBJ_NONE;
	if (sec == KSP_OBJ_NONE)
		return -1;
	for (size_t i = 0; i < im->obj.nsymbols; i++) {
		const struct ksp_obj_symbol *s = &im->obj.symbols[i];
		if (s->section != sec || !s->name[0] || s->kind == KSP_OBJ_SYM_SECTION ||
		    s->kind == KSP_OBJ_SYM_FILE || s->value > off || !s->elf_index)
			continue;
		if (best == KSP_OBJ_NONE) {
			best = i;
			continue;
		}
		const struct ksp_obj_symbol *b = &im->obj.symbols[best];
		if (s->value > b->value || (s->value == b->value && rank(s) > rank(b)))
			best = i;
	}
	if (best == KSP_OBJ_NONE)
		return -1;
	*sym = best;
	*offset = (int64_t)(off - im->obj.symbols[best].value);
	return 0;
}

void rp_module_image_free(struct rp_module_image *im)
{
	ksp_obj_free(&im->obj);
	free(im->section_addr);
	free(im->bytes);
	free(im->ksyms);
	memset(im, 0, sizeof(*im));
}
