/*
 * A relocatable x86-64 ELF object read through libbfd and copied into plain
 * arrays: every section (allocated or not) with its bytes and relocations,
 * and every symbol, local and section symbols included. Nothing of libbfd
 * outlives mt_object_open(): the result is self-contained.
 */
#ifndef KSPLICE_MATCHER_OBJREAD_H
#define KSPLICE_MATCHER_OBJREAD_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define MT_NONE ((size_t)-1)

enum mt_sec_flags {
	MT_SEC_ALLOC = 1,
	MT_SEC_CODE = 2,
	MT_SEC_WRITE = 4,
	MT_SEC_MERGE = 8,    /* SHF_MERGE: entries are identified by content */
	MT_SEC_STRINGS = 16, /* SHF_STRINGS: NUL-terminated entries */
	MT_SEC_NOBITS = 32,  /* .bss-like: no bytes in the file */
};

struct mt_reloc {
	uint64_t offset; /* of the field, in its section */
	unsigned type;	 /* R_X86_64_* */
	unsigned size;	 /* bytes of the field */
	int pcrel;
	int64_t addend;
	size_t sym; /* index into mt_object.symbols */
	/* What the field refers to is symbol + addend + bias: for a
	 * pc-relative field in code, the distance from the field to the end of
	 * its instruction (the CPU adds it); 0 otherwise. */
	int64_t bias;
};

struct mt_section {
	char *name;
	uint64_t size;
	unsigned char *data; /* size bytes; NULL (all zeros) for MT_SEC_NOBITS and
			      * sections not allocated */
	unsigned flags;
	unsigned entsize;
	struct mt_reloc *relocs; /* sorted by offset */
	size_t nrelocs;
	size_t sym; /* this section's section symbol, MT_NONE if none */
};

enum mt_sym_kind { MT_SYM_NOTYPE, MT_SYM_FUNC, MT_SYM_OBJECT, MT_SYM_SECTION, MT_SYM_FILE };

#define MT_SEC_UNDEF ((size_t)-1)
#define MT_SEC_ABS ((size_t)-2)
#define MT_SEC_COMMON ((size_t)-3)

struct mt_symbol {
	char *name;
	size_t section; /* index, or MT_SEC_UNDEF / MT_SEC_ABS / MT_SEC_COMMON */
	uint64_t value; /* offset in its section */
	uint64_t size;	/* ELF st_size (or the distance to the next symbol) */
	enum mt_sym_kind kind;
	int global;
	int weak;
};

struct mt_object {
	char *path;
	struct mt_section *sections;
	size_t nsections;
	struct mt_symbol *symbols;
	size_t nsymbols;
};

/* Opens path; on failure err names the file and what is wrong with it. */
int mt_object_open(const char *path, struct mt_object *obj, struct ksp_error *err);

/* The same from memory (name is used in messages). */
int mt_object_open_mem(const char *name, const void *data, size_t size, struct mt_object *obj,
		       struct ksp_error *err);

void mt_object_free(struct mt_object *obj);

/* First section called name, or MT_NONE. */
size_t mt_object_section(const struct mt_object *obj, const char *name);

#endif
