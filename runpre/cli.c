/*
 * ksplice-runpre: run-pre matching of pre objects against kernel memory, on
 * its own (ksplice-view --check UPDATE does the same for an update file).
 *
 *   ksplice-runpre [--json] [-v] [--live] PRE.o...
 *   ksplice-runpre [--json] [-v] --vmlinux FILE --map FILE PRE.o...
 *
 * Exit status: 0 every function matched (or was skipped), 1 some did not,
 * 2 usage, 3 unreadable input, 4 permission denied (live needs root).
 */
#include "json.h"
#include "kallsyms.h"
#include "runpre.h"
#include "symtab.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct ksp_exit_map exit_map[] = {
	{KSP_E_MISMATCH, 1}, {KSP_E_USAGE, 2},	    {KSP_E_INPUT, 3},
	{KSP_E_INTERNAL, 3}, {KSP_E_PERMISSION, 4}, {KSP_E_UNSET, -1},
};

struct options {
	int json, verbose, live;
	const char *vmlinux, *map;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ksplice-runpre [--json] [-v] [--live] PRE.o...\n"
		"       ksplice-runpre [--json] [-v] --vmlinux FILE --map FILE PRE.o...\n"
		"Matches every function of the pre objects against kernel memory: the running\n"
		"kernel (/proc/kcore and /proc/kallsyms, root only) or a vmlinux file with its\n"
		"System.map or kallsyms dump. Prints where each function is, or why it does not\n"
		"match, and the address of every symbol the code refers to.\n"
		"  --json        machine-readable output\n"
		"  -v            every function and symbol, not only the problems\n"
		"Exit: 0 all matched, 1 a function did not, 2 usage, 3 bad input, 4 not root.\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"live", no_argument, NULL, 'l'},
						 {"vmlinux", required_argument, NULL, 'k'},
						 {"map", required_argument, NULL, 'm'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'l':
			o->live = 1;
			break;
		case 'k':
			o->vmlinux = optarg;
			break;
		case 'm':
			o->map = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind >= argc || (!o->vmlinux != !o->map) || (o->live && o->vmlinux))
		return -1;
	if (!o->vmlinux)
		o->live = 1;
	return 0;
}

static void print_json(const struct rp_result *r, const char *memory)
{
	struct ksp_json j;
	ksp_json_begin(&j, stdout);
	ksp_json_object(&j, NULL);
	ksp_json_str(&j, "memory", memory);
	ksp_json_object(&j, "summary");
	ksp_json_uint(&j, "matched", r->matched);
	ksp_json_uint(&j, "no_match", r->no_match);
	ksp_json_uint(&j, "ambiguous", r->ambiguous);
	ksp_json_uint(&j, "not_found", r->not_found);
	ksp_json_uint(&j, "skipped", r->skipped);
	ksp_json_close(&j);
	ksp_json_array(&j, "functions");
	for (size_t i = 0; i < r->nfunctions; i++) {
		const struct rp_function_result *f = &r->functions[i];
		ksp_json_object(&j, NULL);
		ksp_json_str(&j, "object", f->object->path);
		ksp_json_str(&j, "function", f->function->name);
		ksp_json_str(&j, "status", rp_status_name(f->status));
		if (f->status == RP_MATCHED)
			ksp_json_addr(&j, "address", f->address);
		ksp_json_uint(&j, "size", f->function->size);
		ksp_json_int(&j, "trampoline", f->trampoline);
		ksp_json_bool(&j, "ftrace_active", f->ftrace_active);
		ksp_json_bool(&j, "by_neighbour", f->found_by_neighbour);
		ksp_json_str(&j, "detail", f->detail);
		ksp_json_close(&j);
	}
	ksp_json_close(&j);
	ksp_json_array(&j, "symbols");
	for (size_t i = 0; i < r->nsymbols; i++) {
		ksp_json_object(&j, NULL);
		ksp_json_str(&j, "name", r->symbols[i].name);
		ksp_json_addr(&j, "address", r->symbols[i].address);
		ksp_json_close(&j);
	}
	ksp_json_close(&j);
	ksp_json_close(&j);
}

static void print_text(const struct rp_result *r, int verbose)
{
	for (size_t i = 0; i < r->nfunctions; i++) {
		const struct rp_function_result *f = &r->functions[i];
		if (f->status == RP_MATCHED && !verbose && !f->ftrace_active)
			continue;
		if (f->status == RP_SKIPPED && !verbose)
			continue;
		printf("%-9s %s: %s", rp_status_name(f->status), f->object->path,
		       f->function->name);
		if (f->status == RP_MATCHED)
			printf(" at 0x%llx, trampoline at +%lld%s%s",
			       (unsigned long long)f->address, (long long)f->trampoline,
			       f->found_by_neighbour ? " (placed by the layout of its neighbours)"
						     : "",
			       f->ftrace_active ? " (ftrace is tracing it)" : "");
		if (f->detail[0])
			printf(": %s", f->detail);
		putchar('\n');
	}
	if (verbose)
		for (size_t i = 0; i < r->nsymbols; i++)
			printf("symbol    %s = 0x%llx\n", r->symbols[i].name,
			       (unsigned long long)r->symbols[i].address);
	printf("%zu functions: %zu matched, %zu no match, %zu ambiguous, %zu not found, "
	       "%zu skipped; %zu symbols resolved\n",
	       r->nfunctions, r->matched, r->no_match, r->ambiguous, r->not_found, r->skipped,
	       r->nsymbols);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	if (parse_options(argc, argv, &o)) {
		usage(stderr);
		return ksp_exit_status(exit_map, KSP_E_USAGE);
	}
	struct ksp_error err = {0};
	struct rp_memview mem;
	int rc = o.live ? rp_memview_open_kcore(&mem, "/proc/kcore", &err)
			: rp_memview_open_vmlinux(&mem, o.vmlinux, &err);
	if (rc) {
		fprintf(stderr, "ksplice-runpre: %s\n", err.msg);
		return ksp_exit_status(exit_map, ksp_error_code(&err, KSP_E_INPUT));
	}
	struct ksp_kallsyms ks;
	if (ksp_kallsyms_load(o.live ? "/proc/kallsyms" : o.map, &ks, &err)) {
		fprintf(stderr, "ksplice-runpre: %s\n", err.msg);
		rp_memview_close(&mem);
		return ksp_exit_status(exit_map, ksp_error_code(&err, KSP_E_INPUT));
	}
	size_t n = (size_t)(argc - optind);
	struct rp_object *objs = calloc(n, sizeof(*objs));
	struct rp_object **ptrs = calloc(n, sizeof(*ptrs));
	int status = ksp_exit_status(exit_map, KSP_E_INPUT);
	size_t opened = 0;
	for (; objs && ptrs && opened < n; opened++) {
		if (rp_object_open(argv[optind + (int)opened], &objs[opened], &err)) {
			fprintf(stderr, "ksplice-runpre: %s\n", err.msg);
			goto out;
		}
		ptrs[opened] = &objs[opened];
	}
	struct rp_symtab st;
	rp_symtab_from_kallsyms(&st, &ks);
	struct rp_result res;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int match_rc = rp_match_objects(ptrs, n, &mem, &st, &res, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (o.verbose)
		fprintf(stderr, "ksplice-runpre: matching took %.1f ms\n",
			(double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				(double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (match_rc) {
		fprintf(stderr, "ksplice-runpre: %s\n", err.msg);
		goto out;
	}
	if (o.json)
		print_json(&res, mem.kind);
	else
		print_text(&res, o.verbose);
	status = ksp_exit_status(exit_map, res.no_match || res.ambiguous || res.not_found
						   ? KSP_E_MISMATCH
						   : KSP_E_UNSET);
	rp_result_free(&res);
out:
	for (size_t i = 0; i < opened && objs; i++)
		rp_object_close(&objs[i]);
	free(objs);
	free(ptrs);
	ksp_kallsyms_free(&ks);
	rp_memview_close(&mem);
	return status;
}
