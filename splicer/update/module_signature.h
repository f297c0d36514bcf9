/*
 * Kernel module signatures, in the format the kernel checks
 * (kernel/module/signing.c, include/linux/module_signature.h) and its
 * scripts/sign-file writes:
 *
 *   module bytes | PKCS#7/CMS SignedData (DER, detached, SHA-256, no signed
 *   attributes, no certificates, the signer by issuer and serial number) |
 *   struct module_signature (12 bytes: id_type PKEY_ID_PKCS7, the rest 0,
 *   sig_len big-endian) | "~Module signature appended~\n"
 *
 * The signer is signature.h's, so one key signs update files and modules.
 */
#ifndef KSPLICE_MODULE_SIGNATURE_H
#define KSPLICE_MODULE_SIGNATURE_H

#include "error.h"
#include "signature.h"

#include <stddef.h>

#define KSP_MODSIG_MAGIC "~Module signature appended~\n"

struct ksp_modsig_info {
	int is_signed;
	size_t content_len;	    /* the module's bytes without the signature */
	size_t sig_offset, sig_len; /* the PKCS#7 message */
	/* The signer as the signature names it: "issuer 'CN=...', serial
	 * 0x..." or "key id 0a1b..." (empty when unsigned). */
	char signer[600];
};

/* Does the module (len bytes) carry a signature, and whose? -1 with
 * KSP_E_BAD_SIGNATURE when it ends in the marker but the rest is malformed. */
int ksp_modsig_read(const unsigned char *ko, size_t len, struct ksp_modsig_info *info,
		    struct ksp_error *err);

/* The module signed by s (malloc'ed, *out_len bytes); a signature it
 * already carries is replaced. */
int ksp_modsig_sign(const struct ksp_signer *s, const unsigned char *ko, size_t len,
		    unsigned char **out, size_t *out_len, struct ksp_error *err);

/* Checks the module's signature against trust (signature.h's kinds;
 * KSP_E_UNSIGNED when it has none); the signer's subject into signer. */
int ksp_modsig_verify(const unsigned char *ko, size_t len, const struct ksp_trust *trust,
		      char *signer, size_t signer_len, struct ksp_error *err);

#endif
