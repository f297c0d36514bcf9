/* update.metadata: the update's KEY=VALUE metadata, parsed and written by
 * the one model (splicer/update/metadata.c). */
#include "metadata.h"
#include "update_file.h"

#include "check_run.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* As ksplice-create writes it: every key, two units, an --after. */
static const char sample[] = "API_VERSION=2\n"
			     "ID=abcd1234\n"
			     "DESCRIPTION=fix the demo: it said 42\n"
			     "KERNEL_RELEASE=6.1.0-56-cloud-amd64\n"
			     "BUILD_ID=0123abcd\n"
			     "COMPILER=gcc-12 (Debian 12.2.0-14) 12.2.0\n"
			     "TOOL_VERSION=0.1.0\n"
			     "CREATED=2026-12-04T19:00:00Z\n"
			     "AFTER=earlier1\n"
			     "AFTER=earlier2\n"
			     "UNIT=fs/proc/demo.o\n"
			     "TARGET=vmlinux\n"
			     "CHANGED=fs/proc/demo.o:demo_show\n"
			     "CHANGED=fs/proc/demo.o:demo_open\n"
			     "CHECK=fs/proc/demo.o:demo_show.cold\n"
			     "NEW=fs/proc/demo.o:demo_show.cold\n"
			     "NEW=fs/proc/demo.o:demo_helper\n"
			     "NEW_DATA=fs/proc/demo.o:demo_count\n"
			     "EXTERNAL=seq_printf\n"
			     "EXTERNAL=fs/proc/demo.o:demo_state\n"
			     "UNIT=fs/nfsd/nfs4state.o\n"
			     "TARGET=nfsd\n"
			     "CHANGED=fs/nfsd/nfs4state.o:nfsd4_sequence\n";

static void parse_ok(const char *text, struct ksp_metadata *m)
{
	struct ksp_error err = {0};
	ck_assert_msg(ksp_metadata_parse(text, strlen(text), m, &err) == 0, "%s", err.msg);
}

START_TEST(round_trip_is_byte_identical)
{
	struct ksp_metadata m;
	parse_ok(sample, &m);
	char *text = ksp_metadata_format(&m);
	ck_assert_str_eq(text, sample);
	free(text);
	ksp_metadata_free(&m);
}
END_TEST

START_TEST(fields_and_units)
{
	struct ksp_metadata m;
	parse_ok(sample, &m);
	ck_assert_int_eq(m.api_version, 2);
	ck_assert_str_eq(m.id, "abcd1234");
	ck_assert_str_eq(m.kernel_release, "6.1.0-56-cloud-amd64");
	ck_assert_str_eq(m.build_id, "0123abcd");
	ck_assert_uint_eq(m.after.n, 2);
	ck_assert_str_eq(m.after.v[1], "earlier2");
	ck_assert_uint_eq(m.nunits, 2);
	ck_assert_str_eq(m.units[0].object, "fs/proc/demo.o");
	ck_assert_uint_eq(m.units[0].changed.n, 2);
	ck_assert_str_eq(m.units[0].changed.v[1], "demo_open");
	ck_assert_str_eq(m.units[0].check.v[0], "demo_show.cold");
	ck_assert_uint_eq(m.units[0].new_functions.n, 2);
	ck_assert_str_eq(m.units[0].new_data.v[0], "demo_count");
	ck_assert(ksp_metadata_is_external(&m, "fs/proc/demo.o:demo_state"));
	ck_assert(!ksp_metadata_is_external(&m, "demo_state"));
	ck_assert_ptr_null(m.units[0].target);
	ck_assert_str_eq(ksp_meta_unit_target(&m.units[0]), "vmlinux");
	ck_assert_str_eq(m.units[1].target, "nfsd");
	ck_assert_str_eq(m.units[1].changed.v[0], "nfsd4_sequence");
	ksp_metadata_free(&m);
}
END_TEST

START_TEST(first_of_a_single_key_wins_and_unknown_keys_are_ignored)
{
	struct ksp_metadata m;
	parse_ok("ID=first\nFUTURE_KEY=x\nID=second\nno equals sign\nKERNEL_RELEASE=r", &m);
	ck_assert_str_eq(m.id, "first");
	ck_assert_str_eq(m.kernel_release, "r");
	ck_assert_int_eq(m.api_version, -1);
	ck_assert_ptr_null(m.build_id);
	ksp_metadata_free(&m);
}
END_TEST

START_TEST(unit_lines_outside_their_unit_refused)
{
	static const char *const bad[] = {
		"ID=a\nCHANGED=x.o:f\n",
		"ID=a\nUNIT=x.o\nCHANGED=y.o:f\n",
		"ID=a\nUNIT=x.o\nNEW=x.of\n",
		/* targets are vmlinux or module names */
		"ID=a\nTARGET=nfsd\n",
		"ID=a\nUNIT=x.o\nTARGET=../x\n",
		"ID=a\nUNIT=x.o\nTARGET=\n",
		"ID=a\nUNIT=x.o\nTARGET=nfs-d\n",
		/* ids name sysfs directories and modules */
		"ID=../../module/x\n",
		"ID=ABC\n",
		"ID=abcdefghijklmnopq\n",
		"ID=a\nAFTER=b/c\n",
		"ID=a\nAFTER=\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ksp_metadata m;
		struct ksp_error err = {0};
		ck_assert_int_eq(ksp_metadata_parse(bad[i], strlen(bad[i]), &m, &err), -1);
		ck_assert_int_eq(err.code, KSP_E_BAD_FILE);
		ck_assert_ptr_nonnull(strstr(err.msg, "metadata: "));
	}
}
END_TEST

/* kbuild's module names: '-' made '_', case kept (xt_TEE, BusLogic). */
START_TEST(module_names_as_kbuild_makes_them)
{
	ck_assert(ksp_module_name_valid("nfsd"));
	ck_assert(ksp_module_name_valid("xt_TEE"));
	ck_assert(ksp_module_name_valid("8021q"));
	ck_assert(!ksp_module_name_valid("nfs-d"));
	ck_assert(!ksp_module_name_valid("a:b"));
	ck_assert(!ksp_module_name_valid(""));
	ck_assert(!ksp_module_name_valid(
		"a23456789012345678901234567890123456789012345678901234567"));
	static const char text[] = "ID=a\nUNIT=net/netfilter/xt_TEE.o\nTARGET=xt_TEE\n";
	struct ksp_metadata m;
	parse_ok(text, &m);
	ck_assert_str_eq(ksp_meta_unit_target(&m.units[0]), "xt_TEE");
	ksp_metadata_free(&m);
}
END_TEST

START_TEST(built_model_writes_absent_strings_empty)
{
	struct ksp_metadata m = {.api_version = 2, .id = "abc"};
	struct ksp_meta_unit *u = ksp_metadata_add_unit(&m, "a.o");
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(ksp_meta_list_add(&u->changed, "f"), 0);
	char *text = ksp_metadata_format(&m);
	ck_assert_str_eq(
		text,
		"API_VERSION=2\nID=abc\nDESCRIPTION=\nKERNEL_RELEASE=\nBUILD_ID=\n"
		"COMPILER=\nTOOL_VERSION=\nCREATED=\nUNIT=a.o\nTARGET=vmlinux\nCHANGED=a.o:f\n");
	free(text);
	ksp_metadata_free(&m);
}
END_TEST

/* ksplice-create --cve and --brings: written after CREATED, read back as
 * given. */
static const char with_facts[] = "API_VERSION=4\n"
				 "ID=abcd1234\n"
				 "DESCRIPTION=fix\n"
				 "KERNEL_RELEASE=6.1.0-56-cloud-amd64\n"
				 "BUILD_ID=0123abcd\n"
				 "COMPILER=gcc-12\n"
				 "TOOL_VERSION=0.1.0\n"
				 "CREATED=2026-12-04T19:00:00Z\n"
				 "BRINGS=6.1.192-3\n"
				 "CVE=CVE-2026-12345\n"
				 "CVE=CVE-2025-1234567\n"
				 "UNIT=fs/proc/cmdline.o\n"
				 "TARGET=vmlinux\n"
				 "CHANGED=fs/proc/cmdline.o:cmdline_proc_show\n";

START_TEST(facts_round_trip)
{
	struct ksp_metadata m;
	parse_ok(with_facts, &m);
	ck_assert_str_eq(m.brings, "6.1.192-3");
	ck_assert_uint_eq(m.cves.n, 2);
	ck_assert_str_eq(m.cves.v[0], "CVE-2026-12345");
	ck_assert_str_eq(m.cves.v[1], "CVE-2025-1234567");
	char *text = ksp_metadata_format(&m);
	ck_assert_str_eq(text, with_facts);
	free(text);
	ksp_metadata_free(&m);
}
END_TEST

/* An update written before the facts existed has none, and is written back
 * without them (the sample's round trip stays byte for byte). */
START_TEST(older_update_has_no_facts)
{
	struct ksp_metadata m;
	parse_ok(sample, &m);
	ck_assert_ptr_null(m.brings);
	ck_assert_uint_eq(m.cves.n, 0);
	ksp_metadata_free(&m);
}
END_TEST

START_TEST(malformed_facts_refused)
{
	static const char *const bad[] = {
		"ID=a\nCVE=cve-2026-1234\n", "ID=a\nCVE=CVE-2026-123\n",
		"ID=a\nCVE=CVE-26-1234\n",   "ID=a\nCVE=CVE-2026-1234 x\n",
		"ID=a\nBRINGS=\n",	     "ID=a\nBRINGS=v6.1\n",
		"ID=a\nBRINGS=6.1 -3\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ksp_metadata m;
		struct ksp_error err = {0};
		ck_assert_msg(ksp_metadata_parse(bad[i], strlen(bad[i]), &m, &err) == -1, "%s",
			      bad[i]);
		ck_assert_int_eq(err.code, KSP_E_BAD_FILE);
		ck_assert_ptr_nonnull(strstr(err.msg, "metadata: "));
	}
}
END_TEST

START_TEST(cve_ids)
{
	ck_assert(ksp_cve_valid("CVE-2024-1234"));
	ck_assert(ksp_cve_valid("CVE-2024-1234567890123456789"));
	ck_assert(!ksp_cve_valid("CVE-2024-12345678901234567890"));
	ck_assert(!ksp_cve_valid("CVE-2024-123"));
	ck_assert(!ksp_cve_valid("CVE-202-1234"));
	ck_assert(!ksp_cve_valid("CVE-2024-1234x"));
	ck_assert(!ksp_cve_valid("cve-2024-1234"));
	ck_assert(!ksp_cve_valid("CVE-2024_1234"));
	ck_assert(!ksp_cve_valid(""));
}
END_TEST

/* As dpkg --compare-versions would accept them. */
START_TEST(debian_versions)
{
	static const char *const good[] = {"6.1.192-3",	  "6.1.192-3+deb12u1",
					   "1:2.3~rc1-4", "6.12.118+deb12",
					   "1.0",	  "2.3-1.1~bpo12+1"};
	static const char *const bad[] = {"",	   "v6.1",    "6.1.192-", "6.1 -3",
					  ":1.0",  "a:1.0",   "1:",	  "1.0_2",
					  "6.1/3", "1.0-2:3", "é1.0",	  "6.1.192-3\n"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(ksp_version_valid(good[i]), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!ksp_version_valid(bad[i]), "%s", bad[i]);
	char longest[KSP_VERSION_MAX + 2];
	memset(longest, '1', sizeof(longest) - 1);
	longest[KSP_VERSION_MAX + 1] = '\0';
	ck_assert(!ksp_version_valid(longest));
	longest[KSP_VERSION_MAX] = '\0';
	ck_assert(ksp_version_valid(longest));
}
END_TEST

/* dpkg --compare-versions' order: epochs first, '~' before anything, a
 * missing revision as 0, digits as numbers. */
START_TEST(debian_version_order)
{
	static const char *const ascending[] = {
		"6.1.192-2",	     "6.1.192-2+deb12u1", "6.1.192-3~bpo12+1", "6.1.192-3",
		"6.1.192-3+deb12u1", "6.1.192-10",	  "6.1.193~rc1-1",     "6.1.193-1",
		"6.12.1-1",	     "1:5.0-1",
	};
	size_t n = sizeof(ascending) / sizeof(ascending[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++) {
			int want = i < k ? -1 : i > k;
			ck_assert_msg(ksp_version_cmp(ascending[i], ascending[k]) == want,
				      "%s vs %s: want %d", ascending[i], ascending[k], want);
		}
	ck_assert_int_eq(ksp_version_cmp("1.0", "1.0-0"), 0);
	ck_assert_int_eq(ksp_version_cmp("1.01", "1.1"), 0);
	ck_assert_int_eq(ksp_version_cmp("0:1.0", "1.0"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("update.metadata");
	TCase *tc = tcase_create("metadata");
	tcase_add_test(tc, round_trip_is_byte_identical);
	tcase_add_test(tc, fields_and_units);
	tcase_add_test(tc, first_of_a_single_key_wins_and_unknown_keys_are_ignored);
	tcase_add_test(tc, unit_lines_outside_their_unit_refused);
	tcase_add_test(tc, built_model_writes_absent_strings_empty);
	tcase_add_test(tc, module_names_as_kbuild_makes_them);
	tcase_add_test(tc, facts_round_trip);
	tcase_add_test(tc, older_update_has_no_facts);
	tcase_add_test(tc, malformed_facts_refused);
	tcase_add_test(tc, cve_ids);
	tcase_add_test(tc, debian_versions);
	tcase_add_test(tc, debian_version_order);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
