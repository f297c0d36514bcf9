/* From a compared tree to the update file (update_file.h says what it
 * holds). */
#ifndef KSPLICE_PACKAGE_UPDATE_H
#define KSPLICE_PACKAGE_UPDATE_H

#include "error.h"

#include <stddef.h>

struct ksp_create_opts;
struct ksp_create_result;
struct ksp_signer;

struct ksp_update_info {
	const char *id;
	const char *description;
	const char *build_id; /* may be NULL */
	const char *headers;  /* kbuild headers of the target kernel */
	const char *outdir;
	/* --sign-key/--sign-cert, or NULL: signs update.ko (module format)
	 * before the sums are computed, then SHA256SUMS. */
	const struct ksp_signer *signer;
	/* --cve (checked, distinct) and --brings (checked, or NULL). */
	const char *const *cves;
	size_t ncves;
	const char *brings;
};

/* Extracts, builds the update module and writes the update file into
 * info->outdir; out_path receives its path. */
int ksp_create_package(const struct ksp_create_opts *o, const struct ksp_create_result *res,
		       const struct ksp_update_info *info, char *out_path, size_t out_len,
		       struct ksp_error *err);

#endif
