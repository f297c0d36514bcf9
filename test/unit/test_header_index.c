/* create.header_index: the index beside a tree keeps an object's entry while
 * the files it read are as recorded, drops it when one changes, drops all
 * when the tree's build files change; and header_skip judges objects from
 * the entries exactly as screening would (a small tree made here). */
#include "header_index.h"
#include "header_skip.h"

#include "check_run.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char root[256];
static struct ksp_tree tree;

/* c_hidden is named only by inline functions: by c_wrap, which x calls,
 * and by c_unused, which nothing calls. */
static const char c_h[] = "int c_hidden(int);\n"
			  "static inline int c_wrap(int v)\n{\n\treturn c_hidden(v);\n}\n"
			  "static inline int c_unused(int v)\n{\n\treturn c_hidden(v) + 1;\n}\n";

/* d_s, with a member under #ifdef, is named by x's code; d_idle by nothing. */
static const char d_h[] = "struct d_s {\n\tint v;\n#ifdef CONFIG_X\n\tint w;\n#endif\n};\n"
			  "struct d_idle {\n\tint v;\n};\n";

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ksp-hindex-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	put(".config", "CONFIG_X=y\n");
	put("include/linux/a.h", "int a_fn(int);\n");
	put("include/linux/b.h", "#define B_MAX 4\n");
	put("include/linux/g.h", "#ifndef _G_H\n#define _G_H\nint g_fn(void);\n#endif\n");
	put("include/linux/c.h", c_h);
	put("include/linux/d.h", d_h);
	put("drv/Makefile", "obj-y += x.o y.o\n");
	memset(&tree, 0, sizeof(tree));
	tree.path = root;
	tree.cc_version_text = "gcc (test) 12";
	/* a compiler that predefines nothing (its -dM output is empty) */
	tree.compiler = "true";
	unsetenv("KSPLICE_HEADER_INDEX");
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.index'", root, root);
	ck_assert_int_eq(system(cmd), 0);
}

/* x.c reads g.h (guarded), a.h, b.h and c.h, calls a_fn and c_wrap and
 * uses a macro that writes a __COUNTER__ number into its code; y.c reads
 * a.h, then g.h, then c.h, and uses nothing from them; both read d.h, whose
 * struct d_s only x's code names. */
static const char x_i[] = "# 1 \"drv/x.c\"\n"
			  "# 1 \"./include/linux/g.h\" 1\n"
			  "int g_fn(void);\n"
			  "# 2 \"drv/x.c\" 2\n"
			  "# 1 \"./include/linux/a.h\" 1\n"
			  "int a_fn(int);\n"
			  "# 2 \"drv/x.c\" 2\n"
			  "# 1 \"./include/linux/b.h\" 1\n"
			  "# 3 \"drv/x.c\" 2\n"
			  "# 1 \"./include/linux/c.h\" 1\n"
			  "int c_hidden(int);\n"
			  "static inline int c_wrap(int v)\n{\n\treturn c_hidden(v);\n}\n"
			  "static inline int c_unused(int v)\n{\n\treturn c_hidden(v) + 1;\n}\n"
			  "# 4 \"drv/x.c\" 2\n"
			  "# 1 \"./include/linux/d.h\" 1\n"
			  "struct d_s {\n\tint v;\n\tint w;\n};\n"
			  "struct d_idle {\n\tint v;\n};\n"
			  "# 5 \"drv/x.c\" 2\n"
			  "int x(void) { return a_fn(4) + c_wrap(1); }\n"
			  "int xd(struct d_s *p) { return p->v; }\n"
			  "#define B_MAX 4\n"
			  "#define instrumentation_begin() __instrumentation_begin(__COUNTER__)\n";
static const char y_i[] = "# 1 \"drv/y.c\"\n"
			  "# 1 \"./include/linux/a.h\" 1\n"
			  "int a_fn(int);\n"
			  "# 2 \"drv/y.c\" 2\n"
			  "# 1 \"./include/linux/g.h\" 1\n"
			  "int g_fn(void);\n"
			  "# 3 \"drv/y.c\" 2\n"
			  "# 1 \"./include/linux/c.h\" 1\n"
			  "int c_hidden(int);\n"
			  "static inline int c_wrap(int v)\n{\n\treturn c_hidden(v);\n}\n"
			  "static inline int c_unused(int v)\n{\n\treturn c_hidden(v) + 1;\n}\n"
			  "# 4 \"drv/y.c\" 2\n"
			  "# 1 \"./include/linux/d.h\" 1\n"
			  "struct d_s {\n\tint v;\n\tint w;\n};\n"
			  "struct d_idle {\n\tint v;\n};\n"
			  "# 5 \"drv/y.c\" 2\n"
			  "int y(void) { return 1; }\n";

static struct ksp_hindex *open_recorded(void)
{
	struct ksp_hindex *ix;
	struct ksp_error err;
	ck_assert_msg(!ksp_hindex_open(&tree, &ix, &err), "%s", err.msg);
	ck_assert_msg(!ksp_hindex_record(ix, "drv/x.o", x_i, strlen(x_i), &err), "%s", err.msg);
	ck_assert_msg(!ksp_hindex_record(ix, "drv/y.o", y_i, strlen(y_i), &err), "%s", err.msg);
	return ix;
}

static int fresh(struct ksp_hindex *ix, const char *object)
{
	struct ksp_pp_facts f;
	struct ksp_error err;
	int rc = ksp_hindex_lookup(ix, object, &f, &err);
	ck_assert_int_ge(rc, 0);
	if (rc == 1)
		ksp_pp_facts_free(&f);
	return rc;
}

START_TEST(entry_fresh_until_a_read_file_changes)
{
	struct ksp_hindex *ix = open_recorded();
	ck_assert_int_eq(fresh(ix, "drv/x.o"), 1);
	ck_assert_int_eq(fresh(ix, "drv/z.o"), 0);
	const char *def;
	ck_assert_int_eq(ksp_hindex_macro(ix, "B_MAX", 5, &def), 1);
	ck_assert_str_eq(def, " 4");
	ksp_hindex_close(ix);

	/* a new mtime with the same content: still fresh (content hash) */
	struct ksp_error err;
	put("include/linux/b.h", "#define B_MAX 4\n");
	put("include/linux/g.h", "#ifndef _G_H\n#define _G_H\nint g_fn(void);\n#endif\n");
	put("include/linux/c.h", c_h);
	put("include/linux/d.h", d_h);
	struct timespec later[2] = {{0, UTIME_OMIT}, {time(NULL) + 100, 0}};
	char path[512];
	snprintf(path, sizeof(path), "%s/include/linux/b.h", root);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, later, 0), 0);
	ck_assert(!ksp_hindex_open(&tree, &ix, &err));
	ck_assert_int_eq(fresh(ix, "drv/x.o"), 1);
	ksp_hindex_close(ix);

	/* b.h changes: x read it, y did not */
	put("include/linux/b.h", "#define B_MAX 5\n");
	ck_assert(!ksp_hindex_open(&tree, &ix, &err));
	ck_assert_int_eq(fresh(ix, "drv/x.o"), 0);
	ck_assert_int_eq(fresh(ix, "drv/y.o"), 1);
	ksp_hindex_close(ix);

	/* a Makefile of the object's directory changes: its flags may have */
	put("drv/Makefile", "obj-y += x.o y.o\nccflags-y += -DX\n");
	ck_assert(!ksp_hindex_open(&tree, &ix, &err));
	ck_assert_int_eq(fresh(ix, "drv/y.o"), 0);
	ksp_hindex_close(ix);
}
END_TEST

START_TEST(config_change_drops_every_entry)
{
	struct ksp_hindex *ix = open_recorded();
	ksp_hindex_close(ix);
	put(".config", "CONFIG_X=n\n");
	struct ksp_error err;
	ck_assert(!ksp_hindex_open(&tree, &ix, &err));
	ck_assert_int_eq(fresh(ix, "drv/x.o"), 0);
	ck_assert_int_eq(fresh(ix, "drv/y.o"), 0);
	const char *def;
	ck_assert_int_eq(ksp_hindex_macro(ix, "B_MAX", 5, &def), 0);
	ksp_hindex_close(ix);
}
END_TEST

START_TEST(one_user_at_a_time)
{
	struct ksp_hindex *ix = open_recorded(), *second;
	struct ksp_error err;
	ck_assert_int_eq(ksp_hindex_open(&tree, &second, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "in use"));
	ksp_hindex_close(ix);
}
END_TEST

/* Adding a prototype to a.h alters neither object (nothing names it); a
 * changed a_fn prototype alters x (it calls a_fn) but not y; b.h's macro
 * change alters x (it used B_MAX) and y reads no b.h. */
static void judge_texts(const struct ksp_changed_text *t, size_t nt, unsigned char want_x,
			unsigned char want_y)
{
	struct ksp_hindex *ix = open_recorded();
	const char *objects[] = {"drv/x.o", "drv/y.o"};
	unsigned char skip[2] = {9, 9};
	struct ksp_skip_stats st;
	struct ksp_error err;
	ck_assert_msg(!ksp_header_skip(ix, objects, 2, t, nt, skip, &st, NULL, &err), "%s",
		      err.msg);
	ck_assert_uint_eq(st.indexed, 2);
	ck_assert_msg(skip[0] == want_x && skip[1] == want_y, "%s: skip %d %d", t->post, skip[0],
		      skip[1]);
	ksp_hindex_close(ix);
}

static void judge(const char *path, const char *post, unsigned char want_x, unsigned char want_y)
{
	const char *pre = !strcmp(path, "include/linux/a.h")   ? "int a_fn(int);\n"
			  : !strcmp(path, "include/linux/c.h") ? c_h
			  : !strcmp(path, "include/linux/d.h") ? d_h
							       : "#define B_MAX 4\n";
	struct ksp_changed_text t = {path, pre, post, strlen(pre), strlen(post)};
	judge_texts(&t, 1, want_x, want_y);
}

START_TEST(skip_judged_by_names)
{
	/* 2: reads the changed header and is ruled out by names; 1: reads no
	 * changed file; 0: left to screening */
	judge("include/linux/a.h", "int a_fn(int);\nint a_new(int);\n", 2, 2);
	judge("include/linux/a.h", "long a_fn(int);\n", 0, 2);
	judge("include/linux/b.h", "#define B_MAX 5\n", 0, 1);
	/* a new user of __COUNTER__ shifts x's numbers, not y's */
	judge("include/linux/a.h",
	      "int a_fn(int);\nstatic inline int g(void)\n{\n\treturn __COUNTER__;\n}\n", 0, 2);
	judge("include/linux/a.h", "int a_fn(int);\nstatic inline int g(void)\n{\n\treturn 1;\n}\n",
	      2, 2);
	/* an added #include of a guarded file x entered before a.h: nothing
	 * for x, y now reads g.h earlier; b.h has no guard: both screened */
	judge("include/linux/a.h", "#include <linux/g.h>\nint a_fn(int);\n", 2, 0);
	judge("include/linux/a.h", "#include \"../linux/g.h\"\nint a_fn(int);\n", 2, 0);
	judge("include/linux/a.h", "#include <linux/b.h>\nint a_fn(int);\n", 0, 0);
	judge("include/linux/a.h", "#include <linux/none.h>\nint a_fn(int);\n", 0, 0);
	/* c_hidden reaches x's code through c_wrap; y only has it in inline
	 * functions it never calls, as x has c_unused */
	judge("include/linux/c.h",
	      "long c_hidden(int);\n"
	      "static inline int c_wrap(int v)\n{\n\treturn c_hidden(v);\n}\n"
	      "static inline int c_unused(int v)\n{\n\treturn c_hidden(v) + 1;\n}\n",
	      0, 2);
	judge("include/linux/c.h",
	      "int c_hidden(int);\n"
	      "static inline int c_wrap(int v)\n{\n\treturn c_hidden(v);\n}\n"
	      "static inline int c_unused(int v)\n{\n\treturn c_hidden(v) + 2;\n}\n",
	      2, 2);
	/* a line added at the top shifts every line of c.h: the only number
	 * near its own line in x and y (the 1 of c_unused, on line 8) is in a
	 * function neither calls, so no __LINE__ of their code moves */
	judge("include/linux/c.h",
	      "int c_new(int);\n"
	      "int c_hidden(int);\n"
	      "static inline int c_wrap(int v)\n{\n\treturn c_hidden(v);\n}\n"
	      "static inline int c_unused(int v)\n{\n\treturn c_hidden(v) + 1;\n}\n",
	      2, 2);
	/* a new struct definition nothing names */
	judge("include/linux/a.h", "int a_fn(int);\nstruct s { int v; };\n", 2, 2);
	/* a changed struct: x's code names it, y only reads it */
	judge("include/linux/d.h",
	      "struct d_s {\n\tlong v;\n#ifdef CONFIG_X\n\tint w;\n#endif\n};\n"
	      "struct d_idle {\n\tint v;\n};\n",
	      0, 2);
	/* a member changed under its #ifdef: judged as well */
	judge("include/linux/d.h",
	      "struct d_s {\n\tint v;\n#ifdef CONFIG_X\n\tlong w;\n#endif\n};\n"
	      "struct d_idle {\n\tint v;\n};\n",
	      0, 2);
	/* one neither names */
	judge("include/linux/d.h",
	      "struct d_s {\n\tint v;\n#ifdef CONFIG_X\n\tint w;\n#endif\n};\n"
	      "struct d_idle {\n\tlong v;\n};\n",
	      2, 2);
}
END_TEST

/* d_s gains a member whose name no reader has seen: x names d_s, y does not. */
static const char d_new_member[] =
	"struct d_s {\n\tint v;\n\tint new_member;\n#ifdef CONFIG_X\n\tint w;\n#endif\n};\n"
	"struct d_idle {\n\tint v;\n};\n";

static int index_file_exists(const char *name)
{
	char path[600];
	struct stat st;
	snprintf(path, sizeof(path), "%s.index/%s", root, name);
	return !stat(path, &st);
}

START_TEST(new_name_defined_nowhere_judged_by_names)
{
	judge("include/linux/d.h", d_new_member, 0, 2);
	ck_assert(index_file_exists("defined-names"));
	/* kept for the tree as it was: a file that now defines the name makes
	 * it a possible macro (y might define it, unused) */
	put("drv/z.c", "#define new_member 1\nint z;\n");
	judge("include/linux/d.h", d_new_member, 0, 0);
}
END_TEST

START_TEST(new_name_defined_in_the_tree_falls_back)
{
	put("drv/z.c", "int z;\n#  define\tnew_member(x) x\n");
	judge("include/linux/d.h", d_new_member, 0, 0);
}
END_TEST

START_TEST(new_name_given_by_a_makefile_falls_back)
{
	/* not drv/Makefile: changing it would make x's and y's entries stale */
	put("lib/Makefile", "obj-y += l.o\nccflags-y += -D new_member=2\n");
	judge("include/linux/d.h", d_new_member, 0, 0);
}
END_TEST

START_TEST(new_name_defined_by_the_patch_falls_back)
{
	const char *pre = "int z;\n", *post = "#define new_member 1\nint z;\n";
	struct ksp_changed_text t[] = {
		{"include/linux/d.h", d_h, d_new_member, strlen(d_h), strlen(d_new_member)},
		{"drv/z.c", pre, post, strlen(pre), strlen(post)}};
	put("drv/z.c", pre);
	judge_texts(t, 2, 0, 0);
	/* the same patch without that line is judged by names */
	t[1].post = pre;
	t[1].post_len = strlen(pre);
	judge_texts(t, 2, 0, 2);
}
END_TEST

START_TEST(macro_names_dropped_with_the_index)
{
	judge("include/linux/d.h", d_new_member, 0, 2);
	ck_assert(index_file_exists("defined-names"));
	put(".config", "CONFIG_X=n\n");
	struct ksp_hindex *ix;
	struct ksp_error err;
	ck_assert(!ksp_hindex_open(&tree, &ix, &err));
	ck_assert(!index_file_exists("defined-names"));
	ksp_hindex_close(ix);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("header_index");
	TCase *tc = tcase_create("index");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, entry_fresh_until_a_read_file_changes);
	tcase_add_test(tc, config_change_drops_every_entry);
	tcase_add_test(tc, one_user_at_a_time);
	tcase_add_test(tc, skip_judged_by_names);
	tcase_add_test(tc, new_name_defined_nowhere_judged_by_names);
	tcase_add_test(tc, new_name_defined_in_the_tree_falls_back);
	tcase_add_test(tc, new_name_given_by_a_makefile_falls_back);
	tcase_add_test(tc, new_name_defined_by_the_patch_falls_back);
	tcase_add_test(tc, macro_names_dropped_with_the_index);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
