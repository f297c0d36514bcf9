/* create.generated_inputs: what a generated file is made from, read from
 * kbuild .cmd files in a small tree laid out as kbuild leaves
 * security/selinux after building flask.h with the genheaders program. */
#include "generated_inputs.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256], dir[320];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", path);
	ck_assert_int_eq(system(dir), 0);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Made by this run: the headers the build generated. */
static int is_new(void *ctx, const char *rel)
{
	(void)ctx;
	return !strcmp(rel, "sel/flask.h") || !strcmp(rel, "sel/av.h") ||
	       !strcmp(rel, "sel/orphan.h") || !strcmp(rel, "sel/uts.h");
}

/* make's rule for sel/orphan.h names sel/include/classmap.h and the
 * directory's Makefile; none for anything else. */
static int prerequisites(void *ctx, const char *rel, struct ksp_strlist *out)
{
	(void)ctx;
	if (strcmp(rel, "sel/orphan.h"))
		return 0;
	return ksp_strlist_push(out, "sel/include/classmap.h", 22) ||
	       ksp_strlist_push(out, "sel/Makefile", 12) || ksp_strlist_push(out, "FORCE", 5);
}

static const struct ksp_made_files made = {is_new, NULL, NULL};
static const struct ksp_made_files made_with_rules = {is_new, prerequisites, NULL};

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/test_generated_inputs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	put("sel/flask.h", "#define X 1\n");
	put("sel/av.h", "#define Y 2\n");
	put("sel/orphan.h", "#define Z 3\n");
	put("sel/hooks.c", "#include \"flask.h\"\n");
	put("sel/Makefile", "obj-y += hooks.o\n");
	/* init/version.o's way: its compile command names the made header it
	 * reads (-include), which says nothing of how the header is made */
	put("sel/uts.h", "#define UTS 1\n");
	put("sel/.version.o.cmd",
	    "cmd_sel/version.o := gcc -include sel/uts.h -c -o sel/version.o sel/version.c\n\n"
	    "deps_sel/version.o := \\\n  sel/include/classmap.h \\\n\n");
	put("sel/.flask.h.cmd", "cmd_sel/flask.h := scripts/gh/genheaders sel/flask.h sel/av.h\n");
	put("sel/.hooks.o.cmd", "cmd_sel/hooks.o := gcc -c -o sel/hooks.o sel/hooks.c\n");
	put("scripts/gh/genheaders", "ELF");
	put("scripts/gh/genheaders.c", "int main(void) { return 0; }\n");
	put("sel/include/classmap.h", "{ \"file\", { \"read\" } },\n");
	put("scripts/gh/.genheaders.cmd",
	    "cmd_scripts/gh/genheaders := gcc -Wp,-MMD,scripts/gh/.genheaders.d -I./sel/include "
	    "-o scripts/gh/genheaders scripts/gh/genheaders.c\n\n"
	    "source_scripts/gh/genheaders := scripts/gh/genheaders.c\n\n"
	    "deps_scripts/gh/genheaders := \\\n"
	    "  sel/include/classmap.h \\\n"
	    "  $(wildcard include/config/SECURITY) \\\n"
	    "  /usr/include/stdio.h \\\n\n"
	    "scripts/gh/genheaders: $(deps_scripts/gh/genheaders)\n\n"
	    "$(deps_scripts/gh/genheaders):\n");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static int has(const struct ksp_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

static void expect_genheaders_inputs(const char *generated)
{
	struct ksp_strlist in = {0};
	ck_assert_int_eq(ksp_generated_inputs(root, generated, &made, &in), 0);
	ck_assert_msg(has(&in, "scripts/gh/genheaders.c"), "%s: genheaders.c", generated);
	ck_assert_msg(has(&in, "sel/include/classmap.h"), "%s: classmap.h", generated);
	/* Not inputs: the program (made: its sources stand for it), the other
	 * output, the file itself, the compiler's headers, options. */
	ck_assert_int_eq(in.n, 2);
	ksp_strlist_free(&in);
}

START_TEST(own_cmd_followed_to_the_program_sources)
{
	expect_genheaders_inputs("sel/flask.h");
}
END_TEST

START_TEST(side_output_found_through_its_directory)
{
	expect_genheaders_inputs("sel/av.h");
}
END_TEST

START_TEST(unknown_when_no_cmd_tells)
{
	struct ksp_strlist in = {0};
	ck_assert_int_eq(ksp_generated_inputs(root, "sel/orphan.h", &made, &in), -1);
	ck_assert_int_eq(ksp_generated_inputs(root, "sel/uts.h", &made, &in), -1);
	/* a source kbuild did not make is not a generated file */
	ck_assert_int_eq(ksp_generated_inputs(root, "sel/hooks.c", &made, &in), -1);
	ksp_strlist_free(&in);
}
END_TEST

START_TEST(program_without_cmd_is_a_source)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/scripts/gh/.genheaders.cmd", root);
	ck_assert_int_eq(unlink(path), 0);
	struct ksp_strlist in = {0};
	ck_assert_int_eq(ksp_generated_inputs(root, "sel/flask.h", &made, &in), 0);
	/* a program that existed before (prepared tree) without a .cmd is a
	 * source: its own bytes are the input */
	ck_assert(has(&in, "scripts/gh/genheaders"));
	ksp_strlist_free(&in);
}
END_TEST

START_TEST(made_without_cmd_from_make_rules)
{
	struct ksp_strlist in = {0};
	ck_assert_int_eq(ksp_generated_inputs(root, "sel/orphan.h", &made_with_rules, &in), 0);
	ck_assert(has(&in, "sel/include/classmap.h"));
	ck_assert(has(&in, "sel/Makefile"));
	ck_assert_int_eq(in.n, 2); /* FORCE names no file */
	ksp_strlist_free(&in);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("generated_inputs");
	TCase *tc = tcase_create("cmd_files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, own_cmd_followed_to_the_program_sources);
	tcase_add_test(tc, side_output_found_through_its_directory);
	tcase_add_test(tc, unknown_when_no_cmd_tells);
	tcase_add_test(tc, program_without_cmd_is_a_source);
	tcase_add_test(tc, made_without_cmd_from_make_rules);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
