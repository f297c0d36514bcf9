/* matcher.layout: data layout changes found in C source before a build. */
#include "layout.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "" when no layout changes, else the type's name. */
static const char *changed(const char *pre, const char *post)
{
	static char out[256];
	int rc = ksp_layout_changed(pre, post, NULL, out, sizeof(out));
	ck_assert_int_ge(rc, 0);
	return rc ? out : "";
}

static const char *const base =
	"#define WRAP(x) { x }\n"
	"struct kprobe_entry {\n"
	"\tstruct list_head list; /* the list */\n"
	"\tunsigned long start_addr;\n"
	"#ifdef CONFIG_X\n"
	"\tint x;\n"
	"#endif\n"
	"};\n"
	"static const struct kprobe_entry table = { .start_addr = 1 };\n"
	"typedef union __attribute__((packed)) u32_bits { int i; char c[4]; } bits_t;\n"
	"int f(void) { struct local { int a; } l = { 1 }; return l.a; }\n";

static const char *with(const char *from, const char *to)
{
	static char text[2048];
	const char *at = strstr(base, from);
	ck_assert_ptr_nonnull(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	return text;
}

START_TEST(member_added_or_retyped)
{
	ck_assert_str_eq(
		changed(base, with("\tunsigned long start_addr;\n",
				   "\tunsigned long start_addr;\n\tstruct rcu_head rcu;\n")),
		"struct kprobe_entry");
	ck_assert_str_eq(changed(base, with("int i; char c[4];", "long i; char c[4];")),
			 "union u32_bits");
	ck_assert_str_eq(changed(base, with("#ifdef CONFIG_X", "#ifdef CONFIG_Y")),
			 "struct kprobe_entry");
}
END_TEST

START_TEST(not_a_layout_change)
{
	ck_assert_str_eq(changed(base, with("/* the list */", "/* the kprobe list */")), "");
	ck_assert_str_eq(changed(base, with("\tunsigned long start_addr;\n",
					    "\tunsigned long\n\t\tstart_addr;\n")),
			 "");
	ck_assert_str_eq(changed(base, with(".start_addr = 1", ".start_addr = 2")), "");
	ck_assert_str_eq(changed(base, with("return l.a;", "return l.a + 1;")), "");
	ck_assert_str_eq(changed(base, with("struct local { int a; }", "struct local { long a; }")),
			 "");
	ck_assert_str_eq(changed(base, with("#define WRAP(x) { x }", "#define WRAP(x) { (x) }")),
			 "");
	/* a type the patch adds is not existing data */
	ck_assert_str_eq(
		changed(base, with("int f(void)", "struct fresh { int a; };\nint f(void)")), "");
}
END_TEST

/* kcsan-checks.h: the real definition and an empty stand-in for kernels
 * without KCSAN, in two branches of an #ifdef. */
START_TEST(one_definition_per_ifdef_branch)
{
	static const char *const pre =
		"#ifdef CONFIG_KCSAN\n"
		"struct kcsan_scoped_access { int stack_depth; size_t size; };\n"
		"#define kcsan_check_write(p, s) check(p, s)\n"
		"#else\n"
		"struct kcsan_scoped_access { };\n"
		"#endif\n";
	static const char *const macro_only =
		"#ifdef CONFIG_KCSAN\n"
		"struct kcsan_scoped_access { int stack_depth; size_t size; };\n"
		"#define kcsan_check_write(p, s) check(absolute_pointer(p), s)\n"
		"#else\n"
		"struct kcsan_scoped_access { };\n"
		"#endif\n";
	static const char *const stand_in =
		"#ifdef CONFIG_KCSAN\n"
		"struct kcsan_scoped_access { int stack_depth; size_t size; };\n"
		"#else\n"
		"struct kcsan_scoped_access { int unused; };\n"
		"#endif\n";
	static const char *const one_gone =
		"struct kcsan_scoped_access { int stack_depth; size_t size; };\n";
	ck_assert_str_eq(changed(pre, macro_only), "");
	ck_assert_str_eq(changed(pre, stand_in), "struct kcsan_scoped_access");
	ck_assert_str_eq(changed(pre, one_gone), "struct kcsan_scoped_access");
	/* A function that returns a struct is not the struct's definition. */
	ck_assert_str_eq(
		changed("struct timespec64 current_time(struct inode *i)\n{\n\treturn a;\n}\n",
			"struct timespec64 current_time(struct inode *i)\n{\n\treturn b;\n}\n"),
		"");
}
END_TEST

/* A .config in a temporary tree. */
static void load_config(const char *text, struct ksp_kconfig *k, char *dir)
{
	strcpy(dir, "/tmp/test_layout.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/.config", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	struct ksp_error err;
	ck_assert_int_eq(ksp_kconfig_load(dir, k, &err), 0);
	unlink(path);
	rmdir(dir);
}

START_TEST(kconfig_conditions)
{
	struct ksp_kconfig k;
	char dir[64];
	load_config("# CONFIG_LOCKDEP is not set\nCONFIG_KPROBES=y\nCONFIG_CXL_BUS=m\n"
		    "CONFIG_NR_CPUS=8192\n",
		    &k, dir);
#define COND(text) ksp_kconfig_condition(&k, text, strlen(text))
	ck_assert_int_eq(COND("ifdef CONFIG_LOCKDEP"), 0);
	ck_assert_int_eq(COND("ifndef CONFIG_LOCKDEP"), 1);
	ck_assert_int_eq(COND("ifdef CONFIG_KPROBES"), 1);
	ck_assert_int_eq(COND("ifdef CONFIG_CXL_BUS"), 0);
	ck_assert_int_eq(COND("if IS_ENABLED(CONFIG_CXL_BUS)"), 1);
	ck_assert_int_eq(COND("if IS_BUILTIN(CONFIG_CXL_BUS)"), 0);
	ck_assert_int_eq(COND("if !defined(CONFIG_KPROBES)"), 0);
	ck_assert_int_eq(COND("if defined CONFIG_NR_CPUS"), 1);
	ck_assert_int_eq(COND("if CONFIG_NR_CPUS > 64"), -1);
	ck_assert_int_eq(COND("if defined(CONFIG_KPROBES) && defined(CONFIG_X)"), -1);
	ck_assert_int_eq(COND("ifndef __LINUX_LOCKDEP_H"), -1);
	ck_assert_int_eq(ksp_kconfig_condition(NULL, "ifdef CONFIG_KPROBES", 20), -1);
#undef COND
	ksp_kconfig_free(&k);
}
END_TEST

/* lockdep.h's struct held_lock changes, but only kernels with LOCKDEP
 * compile it. */
START_TEST(compiled_out_by_the_configuration)
{
	static const char *const fmt =
		"#ifndef __LINUX_LOCKDEP_H\n#define __LINUX_LOCKDEP_H\n"
		"#ifdef CONFIG_LOCKDEP\n"
		"struct held_lock {\n\tunsigned int %s;\n};\n"
		"#else\nstatic inline void lockdep_off(void) { }\n#endif\n"
		"#if IS_ENABLED(CONFIG_KPROBES)\nstruct kp { int %s; };\n#endif\n"
		"#endif\n";
	char pre[512], post[512], out[128], dir[64];
	struct ksp_kconfig off, on;
	load_config("CONFIG_KPROBES=y\n", &off, dir);
	load_config("CONFIG_KPROBES=y\nCONFIG_LOCKDEP=y\n", &on, dir);
	snprintf(pre, sizeof(pre), fmt, "references:12", "a");
	snprintf(post, sizeof(post), fmt, "sync:1, references:11", "a");
	ck_assert_int_eq(ksp_layout_changed(pre, post, &off, out, sizeof(out)), 0);
	ck_assert_int_eq(ksp_layout_changed(pre, post, &on, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "struct held_lock");
	ck_assert_int_eq(ksp_layout_changed(pre, post, NULL, out, sizeof(out)), 1);
	snprintf(post, sizeof(post), fmt, "references:12", "b");
	ck_assert_int_eq(ksp_layout_changed(pre, post, &off, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "struct kp");
	ksp_kconfig_free(&off);
	ksp_kconfig_free(&on);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("matcher.layout");
	TCase *tc = tcase_create("layout");
	tcase_add_test(tc, member_added_or_retyped);
	tcase_add_test(tc, not_a_layout_change);
	tcase_add_test(tc, one_definition_per_ifdef_branch);
	tcase_add_test(tc, kconfig_conditions);
	tcase_add_test(tc, compiled_out_by_the_configuration);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
