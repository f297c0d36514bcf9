/* The running kernel's lockdown and signature enforcement
 * (kernel_protection.h). */
#include "kernel_protection.h"
#include "module_signature.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ENROLL_HINT                                                                                \
	"sign it with a key the kernel trusts (ksplice-create --sign-key/--sign-cert, "            \
	"ksplice-sign-module for kmod-helper) and enroll that key's certificate with "             \
	"`mokutil --import CERT.der` and a reboot"

static int read_small(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

static enum ksp_lockdown level_named(const char *word, size_t len)
{
	if (len == 9 && !strncmp(word, "integrity", len))
		return KSP_LOCKDOWN_INTEGRITY;
	if (len == 15 && !strncmp(word, "confidentiality", len))
		return KSP_LOCKDOWN_CONFIDENTIALITY;
	return KSP_LOCKDOWN_NONE;
}

enum ksp_lockdown ksp_lockdown_level(void)
{
	char text[512];
	if (read_small("/sys/kernel/security/lockdown", text, sizeof(text)) == 0) {
		const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;
		if (close)
			return level_named(open + 1, (size_t)(close - open - 1));
	}
	if (read_small("/proc/cmdline", text, sizeof(text)) == 0)
		for (char *p = strstr(text, "lockdown="); p; p = strstr(p + 1, "lockdown="))
			if (p == text || p[-1] == ' ')
				return level_named(p + 9, strcspn(p + 9, " \n"));
	return KSP_LOCKDOWN_NONE;
}

const char *ksp_lockdown_name(enum ksp_lockdown level)
{
	return level == KSP_LOCKDOWN_CONFIDENTIALITY ? "confidentiality"
	       : level == KSP_LOCKDOWN_INTEGRITY     ? "integrity"
						     : "none";
}

int ksp_module_sig_enforced(void)
{
	char text[8];
	return read_small("/sys/module/module/parameters/sig_enforce", text, sizeof(text)) == 0 &&
	       text[0] == 'Y';
}

/* Whether the module carries a signature, and whose (signer, size bytes). */
static int module_signer(const void *image, size_t len, char *signer, size_t size)
{
	struct ksp_modsig_info info;
	struct ksp_error ignored = {0};
	snprintf(signer, size, "%s", "");
	if (ksp_modsig_read(image, len, &info, &ignored) != 0 || !info.is_signed)
		return 0;
	snprintf(signer, size, "%s", info.signer);
	return 1;
}

int ksp_check_loadable(const void *image, size_t len, const char *what, struct ksp_error *err)
{
	char signer[600];
	if (module_signer(image, len, signer, sizeof(signer)))
		return 0;
	enum ksp_lockdown level = ksp_lockdown_level();
	if (level != KSP_LOCKDOWN_NONE)
		return ksp_failc(err, KSP_E_LOCKDOWN,
				 "%s is not signed and the kernel is locked down (%s): it loads "
				 "only signed modules; " ENROLL_HINT,
				 what, ksp_lockdown_name(level));
	if (ksp_module_sig_enforced())
		return ksp_failc(err, KSP_E_MODULE_UNTRUSTED,
				 "%s is not signed and the kernel enforces module signatures "
				 "(module.sig_enforce): " ENROLL_HINT,
				 what);
	return 0;
}

int ksp_explain_load_failure(int error, const void *image, size_t len, const char *what,
			     struct ksp_error *err)
{
	char signer[600], by[700] = "the module is not signed";
	if (module_signer(image, len, signer, sizeof(signer)))
		snprintf(by, sizeof(by),
			 "it does not trust the key that signed it (%s), or the signature does "
			 "not match the module",
			 signer);
	enum ksp_lockdown level = ksp_lockdown_level();
	switch (error) {
	case EKEYREJECTED:
	case ENOKEY:
	case EKEYREVOKED:
	case EKEYEXPIRED:
	case EBADMSG:
	case ENOPKG:
		return ksp_failc(err, KSP_E_MODULE_UNTRUSTED,
				 "%s: the kernel refused its signature (%s): %s; " ENROLL_HINT,
				 what, strerror(error), by);
	case EPERM:
		if (level != KSP_LOCKDOWN_NONE)
			return ksp_failc(err, KSP_E_LOCKDOWN,
					 "%s: the kernel is locked down (%s) and refused the "
					 "module: %s; " ENROLL_HINT,
					 what, ksp_lockdown_name(level), by);
		break;
	default:
		break;
	}
	return ksp_failc(err, KSP_E_LOAD, "%s: the kernel refused the module: %s", what,
			 strerror(error));
}

int ksp_explain_kcore_failure(const char *why, struct ksp_error *err)
{
	if (ksp_lockdown_level() == KSP_LOCKDOWN_CONFIDENTIALITY)
		return ksp_failc(err, KSP_E_LOCKDOWN,
				 "the kernel is locked down (confidentiality): /proc/kcore is "
				 "closed, so run-pre matching cannot read the running code; "
				 "ksplice cannot apply updates at this lockdown level (%s)",
				 why);
	return ksp_failc(err, KSP_E_PERMISSION, "%s", why);
}
