#include "signature.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ksp_signer {
	EVP_PKEY *key;
	X509 *cert;
};

struct ksp_trust {
	STACK_OF(X509) * certs;
	X509_STORE *store;
};

/* OpenSSL's reason for the last failure, for messages; clears the queue. */
static const char *ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	snprintf(buf, len, "%s", e ? ERR_reason_error_string(e) : "unknown error");
	if (!buf[0] || !strcmp(buf, "(null)"))
		snprintf(buf, len, "error %lx", e);
	ERR_clear_error();
	return buf;
}

/* DER starts with a SEQUENCE tag; anything else is taken for PEM. */
static int looks_der(BIO *b)
{
	unsigned char head[1];
	int n = BIO_read(b, head, 1);
	BIO_reset(b);
	return n == 1 && head[0] == 0x30;
}

static X509 *read_cert_bio(BIO *b)
{
	return looks_der(b) ? d2i_X509_bio(b, NULL) : PEM_read_bio_X509(b, NULL, NULL, NULL);
}

static int load_cert(const char *path, X509 **out, struct ksp_error *err)
{
	char why[256];
	BIO *b = BIO_new_file(path, "rb");
	if (!b)
		return ksp_failc(err, KSP_E_SIGN_KEY, "%s: cannot read: %s", path, strerror(errno));
	*out = read_cert_bio(b);
	BIO_free(b);
	if (!*out)
		return ksp_failc(err, KSP_E_SIGN_KEY, "%s: not an X.509 certificate (%s)", path,
				 ssl_reason(why, sizeof(why)));
	return 0;
}

static int load_key(const char *path, EVP_PKEY **out, struct ksp_error *err)
{
	char why[256];
	BIO *b = BIO_new_file(path, "rb");
	if (!b)
		return ksp_failc(err, KSP_E_SIGN_KEY, "%s: cannot read: %s", path, strerror(errno));
	/* An empty passphrase: an encrypted key fails instead of prompting. */
	*out = looks_der(b) ? d2i_PrivateKey_bio(b, NULL)
			    : PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	BIO_free(b);
	if (!*out)
		return ksp_failc(err, KSP_E_SIGN_KEY,
				 "%s: not an unencrypted private key, PEM or DER (%s)", path,
				 ssl_reason(why, sizeof(why)));
	return 0;
}

int ksp_signer_load(const char *key_path, const char *cert_path, struct ksp_signer **out,
		    struct ksp_error *err)
{
	struct ksp_signer *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return ksp_fail(err, "out of memory");
	if (load_key(key_path, &s->key, err) || load_cert(cert_path, &s->cert, err)) {
		ksp_signer_free(s);
		return -1;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		ERR_clear_error();
		ksp_signer_free(s);
		return ksp_failc(err, KSP_E_SIGN_KEY,
				 "%s: this key is not the one of certificate %s", key_path,
				 cert_path);
	}
	*out = s;
	return 0;
}

void ksp_signer_free(struct ksp_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	free(s);
}

int ksp_sign_detached(const struct ksp_signer *s, const void *data, size_t len, int embed_cert,
		      unsigned char **sig, size_t *sig_len, struct ksp_error *err)
{
	char why[256];
	unsigned certs = embed_cert ? 0 : CMS_NOCERTS;
	*sig = NULL;
	BIO *in = BIO_new_mem_buf(data, (int)len);
	CMS_ContentInfo *cms =
		CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_BINARY | CMS_DETACHED | certs);
	int ok = in && cms &&
		 CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(),
				 CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR | certs) &&
		 CMS_final(cms, in, NULL, CMS_BINARY | CMS_DETACHED) == 1;
	unsigned char *der = NULL;
	int n = ok ? i2d_CMS_ContentInfo(cms, &der) : -1;
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	if (n <= 0)
		return ksp_fail(err, "signing failed: %s", ssl_reason(why, sizeof(why)));
	*sig = malloc((size_t)n);
	if (*sig)
		memcpy(*sig, der, (size_t)n);
	OPENSSL_free(der);
	*sig_len = (size_t)n;
	return *sig ? 0 : ksp_fail(err, "out of memory");
}

/* Adds every certificate of the file at path (PEM: one or more; DER: one). */
static int trust_add_file(struct ksp_trust *t, const char *path, struct ksp_error *err)
{
	char why[256];
	BIO *b = BIO_new_file(path, "rb");
	if (!b)
		return ksp_failc(err, KSP_E_TRUST_STORE, "trust store: %s: cannot read: %s", path,
				 strerror(errno));
	int added = 0;
	if (looks_der(b)) {
		X509 *c = d2i_X509_bio(b, NULL);
		if (c && sk_X509_push(t->certs, c))
			added++;
		else
			X509_free(c);
	} else {
		X509 *c;
		while ((c = PEM_read_bio_X509(b, NULL, NULL, NULL)) && sk_X509_push(t->certs, c))
			added++;
		ERR_clear_error(); /* the end of the file */
	}
	BIO_free(b);
	if (!added)
		return ksp_failc(err, KSP_E_TRUST_STORE,
				 "trust store: %s: not an X.509 certificate, PEM or DER (%s)", path,
				 ssl_reason(why, sizeof(why)));
	return 0;
}

static int trust_read_dir(struct ksp_trust *t, const char *dir, struct ksp_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return ksp_failc(err, KSP_E_TRUST_STORE, "trust store %s: cannot read: %s", dir,
				 strerror(errno));
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d));) {
		char path[4096];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = trust_add_file(t, path, err);
	}
	closedir(d);
	if (!rc && sk_X509_num(t->certs) == 0)
		rc = ksp_failc(err, KSP_E_TRUST_STORE, "trust store %s holds no certificate", dir);
	return rc;
}

int ksp_trust_load(const char *dir, struct ksp_trust **out, struct ksp_error *err)
{
	struct ksp_trust *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (!t || !(t->certs = sk_X509_new_null()) || !(t->store = X509_STORE_new())) {
		ksp_trust_free(t);
		return ksp_fail(err, "out of memory");
	}
	int rc = trust_read_dir(t, dir, err);
	for (int i = 0; !rc && i < sk_X509_num(t->certs); i++)
		if (!X509_STORE_add_cert(t->store, sk_X509_value(t->certs, i)))
			ERR_clear_error(); /* the same certificate twice */
	/* A trusted certificate is trusted itself, CA or not. */
	X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN);
	if (rc) {
		ksp_trust_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void ksp_trust_free(struct ksp_trust *t)
{
	if (!t)
		return;
	sk_X509_pop_free(t->certs, X509_free);
	X509_STORE_free(t->store);
	free(t);
}

static void subject_of(X509 *cert, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *text = NULL;
	long n = 0;
	out[0] = '\0';
	if (b && X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_get_mem_data(b, &text);
	if (n > 0)
		snprintf(out, len, "%.*s", (int)n, text);
	BIO_free(b);
}

/* Is cert (with the signature's other certificates as intermediates)
 * trusted by t now? */
static int check_trusted(const struct ksp_trust *t, X509 *cert, STACK_OF(X509) * chain,
			 const char *subject, struct ksp_error *err)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, t->store, cert, chain)) {
		X509_STORE_CTX_free(ctx);
		return ksp_fail(err, "out of memory");
	}
	int ok = X509_verify_cert(ctx) == 1;
	int code = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (ok)
		return 0;
	return ksp_failc(err, KSP_E_UNTRUSTED,
			 "signed by '%s', which the trust store does not trust (%s)", subject,
			 X509_verify_cert_error_string(code));
}

/* The one signer of cms, its certificate looked up among the embedded
 * ones and the trusted ones. */
static int find_signer(CMS_ContentInfo *cms, const struct ksp_trust *trust, X509 **signer,
		       struct ksp_error *err)
{
	STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
	if (!infos || sk_CMS_SignerInfo_num(infos) != 1)
		return ksp_failc(err, KSP_E_BAD_SIGNATURE,
				 "the signature is malformed (not exactly one signer)");
	CMS_set1_signers_certs(cms, trust ? trust->certs : NULL, 0);
	ERR_clear_error();
	CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(infos, 0), NULL, signer, NULL, NULL);
	if (!*signer)
		return ksp_failc(err, trust ? KSP_E_UNTRUSTED : KSP_E_BAD_SIGNATURE,
				 "signed by a key whose certificate is neither in the signature "
				 "nor in the trust store");
	return 0;
}

int ksp_verify_detached(const struct ksp_trust *trust, const void *data, size_t len,
			const void *sig, size_t sig_len, char *signer, size_t signer_len,
			struct ksp_error *err)
{
	char why[256], subject[512];
	const unsigned char *p = sig;
	CMS_ContentInfo *cms =
		sig_len < (1u << 30) ? d2i_CMS_ContentInfo(NULL, &p, (long)sig_len) : NULL;
	if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		return ksp_failc(err, KSP_E_BAD_SIGNATURE,
				 "the signature is malformed (not CMS signed data: %s)",
				 ssl_reason(why, sizeof(why)));
	}
	X509 *cert = NULL;
	int rc = find_signer(cms, trust, &cert, err);
	if (!rc)
		subject_of(cert, subject, sizeof(subject));
	BIO *content = rc ? NULL : BIO_new_mem_buf(data, (int)len);
	if (!rc &&
	    CMS_verify(cms, NULL, NULL, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1)
		rc = ksp_failc(err, KSP_E_BAD_SIGNATURE,
			       "the signature by '%s' does not match the content: it changed "
			       "after signing (%s)",
			       subject, ssl_reason(why, sizeof(why)));
	STACK_OF(X509) *chain = rc ? NULL : CMS_get1_certs(cms);
	if (!rc && trust)
		rc = check_trusted(trust, cert, chain, subject, err);
	if (!rc && signer)
		snprintf(signer, signer_len, "%s", subject);
	sk_X509_pop_free(chain, X509_free);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	return rc;
}

int ksp_pkg_sign(struct ksp_package *pkg, const struct ksp_signer *s, struct ksp_error *err)
{
	size_t len = 0;
	char *sums = ksp_pkg_sums(pkg, &len);
	if (!sums)
		return ksp_fail(err, "out of memory");
	free(pkg->signature);
	pkg->signature = NULL;
	int rc = ksp_sign_detached(s, sums, len, 1, &pkg->signature, &pkg->signature_len, err);
	free(sums);
	return rc;
}

int ksp_pkg_verify(const struct ksp_package *pkg, const struct ksp_trust *trust, char *signer,
		   size_t signer_len, struct ksp_error *err)
{
	if (!pkg->signature)
		return ksp_failc(err, KSP_E_UNSIGNED, "the update is not signed (no %s)",
				 KSP_PKG_SIGNATURE);
	if (!pkg->sums)
		return ksp_failc(err, KSP_E_BAD_SIGNATURE, "the update has no %s", KSP_PKG_SUMS);
	return ksp_verify_detached(trust, pkg->sums, pkg->sums_len, pkg->signature,
				   pkg->signature_len, signer, signer_len, err);
}
