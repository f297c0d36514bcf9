/*
 * A module file (.ko) laid out as if it were loaded, for run-pre matching of
 * a module that is not loaded (a pending part, splicer/live/pending_plan.h).
 *
 * Every allocated section of the file gets an address in a range no module
 * uses, its bytes are copied there and relocated as the module loader would
 * (undefined symbols valued by the caller: the running kernel's, or another
 * image's), and its symbols are listed as /proc/kallsyms would list them once
 * loaded. Run-pre matching then compares a pre object with the file exactly
 * as with live memory: relocation fields give the referenced symbol, sites
 * the kernel rewrites at load are in their as-built form (which run-pre
 * accepts, as for a vmlinux file), and every address it learns in the image
 * is turned back into "symbol INDEX of the file's .symtab plus OFFSET", which
 * the helper values when the module comes.
 */
#ifndef KSPLICE_RUNPRE_MODULE_IMAGE_H
#define KSPLICE_RUNPRE_MODULE_IMAGE_H

#include "error.h"
#include "kallsyms.h"
#include "objfile.h"

#include <stddef.h>
#include <stdint.h>

struct rp_module_image {
	const char *module; /* its name (/proc/modules' spelling), the caller's */
	const char *path;   /* the file, the caller's (messages) */
	struct ksp_obj obj; /* the file's model */
	uint64_t base, size;
	uint64_t *section_addr; /* per section of obj; 0: not laid out */
	unsigned char *bytes;	/* size bytes at base, relocated */
	struct ksp_ksym *ksyms; /* its symbols as kallsyms would list them */
	size_t nksyms;
	size_t unresolved; /* undefined symbols the caller could not value */
	const char *first_unresolved;
};

/* Values an undefined symbol of the file (an export of the kernel or of a
 * module it depends on); 0 when unknown. */
typedef int (*rp_module_resolve_fn)(void *ctx, const char *name, uint64_t *addr);

/* Reads the file's model from size bytes at data and lays its allocated
 * sections out from base (bytes only: rp_module_image_relocate values the
 * relocations); the image ends at im->base + im->size. */
int rp_module_image_open(const char *module, const char *path, const void *data, size_t size,
			 uint64_t base, struct rp_module_image *im, struct ksp_error *err);

/* Applies the file's relocations to the laid out bytes: its own symbols at
 * their addresses, undefined ones as resolve says (an unknown one leaves
 * its fields as in the file and is counted). */
int rp_module_image_relocate(struct rp_module_image *im, rp_module_resolve_fn resolve, void *ctx,
			     struct ksp_error *err);

/* Whether addr lies in the image (its end included: a __stop_ symbol). */
int rp_module_image_contains(const struct rp_module_image *im, uint64_t addr);

/* The address of symbol sym (index in obj.symbols), 0 if it is not laid
 * out. */
uint64_t rp_module_image_symbol_addr(const struct rp_module_image *im, size_t sym);

/* A global defined symbol called name; its address in *addr. */
int rp_module_image_global(const struct rp_module_image *im, const char *name, uint64_t *addr);

/* The named symbol that best names addr: one starting there (a function or
 * variable before a label), else the nearest one below it in its section;
 * *sym its index in obj.symbols, *offset addr minus its address. -1 when
 * addr is not in a laid out section or no named symbol precedes it there. */
int rp_module_image_symbol_at(const struct rp_module_image *im, uint64_t addr, size_t *sym,
			      int64_t *offset);

/* The section and offset of addr, KSP_OBJ_NONE if not laid out. */
size_t rp_module_image_section_of(const struct rp_module_image *im, uint64_t addr,
				  uint64_t *offset);

void rp_module_image_free(struct rp_module_image *im);

#endif
