/*
 * ksplice-create: turns a unified diff into a live update for the kernel
 * built from KERNEL_SOURCE: builds the changed objects before and after the
 * patch in the tree (left exactly as it was, also on failure and Ctrl-C),
 * compares them, cuts the new code out, builds the update module and writes
 * ksplice-ID.tar.gz. --diff-only stops at the plan.
 */
#include "create.h"
#include "json.h"
#include "package_update.h"
#include "preflight.h"
#include "run.h"
#include "signature.h"
#include "update_file.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_AFTER 16

/* ksplice-create's exit status for each kind of failure (--help lists them). */
static const struct ksp_exit_map create_exits[] = {
	{KSP_E_USAGE, KSP_CREATE_USAGE},
	{KSP_E_TREE, KSP_CREATE_TREE},
	{KSP_E_BAD_DIFF, KSP_CREATE_BAD_DIFF},
	{KSP_E_NO_APPLY, KSP_CREATE_NO_APPLY},
	{KSP_E_REFUSED, KSP_CREATE_REFUSED},
	{KSP_E_COMPILER, KSP_CREATE_COMPILER},
	{KSP_E_BUILD, KSP_CREATE_BUILD},
	{KSP_E_TOOL, KSP_CREATE_TOOL},
	{KSP_E_INTERNAL, KSP_CREATE_INTERNAL},
	{KSP_E_BAD_AFTER, KSP_CREATE_BAD_AFTER},
	{KSP_E_OUTPUT, KSP_CREATE_OUTPUT},
	{KSP_E_SIGN_KEY, KSP_CREATE_SIGN_KEY},
	{KSP_E_BAD_FACT, KSP_CREATE_BAD_FACT},
	{KSP_E_NO_CHANGES, KSP_CREATE_NO_CHANGES},
	{KSP_E_INTERRUPTED, KSP_CREATE_INTERRUPTED},
	{KSP_E_UNSET, -1},
};

struct cli {
	struct ksp_create_opts opts;
	int diff_only, json, build_index;
	const char *id, *description, *outdir;
	const char *after[MAX_AFTER];
	const char **cves, *brings; /* cves: room for every argument */
	size_t ncves;
	const char *sign_key, *sign_cert;
	struct ksp_signer *signer;
};

static void usage(FILE *f)
{
	fputs("usage: ksplice-create --patch=FILE [--id ID] [--description TEXT] [-j N] [-v]\n"
	      "                      [--cve CVE-YYYY-NNNN]... [--brings VERSION]\n"
	      "                      [-o DIR] [--headers DIR] [--diff-only] [--json]\n"
	      "                      [--force-compiler] [--keep-work DIR] [--max-objects N]\n"
	      "                      [--no-index]\n"
	      "                      [--sign-key KEY --sign-cert CERT]\n"
	      "                      [--after EARLIER_UPDATE]... KERNEL_SOURCE\n"
	      "       ksplice-create --build-index [-j N] KERNEL_SOURCE\n"
	      "Turns a unified diff into a live update (ksplice-ID.tar.gz) for the kernel built\n"
	      "from KERNEL_SOURCE: the exact, configured and prepared source of the target\n"
	      "kernel, left exactly as it was. Builds the objects the patch changes before and\n"
	      "after it, compares them, cuts out the changed code, builds the update module and\n"
	      "packages it with the pre objects for run-pre matching.\n"
	      "  --patch=FILE      the unified diff (diff -u, git diff, git format-patch)\n"
	      "  --id ID           the update's id (1-16 of [a-z0-9]; default: 8 random)\n"
	      "  --description T   one line, at most 255 bytes (default: the diff's first\n"
	      "                    line, or mail subject)\n"
	      "  --cve ID          a CVE the update fixes (CVE-YYYY-NNNN); repeat for more\n"
	      "  --brings VERSION  the kernel package version whose fix the update carries\n"
	      "                    (a Debian version, e.g. 6.1.192-3): ksplice-view --uname\n"
	      "                    shows it as the effective version while applied\n"
	      "  --after UPDATE    the patch applies on top of this earlier update's\n"
	      "                    (ksplice-ID.tar.gz), which the kernel will be running:\n"
	      "                    its patch is applied first; repeat for more, oldest first\n"
	      "  -o DIR            where to write the update file (default: .; created if\n"
	      "                    missing)\n"
	      "  --headers DIR     the target kernel's kbuild headers (default: the ones the\n"
	      "                    prepared tree names in .ksplice-headers, else\n"
	      "                    /lib/modules/RELEASE/build)\n"
	      "  --sign-key KEY    sign with this private key (PEM or DER, unencrypted): the\n"
	      "                    update module in the kernel's module signature format,\n"
	      "                    then the file (SHA256SUMS.p7s, CMS over SHA256SUMS)\n"
	      "  --sign-cert CERT  the key's X.509 certificate (PEM or DER); both or neither,\n"
	      "                    checked before anything is built\n"
	      "  --diff-only       stop after the plan: changed, new and deleted functions and\n"
	      "                    data, and what cannot be live-patched\n"
	      "  --json            the plan as JSON on standard output\n"
	      "  -j N              parallel kbuild jobs (default: the number of CPUs)\n"
	      "  -v                more detail (unchanged functions, ignored files)\n"
	      "  --force-compiler  build even if this compiler is not the kernel's\n"
	      "  --keep-work DIR   keep the work directory (objects, logs) under DIR\n"
	      "  --max-objects N   refuse header changes that may alter the code of more than\n"
	      "                    N objects, built-in or in modules (after screening;\n"
	      "                    default 100)\n"
	      "  --no-index        screen every object a changed header reaches, without the\n"
	      "                    header index kept beside the tree (KERNEL_SOURCE.index)\n"
	      "  --build-index     preprocess every object the tree builds into the header\n"
	      "                    index (otherwise filled as header changes are screened);\n"
	      "                    entries stay while the files they read are unchanged\n"
	      "Exit status: 0 ok, 2 usage, 3 KERNEL_SOURCE or headers unusable, 4 bad diff,\n"
	      "5 the diff does not apply, 6 refused change, 7 wrong compiler, 8 build failed,\n"
	      "9 missing tool, 10 internal error, 11 an --after update unusable, 12 -o DIR\n"
	      "cannot be created or written, 13 --sign-key/--sign-cert unreadable or not a\n"
	      "pair, 14 a --cve or --brings value of the wrong form, 66 no changes,\n"
	      "130 interrupted.\n",
	      f);
}

static int parse(int argc, char **argv, struct cli *c)
{
	static const struct option longopts[] = {{"patch", required_argument, NULL, 'p'},
						 {"diff-only", no_argument, NULL, 'd'},
						 {"json", no_argument, NULL, 'J'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"force-compiler", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {"id", required_argument, NULL, 'i'},
						 {"description", required_argument, NULL, 'D'},
						 {"headers", required_argument, NULL, 'H'},
						 {"keep-work", required_argument, NULL, 'k'},
						 {"after", required_argument, NULL, 'A'},
						 {"max-objects", required_argument, NULL, 'm'},
						 {"no-index", no_argument, NULL, 'N'},
						 {"build-index", no_argument, NULL, 'B'},
						 {"sign-key", required_argument, NULL, 'K'},
						 {"sign-cert", required_argument, NULL, 'C'},
						 {"cve", required_argument, NULL, 'c'},
						 {"brings", required_argument, NULL, 'b'},
						 {NULL, 0, NULL, 0}};
	int ch;
	c->opts.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	c->opts.max_objects = 100;
	c->outdir = ".";
	c->cves = calloc((size_t)argc, sizeof(*c->cves));
	if (!c->cves)
		return -1;
	while ((ch = getopt_long(argc, argv, "j:vo:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			c->opts.patch = optarg;
			break;
		case 'd':
			c->diff_only = 1;
			break;
		case 'J':
			c->json = 1;
			break;
		case 'v':
			c->opts.verbose = 1;
			break;
		case 'f':
			c->opts.force_compiler = 1;
			break;
		case 'k':
			c->opts.workdir = optarg;
			break;
		case 'o':
			c->outdir = optarg;
			break;
		case 'i':
			c->id = optarg;
			break;
		case 'D':
			c->description = optarg;
			break;
		case 'H':
			c->opts.headers = optarg;
			break;
		case 'A':
			if (c->opts.nafter == MAX_AFTER)
				return -1;
			c->after[c->opts.nafter++] = optarg;
			break;
		case 'm':
			c->opts.max_objects = strtoul(optarg, NULL, 10);
			if (c->opts.max_objects < 1)
				return -1;
			break;
		case 'N':
			c->opts.no_index = 1;
			break;
		case 'B':
			c->build_index = 1;
			break;
		case 'c':
			c->cves[c->ncves++] = optarg;
			break;
		case 'b':
			c->brings = optarg;
			break;
		case 'K':
			c->sign_key = optarg;
			break;
		case 'C':
			c->sign_cert = optarg;
			break;
		case 'j':
			c->opts.jobs = atoi(optarg);
			if (c->opts.jobs < 1)
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if ((!c->opts.patch && !c->build_index) || (c->opts.patch && c->build_index) ||
	    optind != argc - 1 || (c->id && !ksp_update_id_valid(c->id)))
		return -1;
	c->opts.tree = argv[optind];
	c->opts.after = c->after;
	return 0;
}

/* --cve and --brings, checked before anything is built (the kernel and
 * scanners read them back as given); a repeated CVE id counts once. */
static int check_facts(struct cli *c, struct ksp_error *err)
{
	size_t joined = 0, kept = 0;
	for (size_t i = 0; i < c->ncves; i++) {
		if (!ksp_cve_valid(c->cves[i]))
			return ksp_failc(err, KSP_E_BAD_FACT,
					 "--cve %.64s: not a CVE id (CVE-YYYY-NNNN, 4 to 19 digits "
					 "after the year)",
					 c->cves[i]);
		int seen = 0;
		for (size_t k = 0; k < kept; k++)
			seen |= !strcmp(c->cves[k], c->cves[i]);
		if (!seen) {
			joined += strlen(c->cves[i]) + (kept ? 1 : 0);
			c->cves[kept++] = c->cves[i];
		}
	}
	c->ncves = kept;
	if (joined > KSP_CVES_MAX)
		return ksp_failc(
			err, KSP_E_BAD_FACT,
			"--cve: %zu CVE ids take %zu bytes joined by spaces, more than the "
			"%d the kernel keeps",
			kept, joined, KSP_CVES_MAX);
	if (c->brings && !ksp_version_valid(c->brings))
		return ksp_failc(
			err, KSP_E_BAD_FACT,
			"--brings %.80s: not a Debian package version ([EPOCH:]UPSTREAM"
			"[-REVISION], starting with a digit, of letters, digits and .+~-, at "
			"most %d bytes)",
			c->brings, KSP_VERSION_MAX);
	return 0;
}

/* The target kernel's build id, if the tree records it (scripts/testbed
 * setup writes .ksplice-build-id from the shipped image). */
static char *tree_build_id(const char *tree)
{
	char path[4200], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof(path), "%s/.ksplice-build-id", tree);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	if (getline(&line, &cap, f) > 0)
		line[strcspn(line, "\n")] = '\0';
	fclose(f);
	return line;
}

/* Extract, build the module, package; returns the kind of failure. */
static enum ksp_code make_update(struct cli *c, const struct ksp_create_result *res)
{
	char id[17], out[4200];
	struct ksp_error err = {0};
	if (c->id)
		snprintf(id, sizeof(id), "%s", c->id);
	else if (ksp_update_id_make(id)) {
		fprintf(stderr, "ksplice-create: /dev/urandom: cannot read an id\n");
		return KSP_E_INTERNAL;
	}
	char *build_id = tree_build_id(res->tree.path);
	char description[KSP_DESCRIPTION_MAX + 1];
	ksp_description_clean(c->description ? c->description : res->diff.description, description);
	struct ksp_update_info info = {
		.id = id,
		.description = description,
		.build_id = build_id,
		.headers = res->headers,
		.outdir = c->outdir,
		.signer = c->signer,
		.cves = c->cves,
		.ncves = c->ncves,
		.brings = c->brings,
	};
	int rc = ksp_create_package(&c->opts, res, &info, out, sizeof(out), &err);
	free(build_id);
	if (rc) {
		fprintf(stderr, "ksplice-create: %s\n", err.msg);
		return ksp_error_code(&err, KSP_E_INTERNAL);
	}
	size_t changed = 0, added = 0;
	for (size_t i = 0; i < res->nunits; i++) {
		changed += mt_plan_count(&res->units[i].plan, MT_CHANGED);
		added += mt_plan_count(&res->units[i].plan, MT_NEW);
	}
	printf("Ksplice update %s written to %s: %zu function%s changed, %zu new, in %zu "
	       "object%s\n",
	       id, out, changed, changed == 1 ? "" : "s", added, res->nunits,
	       res->nunits == 1 ? "" : "s");
	return KSP_E_UNSET;
}

static void print_plans(const struct ksp_create_result *res, int json, int verbose)
{
	if (json) {
		struct ksp_json j;
		ksp_json_begin(&j, stdout);
		ksp_json_object(&j, NULL);
		ksp_json_array(&j, "units");
		for (size_t i = 0; i < res->nunits; i++) {
			ksp_json_object(&j, NULL);
			ksp_json_str(&j, "source", res->units[i].source);
			ksp_json_str(&j, "object", res->units[i].object);
			ksp_json_str(&j, "target",
				     res->units[i].module ? res->units[i].module : "vmlinux");
			mt_plan_write_json(&res->units[i].plan, &j, "plan");
			ksp_json_close(&j);
		}
		ksp_json_close(&j);
		ksp_json_close(&j);
		return;
	}
	for (size_t i = 0; i < res->nunits; i++) {
		if (res->units[i].module)
			printf("== %s (module %s)\n", res->units[i].object, res->units[i].module);
		else
			printf("== %s\n", res->units[i].object);
		mt_plan_write_text(&res->units[i].plan, stdout, verbose);
	}
}

int main(int argc, char **argv)
{
	struct cli c;
	memset(&c, 0, sizeof(c));
	if (parse(argc, argv, &c)) {
		usage(stderr);
		return ksp_exit_status(create_exits, KSP_E_USAGE);
	}
	if (!c.sign_key != !c.sign_cert) {
		fprintf(stderr, "ksplice-create: --sign-key and --sign-cert go together: give both "
				"or neither\n");
		return ksp_exit_status(create_exits, KSP_E_USAGE);
	}
	struct ksp_error fact_err = {0};
	if (check_facts(&c, &fact_err)) {
		fprintf(stderr, "ksplice-create: %s\n", fact_err.msg);
		return ksp_exit_status(create_exits, KSP_E_BAD_FACT);
	}
	c.opts.progress = c.json ? stderr : stdout;
	c.opts.package = !c.diff_only;
	ksp_catch_interrupts();
	if (c.build_index) {
		struct ksp_error ix_err = {0};
		enum ksp_code ix_rc = ksp_create_build_index(&c.opts, &ix_err);
		if (ix_rc != KSP_E_UNSET)
			fprintf(stderr, "ksplice-create: %s\n", ix_err.msg);
		return ksp_exit_status(create_exits, ix_rc);
	}
	struct ksp_create_result res;
	struct ksp_error err = {0};
	if (c.opts.package && ksp_output_dir_ready(c.outdir, &err)) {
		fprintf(stderr, "ksplice-create: %s\n", err.msg);
		return ksp_exit_status(create_exits, ksp_error_code(&err, KSP_E_OUTPUT));
	}
	if (c.sign_key && ksp_signer_load(c.sign_key, c.sign_cert, &c.signer, &err)) {
		fprintf(stderr, "ksplice-create: %s\n", err.msg);
		return ksp_exit_status(create_exits, ksp_error_code(&err, KSP_E_SIGN_KEY));
	}
	enum ksp_code rc = ksp_create_compare(&c.opts, &res, &err);
	if (res.nunits && res.units[0].plan.pre_path &&
	    (c.diff_only || c.json || c.opts.verbose || rc != KSP_E_UNSET))
		print_plans(&res, c.json, c.opts.verbose);
	if (rc == KSP_E_NO_CHANGES)
		printf("%s\n", err.msg[0] ? err.msg : "No changes.");
	if (rc && rc != KSP_E_NO_CHANGES) {
		fflush(stdout); /* the plan first: the error line stays whole in a shared log */
		fprintf(stderr, "ksplice-create: %s\n", err.msg);
	}
	if (rc == KSP_E_UNSET && !c.diff_only)
		rc = make_update(&c, &res);
	ksp_create_result_free(&res);
	ksp_signer_free(c.signer);
	free(c.cves);
	return ksp_exit_status(create_exits, rc);
}
