/* The run-pre symbol table interface over a kallsyms or System.map file. */
#ifndef KSPLICE_RUNPRE_SYMTAB_H
#define KSPLICE_RUNPRE_SYMTAB_H

#include "kallsyms.h"
#include "runpre.h"

/* ks must outlive st. Only core-kernel symbols are candidates: module
 * symbols have names of their own scope. */
void rp_symtab_from_kallsyms(struct rp_symtab *st, const struct ksp_kallsyms *ks);

#endif
