#include "module_signature.h"

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_LEN (sizeof(KSP_MODSIG_MAGIC) - 1)
#define PKEY_ID_PKCS7 2

/* include/linux/module_signature.h's struct module_signature. */
struct module_signature {
	uint8_t algo, hash, id_type, signer_len, key_id_len, pad[3];
	uint8_t sig_len[4]; /* big-endian */
};
_Static_assert(sizeof(struct module_signature) == 12, "the kernel's layout");

static void name_text(const X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *text = NULL;
	long n = 0;
	out[0] = '\0';
	if (b && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_get_mem_data(b, &text);
	if (n > 0)
		snprintf(out, len, "%.*s", (int)n, text);
	BIO_free(b);
}

static void hex_text(const unsigned char *p, int n, char *out, size_t len)
{
	size_t at = 0;
	out[0] = '\0';
	for (int i = 0; i < n && at + 3 < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%02x", p[i]);
}

/* How the PKCS#7 message names its signer: issuer and serial, or key id. */
static int describe_signer(const unsigned char *sig, size_t sig_len, char *out, size_t len)
{
	const unsigned char *p = sig;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len);
	STACK_OF(CMS_SignerInfo) *infos = cms ? CMS_get0_SignerInfos(cms) : NULL;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	int rc = -1;
	if (infos && sk_CMS_SignerInfo_num(infos) >= 1 &&
	    CMS_SignerInfo_get0_signer_id(sk_CMS_SignerInfo_value(infos, 0), &keyid, &issuer,
					  &serial) == 1) {
		char a[300], b[100];
		if (keyid) {
			hex_text(ASN1_STRING_get0_data(keyid), ASN1_STRING_length(keyid), a,
				 sizeof(a));
			snprintf(out, len, "key id %s", a);
		} else {
			name_text(issuer, a, sizeof(a));
			hex_text(ASN1_STRING_get0_data(serial), ASN1_STRING_length(serial), b,
				 sizeof(b));
			snprintf(out, len, "issuer '%s', serial 0x%s", a, b);
		}
		rc = 0;
	}
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}

int ksp_modsig_read(const unsigned char *ko, size_t len, struct ksp_modsig_info *info,
		    struct ksp_error *err)
{
	memset(info, 0, sizeof(*info));
	info->content_len = len;
	struct module_signature ms;
	if (len < MAGIC_LEN + sizeof(ms) ||
	    memcmp(ko + len - MAGIC_LEN, KSP_MODSIG_MAGIC, MAGIC_LEN))
		return 0;
	memcpy(&ms, ko + len - MAGIC_LEN - sizeof(ms), sizeof(ms));
	size_t sig_len = (size_t)ms.sig_len[0] << 24 | (size_t)ms.sig_len[1] << 16 |
			 (size_t)ms.sig_len[2] << 8 | ms.sig_len[3];
	size_t room = len - MAGIC_LEN - sizeof(ms);
	if (ms.id_type != PKEY_ID_PKCS7 || ms.algo || ms.hash || ms.signer_len || ms.key_id_len ||
	    sig_len == 0 || sig_len > room)
		return ksp_failc(err, KSP_E_BAD_SIGNATURE,
				 "module signature: malformed information block (id_type %u, "
				 "sig_len %zu of %zu bytes)",
				 ms.id_type, sig_len, room);
	info->is_signed = 1;
	info->sig_offset = room - sig_len;
	info->sig_len = sig_len;
	info->content_len = room - sig_len;
	if (describe_signer(ko + info->sig_offset, sig_len, info->signer, sizeof(info->signer)))
		return ksp_failc(err, KSP_E_BAD_SIGNATURE,
				 "module signature: not a PKCS#7 message with a signer");
	return 0;
}

int ksp_modsig_sign(const struct ksp_signer *s, const unsigned char *ko, size_t len,
		    unsigned char **out, size_t *out_len, struct ksp_error *err)
{
	struct ksp_modsig_info info;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	*out = NULL;
	if (ksp_modsig_read(ko, len, &info, err) ||
	    ksp_sign_detached(s, ko, info.content_len, 0, &sig, &sig_len, err))
		return -1;
	struct module_signature ms = {.id_type = PKEY_ID_PKCS7};
	for (int i = 0; i < 4; i++)
		ms.sig_len[i] = (uint8_t)(sig_len >> (24 - 8 * i));
	size_t total = info.content_len + sig_len + sizeof(ms) + MAGIC_LEN;
	unsigned char *m = malloc(total);
	if (!m) {
		free(sig);
		return ksp_fail(err, "out of memory");
	}
	memcpy(m, ko, info.content_len);
	memcpy(m + info.content_len, sig, sig_len);
	memcpy(m + info.content_len + sig_len, &ms, sizeof(ms));
	memcpy(m + info.content_len + sig_len + sizeof(ms), KSP_MODSIG_MAGIC, MAGIC_LEN);
	free(sig);
	*out = m;
	*out_len = total;
	return 0;
}

int ksp_modsig_verify(const unsigned char *ko, size_t len, const struct ksp_trust *trust,
		      char *signer, size_t signer_len, struct ksp_error *err)
{
	struct ksp_modsig_info info;
	if (ksp_modsig_read(ko, len, &info, err))
		return -1;
	if (!info.is_signed)
		return ksp_failc(err, KSP_E_UNSIGNED, "the module is not signed");
	return ksp_verify_detached(trust, ko, info.content_len, ko + info.sig_offset, info.sig_len,
				   signer, signer_len, err);
}
