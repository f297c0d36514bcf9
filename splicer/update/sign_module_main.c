/*
 * ksplice-sign-module: signs a kernel module (kmod-helper, or any) in the
 * kernel's module signature format with the key that signs updates
 * (module_signature.h), shows who signed one, or checks it against a trust
 * store.
 *
 *   ksplice-sign-module --key KEY --cert CERT [-o OUT] MODULE.ko
 *   ksplice-sign-module --show MODULE.ko
 *   ksplice-sign-module --verify DIR MODULE.ko
 */
#include "fileio.h"
#include "module_signature.h"
#include "signature.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct ksp_exit_map exits[] = {
	{KSP_E_USAGE, 2},      {KSP_E_INPUT, 3},	{KSP_E_SIGN_KEY, 4},
	{KSP_E_INTERNAL, 10},  {KSP_E_UNSIGNED, 15},	{KSP_E_BAD_SIGNATURE, 16},
	{KSP_E_UNTRUSTED, 17}, {KSP_E_TRUST_STORE, 18}, {KSP_E_UNSET, -1},
};

static void usage(FILE *f)
{
	fputs("usage: ksplice-sign-module --key KEY --cert CERT [-o OUT] MODULE.ko\n"
	      "       ksplice-sign-module --show MODULE.ko\n"
	      "       ksplice-sign-module --verify DIR MODULE.ko\n"
	      "Signs a kernel module in the kernel's module signature format (PKCS#7,\n"
	      "SHA-256, as scripts/sign-file), replacing any signature it has, with the key\n"
	      "that signs updates (ksplice-create --sign-key/--sign-cert).\n"
	      "  --key KEY     private key, PEM or DER, unencrypted\n"
	      "  --cert CERT   its X.509 certificate, PEM or DER\n"
	      "  -o OUT        write the signed module to OUT (default: in place)\n"
	      "  --show        say whether the module is signed and by which key\n"
	      "  --verify DIR  check its signature against the trust store DIR\n"
	      "Exit status: 0 ok, 2 usage, 3 the module cannot be read or written, 4 KEY or\n"
	      "CERT unreadable or not a pair, 10 internal error; --verify: 15 not signed,\n"
	      "16 the signature does not match, 17 signer not trusted, 18 the trust store\n"
	      "cannot be read.\n",
	      f);
}

/* Written beside the target and renamed over it. */
static int write_atomic(const char *path, const unsigned char *data, size_t len,
			struct ksp_error *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return ksp_failc(err, KSP_E_INPUT, "%s: cannot create: %s", tmp, strerror(errno));
	FILE *f = fdopen(fd, "wb");
	int ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0 &&
		 fchmod(fd, 0644) == 0;
	if (f ? fclose(f) != 0 : close(fd) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return ksp_failc(err, KSP_E_INPUT, "%s: cannot write: %s", path, strerror(e));
	}
	return 0;
}

static int sign(const char *key, const char *cert, const char *module, const char *out,
		const unsigned char *ko, size_t len, struct ksp_error *err)
{
	struct ksp_signer *s;
	unsigned char *signed_ko = NULL;
	size_t signed_len = 0;
	if (ksp_signer_load(key, cert, &s, err))
		return -1;
	int rc = ksp_modsig_sign(s, ko, len, &signed_ko, &signed_len, err);
	ksp_signer_free(s);
	if (!rc)
		rc = write_atomic(out ? out : module, signed_ko, signed_len, err);
	free(signed_ko);
	return rc;
}

static int show(const char *module, const unsigned char *ko, size_t len, struct ksp_error *err)
{
	struct ksp_modsig_info info;
	if (ksp_modsig_read(ko, len, &info, err))
		return -1;
	if (info.is_signed)
		printf("%s: signed by %s\n", module, info.signer);
	else
		printf("%s: not signed\n", module);
	return 0;
}

static int verify(const char *dir, const char *module, const unsigned char *ko, size_t len,
		  struct ksp_error *err)
{
	struct ksp_trust *t;
	char signer[512];
	if (ksp_trust_load(dir, &t, err))
		return -1;
	int rc = ksp_modsig_verify(ko, len, t, signer, sizeof(signer), err);
	ksp_trust_free(t);
	if (!rc)
		printf("%s: signed by '%s', trusted by %s\n", module, signer, dir);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'}, {"cert", required_argument, NULL, 'c'},
		{"show", no_argument, NULL, 's'},      {"verify", required_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
	const char *key = NULL, *cert = NULL, *out = NULL, *trust = NULL;
	int ch, show_only = 0;
	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			key = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			show_only = 1;
			break;
		case 'V':
			trust = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return ksp_exit_status(exits, KSP_E_USAGE);
		}
	}
	int signing = key || cert;
	if (optind != argc - 1 || signing + show_only + !!trust != 1 ||
	    (signing && (!key || !cert))) {
		usage(stderr);
		return ksp_exit_status(exits, KSP_E_USAGE);
	}
	const char *module = argv[optind];
	unsigned char *ko = NULL;
	size_t len = 0;
	struct ksp_error err = {0};
	int rc = ksp_read_file(module, 0, &ko, &len, &err) ? (err.code = KSP_E_INPUT, -1) : 0;
	if (!rc && signing)
		rc = sign(key, cert, module, out, ko, len, &err);
	else if (!rc && show_only)
		rc = show(module, ko, len, &err);
	else if (!rc)
		rc = verify(trust, module, ko, len, &err);
	free(ko);
	/* Messages about the signature name the module; the others their file. */
	int named = err.code == KSP_E_UNSIGNED || err.code == KSP_E_BAD_SIGNATURE ||
		    err.code == KSP_E_UNTRUSTED;
	if (rc)
		fprintf(stderr, "ksplice-sign-module: %s%s%s\n", named ? module : "",
			named ? ": " : "", err.msg);
	return rc ? ksp_exit_status(exits, ksp_error_code(&err, KSP_E_INTERNAL)) : 0;
}
