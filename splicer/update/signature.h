/*
 * Signatures (OpenSSL CMS, RFC 5652): the one owner of keys, certificates,
 * trust stores and signing.
 *
 * An update file is signed over its SHA256SUMS (which covers every other
 * member): a detached CMS SignedData, SHA-256, no signed attributes (so
 * that an RSA signature of the same sums is the same bytes), the signer's
 * certificate embedded, stored as the member SHA256SUMS.p7s (package.h).
 *
 * Verifying tells apart, by error kind:
 *   KSP_E_UNSIGNED       no signature;
 *   KSP_E_BAD_SIGNATURE  malformed, or it does not match the content (a
 *                        member changed after signing, sums recomputed);
 *   KSP_E_UNTRUSTED      it matches, but its signer's certificate neither
 *                        is in the trust store nor chains to one there (or
 *                        is not valid now);
 *   KSP_E_TRUST_STORE    the trust store cannot be read or holds no
 *                        certificate.
 * A trust store is a directory of X.509 certificates, PEM or DER, one or
 * more per file; every regular file not starting with '.' must parse.
 *
 * module_signature.h signs kernel modules with the same signer.
 */
#ifndef KSPLICE_SIGNATURE_H
#define KSPLICE_SIGNATURE_H

#include "error.h"
#include "package.h"

#include <stddef.h>

/* A private key and the certificate of its public half. */
struct ksp_signer;
/* Trusted certificates. */
struct ksp_trust;

/* Reads the key (PEM or DER, unencrypted; a PEM file may also hold the
 * certificate) and the certificate (PEM or DER) and checks that they are
 * one pair. -1 with KSP_E_SIGN_KEY naming the file at fault. */
int ksp_signer_load(const char *key_path, const char *cert_path, struct ksp_signer **out,
		    struct ksp_error *err);
void ksp_signer_free(struct ksp_signer *s);

/* A detached CMS signature (DER, malloc'ed) of len bytes of data; with
 * embed_cert the signer's certificate travels in it, else (the kernel's
 * module format) only its issuer and serial number. */
int ksp_sign_detached(const struct ksp_signer *s, const void *data, size_t len, int embed_cert,
		      unsigned char **sig, size_t *sig_len, struct ksp_error *err);

/* Reads the trust store directory dir. -1 with KSP_E_TRUST_STORE. */
int ksp_trust_load(const char *dir, struct ksp_trust **out, struct ksp_error *err);
void ksp_trust_free(struct ksp_trust *t);

/* Checks the detached signature sig (DER) of data. trust NULL: only that
 * it matches (the signer named by its embedded certificate). On success
 * the signer's subject (RFC 2253) goes into signer (may be NULL). */
int ksp_verify_detached(const struct ksp_trust *trust, const void *data, size_t len,
			const void *sig, size_t sig_len, char *signer, size_t signer_len,
			struct ksp_error *err);

/* Signs pkg's SHA256SUMS: sets pkg->signature (written by ksp_pkg_write). */
int ksp_pkg_sign(struct ksp_package *pkg, const struct ksp_signer *s, struct ksp_error *err);

/* Checks a read package's signature (ksp_verify_detached over pkg->sums);
 * KSP_E_UNSIGNED when it has none. */
int ksp_pkg_verify(const struct ksp_package *pkg, const struct ksp_trust *trust, char *signer,
		   size_t signer_len, struct ksp_error *err);

#endif
