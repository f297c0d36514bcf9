#include "pre_object.h"

#include <bfd.h>
#include <stdlib.h>
#include <string.h>

static void bfd_once(void)
{
	static int done;
	if (!done) {
		bfd_init();
		done = 1;
	}
}

static int open_fail(struct rp_object *obj, struct ksp_error *err, const char *what)
{
	ksp_fail(err, "%s: %s", obj->path, what);
	rp_object_close(obj);
	return -1;
}

static int reloc_cmp(const void *a, const void *b)
{
	const struct rp_reloc *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int load_relocs(struct rp_object *obj, struct rp_section *s)
{
	bfd *abfd = obj->abfd;
	long bound = bfd_get_reloc_upper_bound(abfd, s->sec);
	if (bound < 0)
		return -1;
	arelent **rels = malloc((size_t)bound > 0 ? (size_t)bound : sizeof(*rels));
	long n = rels ? bfd_canonicalize_reloc(abfd, s->sec, rels, (asymbol **)obj->symbols) : -1;
	if (n < 0) {
		free(rels);
		return -1;
	}
	s->relocs = calloc((size_t)n + 1, sizeof(*s->relocs));
	if (!s->relocs) {
		free(rels);
		return -1;
	}
	for (long i = 0; i < n; i++) {
		struct rp_reloc *r = &s->relocs[s->nrelocs];
		arelent *rel = rels[i];
		if (!rel->howto || !rel->sym_ptr_ptr || !*rel->sym_ptr_ptr)
			continue;
		asymbol *sym = *rel->sym_ptr_ptr;
		r->offset = rel->address;
		r->size = bfd_get_reloc_size(rel->howto);
		r->pcrel = rel->howto->pc_relative;
		r->type = rel->howto->type;
		r->addend = (int64_t)rel->addend;
		r->symbol = bfd_asymbol_name(sym);
		r->section_symbol = (sym->flags & BSF_SECTION_SYM) != 0;
		r->local = !r->section_symbol && (sym->flags & BSF_LOCAL) != 0;
		if (!bfd_is_und_section(sym->section) && !bfd_is_com_section(sym->section)) {
			r->target_section = sym->section;
			r->symbol_offset = sym->value;
		}
		if (r->offset + r->size > s->size)
			continue; /* a corrupt object; never index past the section */
		if (r->size == 0)
			continue; /* R_X86_64_NONE: patches nothing (and would stall a
				     byte-by-byte walk that steps over fields) */
		s->nrelocs++;
	}
	free(rels);
	qsort(s->relocs, s->nrelocs, sizeof(*s->relocs), reloc_cmp);
	return 0;
}

/* No kernel object's zero-filled section (.bss) comes near this. */
#define MAX_NOBITS (256ull << 20)

/* The largest size section may claim: a corrupt object's can be anything,
 * and it is allocated. Bytes from the file cannot outnumber the file's. */
static uint64_t section_size_limit(const struct rp_object *obj, const asection *sec)
{
	if (!(sec->flags & SEC_HAS_CONTENTS))
		return MAX_NOBITS;
	return bfd_get_file_size(obj->abfd);
}

static int load_sections(struct rp_object *obj)
{
	bfd *abfd = obj->abfd;
	size_t n = 0;
	for (asection *sec = abfd->sections; sec; sec = sec->next)
		n++;
	obj->sections = calloc(n + 1, sizeof(*obj->sections));
	if (!obj->sections)
		return -1;
	for (asection *sec = abfd->sections; sec; sec = sec->next) {
		if (!(sec->flags & SEC_ALLOC))
			continue;
		struct rp_section *s = &obj->sections[obj->nsections++];
		s->sec = sec;
		s->name = bfd_section_name(sec);
		s->size = bfd_section_size(sec);
		s->code = (sec->flags & SEC_CODE) != 0;
		s->merge = (sec->flags & SEC_MERGE) != 0;
		s->strings = (sec->flags & SEC_STRINGS) != 0;
		s->entsize = sec->entsize;
		if (s->size > section_size_limit(obj, sec))
			return -1;
		s->data = calloc(1, s->size ? s->size : 1);
		if (!s->data)
			return -1;
		if ((sec->flags & SEC_HAS_CONTENTS) && s->size &&
		    !bfd_get_section_contents(abfd, sec, s->data, 0, s->size))
			return -1;
		if (load_relocs(obj, s))
			return -1;
	}
	return 0;
}

static int func_cmp(const void *a, const void *b)
{
	const struct rp_function *x = a, *y = b;
	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Function sizes: from each function to the next one in its section, or to
 * the section's end (ELF st_size is not exposed by bfd.h; alignment padding
 * between functions is part of the section at run time too). */
static int load_functions(struct rp_object *obj)
{
	asymbol **syms = (asymbol **)obj->symbols;
	obj->functions = calloc((size_t)obj->nsymbols + 1, sizeof(*obj->functions));
	if (!obj->functions)
		return -1;
	for (long i = 0; i < obj->nsymbols; i++) {
		asymbol *sym = syms[i];
		if (!(sym->flags & BSF_FUNCTION) || bfd_is_und_section(sym->section))
			continue;
		struct rp_section *s = rp_object_section_of(obj, sym->section);
		if (!s || !s->code || sym->value >= s->size)
			continue;
		struct rp_function *f = &obj->functions[obj->nfunctions++];
		f->name = bfd_asymbol_name(sym);
		f->section = s;
		f->offset = sym->value;
		f->global = (sym->flags & (BSF_GLOBAL | BSF_WEAK)) != 0;
		f->weak = (sym->flags & BSF_WEAK) != 0;
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

int rp_object_open(const char *path, struct rp_object *obj, struct ksp_error *err)
{
	memset(obj, 0, sizeof(*obj));
	bfd_once();
	obj->path = strdup(path);
	if (!obj->path)
		return ksp_fail(err, "out of memory");
	obj->unit = obj->path;
	obj->abfd = bfd_openr(path, NULL);
	if (!obj->abfd)
		return open_fail(obj, err, bfd_errmsg(bfd_get_error()));
	if (!bfd_check_format(obj->abfd, bfd_object))
		return open_fail(obj, err, "not an object file");
	if (bfd_get_flavour(obj->abfd) != bfd_target_elf_flavour ||
	    bfd_get_arch(obj->abfd) != bfd_arch_i386 || bfd_get_arch_size(obj->abfd) != 64)
		return open_fail(obj, err, "not an x86-64 ELF object");
	if (!(bfd_get_file_flags(obj->abfd) & HAS_RELOC) && !(obj->abfd->flags & HAS_SYMS))
		return open_fail(obj, err, "not a relocatable object");
	long bound = bfd_get_symtab_upper_bound(obj->abfd);
	if (bound < 0)
		return open_fail(obj, err, "unreadable symbol table");
	obj->symbols = malloc((size_t)bound > 0 ? (size_t)bound : sizeof(void *));
	obj->nsymbols =
		obj->symbols ? bfd_canonicalize_symtab(obj->abfd, (asymbol **)obj->symbols) : -1;
	if (obj->nsymbols < 0)
		return open_fail(obj, err, "unreadable symbol table");
	if (load_sections(obj))
		return open_fail(obj, err, "unreadable section or relocations");
	if (load_functions(obj))
		return open_fail(obj, err, "out of memory");
	return 0;
}

void rp_object_close(struct rp_object *obj)
{
	for (size_t i = 0; i < obj->nsections; i++) {
		free(obj->sections[i].data);
		free(obj->sections[i].relocs);
	}
	free(obj->sections);
	free(obj->functions);
	free(obj->symbols);
	if (obj->abfd)
		bfd_close(obj->abfd);
	free(obj->path);
	memset(obj, 0, sizeof(*obj));
}

struct rp_section *rp_object_section(const struct rp_object *obj, const char *name)
{
	for (size_t i = 0; i < obj->nsections; i++)
		if (strcmp(obj->sections[i].name, name) == 0)
			return &obj->sections[i];
	return NULL;
}

struct rp_section *rp_object_section_of(const struct rp_object *obj, const struct bfd_section *sec)
{
	for (size_t i = 0; i < obj->nsections; i++)
		if (obj->sections[i].sec == sec)
			return &obj->sections[i];
	return NULL;
}

const char *rp_object_symbol_at(const struct rp_object *obj, const struct bfd_section *sec,
				uint64_t offset, int *global)
{
	asymbol **syms = (asymbol **)obj->symbols;
	const char *best = NULL;
	*global = 0;
	for (long i = 0; i < obj->nsymbols; i++) {
		asymbol *sym = syms[i];
		if (sym->section != sec || sym->value != offset ||
		    (sym->flags & (BSF_SECTION_SYM | BSF_FILE)) || !*bfd_asymbol_name(sym))
			continue;
		/* Prefer a function or object over a local label. */
		if (!best || (sym->flags & (BSF_FUNCTION | BSF_OBJECT))) {
			best = bfd_asymbol_name(sym);
			*global = (sym->flags & (BSF_GLOBAL | BSF_WEAK)) != 0;
		}
	}
	return best;
}

const struct rp_reloc *rp_section_reloc_in(const struct rp_section *s, uint64_t from, uint64_t to)
{
	size_t lo = 0, hi = s->nrelocs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->relocs[mid].offset < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nrelocs && s->relocs[lo].offset < to ? &s->relocs[lo] : NULL;
}
