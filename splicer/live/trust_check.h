/*
 * ksplice-apply's trust policy: before anything is loaded, an update file
 * read by package.h is checked against the trust store (signature.h):
 *   --insecure-unsigned          not checked, with a warning;
 *   a trust store (--trust DIR,  the file must carry a valid signature by a
 *   else /etc/ksplice/trusted    trusted certificate: unsigned, bad
 *   when it exists)              signature, untrusted signer and an
 *                                unreadable store are each refused;
 *   no trust store               as before, with a warning when the file is
 *                                unsigned; a signature it carries must still
 *                                match (a bad one is refused).
 * A store whose directory or files another user than root (or the caller)
 * owns, or that group or others can write, is refused as unreadable.
 */
#ifndef KSPLICE_TRUST_CHECK_H
#define KSPLICE_TRUST_CHECK_H

#include "error.h"
#include "package.h"

#include <stdio.h>

#define KSP_TRUST_DEFAULT "/etc/ksplice/trusted"

struct ksp_trust_policy {
	const char *trust_dir; /* --trust, or NULL: KSP_TRUST_DEFAULT if it exists */
	int insecure_unsigned; /* --insecure-unsigned */
	FILE *detail;	       /* -v: who signed it; NULL: quiet */
	/* Out (may be NULL): the subject of the signer whose signature was
	 * verified, "" when none was (kmod-helper shows it). */
	char *signer;
	size_t signer_len;
};

/* 0 when the policy lets the update file (path, read into pkg) through;
 * -1 with err and its kind (signature.h's) otherwise. Warnings go to
 * stderr. */
int ksp_trust_check(const struct ksp_trust_policy *p, const char *path,
		    const struct ksp_package *pkg, struct ksp_error *err);

#endif
