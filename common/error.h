/* One-line error messages that name what failed and where. */
#ifndef KSPLICE_ERROR_H
#define KSPLICE_ERROR_H

#include <stddef.h>

struct ksp_error {
	char msg[512];
};

/* Sets the message (printf-style) and returns -1, so callers can
 * `return ksp_fail(err, ...)`. err may be NULL. */
int ksp_fail(struct ksp_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
