/*
 * ksplice-view [--json] [--id ID]: what the kernel says is applied. Every
 * figure comes from the helper's sysfs (/sys/kernel/ksplice), so it stays
 * true when files on disk are lost.
 * Exit status: 0, 2 usage, 11 no such update (--id).
 */
#include "apply.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: ksplice-view [--json] [--id ID]\n"
	      "       ksplice-view --check UPDATE_FILE\n"
	      "Lists the updates loaded into the running kernel (id, stage, number of\n"
	      "functions, last pause); --id ID shows one update's functions (name, old and new\n"
	      "address), what it depends on and its last pause. --check UPDATE_FILE says\n"
	      "whether the update would apply to this kernel, without applying it (run-pre\n"
	      "matching, every reference resolved), with ksplice-apply's exit statuses.\n"
	      "Exit status: 0, 2 usage, 11 no such update; --check: as ksplice-apply.\n",
	      f);
}

struct update_view {
	char id[64], stage[64], cause[64], pause[64], functions[16384], depends[1024];
};

static int load(const char *id, struct update_view *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%s", id);
	if (ksp_sysfs_read(id, "stage", u->stage, sizeof(u->stage)))
		return -1;
	ksp_sysfs_read(id, "abort_cause", u->cause, sizeof(u->cause));
	ksp_sysfs_read(id, "pause_ns", u->pause, sizeof(u->pause));
	ksp_sysfs_read(id, "functions", u->functions, sizeof(u->functions));
	ksp_sysfs_read(id, "depends_on", u->depends, sizeof(u->depends));
	return 0;
}

static int nfunctions(const struct update_view *u)
{
	int n = 0;
	for (const char *p = u->functions; *p; p++)
		n += *p == '\n';
	return n + (u->functions[0] && u->functions[strlen(u->functions) - 1] != '\n');
}

static void json_lines(const char *key, const char *text)
{
	printf("\"%s\":[", key);
	int first = 1;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		printf("%s\"%.*s\"", first ? "" : ",", (int)len, p);
		first = 0;
		p += len + (nl ? 1 : 0);
	}
	printf("]");
}

static void print_one(const struct update_view *u, int json, int detail)
{
	if (json) {
		printf("{\"id\":\"%s\",\"stage\":\"%s\",\"abort_cause\":\"%s\",\"pause_ns\":%s,"
		       "\"functions_count\":%d,",
		       u->id, u->stage, u->cause, u->pause[0] ? u->pause : "0", nfunctions(u));
		json_lines("functions", u->functions);
		printf(",");
		json_lines("depends_on", u->depends);
		printf("}");
		return;
	}
	printf("%s: %s, %d function%s, last pause %llu us\n", u->id, u->stage, nfunctions(u),
	       nfunctions(u) == 1 ? "" : "s", strtoull(u->pause, NULL, 10) / 1000);
	if (!detail)
		return;
	printf("  functions (name, old address, new address):\n");
	for (const char *p = u->functions; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		printf("    %.*s\n", (int)len, p);
		p += len + (nl ? 1 : 0);
	}
	printf("  depends on: %s\n", u->depends[0] ? u->depends : "nothing");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"id", required_argument, NULL, 'i'},
						 {"check", required_argument, NULL, 'c'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int json = 0, ch;
	const char *check = NULL;
	const char *only = NULL;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'i':
			only = optarg;
			break;
		case 'c':
			check = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check) {
		struct ksp_apply_opts o = {.update = check};
		struct ksp_error err = {""};
		int rc = ksp_apply_check(&o, &err);
		if (rc)
			fprintf(stderr, "ksplice-view: update would not apply: %s\n", err.msg);
		return rc;
	}
	struct update_view u;
	if (only) {
		if (load(only, &u)) {
			fprintf(stderr, "ksplice-view: no update %s is loaded\n", only);
			return 11;
		}
		print_one(&u, json, 1);
		if (json)
			printf("\n");
		return 0;
	}
	DIR *d = opendir(KSP_SYSFS);
	if (json)
		printf("{\"helper\":%s,\"updates\":[", d ? "true" : "false");
	else if (!d)
		printf("kmod-helper is not loaded: no updates\n");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.' || load(e->d_name, &u))
			continue;
		if (json && n)
			printf(",");
		print_one(&u, json, 0);
		n++;
	}
	if (d)
		closedir(d);
	if (json)
		printf("]}\n");
	else if (d && !n)
		printf("no updates loaded\n");
	return 0;
}
