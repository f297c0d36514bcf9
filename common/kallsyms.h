/*
 * Kernel symbol tables in /proc/kallsyms or System.map format:
 *   ADDRESS TYPE NAME            (core kernel; System.map has only these)
 *   ADDRESS TYPE NAME\t[MODULE]  (a module's symbol in /proc/kallsyms)
 * Names are not unique: static functions of different files share names, and
 * every copy is kept. Loading ~150,000 lines takes a few tens of ms.
 */
#ifndef KSPLICE_KALLSYMS_H
#define KSPLICE_KALLSYMS_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

struct ksp_ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* NULL for the core kernel */
	char type;	    /* t, T, d, D, W, A, ... as the kernel prints it */
	size_t line;	    /* line number in the source, from 1 */
};

struct ksp_kallsyms {
	struct ksp_ksym *syms;		 /* by address; equal addresses in line order */
	const struct ksp_ksym **by_name; /* by name, then address */
	size_t count;
	char *strings; /* names and modules point into this */
};

/* Reads a kallsyms file. On error returns -1 with err naming the file and
 * line; ks is then empty. */
int ksp_kallsyms_load(const char *path, struct ksp_kallsyms *ks, struct ksp_error *err);

/* Parses kallsyms text of len bytes; origin names it in error messages. */
int ksp_kallsyms_parse(const char *text, size_t len, const char *origin, struct ksp_kallsyms *ks,
		       struct ksp_error *err);

/* Every symbol called name (core and modules alike), in address order: returns
 * how many and points *found at the first. 0 if there is none. */
size_t ksp_kallsyms_lookup(const struct ksp_kallsyms *ks, const char *name,
			   const struct ksp_ksym *const **found);

/* The symbol at the highest address <= addr (the first listed, if several
 * share that address), or NULL if addr is below every symbol. *end (if not
 * NULL) receives the next higher symbol address, or 0 if none follows. */
const struct ksp_ksym *ksp_kallsyms_containing(const struct ksp_kallsyms *ks, uint64_t addr,
					       uint64_t *end);

/* The next higher symbol address after addr, or 0 if none. */
uint64_t ksp_kallsyms_next_addr(const struct ksp_kallsyms *ks, uint64_t addr);

/* Adds n symbols (their names and modules are the caller's, kept alive
 * while ks is used): a module not loaded yet, as if it were. -1 when out of
 * memory (ks unchanged). */
int ksp_kallsyms_add(struct ksp_kallsyms *ks, const struct ksp_ksym *syms, size_t n);

void ksp_kallsyms_free(struct ksp_kallsyms *ks);

#endif
