/*
 * Which source files a changed header reaches. A header of a directory of
 * its own (fs/proc/internal.h) is followed through the #include "..." lines
 * of that directory's files, transitively. A shared header (under include/
 * or arch/x86/include/) reaches thousands of files; finding them needs
 * kbuild's dependency records (.cmd files) of a fully built tree, which a
 * prepared tree does not have, so it is refused with that reason.
 */
#ifndef KSPLICE_HEADER_USERS_H
#define KSPLICE_HEADER_USERS_H

#include "error.h"

#include <stddef.h>

/* Source files (relative to root, sorted) that include header directly or
 * through other headers of its directory. -1 with err for a shared header
 * or an unreadable directory. */
int ksp_header_users(const char *root, const char *header, char ***sources, size_t *n,
		     struct ksp_error *err);

void ksp_header_users_free(char **sources, size_t n);

#endif
