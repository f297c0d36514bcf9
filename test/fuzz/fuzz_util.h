/* Shared by the libFuzzer targets. */
#ifndef KSPLICE_FUZZ_UTIL_H
#define KSPLICE_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Makes the input a file for parsers that read a path: one memfd, rewritten
 * for every input and followed by pad zero bytes (a sparse hole), so that
 * reads the parser believes are inside the file really return bytes. Its path
 * (/proc/self/fd/N) goes into path[len]. Aborts if the system refuses. */
void fuzz_input_file(const uint8_t *data, size_t size, size_t pad, char *path, size_t len);

/* A fresh directory under $TMPDIR (or /tmp), created once per process and
 * removed at exit; its path. */
const char *fuzz_scratch_dir(void);

/* The source tree (for fixtures): $KSPLICE_SOURCE_DIR, else the tree this
 * target was built from. */
const char *fuzz_source_dir(void);

/* Aborts with a message: a property of the parser's output does not hold. */
void fuzz_check(int ok, const char *what);

#endif
