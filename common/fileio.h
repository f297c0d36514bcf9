/* Reading a whole file into memory, with errors that name it. */
#ifndef KSPLICE_FILEIO_H
#define KSPLICE_FILEIO_H

#include "error.h"

#include <stddef.h>

/* Reads the regular file at path into *data (malloc'ed, with a NUL after the
 * last byte, so text can be used as a string) and its size into *len.
 * Files larger than max bytes (0: no limit) are refused. */
int ksp_read_file(const char *path, size_t max, unsigned char **data, size_t *len,
		  struct ksp_error *err);

/* Copies the regular file from into to, creating to's missing parent
 * directories. */
int ksp_copy_file(const char *from, const char *to, struct ksp_error *err);

#endif
