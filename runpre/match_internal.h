/* Internals shared by the run-pre matcher's files. */
#ifndef KSPLICE_RUNPRE_MATCH_INTERNAL_H
#define KSPLICE_RUNPRE_MATCH_INTERNAL_H

#include "disasm.h"
#include "runpre.h"

#include <stdio.h>

/* A symbol's run-time address, learned at a relocation site. */
struct rp_binding {
	char *key; /* symbol name, or "object:section" for an anonymous section */
	uint64_t addr;
	char *where; /* first site that taught it: "function+0x12" */
};

struct rp_bindings {
	struct rp_binding *v;
	size_t n;
};

/* A branch whose target lies later in the function: checked at the end,
 * once every instruction boundary is mapped. */
struct rp_pending_jump {
	uint64_t pre_target; /* in the section */
	uint64_t run_target;
	uint64_t from; /* the branch, for the report */
};

/* One attempt at matching one function at one address. */
struct rp_attempt {
	const struct rp_object *obj;
	const struct rp_sites *sites;
	const struct rp_function *func;
	const struct rp_memview *mem;
	const struct rp_symtab *syms;
	const struct rp_bindings *committed;
	struct rp_bindings tentative;
	uint64_t base; /* run-time address of the function */
	uint64_t *map; /* pre offset (from the function start) -> run address, 0: none */
	struct rp_pending_jump *pending;
	size_t npending;
	int ftrace_active;
	char why[768];	   /* first difference */
	uint64_t progress; /* pre bytes matched before the difference */
};

/* Compares pre bytes [from, to) of the function's section with memory from
 * run address `run`; *run_end receives where the run side ended. Sites are
 * honoured, except the one at `from` when skip_site_at_from (the caller is
 * trying its original form). 1: equal, 0: differs (a->why). */
int rp_compare_stream(struct rp_attempt *a, const struct ksp_obj_section *section, uint64_t from,
		      uint64_t to, uint64_t run, uint64_t *run_end, int skip_site_at_from);

/* Handles the site at pre offset o / run address run; 1 and *pre_len,
 * *run_len on a legitimate variant, 0 otherwise. */
int rp_compare_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run,
		    unsigned *pre_len, unsigned *run_len);

/* Bindings and pending jumps only grow during an attempt: a checkpoint is
 * their sizes, and rolling back drops what came after (a variant that did
 * not match must not teach anything). */
struct rp_checkpoint {
	size_t nbindings, npending;
};
struct rp_checkpoint rp_checkpoint(const struct rp_attempt *a);
void rp_rollback(struct rp_attempt *a, struct rp_checkpoint cp);

/* A branch at pre offset o of s (run address run) to target_off of section
 * target lands at run_target: on the corresponding instruction if target
 * is the function's own section, else it teaches (and must agree with) where
 * target's symbol or section is. site: the offset reports name. */
int rp_branch_into(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t o, uint64_t run,
		   const struct ksp_obj_section *target, uint64_t target_off, uint64_t run_target,
		   uint64_t site);

/* Records that key lives at addr; 0 if that contradicts what is known. */
int rp_bind(struct rp_attempt *a, const char *key, uint64_t addr, uint64_t site_offset);

/* 1 if a branch that should land at `want` and lands at `got` lands on the
 * same instruction: equal, or only nops lie between the two. */
int rp_same_landing(const struct rp_memview *mem, uint64_t want, uint64_t got);

/* Where a call that lands at run_target means to go: past the call depth
 * accounting thunk (retbleed=stuff) in the callee's padding, if any. */
uint64_t rp_past_thunk(const struct rp_attempt *a, uint64_t run_target);

/* The same for the call at pre offset o, if objtool listed it (.call_sites). */
uint64_t rp_past_call_thunk(const struct rp_attempt *a, const struct ksp_obj_section *section,
			    uint64_t o, uint64_t run_target);

/* 1 if the run-time bytes [run, run+len) are all nops or int3 padding. */
int rp_is_padding(const struct rp_memview *mem, uint64_t run, unsigned len);

/* Formats "func+0xOFF: pre `insn` vs run `insn` (detail)" into a->why. */
void rp_explain(struct rp_attempt *a, const struct ksp_obj_section *section, uint64_t offset,
		uint64_t run, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void rp_bindings_free(struct rp_bindings *b);
const struct rp_binding *rp_bindings_find(const struct rp_bindings *b, const char *key);
int rp_bindings_add(struct rp_bindings *b, const char *key, uint64_t addr, const char *where);

#endif
