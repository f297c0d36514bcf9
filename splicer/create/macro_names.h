/*
 * Every name some object of a kernel tree could have as a macro: what
 * proves that an identifier no indexed object has seen is not a macro.
 * The index's -dU record lists only the macros an object used, so a name
 * nobody saw may still be one that some reader defines and never expanded,
 * and would expand once a patch writes it into a header. It cannot be, if
 * nothing the compiler could take a definition from defines it:
 *  - no "#define NAME" in any text file of the tree (every directory,
 *    generated headers included; binary files, with a NUL in their first
 *    4 KB, are passed over),
 *  - no "-DNAME" in a Makefile, Kbuild or *.mk file, nor in the make
 *    variables the tree was prepared with (.ksplice-make-vars),
 *  - not predefined by the tree's compiler (CC -std=gnu11 -dM: gnu modes
 *    predefine linux and unix), nor reserved to the implementation (__x,
 *    _X: flags such as -O2 or -mavx2 predefine more of those).
 * The kernel builds with -nostdinc, so an object reads only files of the
 * tree. The set (64-bit hashes of the names: a collision only makes a name
 * look defined) is kept in the index's directory (KSP_MACRO_NAMES_FILE)
 * for the index's stamp and a digest of every file's path, size and mtime:
 * a run stats the tree (a second or two) and reads it again (seconds) only
 * if a file changed.
 */
#ifndef KSPLICE_MACRO_NAMES_H
#define KSPLICE_MACRO_NAMES_H

#include "error.h"
#include "kbuild.h"

#include <stddef.h>
#include <stdint.h>

#define KSP_MACRO_NAMES_FILE "defined-names"

struct ksp_macro_names {
	uint64_t *hashes; /* the tree's, sorted */
	size_t n;
	uint64_t *extra; /* added by ksp_macro_names_add_defines */
	size_t nextra, extra_cap;
	size_t files; /* files of the tree */
	int read;     /* the tree was read (no valid kept copy) */
};

/* Fills names (ksp_macro_names_free releases it, also after a failure) from
 * tree and the copy kept in index_dir, which it refreshes (failing to keep
 * it costs only time). 0, or -1 with err: a file or directory of the tree
 * could not be read, or out of memory. */
int ksp_macro_names_load(const struct ksp_tree *tree, const char *index_dir,
			 struct ksp_macro_names *names, struct ksp_error *err);

/* Adds every name a "#define NAME" of text defines (a patched file's new
 * text). 0, or -1 out of memory. */
int ksp_macro_names_add_defines(struct ksp_macro_names *names, const char *text, size_t len);

/* Whether the name may be a macro in some object. */
int ksp_macro_names_has(const struct ksp_macro_names *names, const char *name, size_t len);

void ksp_macro_names_free(struct ksp_macro_names *names);

#endif
