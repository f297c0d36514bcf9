/*
 * A pre-patch object as run-pre matching sees it, read through libbfd: its
 * functions (each with its section's bytes and relocations) and the
 * sections that hold them.
 *
 * Objects come from ksplice-create's build: -ffunction-sections, so most
 * functions own a section (.text.NAME); functions placed in an explicit
 * section (.sched.text, .noinstr.text, ...) share it and are cut out by their
 * ELF symbol's offset and size.
 */
#ifndef KSPLICE_RUNPRE_PRE_OBJECT_H
#define KSPLICE_RUNPRE_PRE_OBJECT_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

struct bfd;
struct bfd_section;

struct rp_reloc {
	uint64_t offset;    /* of the field, in its section */
	unsigned size;	    /* bytes of the field: 4 or 8 */
	int pcrel;	    /* value = S + A - P rather than S + A */
	unsigned type;	    /* R_X86_64_* */
	int64_t addend;	    /* A */
	const char *symbol; /* name of the symbol, or of the section for a section symbol */
	struct bfd_section *target_section; /* set for a section symbol (or defined symbol) */
	uint64_t symbol_offset;		    /* value of a defined symbol within target_section */
	int section_symbol;		    /* relocation against a section, not a named symbol */
	int local;			    /* a named symbol local to this object (a static) */
};

struct rp_section {
	struct bfd_section *sec;
	const char *name;
	unsigned char *data;
	uint64_t size;
	struct rp_reloc *relocs; /* sorted by offset */
	size_t nrelocs;
	int code;
	int merge;	  /* SEC_MERGE: referenced by content, not by offset */
	int strings;	  /* SEC_STRINGS: NUL-terminated entries */
	unsigned entsize; /* entry size of a merged section of constants */
};

struct rp_function {
	const char *name;
	struct rp_section *section;
	uint64_t offset; /* within the section */
	uint64_t size;
	int global;
	int weak; /* may be overridden: its kallsyms name may belong to another copy */
};

struct rp_object {
	char *path;
	/* Scopes the object's local symbols in binding keys ("UNIT:name"):
	 * the path by default; ksplice-apply names units as ksplice-create did
	 * ("fs/proc/cmdline.o"), so both sides speak of the same statics. */
	const char *unit;
	struct bfd *abfd;
	void **symbols; /* asymbol ** */
	long nsymbols;
	struct rp_section *sections;
	size_t nsections;
	struct rp_function *functions;
	size_t nfunctions;
};

/* Opens a relocatable x86-64 ELF object; loads every allocated section's
 * contents and relocations, and lists its functions. */
int rp_object_open(const char *path, struct rp_object *obj, struct ksp_error *err);

void rp_object_close(struct rp_object *obj);

struct rp_section *rp_object_section(const struct rp_object *obj, const char *name);
struct rp_section *rp_object_section_of(const struct rp_object *obj, const struct bfd_section *sec);

/* The defined symbol that names offset of section (a function or variable at
 * that offset), or NULL; *global says whether it is visible outside. */
const char *rp_object_symbol_at(const struct rp_object *obj, const struct bfd_section *sec,
				uint64_t offset, int *global);

/* The relocation whose field starts in [from, to) of section, first of them. */
const struct rp_reloc *rp_section_reloc_in(const struct rp_section *s, uint64_t from, uint64_t to);

#endif
