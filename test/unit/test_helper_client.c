/* live.helper_client: parsing what kmod-helper's sysfs files hold, the plan
 * written to it, and the abort-cause names against the ones ksplice_update.h
 * documents. */
#include "helper_client.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(functions_file_parsed)
{
	struct ksp_helper_function *f;
	size_t n;
	ck_assert_int_eq(
		ksp_helper_functions_parse("demo_show 0xffffffffc0001000 0xffffffffc0402000\n"
					   "demo_show.cold 0xffffffffc0001800 0x0\n"
					   "garbage\n",
					   &f, &n),
		0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(f[0].name, "demo_show");
	ck_assert_uint_eq(f[0].old_addr, 0xffffffffc0001000ull);
	ck_assert_uint_eq(f[0].new_addr, 0xffffffffc0402000ull);
	ck_assert_str_eq(f[1].name, "demo_show.cold");
	ck_assert_uint_eq(f[1].new_addr, 0);
	free(f);
	ck_assert_int_eq(ksp_helper_functions_parse("", &f, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* The targets file (kmod-helper/README.md): "vmlinux" or a module's name,
 * " pinned" while the update holds the module loaded. */
START_TEST(targets_file_parsed)
{
	struct ksp_helper_target *t;
	size_t n;
	ck_assert_int_eq(ksp_helper_targets_parse("vmlinux\n"
						  "nfsd pinned\n"
						  "sunrpc\n"
						  "lockd held\n"
						  "xfs pending\n"
						  "\n"
						  "a_module_name_that_is_longer_than_any_name_the_"
						  "kernel_allows_for_a_module\n"
						  "ksplice_target pinned",
						  &t, &n),
			 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(t[0].name, "vmlinux");
	ck_assert_int_eq(t[0].pinned, 0);
	ck_assert_str_eq(t[1].name, "nfsd");
	ck_assert_int_eq(t[1].pinned, 1);
	ck_assert_str_eq(t[2].name, "sunrpc");
	ck_assert_int_eq(t[2].pinned, 0);
	ck_assert_str_eq(t[3].name, "xfs");
	ck_assert_int_eq(t[3].pinned, 0);
	ck_assert_int_eq(t[3].pending, 1);
	ck_assert_str_eq(t[4].name, "ksplice_target");
	ck_assert_int_eq(t[4].pinned, 1);
	ck_assert_int_eq(t[4].pending, 0);
	free(t);
	ck_assert_int_eq(ksp_helper_targets_parse("", &t, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* The plan's lines, as kmod-helper/README.md's "The plan file" gives them:
 * entries by index, check-only ones without jump, keys after. */
START_TEST(plan_formatted)
{
	struct ksp_plan_entry e[2] = {
		{.old_addr = 0xffffffff81234560ULL,
		 .old_size = 58,
		 .jump_offset = 5,
		 .expected = {0x53, 0x48, 0x8b, 0x35, 0x7b}},
		{.check_only = 1, .old_addr = 0xffffffff81000010ULL, .old_size = 7},
	};
	struct ksp_plan_key k[1] = {
		{.key = "fs/proc/cmdline.o:.rodata.str1.1", .addr = 0xffffffff82000000ULL}};
	char *text = ksp_plan_format(e, 2, k, 1);
	ck_assert_str_eq(text, "patch 0 0xffffffff81234560 58 5 53488b357b\n"
			       "check 1 0xffffffff81000010 7\n"
			       "key fs/proc/cmdline.o:.rodata.str1.1 0xffffffff82000000\n");
	free(text);
	text = ksp_plan_format(NULL, 0, NULL, 0);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

/* A module not loaded (/work/wt/spec/pending-protocol.md): pending entries
 * with their masks, a check-only one with jump offset 0, and pkeys beside
 * keys. */
START_TEST(pending_plan_formatted)
{
	struct ksp_plan_mask masks[2] = {{0, 5}, {12, 4}};
	char hash[65];
	memset(hash, 'a', 64);
	hash[64] = '\0';
	struct ksp_plan_entry e[2] = {
		{.old_size = 2100,
		 .jump_offset = 5,
		 .module = "nfsd",
		 .symindex = 4711,
		 .symname = "nfsd4_sequence",
		 .masks = masks,
		 .nmasks = 2},
		{.check_only = 1,
		 .old_size = 40,
		 .jump_offset = 5,
		 .module = "nfsd",
		 .symindex = 12,
		 .symname = "nfsd4_sequence.cold"},
	};
	memcpy(e[0].sha256, hash, 65);
	memcpy(e[1].sha256, hash, 65);
	struct ksp_plan_key k[2] = {
		{.key = "fs/nfsd/nfs4state.o:.text.check_slot_seqid",
		 .module = "nfsd",
		 .symindex = 300,
		 .symname = "check_slot_seqid",
		 .offset = 0},
		{.key = "svc_xprt_put",
		 .module = "sunrpc",
		 .symindex = 9,
		 .symname = "svc_xprt_put",
		 .offset = -8},
	};
	char *text = ksp_plan_format(e, 2, k, 2);
	char want[1024];
	snprintf(want, sizeof(want),
		 "pending 0 nfsd 4711 nfsd4_sequence 2100 5 %s\n"
		 "pmask 0 0 5\n"
		 "pmask 0 12 4\n"
		 "pending 1 nfsd 12 nfsd4_sequence.cold 40 0 %s\n"
		 "pkey fs/nfsd/nfs4state.o:.text.check_slot_seqid nfsd 300 check_slot_seqid 0\n"
		 "pkey svc_xprt_put sunrpc 9 svc_xprt_put -8\n",
		 hash, hash);
	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

START_TEST(id_lists_parsed)
{
	struct ksp_id_list l;
	ck_assert_int_eq(ksp_id_list_parse("first\nsecond\n\nthisidiswaytoolongforone", &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.ids[0], "first");
	ck_assert_str_eq(l.ids[1], "second");
	ksp_id_list_free(&l);
}
END_TEST

/* The helper's cves file: one id a line; anything else is left out. */
START_TEST(cves_file_parsed)
{
	struct ksp_helper_facts f;
	memset(&f, 0, sizeof(f));
	ksp_helper_cves_parse("CVE-2026-1234\nCVE-2025-123456789\n\nnot-a-cve\n"
			      "CVE-2026-12345678901234567890123\nCVE-2024-9999",
			      &f);
	ck_assert_uint_eq(f.ncves, 3);
	ck_assert_str_eq(f.cves[0], "CVE-2026-1234");
	ck_assert_str_eq(f.cves[1], "CVE-2025-123456789");
	ck_assert_str_eq(f.cves[2], "CVE-2024-9999");
	ksp_helper_cves_parse("", &f);
	ck_assert_uint_eq(f.ncves, 0);
}
END_TEST

START_TEST(stage_names)
{
	ck_assert_str_eq(ksp_stage_name(KSP_STAGE_APPLIED), "applied");
	ck_assert_str_eq(ksp_stage_name(KSP_STAGE_NOT_LOADED), "not loaded");
}
END_TEST

/* Every "KSPLICE_X, / * name: ..." line of enum ksplice_abort_cause, in
 * order, names the cause the client's table gives that value. */
START_TEST(cause_names_match_the_header)
{
	char path[4200], line[512];
	snprintf(path, sizeof(path), "%s/kmod-helper/ksplice_update.h",
		 getenv("KSPLICE_SOURCE_DIR"));
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	int in_enum = 0, value = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "enum ksplice_abort_cause {"))
			in_enum = 1;
		else if (in_enum && strstr(line, "};"))
			break;
		char name[64];
		if (!in_enum || sscanf(line, " KSPLICE_%*[A-Z_], /* %63[a-z_]", name) != 1)
			continue;
		enum ksplice_abort_cause parsed;
		ck_assert_str_eq(ksp_abort_cause_name((enum ksplice_abort_cause)value), name);
		ck_assert_int_eq(ksp_abort_cause_parse(name, &parsed), 0);
		ck_assert_int_eq(parsed, value);
		value++;
	}
	fclose(f);
	ck_assert_int_eq(value, KSPLICE_THREADS_STUCK + 1);
	enum ksplice_abort_cause unused;
	ck_assert_int_eq(ksp_abort_cause_parse("no_such_cause", &unused), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live.helper_client");
	TCase *tc = tcase_create("helper_client");
	tcase_add_test(tc, functions_file_parsed);
	tcase_add_test(tc, targets_file_parsed);
	tcase_add_test(tc, cves_file_parsed);
	tcase_add_test(tc, id_lists_parsed);
	tcase_add_test(tc, plan_formatted);
	tcase_add_test(tc, pending_plan_formatted);
	tcase_add_test(tc, stage_names);
	tcase_add_test(tc, cause_names_match_the_header);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
