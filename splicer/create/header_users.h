/*
 * Which source files a changed header reaches. A header of a directory of
 * its own (fs/proc/internal.h) is followed through the #include "..." lines
 * of that directory's files, transitively. A shared header (under include/
 * or arch/x86/include/) is followed through the whole tree's include graph
 * (include_graph.h).
 */
#ifndef KSPLICE_HEADER_USERS_H
#define KSPLICE_HEADER_USERS_H

#include "error.h"

#include <stddef.h>

/* Source files (relative to root, sorted) that include header directly or
 * through other headers. -1 with err for an unreadable directory. */
int ksp_header_users(const char *root, const char *header, char ***sources, size_t *n,
		     struct ksp_error *err);

/* Under include/ or arch/.../include/. */
int ksp_header_is_shared(const char *header);

void ksp_header_users_free(char **sources, size_t n);

#endif
