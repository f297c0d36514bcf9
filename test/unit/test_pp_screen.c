/* matcher.pp_screen: whether a header change can alter an object's code,
 * from its preprocessed source before and after (no compiler involved). */
#include "pp_screen.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A translation unit as the preprocessor writes it: line markers, expanded
 * attributes, a header's declarations, then the file's own code. */
static const char *const base =
	"# 1 \"net/ipv4/route.c\"\n"
	"# 1 \"./include/net/dst.h\" 1\n"
	"struct dst_entry { struct net_device *dev; int obsolete; };\n"
	"struct sk_buff;\n"
	"extern int sysctl_dst_gc;\n"
	"void dst_release(struct dst_entry *dst);\n"
	"static inline __attribute__((__gnu_inline__)) __attribute__((__unused__)) "
	"struct net_device *dst_dev(const struct dst_entry *dst)\n"
	"{\n return dst->dev;\n}\n"
	"static inline __attribute__((__gnu_inline__)) int dst_check(struct dst_entry *dst)\n"
	"{\n return dst->obsolete;\n}\n"
	"static inline __attribute__((__gnu_inline__)) int dst_unused_helper(struct dst_entry *d)\n"
	"{\n return dst_check(d) + 1;\n}\n"
	"# 12 \"net/ipv4/route.c\" 2\n"
	"static int route_counter;\n"
	"int ip_route_output(struct dst_entry *dst)\n"
	"{\n if (dst_dev(dst))\n  route_counter++;\n return 4;\n}\n";

static int affects(const char *pre, const char *post, char *why, size_t len)
{
	struct ksp_pp_digest d;
	struct ksp_error err;
	ck_assert_int_eq(ksp_pp_digest_text(pre, strlen(pre), &d, &err), 0);
	int rc = ksp_pp_affects(&d, post, strlen(post), why, len, &err);
	ksp_pp_digest_free(&d);
	ck_assert_int_ge(rc, 0);
	return rc;
}

static const char *with(const char *from, const char *to)
{
	static char text[4096];
	const char *at = strstr(base, from);
	ck_assert_ptr_nonnull(at);
	size_t head = (size_t)(at - base), tail = strlen(at + strlen(from));
	ck_assert_uint_lt(head + strlen(to) + tail, sizeof(text));
	memcpy(text, base, head);
	strcpy(text + head, to);
	strcat(text, at + strlen(from));
	return text;
}

static const char *const header_end = "# 12 \"net/ipv4/route.c\" 2\n";

/* The header gains text just before its end. */
static const char *added(const char *text)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s%s", text, header_end);
	return with(header_end, buf);
}

static void assert_unaffected(const char *post)
{
	char why[256];
	ck_assert_msg(affects(base, post, why, sizeof(why)) == 0, "affected: %s", why);
}

static void assert_affected(const char *post, const char *reason)
{
	char why[256];
	ck_assert_int_eq(affects(base, post, why, sizeof(why)), 1);
	ck_assert_msg(strstr(why, reason), "reason '%s' lacks '%s'", why, reason);
}

START_TEST(same_text_or_only_line_markers)
{
	assert_unaffected(base);
	assert_unaffected(with("# 12 \"net/ipv4/route.c\" 2", "# 40 \"net/ipv4/route.c\" 2"));
	assert_unaffected(with(" return dst->dev;", "  return   dst->dev ;"));
}
END_TEST

START_TEST(unused_additions)
{
	assert_unaffected(
		added("static inline __attribute__((__gnu_inline__)) int "
		      "dst_hold_safe(struct dst_entry *d)\n{\n return d->obsolete == 0;\n}\n"));
	assert_unaffected(added("extern int sysctl_dst_new;\n"));
	assert_unaffected(added("void dst_dev_put(struct dst_entry *dst) "
				"__attribute__((__cold__));\n"));
	assert_unaffected(added("struct net;\n;\n"));
	assert_unaffected(added("extern __attribute__((section(\".data..percpu\" \"\"))) "
				"__typeof__(int) dst_pcpu;\n"));
}
END_TEST

START_TEST(unused_removals_and_moves)
{
	assert_unaffected(with("void dst_release(struct dst_entry *dst);\n", ""));
	assert_unaffected(with("extern int sysctl_dst_gc;\n", ""));
	/* A changed inline that only another unused inline calls. */
	assert_unaffected(with("return dst->obsolete;", "return dst->obsolete > 0;"));
	/* A declaration moved further down. */
	char moved[4096];
	snprintf(moved, sizeof(moved), "%s", with("struct sk_buff;\n", ""));
	char *at = strstr(moved, header_end);
	ck_assert_ptr_nonnull(at);
	memmove(at + strlen("struct sk_buff;\n"), at, strlen(at) + 1);
	memcpy(at, "struct sk_buff;\n", strlen("struct sk_buff;\n"));
	assert_unaffected(moved);
}
END_TEST

START_TEST(used_changes)
{
	assert_affected(with("return dst->dev;", "return dst->dev ? dst->dev : 0;"),
			"uses dst_dev");
	assert_affected(with("return dst_check(d) + 1;",
			     "return dst_check(d) + 2;\n}\n"
			     "int dst_user(struct dst_entry *d)\n{\n return dst_unused_helper(d);"),
			"file-scope definition");
	/* A macro changed: its expansion in the file's own function. */
	assert_affected(with("return 4;", "return 5;"), "file-scope definition");
	assert_affected(with("struct net_device *dst_dev(const struct dst_entry *dst)",
			     "struct net_device *dst_dev(struct dst_entry *dst)"),
			"uses dst_dev");
}
END_TEST

START_TEST(definitions_that_emit_or_change_data)
{
	/* the struct is named by the file's own function (through dst_dev) */
	assert_affected(with("int obsolete;", "long obsolete;"), "uses dst_");
	/* Through an inline function that calls the changed one. */
	char pre[4096], why[256];
	snprintf(pre, sizeof(pre), "%s", with("if (dst_dev(dst))", "if (dst_unused_helper(dst))"));
	char *at = strstr(pre, "return dst->obsolete;");
	char post[4096];
	snprintf(post, sizeof(post), "%.*sreturn !dst->obsolete;%s", (int)(at - pre), pre,
		 at + strlen("return dst->obsolete;"));
	ck_assert_int_eq(affects(pre, post, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "uses dst_unused_helper");
	assert_affected(added("int dst_tentative;\n"), "file-scope definition");
	assert_affected(added("_Bool (*dst_hook)(void);\n"), "file-scope definition");
	assert_affected(added("extern int dst_a, dst_b;\n"), "file-scope definition");
	assert_affected(added("enum dst_kind { DST_A, DST_B } dst_kind_now;\n"),
			"file-scope definition");
	assert_affected(added("typedef int dst_t;\n"), "file-scope definition");
	assert_affected(added("static int dst_local(void)\n{\n return 1;\n}\n"),
			"file-scope definition");
	assert_affected(added("static inline __attribute__((__used__)) int dst_kept(void)\n"
			      "{\n return 1;\n}\n"),
			"file-scope definition");
	assert_affected(added("extern void dst_weak(void) __attribute__((weak));\n"),
			"file-scope definition");
	assert_affected(added("asm(\".pushsection .discard\");\n"), "file-scope definition");
	assert_affected(added("#pragma GCC optimize(\"O0\")\n"), "#pragma");
}
END_TEST

/* __COUNTER__ shifts every later macro-made name; that alone is no change. */
START_TEST(renumbered_counter_names)
{
	static const char *const pre =
		"static inline int h(void)\n{\n return 1;\n}\n"
		"#pragma GCC diagnostic push\n"
		"int f(int x)\n{\n do { extern void __compiletime_assert_7(void) "
		"__attribute__((__error__(\"bad \" \"__compiletime_assert_7\"))); if (!(x)) "
		"__compiletime_assert_7(); } while (0);\n"
		" return ({ int __UNIQUE_ID_x_8 = x; __UNIQUE_ID_x_8; });\n}\n"
		"#pragma GCC diagnostic pop\n"
		"asm(\".section .initcall6.init\\n __initcall__kmod_route__9_40_ip_rt_init:\");\n"
		"asm(\".local __BTF_ID__func__bpf_x__10\");\n";
	char post[2048];
	snprintf(post, sizeof(post), "%s", pre);
	const char *from[] = {"_7", "_7", "_7", "_x_8", "_x_8", "__9_", "__10"};
	const char *to[] = {"_8", "_8", "_8", "_x_9", "_x_9", "__10_", "__11"};
	for (size_t i = 0; i < sizeof(from) / sizeof(*from); i++) {
		char *at = strstr(post, from[i]);
		ck_assert_ptr_nonnull(at);
		memmove(at + strlen(to[i]), at + strlen(from[i]), strlen(at + strlen(from[i])) + 1);
		memcpy(at, to[i], strlen(to[i]));
	}
	/* The new use of the counter, in an unused inline function. */
	char shifted[2300];
	snprintf(shifted, sizeof(shifted),
		 "static inline int g(void)\n{\n return __UNIQUE_ID_y_7;\n}\n%s", post);
	char why[256];
	ck_assert_msg(affects(pre, shifted, why, sizeof(why)) == 0, "affected: %s", why);
	/* A real difference in a name that carries no counter still counts. */
	char *at = strstr(shifted, "ip_rt_init");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "ip_rt_exit", 10);
	ck_assert_int_eq(affects(pre, shifted, why, sizeof(why)), 1);
}
END_TEST

/* A #pragma both sides have is harmless unless code moved across it. */
START_TEST(pragma_order)
{
	static const char *const pre =
		"#pragma pack(2)\nstruct a { char c; int i; };\n"
		"#pragma pack()\nstruct b { char c; int i; };\n"
		"int f(struct a *x, struct b *y)\n{\n return x->i + y->i;\n}\n";
	char why[256];
	char post[1024];
	snprintf(post, sizeof(post), "%s",
		 "#pragma pack(2)\nstruct a { char c; int i; };\n"
		 "static inline int unused(void)\n{\n return 0;\n}\n"
		 "#pragma pack()\nstruct b { char c; int i; };\n"
		 "int f(struct a *x, struct b *y)\n{\n return x->i + y->i;\n}\n");
	ck_assert_msg(affects(pre, post, why, sizeof(why)) == 0, "affected: %s", why);
	snprintf(post, sizeof(post), "%s",
		 "#pragma pack(2)\nstruct a { char c; int i; };\nstruct b { char c; int i; };\n"
		 "#pragma pack()\n"
		 "int f(struct a *x, struct b *y)\n{\n return x->i + y->i;\n}\n");
	ck_assert_int_eq(affects(pre, post, why, sizeof(why)), 1);
	ck_assert_msg(strstr(why, "#pragma"), "why: %s", why);
}
END_TEST

/* An enum's constants matter only where they are named. */
START_TEST(enums)
{
	char pre[4096], post[4096], why[256];
	snprintf(
		pre, sizeof(pre), "%s",
		added("enum { IOPRIO_CLASS_NONE, IOPRIO_CLASS_RT, IOPRIO_CLASS_BE };\n"
		      "enum __attribute__((packed)) dst_state { DST_OK = (1 << 2), DST_GONE };\n"));
	/* new constants, explicit values, a new enum: nothing names them */
	snprintf(post, sizeof(post), "%s",
		 added("enum { IOPRIO_CLASS_NONE = 0, IOPRIO_CLASS_RT = 1, IOPRIO_CLASS_BE = 2,\n"
		       " IOPRIO_CLASS_INVALID = 7 };\n"
		       "enum __attribute__((packed)) dst_state { DST_OK = (1 << 2), DST_GONE };\n"
		       "enum dst_kind { DST_A, DST_B };\n"));
	ck_assert_msg(affects(pre, post, why, sizeof(why)) == 0, "affected: %s", why);
	/* the file's own code names a constant of a changed enum */
	char *at = strstr(pre, "route_counter++;");
	ck_assert_ptr_nonnull(at);
	char pre2[4096], post2[4096];
	snprintf(pre2, sizeof(pre2), "%.*sroute_counter += DST_GONE;%s", (int)(at - pre), pre,
		 at + strlen("route_counter++;"));
	char *b = strstr(pre2, "DST_GONE };");
	ck_assert_ptr_nonnull(b);
	snprintf(post2, sizeof(post2), "%.*sDST_GONE, DST_NEW };%s", (int)(b - pre2), pre2,
		 b + strlen("DST_GONE };"));
	ck_assert_int_eq(affects(pre2, post2, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "uses DST_GONE");
	/* through the tag too */
	char pre3[4096], post3[4096];
	snprintf(pre3, sizeof(pre3), "%.*sroute_counter += sizeof(enum dst_state);%s",
		 (int)(at - pre), pre, at + strlen("route_counter++;"));
	b = strstr(pre3, "DST_GONE };");
	ck_assert_ptr_nonnull(b);
	snprintf(post3, sizeof(post3), "%.*sDST_GONE = 1000 };%s", (int)(b - pre3), pre3,
		 b + strlen("DST_GONE };"));
	ck_assert_int_eq(affects(pre3, post3, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "uses dst_state");
}
END_TEST

/* Struct and union definitions: each names the types the test changes in
 * a different way. */
static const char *const records = "struct unused_s { int a; };\n"
				   "struct var_s { int a; };\n"
				   "struct var_s var_instance;\n"
				   "struct proto_s { int a; };\n"
				   "int proto_fn(struct proto_s *p);\n"
				   "struct lone_s { int a; };\n"
				   "int lone_fn(struct lone_s *p);\n"
				   "struct td_s { int a; };\n"
				   "typedef struct td_s td_t;\n"
				   "struct outer_s { struct inner_s { int a; } in; int b; };\n"
				   "struct embed_s { int a; };\n"
				   "union wrap_u { struct embed_s e; long l; };\n"
				   "struct fwd_s;\n"
				   "struct fwd_s { int a; };\n"
				   "struct en_s { enum { EN_A, EN_B } k; };\n"
				   "struct { int a; } anon_var;\n"
				   "int code(void)\n{\n return proto_fn(0) + sizeof(struct "
				   "inner_s) + sizeof(union wrap_u);\n}\n";

static void assert_records(const char *from, const char *to, const char *reason)
{
	char post[2048], why[256];
	const char *at = strstr(records, from);
	ck_assert_ptr_nonnull(at);
	snprintf(post, sizeof(post), "%.*s%s%s", (int)(at - records), records, to,
		 at + strlen(from));
	int rc = affects(records, post, why, sizeof(why));
	if (!reason)
		ck_assert_msg(rc == 0, "%s: affected: %s", to, why);
	else
		ck_assert_msg(rc == 1 && strstr(why, reason), "%s: %d, '%s' lacks '%s'", to, rc,
			      why, reason);
}

/* A struct or union definition matters only where something that can
 * reach code names its tag. */
START_TEST(struct_definitions)
{
	/* nothing names it */
	assert_records("struct unused_s { int a; };", "struct unused_s { long a; int b; };", NULL);
	assert_records("struct unused_s { int a; };", "", NULL);
	assert_records(
		"struct unused_s { int a; };",
		"struct unused_s { int a; };\nunion new_u { int x; } __attribute__((packed));",
		NULL);
	/* a prototype nothing calls */
	assert_records("struct lone_s { int a; };", "struct lone_s { char a; };", NULL);
	/* only its forward declaration names it */
	assert_records("struct fwd_s { int a; };", "struct fwd_s { int a, b; };", NULL);
	/* a variable of the type */
	assert_records("struct var_s { int a; };", "struct var_s { long a; };", "uses var_s");
	/* a prototype the file's code calls */
	assert_records("struct proto_s { int a; };", "struct proto_s { long a; };", "uses proto_");
	/* a typedef is a root, whether used or not */
	assert_records("struct td_s { int a; };", "struct td_s { long a; };", "uses td_s");
	/* the nested definition's tag is declared at file scope too */
	assert_records("int b; };", "long b; };", "uses inner_s");
	/* embedded in a union the code names */
	assert_records("struct embed_s { int a; };", "struct embed_s { long a; };", "uses wrap_u");
	/* an enum definition inside: its constants are file-scope names */
	assert_records("EN_A, EN_B }", "EN_A, EN_B, EN_C }", "file-scope definition");
	/* a variable declared with an untagged definition */
	assert_records("struct { int a; } anon_var;", "struct { long a; } anon_var;",
		       "file-scope definition");
}
END_TEST

START_TEST(digest_round_trip)
{
	struct ksp_pp_digest d, back;
	struct ksp_error err;
	char path[] = "/tmp/test_pp_screen.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(ksp_pp_digest_text(base, strlen(base), &d, &err), 0);
	ck_assert_int_eq(ksp_pp_digest_save(&d, path, &err), 0);
	ck_assert_int_eq(ksp_pp_digest_load(path, &back, &err), 0);
	ck_assert_uint_eq(back.nitems, d.nitems);
	ck_assert_mem_eq(back.items, d.items, d.nitems * sizeof(*d.items));
	char why[256];
	ck_assert_int_eq(ksp_pp_affects(&back, base, strlen(base), why, sizeof(why), &err), 0);
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	fputs("garbage", f);
	fclose(f);
	ksp_pp_digest_free(&back);
	ck_assert_int_eq(ksp_pp_digest_load(path, &back, &err), -1);
	unlink(path);
	ksp_pp_digest_free(&d);
}
END_TEST

/* A struct whose members keep their compiled layout (the caller proved it
 * from DWARF): its definition alone no longer makes an object change. */
START_TEST(same_layout_types)
{
	const char *post = with("struct dst_entry { struct net_device *dev; int obsolete; };",
				"struct dst_entry { union { struct net_device *dev; struct "
				"net_device *dev_rcu; }; int obsolete; };");
	char why[256];
	ck_assert_int_eq(affects(base, post, why, sizeof(why)), 1);
	struct ksp_pp_digest d;
	struct ksp_error err;
	ck_assert_int_eq(ksp_pp_digest_text(base, strlen(base), &d, &err), 0);
	const char *same[] = {"struct dst_entry"}, *other[] = {"struct sk_buff"};
	ck_assert_int_eq(
		ksp_pp_affects_with(&d, post, strlen(post), same, 1, why, sizeof(why), &err), 0);
	ck_assert_int_eq(
		ksp_pp_affects_with(&d, post, strlen(post), other, 1, why, sizeof(why), &err), 1);
	/* a same-layout struct plus a changed inline function that is used */
	char both[4096];
	snprintf(both, sizeof(both), "%s", post);
	char *ret = strstr(both, "return dst->dev;");
	ck_assert_ptr_nonnull(ret);
	memcpy(ret, "return (void*)0;", 16);
	ck_assert_int_eq(
		ksp_pp_affects_with(&d, both, strlen(both), same, 1, why, sizeof(why), &err), 1);
	ksp_pp_digest_free(&d);
	/* a nested definition changes with it: not covered by the outer proof */
	const char *nest = with("struct dst_entry { struct net_device *dev; int obsolete; };",
				"struct dst_entry { struct net_device *dev; int obsolete; "
				"struct dst_ops { int a; } *ops; };");
	char nest_pre[4096], *at;
	snprintf(nest_pre, sizeof(nest_pre), "%s", nest);
	at = strstr(nest_pre, "int a;");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "int b;", 6);
	ck_assert_int_eq(ksp_pp_digest_text(nest_pre, strlen(nest_pre), &d, &err), 0);
	ck_assert_int_eq(
		ksp_pp_affects_with(&d, nest, strlen(nest), same, 1, why, sizeof(why), &err), 1);
	ksp_pp_digest_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pp_screen");
	TCase *tc = tcase_create("screen");
	tcase_add_test(tc, same_text_or_only_line_markers);
	tcase_add_test(tc, unused_additions);
	tcase_add_test(tc, unused_removals_and_moves);
	tcase_add_test(tc, used_changes);
	tcase_add_test(tc, definitions_that_emit_or_change_data);
	tcase_add_test(tc, renumbered_counter_names);
	tcase_add_test(tc, pragma_order);
	tcase_add_test(tc, enums);
	tcase_add_test(tc, struct_definitions);
	tcase_add_test(tc, digest_round_trip);
	tcase_add_test(tc, same_layout_types);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
