/* live.trust_check: ksplice-apply's trust policy with an explicit --trust
 * store: each refusal its own kind, --insecure-unsigned lets anything
 * through, and a store others can write to is refused. Keys are made at run
 * time by the openssl CLI. */
#include "package.h"
#include "signature.h"
#include "trust_check.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[64], store[128];

static void sh(const char *fmt, const char *arg)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void setup(void)
{
	strcpy(dir, "/tmp/ksplice-trust-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(store, sizeof(store), "%s/trusted", dir);
	sh("cd '%s' && for k in a b; do openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	   "-subj \"/CN=trust $k\" -keyout $k.key -out $k.crt 2>/dev/null; done && "
	   "mkdir -m 755 trusted && install -m 644 a.crt trusted/",
	   dir);
}

static void teardown(void)
{
	sh("rm -rf '%s'", dir);
}

/* An in-memory update, signed by k (NULL: unsigned). */
static void make(struct ksp_package *pkg, const char *k)
{
	struct ksp_error err = {0};
	memset(pkg, 0, sizeof(*pkg));
	ck_assert_int_eq(ksp_pkg_add(pkg, "metadata", "ID=x\n", 5, &err), 0);
	pkg->sums = ksp_pkg_sums(pkg, &pkg->sums_len);
	if (!k)
		return;
	char key[128], crt[128];
	snprintf(key, sizeof(key), "%s/%s.key", dir, k);
	snprintf(crt, sizeof(crt), "%s/%s.crt", dir, k);
	struct ksp_signer *s;
	ck_assert_int_eq(ksp_signer_load(key, crt, &s, &err), 0);
	ck_assert_int_eq(ksp_pkg_sign(pkg, s, &err), 0);
	ksp_signer_free(s);
}

static enum ksp_code check(const char *k, int insecure)
{
	struct ksp_package pkg;
	make(&pkg, k);
	char signer[512] = "stale";
	struct ksp_trust_policy p = {store, insecure, NULL, signer, sizeof(signer)};
	struct ksp_error err = {0};
	int rc = ksp_trust_check(&p, "u.tar.gz", &pkg, &err);
	ksp_pkg_free(&pkg);
	ck_assert(rc == 0 || strstr(err.msg, "u.tar.gz") || strstr(err.msg, "trust store"));
	/* The signer verified, for kmod-helper; none when nothing was. */
	ck_assert_str_eq(signer,
			 !rc && k && !insecure ? (k[0] == 'a' ? "CN=trust a" : "CN=trust b") : "");
	return rc ? err.code : KSP_E_UNSET;
}

START_TEST(policy_with_a_store)
{
	ck_assert_int_eq(check("a", 0), KSP_E_UNSET);
	ck_assert_int_eq(check("b", 0), KSP_E_UNTRUSTED);
	ck_assert_int_eq(check(NULL, 0), KSP_E_UNSIGNED);
	ck_assert_int_eq(check(NULL, 1), KSP_E_UNSET);
	ck_assert_int_eq(check("b", 1), KSP_E_UNSET);
}
END_TEST

START_TEST(unsafe_or_missing_store)
{
	chmod(store, 0777);
	ck_assert_int_eq(check("a", 0), KSP_E_TRUST_STORE);
	chmod(store, 0755);
	sh("chmod 666 '%s/trusted/a.crt'", dir);
	ck_assert_int_eq(check("a", 0), KSP_E_TRUST_STORE);
	sh("chmod 644 '%s/trusted/a.crt' && rm '%s/trusted/a.crt'", dir);
	ck_assert_int_eq(check("a", 0), KSP_E_TRUST_STORE); /* no certificate */
	sh("rmdir '%s/trusted'", dir);
	ck_assert_int_eq(check("a", 0), KSP_E_TRUST_STORE);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trust_check");
	TCase *tc = tcase_create("trust_check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, policy_with_a_store);
	tcase_add_test(tc, unsafe_or_missing_store);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ksp_check_run(suite());
}
