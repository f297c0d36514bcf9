#include "trust_check.h"
#include "signature.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The verified signer, for the caller (the policy's out buffer). */
static void verified(const struct ksp_trust_policy *p, const char *signer)
{
	if (p->signer && p->signer_len)
		snprintf(p->signer, p->signer_len, "%s", signer);
}

static int no_store(const struct ksp_trust_policy *p, const char *path,
		    const struct ksp_package *pkg, struct ksp_error *err)
{
	char signer[512];
	if (!pkg->signature) {
		fprintf(stderr,
			"%s: warning: %s is not signed: its origin is not verified "
			"(no trust store at %s)\n",
			program_invocation_short_name, path, KSP_TRUST_DEFAULT);
		return 0;
	}
	struct ksp_error why = {0};
	if (ksp_pkg_verify(pkg, NULL, signer, sizeof(signer), &why))
		return ksp_failc(err, ksp_error_code(&why, KSP_E_BAD_SIGNATURE), "%s: %s: refused",
				 path, why.msg);
	if (p->detail)
		fprintf(p->detail, "signed by '%s' (not checked: no trust store at %s)\n", signer,
			KSP_TRUST_DEFAULT);
	verified(p, signer);
	return 0;
}

/* A store others can write to trusts whoever writes there: its directory
 * and files must belong to root (or this user) and be writable by no one
 * else. */
static int safe_entry(const char *dir, const char *name, struct ksp_error *err)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof(path), "%s%s%s", dir, name ? "/" : "", name ? name : "");
	if (stat(path, &st) != 0)
		return ksp_failc(err, KSP_E_TRUST_STORE, "trust store %s: cannot read: %s", path,
				 strerror(errno));
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return ksp_failc(err, KSP_E_TRUST_STORE,
				 "trust store %s: owned by uid %u, not root: refused", path,
				 (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ksp_failc(err, KSP_E_TRUST_STORE,
				 "trust store %s: writable by group or others (mode %03o): refused",
				 path, (unsigned)(st.st_mode & 0777));
	return 0;
}

static int safe_store(const char *dir, struct ksp_error *err)
{
	if (safe_entry(dir, NULL, err))
		return -1;
	DIR *d = opendir(dir);
	if (!d)
		return ksp_failc(err, KSP_E_TRUST_STORE, "trust store %s: cannot read: %s", dir,
				 strerror(errno));
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d));)
		if (e->d_name[0] != '.')
			rc = safe_entry(dir, e->d_name, err);
	closedir(d);
	return rc;
}

int ksp_trust_check(const struct ksp_trust_policy *p, const char *path,
		    const struct ksp_package *pkg, struct ksp_error *err)
{
	verified(p, "");
	if (p->insecure_unsigned) {
		fprintf(stderr, "%s: warning: %s: signature not checked (--insecure-unsigned)\n",
			program_invocation_short_name, path);
		return 0;
	}
	const char *dir = p->trust_dir ? p->trust_dir : KSP_TRUST_DEFAULT;
	struct stat st;
	if (!p->trust_dir && stat(dir, &st) != 0 && errno == ENOENT)
		return no_store(p, path, pkg, err);
	struct ksp_trust *trust;
	if (safe_store(dir, err) || ksp_trust_load(dir, &trust, err))
		return -1;
	char signer[512];
	struct ksp_error why = {0};
	int rc = ksp_pkg_verify(pkg, trust, signer, sizeof(signer), &why);
	ksp_trust_free(trust);
	if (rc && why.code == KSP_E_UNSIGNED)
		return ksp_failc(err, KSP_E_UNSIGNED,
				 "%s: the update is not signed and trust store %s requires a "
				 "signature: refused (--insecure-unsigned applies it anyway)",
				 path, dir);
	if (rc)
		return ksp_failc(err, ksp_error_code(&why, KSP_E_BAD_SIGNATURE),
				 "%s: %s (trust store %s): refused", path, why.msg, dir);
	if (p->detail)
		fprintf(p->detail, "signed by '%s', trusted by %s\n", signer, dir);
	verified(p, signer);
	return 0;
}
