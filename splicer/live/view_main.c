/*
 * ksplice-view [--json] [--id ID]: what the kernel says is applied. Every
 * figure comes from the helper's sysfs (/sys/kernel/ksplice), so it stays
 * true when files on disk are lost.
 * Exit status: 0, 2 usage, 11 no such update (--id).
 */
#include "apply.h"
#include "json.h"
#include "memview.h"
#include "stacking.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void usage(FILE *f)
{
	fputs("usage: ksplice-view [--json] [--id ID]\n"
	      "       ksplice-view --check UPDATE_FILE\n"
	      "       ksplice-view --audit\n"
	      "Lists the updates loaded into the running kernel (id, description, stage and\n"
	      "when last applied (UTC), number of functions, last pause); --id ID also shows\n"
	      "its functions (name, old and new address) and what it depends on.\n"
	      "--check UPDATE_FILE says whether the update would apply to this kernel, without\n"
	      "applying it (run-pre matching, every reference resolved), with ksplice-apply's\n"
	      "exit statuses. --audit re-reads live memory: every applied update's functions\n"
	      "must still jump to its new code and its module be loaded; a helper that is gone\n"
	      "while update modules remain is reported.\n"
	      "Exit status: 0, 2 usage, 4 not root (--audit), 11 no such update, 12 --audit\n"
	      "found a problem; --check: as ksplice-apply.\n",
	      f);
}

struct update_view {
	char id[64], stage[64], cause[64], pause[64], functions[16384], depends[1024];
	char description[512], applied_at[32];
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
	ksp_sysfs_read(id, "description", u->description, sizeof(u->description));
	if (ksp_sysfs_read(id, "applied_at", u->applied_at, sizeof(u->applied_at)))
		snprintf(u->applied_at, sizeof(u->applied_at), "0");
	return 0;
}

/* "2026-11-23 10:00:00 UTC", or "" if never applied. */
static void applied_time(const struct update_view *u, char *buf, size_t len)
{
	time_t t = (time_t)strtoll(u->applied_at, NULL, 10);
	struct tm tm;
	buf[0] = '\0';
	if (t > 0 && gmtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
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
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		printf("%s", first ? "" : ",");
		ksp_json_string(stdout, line);
		first = 0;
		p += len + (nl ? 1 : 0);
	}
	printf("]");
}

static void print_json(const struct update_view *u)
{
	char when[64];
	applied_time(u, when, sizeof(when));
	printf("{\"id\":");
	ksp_json_string(stdout, u->id);
	printf(",\"description\":");
	ksp_json_string(stdout, u->description);
	printf(",\"stage\":");
	ksp_json_string(stdout, u->stage);
	printf(",\"applied_at\":%lld,\"applied_at_utc\":", strtoll(u->applied_at, NULL, 10));
	ksp_json_string(stdout, when[0] ? when : NULL);
	printf(",\"abort_cause\":");
	ksp_json_string(stdout, u->cause);
	printf(",\"pause_ns\":%llu,\"functions_count\":%d,", strtoull(u->pause, NULL, 10),
	       nfunctions(u));
	json_lines("functions", u->functions);
	printf(",");
	json_lines("depends_on", u->depends);
	printf("}");
}

/* ID: "DESCRIPTION", applied at TIME, N functions, last pause X us */
static void print_one(const struct update_view *u, int json, int detail)
{
	if (json) {
		print_json(u);
		return;
	}
	char when[64], state[192];
	applied_time(u, when, sizeof(when));
	if (!strcmp(u->stage, "applied"))
		snprintf(state, sizeof(state), "applied at %s", when);
	else if (when[0])
		snprintf(state, sizeof(state), "%s, last applied at %s", u->stage, when);
	else
		snprintf(state, sizeof(state), "%s, never applied", u->stage);
	printf("%s: \"%s\", %s, %d function%s, last pause %llu us\n", u->id, u->description, state,
	       nfunctions(u), nfunctions(u) == 1 ? "" : "s", strtoull(u->pause, NULL, 10) / 1000);
	if (!detail)
		return;
	printf("  functions (name, old address, new address):\n");
	for (const char *p = u->functions; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		printf("    %.*s\n", (int)len, p);
		p += len + (nl ? 1 : 0);
	}
	printf("  depends on: ");
	for (const char *p = u->depends; *p; p++)
		if (*p == '\n')
			printf(", ");
		else
			putchar(*p);
	printf("%s\n", u->depends[0] ? "" : "nothing");
}

/* Is there a 5-byte jump to target at addr? */
static int jumps_to(const struct rp_memview *mem, uint64_t addr, uint64_t target)
{
	unsigned char b[5];
	if (rp_memview_read(mem, addr, b, 5) || b[0] != 0xe9)
		return 0;
	int32_t disp = (int32_t)((uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 |
				 (uint32_t)b[4] << 24);
	return addr + 5 + (uint64_t)(int64_t)disp == target;
}

/* The code that jumps to target: old itself, or, for an update stacked on
 * others, the newest replacement of old before target (a later update's
 * jump lives in the earlier one's new code). 0 if none does. */
static uint64_t jumping_code(const struct ksp_stacked *st, uint64_t old, uint64_t target)
{
	for (int depth = 0; depth < 64 && old; depth++) {
		if (jumps_to(st->mem, old + 5, target) || jumps_to(st->mem, old, target))
			return old;
		old = ksp_stacked_next(st, old);
	}
	return 0;
}

/* One applied update: each replaced function must still jump (right after
 * its fentry site, or at its entry) to its new code, and the update's
 * module must be loaded. Returns the number of problems. */
static int audit_update(const struct ksp_stacked *stacked, const struct update_view *u)
{
	const struct rp_memview *mem = stacked->mem;
	int problems = 0;
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "/sys/module/ksplice_%s", u->id);
	if (stat(path, &st) != 0) {
		printf("PROBLEM %s: applied, but its module ksplice_%s is not loaded\n", u->id,
		       u->id);
		problems++;
	}
	for (const char *p = u->functions; *p;) {
		const char *nl = strchr(p, '\n');
		char line[512], name[256];
		unsigned long long old, target;
		snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
		p += strlen(line) + (nl ? 1 : 0);
		if (sscanf(line, "%255s %llx %llx", name, &old, &target) != 3 || !target)
			continue; /* check-only entries have no new code */
		uint64_t from = jumping_code(stacked, old, target);
		const char *via = from && from != old ? ksp_stacked_owner(stacked, from) : NULL;
		if (from) {
			printf("ok      %s: %s at 0x%llx jumps to 0x%llx", u->id, name,
			       (unsigned long long)from, target);
			printf(via ? " (in new code of update %s)\n" : "\n", via);
			continue;
		}
		unsigned char b[10] = {0};
		rp_memview_read(mem, old, b, sizeof(b));
		printf("PROBLEM %s: %s at 0x%llx no longer jumps to its new code at 0x%llx "
		       "(bytes %02x %02x %02x %02x %02x | %02x %02x %02x %02x %02x): "
		       "overwritten behind kmod-helper's back\n",
		       u->id, name, old, target, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		       b[8], b[9]);
		problems++;
	}
	return problems;
}

/* Re-reads live memory for every applied update. Exit 0 when everything
 * is in place, 12 when something is not. */
static int audit(void)
{
	struct rp_memview mem;
	struct ksp_error err = {0};
	if (rp_memview_open_kcore(&mem, "/proc/kcore", &err)) {
		fprintf(stderr, "ksplice-view: %s\n", err.msg);
		return 4;
	}
	int problems = 0, n = 0;
	struct ksp_stacked st;
	if (ksp_stacked_load(&st, &mem)) {
		rp_memview_close(&mem);
		fprintf(stderr, "ksplice-view: out of memory\n");
		return 10;
	}
	DIR *d = opendir(KSP_SYSFS);
	if (!d) {
		FILE *f = fopen("/proc/modules", "r");
		char line[512];
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "ksplice_", 8)) {
				printf("PROBLEM kmod-helper is not loaded, but update module %.*s "
				       "is\n",
				       (int)strcspn(line, " "), line);
				problems++;
			}
		if (f)
			fclose(f);
		if (!problems)
			printf("kmod-helper is not loaded: no updates\n");
	}
	struct update_view u;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.' || load(e->d_name, &u) || strcmp(u.stage, "applied") != 0)
			continue;
		problems += audit_update(&st, &u);
		n++;
	}
	if (d)
		closedir(d);
	ksp_stacked_free(&st);
	rp_memview_close(&mem);
	printf("audit: %d applied update%s, %d problem%s\n", n, n == 1 ? "" : "s", problems,
	       problems == 1 ? "" : "s");
	return problems ? 12 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},	 {"id", required_argument, NULL, 'i'},
		{"check", required_argument, NULL, 'c'}, {"audit", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0}};
	int json = 0, ch;
	const char *check = NULL;
	int do_audit = 0;
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
		case 'a':
			do_audit = 1;
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
	if (do_audit)
		return audit();
	if (check) {
		struct ksp_apply_opts o = {.update = check};
		struct ksp_error err = {0};
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
