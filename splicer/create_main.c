/*
 * ksplice-create: turns a unified diff into a live update for the kernel
 * built from KERNEL_SOURCE.
 *
 * Today it runs the whole pipeline up to the update plan (--diff-only):
 * builds the changed objects before and after the patch in the tree (which
 * is left exactly as it was, also on failure and Ctrl-C), compares them, and
 * prints what changed and what cannot be live-patched. Building the update
 * module and packaging come next; without --diff-only the tool says so.
 */
#include "create.h"
#include "run.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cli {
	struct ksp_create_opts opts;
	int diff_only, json;
};

static void usage(FILE *f)
{
	fputs("usage: ksplice-create --patch=FILE [--diff-only] [--json] [-j N] [-v] [-o DIR]\n"
	      "                      [--force-compiler] KERNEL_SOURCE\n"
	      "Builds the objects the patch changes, before and after it, in KERNEL_SOURCE (the\n"
	      "exact, configured and prepared source of the target kernel; the tree is left as\n"
	      "it was), compares them and prints the update plan: changed, new and deleted\n"
	      "functions and data, and what cannot be live-patched.\n"
	      "  --patch=FILE      the unified diff (diff -u, git diff, git format-patch)\n"
	      "  --diff-only       stop after the plan (packaging an update is not implemented "
	      "yet)\n"
	      "  --json            the plan as JSON on standard output\n"
	      "  -j N              parallel kbuild jobs (default: the number of CPUs)\n"
	      "  -v                more detail (unchanged functions, ignored files)\n"
	      "  -o DIR            keep the work directory (objects, logs) under DIR\n"
	      "  --force-compiler  build even if this compiler is not the kernel's\n"
	      "Exit status: 0 ok, 2 usage, 3 KERNEL_SOURCE not a prepared tree, 4 bad diff,\n"
	      "5 the diff does not apply, 6 refused change, 7 wrong compiler, 8 build failed,\n"
	      "9 missing tool, 10 internal error or not implemented, 66 no changes,\n"
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
						 {NULL, 0, NULL, 0}};
	int ch;
	c->opts.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
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
		case 'o':
			c->opts.workdir = optarg;
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
	if (!c->opts.patch || optind != argc - 1)
		return -1;
	c->opts.tree = argv[optind];
	return 0;
}

static void print_plans(const struct ksp_create_result *res, int json, int verbose)
{
	if (json) {
		printf("{\"units\":[");
		for (size_t i = 0; i < res->nunits; i++) {
			printf("%s{\"source\":\"%s\",\"object\":\"%s\",\"plan\":", i ? "," : "",
			       res->units[i].source, res->units[i].object);
			fflush(stdout);
			mt_plan_write_json(&res->units[i].plan, stdout);
			printf("}");
		}
		printf("]}\n");
		return;
	}
	for (size_t i = 0; i < res->nunits; i++) {
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
		return KSP_CREATE_USAGE;
	}
	c.opts.progress = c.json ? stderr : stdout;
	ksp_catch_interrupts();
	struct ksp_create_result res;
	struct ksp_error err = {""};
	int rc = ksp_create_compare(&c.opts, &res, &err);
	if (res.nunits && res.units[0].plan.pre_path)
		print_plans(&res, c.json, c.opts.verbose);
	if (rc == KSP_CREATE_NO_CHANGES)
		printf("No changes.\n");
	if (rc && rc != KSP_CREATE_NO_CHANGES)
		fprintf(stderr, "ksplice-create: %s\n", err.msg);
	if (rc == KSP_CREATE_OK && !c.diff_only) {
		fprintf(stderr, "ksplice-create: building the update module is not implemented "
				"yet: rerun with --diff-only\n");
		rc = KSP_CREATE_INTERNAL;
	}
	ksp_create_result_free(&res);
	return rc;
}
