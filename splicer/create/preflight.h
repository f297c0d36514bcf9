/*
 * What ksplice-create checks before the long work, so that an unusable
 * output directory or missing kbuild headers fail in a second, not after
 * minutes of building: the output directory (created if missing, as
 * mkdir -p) and the target kernel's kbuild headers.
 */
#ifndef KSPLICE_PREFLIGHT_H
#define KSPLICE_PREFLIGHT_H

#include "error.h"
#include "kbuild.h"

#include <stddef.h>

/* dir exists (or is created, with its parents) as a directory this process
 * can write into; KSP_E_OUTPUT if not. */
int ksp_output_dir_ready(const char *dir, struct ksp_error *err);

/* The kbuild headers for tree: given (--headers), else the directory the
 * prepared tree records in .ksplice-headers (scripts/testbed setup writes
 * it), else /lib/modules/RELEASE/build. They must exist and be for the
 * tree's release; KSP_E_TREE if not. */
int ksp_headers_find(const struct ksp_tree *tree, const char *given, char *out, size_t len,
		     struct ksp_error *err);

#endif
