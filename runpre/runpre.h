/*
 * Run-pre matching: proves that the running kernel's code is what the pre
 * objects compile to, and learns the run-time address of every symbol their
 * code refers to.
 *
 * Every function of every pre object is compared with memory instruction by
 * instruction (libopcodes): bytes equal outside relocation fields; at each
 * relocation field the value in memory gives the referenced symbol's
 * run-time address (S = value + P - A for PC-relative fields, value - A for
 * absolute ones), and all sites of one symbol must agree; strings and
 * constants in merged sections are compared by content; relative branches
 * are compared by target, so rel8 against rel32 and nop padding do not
 * matter; the places the kernel rewrites at run time (sites.h) accept every
 * legitimate variant and nothing else.
 *
 * Candidates come from the symbol table by name (several for duplicated
 * static names); a candidate an applied update replaced is matched at its
 * newest replacement (rp_symtab.newest_code). A candidate that survives
 * alone is committed with what it learned; the rest are retried with the
 * new knowledge until nothing changes ("flood fill", as Ksplice did).
 */
#ifndef KSPLICE_RUNPRE_H
#define KSPLICE_RUNPRE_H

#include "error.h"
#include "memview.h"
#include "pre_object.h"
#include "sites.h"

#include <stddef.h>
#include <stdint.h>

/* The running kernel's symbol table (kallsyms or System.map). */
/* Symbols as code of a given scope sees them: scope is the object's module
 * (rp_object.module), NULL for vmlinux. */
struct rp_symtab {
	/* Addresses of every symbol named name (up to max) that the scope's
	 * code can mean; their number. */
	size_t (*lookup)(void *ctx, const char *scope, const char *name, uint64_t *addrs,
			 size_t max);
	/* Whether a symbol called name starts at addr (names like __func__.0
	 * exist hundreds of times). */
	int (*is_at)(void *ctx, const char *scope, const char *name, uint64_t addr);
	/* The names of the symbols starting exactly at addr (aliases share an
	 * address: __x86_indirect_thunk_array and _rax); their number. */
	size_t (*names_at)(void *ctx, const char *scope, uint64_t addr, const char **names,
			   size_t max);
	/* The symbol containing addr and its start, or NULL (for reports). */
	const char *(*containing)(void *ctx, uint64_t addr, uint64_t *start);
	void *ctx;
	/* Only some of the kernel's symbols (a fixture's cut): a branch to an
	 * address with no name is then not evidence of anything wrong. */
	int partial;
	/* Stacking: where the code of the function at addr runs now, addr
	 * itself or the newest replacement an applied update jumps to; that
	 * code is matched instead (the pre objects of an update made on top
	 * of another compile to the other's new code). NULL: always addr. */
	uint64_t (*newest_code)(void *newest_ctx, uint64_t addr);
	void *newest_ctx;
};

enum rp_status {
	RP_MATCHED,
	RP_NO_MATCH,  /* every candidate differs; detail says where */
	RP_AMBIGUOUS, /* several candidates match */
	RP_NOT_FOUND, /* no candidate */
	RP_SKIPPED,   /* .init.text and the like: freed after boot */
};

struct rp_function_result {
	const struct rp_object *object;
	const struct rp_function *function;
	enum rp_status status;
	uint64_t address;	/* RP_MATCHED: the function's symbol */
	uint64_t code_address;	/* RP_MATCHED: the code matched (address, or
				 * its newest replacement, see newest_code) */
	size_t ncandidates;	/* tried */
	char detail[768];	/* first difference, ambiguity, or note */
	int64_t trampoline;	/* offset where a 5-byte jump can go; -1: nowhere */
	const char *no_jump;	/* trampoline -1: why (a phrase), else NULL */
	int ftrace_active;	/* the fentry site calls a tracer */
	int found_by_neighbour; /* an overridden weak function, placed by layout */
};

struct rp_symbol_result {
	char *name;
	uint64_t address;
};

struct rp_result {
	struct rp_function_result *functions;
	size_t nfunctions;
	struct rp_symbol_result *symbols; /* every symbol the code refers to */
	size_t nsymbols;
	size_t matched, no_match, ambiguous, not_found, skipped;
};

/* Matches every function of the given objects. */
int rp_match_objects(struct rp_object *const *objects, size_t nobjects,
		     const struct rp_memview *mem, const struct rp_symtab *syms,
		     struct rp_result *result, struct ksp_error *err);

const char *rp_status_name(enum rp_status status);

void rp_result_free(struct rp_result *result);

#endif
