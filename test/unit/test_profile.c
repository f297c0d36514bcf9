/* common.profile: the kernel profile reader, on the repository's real
 * profiles and on malformed input. */
#include "profile.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char profile_path[4096];

static const char *profiles_dir(void)
{
	const char *src = getenv("KSPLICE_SOURCE_DIR");
	ck_assert_msg(src != NULL, "KSPLICE_SOURCE_DIR must name the source tree");
	return src;
}

static const char *repo_profile(const char *name)
{
	snprintf(profile_path, sizeof(profile_path), "%s/profiles/%s.profile", profiles_dir(),
		 name);
	return profile_path;
}

START_TEST(pinned_profile_loads)
{
	struct ksp_profile p;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_profile_load(repo_profile("6.1.0-56-cloud-amd64"), &p, &err), 0);
	ck_assert_str_eq(ksp_profile_get(&p, "KERNEL_RELEASE"), "6.1.0-56-cloud-amd64");
	ck_assert_str_eq(ksp_profile_get(&p, "PACKAGE_VERSION"), "6.1.192-2");
	ck_assert_str_eq(ksp_profile_get(&p, "CC"), "gcc-12");
	ck_assert_ptr_null(ksp_profile_get(&p, "NO_SUCH_KEY"));
	ksp_profile_free(&p);
}
END_TEST

START_TEST(second_profile_loads)
{
	struct ksp_profile p;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_profile_load(repo_profile("6.1.0-53-cloud-amd64"), &p, &err), 0);
	ck_assert_str_eq(ksp_profile_get(&p, "KERNEL_RELEASE"), "6.1.0-53-cloud-amd64");
	ck_assert_str_eq(ksp_profile_get(&p, "DISTRIBUTION_VERSION"), "6.1.187-1");
	ksp_profile_free(&p);
}
END_TEST

START_TEST(make_vars_match_debian_build)
{
	struct ksp_profile p;
	struct ksp_error err = {0};
	char vars[1024];
	ck_assert_int_eq(ksp_profile_load(repo_profile("6.1.0-56-cloud-amd64"), &p, &err), 0);
	ck_assert_int_eq(ksp_profile_make_vars(&p, vars, sizeof(vars)), 0);
	ck_assert_str_eq(vars,
			 "CC=gcc-12 KERNELRELEASE=6.1.0-56-cloud-amd64 "
			 "DISTRIBUTION_OFFICIAL_BUILD=1 DISTRIBUTOR=Debian "
			 "DISTRIBUTION_VERSION=6.1.192-2 KBUILD_BUILD_USER=debian-kernel "
			 "KBUILD_BUILD_HOST=lists.debian.org KBUILD_BUILD_TIMESTAMP=2026-11-16");
	char small[16];
	ck_assert_int_eq(ksp_profile_make_vars(&p, small, sizeof(small)), -1);
	ksp_profile_free(&p);
}
END_TEST

/* The 6.12 series: Debian builds it with x86_64-linux-gnu- tools, and the
 * profile keeps a host's rustc out of its .config. */
START_TEST(debian_6_12_profile_loads)
{
	struct ksp_profile p;
	struct ksp_error err = {0};
	char vars[1024];
	ck_assert_int_eq(ksp_profile_load(repo_profile("6.12.118+deb12-cloud-amd64"), &p, &err), 0);
	ck_assert_str_eq(ksp_profile_get(&p, "KBUILD_PACKAGE"), "linux-kbuild-6.12.118+deb12");
	ck_assert_int_eq(ksp_profile_make_vars(&p, vars, sizeof(vars)), 0);
	ck_assert_str_eq(vars,
			 "CC=x86_64-linux-gnu-gcc-12 KERNELRELEASE=6.12.118+deb12-cloud-amd64 "
			 "CROSS_COMPILE=x86_64-linux-gnu- RUSTC=/nonexistent/rustc "
			 "DISTRIBUTION_OFFICIAL_BUILD=1 DISTRIBUTOR=Debian "
			 "DISTRIBUTION_VERSION=6.12.118-1~deb12u1 "
			 "KBUILD_BUILD_USER=debian-kernel KBUILD_BUILD_HOST=lists.debian.org "
			 "KBUILD_BUILD_TIMESTAMP=2026-11-28");
	ksp_profile_free(&p);
}
END_TEST

/* scripts/testbed reads the same files: both readers must give the same make
 * variables. */
static void check_readers_agree(const char *name)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "KSPLICE_KERNEL='%s' '%s/scripts/testbed' env | "
		 "sed -n 's/^KSPLICE_MAKE_VARS=//p'",
		 name, profiles_dir());
	FILE *sh = popen(cmd, "r");
	ck_assert_ptr_nonnull(sh);
	char line[1024] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), sh));
	ck_assert_int_eq(pclose(sh), 0);
	line[strcspn(line, "\n")] = '\0';

	struct ksp_profile p;
	struct ksp_error err = {0};
	char vars[1024];
	ck_assert_int_eq(ksp_profile_load(repo_profile(name), &p, &err), 0);
	ck_assert_int_eq(ksp_profile_make_vars(&p, vars, sizeof(vars)), 0);
	/* The shell quotes spaces with backslashes (printf %q). */
	char unquoted[1024];
	size_t j = 0;
	for (size_t i = 0; line[i] && j + 1 < sizeof(unquoted); i++)
		if (line[i] != '\\')
			unquoted[j++] = line[i];
	unquoted[j] = '\0';
	ck_assert_str_eq(unquoted, vars);
	ksp_profile_free(&p);
}

START_TEST(shell_and_c_readers_agree)
{
	check_readers_agree("6.1.0-53-cloud-amd64");
	check_readers_agree("6.12.118+deb12-cloud-amd64");
}
END_TEST

static const char *const minimal =
	"KERNEL_RELEASE=r\nPACKAGE_VERSION=v\nSOURCE_PACKAGE=s\nSOURCE_TARBALL=t\n"
	"KBUILD_PACKAGE=k\nHEADERS_COMMON=h\nCC=gcc\n";

START_TEST(comments_blank_lines_and_crlf)
{
	char text[1024];
	snprintf(text, sizeof(text), "# comment\n\n%sEXTRA=a=b\r\n", minimal);
	struct ksp_profile p;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_profile_parse(text, "t", &p, &err), 0);
	ck_assert_str_eq(ksp_profile_get(&p, "EXTRA"), "a=b");
	ksp_profile_free(&p);
}
END_TEST

static void expect_parse_error(const char *text, const char *expected_fragment)
{
	struct ksp_profile p;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_profile_parse(text, "bad.profile", &p, &err), -1);
	ck_assert_msg(strstr(err.msg, expected_fragment) != NULL, "message '%s' lacks '%s'",
		      err.msg, expected_fragment);
	ck_assert_uint_eq(p.count, 0);
}

START_TEST(malformed_profiles_are_refused)
{
	char text[1024];
	expect_parse_error("KERNEL_RELEASE=x\n", "PACKAGE_VERSION is missing");
	expect_parse_error("lower=case\n", "bad.profile:1: expected KEY=VALUE");
	expect_parse_error("NOEQUALS\n", "expected KEY=VALUE");
	expect_parse_error("=value\n", "expected KEY=VALUE");
	snprintf(text, sizeof(text), "%sCC=clang\n", minimal);
	expect_parse_error(text, "bad.profile:8: CC given twice");
	snprintf(text, sizeof(text), "%s", minimal);
	strstr(text, "CC=gcc")[3] = '\0';
	expect_parse_error(text, "CC is missing");
}
END_TEST

START_TEST(missing_file_is_named)
{
	struct ksp_profile p;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_profile_load("/nonexistent/x.profile", &p, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/x.profile: No such file or directory");
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("common.profile");
	TCase *tc = tcase_create("profile");
	tcase_add_test(tc, pinned_profile_loads);
	tcase_add_test(tc, second_profile_loads);
	tcase_add_test(tc, make_vars_match_debian_build);
	tcase_add_test(tc, debian_6_12_profile_loads);
	tcase_add_test(tc, shell_and_c_readers_agree);
	tcase_add_test(tc, comments_blank_lines_and_crlf);
	tcase_add_test(tc, malformed_profiles_are_refused);
	tcase_add_test(tc, missing_file_is_named);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ksp_check_run(profile_suite());
}
