/*
 * ksplice-view [--json] [--id ID]: what the kernel says is applied. Every
 * figure comes from the helper's sysfs (/sys/kernel/ksplice), so it stays
 * true when files on disk are lost. --json is the host's inventory
 * (INVENTORY_SCHEMA, documented in ksplice-view(1)); --uname the effective
 * kernel (kernel_identity.h).
 * Exit status: 0, 2 usage, 11 no such update (--id).
 */
#include "apply.h"
#include "helper_client.h"
#include "json.h"
#include "kernel_identity.h"
#include "kernel_protection.h"
#include "memview.h"
#include "module_targets.h"
#include "persist_view.h"
#include "redirectors.h"
#include "stacking.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* --json's schema_version: raised when a field changes meaning or goes
 * away, not when one is added. */
#define INVENTORY_SCHEMA 1

/* Statuses of the listing and --audit; --check has ksplice-apply's. 12:
 * --audit found live code that is not what the helper wrote; 19: --audit
 * found /proc/kcore closed by lockdown. */
static const struct ksp_exit_map exit_map[] = {
	{KSP_E_USAGE, 2},	    {KSP_E_PERMISSION, 4}, {KSP_E_INTERNAL, 10},
	{KSP_E_NO_SUCH_UPDATE, 11}, {KSP_E_MISMATCH, 12},  {KSP_E_LOCKDOWN, 19},
	{KSP_E_UNSET, -1},
};

static void usage(FILE *f)
{
	fputs("usage: ksplice-view [--json] [--id ID]\n"
	      "       ksplice-view --uname [-s] [-n] [-r] [-v] [-m] [-o] [-a]\n"
	      "       ksplice-view --check UPDATE_FILE [--trust DIR] [-v]\n"
	      "       ksplice-view --audit\n"
	      "Lists the updates loaded into the running kernel (id, description, stage and\n"
	      "when last applied (UTC), number of functions, last pause) and what it patches\n"
	      "(vmlinux or modules; a module is held loaded while the update is applied,\n"
	      "and a module not loaded when it was applied is \"pending: applied when it\n"
	      "loads\");\n"
	      "--json: the host's inventory (kernel, effective version, helper, every update\n"
	      "with its CVEs, the version it brings, signer; schema in ksplice-view(1)).\n"
	      "As root, both also say which updates are kept for boot (ksplice-apply\n"
	      "--persist), whether the crash guard keeps them from being applied at boot,\n"
	      "and what this boot's ksplice-boot did.\n"
	      "--uname: uname's fields (-s, -n, -r, -v, -m, -o; -a all) of the effective\n"
	      "kernel: the version gains the newest package version an applied update\n"
	      "brings; with none, exactly what uname prints.\n"
	      "--id ID also shows its functions (name, old and new address; a pending\n"
	      "function's old address is 0x0 until its module loads) and what it depends on.\n"
	      "--check UPDATE_FILE says whether the update would apply to this kernel, without\n"
	      "applying it (run-pre matching, every reference resolved), with ksplice-apply's\n"
	      "exit statuses; its signature is checked as ksplice-apply does (--trust DIR:\n"
	      "the trust store, default /etc/ksplice/trusted when it exists); -v also prints\n"
	      "every function matched and the plan it would write to the helper.\n"
	      "--audit re-reads live memory: every applied update's functions must still\n"
	      "jump to its new code, no livepatch or other ftrace IPMODIFY user may\n"
	      "redirect them at their entry, and its module must be loaded; so must each\n"
	      "module it is applied into, and none whose part is pending; a helper that\n"
	      "is gone while update modules remain is reported.\n"
	      "Exit status: 0, 2 usage, 4 not root (--audit), 11 no such update, 12 --audit\n"
	      "found a problem, 19 --audit under lockdown=confidentiality (/proc/kcore\n"
	      "closed); --check: as ksplice-apply.\n",
	      f);
}

struct update_view {
	const char *id;
	enum ksp_stage stage;
	enum ksplice_abort_cause cause;
	int cause_known;
	unsigned long long pause_ns;
	struct ksp_helper_kicks kicks;
	long long applied_at;
	struct ksp_helper_function *functions;
	size_t nfunctions;
	struct ksp_id_list depends;
	struct ksp_helper_target *targets;
	size_t ntargets;
	char description[512];
	struct ksp_helper_facts facts;
};

/* What the helper says of update id; -1 when it is not loaded. */
static int load(const char *id, struct update_view *u)
{
	memset(u, 0, sizeof(*u));
	u->id = id;
	u->stage = ksp_helper_stage(id);
	if (u->stage == KSP_STAGE_NOT_LOADED)
		return -1;
	u->cause_known = ksp_helper_abort_cause(id, &u->cause) == 0;
	u->pause_ns = ksp_helper_pause_ns(id);
	ksp_helper_kicks(id, &u->kicks);
	ksp_helper_functions(id, &u->functions, &u->nfunctions);
	ksp_helper_depends_on(id, &u->depends);
	ksp_helper_targets(id, &u->targets, &u->ntargets);
	ksp_helper_description(id, u->description, sizeof(u->description));
	ksp_helper_facts(id, &u->facts);
	u->applied_at = ksp_helper_applied_at(id);
	return 0;
}

static void unload(struct update_view *u)
{
	free(u->functions);
	free(u->targets);
	ksp_id_list_free(&u->depends);
	memset(u, 0, sizeof(*u));
}

/* "2026-11-23 10:00:00 UTC", or "" if never applied. */
static void applied_time(const struct update_view *u, char *buf, size_t len)
{
	time_t t = (time_t)u->applied_at;
	struct tm tm;
	buf[0] = '\0';
	if (t > 0 && gmtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* A function as the helper lists it: "NAME 0xOLD 0xNEW" (0x0: a pending
 * entry, its module not loaded yet). */
static void function_line(const struct ksp_helper_function *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s 0x%llx 0x%llx", f->name, (unsigned long long)f->old_addr,
		 (unsigned long long)f->new_addr);
}

static void print_json(struct ksp_json *j, const struct update_view *u,
		       const struct ksp_persist_view *pv)
{
	char when[64], line[KSPLICE_NAME_LEN + 64];
	applied_time(u, when, sizeof(when));
	ksp_json_object(j, NULL);
	ksp_json_str(j, "id", u->id);
	ksp_json_str(j, "description", u->description);
	ksp_json_array(j, "cves");
	for (size_t i = 0; i < u->facts.ncves; i++)
		ksp_json_str(j, NULL, u->facts.cves[i]);
	ksp_json_close(j);
	ksp_json_str(j, "brings", u->facts.brings[0] ? u->facts.brings : NULL);
	ksp_json_str(j, "signer", u->facts.signer[0] ? u->facts.signer : NULL);
	ksp_json_bool(j, "persisted", ksp_persist_view_kept(pv, u->id));
	ksp_json_str(j, "stage", ksp_stage_name(u->stage));
	ksp_json_int(j, "applied_at", u->applied_at);
	ksp_json_str(j, "applied_at_utc", when[0] ? when : NULL);
	ksp_json_str(j, "abort_cause", u->cause_known ? ksp_abort_cause_name(u->cause) : "");
	ksp_json_uint(j, "pause_ns", u->pause_ns);
	ksp_json_uint(j, "kicked", u->kicks.kicked);
	ksp_json_uint(j, "held_ns", u->kicks.held_ns);
	ksp_json_int(j, "functions_count", (long long)u->nfunctions);
	ksp_json_array(j, "functions");
	for (size_t i = 0; i < u->nfunctions; i++) {
		function_line(&u->functions[i], line, sizeof(line));
		ksp_json_str(j, NULL, line);
	}
	ksp_json_close(j);
	ksp_json_array(j, "depends_on");
	for (size_t i = 0; i < u->depends.n; i++)
		ksp_json_str(j, NULL, u->depends.ids[i]);
	ksp_json_close(j);
	ksp_json_array(j, "targets");
	for (size_t i = 0; i < u->ntargets; i++) {
		ksp_json_object(j, NULL);
		ksp_json_str(j, "name", u->targets[i].name);
		ksp_json_bool(j, "held_loaded", u->targets[i].pinned);
		ksp_json_bool(j, "pending", u->targets[i].pending);
		ksp_json_close(j);
	}
	ksp_json_close(j);
	ksp_json_close(j);
}

/* "  targets: vmlinux, nfsd (held loaded while applied)", or "nfsd
 * (pending: applied when it loads)" while the module is not loaded; for the
 * listing, nothing when the helper names none (no plan written yet). */
static void print_targets(const struct update_view *u, int detail)
{
	if (!u->ntargets && !detail)
		return;
	printf("  targets: ");
	for (size_t i = 0; i < u->ntargets; i++)
		printf("%s%s%s", i ? ", " : "", u->targets[i].name,
		       u->targets[i].pinned    ? " (held loaded while applied)"
		       : u->targets[i].pending ? " (pending: applied when it loads)"
					       : "");
	printf("%s\n", u->ntargets ? "" : "unknown (no plan yet)");
}

/* "  fixes CVE-2026-1234, CVE-2026-5678; brings 6.1.192-3; signed by
 * CN=..." for an update that says any of it. */
static void print_facts(const struct update_view *u)
{
	const struct ksp_helper_facts *f = &u->facts;
	const char *sep = "  ";
	if (f->ncves) {
		printf("%sfixes ", sep);
		for (size_t i = 0; i < f->ncves; i++)
			printf("%s%s", i ? ", " : "", f->cves[i]);
		sep = "; ";
	}
	if (f->brings[0]) {
		printf("%sbrings %s", sep, f->brings);
		sep = "; ";
	}
	if (f->signer[0]) {
		printf("%ssigned by %s", sep, f->signer);
		sep = "; ";
	}
	if (sep[0] == ';')
		printf("\n");
}

/* ID: "DESCRIPTION", applied at TIME, N functions, last pause X us[, K
 * threads kicked, held Y ms] */
static void print_one(const struct update_view *u, int detail, const struct ksp_persist_view *pv)
{
	char when[64], state[192], line[KSPLICE_NAME_LEN + 64], kicks[96] = "";
	const char *stage = ksp_stage_name(u->stage);
	if (u->kicks.kicked)
		snprintf(kicks, sizeof(kicks), ", %u thread%s kicked, held %llu ms",
			 u->kicks.kicked, u->kicks.kicked == 1 ? "" : "s",
			 u->kicks.held_ns / 1000000);
	applied_time(u, when, sizeof(when));
	if (u->stage == KSP_STAGE_APPLIED)
		snprintf(state, sizeof(state), "applied at %s", when);
	else if (when[0])
		snprintf(state, sizeof(state), "%s, last applied at %s", stage, when);
	else
		snprintf(state, sizeof(state), "%s, never applied", stage);
	printf("%s: \"%s\", %s, %zu function%s, last pause %llu us%s\n", u->id, u->description,
	       state, u->nfunctions, u->nfunctions == 1 ? "" : "s", u->pause_ns / 1000, kicks);
	print_targets(u, detail);
	print_facts(u);
	if (ksp_persist_view_kept(pv, u->id))
		printf("  persisted: applied again at boot (ksplice-undo --forget %s stops it)\n",
		       u->id);
	if (!detail)
		return;
	printf("  functions (name, old address, new address):\n");
	for (size_t i = 0; i < u->nfunctions; i++) {
		function_line(&u->functions[i], line, sizeof(line));
		printf("    %s%s\n", line,
		       u->functions[i].old_addr ? "" : " (pending: its module is not loaded)");
	}
	printf("  depends on: ");
	for (size_t i = 0; i < u->depends.n; i++)
		printf("%s%s", i ? ", " : "", u->depends.ids[i]);
	printf("%s\n", u->depends.n ? "" : "nothing");
}

/* Is there a 5-byte jump to target at addr? */
static int jumps_to(const struct rp_memview *mem, uint64_t addr, uint64_t target)
{
	uint64_t lands;
	return ksp_jump_target(mem, addr, &lands) && lands == target;
}

/* The code that jumps to target: old itself, or, for an update stacked on
 * others, the newest replacement of old before target (a later update's
 * jump lives in the earlier one's new code). 0 if none does. */
static uint64_t jumping_code(const struct ksp_stacked *st, uint64_t old, uint64_t target)
{
	for (int depth = 0; depth < KSP_STACK_MAX_DEPTH && old; depth++) {
		for (size_t i = 0; i < sizeof(ksp_jump_offsets) / sizeof(ksp_jump_offsets[0]); i++)
			if (jumps_to(st->mem, old + ksp_jump_offsets[i], target))
				return old;
		old = ksp_stacked_next(st, old);
	}
	return 0;
}

/* An applied update's targets: a module it is applied into must be live
 * (the helper holds it), one its part waits for must not be loaded (the
 * helper applies the part, or refuses the load, when it comes). Returns
 * the number of problems. */
static int audit_targets(const struct update_view *u)
{
	int problems = 0;
	for (size_t i = 0; i < u->ntargets; i++) {
		const struct ksp_helper_target *t = &u->targets[i];
		char buf[32];
		const char *state = strcmp(t->name, "vmlinux")
					    ? ksp_module_state("/sys", t->name, buf, sizeof(buf))
					    : "live";
		if (t->pending && strcmp(state, "absent")) {
			printf("PROBLEM %s: its part for module %s is pending, but %s is %s: the "
			       "helper did not apply it when the module loaded\n",
			       u->id, t->name, t->name, state);
			problems++;
		} else if (t->pending) {
			printf("ok      %s: its part for module %s is pending (not loaded)\n",
			       u->id, t->name);
		} else if (t->pinned && strcmp(state, "live")) {
			printf("PROBLEM %s: applied into module %s, which is %s\n", u->id, t->name,
			       state);
			problems++;
		}
	}
	return problems;
}

/* One applied update: each replaced function must still jump (right after
 * its fentry site, or at its entry) to its new code, the update's module
 * must be loaded, and its targets as audit_targets says; a pending entry
 * (old address 0) has no code yet. Returns the number of problems. */
static int audit_update(const struct ksp_stacked *stacked, const struct update_view *u)
{
	int problems = audit_targets(u);
	char path[512];
	snprintf(path, sizeof(path), "/sys/module/ksplice_%s", u->id);
	if (access(path, F_OK) != 0) {
		printf("PROBLEM %s: applied, but its module ksplice_%s is not loaded\n", u->id,
		       u->id);
		problems++;
	}
	for (size_t i = 0; i < u->nfunctions; i++) {
		const struct ksp_helper_function *f = &u->functions[i];
		if (!f->new_addr || !f->old_addr)
			continue; /* check-only entries have no new code, pending ones no old */
		uint64_t from = jumping_code(stacked, f->old_addr, f->new_addr);
		const char *via =
			from && from != f->old_addr ? ksp_stacked_owner(stacked, from) : NULL;
		char owner[256];
		if (ksp_redirector(f->name, owner, sizeof(owner))) {
			printf("PROBLEM %s: %s is redirected at its fentry call by %s: the "
			       "update's "
			       "new code does not run\n",
			       u->id, f->name, owner);
			problems++;
			continue;
		}
		if (from) {
			printf("ok      %s: %s at 0x%llx jumps to 0x%llx", u->id, f->name,
			       (unsigned long long)from, (unsigned long long)f->new_addr);
			printf(via ? " (in new code of update %s)\n" : "\n", via);
			continue;
		}
		unsigned char b[10] = {0};
		rp_memview_read(stacked->mem, f->old_addr, b, sizeof(b));
		printf("PROBLEM %s: %s at 0x%llx no longer jumps to its new code at 0x%llx "
		       "(bytes %02x %02x %02x %02x %02x | %02x %02x %02x %02x %02x): "
		       "overwritten behind kmod-helper's back\n",
		       u->id, f->name, (unsigned long long)f->old_addr,
		       (unsigned long long)f->new_addr, b[0], b[1], b[2], b[3], b[4], b[5], b[6],
		       b[7], b[8], b[9]);
		problems++;
	}
	return problems;
}

/* Update modules loaded while the helper is not: each is a problem. */
static int orphan_modules(void)
{
	int problems = 0;
	FILE *f = fopen("/proc/modules", "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "ksplice_", 8)) {
			printf("PROBLEM kmod-helper is not loaded, but update module %.*s is\n",
			       (int)strcspn(line, " "), line);
			problems++;
		}
	if (f)
		fclose(f);
	if (!problems)
		printf("kmod-helper is not loaded: no updates\n");
	return problems;
}

/* Every problem of the applied updates in the running kernel; *napplied
 * is how many were audited. */
static int audit_updates(const struct ksp_stacked *st, int *napplied)
{
	struct ksp_id_list ids;
	struct update_view u;
	int problems = 0;
	ksp_helper_updates(&ids);
	for (size_t i = 0; i < ids.n; i++) {
		if (load(ids.ids[i], &u))
			continue;
		if (u.stage == KSP_STAGE_APPLIED) {
			problems += audit_update(st, &u);
			(*napplied)++;
		}
		unload(&u);
	}
	ksp_id_list_free(&ids);
	return problems;
}

/* Re-reads live memory for every applied update: KSP_E_MISMATCH when
 * something is not in place. */
static enum ksp_code audit(void)
{
	struct rp_memview mem;
	struct ksp_error err = {0};
	if (rp_memview_open_kcore(&mem, "/proc/kcore", &err)) {
		struct ksp_error why = {0};
		ksp_explain_kcore_failure(err.msg, &why);
		fprintf(stderr, "ksplice-view: %s\n", why.msg);
		return ksp_error_code(&why, KSP_E_PERMISSION);
	}
	struct ksp_stacked st;
	if (ksp_stacked_load(&st, &mem)) {
		rp_memview_close(&mem);
		fprintf(stderr, "ksplice-view: out of memory\n");
		return KSP_E_INTERNAL;
	}
	int n = 0, problems = ksp_helper_loaded() ? audit_updates(&st, &n) : orphan_modules();
	ksp_stacked_free(&st);
	rp_memview_close(&mem);
	printf("audit: %d applied update%s, %d problem%s\n", n, n == 1 ? "" : "s", problems,
	       problems == 1 ? "" : "s");
	return problems ? KSP_E_MISMATCH : KSP_E_UNSET;
}

/* --check: ksplice-apply's verdict and exit status, nothing inserted. */
static int check_update(const char *file, const char *trust, int verbose)
{
	struct ksp_apply_opts o = {.update = file, .trust = trust, .verbose = verbose};
	struct ksp_error err = {0};
	if (ksp_apply_check(&o, &err) == 0)
		return 0;
	fprintf(stderr, "ksplice-view: update would not apply: %s\n", err.msg);
	return ksp_exit_status(ksp_apply_exit_map, ksp_error_code(&err, KSP_E_INTERNAL));
}

/* --id ID: one update in detail. */
static enum ksp_code show_update(const char *id, int json)
{
	struct update_view u;
	struct ksp_persist_view pv;
	if (load(id, &u)) {
		fprintf(stderr, "ksplice-view: no update %s is loaded\n", id);
		return KSP_E_NO_SUCH_UPDATE;
	}
	ksp_persist_view_load(&pv);
	if (json) {
		struct ksp_json j;
		ksp_json_begin(&j, stdout);
		print_json(&j, &u, &pv);
	} else {
		print_one(&u, 1, &pv);
	}
	ksp_persist_view_free(&pv);
	unload(&u);
	return KSP_E_UNSET;
}

/* The newest version an applied update brings, into out ("" for none). */
static void applied_brings(char *out, size_t len)
{
	struct ksp_id_list ids;
	struct ksp_helper_facts f;
	out[0] = '\0';
	ksp_helper_updates(&ids);
	for (size_t i = 0; i < ids.n; i++) {
		if (ksp_helper_stage(ids.ids[i]) != KSP_STAGE_APPLIED)
			continue;
		ksp_helper_facts(ids.ids[i], &f);
		if (ksp_newer_version(out, f.brings) == f.brings)
			snprintf(out, len, "%s", f.brings);
	}
	ksp_id_list_free(&ids);
}

/* --uname: uname's line for the fields, of the effective kernel. */
static void print_uname(unsigned fields)
{
	struct utsname u;
	char brings[KSPLICE_VERSION_MAX + 1], line[sizeof(u) + KSPLICE_VERSION_MAX + 16];
	uname(&u);
	applied_brings(brings, sizeof(brings));
	ksp_uname_line(&u, brings, fields, line, sizeof(line));
	printf("%s\n", line);
}

/* The inventory's kernel (as booted) and effective (with what the applied
 * updates bring) objects, and the helper's state. */
static void print_host_json(struct ksp_json *j, int loaded)
{
	struct utsname u;
	char build[256], brings[KSPLICE_VERSION_MAX + 1], helper[64];
	char version[sizeof(u.version) + KSPLICE_VERSION_MAX + 16];
	uname(&u);
	applied_brings(brings, sizeof(brings));
	ksp_effective_version(u.version, brings, version, sizeof(version));
	ksp_json_int(j, "schema_version", INVENTORY_SCHEMA);
	ksp_json_object(j, "kernel");
	ksp_json_str(j, "release", u.release);
	ksp_json_str(j, "version", u.version);
	ksp_json_str(j, "machine", u.machine);
	ksp_json_str(j, "build_id", ksp_running_build_id(build, sizeof(build)) ? NULL : build);
	ksp_json_close(j);
	ksp_json_object(j, "effective");
	ksp_json_str(j, "release", u.release);
	ksp_json_str(j, "version", version);
	ksp_json_str(j, "brings", brings[0] ? brings : NULL);
	ksp_json_close(j);
	ksp_helper_version(helper, sizeof(helper));
	ksp_json_bool(j, "helper", loaded);
	ksp_json_str(j, "helper_version", helper[0] ? helper : NULL);
}

/* Every loaded update, one line (or object) each. */
static void list_updates(int json)
{
	struct ksp_json j;
	struct ksp_id_list ids;
	struct update_view u;
	struct ksp_persist_view pv;
	int loaded = ksp_helper_loaded(), n = 0;
	ksp_helper_updates(&ids);
	ksp_persist_view_load(&pv);
	if (json) {
		ksp_json_begin(&j, stdout);
		ksp_json_object(&j, NULL);
		print_host_json(&j, loaded);
		ksp_persist_view_json(&j, &pv);
		ksp_json_array(&j, "updates");
	} else if (!loaded) {
		printf("kmod-helper is not loaded: no updates\n");
	}
	for (size_t i = 0; i < ids.n; i++) {
		if (load(ids.ids[i], &u))
			continue;
		if (json)
			print_json(&j, &u, &pv);
		else
			print_one(&u, 0, &pv);
		unload(&u);
		n++;
	}
	ksp_id_list_free(&ids);
	if (json) {
		ksp_json_close(&j);
		ksp_json_close(&j);
	} else if (loaded && !n) {
		printf("no updates loaded\n");
	}
	if (!json)
		ksp_persist_view_print(&pv);
	ksp_persist_view_free(&pv);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"id", required_argument, NULL, 'i'},
						 {"check", required_argument, NULL, 'c'},
						 {"audit", no_argument, NULL, 'A'},
						 {"trust", required_argument, NULL, 'T'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"uname", no_argument, NULL, 'U'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	static const char uname_flags[] = "snrvmoa";
	int json = 0, do_audit = 0, verbose = 0, do_uname = 0, ch;
	unsigned fields = 0;
	const char *check = NULL, *only = NULL, *trust = NULL;
	while ((ch = getopt_long(argc, argv, "hvsnrmoa", longopts, NULL)) != -1) {
		const char *flag = strchr(uname_flags, ch);
		if (flag && ch != 'v')
			fields |= ch == 'a' ? KSP_UNAME_ALL : 1u << (flag - uname_flags);
		switch (ch) {
		case 'v':
			verbose = 1;
			break;
		case 'U':
			do_uname = 1;
			break;
		case 's':
		case 'n':
		case 'r':
		case 'm':
		case 'o':
		case 'a':
			break;
		case 'j':
			json = 1;
			break;
		case 'i':
			only = optarg;
			break;
		case 'c':
			check = optarg;
			break;
		case 'A':
			do_audit = 1;
			break;
		case 'T':
			trust = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return ksp_exit_status(exit_map, KSP_E_USAGE);
		}
	}
	if (do_uname && (optind != argc || json || only || check || do_audit || trust)) {
		fprintf(stderr, "ksplice-view: --uname takes only uname's options (-s -n -r -v -m "
				"-o -a)\n");
		return ksp_exit_status(exit_map, KSP_E_USAGE);
	}
	if (do_uname) {
		print_uname(fields | (verbose ? KSP_UNAME_VERSION : 0));
		return 0;
	}
	if (fields) {
		fprintf(stderr, "ksplice-view: -s, -n, -r, -m, -o and -a go with --uname\n");
		return ksp_exit_status(exit_map, KSP_E_USAGE);
	}
	if (optind != argc || ((trust || verbose) && !check)) {
		usage(stderr);
		return ksp_exit_status(exit_map, KSP_E_USAGE);
	}
	if (do_audit)
		return ksp_exit_status(exit_map, audit());
	if (check)
		return check_update(check, trust, verbose);
	if (only)
		return ksp_exit_status(exit_map, show_update(only, json));
	list_updates(json);
	return 0;
}
