/*
 * One x86-64 instruction at a time, through libopcodes: its length and text
 * (for reports), whether it is a nop, and, for relative branches, their kind
 * and displacement.
 */
#ifndef KSPLICE_DISASM_H
#define KSPLICE_DISASM_H

#include <stddef.h>
#include <stdint.h>

enum ksp_branch_kind { KSP_NOT_BRANCH, KSP_CALL, KSP_JMP, KSP_JCC };

struct ksp_insn {
	unsigned len; /* 0: undecodable */
	char text[128];
	int nop;
	enum ksp_branch_kind branch;
	unsigned cond;	   /* condition code of a jcc (0-15), 16+ for jrcxz/loop */
	int64_t disp;	   /* of a relative branch */
	unsigned disp_off; /* where the displacement starts in the instruction */
	unsigned disp_size;
};

/* Decodes the instruction at bytes (avail readable), shown as if at vma. */
/* CONFIG_X86_KERNEL_IBT (6.12): a function's first instruction, endbr64,
 * and the 4-byte `osp nopl (%rax)` the kernel seals an unused one into
 * (gen_endbr_poison()). Each needs KSP_ENDBR_LEN readable bytes. */
#define KSP_ENDBR_LEN 4
int ksp_is_endbr64(const unsigned char *bytes);
int ksp_is_sealed_endbr(const unsigned char *bytes);

void ksp_insn_decode(const unsigned char *bytes, size_t avail, uint64_t vma, struct ksp_insn *insn);

#endif
