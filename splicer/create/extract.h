/*
 * The new code of an update, cut out of a post object.
 *
 * Design (how the update module reaches the running kernel's symbols):
 * ksplice-create copies the changed and new functions of a post object, and
 * its new data, into a relocatable object of their own, with
 *  - the entries of the run-time patch and fix-up tables (__mcount_loc,
 *    .return_sites, .retpoline_sites, .altinstructions and their
 *    replacements, __jump_table, .static_call_sites, .smp_locks,
 *    .parainstructions, __bug_table, __ex_table, ORC) that belong to the
 *    copied code, so that the module loader treats the new code as the
 *    kernel treats its own;
 *  - the merged string and constant sections the code uses, copied whole;
 *  - every other reference turned into an undefined symbol whose name is the
 *    run-pre binding key of what it refers to: `name` for a global or
 *    external symbol, `UNIT:name` for a static of the object (UNIT is the
 *    object's path in the tree, e.g. fs/proc/cmdline.o), `UNIT:SECTION` for
 *    an anonymous place in one of its sections (the relocation keeps its
 *    addend, so the section's start is what must be known).
 * Each copied function F is renamed __ksplice_new_F (dots of compiler
 * clones such as foo.isra.0 spelt "__", so the name is a C identifier) and
 * made global, so that the update module's generated patch table can name
 * it.
 *
 * At apply time, run-pre matching of the pre objects learns the run-time
 * address of every such key (a name it does not meet in the pre code but
 * which kallsyms names exactly once, e.g. __fentry__, is taken from
 * kallsyms), and ksplice-apply rewrites each undefined symbol of the update
 * module as an absolute one (SHN_ABS, value = address) before inserting it:
 * the kernel's module loader then links the new code against the running
 * kernel without any symbol having to be exported. A key run-pre cannot
 * resolve refuses the update before anything is loaded.
 */
#ifndef KSPLICE_EXTRACT_H
#define KSPLICE_EXTRACT_H

#include "error.h"

#include <stddef.h>

#define KSP_NEW_PREFIX "__ksplice_new_"

/* The global name a carried function gets: __ksplice_new_ + name, with
 * every '.' spelt "__". */
void ksp_new_symbol_name(const char *name, char *buf, size_t len);

struct ksp_extract_req {
	const char *post;	      /* the post object */
	const char *unit;	      /* its path in the tree: scope of its statics */
	const char *const *functions; /* names of functions to carry */
	size_t nfunctions;
	const char *const *data; /* names of new variables to carry */
	size_t ndata;
	/* statics the compiler numbered differently in the post object
	 * (foo.3 was foo.2): referenced by their pre names, which run-pre
	 * binds */
	const char *const *renamed_post, *const *renamed_pre;
	size_t nrenamed;
};

struct ksp_extract_result {
	char **externals; /* binding keys of the undefined symbols left */
	size_t nexternals;
	size_t nsections; /* sections written */
};

/* Writes the update object to out_path. -1 with err naming the function,
 * section or file at fault. */
int ksp_extract(const struct ksp_extract_req *req, const char *out_path,
		struct ksp_extract_result *res, struct ksp_error *err);

void ksp_extract_result_free(struct ksp_extract_result *res);

#endif
