/*
 * A pre-patch object as run-pre matching sees it: the object model
 * (common/objfile.h) and, on top of it, its functions, each cut out of its
 * section.
 *
 * Objects come from ksplice-create's build: -ffunction-sections, so most
 * functions own a section (.text.NAME); functions placed in an explicit
 * section (.sched.text, .noinstr.text, ...) share it and are cut out by their
 * offset, up to the next function.
 */
#ifndef KSPLICE_RUNPRE_PRE_OBJECT_H
#define KSPLICE_RUNPRE_PRE_OBJECT_H

#include "error.h"
#include "objfile.h"

#include <stddef.h>
#include <stdint.h>

struct rp_function {
	const char *name;
	const struct ksp_obj_section *section;
	uint64_t offset; /* within the section */
	uint64_t size;
	int global;
	int weak; /* may be overridden: its kallsyms name may belong to another copy */
};

struct rp_object {
	struct ksp_obj model;
	const char *path; /* the model's */
	/* Scopes the object's local symbols in binding keys ("UNIT:name"):
	 * the path by default; ksplice-apply names units as ksplice-create did
	 * ("fs/proc/cmdline.o"), so both sides speak of the same statics. */
	const char *unit;
	/* The module the object's code runs in (its name as in
	 * /proc/modules), NULL for vmlinux: where its own symbols live. */
	const char *module;
	struct rp_function *functions;
	size_t nfunctions;
};

/* Opens a relocatable x86-64 ELF object and lists its functions. */
int rp_object_open(const char *path, struct rp_object *obj, struct ksp_error *err);

/* The same from size bytes at data (copied); name stands for the path in
 * messages. */
int rp_object_open_mem(const char *name, const void *data, size_t size, struct rp_object *obj,
		       struct ksp_error *err);

void rp_object_close(struct rp_object *obj);

/* The allocated section called name, or NULL. */
const struct ksp_obj_section *rp_object_section(const struct rp_object *obj, const char *name);

/* The defined symbol that names offset of section (a function or variable at
 * that offset), or NULL; *global says whether it is visible outside. */
const char *rp_object_symbol_at(const struct rp_object *obj, const struct ksp_obj_section *sec,
				uint64_t offset, int *global);

/* The relocation whose field starts in [from, to) of section, first of them
 * (R_X86_64_NONE, which patches nothing, is passed over). */
const struct ksp_obj_reloc *rp_section_reloc_in(const struct ksp_obj_section *s, uint64_t from,
						uint64_t to);

/* The name of what r refers to: the symbol's, or the section's for a
 * section symbol. */
const char *rp_reloc_name(const struct rp_object *obj, const struct ksp_obj_reloc *r);

/* r refers to a section (its section symbol), not to a named symbol. */
int rp_reloc_section_symbol(const struct rp_object *obj, const struct ksp_obj_reloc *r);

/* r refers to a named symbol local to this object (a static). */
int rp_reloc_local(const struct rp_object *obj, const struct ksp_obj_reloc *r);

/* The allocated section r's symbol is defined in, with the symbol's offset
 * there, or NULL. */
const struct ksp_obj_section *rp_reloc_target(const struct rp_object *obj,
					      const struct ksp_obj_reloc *r,
					      uint64_t *symbol_offset);

#endif
