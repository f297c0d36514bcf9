/* Tests that read objects gcc compiles on the spot: writes text to
 * dir/name.c and compiles it with flags (and -O2) into dir/name.o, whose
 * path it returns (malloc'ed). Aborts if gcc fails. */
#ifndef KSPLICE_TEST_GCC_OBJECT_H
#define KSPLICE_TEST_GCC_OBJECT_H

#include <stdio.h>
#include <stdlib.h>

static inline char *ksp_test_compile(const char *dir, const char *name, const char *text,
				     const char *flags)
{
	char src[256], cmd[768], *obj;
	snprintf(src, sizeof(src), "%s/%s.c", dir, name);
	if (asprintf(&obj, "%s/%s.o", dir, name) < 0)
		abort();
	FILE *f = fopen(src, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gcc %s -O2 -c '%s' -o '%s'", flags, src, obj);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		abort();
	}
	return obj;
}

#endif
