/*
 * The target kernel's source tree, as ksplice-create uses it: checking that it
 * is configured and prepared, finding which object a source file builds and
 * whether that object is built into vmlinux, and building objects through
 * kbuild with -ffunction-sections -fdata-sections.
 *
 * Objects are built in place with the kernel's own rules (so __FILE__, objtool
 * tables and flags are exactly those of the real build) with
 * KCFLAGS="-ffunction-sections -fdata-sections" and KBUILD_NOCMDDEP=1: the
 * latter keeps kbuild from rebuilding prepared files (bounds.s,
 * asm-offsets.s) merely because KCFLAGS differs from the prepare run. What
 * the build writes into the tree is put back by the caller (tree_guard.h).
 */
#ifndef KSPLICE_KBUILD_H
#define KSPLICE_KBUILD_H

#include "error.h"
#include "strlist.h"

#include <stddef.h>

/* What kbuild said of each directory evaluated so far: a change to a shared
 * header has hundreds of files to classify in far fewer directories. */
struct ksp_dir_cache {
	char **dirs;
	char **outputs;
	size_t n;
	size_t stored; /* the first n entries the store (dir_store.h) already keeps */
};

/* Frees the cache and everything in it (NULL: nothing). */
void ksp_dir_cache_free(struct ksp_dir_cache *c);

/* Adds kbuild's printout for dir to the cache: 0, or -1 out of memory. */
int ksp_dir_cache_add(struct ksp_dir_cache *c, const char *dir, const char *output);

struct ksp_tree {
	char *path;	       /* absolute path of the source tree */
	char *release;	       /* UTS_RELEASE of the prepared tree */
	char *cc_version_text; /* CONFIG_CC_VERSION_TEXT */
	char *compiler;	       /* CC from the make variables, default "gcc" */
	char **make_vars;      /* from .ksplice-make-vars, NULL-terminated */
	struct ksp_dir_cache *dir_cache;
};

/* Checks that path is a configured and prepared kernel tree; on failure the
 * message says what is missing and how to prepare the tree. */
int ksp_tree_open(const char *path, struct ksp_tree *tree, struct ksp_error *err);

void ksp_tree_close(struct ksp_tree *tree);

/* Compares this machine's compiler (first line of `CC --version`) with the
 * kernel's CONFIG_CC_VERSION_TEXT. Returns 1 if equal, 0 if not, -1 if the
 * compiler cannot be run; found receives what the compiler said. */
int ksp_tree_compiler_matches(const struct ksp_tree *tree, char *found, size_t len,
			      struct ksp_error *err);

/* Writes rules (make text that kbuild's own makefiles are read with) into
 * a new temporary makefile, its name into path; the caller removes it. */
int ksp_kbuild_write_rules(const char *rules, char *path, size_t len);

enum ksp_obj_kind {
	KSP_OBJ_BUILTIN,   /* linked into vmlinux */
	KSP_OBJ_MODULE,	   /* built as (part of) a loadable module */
	KSP_OBJ_NOT_BUILT, /* not built for this configuration */
};

/* For a source file (relative to the tree, e.g. "fs/proc/cmdline.c") gives
 * its object ("fs/proc/cmdline.o") and how this configuration builds it, by
 * asking kbuild itself to evaluate the directory's Makefile and those of its
 * parents. For KSP_OBJ_MODULE, module receives the name of the module the
 * object is linked into, as kbuild gives it KBUILD_MODNAME and the kernel
 * names it in /proc/modules ("nfsd" for fs/nfsd/nfs4state.o, part of
 * nfsd-y; "binfmt_misc" for the single-file module fs/binfmt_misc.o; '-'
 * made '_'); otherwise "". An object linked into several modules fails. */
int ksp_tree_classify(const struct ksp_tree *tree, const char *source, char *object, size_t len,
		      enum ksp_obj_kind *kind, char *module, size_t module_len,
		      struct ksp_error *err);

/* From what kbuild printed for a directory, lines "modname: OBJECT NAME"
 * (one per object of real-obj-m): the module object is linked into. -1 with
 * err when no line names object, or when its NAME lists several modules
 * ("a:b", an object shared by two composites) or does not fit len. */
int ksp_kbuild_modname(const char *printout, const char *object, char *name, size_t len,
		       struct ksp_error *err);

/* Builds the given objects (relative paths) with function and data sections.
 * make's output goes to log_path. -1 with the first error line on failure. */
int ksp_tree_build(const struct ksp_tree *tree, const char *const *objects, size_t n, int jobs,
		   const char *log_path, struct ksp_error *err);

/* The prerequisites make's database gives target (tree-relative, a file
 * of the directory dir's Makefile rules: "security/apparmor/capability_names.h"
 * -> "include/uapi/linux/capability.h security/apparmor/Makefile"), FORCE
 * left out, pushed to out. 0 (none found: out unchanged), -1 if make
 * cannot run or out of memory. */
int ksp_tree_prerequisites(const struct ksp_tree *tree, const char *dir, const char *target,
			   struct ksp_strlist *out);

/* Builds the given objects as ksp_tree_build does, carrying on past
 * failures (make -k): for what their rules generate on the way. -1 only if
 * make cannot run. */
int ksp_tree_build_keep_going(const struct ksp_tree *tree, const char *const *objects, size_t n,
			      int jobs, const char *log_path, struct ksp_error *err);

/* Makes the given preprocessed-source targets ("net/ipv4/route.i", kbuild's
 * %.i rule, with the same flags as the objects), carrying on past failures:
 * the caller looks for the files. used_macros adds gcc's -dU: the macros
 * used, as "#define" lines, for the header index. -1 only if make cannot
 * run. */
int ksp_tree_preprocess(const struct ksp_tree *tree, const char *const *targets, size_t n, int jobs,
			int used_macros, const char *log_path, struct ksp_error *err);

#endif
