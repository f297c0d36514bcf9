/*
 * The objtool pass kbuild delays to link time. With CONFIG_X86_KERNEL_IBT (or
 * Clang LTO) kbuild does not run objtool on each object it compiles: it runs
 * it once on vmlinux.o, and on each module's linked object. That pass is what
 * writes the tables the running kernel was rewritten from (.return_sites,
 * .retpoline_sites, .ibt_endbr_seal, .static_call_sites, ORC) and the __pfx_
 * symbols, and it rewrites some instructions (jump label NOPs). ksplice-create
 * compiles objects one by one, so it runs the same pass on each of them, with
 * the arguments kbuild itself gives the linked object, so that the pre and
 * post objects look as the code in the running kernel was built.
 */
#ifndef KSPLICE_OBJTOOL_PASS_H
#define KSPLICE_OBJTOOL_PASS_H

#include "error.h"
#include "kbuild.h"

struct ksp_objtool_pass {
	int delayed;	/* kbuild delays objtool to link time in this tree */
	char *objtool;	/* the tree's tools/objtool/objtool */
	char **vmlinux; /* arguments for vmlinux.o, NULL-terminated */
	char **module;	/* arguments for a module's linked object */
};

/* Asks kbuild (scripts/Makefile.vmlinux_o, which includes Makefile.lib)
 * whether this tree delays objtool, and with which arguments. */
int ksp_objtool_pass_open(const struct ksp_tree *t, struct ksp_objtool_pass *p,
			  struct ksp_error *err);

void ksp_objtool_pass_close(struct ksp_objtool_pass *p);

/* Does object (of module, "" for vmlinux) need the delayed pass? Not when
 * kbuild does not delay objtool, and not for a module of that one object,
 * which kbuild passes through objtool when it compiles it. */
int ksp_objtool_pass_needed(const struct ksp_objtool_pass *p, const char *object,
			    const char *module);

/* Runs the pass on the object file at path (a copy of object, of module or
 * "" for vmlinux); objtool's output goes to log. */
int ksp_objtool_pass_run(const struct ksp_objtool_pass *p, const char *path, const char *module,
			 const char *log, struct ksp_error *err);

#endif
