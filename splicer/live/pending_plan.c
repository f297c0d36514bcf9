/* The pending part of an update: its module's file as if loaded, and the
 * plan lines learned there (pending_plan.h). */
#include "pending_plan.h"
#include "disasm.h"
#include "module_targets.h"
#include "package.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Modules live in [MODULES_VADDR, MODULES_END) (1 GiB above the kernel
 * image's 2 GiB): images go above every loaded module, where none is, and
 * stay within rel32 reach of the kernel and the other modules. */
#define MODULES_VADDR 0xffffffffc0000000ull
#define MODULES_END 0xffffffffff000000ull
#define IMAGE_ALIGN 0x1000000ull

static int known(const struct ksp_pending *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return 1;
	return 0;
}

static int add_module(struct ksp_pending *p, const struct ksp_module_file *f, int target,
		      struct ksp_error *err)
{
	struct ksp_pending_module *v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v)
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	p->v = v;
	v = &p->v[p->n];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", f->name);
	v->target = target;
	v->path = strdup(f->path);
	p->n++;
	if (!v->path)
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	return ksp_module_file_read(v->path, v->name, &v->data, &v->size, err);
}

/* The target and its dependencies that are not loaded. */
static int add_target(struct ksp_pending *p, const char *target, const char *sysfs_root,
		      const char *modules_dir, struct ksp_error *err)
{
	struct ksp_module_files files;
	if (ksp_module_files_find(modules_dir, target, &files, err))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < files.n && !rc; i++) {
		char state[32];
		if (known(p, files.v[i].name) ||
		    (i &&
		     strcmp(ksp_module_state(sysfs_root, files.v[i].name, state, sizeof(state)),
			    "absent")))
			continue;
		rc = add_module(p, &files.v[i], i == 0, err);
	}
	ksp_module_files_free(&files);
	return rc;
}

struct resolver {
	const struct ksp_pending *p;
	const struct rp_module_image *self;
	const struct ksp_kallsyms *ks; /* the running kernel's alone */
};

/* An undefined symbol of a module file: an export of another module not
 * loaded, else of the kernel, else of a loaded module. */
static int resolve(void *ctx, const char *name, uint64_t *addr)
{
	const struct resolver *r = ctx;
	for (size_t i = 0; i < r->p->n; i++)
		if (&r->p->v[i].image != r->self &&
		    rp_module_image_global(&r->p->v[i].image, name, addr))
			return 1;
	const struct ksp_ksym *const *found;
	size_t n = ksp_kallsyms_lookup(r->ks, name, &found);
	/* Exports are global: the kernel's, then a loaded module's (whose
	 * symbols /proc/kallsyms may show in lower case once it is live); a
	 * static of the kernel only when nothing else has the name. */
	for (int pass = 0; pass < 4; pass++)
		for (size_t i = 0; i < n; i++) {
			int global = found[i]->type >= 'A' && found[i]->type <= 'Z';
			int module = found[i]->module != NULL;
			if ((pass == 0 && global && !module) || (pass == 1 && global && module) ||
			    (pass == 2 && module) || (pass == 3 && !module)) {
				*addr = found[i]->addr;
				return 1;
			}
		}
	return 0;
}

static uint64_t first_free_address(const struct ksp_kallsyms *ks)
{
	uint64_t top = MODULES_VADDR;
	for (size_t i = 0; i < ks->count; i++)
		if (ks->syms[i].module && ks->syms[i].addr >= top && ks->syms[i].addr < MODULES_END)
			top = ks->syms[i].addr;
	return (top + IMAGE_ALIGN) & ~(IMAGE_ALIGN - 1);
}

int ksp_pending_find(struct ksp_pending *p, const char *const *targets, size_t n,
		     const char *sysfs_root, const char *modules_dir, struct ksp_error *err)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < n; i++)
		if (!known(p, targets[i]) &&
		    add_target(p, targets[i], sysfs_root, modules_dir, err))
			return -1;
	return 0;
}

int ksp_pending_lay_out(struct ksp_pending *p, struct ksp_kallsyms *ks, struct rp_memview *mem,
			struct ksp_error *err)
{
	uint64_t base = first_free_address(ks);
	for (size_t i = 0; i < p->n; i++) {
		struct ksp_pending_module *m = &p->v[i];
		struct ksp_error why = {0};
		if (rp_module_image_open(m->name, m->path, m->data, m->size, base, &m->image, &why))
			return ksp_failc(err, KSP_E_TARGET_ABSENT,
					 "module %s is not loaded and its file cannot be read: %s",
					 m->name, why.msg);
		base = (base + m->image.size + IMAGE_ALIGN) & ~(IMAGE_ALIGN - 1);
		if (base > MODULES_END)
			return ksp_failc(err, KSP_E_INTERNAL,
					 "no room to lay out the files of modules not loaded");
	}
	for (size_t i = 0; i < p->n; i++) {
		struct resolver r = {p, &p->v[i].image, ks};
		if (rp_module_image_relocate(&p->v[i].image, resolve, &r, err))
			return -1;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct rp_module_image *im = &p->v[i].image;
		if (ksp_kallsyms_add(ks, im->ksyms, im->nksyms) ||
		    rp_memview_add_bytes(mem, im->base, im->bytes, im->size))
			return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	}
	return 0;
}

struct ksp_pending_module *ksp_pending_module_of(const struct ksp_pending *p, uint64_t addr)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (rp_module_image_contains(&p->v[i].image, addr))
			return &p->v[i];
	return NULL;
}

static int add_mask(struct ksp_plan_mask **v, size_t *n, uint64_t offset, uint64_t len,
		    uint64_t size)
{
	if (offset >= size || !len)
		return 0;
	if (len > size - offset)
		len = size - offset;
	struct ksp_plan_mask *grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return -1;
	*v = grown;
	(*v)[(*n)++] = (struct ksp_plan_mask){(uint32_t)offset, (uint32_t)len};
	return 0;
}

static int mask_cmp(const void *a, const void *b)
{
	const struct ksp_plan_mask *x = a, *y = b;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Bytes the kernel may rewrite at a site: the table's length, else (and at
 * least) the instruction's. */
static unsigned site_len(const struct ksp_obj_section *sec, const struct rp_site *site)
{
	struct ksp_insn insn;
	unsigned len = site->len;
	if (site->kind == KSP_SITE_LOCK)
		return len ? len : 1;
	ksp_insn_decode(sec->data + site->offset, sec->size - site->offset, site->offset, &insn);
	if (insn.len > len &&
	    (site->kind == KSP_SITE_JUMP_LABEL || site->kind == KSP_SITE_RETPOLINE || !len))
		len = insn.len;
	if (len < 5 && (site->kind == KSP_SITE_FENTRY || site->kind == KSP_SITE_RETURN ||
			site->kind == KSP_SITE_STATIC_CALL))
		len = 5;
	return len;
}

int ksp_pending_masks(const struct rp_object *ko, const struct rp_sites *sites, size_t sym,
		      struct ksp_plan_mask **masks, size_t *nmasks, uint32_t *jump_offset)
{
	const struct ksp_obj *obj = &ko->model;
	const struct ksp_obj_symbol *f = &obj->symbols[sym];
	const struct ksp_obj_section *sec = &obj->sections[f->section];
	uint64_t start = f->value, size = f->size;
	*masks = NULL;
	*nmasks = 0;
	/* As run-pre matching places it; the fentry site (masked below with
	 * the other sites) follows the ENDBR, which stays (a sealed one is a
	 * site of its own). */
	*jump_offset = (uint32_t)rp_entry_end(sites, sec, start, size);
	for (size_t k = ksp_obj_first_reloc(sec, start);
	     k < sec->nrelocs && sec->relocs[k].offset < start + size; k++) {
		const struct ksp_obj_reloc *r = &sec->relocs[k];
		if (add_mask(masks, nmasks, r->offset - start, r->size, size))
			return -1;
	}
	for (size_t i = 0; sec->data && i < sites->count; i++) {
		const struct rp_site *s = &sites->sites[i];
		if (s->section != sec || s->offset < start || s->offset >= start + size)
			continue;
		if (add_mask(masks, nmasks, s->offset - start, site_len(sec, s), size))
			return -1;
	}
	if (!*nmasks)
		return 0;
	qsort(*masks, *nmasks, sizeof(**masks), mask_cmp);
	size_t out = 1; /* the fentry call is a relocation and a site: once */
	for (size_t i = 1; i < *nmasks; i++)
		if (mask_cmp(&(*masks)[i], &(*masks)[out - 1]))
			(*masks)[out++] = (*masks)[i];
	*nmasks = out;
	return 0;
}

void ksp_pending_hash(const unsigned char *code, uint32_t size, const struct ksp_plan_mask *masks,
		      size_t nmasks, char hex[65])
{
	unsigned char *copy = malloc(size ? size : 1);
	if (!copy) {
		hex[0] = '\0';
		return;
	}
	memcpy(copy, code, size);
	for (size_t m = 0; m < nmasks; m++)
		memset(copy + masks[m].offset, 0, masks[m].len);
	ksp_sha256_hex(copy, size, hex);
	free(copy);
}

static int open_ko(struct ksp_pending_module *m, struct ksp_error *err)
{
	if (m->ko_open)
		return 0;
	if (rp_object_open_mem(m->path, m->data, m->size, &m->ko, err))
		return -1;
	m->ko.module = m->name;
	m->ko_open = 1;
	if (rp_sites_load(&m->ko, &m->sites, err))
		return -1;
	m->ko_open = 2;
	return 0;
}

/* The function of m's file at addr called name (else any function there). */
static int function_at(const struct ksp_pending_module *m, uint64_t addr, const char *name,
		       size_t *sym)
{
	const struct rp_module_image *im = &m->image;
	int64_t offset;
	for (size_t i = 0; i < im->obj.nsymbols; i++)
		if (im->obj.symbols[i].kind == KSP_OBJ_SYM_FUNC && im->obj.symbols[i].elf_index &&
		    !strcmp(im->obj.symbols[i].name, name) &&
		    rp_module_image_symbol_addr(im, i) == addr) {
			*sym = i;
			return 0;
		}
	if (rp_module_image_symbol_at(im, addr, sym, &offset) || offset != 0 ||
	    im->obj.symbols[*sym].kind != KSP_OBJ_SYM_FUNC)
		return -1;
	return 0;
}

static int plan_pending_entry(struct ksp_pending_module *m, struct ksp_plan_entry *e,
			      const char *name, struct ksp_error *err)
{
	size_t sym;
	if (function_at(m, e->old_addr, name, &sym))
		return ksp_failc(err, KSP_E_NO_MATCH,
				 "no_match: %s was matched in %s's file %s, but not at the start "
				 "of a function there",
				 name, m->name, m->path);
	if (open_ko(m, err))
		return -1;
	const struct ksp_obj_symbol *s = &m->image.obj.symbols[sym];
	const struct ksp_obj_section *sec = &m->image.obj.sections[s->section];
	uint32_t jump_offset;
	if (!s->size || !sec->data || s->value + s->size > sec->size)
		return ksp_failc(err, KSP_E_NO_MATCH, "no_match: %s has no size in %s", name,
				 m->path);
	e->module = m->name;
	e->symindex = s->elf_index;
	e->symname = s->name;
	e->old_size = (uint32_t)s->size;
	if (ksp_pending_masks(&m->ko, &m->sites, sym, &e->masks, &e->nmasks, &jump_offset))
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	if (!e->check_only && jump_offset != e->jump_offset)
		return ksp_failc(err, KSP_E_NO_MATCH,
				 "no_match: %s: run-pre matching places the jump at +%u, %s's "
				 "file says +%u",
				 name, e->jump_offset, m->path, jump_offset);
	ksp_pending_hash(sec->data + s->value, e->old_size, e->masks, e->nmasks, e->sha256);
	m->functions++;
	return 0;
}

int ksp_pending_plan(struct ksp_pending *p, struct ksp_plan_entry *entries, size_t nentries,
		     const char *const *names, struct ksp_plan_key *keys, size_t nkeys,
		     struct ksp_error *err)
{
	for (size_t i = 0; i < nentries; i++) {
		struct ksp_pending_module *m = ksp_pending_module_of(p, entries[i].old_addr);
		if (m && plan_pending_entry(m, &entries[i], names[i], err))
			return -1;
	}
	for (size_t i = 0; i < nkeys; i++) {
		struct ksp_pending_module *m = ksp_pending_module_of(p, keys[i].addr);
		size_t sym;
		int64_t offset;
		if (!m)
			continue;
		if (rp_module_image_symbol_at(&m->image, keys[i].addr, &sym, &offset))
			return ksp_failc(
				err, KSP_E_NO_MATCH,
				"no_match: the new code's reference %s is in %s's file %s, "
				"where no symbol names it",
				keys[i].key, m->name, m->path);
		keys[i].module = m->name;
		keys[i].symindex = m->image.obj.symbols[sym].elf_index;
		keys[i].symname = m->image.obj.symbols[sym].name;
		keys[i].offset = offset;
	}
	return 0;
}

void ksp_pending_free(struct ksp_pending *p)
{
	for (size_t i = 0; p && i < p->n; i++) {
		struct ksp_pending_module *m = &p->v[i];
		if (m->ko_open == 2)
			rp_sites_free(&m->sites);
		if (m->ko_open)
			rp_object_close(&m->ko);
		rp_module_image_free(&m->image);
		free(m->data);
		free(m->path);
	}
	if (p) {
		free(p->v);
		memset(p, 0, sizeof(*p));
	}
}
