/* libFuzzer target: the update file's container (splicer/package.c), read
 * as ksplice-apply reads an update. The first byte chooses how the rest is
 * used: odd, as the file itself (gzip framing, CRC, truncation); even, as
 * the uncompressed tar stream, gzip-compressed here, so that mutations reach
 * the tar headers and SHA256SUMS instead of dying in gzip's CRC. An update
 * that reads back must write and read again to the same members and
 * signature; its signature (SHA256SUMS.p7s) and the module signature of any
 * member are parsed as ksplice-apply and ksplice-sign-module parse them. */
#include "fuzz_util.h"
#include "module_signature.h"
#include "package.h"
#include "signature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static void compress_to(const uint8_t *data, size_t size, const char *path)
{
	gzFile gz = gzopen(path, "wb1");
	fuzz_check(gz != NULL, "gzopen of the input file");
	if (size)
		fuzz_check(gzwrite(gz, data, (unsigned)size) == (int)size, "gzwrite");
	fuzz_check(gzclose(gz) == Z_OK, "gzclose");
}

static void same_members(const struct ksp_package *a, const struct ksp_package *b)
{
	fuzz_check(a->count == b->count, "a rewritten update has the same members");
	for (size_t i = 0; i < a->count; i++) {
		const struct ksp_pkg_member *m = ksp_pkg_find(b, a->members[i].name);
		fuzz_check(m && m->size == a->members[i].size &&
				   memcmp(m->data, a->members[i].data, m->size) == 0,
			   "a rewritten member reads back the same");
	}
	fuzz_check(
		!a->signature == !b->signature &&
			(!a->signature || (a->signature_len == b->signature_len &&
					   !memcmp(a->signature, b->signature, a->signature_len))),
		"a rewritten signature reads back the same");
}

/* Signatures: whatever they hold, no crash; a module signature that reads
 * lies inside its member. */
static void signatures(const struct ksp_package *pkg)
{
	struct ksp_error err;
	char signer[512];
	ksp_pkg_verify(pkg, NULL, signer, sizeof(signer), &err);
	for (size_t i = 0; i < pkg->count; i++) {
		struct ksp_modsig_info info;
		const struct ksp_pkg_member *m = &pkg->members[i];
		if (ksp_modsig_read(m->data, m->size, &info, &err) == 0 && info.is_signed)
			fuzz_check(info.sig_offset + info.sig_len + 40 == m->size &&
					   info.content_len == info.sig_offset,
				   "a module signature lies inside the module");
	}
}

static void round_trip(const struct ksp_package *pkg)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/round-trip.tar.gz", fuzz_scratch_dir());
	struct ksp_error err;
	if (ksp_pkg_write(pkg, path, &err) != 0)
		return; /* a name ustar cannot store again: refused, fine */
	struct ksp_package again;
	fuzz_check(ksp_pkg_read(path, &again, &err) == 0, "a written update reads back");
	same_members(pkg, &again);
	ksp_pkg_free(&again);
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char path[64];
	fuzz_input_file(NULL, 0, 0, path, sizeof(path));
	if (data[0] & 1)
		fuzz_input_file(data + 1, size - 1, 0, path, sizeof(path));
	else
		compress_to(data + 1, size - 1, path);
	struct ksp_package pkg;
	struct ksp_error err;
	if (ksp_pkg_read(path, &pkg, &err) != 0)
		return 0;
	for (size_t i = 0; i < pkg.count; i++)
		fuzz_check(ksp_pkg_find(&pkg, pkg.members[i].name) == &pkg.members[i],
			   "member names are unique");
	signatures(&pkg);
	round_trip(&pkg);
	ksp_pkg_free(&pkg);
	return 0;
}
