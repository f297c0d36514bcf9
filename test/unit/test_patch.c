/* create.patch: applying the operator's diff (GNU patch, strict) and finding
 * the strip level, in a scratch tree. */
#include "diff.h"
#include "patch_apply.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[64], patch_path[128], log_path[128];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	strcpy(root, "/tmp/ksplice-patch-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/tree/kernel", root);
	ck_assert_int_eq(system(cmd), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/tree/kernel/sys.c", root);
	write_file(path, "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
	snprintf(patch_path, sizeof(patch_path), "%s/fix.patch", root);
	snprintf(log_path, sizeof(log_path), "%s/patch.log", root);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

static char *tree_path(void)
{
	static char p[128];
	snprintf(p, sizeof(p), "%s/tree", root);
	return p;
}

static const char *const good = "--- a/kernel/sys.c\n+++ b/kernel/sys.c\n"
				"@@ -1,4 +1,4 @@\n one\n-two\n+TWO\n three\n four\n";

START_TEST(applies_after_a_clean_dry_run)
{
	write_file(patch_path, good);
	struct ksp_error err = {0};
	ck_assert_msg(ksp_patch_apply(tree_path(), patch_path, 1, 1, log_path, &err) == 0, "%s",
		      err.msg);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "grep -qx two %s/kernel/sys.c", tree_path());
	ck_assert_int_eq(system(cmd), 0); /* dry run changed nothing */
	ck_assert_int_eq(ksp_patch_apply(tree_path(), patch_path, 1, 0, log_path, &err), 0);
	snprintf(cmd, sizeof(cmd),
		 "grep -qx TWO %s/kernel/sys.c && ! ls %s/kernel | grep -v '^sys.c$'", tree_path(),
		 tree_path());
	ck_assert_int_eq(system(cmd), 0); /* patched, no .orig or .rej left */
	/* A second application is recognised as such. */
	ck_assert_int_eq(ksp_patch_apply(tree_path(), patch_path, 1, 1, log_path, &err), -1);
	ck_assert_msg(strstr(err.msg, "kernel/sys.c is already patched"), "%s", err.msg);
}
END_TEST

START_TEST(failing_hunk_is_named)
{
	write_file(patch_path, "--- a/kernel/sys.c\n+++ b/kernel/sys.c\n"
			       "@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n"
			       "@@ -5,3 +5,3 @@\n five\n-SIX\n+6\n seven\n");
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_patch_apply(tree_path(), patch_path, 1, 1, log_path, &err), -1);
	ck_assert_msg(
		strstr(err.msg, "fix.patch: hunk #2 of kernel/sys.c does not apply (at line 5)"),
		"%s", err.msg);
}
END_TEST

START_TEST(strip_level_found_from_the_tree)
{
	write_file(patch_path, "--- linux-6.1.orig/kernel/sys.c\n+++ linux-6.1/kernel/sys.c\n"
			       "@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n");
	struct ksp_diff d;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_diff_load(patch_path, &d, &err), 0);
	ck_assert_int_eq(d.strip, 0);
	ck_assert_msg(ksp_diff_resolve_paths(&d, tree_path(), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.strip, 1);
	ck_assert_str_eq(ksp_file_diff_path(&d.files[0]), "kernel/sys.c");
	ck_assert_int_eq(ksp_patch_apply(tree_path(), patch_path, d.strip, 0, log_path, &err), 0);
	ksp_diff_free(&d);

	write_file(patch_path, "--- a/kernel/fork.c\n+++ b/kernel/fork.c\n@@ -1 +1 @@\n-a\n+b\n");
	ck_assert_int_eq(ksp_diff_load(patch_path, &d, &err), 0);
	ck_assert_int_eq(ksp_diff_resolve_paths(&d, tree_path(), &err), -1);
	ck_assert_msg(strstr(err.msg, "kernel/fork.c: not found in"), "%s", err.msg);
	ksp_diff_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("create.patch");
	TCase *tc = tcase_create("patch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, applies_after_a_clean_dry_run);
	tcase_add_test(tc, failing_hunk_is_named);
	tcase_add_test(tc, strip_level_found_from_the_tree);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
