/*
 * The update file: ksplice-<id>.tar.gz, a gzip-compressed POSIX ustar archive
 * of regular files. Its last member is SHA256SUMS (sha256sum(1) format: "HEX
 * two-spaces NAME" per line) covering every other member, so that
 * `tar xzf F && sha256sum -c SHA256SUMS` checks an update by hand too.
 *
 * Reading refuses an archive that is truncated, fails gzip's CRC, holds
 * anything but regular files, lacks SHA256SUMS, or whose members do not match
 * it (missing, extra, or corrupted), naming the member at fault.
 * Writing is atomic: a temporary file beside the target, fsync, rename.
 */
#ifndef KSPLICE_PACKAGE_H
#define KSPLICE_PACKAGE_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KSP_PKG_SUMS "SHA256SUMS"
/* No member of a real update comes near this; a corrupt size field would. */
#define KSP_PKG_MAX_MEMBER (256u << 20)

struct ksp_pkg_member {
	char *name;
	unsigned char *data;
	size_t size;
};

struct ksp_package {
	struct ksp_pkg_member *members;
	size_t count;
	time_t mtime; /* stamped on every member when writing */
};

/* Adds a copy of data as member name (a relative path without "..").
 * Returns -1 on a bad or duplicate name. */
int ksp_pkg_add(struct ksp_package *pkg, const char *name, const void *data, size_t size,
		struct ksp_error *err);

/* Adds the contents of the file at path as member name. */
int ksp_pkg_add_file(struct ksp_package *pkg, const char *name, const char *path,
		     struct ksp_error *err);

/* Writes the package (plus SHA256SUMS) to path atomically. */
int ksp_pkg_write(const struct ksp_package *pkg, const char *path, struct ksp_error *err);

/* Reads and verifies a package; SHA256SUMS itself is not kept as a member. */
int ksp_pkg_read(const char *path, struct ksp_package *pkg, struct ksp_error *err);

const struct ksp_pkg_member *ksp_pkg_find(const struct ksp_package *pkg, const char *name);

/* Lower-case hex SHA-256 of data into hex[65]. */
void ksp_sha256_hex(const void *data, size_t size, char hex[65]);

void ksp_pkg_free(struct ksp_package *pkg);

#endif
