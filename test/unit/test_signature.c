/* update.signature: update files signed over SHA256SUMS and checked against
 * a trust store (each refusal its own kind), and kernel module signatures
 * in the kernel's appended format, checked by OpenSSL's own command line
 * too. Keys and certificates are made at run time by the openssl CLI. */
#include "module_signature.h"
#include "package.h"
#include "signature.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[64];
static char path[4096];

static void sh(const char *fmt, const char *arg)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void dpath(char *out, const char *name)
{
	snprintf(out, 4096, "%s/%s", dir, name);
}

/* Keys a and b (self-signed), each certificate alone in trust-a/ or
 * trust-b/; a's certificate also in DER. */
static void setup(void)
{
	strcpy(dir, "/tmp/ksplice-sig-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ksplice-abcd1234.tar.gz", dir);
	sh("cd '%s' && for k in a b; do openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	   "-subj \"/CN=ksplice test $k\" -keyout $k.key -out $k.crt 2>/dev/null && "
	   "mkdir trust-$k && cp $k.crt trust-$k/; done && "
	   "openssl x509 -in a.crt -outform DER -out a.der",
	   dir);
}

static void teardown(void)
{
	sh("rm -rf '%s'", dir);
}

static struct ksp_signer *signer(const char *k)
{
	char key[4096], crt[4096], name[16];
	snprintf(name, sizeof(name), "%s.key", k);
	dpath(key, name);
	snprintf(name, sizeof(name), "%s.crt", k);
	dpath(crt, name);
	struct ksp_signer *s;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_signer_load(key, crt, &s, &err) == 0, "%s", err.msg);
	return s;
}

static struct ksp_trust *trust(const char *name)
{
	char d[4096];
	dpath(d, name);
	struct ksp_trust *t;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_trust_load(d, &t, &err) == 0, "%s", err.msg);
	return t;
}

static void write_update(const char *k)
{
	struct ksp_package pkg = {.mtime = 1700000000};
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_pkg_add(&pkg, "metadata", "ID=abcd1234\n", 12, &err), 0);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "update.ko", "\177ELF module", 11, &err), 0);
	if (k) {
		struct ksp_signer *s = signer(k);
		ck_assert_msg(ksp_pkg_sign(&pkg, s, &err) == 0, "%s", err.msg);
		ksp_signer_free(s);
	}
	ck_assert_msg(ksp_pkg_write(&pkg, path, &err) == 0, "%s", err.msg);
	ksp_pkg_free(&pkg);
}

/* Reads the update at path and verifies it against trust store t; the
 * kind of failure (KSP_E_UNSET when good), the signer into who. */
static enum ksp_code verify(const char *t, char *who, size_t who_len)
{
	struct ksp_package pkg;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_pkg_read(path, &pkg, &err) == 0, "%s", err.msg);
	struct ksp_trust *tr = t ? trust(t) : NULL;
	int rc = ksp_pkg_verify(&pkg, tr, who, who_len, &err);
	ksp_trust_free(tr);
	ksp_pkg_free(&pkg);
	ck_assert(rc == 0 || err.msg[0]);
	return rc ? err.code : KSP_E_UNSET;
}

START_TEST(signed_update_verifies)
{
	char who[512] = "";
	write_update("a");
	ck_assert_int_eq(verify("trust-a", who, sizeof(who)), KSP_E_UNSET);
	ck_assert_str_eq(who, "CN=ksplice test a");
	/* The same without a trust store: it matches, signer named. */
	ck_assert_int_eq(verify(NULL, who, sizeof(who)), KSP_E_UNSET);
	/* By hand, with OpenSSL's own tool. */
	sh("cd '%s' && mkdir x && tar xzf ksplice-abcd1234.tar.gz -C x && cd x && "
	   "sha256sum --quiet -c SHA256SUMS && openssl cms -verify -binary -inform DER -in "
	   "SHA256SUMS.p7s -content SHA256SUMS -CAfile ../a.crt -purpose any >/dev/null 2>&1",
	   dir);
}
END_TEST

/* A trust store may hold DER certificates, and several files. */
START_TEST(trust_store_der_and_many)
{
	write_update("a");
	sh("cd '%s' && mkdir trust-der && cp a.der trust-der/ && cp b.crt trust-der/", dir);
	ck_assert_int_eq(verify("trust-der", NULL, 0), KSP_E_UNSET);
}
END_TEST

/* One byte of a member changed, SHA256SUMS recomputed, the signature kept. */
START_TEST(changed_member_is_bad_signature)
{
	write_update("a");
	struct ksp_package pkg;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_pkg_read(path, &pkg, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(pkg.signature);
	struct ksp_pkg_member *m = (struct ksp_pkg_member *)ksp_pkg_find(&pkg, "update.ko");
	m->data[5] ^= 1;
	ck_assert_msg(ksp_pkg_write(&pkg, path, &err) == 0, "%s", err.msg);
	ksp_pkg_free(&pkg);
	ck_assert_int_eq(verify("trust-a", NULL, 0), KSP_E_BAD_SIGNATURE);
	ck_assert_int_eq(verify(NULL, NULL, 0), KSP_E_BAD_SIGNATURE);
}
END_TEST

START_TEST(other_signer_is_untrusted)
{
	write_update("b");
	ck_assert_int_eq(verify("trust-a", NULL, 0), KSP_E_UNTRUSTED);
	ck_assert_int_eq(verify("trust-b", NULL, 0), KSP_E_UNSET);
}
END_TEST

START_TEST(unsigned_update)
{
	write_update(NULL);
	ck_assert_int_eq(verify("trust-a", NULL, 0), KSP_E_UNSIGNED);
	ck_assert_int_eq(verify(NULL, NULL, 0), KSP_E_UNSIGNED);
}
END_TEST

START_TEST(garbage_signature_is_bad)
{
	struct ksp_package pkg = {.mtime = 1};
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_pkg_add(&pkg, "metadata", "x", 1, &err), 0);
	pkg.signature = (unsigned char *)strdup("not a signature");
	pkg.signature_len = 15;
	ck_assert_int_eq(ksp_pkg_write(&pkg, path, &err), 0);
	ksp_pkg_free(&pkg);
	ck_assert_int_eq(verify("trust-a", NULL, 0), KSP_E_BAD_SIGNATURE);
}
END_TEST

static enum ksp_code trust_code(const char *name)
{
	char d[4096];
	dpath(d, name);
	struct ksp_trust *t = NULL;
	struct ksp_error err = {0};
	int rc = ksp_trust_load(d, &t, &err);
	ksp_trust_free(t);
	return rc ? err.code : KSP_E_UNSET;
}

START_TEST(unreadable_trust_stores)
{
	ck_assert_int_eq(trust_code("no-such-dir"), KSP_E_TRUST_STORE);
	sh("mkdir '%s/empty' '%s/junk' && echo hello >'%s/junk/x.pem'", dir);
	ck_assert_int_eq(trust_code("empty"), KSP_E_TRUST_STORE);
	ck_assert_int_eq(trust_code("junk"), KSP_E_TRUST_STORE);
	ck_assert_int_eq(trust_code("trust-a"), KSP_E_UNSET);
}
END_TEST

static enum ksp_code signer_code(const char *key, const char *crt)
{
	char k[4096], c[4096];
	dpath(k, key);
	dpath(c, crt);
	struct ksp_signer *s = NULL;
	struct ksp_error err = {0};
	int rc = ksp_signer_load(k, c, &s, &err);
	ksp_signer_free(s);
	return rc ? err.code : KSP_E_UNSET;
}

START_TEST(signer_checks)
{
	ck_assert_int_eq(signer_code("a.key", "a.crt"), KSP_E_UNSET);
	ck_assert_int_eq(signer_code("a.key", "a.der"), KSP_E_UNSET);
	ck_assert_int_eq(signer_code("a.key", "b.crt"), KSP_E_SIGN_KEY);
	ck_assert_int_eq(signer_code("missing.key", "a.crt"), KSP_E_SIGN_KEY);
	ck_assert_int_eq(signer_code("a.crt", "a.crt"), KSP_E_SIGN_KEY);
	ck_assert_int_eq(signer_code("a.key", "a.key"), KSP_E_SIGN_KEY);
}
END_TEST

static void write_file(const char *name, const unsigned char *data, size_t len)
{
	char p[4096];
	dpath(p, name);
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(module_signature)
{
	unsigned char ko[3000], *a, *b, *again;
	size_t alen, blen, againlen;
	for (size_t i = 0; i < sizeof(ko); i++)
		ko[i] = (unsigned char)(i * 13 + 1);
	struct ksp_error err = {0};
	struct ksp_modsig_info info;
	ck_assert_int_eq(ksp_modsig_read(ko, sizeof(ko), &info, &err), 0);
	ck_assert_int_eq(info.is_signed, 0);
	struct ksp_signer *s = signer("a");
	ck_assert_msg(ksp_modsig_sign(s, ko, sizeof(ko), &a, &alen, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(ksp_modsig_sign(s, ko, sizeof(ko), &b, &blen, &err), 0);
	/* RSA PKCS#1 v1.5, no signed attributes: the same bytes each time;
	 * and signing a signed module replaces its signature. */
	ck_assert(alen == blen && memcmp(a, b, alen) == 0);
	ck_assert_int_eq(ksp_modsig_sign(s, a, alen, &again, &againlen, &err), 0);
	ck_assert(againlen == alen && memcmp(again, a, alen) == 0);
	ck_assert_mem_eq(a, ko, sizeof(ko));
	ck_assert_mem_eq(a + alen - 28, "~Module signature appended~\n", 28);
	ck_assert_int_eq(a[alen - 28 - 12 + 2], 2); /* id_type PKEY_ID_PKCS7 */

	ck_assert_int_eq(ksp_modsig_read(a, alen, &info, &err), 0);
	ck_assert_int_eq(info.is_signed, 1);
	ck_assert_uint_eq(info.content_len, sizeof(ko));
	ck_assert_uint_eq(info.sig_offset + info.sig_len + 40, alen);
	ck_assert_msg(strstr(info.signer, "issuer 'CN=ksplice test a', serial 0x"), "%s",
		      info.signer);

	struct ksp_trust *ta = trust("trust-a"), *tb = trust("trust-b");
	char who[512];
	ck_assert_msg(ksp_modsig_verify(a, alen, ta, who, sizeof(who), &err) == 0, "%s", err.msg);
	ck_assert_str_eq(who, "CN=ksplice test a");
	ck_assert_int_eq(ksp_modsig_verify(a, alen, tb, NULL, 0, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_UNTRUSTED);
	ck_assert_int_eq(ksp_modsig_verify(ko, sizeof(ko), ta, NULL, 0, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_UNSIGNED);

	/* OpenSSL's tool agrees: the PKCS#7 message over the module's bytes. */
	write_file("mod.content", a, info.content_len);
	write_file("mod.p7s", a + info.sig_offset, info.sig_len);
	sh("cd '%s' && openssl cms -verify -binary -inform DER -in mod.p7s -content mod.content "
	   "-certfile a.crt -CAfile a.crt -purpose any >/dev/null 2>&1",
	   dir);

	a[100] ^= 1; /* the module changed after signing */
	ck_assert_int_eq(ksp_modsig_verify(a, alen, ta, NULL, 0, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_BAD_SIGNATURE);
	a[alen - 28 - 12 + 2] = 1; /* not PKCS#7 */
	ck_assert_int_eq(ksp_modsig_read(a, alen, &info, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_BAD_SIGNATURE);
	ksp_trust_free(ta);
	ksp_trust_free(tb);
	ksp_signer_free(s);
	free(a);
	free(b);
	free(again);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("signature");
	TCase *tc = tcase_create("signature");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, signed_update_verifies);
	tcase_add_test(tc, trust_store_der_and_many);
	tcase_add_test(tc, changed_member_is_bad_signature);
	tcase_add_test(tc, other_signer_is_untrusted);
	tcase_add_test(tc, unsigned_update);
	tcase_add_test(tc, garbage_signature_is_bad);
	tcase_add_test(tc, unreadable_trust_stores);
	tcase_add_test(tc, signer_checks);
	tcase_add_test(tc, module_signature);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ksp_check_run(suite());
}
