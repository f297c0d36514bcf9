#include "fuzz_util.h"

#include <bfd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef KSPLICE_SOURCE_DIR
#define KSPLICE_SOURCE_DIR "."
#endif

static void die(const char *what)
{
	perror(what);
	abort();
}

static int input_fd = -1;

void fuzz_input_file(const uint8_t *data, size_t size, size_t pad, char *path, size_t len)
{
	if (input_fd < 0 && (input_fd = memfd_create("fuzz-input", MFD_CLOEXEC)) < 0)
		die("memfd_create");
	if (ftruncate(input_fd, 0) != 0)
		die("ftruncate");
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(input_fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			die("pwrite");
		done += (size_t)n;
	}
	if (pad && ftruncate(input_fd, (off_t)(size + pad)) != 0)
		die("ftruncate");
	snprintf(path, len, "/proc/self/fd/%d", input_fd);
}

static char scratch[4096];

static void remove_scratch(void)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", scratch);
}

const char *fuzz_scratch_dir(void)
{
	if (scratch[0])
		return scratch;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(scratch, sizeof(scratch), "%s/ksplice-fuzz.XXXXXX", tmp);
	if (!mkdtemp(scratch))
		die(scratch);
	atexit(remove_scratch);
	return scratch;
}

const char *fuzz_source_dir(void)
{
	const char *dir = getenv("KSPLICE_SOURCE_DIR");
	return dir && *dir ? dir : KSPLICE_SOURCE_DIR;
}

void fuzz_check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz: property violated: %s\n", what);
	abort();
}

/* libbfd's default error handler formats its messages with its own printf
 * (_bfd_doprnt), which on some corrupt objects stops the process: "BFD
 * (GNU Binutils for Debian) 2.40 internal error, aborting at bfd.c:1326 in
 * _bfd_doprnt_scan", then exit(1), a libbfd bug the fuzzers hit within
 * seconds. The targets swallow libbfd's messages instead (they are only
 * warnings about the corrupt input), so fuzzing reaches our own code.
 * bfd_init() puts the default handler back, so the targets are linked with
 * --wrap=bfd_init and set theirs after every call. */
static void quiet_bfd_errors(const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
}

unsigned int __real_bfd_init(void);
unsigned int __wrap_bfd_init(void);

unsigned int __wrap_bfd_init(void)
{
	unsigned int magic = __real_bfd_init();
	bfd_set_error_handler(quiet_bfd_errors);
	return magic;
}
