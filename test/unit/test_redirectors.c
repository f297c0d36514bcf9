/* live.redirectors: who else redirects a function, from the texts of
 * /sys/kernel/livepatch and tracefs' enabled_functions. */
#include "redirectors.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static const char *const enabled =
	"do_sys_open (1) R I  \ttramp: 0xffffffffc0203000 (bpf_fmod_ret+0x0/0x20 [bpfmod])\n"
	"cmdline_proc_show (1) R I  \ttramp: 0xffffffffc0205000 (ksplice_claim_handler+0x0/0x10 "
	"[kmod_helper])\n"
	"version_proc_show (2) R    \ttramp: 0xffffffffc0207000 (function_trace_call+0x0/0x30)\n"
	"meminfo_proc_show (2) R I  \n";

START_TEST(livepatch_named)
{
	char owner[128];
	ck_assert_int_eq(ksp_redirector_parse("cmdline_proc_show",
					      "livepatch_sample/vmlinux/cmdline_proc_show,1\n", "",
					      owner, sizeof(owner)),
			 1);
	ck_assert_str_eq(owner, "livepatch livepatch_sample");
	/* A longer name with the same start is another function. */
	ck_assert_int_eq(ksp_redirector_parse("cmdline_proc",
					      "livepatch_sample/vmlinux/cmdline_proc_show,1\n", "",
					      owner, sizeof(owner)),
			 0);
	ck_assert_str_eq(owner, "");
}
END_TEST

START_TEST(ftrace_ipmodify_owner_named)
{
	char owner[128];
	ck_assert_int_eq(ksp_redirector_parse("do_sys_open", "", enabled, owner, sizeof(owner)), 1);
	ck_assert_str_eq(owner, "ftrace IPMODIFY user bpf_fmod_ret+0x0/0x20 [bpfmod]");
}
END_TEST

START_TEST(own_claim_and_plain_tracing_are_not_redirectors)
{
	char owner[128];
	/* kmod-helper's own claim. */
	ck_assert_int_eq(
		ksp_redirector_parse("cmdline_proc_show", "", enabled, owner, sizeof(owner)), 0);
	/* Traced, not redirected (no I). */
	ck_assert_int_eq(
		ksp_redirector_parse("version_proc_show", "", enabled, owner, sizeof(owner)), 0);
	/* Several users, none named: may be the helper's own claim. */
	ck_assert_int_eq(
		ksp_redirector_parse("meminfo_proc_show", "", enabled, owner, sizeof(owner)), 0);
	ck_assert_int_eq(ksp_redirector_parse("absent", "", enabled, owner, sizeof(owner)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live.redirectors");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, livepatch_named);
	tcase_add_test(tc, ftrace_ipmodify_owner_named);
	tcase_add_test(tc, own_claim_and_plain_tracing_are_not_redirectors);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
