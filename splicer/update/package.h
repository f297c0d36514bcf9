/*
 * The update file: ksplice-<id>.tar.gz, a gzip-compressed POSIX ustar archive
 * of regular files. Its last member is SHA256SUMS (sha256sum(1) format: "HEX
 * two-spaces NAME" per line) covering every other member, so that
 * `tar xzf F && sha256sum -c SHA256SUMS` checks an update by hand too. A
 * signed update has one more member after it, SHA256SUMS.p7s: a detached
 * CMS signature (DER) of SHA256SUMS's bytes (signature.h makes and checks
 * it; `openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s -content
 * SHA256SUMS -CAfile CERT` checks it by hand).
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
#define KSP_PKG_SIGNATURE "SHA256SUMS.p7s"
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
	/* Read: SHA256SUMS as stored (verified against the members). */
	char *sums;
	size_t sums_len;
	/* SHA256SUMS.p7s: read as stored, or written when set (malloc'ed;
	 * ksp_pkg_free frees it). NULL: unsigned. */
	unsigned char *signature;
	size_t signature_len;
};

/* Adds a copy of data as member name (a relative path without "..").
 * Returns -1 on a bad or duplicate name. */
int ksp_pkg_add(struct ksp_package *pkg, const char *name, const void *data, size_t size,
		struct ksp_error *err);

/* Adds the contents of the file at path as member name. */
int ksp_pkg_add_file(struct ksp_package *pkg, const char *name, const char *path,
		     struct ksp_error *err);

/* The SHA256SUMS text ksp_pkg_write writes for the members (malloc'ed),
 * or NULL when out of memory: what a signature signs. */
char *ksp_pkg_sums(const struct ksp_package *pkg, size_t *len);

/* Writes the package (plus SHA256SUMS, and SHA256SUMS.p7s when
 * pkg->signature is set) to path atomically. */
int ksp_pkg_write(const struct ksp_package *pkg, const char *path, struct ksp_error *err);

/* Reads and verifies a package; SHA256SUMS and SHA256SUMS.p7s are not kept
 * as members but in sums and signature (whether the signature is good is
 * signature.h's question). */
int ksp_pkg_read(const char *path, struct ksp_package *pkg, struct ksp_error *err);

const struct ksp_pkg_member *ksp_pkg_find(const struct ksp_package *pkg, const char *name);

/* Lower-case hex SHA-256 of data into hex[65]. */
void ksp_sha256_hex(const void *data, size_t size, char hex[65]);

void ksp_pkg_free(struct ksp_package *pkg);

#endif
