/* The object reader: libbfd's view of an object copied into struct ksp_obj. */
#include "objfile.h"

#include "disasm.h"

#include <bfd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libbfd reports problems with corrupt files through a global handler; keep
 * the first message of the current open for our own one-line error. */
static char bfd_message[256];

static void quiet_bfd_handler(const char *fmt, va_list ap)
{
	if (!bfd_message[0])
		vsnprintf(bfd_message, sizeof(bfd_message), fmt, ap);
}

void ksp_bfd_init(void)
{
	static int done;
	if (done)
		return;
	bfd_init();
	bfd_set_error_handler(quiet_bfd_handler);
	done = 1;
}

/*
 * libbfd keeps each ELF symbol's st_size in elf_symbol_type (elf-bfd.h,
 * which binutils-dev does not install): the asymbol followed by
 * Elf_Internal_Sym, whose first members are st_value and st_size. The layout
 * has been stable for decades; read_sizes() checks st_value against the
 * asymbol before trusting it, and otherwise measures sizes by distance.
 */
struct elf_symbol_mirror {
	asymbol symbol;
	bfd_vma st_value;
	bfd_vma st_size;
};

struct symref {
	const asymbol *ptr;
	size_t index;
};

static int symref_cmp(const void *a, const void *b)
{
	const struct symref *x = a, *y = b;
	return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

static int reloc_cmp(const void *a, const void *b)
{
	const struct ksp_obj_reloc *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

struct reader {
	bfd *abfd;
	asymbol **syms;
	long nsyms;
	struct symref *refs; /* sorted by pointer */
	struct ksp_obj *obj;
	struct ksp_error *err;
	int elf_magic;		  /* the file starts like an ELF file */
	struct ksp_obj_bfd *keep; /* the caller keeps the bfd open, or NULL */
};

static int fail(struct reader *r, const char *what)
{
	if (bfd_message[0])
		return ksp_fail(r->err, "%s: %s (%s)", r->obj->path, what, bfd_message);
	return ksp_fail(r->err, "%s: %s", r->obj->path, what);
}

static unsigned section_flags(const asection *sec)
{
	unsigned f = 0;
	if (sec->flags & SEC_ALLOC)
		f |= KSP_OBJ_SEC_ALLOC;
	if (sec->flags & SEC_CODE)
		f |= KSP_OBJ_SEC_CODE;
	if ((sec->flags & SEC_ALLOC) && !(sec->flags & SEC_READONLY))
		f |= KSP_OBJ_SEC_WRITE;
	if (sec->flags & SEC_MERGE)
		f |= KSP_OBJ_SEC_MERGE;
	if (sec->flags & SEC_STRINGS)
		f |= KSP_OBJ_SEC_STRINGS;
	if ((sec->flags & SEC_ALLOC) && !(sec->flags & SEC_HAS_CONTENTS))
		f |= KSP_OBJ_SEC_NOBITS;
	return f;
}

static int load_sections(struct reader *r)
{
	struct ksp_obj *obj = r->obj;
	size_t n = 0;
	for (asection *sec = r->abfd->sections; sec; sec = sec->next)
		n++;
	obj->sections = calloc(n + 1, sizeof(*obj->sections));
	if (!obj->sections)
		return fail(r, "out of memory");
	for (asection *sec = r->abfd->sections; sec; sec = sec->next) {
		struct ksp_obj_section *s = &obj->sections[obj->nsections];
		sec->userdata = (void *)(uintptr_t)(obj->nsections + 1);
		obj->nsections++;
		s->name = strdup(bfd_section_name(sec));
		s->size = bfd_section_size(sec);
		s->flags = section_flags(sec);
		s->entsize = sec->entsize;
		s->sym = KSP_OBJ_NONE;
		if (!s->name)
			return fail(r, "out of memory");
		if (!(s->flags & KSP_OBJ_SEC_ALLOC) || (s->flags & KSP_OBJ_SEC_NOBITS))
			continue;
		if (s->size > bfd_get_file_size(r->abfd))
			return fail(r, "section larger than the file");
		s->data = calloc(1, s->size ? s->size : 1);
		if (!s->data)
			return fail(r, "out of memory");
		if (s->size && !bfd_get_section_contents(r->abfd, sec, s->data, 0, s->size))
			return fail(r, "unreadable section contents");
	}
	return 0;
}

static size_t section_index(const asection *sec)
{
	return sec->userdata ? (size_t)(uintptr_t)sec->userdata - 1 : KSP_OBJ_NONE;
}

static enum ksp_obj_sym_kind symbol_kind(const asymbol *s)
{
	if (s->flags & BSF_SECTION_SYM)
		return KSP_OBJ_SYM_SECTION;
	if (s->flags & BSF_FILE)
		return KSP_OBJ_SYM_FILE;
	if ((s->flags & BSF_FUNCTION) && strncmp(s->name, "__pfx_", 6) == 0)
		return KSP_OBJ_SYM_PREFIX;
	if (s->flags & BSF_FUNCTION)
		return KSP_OBJ_SYM_FUNC;
	if (s->flags & BSF_OBJECT)
		return KSP_OBJ_SYM_OBJECT;
	return KSP_OBJ_SYM_NOTYPE;
}

static size_t symbol_section(const asymbol *s)
{
	if (bfd_is_und_section(s->section))
		return KSP_OBJ_SHN_UNDEF;
	if (bfd_is_com_section(s->section))
		return KSP_OBJ_SHN_COMMON;
	if (bfd_is_abs_section(s->section))
		return KSP_OBJ_SHN_ABS;
	size_t i = section_index(s->section);
	return i == KSP_OBJ_NONE ? KSP_OBJ_SHN_ABS : i;
}

/* Sizes: ELF st_size where libbfd's copy checks out, else the distance to
 * the next symbol of the section or to its end. */
static void read_sizes(struct reader *r)
{
	struct ksp_obj *obj = r->obj;
	int trusted = bfd_get_flavour(r->abfd) == bfd_target_elf_flavour;
	/* libbfd makes values section-relative only in linked files; those of
	 * a relocatable one (.o, .ko) already are, whatever the sections'
	 * addresses (6.12's modules give theirs sh_addr). */
	int linked = (r->abfd->flags & (EXEC_P | DYNAMIC)) != 0;
	for (long i = 0; trusted && i < r->nsyms; i++) {
		const asymbol *s = r->syms[i];
		const struct elf_symbol_mirror *m = (const void *)s;
		if (bfd_asymbol_flavour(s) != bfd_target_elf_flavour ||
		    (!bfd_is_und_section(s->section) && !bfd_is_com_section(s->section) &&
		     m->st_value != s->value + (linked ? s->section->vma : 0)))
			trusted = 0;
	}
	for (size_t i = 0; i < obj->nsymbols; i++) {
		struct ksp_obj_symbol *sym = &obj->symbols[i];
		if (sym->section >= obj->nsections)
			continue;
		if (trusted && i < (size_t)r->nsyms) {
			sym->size = ((const struct elf_symbol_mirror *)(const void *)r->syms[i])
					    ->st_size;
			continue;
		}
		uint64_t end = obj->sections[sym->section].size;
		for (size_t j = 0; j < obj->nsymbols; j++) {
			const struct ksp_obj_symbol *o = &obj->symbols[j];
			if (o->section == sym->section && o->kind != KSP_OBJ_SYM_SECTION &&
			    o->value > sym->value && o->value < end)
				end = o->value;
		}
		sym->size =
			sym->kind == KSP_OBJ_SYM_SECTION || end < sym->value ? 0 : end - sym->value;
	}
}

static int load_symbols(struct reader *r)
{
	struct ksp_obj *obj = r->obj;
	long bound = bfd_get_symtab_upper_bound(r->abfd);
	if (bound < 0)
		return fail(r, "unreadable symbol table");
	r->syms = malloc((size_t)bound + sizeof(asymbol *));
	if (!r->syms)
		return fail(r, "out of memory");
	r->nsyms = bfd_canonicalize_symtab(r->abfd, r->syms);
	if (r->nsyms < 0)
		return fail(r, "unreadable symbol table");
	/* Room for a section symbol per section, for relocations against
	 * sections whose symbol the table lacks. */
	obj->symbols = calloc((size_t)r->nsyms + obj->nsections + 1, sizeof(*obj->symbols));
	r->refs = calloc((size_t)r->nsyms + 1, sizeof(*r->refs));
	if (!obj->symbols || !r->refs)
		return fail(r, "out of memory");
	for (long i = 0; i < r->nsyms; i++) {
		const asymbol *s = r->syms[i];
		struct ksp_obj_symbol *sym = &obj->symbols[obj->nsymbols];
		sym->name = strdup(bfd_asymbol_name(s) ? bfd_asymbol_name(s) : "");
		if (!sym->name)
			return fail(r, "out of memory");
		sym->kind = symbol_kind(s);
		sym->section = symbol_section(s);
		sym->value = s->value;
		sym->global = (s->flags & (BSF_GLOBAL | BSF_WEAK)) != 0 ||
			      sym->section == KSP_OBJ_SHN_UNDEF;
		sym->weak = (s->flags & BSF_WEAK) != 0;
		sym->local = (s->flags & BSF_LOCAL) != 0;
		/* libbfd reads an ELF .symtab in order, less its null entry 0. */
		if (bfd_get_flavour(r->abfd) == bfd_target_elf_flavour)
			sym->elf_index = (size_t)i + 1;
		if (sym->kind == KSP_OBJ_SYM_SECTION && sym->section < obj->nsections &&
		    obj->sections[sym->section].sym == KSP_OBJ_NONE)
			obj->sections[sym->section].sym = obj->nsymbols;
		r->refs[i] = (struct symref){s, obj->nsymbols};
		obj->nsymbols++;
	}
	qsort(r->refs, (size_t)r->nsyms, sizeof(*r->refs), symref_cmp);
	read_sizes(r);
	return 0;
}

static size_t section_symbol(struct reader *r, size_t sec)
{
	struct ksp_obj *obj = r->obj;
	if (obj->sections[sec].sym != KSP_OBJ_NONE)
		return obj->sections[sec].sym;
	struct ksp_obj_symbol *sym = &obj->symbols[obj->nsymbols];
	sym->name = strdup(obj->sections[sec].name);
	if (!sym->name)
		return KSP_OBJ_NONE;
	sym->kind = KSP_OBJ_SYM_SECTION;
	sym->section = sec;
	obj->sections[sec].sym = obj->nsymbols;
	return obj->nsymbols++;
}

/* Our index of a relocation's symbol, KSP_OBJ_NONE if unknown. */
static size_t reloc_symbol(struct reader *r, const arelent *rel)
{
	if (!rel->sym_ptr_ptr || !*rel->sym_ptr_ptr)
		return KSP_OBJ_NONE;
	const asymbol *s = *rel->sym_ptr_ptr;
	if (s->flags & BSF_SECTION_SYM) {
		size_t sec = section_index(s->section);
		if (sec != KSP_OBJ_NONE)
			return section_symbol(r, sec);
	}
	struct symref key = {s, 0};
	const struct symref *found =
		bsearch(&key, r->refs, (size_t)r->nsyms, sizeof(*r->refs), symref_cmp);
	if (found)
		return found->index;
	/* r_sym 0 and the like: an absolute section symbol. */
	if (bfd_is_abs_section(s->section)) {
		for (size_t i = 0; i < r->obj->nsymbols; i++)
			if (r->obj->symbols[i].section == KSP_OBJ_SHN_ABS &&
			    r->obj->symbols[i].kind == KSP_OBJ_SYM_SECTION)
				return i;
		struct ksp_obj_symbol *sym = &r->obj->symbols[r->obj->nsymbols];
		sym->name = strdup("*ABS*");
		if (!sym->name)
			return KSP_OBJ_NONE;
		sym->kind = KSP_OBJ_SYM_SECTION;
		sym->section = KSP_OBJ_SHN_ABS;
		return r->obj->nsymbols++;
	}
	return KSP_OBJ_NONE;
}

static int load_relocs_of(struct reader *r, asection *sec, struct ksp_obj_section *s)
{
	long bound = bfd_get_reloc_upper_bound(r->abfd, sec);
	if (bound < 0)
		return fail(r, "unreadable relocations");
	arelent **rels = malloc((size_t)bound + sizeof(*rels));
	if (!rels)
		return fail(r, "out of memory");
	long n = bfd_canonicalize_reloc(r->abfd, sec, rels, r->syms);
	if (n < 0) {
		free(rels);
		return fail(r, "unreadable relocations");
	}
	s->relocs = calloc((size_t)n + 1, sizeof(*s->relocs));
	if (!s->relocs) {
		free(rels);
		return fail(r, "out of memory");
	}
	for (long i = 0; i < n; i++) {
		const arelent *rel = rels[i];
		struct ksp_obj_reloc *m = &s->relocs[i];
		if (!rel->howto) {
			free(rels);
			return fail(r, "unknown relocation type");
		}
		m->offset = rel->address;
		m->type = rel->howto->type;
		m->size = bfd_get_reloc_size(rel->howto);
		m->pcrel = rel->howto->pc_relative;
		m->addend = (int64_t)rel->addend;
		m->sym = reloc_symbol(r, rel);
		if (m->sym == KSP_OBJ_NONE || m->offset > s->size ||
		    m->size > s->size - m->offset) {
			free(rels);
			char what[160];
			snprintf(what, sizeof(what), "bad relocation at %s+0x%llx", s->name,
				 (unsigned long long)m->offset);
			return fail(r, what);
		}
	}
	free(rels);
	s->nrelocs = (size_t)n;
	qsort(s->relocs, s->nrelocs, sizeof(*s->relocs), reloc_cmp);
	return 0;
}

/* Sets each pc-relative code field's bias by decoding the section's
 * instructions from its start (gcc pads between functions with
 * instructions too); a field outside any decoded instruction gets 4. */
static void code_biases(struct ksp_obj_section *s)
{
	size_t next = 0;
	if (!(s->flags & KSP_OBJ_SEC_CODE) || !s->data)
		return;
	for (size_t i = 0; i < s->nrelocs; i++)
		if (s->relocs[i].pcrel)
			s->relocs[i].bias = (int64_t)s->relocs[i].size;
	for (uint64_t off = 0; off < s->size && next < s->nrelocs;) {
		struct ksp_insn insn;
		ksp_insn_decode(s->data + off, s->size - off, 0, &insn);
		unsigned n = insn.len;
		if (!n)
			n = 1;
		while (next < s->nrelocs && s->relocs[next].offset < off)
			next++;
		for (size_t i = next; i < s->nrelocs && s->relocs[i].offset < off + n; i++)
			if (s->relocs[i].pcrel)
				s->relocs[i].bias = (int64_t)(off + n - s->relocs[i].offset);
		off += n;
	}
}

static int load_relocs(struct reader *r)
{
	for (asection *sec = r->abfd->sections; sec; sec = sec->next) {
		struct ksp_obj_section *s = &r->obj->sections[section_index(sec)];
		if ((s->flags & KSP_OBJ_SEC_ALLOC) && (sec->flags & SEC_RELOC)) {
			if (load_relocs_of(r, sec, s))
				return -1;
			code_biases(s);
		}
	}
	return 0;
}

static int check_format(struct reader *r)
{
	bfd *abfd = r->abfd;
	if (!bfd_check_format(abfd, bfd_object)) {
		if (bfd_get_error() == bfd_error_file_truncated || r->elf_magic)
			return fail(r, "truncated or corrupt ELF file");
		return fail(r, "not an object file (ELF relocatable x86-64 expected)");
	}
	if (bfd_get_flavour(abfd) != bfd_target_elf_flavour)
		return fail(r, "not an ELF object");
	if (bfd_get_arch(abfd) != bfd_arch_i386 || bfd_get_arch_size(abfd) != 64 ||
	    bfd_get_mach(abfd) != bfd_mach_x86_64)
		return ksp_fail(r->err, "%s: a %d-bit %s object, not x86-64", r->obj->path,
				bfd_get_arch_size(abfd), bfd_printable_name(abfd));
	if (abfd->flags & (EXEC_P | DYNAMIC))
		return fail(r, "an executable or shared object, not a relocatable object");
	return 0;
}

static int read_object(struct reader *r)
{
	bfd_message[0] = '\0';
	int rc = check_format(r);
	if (!rc)
		rc = load_sections(r);
	if (!rc)
		rc = load_symbols(r);
	if (!rc)
		rc = load_relocs(r);
	free(r->refs);
	if (!rc && r->keep) { /* its relocations point into r->syms */
		*r->keep = (struct ksp_obj_bfd){r->abfd, r->syms, r->nsyms};
		return 0;
	}
	free(r->syms);
	bfd_close(r->abfd);
	if (rc)
		ksp_obj_free(r->obj);
	return rc;
}

/* Starts obj named name: 0, or -1 with err set. */
static int start_object(const char *name, struct ksp_obj *obj, struct ksp_error *err)
{
	memset(obj, 0, sizeof(*obj));
	ksp_bfd_init();
	obj->path = strdup(name);
	return obj->path ? 0 : ksp_fail(err, "out of memory");
}

static int open_file(const char *path, struct ksp_obj *obj, struct ksp_obj_bfd *keep,
		     struct ksp_error *err)
{
	if (start_object(path, obj, err))
		return -1;
	struct reader r = {.obj = obj, .err = err, .keep = keep};
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		ksp_fail(err, "%s: is a directory, not an object file", path);
		ksp_obj_free(obj);
		return -1;
	}
	FILE *f = fopen(path, "rb");
	char magic[4] = "";
	if (f) {
		r.elf_magic = fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
		fclose(f);
	}
	bfd_message[0] = '\0';
	r.abfd = bfd_openr(path, NULL);
	if (!r.abfd) {
		ksp_fail(err, "%s: %s", path, bfd_errmsg(bfd_get_error()));
		ksp_obj_free(obj);
		return -1;
	}
	return read_object(&r);
}

int ksp_obj_open(const char *path, struct ksp_obj *obj, struct ksp_error *err)
{
	return open_file(path, obj, NULL, err);
}

int ksp_obj_open_bfd(const char *path, struct ksp_obj *obj, struct ksp_obj_bfd *b,
		     struct ksp_error *err)
{
	memset(b, 0, sizeof(*b));
	return open_file(path, obj, b, err);
}

void ksp_obj_bfd_close(struct ksp_obj_bfd *b)
{
	free(b->syms);
	if (b->abfd)
		bfd_close(b->abfd);
	memset(b, 0, sizeof(*b));
}

struct membuf {
	const unsigned char *data;
	size_t size;
};

static void *mem_open(struct bfd *abfd, void *closure)
{
	(void)abfd;
	return closure;
}

static file_ptr mem_pread(struct bfd *abfd, void *stream, void *buf, file_ptr n, file_ptr off)
{
	(void)abfd;
	const struct membuf *m = stream;
	if (off < 0 || n < 0 || (size_t)off >= m->size)
		return 0;
	size_t len = m->size - (size_t)off < (size_t)n ? m->size - (size_t)off : (size_t)n;
	memcpy(buf, m->data + off, len);
	return (file_ptr)len;
}

static int mem_close(struct bfd *abfd, void *stream)
{
	(void)abfd;
	(void)stream;
	return 0;
}

static int mem_stat(struct bfd *abfd, void *stream, struct stat *sb)
{
	(void)abfd;
	memset(sb, 0, sizeof(*sb));
	sb->st_size = (off_t)((const struct membuf *)stream)->size;
	return 0;
}

int ksp_obj_open_mem(const char *name, const void *data, size_t size, struct ksp_obj *obj,
		     struct ksp_error *err)
{
	if (start_object(name, obj, err))
		return -1;
	struct membuf m = {data, size};
	struct reader r = {.obj = obj, .err = err};
	r.elf_magic = size >= 4 && memcmp(data, "\177ELF", 4) == 0;
	bfd_message[0] = '\0';
	r.abfd = bfd_openr_iovec(name, NULL, mem_open, &m, mem_pread, mem_close, mem_stat);
	if (!r.abfd) {
		ksp_fail(err, "%s: %s", name, bfd_errmsg(bfd_get_error()));
		ksp_obj_free(obj);
		return -1;
	}
	return read_object(&r);
}

void ksp_obj_free(struct ksp_obj *obj)
{
	for (size_t i = 0; i < obj->nsections; i++) {
		free(obj->sections[i].name);
		free(obj->sections[i].data);
		free(obj->sections[i].relocs);
	}
	for (size_t i = 0; i < obj->nsymbols; i++)
		free(obj->symbols[i].name);
	free(obj->sections);
	free(obj->symbols);
	free(obj->path);
	memset(obj, 0, sizeof(*obj));
}
