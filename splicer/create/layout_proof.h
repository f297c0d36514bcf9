/*
 * Whether the struct and union definitions a patch changes keep their
 * compiled layout, decided from the DWARF of the objects ksplice-create
 * built before and after the patch (dwarf_layout.h). A type no built object
 * compiles cannot be checked and is refused as a layout change, as is one
 * whose size, alignment or existing members moved or changed type, or that
 * gained a member in storage no existing member used. Screening took these
 * types as unchanged (pp_screen.h's same-layout types) on the promise of
 * this check: a patch that fails it is refused as a whole.
 */
#ifndef KSPLICE_LAYOUT_PROOF_H
#define KSPLICE_LAYOUT_PROOF_H

#include "create.h"
#include "layout_check.h"

/* After the build: 0 if every suspect not proven yet keeps its layout in
 * the built units (one progress line each), else 1 with err naming the
 * file, type and member (or that no unit compiles the type); -1 with err on
 * failure. */
int ksp_layout_prove(const struct ksp_create_opts *o, const struct ksp_create_result *res,
		     struct ksp_layout_suspects *s, struct ksp_error *err);

/* Before screening: builds the files the patch changes directly, before and
 * after it (copies under the work directory; the tree is put back), and
 * compares the suspects they compile: a layout change is refused (1, err)
 * before any screening; those found the same are marked proven; the others
 * wait for ksp_layout_prove. log: patch's log. -1 with err on failure. */
int ksp_layout_prove_early(const struct ksp_create_opts *o, struct ksp_create_result *res,
			   const char *log, struct ksp_error *err);

#endif
