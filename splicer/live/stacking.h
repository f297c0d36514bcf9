/*
 * Stacked updates, seen from user space: which applied update's new code a
 * function of the running kernel jumps to. kmod-helper writes its jump
 * (e9 rel32) right after the fentry site (or at the entry of a function
 * without one) and lists every replacement in /sys/kernel/ksplice/ID/
 * functions ("NAME OLD NEW"); a jump counts only if it lands on a NEW of
 * an applied update. Run-pre matching of an update made on top of another
 * (ksplice-create --after) follows these jumps (rp_symtab.newest_code).
 */
#ifndef KSPLICE_STACKING_H
#define KSPLICE_STACKING_H

#include "memview.h"

#include <stddef.h>
#include <stdint.h>

/* How many jumps a chain of stacked updates may take, as kmod-helper
 * follows. */
#define KSP_STACK_MAX_DEPTH 64

struct ksp_replacement {
	char id[256];	   /* the applied update */
	uint64_t old_addr; /* the code it patched */
	uint64_t new_addr; /* its new code */
};

struct ksp_stacked {
	const struct rp_memview *mem;
	struct ksp_replacement *v;
	size_t n;
};

/* Where the jump (e9 rel32) at addr lands; 0 when there is none. */
int ksp_jump_target(const struct rp_memview *mem, uint64_t addr, uint64_t *target);

/* Where an update's jump can sit in a function, after its entry: its fentry
 * call, an ENDBR and its fentry call (CONFIG_X86_KERNEL_IBT), or nothing. */
extern const unsigned ksp_jump_offsets[3];

/* Every replacement of every applied update (none without the helper);
 * -1 when out of memory. */
int ksp_stacked_load(struct ksp_stacked *st, const struct rp_memview *mem);

/* The new code of an applied update that the code at addr jumps to (after
 * its fentry site, or at its entry), or 0: one step of ksp_stacked_newest. */
uint64_t ksp_stacked_next(const struct ksp_stacked *st, uint64_t addr);

/* The newest code of the function at addr: follows jumps to new code of
 * applied updates (rp_symtab.newest_code; ctx is a struct ksp_stacked). */
uint64_t ksp_stacked_newest(void *ctx, uint64_t addr);

/* The applied update whose new code starts at addr, or NULL. */
const char *ksp_stacked_owner(const struct ksp_stacked *st, uint64_t addr);

void ksp_stacked_free(struct ksp_stacked *st);

#endif
