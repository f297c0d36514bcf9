/*
 * The one model of a relocatable x86-64 ELF object: read through libbfd and
 * copied into plain arrays: every section (allocated or not) with its bytes
 * and relocations, and every symbol, local and section symbols included.
 * Nothing of libbfd outlives ksp_obj_open() unless the caller asks for it
 * (ksp_obj_open_bfd(), for a writer that copies from the object).
 *
 * The matcher, run-pre matching and extraction all read objects through
 * this model; what each keeps on top of it (pairing state, per-function
 * match state, the output being built) stays with them.
 */
#ifndef KSPLICE_OBJFILE_H
#define KSPLICE_OBJFILE_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define KSP_OBJ_NONE ((size_t)-1)

enum ksp_obj_sec_flags {
	KSP_OBJ_SEC_ALLOC = 1,
	KSP_OBJ_SEC_CODE = 2,
	KSP_OBJ_SEC_WRITE = 4,
	KSP_OBJ_SEC_MERGE = 8,	  /* SHF_MERGE: entries are identified by content */
	KSP_OBJ_SEC_STRINGS = 16, /* SHF_STRINGS: NUL-terminated entries */
	KSP_OBJ_SEC_NOBITS = 32,  /* .bss-like: no bytes in the file */
};

struct ksp_obj_reloc {
	uint64_t offset; /* of the field, in its section */
	unsigned type;	 /* R_X86_64_* */
	unsigned size;	 /* bytes of the field (0 for R_X86_64_NONE) */
	int pcrel;	 /* value = S + A - P rather than S + A */
	int64_t addend;
	size_t sym; /* index into ksp_obj.symbols */
	/* What the field refers to is symbol + addend + bias: for a
	 * pc-relative field in code, the distance from the field to the end of
	 * its instruction (the CPU adds it); 0 otherwise. */
	int64_t bias;
};

struct ksp_obj_section {
	char *name;
	uint64_t size;
	unsigned char *data; /* size bytes; NULL (all zeros) for KSP_OBJ_SEC_NOBITS
			      * and sections not allocated */
	unsigned flags;
	unsigned entsize;
	struct ksp_obj_reloc *relocs; /* sorted by offset */
	size_t nrelocs;
	size_t sym; /* this section's section symbol, KSP_OBJ_NONE if none */
};

enum ksp_obj_sym_kind {
	KSP_OBJ_SYM_NOTYPE,
	KSP_OBJ_SYM_FUNC,
	KSP_OBJ_SYM_OBJECT,
	KSP_OBJ_SYM_SECTION,
	KSP_OBJ_SYM_FILE,
	/* __pfx_NAME: the padding objtool --prefix names before a function
	 * (CONFIG_CALL_PADDING; NOPs the kernel may fill at boot with call
	 * depth thunks or FineIBT preambles). Not a function of its own. */
	KSP_OBJ_SYM_PREFIX
};

/* Section indices of symbols outside the object's sections. */
#define KSP_OBJ_SHN_UNDEF ((size_t)-1)
#define KSP_OBJ_SHN_ABS ((size_t)-2)
#define KSP_OBJ_SHN_COMMON ((size_t)-3)

struct ksp_obj_symbol {
	char *name;
	size_t section; /* index, or KSP_OBJ_SHN_UNDEF / _ABS / _COMMON */
	uint64_t value; /* offset in its section */
	uint64_t size;	/* ELF st_size (or the distance to the next symbol) */
	enum ksp_obj_sym_kind kind;
	int global; /* global, weak or undefined */
	int weak;
	int local; /* STB_LOCAL: a static of this object */
	/* Its index in the file's ELF .symtab (what the kernel's module
	 * loader keeps while a module comes); 0 for a section symbol the model
	 * added and for objects libbfd does not read as ELF. */
	size_t elf_index;
};

struct ksp_obj {
	char *path;
	struct ksp_obj_section *sections; /* in the file's order */
	size_t nsections;
	struct ksp_obj_symbol *symbols;
	size_t nsymbols;
};

/* libbfd's one initialisation for the whole program (idempotent). Its error
 * handler keeps the first message of an open for the reader's own one-line
 * error instead of printing it. */
void ksp_bfd_init(void);

/* Opens path; on failure err names the file and what is wrong with it. */
int ksp_obj_open(const char *path, struct ksp_obj *obj, struct ksp_error *err);

/* The same from memory (name is used in messages). */
int ksp_obj_open_mem(const char *name, const void *data, size_t size, struct ksp_obj *obj,
		     struct ksp_error *err);

void ksp_obj_free(struct ksp_obj *obj);

/*
 * For a writer that copies from the object through libbfd (extraction): the
 * object stays open. Section i of the model is the bfd section whose index
 * is i; symbol i is syms[i] for i < nsyms (the model may add section
 * symbols after them).
 */
struct ksp_obj_bfd {
	struct bfd *abfd;
	struct bfd_symbol **syms;
	long nsyms;
};

int ksp_obj_open_bfd(const char *path, struct ksp_obj *obj, struct ksp_obj_bfd *b,
		     struct ksp_error *err);
void ksp_obj_bfd_close(struct ksp_obj_bfd *b);

/* Lookups and predicates (objfile_query.c). */

/* First section called name, or KSP_OBJ_NONE. */
size_t ksp_obj_section(const struct ksp_obj *obj, const char *name);

/* Index of the first relocation of sec at or after offset. */
size_t ksp_obj_first_reloc(const struct ksp_obj_section *sec, uint64_t offset);

/* The symbol a relocation refers to. */
const struct ksp_obj_symbol *ksp_obj_reloc_symbol(const struct ksp_obj *obj,
						  const struct ksp_obj_reloc *r);

/* The section symbol sym is defined in, or NULL (undefined, absolute,
 * common). */
const struct ksp_obj_section *ksp_obj_symbol_section(const struct ksp_obj *obj,
						     const struct ksp_obj_symbol *sym);

/* A defined function or variable (something that can be paired, carried or
 * matched). */
int ksp_obj_is_entity(const struct ksp_obj *obj, size_t sym);

/* A defined function in a code section with bytes. */
int ksp_obj_is_function(const struct ksp_obj *obj, size_t sym);

/* The bytes of padding (a KSP_OBJ_SYM_PREFIX symbol) right before the
 * symbol sym in its section, or 0. */
uint64_t ksp_obj_padding_before(const struct ksp_obj *obj, size_t sym);

/* Variables, and entries of the kernel's tables (__tracepoints, __param,
 * .init.setup, ...): objects outside code, bar what the build discards. */
int ksp_obj_is_data(const struct ksp_obj *obj, size_t sym);

/* .data*, .bss*, .rodata* and the like: sections of variables, as opposed to
 * tables the kernel walks (__tracepoints, __param, .init.setup, ...). */
int ksp_obj_is_variable_section(const char *name);

/* -ffunction-sections' own section of one function (.text.NAME). */
int ksp_obj_is_text_section(const char *name);

/* -fdata-sections' own section of one variable (.data.NAME, .bss.NAME,
 * .rodata.NAME). */
int ksp_obj_is_data_section(const char *name);

/* Extent of a function or variable within its section: its ELF size, or up
 * to the section's end. */
void ksp_obj_extent(const struct ksp_obj *obj, size_t sym, uint64_t *start, uint64_t *end);

#endif
