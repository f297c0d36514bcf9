/* matcher.bad_input: objects the reader must refuse with a clear message,
 * never a crash; pairs that are not pre and post of one file. */
#include "check_run.h"
#include "matcher_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/ksplice-matcher-bad.XXXXXX";

static void sh(const char *fmt, const char *arg)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), fmt, dir, arg);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void setup(void)
{
	strcpy(dir, "/tmp/ksplice-matcher-bad.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	sh("cd %s && mkdir a b && printf '%s' > a/x.c && cp a/x.c b/x.c && "
	   "gcc -O2 -ffunction-sections -fdata-sections -c a/x.c -o a/x.o && "
	   "cd b && gcc -O2 -ffunction-sections -fdata-sections -c x.c -o x.o",
	   "int f(int a) { return a + 1; }\\nint g = 3;\\n");
}

static void teardown(void)
{
	sh("rm -rf %s%s", "");
}

static void expect_open_error(const char *rel, const char *words)
{
	char path[1024];
	struct ksp_obj obj;
	struct ksp_error err = {0};
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_int_eq(ksp_obj_open(path, &obj, &err), -1);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, words), "%s: %s", rel, err.msg);
}

START_TEST(truncated_file)
{
	sh("cd %s && head -c 300 a/x.o > t300.o && head -c 0 a/x.o > t0.o%s", "");
	expect_open_error("t300.o", "truncated or corrupt");
	expect_open_error("t0.o", "not an object file");
	expect_open_error("missing.o", "No such file");
	expect_open_error("a", "is a directory");
}
END_TEST

/* Every prefix of a real object, from memory: an error or a result, and
 * never a crash (the fuzz target explores further). */
START_TEST(every_truncation)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/a/x.o", dir);
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	static unsigned char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_gt(n, 500);
	size_t failures = 0;
	for (size_t len = 0; len < n; len++) {
		struct ksp_obj obj;
		struct ksp_error err = {0};
		if (ksp_obj_open_mem("prefix", buf, len, &obj, &err) == 0)
			ksp_obj_free(&obj);
		else
			failures++;
	}
	ck_assert_uint_gt(failures, n / 2);
}
END_TEST

START_TEST(not_elf)
{
	expect_open_error("a/x.c", "not an object file");
}
END_TEST

START_TEST(wrong_architecture)
{
	sh("cd %s && echo nop | as --32 -o i386.o && echo nop | as --x32 -o x32.o%s", "");
	expect_open_error("i386.o", "32-bit");
	expect_open_error("x32.o", "not x86-64");
	/* e_machine = EM_AARCH64 in an otherwise valid x86-64 object */
	sh("cd %s && cp a/x.o arm.o && printf '\\267\\000' | dd of=arm.o bs=1 seek=18 "
	   "conv=notrunc status=none%s",
	   "");
	expect_open_error("arm.o", "not x86-64");
}
END_TEST

START_TEST(unrelated_pair)
{
	sh("cd %s && printf '%s' > y.c && gcc -O2 -ffunction-sections -c y.c -o y.o",
	   "int other(int a) { return a * 2; }\\n");
	sh("cd %s && mkdir c && printf '%s' > c/x.c && cd c && gcc -O2 -ffunction-sections "
	   "-c x.c -o x.o",
	   "int something_else(int a) { return a * 2; }\\n");
	const char *pairs[][2] = {{"a/x.o", "y.o"}, {"a/x.o", "c/x.o"}};
	for (int i = 0; i < 2; i++) {
		char p1[1024], p2[1024];
		struct ksp_obj a, b;
		struct mt_plan plan;
		struct ksp_error err = {0};
		snprintf(p1, sizeof(p1), "%s/%s", dir, pairs[i][0]);
		snprintf(p2, sizeof(p2), "%s/%s", dir, pairs[i][1]);
		ck_assert_int_eq(ksp_obj_open(p1, &a, &err), 0);
		ck_assert_int_eq(ksp_obj_open(p2, &b, &err), 0);
		ck_assert_int_eq(mt_compare(&a, &b, NULL, &plan, &err), -1);
		ck_assert_msg(strstr(err.msg, "unrelated"), "%s", err.msg);
		ksp_obj_free(&a);
		ksp_obj_free(&b);
	}
}
END_TEST

static int objdiff_status(const char *args)
{
	char cmd[4096];
	const char *tool = getenv("KSPLICE_OBJDIFF");
	ck_assert_ptr_nonnull(tool);
	snprintf(cmd, sizeof(cmd), "cd %s && %s %s > out.txt 2> err.txt", dir, tool, args);
	int st = system(cmd);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(command_statuses)
{
	ck_assert_int_eq(objdiff_status("a/x.o b/x.o"), 0);
	ck_assert_int_eq(objdiff_status("--json a/x.o b/x.o"), 0);
	sh("grep -q '\"patchable\":true' %s/out.txt%s", "");
	sh("! command -v python3 >/dev/null || python3 -c 'import json; "
	   "json.load(open(\"%s/out.txt\"))'%s",
	   "");
	ck_assert_int_eq(objdiff_status("a/x.c b/x.o"), 3);
	sh("grep -q 'a/x.c: not an object file' %s/err.txt%s", "");
	ck_assert_int_eq(objdiff_status("/dev/null b/x.o"), 1);
	ck_assert_int_eq(objdiff_status("a/x.o"), 2);
	sh("cd %s && printf '%s' > y.c && gcc -O2 -ffunction-sections -c y.c -o y.o",
	   "int other(int a) { return a * 2; }\\n");
	ck_assert_int_eq(objdiff_status("a/x.o y.o"), 4);
	ck_assert_int_eq(objdiff_status("--help"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("matcher.bad_input");
	TCase *tc = tcase_create("bad_input");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, truncated_file);
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, not_elf);
	tcase_add_test(tc, wrong_architecture);
	tcase_add_test(tc, unrelated_pair);
	tcase_add_test(tc, command_statuses);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
