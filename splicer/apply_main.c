/*
 * ksplice-apply [-v] [--helper KO] UPDATE_FILE: applies an update to the
 * running kernel.
 *
 * Verifies the file (every member's sha256, the kernel release and build
 * id), loads kmod-helper if needed, run-pre matches the update's pre
 * objects against live memory, resolves every reference the new code makes
 * (run-pre's bindings, else a name kallsyms has exactly once), writes the
 * addresses into the update module (absolute symbols, patch table), inserts
 * it and has the helper apply it. A failure leaves the kernel as it was: the
 * update module is removed and nothing was written.
 */
#include "apply.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: ksplice-apply [-v] [--helper KO] UPDATE_FILE\n"
	      "Applies a ksplice update (ksplice-ID.tar.gz) to the running kernel, after\n"
	      "proving with run-pre matching that the kernel runs the code the update was\n"
	      "made from.\n"
	      "  -v            detail: every function matched, every symbol resolved\n"
	      "  --helper KO   kmod-helper.ko to load if it is not loaded (default:\n"
	      "                $KSPLICE_HELPER, else /lib/modules/RELEASE/extra/kmod-helper.ko)\n"
	      "Exit status: 0 applied, 2 usage, 3 unreadable or corrupted update file,\n"
	      "4 not root, 5 update made for another kernel, 6 the running code does not\n"
	      "match (no_match), 7 code busy, 8 the helper refused, 9 loading a module failed,\n"
	      "10 internal error.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"verbose", no_argument, NULL, 'v'},
						 {"helper", required_argument, NULL, 'H'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct ksp_apply_opts o = {0};
	o.helper = getenv("KSPLICE_HELPER");
	int ch;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			o.verbose = 1;
			break;
		case 'H':
			o.helper = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return KSP_APPLY_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return KSP_APPLY_USAGE;
	}
	o.update = argv[optind];
	struct ksp_error err = {""};
	int rc = ksp_apply(&o, &err);
	if (rc)
		fprintf(stderr, "ksplice-apply: %s\n", err.msg);
	return rc;
}
