#include "ko_image.h"

#include <elf.h>
#include <string.h>

static const Elf64_Shdr *sections(const struct ksp_ko *ko, unsigned *n)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ko->data;
	*n = eh->e_shnum;
	return (const Elf64_Shdr *)(ko->data + eh->e_shoff);
}

int ksp_ko_check(const struct ksp_ko *ko, struct ksp_error *err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ko->data;
	if (ko->len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL ||
	    eh->e_machine != EM_X86_64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > ko->len || eh->e_shoff % sizeof(Elf64_Xword) != 0 ||
	    (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > ko->len - eh->e_shoff ||
	    eh->e_shstrndx >= eh->e_shnum)
		return ksp_fail(err, "update module: not an x86-64 kernel module");
	unsigned n;
	const Elf64_Shdr *sh = sections(ko, &n);
	if (sh[eh->e_shstrndx].sh_type == SHT_NOBITS)
		return ksp_fail(err, "update module: its section names are not in the file");
	for (unsigned i = 0; i < n; i++)
		if (sh[i].sh_type != SHT_NOBITS &&
		    (sh[i].sh_offset > ko->len || sh[i].sh_size > ko->len - sh[i].sh_offset))
			return ksp_fail(err, "update module: section %u lies outside the file", i);
	return 0;
}

unsigned char *ksp_ko_section(const struct ksp_ko *ko, const char *name, size_t *size)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ko->data;
	unsigned n;
	const Elf64_Shdr *sh = sections(ko, &n);
	const Elf64_Shdr *names = &sh[eh->e_shstrndx];
	for (unsigned i = 0; i < n; i++) {
		if (sh[i].sh_name >= names->sh_size)
			continue;
		const char *s = (const char *)ko->data + names->sh_offset + sh[i].sh_name;
		size_t room = names->sh_size - sh[i].sh_name;
		if (strnlen(s, room) < room && strcmp(s, name) == 0 &&
		    sh[i].sh_type != SHT_NOBITS) {
			*size = sh[i].sh_size;
			return ko->data + sh[i].sh_offset;
		}
	}
	return NULL;
}

long ksp_ko_resolve_undefined(struct ksp_ko *ko, int (*resolve)(const char *, uint64_t *, void *),
			      void *ctx)
{
	unsigned n;
	const Elf64_Shdr *sh = sections(ko, &n);
	long resolved = 0;
	for (unsigned i = 0; i < n; i++) {
		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		/* Symbols are written in place: aligned, names in the file. */
		if (sh[i].sh_link >= n || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
		    sh[i].sh_offset % sizeof(Elf64_Xword) != 0 ||
		    sh[sh[i].sh_link].sh_type == SHT_NOBITS)
			return -1;
		const Elf64_Shdr *strs = &sh[sh[i].sh_link];
		Elf64_Sym *syms = (Elf64_Sym *)(ko->data + sh[i].sh_offset);
		size_t count = sh[i].sh_size / sizeof(Elf64_Sym);
		for (size_t k = 1; k < count; k++) {
			if (syms[k].st_shndx != SHN_UNDEF || syms[k].st_name >= strs->sh_size)
				continue;
			const char *name =
				(const char *)ko->data + strs->sh_offset + syms[k].st_name;
			size_t room = strs->sh_size - syms[k].st_name;
			uint64_t addr;
			if (strnlen(name, room) == room || !resolve(name, &addr, ctx))
				continue;
			syms[k].st_shndx = SHN_ABS;
			syms[k].st_value = addr;
			resolved++;
		}
	}
	return resolved;
}
