/* ksplice-objdiff: what changed between a pre and a post object, and whether
 * it can be live-patched. */
#include "json.h"
#include "matcher.h"

#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

static const struct ksp_exit_map exit_map[] = {
	{KSP_E_REFUSED, 1},  {KSP_E_USAGE, 2},	   {KSP_E_BAD_OBJECT, 3},
	{KSP_E_INTERNAL, 3}, {KSP_E_UNRELATED, 4}, {KSP_E_UNSET, -1},
};

static void usage(FILE *out)
{
	fputs("Usage: ksplice-objdiff [--json] [-v] [--pre-cmd FILE] [--post-cmd FILE] PRE.o "
	      "POST.o\n"
	      "Compares an object compiled before a patch with the same object compiled after\n"
	      "it (both with -ffunction-sections -fdata-sections) and prints the update plan:\n"
	      "changed, new and deleted functions and data, and what cannot be live-patched.\n"
	      "PRE.o may be /dev/null: the patch creates POST.o (refused).\n"
	      "  --json          print the plan as JSON\n"
	      "  -v              also list what is unchanged\n"
	      "  --pre-cmd FILE  kbuild .cmd file with PRE.o's exported symbol CRCs\n"
	      "  --post-cmd FILE the same for POST.o (default: .NAME.o.cmd beside each object)\n"
	      "Exit status: 0 patchable, 1 refused, 2 usage, 3 unreadable object, 4 unrelated "
	      "objects.\n",
	      out);
}

/* kbuild's record of an object: DIR/.NAME.o.cmd */
static char *default_cmd(const char *object)
{
	char *a = strdup(object), *b = strdup(object), *out = NULL;
	if (a && b && asprintf(&out, "%s/.%s.cmd", dirname(a), basename(b)) < 0)
		out = NULL;
	free(a);
	free(b);
	return out;
}

static int read_crcs(const char *given, const char *object, struct mt_crcs *crcs)
{
	struct ksp_error err = {0};
	char *path = given ? strdup(given) : default_cmd(object);
	int rc = path ? mt_crcs_read(path, crcs, &err) : -1;
	if (rc)
		fprintf(stderr, "ksplice-objdiff: %s\n", path ? err.msg : "out of memory");
	free(path);
	return rc;
}

static void print_plan(const struct mt_plan *plan, int json, int verbose)
{
	if (json) {
		struct ksp_json j;
		ksp_json_begin(&j, stdout);
		mt_plan_write_json(plan, &j, NULL);
	} else
		mt_plan_write_text(plan, stdout, verbose);
}

/* The outcome's kind (KSP_E_UNSET: patchable). */
static enum ksp_code run(const char *pre_path, const char *post_path, const char *pre_cmd,
			 const char *post_cmd, int json, int verbose)
{
	struct ksp_error err = {0};
	struct mt_plan plan;
	if (strcmp(pre_path, "/dev/null") == 0) {
		if (mt_plan_new_object(post_path, &plan, &err)) {
			fprintf(stderr, "ksplice-objdiff: %s\n", err.msg);
			return KSP_E_BAD_OBJECT;
		}
		print_plan(&plan, json, verbose);
		mt_plan_free(&plan);
		return KSP_E_REFUSED;
	}
	struct ksp_obj pre, post;
	if (ksp_obj_open(pre_path, &pre, &err)) {
		fprintf(stderr, "ksplice-objdiff: %s\n", err.msg);
		return KSP_E_BAD_OBJECT;
	}
	if (ksp_obj_open(post_path, &post, &err)) {
		fprintf(stderr, "ksplice-objdiff: %s\n", err.msg);
		ksp_obj_free(&pre);
		return KSP_E_BAD_OBJECT;
	}
	struct mt_crcs pre_crcs, post_crcs;
	enum ksp_code status = KSP_E_BAD_OBJECT;
	if (read_crcs(pre_cmd, pre_path, &pre_crcs) == 0) {
		if (read_crcs(post_cmd, post_path, &post_crcs) == 0) {
			struct mt_options opts = {&pre_crcs, &post_crcs, pre_path, post_path};
			if (mt_compare(&pre, &post, &opts, &plan, &err) == 0) {
				print_plan(&plan, json, verbose);
				status = plan.nrefusals ? KSP_E_REFUSED : KSP_E_UNSET;
				mt_plan_free(&plan);
			} else {
				fprintf(stderr, "ksplice-objdiff: %s\n", err.msg);
				status = KSP_E_UNRELATED;
			}
			mt_crcs_free(&post_crcs);
		}
		mt_crcs_free(&pre_crcs);
	}
	ksp_obj_free(&pre);
	ksp_obj_free(&post);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		{"pre-cmd", required_argument, NULL, 'p'},
		{"post-cmd", required_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int json = 0, verbose = 0, c;
	const char *pre_cmd = NULL, *post_cmd = NULL;
	while ((c = getopt_long(argc, argv, "jvh", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'p':
			pre_cmd = optarg;
			break;
		case 'q':
			post_cmd = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "ksplice-objdiff: see --help\n");
			return ksp_exit_status(exit_map, KSP_E_USAGE);
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "ksplice-objdiff: expected PRE.o and POST.o (see --help)\n");
		return ksp_exit_status(exit_map, KSP_E_USAGE);
	}
	return ksp_exit_status(
		exit_map, run(argv[optind], argv[optind + 1], pre_cmd, post_cmd, json, verbose));
}
