/*
 * Which C files a shared header (include/..., arch/x86/include/...) reaches.
 *
 * A fully built tree knows this exactly (kbuild's .cmd files list every
 * header each object read), but the prepared tree of a distribution kernel
 * has never been built. So ksplice-create reads every #include line of the
 * tree's C files and headers (arch/ other than x86, Documentation, tools,
 * scripts and samples skipped) and follows them backwards from the changed
 * header. Each include is resolved as the compiler would: "name" first
 * beside the including file, then the kernel's -I list (arch/x86/include,
 * its generated/, include, the uapi and generated/uapi directories). An
 * include that resolves nowhere (a directory's own ccflags -I) is linked to
 * every scanned file whose path ends in /name. Conditional includes count
 * as taken: an object named that the change does not affect compiles the
 * same before and after, and the matcher finds no difference in it. Not
 * followed: includes spelled through a macro (#include TRACE_INCLUDE(...)).
 */
#ifndef KSPLICE_INCLUDE_GRAPH_H
#define KSPLICE_INCLUDE_GRAPH_H

#include "error.h"

#include <stddef.h>

/* The .c files (relative to root, sorted) that include header, directly or
 * through other headers. If more than limit are found, stops and returns 1
 * with *n set to the number found so far (sources NULL). */
int ksp_include_users(const char *root, const char *header, size_t limit, char ***sources,
		      size_t *n, struct ksp_error *err);

/* Where the compiler finds "#include name" (len bytes; quoted: "name", else
 * <name>) of the tree-relative file including: a quoted name beside that
 * file first, then the kernel's -I list in order; the first path exists()
 * accepts goes into out (tree-relative, "." and ".." resolved). beside_only:
 * a quoted name is looked for beside the file only (the -I list is not
 * the only place objects may search for it: their -iquote). 1 if found, 0
 * if not. */
int ksp_include_resolve(const char *including, const char *name, size_t len, int quoted,
			int beside_only, int (*exists)(void *ctx, const char *rel), void *ctx,
			char *out, size_t cap);

#endif
