/*
 * Data layout changes, found in the source before anything is built.
 *
 * Replacing functions cannot change data that already exists: a patch that
 * adds, removes or retypes a member of a struct or union leaves every live
 * object of that type in its old layout while the new code reads the new
 * one. ksplice-create compares the file-scope struct and union definitions
 * of each file the patch touches, before and after the patch (comments and
 * whitespace ignored, preprocessor lines inside a body kept), and refuses
 * the patch naming the type. Types the patch adds or removes are not a
 * layout change of existing data; anonymous types are not compared; a type
 * defined only in an #if branch the tree's .config leaves out is not
 * compiled into this kernel (kconfig.h).
 */
#ifndef KSPLICE_LAYOUT_H
#define KSPLICE_LAYOUT_H

#include "error.h"
#include "kconfig.h"

#include <stddef.h>

/* The first struct or union ("struct name") defined in both pre and post
 * whose definition differs, into out; returns 1 if there is one, 0 if not,
 * -1 if out of memory. A definition inside an #if branch that configuration
 * k (NULL: none known) does not compile is left out. */
int ksp_layout_changed(const char *pre, const char *post, const struct ksp_kconfig *k, char *out,
		       size_t len);

/* Calls fn with every such type ("struct name"), once each; returns 1 if
 * there was one, 0 if not, -1 if out of memory or fn failed. */
int ksp_layout_changed_each(const char *pre, const char *post, const struct ksp_kconfig *k,
			    int (*fn)(void *ctx, const char *type), void *ctx);

#endif
