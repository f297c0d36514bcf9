/* The run-pre symbol table interface over a kallsyms or System.map file. */
#ifndef KSPLICE_RUNPRE_SYMTAB_H
#define KSPLICE_RUNPRE_SYMTAB_H

#include "kallsyms.h"
#include "runpre.h"

/* ks must outlive st. vmlinux code (scope NULL) sees only the core
 * kernel's symbols; a module's code its own first, then the kernel's, then
 * other modules'. */
void rp_symtab_from_kallsyms(struct rp_symtab *st, const struct ksp_kallsyms *ks);

#endif
