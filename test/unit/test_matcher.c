/* matcher.*: small C pairs compiled now with gcc -O2 -ffunction-sections
 * -fdata-sections, compared, and the plan's exact sets checked; bad input. */
#include "check_run.h"
#include "matcher_fixture.h"

#include <unistd.h>

static char workdir[] = "/tmp/ksplice-matcher-test.XXXXXX";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void compile(const char *side, const char *source, const char *flags)
{
	char cmd[4096], path[1024];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/%s", workdir, side);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s/x.c", workdir, side);
	write_text(path, source);
	snprintf(cmd, sizeof(cmd),
		 "cd %s/%s && gcc -O2 -ffunction-sections -fdata-sections %s -c x.c -o x.o",
		 workdir, side, flags);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void open_side(const char *side, struct ksp_obj *obj)
{
	char path[1024];
	struct ksp_error err = {0};
	snprintf(path, sizeof(path), "%s/%s/x.o", workdir, side);
	ck_assert_msg(ksp_obj_open(path, obj, &err) == 0, "%s", err.msg);
}

/* Compiles both versions (with extra flags) and compares them; plan must be
 * freed. */
static void compare_sources_with(const char *pre_src, const char *post_src, const char *flags,
				 struct mt_plan *plan)
{
	struct ksp_obj pre, post;
	struct ksp_error err = {0};
	compile("pre", pre_src, flags);
	compile("post", post_src, flags);
	open_side("pre", &pre);
	open_side("post", &post);
	ck_assert_msg(mt_compare(&pre, &post, NULL, plan, &err) == 0, "%s", err.msg);
	ksp_obj_free(&pre);
	ksp_obj_free(&post);
}

/* Code generation flags as the kernel's: ftrace call sites, no PIC. */
#define KERNEL_LIKE "-pg -mfentry -fno-pie"

static void compare_sources(const char *pre_src, const char *post_src, struct mt_plan *plan)
{
	compare_sources_with(pre_src, post_src, "", plan);
}

static void setup(void)
{
	strcpy(workdir, "/tmp/ksplice-matcher-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(workdir));
}

static void teardown(void)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", workdir);
	ck_assert_int_eq(system(cmd), 0);
}

#define BASE                                                                                       \
	"extern int sink(int);\n"                                                                  \
	"int alpha(int a) { return sink(a) + 1; }\n"                                               \
	"int beta(int a) { return sink(a * 3) - 2; }\n"                                            \
	"int gamma_(int a) { return sink(a ^ 5); }\n"

START_TEST(one_changed_function)
{
	struct mt_plan plan;
	compare_sources(BASE,
			"extern int sink(int);\n"
			"int alpha(int a) { return sink(a) + 1; }\n"
			"int beta(int a) { return sink(a * 7) - 2; }\n"
			"int gamma_(int a) { return sink(a ^ 5); }\n",
			&plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "beta");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "alpha gamma_");
	EXPECT_FUNCS(&plan, MT_NEW, "");
	EXPECT_FUNCS(&plan, MT_DELETED, "");
	EXPECT_REFUSED(&plan, "");
	ck_assert_ptr_nonnull(strstr(plan_func(&plan, "beta")->difference, "+0x"));
	mt_plan_free(&plan);
}
END_TEST

START_TEST(static_inline_and_callers)
{
	struct mt_plan plan;
	const char *pre = "extern int sink(int);\n"
			  "static inline int sq(int x) { return x * x + 1; }\n"
			  "int f1(int a) { return sink(sq(a) + 3); }\n"
			  "int f2(int a) { return sink(sq(a) * 2); }\n"
			  "int f3(int a) { return sink(a - 9); }\n";
	const char *post = "extern int sink(int);\n"
			   "static inline int sq(int x) { return x * x + 2; }\n"
			   "int f1(int a) { return sink(sq(a) + 3); }\n"
			   "int f2(int a) { return sink(sq(a) * 2); }\n"
			   "int f3(int a) { return sink(a - 9); }\n";
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "f1 f2");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "f3");
	EXPECT_FUNCS(&plan, MT_NEW, "");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(new_function)
{
	struct mt_plan plan;
	compare_sources(BASE, BASE "int delta(int a) { return sink(a + 100); }\n", &plan);
	EXPECT_FUNCS(&plan, MT_NEW, "delta");
	EXPECT_FUNCS(&plan, MT_CHANGED, "");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "alpha beta gamma_");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(deleted_function)
{
	struct mt_plan plan;
	compare_sources(BASE,
			"extern int sink(int);\n"
			"int alpha(int a) { return sink(a) + 1; }\n"
			"int gamma_(int a) { return sink(a ^ 5); }\n",
			&plan);
	EXPECT_FUNCS(&plan, MT_DELETED, "beta");
	EXPECT_FUNCS(&plan, MT_CHANGED, "");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "alpha gamma_");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(changed_string_literal)
{
	struct mt_plan plan;
	const char *pre = "extern int use(const char *);\n"
			  "int greet(void) { return use(\"hello world\"); }\n"
			  "int other(void) { return use(\"unchanged text\"); }\n";
	const char *post = "extern int use(const char *);\n"
			   "int greet(void) { return use(\"hello World\"); }\n"
			   "int other(void) { return use(\"unchanged text\"); }\n";
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "greet");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "other");
	const char *why = plan_func(&plan, "greet")->difference;
	ck_assert_msg(strstr(why, "\"hello World\"") && strstr(why, "\"hello world\""), "%s", why);
	mt_plan_free(&plan);
}
END_TEST

START_TEST(changed_cst16_constant)
{
	struct mt_plan plan;
	const char *fmt = "typedef float v4 __attribute__((vector_size(16)));\n"
			  "v4 scale(v4 x) { v4 c = {1.0f, 2.0f, 3.0f, %s}; return x * c; }\n"
			  "v4 keep(v4 x) { v4 c = {9.0f, 8.0f, 7.0f, 6.0f}; return x + c; }\n";
	char pre[512], post[512];
	snprintf(pre, sizeof(pre), fmt, "4.0f");
	snprintf(post, sizeof(post), fmt, "5.0f");
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "scale");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "keep");
	const char *why = plan_func(&plan, "scale")->difference;
	ck_assert_msg(strstr(why, "constant"), "%s", why);
	mt_plan_free(&plan);
}
END_TEST

START_TEST(static_local_kept_and_added)
{
	struct mt_plan plan;
	const char *pre = "int counter(void) { static int n; return ++n; }\n";
	const char *post = "int counter(void) { static int n; return ++n; }\n"
			   "int counter2(void) { static int n = 3; return n += 2; }\n";
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "counter");
	EXPECT_FUNCS(&plan, MT_NEW, "counter2");
	ck_assert_uint_eq(plan.ndata, 2);
	EXPECT_REFUSED(&plan, "");
	/* gcc renumbers: the kept static is found by its use, whatever its
	 * number became. */
	int kept = 0, added = 0;
	for (size_t i = 0; i < plan.ndata; i++) {
		const struct mt_data *d = &plan.data[i];
		ck_assert(strncmp(d->name, "n.", 2) == 0);
		kept += d->state == MT_UNCHANGED && strcmp(d->pre_name, "n.0") == 0;
		added += d->state == MT_NEW;
	}
	ck_assert_int_eq(kept, 1);
	ck_assert_int_eq(added, 1);
	mt_plan_free(&plan);

	/* Uses in another order in a changed function still correlate, with
	 * namesakes elsewhere (so base names alone cannot pair them). */
	compare_sources("int f(int a) { static int x, y; x += a; y -= a; return x + y; }\n",
			"int g(void) { static int x = 1, y = 2; return x++ + y--; }\n"
			"int f(int a) { static int x, y; y -= a; x += 2 * a; return x * y; }\n",
			&plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "f");
	EXPECT_FUNCS(&plan, MT_NEW, "g");
	kept = added = 0;
	for (size_t i = 0; i < plan.ndata; i++) {
		kept += plan.data[i].state == MT_UNCHANGED;
		added += plan.data[i].state == MT_NEW;
		ck_assert_int_ne(plan.data[i].state, MT_DELETED);
	}
	ck_assert_int_eq(kept, 2);
	ck_assert_int_eq(added, 2);
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(new_global)
{
	struct mt_plan plan;
	compare_sources("int gvar = 5;\nint get(void) { return gvar; }\n",
			"int gvar = 5;\nint gnew = 7;\n"
			"int get(void) { return gvar; }\nint get2(void) { return gnew; }\n",
			&plan);
	EXPECT_DATA(&plan, MT_NEW, "gnew");
	EXPECT_DATA(&plan, MT_UNCHANGED, "gvar");
	EXPECT_FUNCS(&plan, MT_NEW, "get2");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(changed_initializer_refused)
{
	struct mt_plan plan;
	compare_sources("int gvar = 5;\nint get(void) { return gvar; }\n",
			"int gvar = 6;\nint get(void) { return gvar; }\n", &plan);
	EXPECT_DATA(&plan, MT_CHANGED, "gvar");
	EXPECT_REFUSED(&plan, "gvar");
	ck_assert_ptr_nonnull(strstr(plan_refusal(&plan, "gvar"), "initializer"));
	mt_plan_free(&plan);
}
END_TEST

START_TEST(changed_rodata)
{
	struct mt_plan plan;
	const char *fmt = "static const int table[4] = {1, 2, 3, %d};\n"
			  "int lookup(int i) { return table[i & 3]; }\n"
			  "int other(int i) { return i * 2; }\n"
			  "struct ops { int (*fn)(int); const int *t; };\n"
			  "static const int shared[4] = {5, 6, 7, %d};\n"
			  "const struct ops ops = { other, shared };\n"
			  "int via(int i) { return shared[i & 3]; }\n"
			  "const int exported_limit[2] = {10, %d};\n";
	char pre[1024], post[1024];
	/* used only by code: allowed, its users change */
	snprintf(pre, sizeof(pre), fmt, 4, 8, 20);
	snprintf(post, sizeof(post), fmt, 5, 8, 20);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "lookup");
	EXPECT_DATA(&plan, MT_CHANGED, "table");
	EXPECT_REFUSED(&plan, "");
	ck_assert_ptr_nonnull(strstr(plan_func(&plan, "lookup")->difference, "table"));
	mt_plan_free(&plan);
	/* used by data, or visible outside the object: refused */
	snprintf(post, sizeof(post), fmt, 4, 9, 21);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "via");
	EXPECT_REFUSED(&plan, "shared exported_limit");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(kernel_table_entry_refused)
{
	struct mt_plan plan;
	const char *fmt =
		"struct param { const char *name; int perm; };\n"
		"static const struct param __param_x __attribute__((section(\"__param\"), "
		"used)) = {\"x\", %s};\n"
		"int get(void) { return 1; }\n";
	char pre[512], post[512];
	snprintf(pre, sizeof(pre), fmt, "0644");
	snprintf(post, sizeof(post), fmt, "0600");
	compare_sources(pre, post, &plan);
	EXPECT_DATA(&plan, MT_CHANGED, "__param_x");
	EXPECT_REFUSED(&plan, "__param_x");
	ck_assert_ptr_nonnull(strstr(plan_refusal(&plan, "__param_x"), "kernel table __param"));
	mt_plan_free(&plan);
}
END_TEST

/* module_param() in built-in code puts __UNIQUE_ID_<name><__COUNTER__>
 * entries in .modinfo: a patch that adds a use of __COUNTER__ above them
 * renumbers them without changing them. */
START_TEST(unique_id_renumbered)
{
	struct mt_plan plan;
	const char *fmt = "static const char __UNIQUE_ID_debug_stats%d[] "
			  "__attribute__((section(\".modinfo\"), used)) = \"parm=debug_stats\";\n"
			  "extern int sink(int);\n"
			  "int get(int x) { return sink(x * %d) + 1; }\n";
	char pre[512], post[512];
	snprintf(pre, sizeof(pre), fmt, 443, 1);
	snprintf(post, sizeof(post), fmt, 440, 3);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "get");
	EXPECT_DATA(&plan, MT_NEW, "");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
}
END_TEST

/* Several entries of one base name (three MODULE_ALIAS lines of a module's
 * main file: __UNIQUE_ID_alias733..735), renumbered by a __COUNTER__ use a
 * header adds above them: paired in order, compared by content. */
START_TEST(unique_ids_of_one_name_renumbered)
{
	struct mt_plan plan;
	const char *fmt = "static const char __UNIQUE_ID_alias%d[] "
			  "__attribute__((section(\".modinfo\"), used)) = \"alias=a\";\n"
			  "static const char __UNIQUE_ID_alias%d[] "
			  "__attribute__((section(\".modinfo\"), used)) = \"alias=b\";\n"
			  "static const char __UNIQUE_ID_alias%d[] "
			  "__attribute__((section(\".modinfo\"), used)) = \"alias=%s\";\n"
			  "int get(int x) { return x + 1; }\n";
	char pre[1024], post[1024];
	snprintf(pre, sizeof(pre), fmt, 733, 734, 735, "c");
	snprintf(post, sizeof(post), fmt, 734, 735, 736, "c");
	compare_sources(pre, post, &plan);
	EXPECT_DATA(&plan, MT_NEW, "");
	EXPECT_DATA(&plan, MT_DELETED, "");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
	/* A changed entry is still a changed entry of a kernel table. */
	snprintf(post, sizeof(post), fmt, 734, 735, 736, "d");
	compare_sources(pre, post, &plan);
	ck_assert_uint_gt(plan.nrefusals, 0);
	mt_plan_free(&plan);
}
END_TEST

/* pr_debug's descriptor is a static local named by __UNIQUE_ID(): gcc
 * adds its own number too (__UNIQUE_ID_ddebug949.0); a __COUNTER__ use
 * added above it renumbers the first part only. */
START_TEST(unique_id_static_local_renumbered)
{
	struct mt_plan plan;
	const char *fmt = "extern void use(const void *p);\n"
			  "int get(int x)\n{\n\tstatic int __UNIQUE_ID_ddebug%d = 7;\n"
			  "\tuse(&__UNIQUE_ID_ddebug%d);\n\treturn x + 1;\n}\n";
	char pre[512], post[512];
	snprintf(pre, sizeof(pre), fmt, 949, 949);
	snprintf(post, sizeof(post), fmt, 950, 950);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "");
	EXPECT_DATA(&plan, MT_NEW, "");
	EXPECT_DATA(&plan, MT_DELETED, "");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(warn_line_moved)
{
	struct mt_plan plan;
	const char *fmt = "extern void warn_slowpath_fmt(const char *file, int line, unsigned "
			  "taint, const char *fmt, ...);\n"
			  "int check(int x)\n{\n%s"
			  "\tif (x > 3)\n"
			  "\t\twarn_slowpath_fmt(__FILE__, __LINE__, 9, \"x=%%d\", x);\n"
			  "\treturn x;\n}\n";
	char pre[1024], post[1024];
	snprintf(pre, sizeof(pre), fmt, "");
	snprintf(post, sizeof(post), fmt, "\t/* one line down */\n");
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "check");
	EXPECT_FUNCS(&plan, MT_CHANGED, "");
	ck_assert(plan_func(&plan, "check")->line_only);
	mt_plan_free(&plan);

	/* The same constant passed elsewhere is a real change. */
	snprintf(post, sizeof(post),
		 "extern int sink(const char *file, int line);\n"
		 "int check(int x)\n{\n\tif (x > 3)\n\t\tsink(__FILE__, %d);\n\treturn x;\n}\n",
		 99);
	snprintf(pre, sizeof(pre),
		 "extern int sink(const char *file, int line);\n"
		 "int check(int x)\n{\n\tif (x > 3)\n\t\tsink(__FILE__, %d);\n\treturn x;\n}\n",
		 98);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "check");
	mt_plan_free(&plan);
}
END_TEST

/* A kernel-style bug table entry (bug_entry with CONFIG_DEBUG_BUGVERBOSE:
 * address, file, line, flags) for a ud2. */
#define BUG_FIXTURE                                                                                \
	"#define BUGLIKE(flags) asm volatile(\"1: ud2\\n\" "                                       \
	"\".pushsection .rodata.str1.1,\\\"aMS\\\",@progbits,1\\n\" "                              \
	"\"3: .string \\\"x.c\\\"\\n.popsection\\n\" "                                             \
	"\".pushsection __bug_table,\\\"aw\\\"\\n\" "                                              \
	"\".long 1b - .\\n.long 3b - .\\n.word %%c0\\n.word %%c1\\n.popsection\" "                 \
	":: \"i\"(__LINE__), \"i\"(flags))\n"                                                      \
	"int checked(int x)\n{\n%s\tif (x > 3)\n\t\tBUGLIKE(%d);\n\treturn x;\n}\n"

START_TEST(bug_table_line_only)
{
	struct mt_plan plan;
	char pre[2048], post[2048];
	snprintf(pre, sizeof(pre), BUG_FIXTURE, "", 0);
	snprintf(post, sizeof(post), BUG_FIXTURE, "\t/* one line down */\n", 0);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "checked");
	ck_assert(plan_func(&plan, "checked")->line_only);
	mt_plan_free(&plan);

	/* The same code with other bug flags (WARN_ONCE's, say) changed. */
	snprintf(post, sizeof(post), BUG_FIXTURE, "", 1);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "checked");
	const char *why = plan_func(&plan, "checked")->difference;
	ck_assert_msg(strstr(why, "__bug_table"), "%s", why);
	mt_plan_free(&plan);
}
END_TEST

#define CLONES                                                                                     \
	"struct big { int a, b, c, d; };\n"                                                        \
	"extern void report(const char *msg) __attribute__((cold));\n"                             \
	"extern int sink(int);\n"                                                                  \
	"static __attribute__((noinline)) int field_sum(struct big *p, int k)\n"                   \
	"{ return p->a * k " CLONE_OP " p->b; }\n"                                                 \
	"int use_isra(int x)\n"                                                                    \
	"{ struct big b = { x, x + 1, 0, 0 }; return field_sum(&b, 3) + sink(x); }\n"              \
	"static __attribute__((noinline)) int scale(int v, int factor)\n"                          \
	"{ return sink(v * factor) + factor; }\n"                                                  \
	"int use_constprop1(int x) { return scale(x, 7); }\n"                                      \
	"int use_constprop2(int x) { return scale(x + 1, 7); }\n"                                  \
	"int check(int x)\n{\n"                                                                    \
	"\tif (__builtin_expect(x < 0, 0)) {\n"                                                    \
	"\t\treport(\"negative\");\n"                                                              \
	"\t\treturn sink(-x) * " CLONE_K ";\n\t}\n"                                                \
	"\treturn sink(x) + 1;\n}\n"

/* The names of the functions gcc made of field_sum and scale. */
static void clone_names(const struct mt_plan *plan, const char **isra, const char **constprop)
{
	*isra = *constprop = NULL;
	for (size_t i = 0; i < plan->nfuncs; i++) {
		const struct mt_func *f = &plan->funcs[i];
		if (!strncmp(f->name, "field_sum.", 10))
			*isra = f->name;
		if (!strncmp(f->name, "scale.", 6))
			*constprop = f->name;
	}
	ck_assert_msg(*isra && strstr(*isra, ".isra."), "no .isra clone of field_sum");
	ck_assert_msg(*constprop && strstr(*constprop, ".constprop."), "no .constprop clone");
}

START_TEST(gcc_clones)
{
	struct mt_plan plan;
#define CLONE_OP "+"
#define CLONE_K "3"
	const char *pre = CLONES;
#undef CLONE_OP
#undef CLONE_K
#define CLONE_OP "-"
#define CLONE_K "5"
	const char *post = CLONES;
	/* As the kernel compiles (-pg -mfentry, no PIC): the changed clone, the
	 * changed .cold part and its parent. */
	compare_sources_with(pre, post, KERNEL_LIKE, &plan);
	const char *isra, *constprop;
	clone_names(&plan, &isra, &constprop);
	char expected[1024];
	snprintf(expected, sizeof(expected), "check check.cold %s", isra);
	EXPECT_FUNCS(&plan, MT_CHANGED, expected);
	EXPECT_FUNCS(&plan, MT_NEW, "");
	snprintf(expected, sizeof(expected), "use_isra use_constprop1 use_constprop2 %s",
		 constprop);
	EXPECT_FUNCS(&plan, MT_UNCHANGED, expected);
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);

	/* Without -pg, gcc's -fipa-ra may let use_isra rely on the clone's
	 * register use: it is replaced too. */
	compare_sources(pre, post, &plan);
	clone_names(&plan, &isra, &constprop);
	snprintf(expected, sizeof(expected), "check check.cold use_isra %s", isra);
	EXPECT_FUNCS(&plan, MT_CHANGED, expected);
	ck_assert_ptr_nonnull(strstr(plan_func(&plan, "use_isra")->difference, "ipa-ra"));
	mt_plan_free(&plan);
}
END_TEST

START_TEST(init_change_refused)
{
	struct mt_plan plan;
	const char *fmt = "extern int sink(int);\n"
			  "__attribute__((section(\".init.text\"))) int setup(void) "
			  "{ return sink(%d); }\n"
			  "int run(void) { return sink(1); }\n";
	char pre[512], post[512];
	snprintf(pre, sizeof(pre), fmt, 10);
	snprintf(post, sizeof(post), fmt, 11);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "setup");
	EXPECT_REFUSED(&plan, "setup");
	ck_assert_ptr_nonnull(strstr(plan_refusal(&plan, "setup"), "__init"));
	mt_plan_free(&plan);
}
END_TEST

/* A changed function that now uses __init data (freed after boot) is
 * refused, naming the data; one that leaves it alone is not. */
START_TEST(init_reference_refused)
{
	struct mt_plan plan;
	const char *common = "extern int sink(int);\n"
			     "__attribute__((section(\".init.scratch\"))) int area[64];\n"
			     "__attribute__((section(\".init.text\"))) int setup(void) "
			     "{ return sink(area[3]); }\n";
	char pre[512], post[512];
	snprintf(pre, sizeof(pre), "%sint run(int i) { return sink(i); }\n", common);
	snprintf(post, sizeof(post), "%sint run(int i) { return sink(area[i]); }\n", common);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "run");
	EXPECT_REFUSED(&plan, "run");
	ck_assert_ptr_nonnull(strstr(plan_refusal(&plan, "run"), ".init.scratch"));
	mt_plan_free(&plan);
	snprintf(post, sizeof(post), "%sint run(int i) { return sink(i + 1); }\n", common);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "run");
	ck_assert_uint_eq(plan.nrefusals, 0);
	mt_plan_free(&plan);
}
END_TEST

/* 6.12's mem_encrypt_identity.c: a changed __head function shares
 * .head.text with one that uses the .init.scratch work area; the update
 * would carry both, so it is refused, naming the other function. */
START_TEST(init_reference_through_shared_section_refused)
{
	struct mt_plan plan;
	const char *fmt = "extern int sink(int);\n"
			  "__attribute__((section(\".init.scratch\"))) int area[64];\n"
			  "__attribute__((section(\".head.text\"))) int boot(int i) "
			  "{ return sink(area[i]); }\n"
			  "__attribute__((section(\".head.text\"))) int clear(int i) "
			  "{ return sink(i + %d); }\n";
	char pre[512], post[512];
	snprintf(pre, sizeof(pre), fmt, 1);
	snprintf(post, sizeof(post), fmt, 2);
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "clear");
	EXPECT_REFUSED(&plan, "clear");
	const char *why = plan_refusal(&plan, "clear");
	ck_assert_ptr_nonnull(strstr(why, ".init.scratch"));
	ck_assert_ptr_nonnull(strstr(why, ".head.text"));
	ck_assert_ptr_nonnull(strstr(why, "boot refers to it"));
	mt_plan_free(&plan);
}
END_TEST

/* A relocatable object whose sections have addresses (6.12's modules give
 * theirs sh_addr) still has the symbols' own sizes, not the distance to the
 * next symbol (which spans the alignment padding). */
START_TEST(symbol_sizes_with_section_addresses)
{
	char cmd[2048], path[1024];
	compile("addr", "int f(int x) { return x * 3 + 1; }\nint g(int x) { return x - 7; }\n",
		"-fno-function-sections -falign-functions=64");
	snprintf(cmd, sizeof(cmd),
		 "cd %s/addr && objcopy --change-section-address .text=0x3a40 x.o y.o && "
		 "readelf -SW y.o | grep -q ' .text .*0000000000003a40'",
		 workdir);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	snprintf(path, sizeof(path), "%s/addr/y.o", workdir);
	struct ksp_obj obj;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_obj_open(path, &obj, &err) == 0, "%s", err.msg);
	size_t f = 0;
	while (f < obj.nsymbols && strcmp(obj.symbols[f].name, "f"))
		f++;
	ck_assert_uint_lt(f, obj.nsymbols);
	ck_assert_uint_eq(obj.symbols[f].value, 0);
	ck_assert_uint_lt(obj.symbols[f].size, 64); /* st_size, not the 64-byte slot */
	ck_assert_uint_gt(obj.symbols[f].size, 0);
	ksp_obj_free(&obj);
}
END_TEST

START_TEST(no_room_for_trampoline_refused)
{
	struct mt_plan plan;
	const char *pre = "int tiny(void) { return 0; }\nint big(int a) { return a * 1000 + 7; }\n";
	const char *post =
		"int tiny(void) { return 1; }\nint big(int a) { return a * 1000 + 7; }\n";
	compare_sources(pre, post, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "tiny");
	EXPECT_REFUSED(&plan, "tiny");
	ck_assert_ptr_nonnull(strstr(plan_refusal(&plan, "tiny"), "without an ftrace call site"));
	mt_plan_free(&plan);
	/* with an ftrace call site (call __fentry__), the jump goes after it */
	compare_sources_with(pre, post, KERNEL_LIKE, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "tiny");
	EXPECT_REFUSED(&plan, "tiny");
	ck_assert_ptr_nonnull(strstr(plan_refusal(&plan, "tiny"), "after its ftrace call site"));
	mt_plan_free(&plan);
	/* big enough once the site is accounted for */
	compare_sources_with("int f(int a) { return a * 1000 + 7; }\n",
			     "int f(int a) { return a * 1000 + 8; }\n", KERNEL_LIKE, &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "f");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(changed_crc_refused)
{
	struct mt_plan plan;
	struct mt_crcs a, b;
	struct ksp_error err = {0};
	char pre_cmd[1024], post_cmd[1024];
	snprintf(pre_cmd, sizeof(pre_cmd), "%s/pre.cmd", workdir);
	snprintf(post_cmd, sizeof(post_cmd), "%s/post.cmd", workdir);
	write_text(pre_cmd, "cmd_x.o := gcc\n#SYMVER alpha 0x1234abcd\n#SYMVER beta 0x00000001\n");
	write_text(post_cmd, "cmd_x.o := gcc\n#SYMVER alpha 0x1234abcd\n#SYMVER beta 0x00000002\n");
	ck_assert_int_eq(mt_crcs_read(pre_cmd, &a, &err), 0);
	ck_assert_int_eq(mt_crcs_read(post_cmd, &b, &err), 0);
	ck_assert_uint_eq(a.n, 2);
	compile("pre", BASE, "");
	compile("post", BASE, "");
	struct ksp_obj pre, post;
	open_side("pre", &pre);
	open_side("post", &post);
	struct mt_options opts = {&a, &b, NULL, NULL};
	ck_assert_int_eq(mt_compare(&pre, &post, &opts, &plan, &err), 0);
	EXPECT_REFUSED(&plan, "beta");
	ck_assert_ptr_nonnull(strstr(plan_refusal(&plan, "beta"), "CRC"));
	mt_plan_free(&plan);
	ck_assert_int_eq(mt_plan_new_object("fs/new.o", &plan, &err), 0);
	EXPECT_REFUSED(&plan, "fs/new.o");
	mt_plan_free(&plan);
	ksp_obj_free(&pre);
	ksp_obj_free(&post);
	mt_crcs_free(&a);
	mt_crcs_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("matcher");
	TCase *tc = tcase_create("fixtures");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, one_changed_function);
	tcase_add_test(tc, static_inline_and_callers);
	tcase_add_test(tc, new_function);
	tcase_add_test(tc, deleted_function);
	tcase_add_test(tc, changed_string_literal);
	tcase_add_test(tc, changed_cst16_constant);
	tcase_add_test(tc, static_local_kept_and_added);
	tcase_add_test(tc, new_global);
	tcase_add_test(tc, changed_initializer_refused);
	tcase_add_test(tc, changed_rodata);
	tcase_add_test(tc, kernel_table_entry_refused);
	tcase_add_test(tc, warn_line_moved);
	tcase_add_test(tc, bug_table_line_only);
	tcase_add_test(tc, gcc_clones);
	tcase_add_test(tc, init_change_refused);
	tcase_add_test(tc, init_reference_refused);
	tcase_add_test(tc, init_reference_through_shared_section_refused);
	tcase_add_test(tc, symbol_sizes_with_section_addresses);
	tcase_add_test(tc, no_room_for_trampoline_refused);
	tcase_add_test(tc, changed_crc_refused);
	tcase_add_test(tc, unique_id_renumbered);
	tcase_add_test(tc, unique_ids_of_one_name_renumbered);
	tcase_add_test(tc, unique_id_static_local_renumbered);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
