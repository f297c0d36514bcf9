/* matcher.hdr_change: what a header change can affect, from its text before
 * and after (macro expansion, line diff, touched constructs, fallbacks). */
#include "hdr_change.h"
#include "macro_expand.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The index as the tests see it: name=definition pairs and known names. */
struct table {
	const char *const *defs; /* "name", "def", ..., NULL; def NULL: ambiguous */
	const char *const *known;
};

static const char *const no_words[] = {NULL};

static const char *const common_known[] = {"u32",
					   "size_t",
					   "x",
					   "a",
					   "b",
					   "n",
					   "page",
					   "inode",
					   "task_struct",
					   "__always_inline__",
					   "__cold__",
					   "used",
					   "__gnu_inline__",
					   "__unused__",
					   "jiffies",
					   "__noinline__",
					   NULL};

static int in_list(const char *const *l, const char *name, size_t len)
{
	for (; l && *l; l++)
		if (strlen(*l) == len && !memcmp(*l, name, len))
			return 1;
	return 0;
}

static int lookup(void *ctx, const char *name, size_t len, const char **def)
{
	const struct table *t = ctx;
	for (const char *const *d = t->defs; d && *d; d += 2)
		if (strlen(d[0]) == len && !memcmp(d[0], name, len)) {
			if (!d[1])
				return 2;
			*def = d[1];
			return 1;
		}
	return 0;
}

static int known(void *ctx, const char *name, size_t len)
{
	const struct table *t = ctx;
	const char *def;
	return in_list(t->known, name, len) || in_list(common_known, name, len) ||
	       lookup(ctx, name, len, &def);
}

static struct ksp_hdr_change run_with(const char *pre, const char *post, const struct table *t)
{
	struct ksp_hdr_change c;
	struct ksp_error err;
	ck_assert_int_eq(ksp_hdr_change_analyze(pre, strlen(pre), post, strlen(post), lookup, known,
						(void *)t, &c, &err),
			 0);
	return c;
}

static const char *const std_defs[] = {"__always_inline",
				       " inline __attribute__((__always_inline__))",
				       "__cold",
				       " __attribute__((__cold__))",
				       "__used",
				       " __attribute__((used))",
				       "__must_check",
				       "",
				       NULL};

static struct ksp_hdr_change run(const char *pre, const char *post)
{
	static const struct table t = {std_defs, no_words};
	return run_with(pre, post, &t);
}

static int has(char **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return 1;
	return 0;
}

static void expect_fallback(struct ksp_hdr_change *c, const char *why_part)
{
	ck_assert_msg(c->fallback, "no fallback (expected '%s')", why_part);
	ck_assert_msg(strstr(c->why, why_part), "why: '%s', expected '%s'", c->why, why_part);
	ksp_hdr_change_free(c);
}

static void expect_clean(struct ksp_hdr_change *c)
{
	ck_assert_msg(!c->fallback, "fallback: %s", c->why);
}

static const char *const base = "#ifndef _X_H\n"
				"#define _X_H\n"
				"/* a header */\n"
				"#define FOO 1\n"
				"struct page;\n"
				"struct s {\n"
				"\tint a;\n"
				"\tint b;\n"
				"};\n"
				"int bar(int x);\n"
				"#ifdef CONFIG_X\n"
				"struct t {\n"
				"\tint a;\n"
				"};\n"
				"#endif\n"
				"enum e { E_A, E_B };\n"
				"static inline int baz(int n)\n"
				"{\n"
				"\treturn n + FOO;\n"
				"}\n"
				"#endif\n";

/* text with its first occurrence of from replaced by to. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	ck_assert_ptr_nonnull(at);
	size_t head = (size_t)(at - text);
	char *s = malloc(strlen(text) + strlen(to) + 1);
	memcpy(s, text, head);
	strcpy(s + head, to);
	strcat(s, at + strlen(from));
	return s;
}

static char *with(const char *from, const char *to)
{
	return replace(base, from, to);
}

static struct ksp_hdr_change run_edit(const char *from, const char *to)
{
	char *post = with(from, to);
	struct ksp_hdr_change c = run(base, post);
	free(post);
	return c;
}

START_TEST(shift_lines)
{
	struct ksp_hdr_change c = run("a;\nb;\nc;\n", "a;\nb;\nc;\nint d(void);\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.first_shifted_line, 0);
	ksp_hdr_change_free(&c);
	c = run("int a(void);\nint b(void);\nint c(void);\n",
		"int a(void);\nint d(void);\nint b(void);\nint c(void);\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.first_shifted_line, 2);
	ksp_hdr_change_free(&c);
	c = run("int a(void);\nint b(void);\nint c(void);\n",
		"int a(void);\nint b(long);\nint c(void);\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.first_shifted_line, 0);
	ksp_hdr_change_free(&c);
	/* One line added, one removed further down: only the lines between
	 * move. */
	c = run("int a(void);\nint b(void);\nint c(void);\nint d(void);\n",
		"int a(void);\nint z(void);\nint b(void);\nint d(void);\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.first_shifted_line, 2);
	ksp_hdr_change_free(&c);
	c = run("int a(void);\nint b(void);\n", "int b(void);\n");
	ck_assert_uint_eq(c.first_shifted_line, 1);
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(new_prototype)
{
	struct ksp_hdr_change c = run_edit("int bar(int x);\n", "int bar(int x);\nint foo(int);\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 1);
	ck_assert_str_eq(c.declared[0], "foo");
	ck_assert_uint_eq(c.nmacros, 0);
	ck_assert_uint_eq(c.first_shifted_line, 11);
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(new_inline_function)
{
	struct ksp_hdr_change c =
		run_edit("int bar(int x);\n", "int bar(int x);\nstatic __always_inline int "
					      "twice(int n)\n{\n\treturn n * 2;\n}\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 1);
	ck_assert_str_eq(c.declared[0], "twice");
	ksp_hdr_change_free(&c);
	/* Its body changed, with a macro of the header. */
	c = run_edit("n + FOO", "n - FOO");
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "baz"));
	ksp_hdr_change_free(&c);
}
END_TEST

/* A changed struct definition declares its tag (and nested tags), never
 * its members: readers that name the tag are screened. */
START_TEST(struct_member)
{
	struct ksp_hdr_change c = run_edit("\tint b;\n", "\tlong b;\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 1);
	ck_assert_str_eq(c.declared[0], "s");
	ksp_hdr_change_free(&c);
	c = run_edit("\tint b;\n", "\tint b;\n\tstruct s_in { u32 x; } x;\n\tstruct page *a;\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 2);
	ck_assert(has(c.declared, c.ndeclared, "s"));
	ck_assert(has(c.declared, c.ndeclared, "s_in"));
	ck_assert(!has(c.declared, c.ndeclared, "page"));
	ksp_hdr_change_free(&c);
	/* a member name no reader saw may be a macro none expanded */
	c = run_edit("\tint b;\n", "\tint b;\n\tint fresh_member;\n");
	expect_fallback(&c, "unknown identifier fresh_member");
	/* an enum definition inside declares constants at file scope */
	c = run_edit("\tint b;\n", "\tint b;\n\tenum { S_X } k;\n");
	expect_fallback(&c, "not inert: 'struct s");
	/* the struct declares a variable too */
	c = run_edit("\tint b;\n};\n", "\tlong b;\n} s_var;\n");
	expect_fallback(&c, "not inert: 'struct s");
	/* configuration-dependent members */
	c = run_edit("\tint b;\n", "\tint b;\n#ifdef CONFIG_X\n\tint a2;\n#endif\n");
	expect_fallback(&c, "a directive changed");
	/* a forward declaration declares its tag */
	c = run_edit("struct page;\n", "struct page;\nstruct inode;\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 1);
	ck_assert_str_eq(c.declared[0], "inode");
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(macro_value)
{
	struct ksp_hdr_change c = run_edit("#define FOO 1\n", "#define FOO 2\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.nmacros, 1);
	ck_assert_str_eq(c.macros[0], "FOO");
	ck_assert_uint_eq(c.ndeclared, 0);
	ksp_hdr_change_free(&c);
	c = run_edit("#define FOO 1\n", "#define FOO 1\n#define BAR(x) \\\n\t((x) + 1)\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.nmacros, 1);
	ck_assert_str_eq(c.macros[0], "BAR");
	ksp_hdr_change_free(&c);
	/* A continuation line alone changed. */
	c = run("#define M(x) \\\n\t(x)\n", "#define M(x) \\\n\t((x) + 0)\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.nmacros, 1);
	ck_assert_str_eq(c.macros[0], "M");
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(other_directives)
{
	struct ksp_hdr_change c = run_edit("#ifdef CONFIG_X\n", "#ifdef CONFIG_Y\n");
	expect_fallback(&c, "directive changed: #ifdef CONFIG_");
	/* An #include at the top level is reported, under #ifdef it is not. */
	c = run_edit("struct page;\n", "#include <linux/mm.h>\n#include \"a b.h\"\nstruct page;\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.nincludes, 2);
	ck_assert_str_eq(c.includes[0], "\"a b.h\"");
	ck_assert_str_eq(c.includes[1], "<linux/mm.h>");
	ksp_hdr_change_free(&c);
	c = run_edit("struct t {", "#include <linux/mm.h>\nstruct t {");
	expect_fallback(&c, "directive changed: #include");
	c = run_edit("struct page;\n", "#include INC_FILE\nstruct page;\n");
	expect_fallback(&c, "directive changed: #include");
	/* A comment after #endif is no change. */
	c = run_edit("#endif\nenum", "#endif /* CONFIG_X */\nenum");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 0);
	ksp_hdr_change_free(&c);
	/* A continuation that swallows the next line into a #define. */
	c = run_edit("#define FOO 1\n", "#define FOO 1 \\\n");
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(include_guard_detected)
{
	ck_assert_int_eq(ksp_hdr_include_guarded(base, strlen(base)), 1);
	const char *open = "#ifndef A\n#define A\nint a;\n#endif\nint b;\n";
	ck_assert_int_eq(ksp_hdr_include_guarded(open, strlen(open)), 0);
	const char *other = "#ifndef A\n#define B\nint a;\n#endif\n";
	ck_assert_int_eq(ksp_hdr_include_guarded(other, strlen(other)), 0);
	const char *alt = "#ifndef A\n#define A\nint a;\n#else\nint c;\n#endif\n";
	ck_assert_int_eq(ksp_hdr_include_guarded(alt, strlen(alt)), 0);
}
END_TEST

START_TEST(enum_constant)
{
	struct ksp_hdr_change c = run_edit("E_A, E_B };", "E_A, E_B, E_C };");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 4);
	ck_assert(has(c.declared, c.ndeclared, "e"));
	ck_assert(has(c.declared, c.ndeclared, "E_A"));
	ck_assert(has(c.declared, c.ndeclared, "E_B"));
	ck_assert(has(c.declared, c.ndeclared, "E_C"));
	ksp_hdr_change_free(&c);
	c = run_edit("E_A, E_B };", "E_A, E_B = mystery(2) };");
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(unknown_attribute)
{
	struct ksp_hdr_change c =
		run_edit("int bar(int x);\n", "int bar(int x);\nint foo(int) __weird_attr;\n");
	expect_fallback(&c, "not inert");
	c = run_edit("int bar(int x);\n", "int bar(int x);\n__weird_attr int foo(int);\n");
	expect_fallback(&c, "unknown identifier __weird_attr");
	c = run_edit("int bar(int x);\n", "int bar(int x);\nint foo(struct weird *w);\n");
	expect_fallback(&c, "unknown identifier weird");
	c = run_edit("int bar(int x);\n", "int bar(int x);\nint foo(int) __used;\n");
	expect_fallback(&c, "not inert");
	c = run_edit("int bar(int x);\n", "int bar(int x);\nint foo(int) __cold __must_check;\n");
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "foo"));
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(comment_only)
{
	struct ksp_hdr_change c =
		run_edit("/* a header */\n", "/* a\n * longer header comment */\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 0);
	ck_assert_uint_eq(c.nmacros, 0);
	ck_assert_uint_eq(c.first_shifted_line, 3);
	ksp_hdr_change_free(&c);
	c = run_edit("int bar(int x);\n", "int bar(int x); /* bar */\n");
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 0);
	ksp_hdr_change_free(&c);
	/* A comment opened that swallows code. */
	c = run_edit("/* a header */\n", "/* a header\n");
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(moved_prototype)
{
	struct ksp_hdr_change c = run_edit("int bar(int x);\n", "");
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "bar"));
	ksp_hdr_change_free(&c);
	char *mid = with("int bar(int x);\n", "");
	char *post = replace(mid, "enum e", "int bar(int x);\nenum e");
	c = run(base, post);
	expect_fallback(&c, "moved construct");
	free(mid);
	free(post);
}
END_TEST

/* As in Linux 6.1.192's tty_port.h: a prototype changed and the two inline
 * functions after the next one removed. The line diff pairs the removed
 * functions' last lines with the end of the function kept, so that function
 * is touched on both sides; it is no move, as every untouched construct
 * still comes in the same order. */
static const char *const tty_pre = "int open(struct tty_port *port);\n"
				   "void __hang(struct tty_port *port, bool check, bool async);\n"
				   "void wakeup(struct tty_port *port);\n"
				   "\n"
				   "static inline int users(struct tty_port *port)\n"
				   "{\n"
				   "\treturn port->count + port->blocked_open;\n"
				   "}\n"
				   "\n"
				   "/* hang up asynchronously */\n"
				   "static inline void hang(struct tty_port *port, bool check)\n"
				   "{\n"
				   "\t__hang(port, check, true);\n"
				   "}\n"
				   "\n"
				   "/* hang up synchronously */\n"
				   "static inline void vhang(struct tty_port *port)\n"
				   "{\n"
				   "\t__hang(port, false, false);\n"
				   "}\n"
				   "\n";

static const char *const tty_post = "int open(struct tty_port *port);\n"
				    "void hang(struct tty_port *port, bool check);\n"
				    "void vhang(struct tty_port *port);\n"
				    "void wakeup(struct tty_port *port);\n"
				    "\n"
				    "static inline int users(struct tty_port *port)\n"
				    "{\n"
				    "\treturn port->count + port->blocked_open;\n"
				    "}\n"
				    "\n";

static const char *const tty_words[] = {"tty_port",	"port", "check", "bool", "count",
					"blocked_open", "true", "false", NULL};

START_TEST(misaligned_not_moved)
{
	static const struct table t = {no_words, tty_words};
	struct ksp_hdr_change c = run_with(tty_pre, tty_post, &t);
	expect_clean(&c);
	ck_assert_uint_eq(c.ndeclared, 3);
	ck_assert(has(c.declared, c.ndeclared, "__hang"));
	ck_assert(has(c.declared, c.ndeclared, "hang"));
	ck_assert(has(c.declared, c.ndeclared, "vhang"));
	ck_assert_uint_eq(c.nmacros, 0);
	ksp_hdr_change_free(&c);
	/* The same with a construct really moved as well. */
	char *pre = replace(tty_pre, "int open", "int first(void);\nint open");
	char *post = replace(tty_post, "void wakeup", "int first(void);\nvoid wakeup");
	c = run_with(pre, post, &t);
	expect_fallback(&c, "moved construct");
	free(pre);
	free(post);
	/* Nor is the kept function untouched if it names a macro that changed. */
	pre = replace(tty_pre, "blocked_open;", "blocked_open + CNT;");
	post = replace(tty_post, "blocked_open;", "blocked_open + CNT;");
	char *pre2 = replace(pre, "int open", "#define CNT 1\nint open");
	char *post2 = replace(post, "int open", "#define CNT 2\nint open");
	c = run_with(pre2, post2, &t);
	expect_fallback(&c, "moved construct");
	free(pre);
	free(post);
	free(pre2);
	free(post2);
}
END_TEST

/* A prototype moved above another one is a real move, and so is a construct
 * moved across a #pragma it did not cross before. */
START_TEST(moved_above)
{
	struct ksp_hdr_change c = run("int a(void);\nint b(void);\nint c(void);\n",
				      "int b(void);\nint a(void);\nint c(void);\n");
	expect_fallback(&c, "moved construct");
	c = run("int a(void);\nint b(void);\nint c(void);\n",
		"int a(void);\nint c(void);\nint b(void);\n");
	expect_fallback(&c, "moved construct");
	c = run("int a(void);\n#pragma pack(1)\n#pragma weak w\nint b(void);\n",
		"#pragma pack(1)\n#pragma weak w\nint a(void);\nint b(void);\n");
	expect_fallback(&c, "moved construct");
}
END_TEST

START_TEST(declare_macro)
{
	static const char *const defs[] = {"DECLARE_COUNTER", "(name) int name = 0", NULL};
	static const struct table t = {defs, no_words};
	struct ksp_hdr_change c =
		run_with("int a(void);\n", "int a(void);\nDECLARE_COUNTER(cnt);\n", &t);
	expect_fallback(&c, "not inert: 'int cnt = 0 ;'");
}
END_TEST

/* base with struct s's body replaced by pre and post, run. */
static struct ksp_hdr_change run_body(const char *pre_body, const char *post_body)
{
	static const char *const body = "struct s {\n\tint a;\n\tint b;\n};\n";
	char *pre = with(body, pre_body), *post = with(body, post_body);
	struct ksp_hdr_change c = run(pre, post);
	free(pre);
	free(post);
	return c;
}

static void expect_declared(struct ksp_hdr_change *c, const char *const *names)
{
	expect_clean(c);
	size_t n = 0;
	for (; names[n]; n++)
		ck_assert_msg(has(c->declared, c->ndeclared, names[n]), "%s not declared",
			      names[n]);
	ck_assert_uint_eq(c->ndeclared, n);
	ksp_hdr_change_free(c);
}

static const char *const only_s[] = {"s", NULL};

/* A struct with #if lines among its members is judged as the union of its
 * branches: its tag (and nested tags) declared, every member checked. */
START_TEST(ifdef_struct_body)
{
	struct ksp_hdr_change c = run_body("struct s {\n#ifdef CONFIG_Y\n\tint a;\n#endif\n};\n",
					   "struct s {\n#ifdef CONFIG_Y\n\tlong a;\n#endif\n};\n");
	expect_declared(&c, only_s);
	/* a member added inside the #ifdef */
	c = run_body("struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tint b;\n#endif\n};\n",
		     "struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tint b;\n\tint x;\n#endif\n};\n");
	expect_declared(&c, only_s);
	/* a member added next to the group */
	c = run_body("struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tint b;\n#endif\n};\n",
		     "struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tint b;\n#endif\n\tlong n;\n};\n");
	expect_declared(&c, only_s);
	/* a member changed in an #else branch, then one no reader saw */
	c = run_body("struct s {\n#if CONFIG_Y\n\tint b;\n#else\n\tlong b;\n#endif\n};\n",
		     "struct s {\n#if CONFIG_Y\n\tint b;\n#else\n\tu32 b;\n#endif\n};\n");
	expect_declared(&c, only_s);
	c = run_body(
		"struct s {\n#if CONFIG_Y\n\tint b;\n#else\n\tlong b;\n#endif\n};\n",
		"struct s {\n#if CONFIG_Y\n\tint b;\n#else\n\tlong fresh_member;\n#endif\n};\n");
	expect_fallback(&c, "unknown identifier fresh_member");
	/* nested #if groups, #elif */
	c = run_body("struct s {\n#ifdef CONFIG_Y\n#if CONFIG_Z > 1\n\tint b;\n#elif "
		     "CONFIG_Z\n\tint a;\n#endif\n#endif\n};\n",
		     "struct s {\n#ifdef CONFIG_Y\n#if CONFIG_Z > 1\n\tint b;\n#elif "
		     "CONFIG_Z\n\tu32 a;\n#endif\n#endif\n};\n");
	expect_declared(&c, only_s);
}
END_TEST

/* A tagged struct defined in one branch declares its tag too. */
START_TEST(ifdef_struct_nested_tag)
{
	static const char *const s_in[] = {"s", "s_in", NULL};
	struct ksp_hdr_change c = run_body(
		"struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tint b;\n#endif\n};\n",
		"struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tint b;\n\tstruct s_in {\n\t\tu32 "
		"x;\n\t} x;\n#endif\n};\n");
	expect_declared(&c, s_in);
	/* in a group nested in an anonymous union */
	c = run_body("struct s {\n\tunion {\n\t\tint a;\n#ifdef CONFIG_Y\n\t\tint "
		     "b;\n#endif\n\t};\n};\n",
		     "struct s {\n\tunion {\n\t\tint a;\n#ifdef CONFIG_Y\n\t\tstruct s_in { "
		     "int b; } x;\n#endif\n\t};\n};\n");
	expect_declared(&c, s_in);
}
END_TEST

/* What a struct's #if lines cannot be read as the union of branches. */
START_TEST(ifdef_struct_fallbacks)
{
	/* another directive among the members */
	struct ksp_hdr_change c = run_body("struct s {\n\tint a;\n#define S_B 1\n\tint b;\n};\n",
					   "struct s {\n\tint a;\n#define S_B 1\n\tlong b;\n};\n");
	expect_fallback(&c, "directive inside a changed construct");
	c = run_body("struct s {\n#ifdef CONFIG_Y\n#undef S_B\n\tint b;\n#endif\n};\n",
		     "struct s {\n#ifdef CONFIG_Y\n#undef S_B\n\tlong b;\n#endif\n};\n");
	expect_fallback(&c, "directive inside a changed construct");
	/* an enum definition in a branch declares constants at file scope */
	c = run_body("struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tint b;\n#endif\n};\n",
		     "struct s {\n\tint a;\n#ifdef CONFIG_Y\n\tenum { S_X } b;\n#endif\n};\n");
	expect_fallback(&c, "not inert: 'struct s");
	/* groups outside the body: before it, after it */
	c = run_body("struct s\n#ifdef CONFIG_Y\n__attribute__((__cold__))\n#endif\n{\n\tint "
		     "a;\n};\n",
		     "struct s\n#ifdef CONFIG_Y\n__attribute__((__cold__))\n#endif\n{\n\tlong "
		     "a;\n};\n");
	expect_fallback(&c, "directive inside a changed construct");
	c = run_body("struct s {\n\tint a;\n}\n#ifdef CONFIG_Y\n__attribute__((__cold__))\n#"
		     "endif\n;\n",
		     "struct s {\n\tlong a;\n}\n#ifdef CONFIG_Y\n__attribute__((__cold__))\n#"
		     "endif\n;\n");
	expect_fallback(&c, "directive inside a changed construct");
	/* a group straddling the closing brace: its first branch ends the
	 * construct */
	c = run_body("struct s {\n#ifdef CONFIG_Y\n\tint a;\n};\n#else\n\tint b;\n};\n#endif\n",
		     "struct s {\n#ifdef CONFIG_Y\n\tlong a;\n};\n#else\n\tint b;\n};\n#endif\n");
	expect_fallback(&c, "directive inside a changed construct");
	/* a branch that opens a brace another closes */
	c = run_body("struct s {\n#ifdef CONFIG_Y\n\tstruct {\n#else\n\tunion {\n#endif\n\t\tint "
		     "a;\n\t} x;\n};\n",
		     "struct s {\n#ifdef CONFIG_Y\n\tstruct {\n#else\n\tunion {\n#endif\n\t\tlong "
		     "a;\n\t} x;\n};\n");
	expect_fallback(&c, "braces unbalanced within a conditional branch");
	/* a group inside a macro's arguments, or cutting a member */
	c = run_body(
		"struct s {\n\tSG(g,\n\t\tint a;\n#ifdef CONFIG_Y\n\t\tint b;\n#endif\n\t);\n};\n",
		"struct s {\n\tSG(g,\n\t\tlong a;\n#ifdef CONFIG_Y\n\t\tint "
		"b;\n#endif\n\t);\n};\n");
	expect_fallback(&c, "directive inside a changed construct");
	c = run_body("struct s {\n\tint\n#ifdef CONFIG_Y\n\ta,\n#endif\n\tb;\n};\n",
		     "struct s {\n\tlong\n#ifdef CONFIG_Y\n\ta,\n#endif\n\tb;\n};\n");
	expect_fallback(&c, "directive inside a changed construct");
	/* not a struct definition */
	c = run_body("struct s {\n\tint a;\n};\nint f(int a,\n#ifdef CONFIG_Y\n\tint "
		     "b,\n#endif\n\tint x);\n",
		     "struct s {\n\tint a;\n};\nint f(long a,\n#ifdef CONFIG_Y\n\tint "
		     "b,\n#endif\n\tint x);\n");
	expect_fallback(&c, "directive inside a changed construct");
	/* a function body */
	c = run_body("struct s {\n\tint a;\n};\nstatic inline int g(int n)\n{\n\tint "
		     "x;\n#ifdef CONFIG_Y\n\tx = n;\n#endif\n\treturn n;\n}\n",
		     "struct s {\n\tint a;\n};\nstatic inline int g(int n)\n{\n\tint "
		     "x;\n#ifdef CONFIG_Y\n\tx = n + 1;\n#endif\n\treturn n;\n}\n");
	expect_fallback(&c, "directive inside a changed construct");
	/* a macro that makes the body two definitions */
	static const char *const defs[] = {"S_SPLIT", " int a; }; struct s2 { int b", NULL};
	static const struct table t = {defs, no_words};
	static const char *const pre =
		"struct s {\n\tS_SPLIT;\n#ifdef CONFIG_Y\n\tint x;\n#endif\n};\n";
	static const char *const post =
		"struct s {\n\tS_SPLIT;\n#ifdef CONFIG_Y\n\tlong x;\n#endif\n};\n";
	c = run_with(pre, post, &t);
	expect_fallback(&c, "directive inside a changed construct");
}
END_TEST

START_TEST(ambiguous_macro)
{
	static const char *const defs[] = {"__attr", NULL, NULL};
	static const struct table t = {defs, no_words};
	struct ksp_hdr_change c =
		run_with("int a(void);\n", "int a(void);\nint f(void) __attr;\n", &t);
	expect_fallback(&c, "ambiguous macro __attr");
	/* Defined once per branch by the header itself: judged with each
	 * definition, and one of them makes the prototype emit code. */
	c = run("#ifdef A\n#define __z\n#else\n#define __z __attribute__((used))\n#endif\nint "
		"a(void);\n",
		"#ifdef A\n#define __z\n#else\n#define __z __attribute__((used))\n#endif\nint "
		"a(void);\nint g(void) __z;\n");
	expect_fallback(&c, "not inert");
}
END_TEST

START_TEST(own_macro)
{
	const char *pre = "#define __nice __attribute__((__cold__))\nint a(void);\n";
	const char *post =
		"#define __nice __attribute__((__cold__))\nint a(void);\nint g(void) __nice;\n";
	struct ksp_hdr_change c = run(pre, post);
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "g"));
	ksp_hdr_change_free(&c);
	post = "int a(void);\nint g(void) __nice;\n#define __nice __attribute__((__cold__))\n";
	c = run("int a(void);\n#define __nice __attribute__((__cold__))\n", post);
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
}
END_TEST

/* An inline function whose macros paste names with __COUNTER__ (min()'s
 * temporaries, as the kernel writes __UNIQUE_ID) is judged by names; the
 * change says that later counter numbers shift. A declaration whose own
 * name is numbered cannot be judged by name. */
START_TEST(counter_names)
{
	static const char *const defs[] = {
		"___PASTE",
		"(a,b) a##b",
		"__PASTE",
		"(a,b) ___PASTE(a,b)",
		"__UNIQUE_ID",
		"(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)",
		"__stringify_1",
		"(x...) #x",
		"__stringify",
		"(x...) __stringify_1(x)",
		NULL};
	static const struct table t = {defs, no_words};
	const char *pre = "int a(void);\n";
	const char *post =
		"int a(void);\nstatic inline int g(int n)\n{\n"
		"\tint __UNIQUE_ID(tmp) = n;\n\treturn __UNIQUE_ID(tmp) + 1;\n}\n"
		"static inline const char *h(void)\n{\n\treturn __stringify(n + 1);\n}\n";
	struct ksp_hdr_change c = run_with(pre, post, &t);
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "g") && has(c.declared, c.ndeclared, "h"));
	ck_assert_int_eq(c.counter_shift, 1);
	ksp_hdr_change_free(&c);
	c = run_with(pre, "int a(void);\nstatic inline int h(void)\n{\n\treturn 1;\n}\n", &t);
	expect_clean(&c);
	ck_assert_int_eq(c.counter_shift, 0);
	ksp_hdr_change_free(&c);
	c = run_with(pre, "int a(void);\nextern int __UNIQUE_ID(v);\n", &t);
	expect_fallback(&c, "numbered by __COUNTER__");
}
END_TEST

/* A name that only function-like macros define, not followed by '(',
 * cannot expand in any reader (a variable "err" where a driver defines
 * err(...)); an object-like one could. */
START_TEST(function_like_name_not_called)
{
	static const char *const fn_defs[] = {"err", "(fmt, ...) printk(fmt)", NULL};
	static const char *const obj_defs[] = {"err", " errno_value", NULL};
	static const struct table fn = {fn_defs, no_words}, obj = {obj_defs, no_words};
	const char *pre = "int a(void);\n";
	const char *post = "int a(void);\nstatic inline int g(int err)\n{\n\treturn err + 1;\n}\n";
	struct ksp_hdr_change c = run_with(pre, post, &fn);
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "g"));
	ksp_hdr_change_free(&c);
	c = run_with(pre, post, &obj);
	expect_fallback(&c, "unknown identifier errno_value");
}
END_TEST

/* ---- conditional blocks that only define macros ---- */

static const char *const pagemap_group = "/* comment */\n"
					 "#ifdef CONFIG_TRANSPARENT_HUGEPAGE\n"
					 "#define PREFERRED_MAX_PAGECACHE_ORDER\tHPAGE_PMD_ORDER\n"
					 "#else\n"
					 "#define PREFERRED_MAX_PAGECACHE_ORDER\t8\n"
					 "#endif\n"
					 "\n"
					 "#define MAX_XAS_ORDER\t\t(XA_CHUNK_SHIFT * 2 - 1)\n"
					 "#define MAX_PAGECACHE_ORDER\tmin(MAX_XAS_ORDER, "
					 "PREFERRED_MAX_PAGECACHE_ORDER)\n";

static void expect_macros(struct ksp_hdr_change *c, const char *const *names)
{
	expect_clean(c);
	size_t n = 0;
	for (; names[n]; n++)
		ck_assert_msg(has(c->macros, c->nmacros, names[n]), "no macro %s", names[n]);
	ck_assert_uint_eq(c->nmacros, n);
	ksp_hdr_change_free(c);
}

START_TEST(cond_defines_added)
{
	static const char *const want[] = {"MAX_PAGECACHE_ORDER", "MAX_XAS_ORDER",
					   "PREFERRED_MAX_PAGECACHE_ORDER", NULL};
	char *to = malloc(strlen(pagemap_group) + 32);
	strcpy(to, "int bar(int x);\n");
	strcat(to, pagemap_group);
	struct ksp_hdr_change c = run_edit("int bar(int x);\n", to);
	ck_assert_uint_eq(c.ndeclared, 0);
	expect_macros(&c, want);
	/* Right below the include guard's #define, and right before its #endif. */
	c = run_edit("#define _X_H\n", "#define _X_H\n#ifdef A\n#define P 1\n#endif\n");
	expect_macros(&c, (const char *const[]){"P", NULL});
	c = run_edit("}\n#endif\n", "}\n#ifdef A\n#define P 1\n#endif\n#endif\n");
	expect_macros(&c, (const char *const[]){"P", NULL});
	free(to);
}
END_TEST

START_TEST(cond_defines_changed)
{
	const char *pre = "#ifndef G_H\n#define G_H\nint a(void);\n"
			  "#ifdef A\n#define X 1\n#ifdef B\n#define Y 1\n#endif\n#endif\n"
			  "int b(void);\n#endif\n";
	/* An #else added: X and Y (in the group, unchanged) are reported. */
	char *post = replace(pre, "#define X 1\n", "#define X 1\n#elifdef C\n#undef Z\n#else\n");
	struct ksp_hdr_change c = run(pre, post);
	expect_macros(&c, (const char *const[]){"X", "Y", "Z", NULL});
	free(post);
	/* A nested condition changed. */
	post = replace(pre, "#ifdef B\n", "#if defined(B) && B > 2\n");
	c = run(pre, post);
	expect_macros(&c, (const char *const[]){"X", "Y", NULL});
	free(post);
	/* A top-level #define put under a condition. */
	post = replace(pre, "int b(void);\n", "int b(void);\n#ifdef D\n#define W 1\n#endif\n");
	char *pre2 = replace(pre, "int b(void);\n", "int b(void);\n#define W 1\n");
	c = run(pre2, post);
	expect_macros(&c, (const char *const[]){"W", NULL});
	free(post);
	free(pre2);
}
END_TEST

START_TEST(cond_group_not_only_defines)
{
	struct ksp_hdr_change c = run_edit("int bar(int x);\n",
					   "int bar(int x);\n#ifdef A\n#include <a.h>\n#endif\n");
	expect_fallback(&c, "does more than define macros");
	c = run_edit("int bar(int x);\n",
		     "int bar(int x);\n#ifdef A\n#define P 1\n#else\n#error no A\n#endif\n");
	expect_fallback(&c, "does more than define macros");
	c = run_edit("int bar(int x);\n", "int bar(int x);\n#ifdef A\n#pragma once\n#endif\n");
	expect_fallback(&c, "does more than define macros");
	/* A group with code, around an unchanged prototype. */
	c = run_edit("int bar(int x);\n", "#ifdef A\nint bar(int x);\n#endif\n");
	expect_fallback(&c, "directive changed: #ifdef A");
	/* A nested condition changed in a group that holds code. */
	const char *pre = "#ifdef A\nint f(void);\n#ifdef B\n#define X 1\n#endif\n#endif\n";
	c = run(pre, "#ifdef A\nint f(void);\n#ifdef C\n#define X 1\n#endif\n#endif\n");
	expect_fallback(&c, "does more than define macros");
	/* An #endif moved down over code. */
	c = run("#ifdef A\n#define X 1\n#endif\nint f(void);\n",
		"#ifdef A\n#define X 1\nint f(void);\n#endif\n");
	expect_fallback(&c, "does more than define macros");
}
END_TEST

/* The groups of both sides count: here each post group only defines, but
 * the pre group around the place of the change holds code, which the change
 * takes out of the condition. */
START_TEST(cond_other_side_group)
{
	struct ksp_hdr_change c = run("#if A\nint c(void);\n#endif\n",
				      "#if A\n#endif\nint c(void);\n#if Q\n#endif\n");
	expect_fallback(&c, "does more than define macros");
	c = run("#if A\n#define X 1\n#endif\nint c(void);\n#if Q\n#endif\n",
		"#if A\n#define X 1\nint c(void);\n#endif\n");
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(cond_unbalanced_or_guard)
{
	struct ksp_hdr_change c =
		run_edit("int bar(int x);\n", "int bar(int x);\n#ifdef A\n#define P 1\n");
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
	c = run_edit("int bar(int x);\n", "int bar(int x);\n#endif\n");
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
	/* The guard's own lines. */
	char *pre = with("", "");
	char *post = replace(pre, "#ifndef _X_H\n#define _X_H\n", "#ifndef _Y_H\n#define _Y_H\n");
	c = run(pre, post);
	expect_fallback(&c, "include guard");
	free(post);
	/* A group after the guard's #endif: the post side has no guard. */
	post = replace(pre, "}\n#endif\n", "}\n#endif\n#ifdef A\n#define P 1\n#endif\n");
	c = run(pre, post);
	expect_fallback(&c, "include guard");
	free(post);
	free(pre);
}
END_TEST

/* ---- names the change itself declares ---- */

START_TEST(own_declared_names)
{
	const char *pre = "int a(void);\nstatic inline int f(int n)\n{\n\treturn n;\n}\n";
	const char *post = "int a(void);\nint timens_unused_helper(int n);\n"
			   "static inline int f(int n)\n{\n\treturn timens_unused_helper(n);\n}\n";
	struct ksp_hdr_change c = run(pre, post);
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "f"));
	ck_assert(has(c.declared, c.ndeclared, "timens_unused_helper"));
	ksp_hdr_change_free(&c);
	/* Declared after its use, by an enum. */
	post = "int a(void);\nstatic inline int f(int n)\n{\n\treturn n + E_NEW;\n}\n"
	       "enum fresh { E_NEW };\n";
	c = run(pre, post);
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "E_NEW"));
	ksp_hdr_change_free(&c);
	/* A macro the post text defines is expanded. */
	post = "int a(void);\n#define NEWM 3\nstatic inline int f(int n)\n{\n\treturn n + "
	       "NEWM;\n}\n";
	c = run(pre, post);
	expect_clean(&c);
	ck_assert(has(c.macros, c.nmacros, "NEWM"));
	ksp_hdr_change_free(&c);
}
END_TEST

START_TEST(own_declared_names_not_enough)
{
	const char *pre = "int a(void);\nstatic inline int f(int n)\n{\n\treturn n;\n}\n";
	/* Not declared at all. */
	struct ksp_hdr_change c =
		run(pre, "int a(void);\nstatic inline int f(int n)\n{\n\treturn helper(n);\n}\n");
	expect_fallback(&c, "unknown identifier helper");
	/* Declared only by the other side. */
	c = run("int helper(int n);\nstatic inline int f(int n)\n{\n\treturn n;\n}\n",
		"static inline int f(int n)\n{\n\treturn helper(n);\n}\n");
	expect_fallback(&c, "unknown identifier helper");
	/* Declared by an untouched construct: the index must know it. */
	c = run("int helper(int n);\n"
		"static inline int f(int n)\n{\n\treturn n;\n}\n",
		"int helper(int n);\n"
		"static inline int f(int n)\n{\n\treturn helper(n);\n}\n");
	expect_fallback(&c, "unknown identifier helper");
	/* Declared by a touched construct that is not inert. */
	c = run(pre, "int a(void);\nint helper;\nstatic inline int f(int n)\n{\n\treturn "
		     "helper + n;\n}\n");
	expect_fallback(&c, "not inert");
	/* A macro defined conditionally, not once in every branch, is not
	 * expanded. */
	c = run(pre, "int a(void);\n#ifdef A\n#define NEWM 3\n#endif\n"
		     "static inline int f(int n)\n{\n\treturn n + NEWM;\n}\n");
	expect_fallback(&c, "defined conditionally");
}
END_TEST

static const char *const branch_pre = "int a(void);\nstatic inline int f(int n)\n{\n\treturn "
				      "n;\n}\n";

static struct ksp_hdr_change run_branches(const char *group)
{
	char post[512];
	snprintf(post, sizeof(post),
		 "int a(void);\n%sstatic inline int f(int n)\n{\n\treturn n + NEWM;\n}\n", group);
	return run(branch_pre, post);
}

/* pagemap.h's PREFERRED_MAX_PAGECACHE_ORDER: one #define per branch of a
 * top-level #if group ending in #else; a construct after the group is
 * judged with each definition, by the union of the names. */
START_TEST(macro_defined_per_branch)
{
	struct ksp_hdr_change c =
		run_branches("#ifdef A\n#define NEWM 3\n#else\n#define NEWM 4\n#endif\n");
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "f"));
	ck_assert(has(c.macros, c.nmacros, "NEWM"));
	ksp_hdr_change_free(&c);
	c = run_branches("#if defined(A)\n#define NEWM 3\n#elif defined(B)\n#define NEWM "
			 "5\n#else\n#define NEWM 4\n#endif\n");
	expect_clean(&c);
	ksp_hdr_change_free(&c);
	/* Inside an include guard. */
	c = run("#ifndef _G_H\n#define _G_H\nint a(void);\nstatic inline int f(int n)\n{\n\treturn "
		"n;\n}\n#endif\n",
		"#ifndef _G_H\n#define _G_H\nint a(void);\n#ifdef A\n#define NEWM "
		"3\n#else\n#define "
		"NEWM 4\n#endif\nstatic inline int f(int n)\n{\n\treturn n + NEWM;\n}\n#endif\n");
	expect_clean(&c);
	ck_assert(has(c.declared, c.ndeclared, "f"));
	ksp_hdr_change_free(&c);
}
END_TEST

/* Any other shape may leave the macro undefined, or defined twice, where
 * the construct uses it: the readers are screened. */
START_TEST(macro_defined_per_branch_shapes_refused)
{
	static const char *const groups[] = {
		/* no plain #else */
		"#ifdef A\n#define NEWM 3\n#elif defined(B)\n#define NEWM 4\n#endif\n",
		/* a branch without the definition */
		"#ifdef A\n#define NEWM 3\n#elif defined(B)\n#else\n#define NEWM 4\n#endif\n",
		/* two in one branch */
		"#ifdef A\n#define NEWM 3\n#define NEWM 5\n#else\n#define NEWM 4\n#endif\n",
		/* one nested deeper */
		"#ifdef A\n#ifdef B\n#define NEWM 3\n#endif\n#else\n#define NEWM 4\n#endif\n",
		/* the whole group under another #if */
		"#ifdef C\n#ifdef A\n#define NEWM 3\n#else\n#define NEWM 4\n#endif\n#endif\n",
		/* #undef after it */
		"#ifdef A\n#define NEWM 3\n#else\n#define NEWM 4\n#endif\n#undef NEWM\n", NULL};
	for (size_t i = 0; groups[i]; i++) {
		struct ksp_hdr_change c = run_branches(groups[i]);
		if (!c.fallback)
			ck_abort_msg("group %zu judged by names", i);
		ksp_hdr_change_free(&c);
	}
	/* Defined after the construct. */
	struct ksp_hdr_change c = run(
		branch_pre, "int a(void);\nstatic inline int f(int n)\n{\n\treturn n + "
			    "NEWM;\n}\n#ifdef A\n#define NEWM 3\n#else\n#define NEWM 4\n#endif\n");
	ck_assert(c.fallback);
	ksp_hdr_change_free(&c);
}
END_TEST

/* ---- macro_expand directly ---- */

static int expand_def(void *ctx, const char *name, size_t len, const char **def, char *why,
		      size_t why_len)
{
	(void)why, (void)why_len;
	const char *const *d = ctx;
	for (; *d; d += 2)
		if (strlen(d[0]) == len && !memcmp(d[0], name, len)) {
			*def = d[1];
			return KSP_MACRO_DEF;
		}
	return KSP_MACRO_NONE;
}

/* The expansion of text, tokens one space apart, or "FAIL: why". */
static const char *expand_text(const char *text, const char *const *defs)
{
	static char out[1024];
	struct ksp_mtoks in = {0}, res = {0};
	char why[200];
	ck_assert_int_eq(ksp_mtoks_lex(text, strlen(text), &in), 0);
	int rc = ksp_macro_expand(in.v, in.n, expand_def, (void *)defs, &res, why, sizeof(why));
	ck_assert_int_ge(rc, 0);
	out[0] = '\0';
	if (rc)
		snprintf(out, sizeof(out), "FAIL: %s", why);
	for (size_t i = 0; i < res.n && !rc; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s", i ? " " : "",
			 (int)res.v[i].len, res.v[i].s);
	ksp_mtoks_free(&in);
	ksp_mtoks_free(&res);
	return out;
}

START_TEST(expand_basic)
{
	static const char *const defs[] = {"ONE",   " 1",
					   "ADD",   "(a, b) ((a) + (b))",
					   "LOG",   "(fmt, ...) printk(fmt, __VA_ARGS__)",
					   "NLOG",  "(fmt, args...) printk(fmt, args)",
					   "SELF",  " SELF + 1",
					   "F",	    "(x) G(x)",
					   "G",	    "(y) F(y)",
					   "EMPTY", "",
					   "CAT",   "(a, b) a ## b",
					   "STR",   "(a) #a",
					   "ID",    "(x) x",
					   "ZERO",  "() 0",
					   NULL};
	ck_assert_str_eq(expand_text("ADD(ONE, 2)", defs), "( ( 1 ) + ( 2 ) )");
	ck_assert_str_eq(expand_text("LOG(\"%d %d\", a, ADD(b, c))", defs),
			 "printk ( \"%d %d\" , a , ( ( b ) + ( c ) ) )");
	ck_assert_str_eq(expand_text("LOG(\"x\")", defs), "printk ( \"x\" , )");
	ck_assert_str_eq(expand_text("NLOG(f, 1, 2)", defs), "printk ( f , 1 , 2 )");
	ck_assert_str_eq(expand_text("SELF", defs), "SELF + 1");
	ck_assert_str_eq(expand_text("F(1)", defs), "F ( 1 )");
	ck_assert_str_eq(expand_text("int EMPTY x;", defs), "int x ;");
	ck_assert_str_eq(expand_text("ADD + 1", defs), "ADD + 1");
	ck_assert_str_eq(expand_text("ID(ID)(3)", defs), "ID ( 3 )");
	ck_assert_str_eq(expand_text("ZERO()", defs), "0");
	ck_assert_str_eq(expand_text("ADD((1, 2), 3)", defs), "( ( ( 1 , 2 ) ) + ( 3 ) )");
	ck_assert(!strncmp(expand_text("ADD(1)", defs), "FAIL", 4));
	ck_assert(!strncmp(expand_text("ADD(1, 2", defs), "FAIL", 4));
	ck_assert(!strncmp(expand_text("ZERO(1)", defs), "FAIL", 4));
}
END_TEST

/* '#' and '##', as gcc's preprocessor applies them. */
START_TEST(expand_operators)
{
	static const char *const defs[] = {"CAT",   "(a, b) a ## b",
					   "XCAT",  "(a, b) CAT(a, b)",
					   "STR",   "(a) #a",
					   "ONE",   " 1",
					   "ab",    " 7",
					   "OBJ",   " x ## y",
					   "E",	    "(fmt, args...) f(fmt, ## args)",
					   "V",	    "(fmt, ...) f(fmt, ##__VA_ARGS__)",
					   "VS",    "(...) #__VA_ARGS__",
					   "UID",   "(p) XCAT(XCAT(__UNIQUE_ID_, p), 3)",
					   "BAD",   "(a) # b",
					   "EDGE",  "(a) ## a",
					   "OPT",   "(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)",
					   "THREE", "(a, b, c) a ## b ## c",
					   NULL};
	ck_assert_str_eq(expand_text("CAT(x, y)", defs), "xy");
	ck_assert_str_eq(expand_text("CAT(a, b)", defs), "7");	    /* the result is rescanned */
	ck_assert_str_eq(expand_text("CAT(ONE, 2)", defs), "ONE2"); /* operands as written */
	ck_assert_str_eq(expand_text("XCAT(ONE, 2)", defs), "12");
	ck_assert_str_eq(expand_text("CAT(, y)", defs), "y");
	ck_assert_str_eq(expand_text("CAT(x, )", defs), "x");
	ck_assert_str_eq(expand_text("CAT(,) z", defs), "z");
	ck_assert_str_eq(expand_text("CAT(-, >)", defs), "->");
	ck_assert_str_eq(expand_text("OBJ", defs), "xy");
	ck_assert_str_eq(expand_text("THREE(a, , c)", defs), "ac");
	ck_assert_str_eq(expand_text("STR(a + b)", defs), "\"a + b\"");
	ck_assert_str_eq(expand_text("STR(a+b)", defs), "\"a+b\"");
	ck_assert_str_eq(expand_text("STR(\"x\\n\")", defs), "\"\\\"x\\\\n\\\"\"");
	ck_assert_str_eq(expand_text("STR(ONE)", defs), "\"ONE\"");
	ck_assert_str_eq(expand_text("VS(a, b)", defs), "\"a, b\"");
	ck_assert_str_eq(expand_text("E(x)", defs), "f ( x )");
	ck_assert_str_eq(expand_text("E(x, 1, 2)", defs), "f ( x , 1 , 2 )");
	ck_assert_str_eq(expand_text("V(x)", defs), "f ( x )");
	ck_assert_str_eq(expand_text("V(x, ONE)", defs), "f ( x , 1 )");
	ck_assert_str_eq(expand_text("UID(tmp)", defs), "__UNIQUE_ID_tmp3");
	ck_assert_str_eq(expand_text("CAT(+, -)", defs),
			 "FAIL: pasting \"+\" and \"-\" does not give a token");
	ck_assert(!strncmp(expand_text("BAD(1)", defs), "FAIL: '#' not followed", 22));
	ck_assert(!strncmp(expand_text("EDGE(1)", defs), "FAIL: '##' at either end", 24));
	ck_assert(!strncmp(expand_text("OPT(1)", defs), "FAIL: macro OPT uses __VA_OPT__", 31));
}
END_TEST

START_TEST(expand_painted)
{
	static const char *const defs[] = {"f", "(a) a + f", "g", " f(g)", NULL};
	struct ksp_mtoks in = {0}, res = {0};
	char why[200];
	ck_assert_int_eq(ksp_mtoks_lex("g", 1, &in), 0);
	ck_assert_int_eq(
		ksp_macro_expand(in.v, in.n, expand_def, (void *)defs, &res, why, sizeof(why)), 0);
	ck_assert_uint_eq(res.n, 3); /* g + f, both painted */
	ck_assert(res.v[0].painted && res.v[2].painted);
	ksp_mtoks_free(&in);
	ksp_mtoks_free(&res);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("hdr_change");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, shift_lines);
	tcase_add_test(tc, new_prototype);
	tcase_add_test(tc, new_inline_function);
	tcase_add_test(tc, struct_member);
	tcase_add_test(tc, macro_value);
	tcase_add_test(tc, other_directives);
	tcase_add_test(tc, include_guard_detected);
	tcase_add_test(tc, enum_constant);
	tcase_add_test(tc, unknown_attribute);
	tcase_add_test(tc, comment_only);
	tcase_add_test(tc, moved_prototype);
	tcase_add_test(tc, misaligned_not_moved);
	tcase_add_test(tc, moved_above);
	tcase_add_test(tc, declare_macro);
	tcase_add_test(tc, ifdef_struct_body);
	tcase_add_test(tc, ifdef_struct_nested_tag);
	tcase_add_test(tc, ifdef_struct_fallbacks);
	tcase_add_test(tc, ambiguous_macro);
	tcase_add_test(tc, own_macro);
	tcase_add_test(tc, cond_defines_added);
	tcase_add_test(tc, cond_defines_changed);
	tcase_add_test(tc, cond_group_not_only_defines);
	tcase_add_test(tc, cond_other_side_group);
	tcase_add_test(tc, cond_unbalanced_or_guard);
	tcase_add_test(tc, own_declared_names);
	tcase_add_test(tc, own_declared_names_not_enough);
	tcase_add_test(tc, macro_defined_per_branch);
	tcase_add_test(tc, macro_defined_per_branch_shapes_refused);
	tcase_add_test(tc, expand_basic);
	tcase_add_test(tc, counter_names);
	tcase_add_test(tc, function_like_name_not_called);
	tcase_add_test(tc, expand_operators);
	tcase_add_test(tc, expand_painted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ksp_check_run(suite());
}
