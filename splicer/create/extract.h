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
 *  - every other reference named by the run-pre binding key of what it
 *    refers to: `name` for a global or external symbol, `UNIT:name` for a
 *    static of the object (UNIT is the object's path in the tree, e.g.
 *    fs/proc/cmdline.o), `UNIT:SECTION` for an anonymous place in one of its
 *    sections (the relocation keeps its addend, so the section's start is
 *    what must be known).
 * Each copied function F is renamed __ksplice_new_F (dots of compiler
 * clones such as foo.isra.0 spelt "__", so the name is a C identifier) and
 * made global, so that the update module's generated patch table can name
 * it.
 *
 * Such a reference is not a relocation of the object any more (the update
 * module is never modified after it is built, so it may be signed): it is
 * recorded in the result (place: an anchor, a global symbol at offset 0 of
 * the place's section, plus an offset; ELF type, addend, key) for the update
 * module's table of struct ksplice_reloc, which kmod-helper completes after
 * load with the addresses ksplice-apply learns from run-pre matching (a name
 * it does not meet in the pre code but which kallsyms names exactly once is
 * taken from kallsyms). A key run-pre cannot resolve refuses the update
 * before anything is loaded.
 *
 * Except where the module loader itself reads or rewrites the place before
 * the helper could write it: in a table the loader walks (special_sections.h:
 * __jump_table keys, .static_call_sites, ...), in code it copies
 * (.altinstr_replacement), or inside a site it rewrites at load (the call
 * __fentry__ ftrace checks, jmp __x86_return_thunk, retpolines, alternatives,
 * paravirt and static call sites). Those stay undefined symbols named by the
 * key (loader_symbols), for the loader to resolve against the kernel's
 * exports; update_module.c refuses one that is not exported. The one
 * exception the kernel makes for modules: a static call site's key
 * (__SCK__name) that is not exported may name the exported trampoline
 * (__SCT__name) instead, and the loader looks the key up from it
 * (static_call_add_module()), as objtool --module arranges for modules.
 */
#ifndef KSPLICE_EXTRACT_H
#define KSPLICE_EXTRACT_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

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
	/* names of anchors: PREFIX_sN, unique among the update's objects */
	const char *anchor_prefix;
	/* global functions another object of the same update adds (new in
	 * it): the kernel has none of them, so a reference to one is linked
	 * within the update module, to its __ksplice_new_NAME */
	const char *const *new_elsewhere;
	size_t nnew_elsewhere;
	/* does the kernel export name? (NULL: assume so) */
	int (*exported)(const char *name, void *ctx);
	void *exported_ctx;
};

/*
 * Early references: a static key or static call key the loader links the
 * new code's site into when the update module comes (a __jump_table or
 * .static_call_sites entry's key), named by a global symbol no export
 * resolves (a tracepoint or static key of the target module, or one vmlinux
 * does not export). Left out of the object's relocations and recorded here
 * for the module's early table (ksplice_update.h), which kmod-helper writes
 * from kallsyms before jump_label and static_call read it. The code of a
 * static call site whose trampoline no export resolves keeps no relocation
 * either: the loader writes the whole site from its key (__static_call_init).
 */

/* A reference kmod-helper completes: at anchor + offset, relocation type
 * (R_X86_64_*) against key + addend, or one of these, ksplice_update.h's
 * KSPLICE_R_VALUE64 and _VALUE8 (the value stored at key: a run-time
 * constant; test/unit/test_reloc_types.c checks they agree). */
#define KSP_EXTRACT_R_VALUE64 0x100
#define KSP_EXTRACT_R_VALUE8 0x101
struct ksp_extract_reloc {
	const char *anchor; /* the result's anchors */
	uint64_t offset;
	unsigned type;
	int64_t addend;
	const char *key; /* the result's externals */
};

struct ksp_extract_result {
	char **externals; /* binding keys kmod-helper needs, each once */
	size_t nexternals;
	char **loader_symbols; /* undefined symbols left for the module loader */
	size_t nloader_symbols;
	struct ksp_extract_reloc *relocs;
	size_t nrelocs;
	struct ksp_extract_reloc *early; /* early references (above) */
	size_t nearly;
	char **anchors;
	size_t nanchors;
	size_t nsections; /* sections written */
};

/* Writes the update object to out_path. -1 with err naming the function,
 * section or file at fault. */
int ksp_extract(const struct ksp_extract_req *req, const char *out_path,
		struct ksp_extract_result *res, struct ksp_error *err);

void ksp_extract_result_free(struct ksp_extract_result *res);

#endif
