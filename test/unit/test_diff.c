/* create.diff: the unified diff parser ksplice-create reads patches with. */
#include "diff.h"

#include "check_run.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *text, struct ksp_diff *d, struct ksp_error *err)
{
	return ksp_diff_parse(text, strlen(text), "t.patch", d, err);
}

static const char *const git_patch = "From 1234abcd Mon Sep 17 00:00:00 2001\n"
				     "From: A Developer <dev@example.org>\n"
				     "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
				     "Subject: [PATCH v2 1/2] proc: say hello in /proc/cmdline\n"
				     "\n"
				     "Longer explanation.\n"
				     "---\n"
				     " fs/proc/cmdline.c | 3 ++-\n"
				     "\n"
				     "diff --git a/fs/proc/cmdline.c b/fs/proc/cmdline.c\n"
				     "index 1111111..2222222 100644\n"
				     "--- a/fs/proc/cmdline.c\n"
				     "+++ b/fs/proc/cmdline.c\n"
				     "@@ -6,6 +6,7 @@\n"
				     " static int cmdline_proc_show(struct seq_file *m, void *v)\n"
				     " {\n"
				     "-\tseq_puts(m, saved_command_line);\n"
				     "+\tseq_puts(m, \"hello \");\n"
				     "+\tseq_puts(m, saved_command_line);\n"
				     " \tseq_putc(m, '\\n');\n"
				     " \treturn 0;\n"
				     "\n"
				     "@@ -20 +21 @@ fs_initcall(proc_cmdline_init);\n"
				     "-/* old */\n"
				     "+/* new */\n"
				     "\\ No newline at end of file\n"
				     "-- \n"
				     "2.39.5\n";

START_TEST(git_format_patch)
{
	struct ksp_diff d;
	struct ksp_error err = {0};
	ck_assert_msg(parse(git_patch, &d, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(d.nfiles, 1);
	ck_assert_str_eq(d.files[0].old_path, "fs/proc/cmdline.c");
	ck_assert_str_eq(d.files[0].new_path, "fs/proc/cmdline.c");
	ck_assert_uint_eq(d.files[0].nhunks, 2);
	ck_assert_uint_eq(d.files[0].hunks[0].old_start, 6);
	ck_assert_uint_eq(d.files[0].hunks[0].new_count, 7);
	ck_assert_uint_eq(d.files[0].hunks[0].added, 2);
	ck_assert_uint_eq(d.files[0].hunks[0].removed, 1);
	ck_assert_uint_eq(d.files[0].hunks[0].diff_line, 14);
	ck_assert_uint_eq(d.files[0].hunks[1].old_count, 1);
	ck_assert_uint_eq(ksp_diff_lines_changed(&d), 5);
	ck_assert_str_eq(d.description, "proc: say hello in /proc/cmdline");
	ksp_diff_free(&d);
}
END_TEST

/* CRLF line ends (a patch saved on Windows) parse as LF ones do: the '\r'
 * once made the line after each line a phantom empty one, and a "--- "
 * header then read before its line (found by fuzz_diff). */
START_TEST(crlf_line_ends)
{
	size_t len = strlen(git_patch), at = 0;
	char *crlf = malloc(2 * len + 1);
	ck_assert_ptr_nonnull(crlf);
	for (size_t i = 0; i < len; i++) {
		if (git_patch[i] == '\n')
			crlf[at++] = '\r';
		crlf[at++] = git_patch[i];
	}
	struct ksp_diff d;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_diff_parse(crlf, at, "crlf.patch", &d, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(d.nfiles, 1);
	ck_assert_str_eq(d.files[0].new_path, "fs/proc/cmdline.c");
	ck_assert_uint_eq(d.files[0].nhunks, 2);
	ck_assert_uint_eq(d.files[0].hunks[0].added, 2);
	ck_assert_uint_eq(d.files[0].hunks[0].removed, 1);
	ck_assert_uint_eq(d.files[0].hunks[0].diff_line, 14);
	ck_assert_uint_eq(ksp_diff_lines_changed(&d), 5);
	ksp_diff_free(&d);
	free(crlf);
}
END_TEST

START_TEST(plain_diff_u_with_timestamps_and_new_file)
{
	const char *text = "Fix the frobnicator\n"
			   "--- linux.orig/kernel/sys.c\t2024-01-01 00:00:00.000000000 +0000\n"
			   "+++ linux/kernel/sys.c\t2024-01-02 00:00:00.000000000 +0000\n"
			   "@@ -1,2 +1,2 @@\n"
			   "-a\n"
			   "+b\n"
			   " c\n"
			   "--- /dev/null\n"
			   "+++ b/kernel/new.c\n"
			   "@@ -0,0 +1 @@\n"
			   "+int x;\n"
			   "--- a/kernel/gone.c\n"
			   "+++ /dev/null\n"
			   "@@ -1 +0,0 @@\n"
			   "-int y;\n";
	struct ksp_diff d;
	struct ksp_error err = {0};
	ck_assert_msg(parse(text, &d, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(d.nfiles, 3);
	ck_assert_str_eq(d.files[0].old_path, "linux.orig/kernel/sys.c");
	ck_assert_str_eq(d.files[0].new_path, "linux/kernel/sys.c");
	ck_assert_ptr_null(d.files[1].old_path);
	ck_assert_str_eq(ksp_file_diff_path(&d.files[1]), "kernel/new.c");
	ck_assert_ptr_null(d.files[2].new_path);
	ck_assert_str_eq(ksp_file_diff_path(&d.files[2]), "kernel/gone.c");
	ck_assert_str_eq(d.description, "Fix the frobnicator");
	ksp_diff_free(&d);
}
END_TEST

static void expect_error(const char *text, const char *fragment)
{
	struct ksp_diff d;
	struct ksp_error err = {0};
	ck_assert_int_eq(parse(text, &d, &err), -1);
	ck_assert_msg(strstr(err.msg, fragment) != NULL, "message '%s' lacks '%s'", err.msg,
		      fragment);
	ck_assert_uint_eq(d.nfiles, 0);
	ck_assert_ptr_null(d.description);
}

START_TEST(malformed_diffs_name_file_and_line)
{
	expect_error("just some text\n", "t.patch: no file changes found");
	expect_error("", "no file changes found");
	expect_error("--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n-a\n+b\n",
		     "t.patch:3: hunk of x.c ends early");
	expect_error("--- a/x.c\n+++ b/x.c\n@@ -1 +1,2 @@\n-a\n b\n+c\n",
		     "t.patch:5: hunk of x.c has more old lines than its header says");
	expect_error("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @ broken\n-a\n+b\n",
		     "t.patch:3: malformed hunk header for x.c");
	expect_error("--- a/x.c\n+++ b/x.c\nno hunks here\n",
		     "t.patch:1: x.c has a header but no hunks");
	expect_error("--- /dev/null\n+++ /dev/null\n@@ -0,0 +0,0 @@\n", "both sides are /dev/null");
	expect_error("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n-a\n*b\n",
		     "t.patch:5: unexpected line");
	expect_error("diff --git a/f b/f\nGIT binary patch\nliteral 1\n", "binary patches");
	static const char nul[] = "--- a/x\0\n";
	struct ksp_diff d;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_diff_parse(nul, sizeof(nul) - 1, "t.patch", &d, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "binary data"));
}
END_TEST

START_TEST(missing_file)
{
	struct ksp_diff d;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_diff_load("/nonexistent.patch", &d, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent.patch: No such file or directory");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("create.diff");
	TCase *tc = tcase_create("diff");
	tcase_add_test(tc, git_format_patch);
	tcase_add_test(tc, crlf_line_ends);
	tcase_add_test(tc, plain_diff_u_with_timestamps_and_new_file);
	tcase_add_test(tc, malformed_diffs_name_file_and_line);
	tcase_add_test(tc, missing_file);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
