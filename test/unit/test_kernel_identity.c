/* view.uname: the effective kernel ksplice-view --uname prints
 * (splicer/live/kernel_identity.c), from a uname and the newest version
 * the applied updates bring. */
#include "kernel_identity.h"

#include "check_run.h"

#include <check.h>
#include <string.h>

static const char debian[] = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)";

static struct utsname booted(void)
{
	struct utsname u;
	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	strcpy(u.nodename, "guest");
	strcpy(u.release, "6.1.0-56-cloud-amd64");
	strcpy(u.version, debian);
	strcpy(u.machine, "x86_64");
	return u;
}

static const char *effective(const char *base, const char *brings)
{
	static char out[512];
	ksp_effective_version(base, brings, out, sizeof(out));
	return out;
}

START_TEST(nothing_brought_is_uname)
{
	ck_assert_str_eq(effective(debian, NULL), debian);
	ck_assert_str_eq(effective(debian, ""), debian);
	struct utsname u = booted();
	char line[1024];
	ksp_uname_line(&u, "", KSP_UNAME_ALL, line, sizeof(line));
	ck_assert_str_eq(line, "Linux guest 6.1.0-56-cloud-amd64 #1 SMP PREEMPT_DYNAMIC Debian "
			       "6.1.192-2 (2026-11-16) x86_64 GNU/Linux");
}
END_TEST

START_TEST(newer_version_replaces_debians)
{
	ck_assert_str_eq(effective(debian, "6.1.192-3"),
			 "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-16)");
	ck_assert_str_eq(effective(debian, "6.1.192-2+deb12u1"),
			 "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2+deb12u1 (2026-11-16)");
	ck_assert_str_eq(effective("#1 SMP Debian 6.1.192-2", "6.1.193-1"),
			 "#1 SMP Debian 6.1.193-1");
}
END_TEST

/* An update that brings what the kernel already is, or older, changes
 * nothing. */
START_TEST(older_or_same_version_changes_nothing)
{
	ck_assert_str_eq(effective(debian, "6.1.192-2"), debian);
	ck_assert_str_eq(effective(debian, "6.1.187-1"), debian);
	ck_assert_str_eq(effective(debian, "6.1.192-2~bpo1"), debian);
}
END_TEST

START_TEST(no_debian_version_gets_a_suffix)
{
	ck_assert_str_eq(effective("#1 SMP PREEMPT_DYNAMIC Tue Nov 11 2026", "6.1.192-3"),
			 "#1 SMP PREEMPT_DYNAMIC Tue Nov 11 2026 +ksplice 6.1.192-3");
	ck_assert_str_eq(effective("#1 Debian (custom)", "6.1.192-3"),
			 "#1 Debian (custom) +ksplice 6.1.192-3");
}
END_TEST

START_TEST(fields_in_unames_order)
{
	struct utsname u = booted();
	char line[1024];
	ksp_uname_line(&u, "6.1.192-3", 0, line, sizeof(line));
	ck_assert_str_eq(line, "Linux");
	ksp_uname_line(&u, "6.1.192-3", KSP_UNAME_RELEASE, line, sizeof(line));
	ck_assert_str_eq(line, "6.1.0-56-cloud-amd64");
	ksp_uname_line(&u, "6.1.192-3", KSP_UNAME_VERSION, line, sizeof(line));
	ck_assert_str_eq(line, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-16)");
	ksp_uname_line(&u, "6.1.192-3", KSP_UNAME_MACHINE | KSP_UNAME_SYSNAME, line, sizeof(line));
	ck_assert_str_eq(line, "Linux x86_64");
	ksp_uname_line(&u, "6.1.192-3", KSP_UNAME_ALL, line, sizeof(line));
	ck_assert_str_eq(line, "Linux guest 6.1.0-56-cloud-amd64 #1 SMP PREEMPT_DYNAMIC Debian "
			       "6.1.192-3 (2026-11-16) x86_64 GNU/Linux");
}
END_TEST

START_TEST(newest_of_several)
{
	ck_assert_str_eq(ksp_newer_version("", "6.1.192-3"), "6.1.192-3");
	ck_assert_str_eq(ksp_newer_version("6.1.192-3", ""), "6.1.192-3");
	ck_assert_str_eq(ksp_newer_version("6.1.192-3", "6.1.192-10"), "6.1.192-10");
	ck_assert_str_eq(ksp_newer_version("6.1.192-10", "6.1.192-3"), "6.1.192-10");
	ck_assert_ptr_null(ksp_newer_version(NULL, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("view.uname");
	TCase *tc = tcase_create("uname");
	tcase_add_test(tc, nothing_brought_is_uname);
	tcase_add_test(tc, newer_version_replaces_debians);
	tcase_add_test(tc, older_or_same_version_changes_nothing);
	tcase_add_test(tc, no_debian_version_gets_a_suffix);
	tcase_add_test(tc, fields_in_unames_order);
	tcase_add_test(tc, newest_of_several);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
