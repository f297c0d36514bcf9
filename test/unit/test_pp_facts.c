/* matcher.pp_facts: the facts of one preprocessed object (gcc -E -dU output)
 * and the Bloom filters that hold its names; and that -dU lines change no
 * screening verdict. */
#include "bloom.h"
#include "pp_facts.h"
#include "pp_screen.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void key(char *buf, size_t len, const char *kind, int i)
{
	snprintf(buf, len, "%s_%d", kind, i);
}

START_TEST(bloom_no_false_negatives)
{
	struct ksp_bloom b;
	char s[64];
	ck_assert_int_eq(ksp_bloom_init(&b, 10000), 0);
	ck_assert_uint_eq(b.nwords & (b.nwords - 1), 0);
	ck_assert_uint_ge((uint64_t)b.nwords * 64, 10000 * 12);
	for (int i = 0; i < 10000; i++) {
		key(s, sizeof(s), "added", i);
		ksp_bloom_add(&b, s, strlen(s));
	}
	int false_positives = 0;
	for (int i = 0; i < 10000; i++) {
		key(s, sizeof(s), "added", i);
		ck_assert_int_eq(ksp_bloom_has(&b, s, strlen(s)), 1);
		key(s, sizeof(s), "other", i);
		false_positives += ksp_bloom_has(&b, s, strlen(s));
	}
	ck_assert_int_lt(false_positives, 100); /* 1%; expected about 0.2% */
	ksp_bloom_free(&b);
}
END_TEST

START_TEST(bloom_small_union_and_stable_hash)
{
	struct ksp_bloom a, b, big;
	ck_assert_int_eq(ksp_bloom_init(&a, 0), 0);
	ck_assert_int_eq(ksp_bloom_init(&b, 3), 0);
	ck_assert_int_eq(ksp_bloom_init(&big, 100000), 0);
	ck_assert_uint_eq(a.nwords, 64);
	ck_assert_int_eq(ksp_bloom_has(&a, "x", 1), 0);
	ksp_bloom_add(&a, "alpha", 5);
	ksp_bloom_add(&b, "beta", 4);
	ck_assert_int_eq(ksp_bloom_union(&big, &a), -1);
	ck_assert_int_eq(ksp_bloom_union(&a, &b), 0);
	ck_assert_int_eq(ksp_bloom_has(&a, "alpha", 5), 1);
	ck_assert_int_eq(ksp_bloom_has(&a, "beta", 4), 1);
	ck_assert_int_eq(ksp_bloom_has(&a, "gamma", 5), 0);
	/* Filters are stored on disk: the bits a string sets must never
	 * change. */
	struct ksp_bloom c;
	ck_assert_int_eq(ksp_bloom_init(&c, 1), 0);
	ksp_bloom_add(&c, "ksplice", 7);
	static const uint64_t bits[64] = {
		[4] = 0x8000,	      [14] = 0x10000000,       [17] = 0x4000, [27] = 0x8000000,
		[37] = 0x10000000000, [47] = 0x20000000000000, [58] = 0x4};
	ck_assert_uint_eq(c.nwords, 64);
	for (uint32_t i = 0; i < c.nwords; i++)
		ck_assert_uint_eq(c.words[i], bits[i]);
	ksp_bloom_free(&a);
	ksp_bloom_free(&b);
	ksp_bloom_free(&big);
	ksp_bloom_free(&c);
}
END_TEST

/* gcc -E -dU output: -dU lines, line markers in their three spellings, an
 * absolute path under the tree. Line 22 of fs/demo.c holds its own number
 * (a __LINE__), line 23 a number far from it. */
static const char *const demo_i =
	"# 0 \"fs/demo.c\"\n"
	"# 0 \"<built-in>\"\n"
	"#define __STDC__ 1\n"
	"# 0 \"<command-line>\"\n"
	"#define __KERNEL__ 1\n"
	"# 1 \"fs/demo.c\"\n"
	"# 1 \"/abs/tree/include/linux/demo.h\" 1\n"
	"#define DEMO_MAX(a,b) body_only_word(a,b)\n"
	"#define DEMO_EMPTY\n"
	"# define __KERNEL__ 1\n"
	"# 1 \"/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h\" 1 3 4\n"
	"typedef unsigned long size_t;\n"
	"# 3 \"/abs/tree/include/linux/demo.h\" 2\n"
	"# 1 \"././arch/x86/include/asm/demo.h\" 1\n"
	"extern int arch_demo;\n"
	"# 4 \"./include/linux/demo.h\" 2\n"
	"int unused_proto(int x);\n"
	"int twice_proto(int x);\n"
	"int twice_proto(int x);\n"
	"static inline __attribute__((__gnu_inline__)) int unused_inline(int v)\n"
	"{\n return helper_called(v);\n}\n"
	"enum demo_state { DEMO_IDLE, DEMO_BUSY };\n"
	"enum quiet_state { QUIET_A, QUIET_B = 3 };\n"
	"extern int used_var;\n"
	"int helper_called(int v);\n"
	"int pragma_target(void);\n"
	"int chain_target(int v);\n"
	"static inline int used_inline(int v)\n{\n return chain_target(v) + QUIET_LATE + 19;\n}\n"
	"static inline int dead_inline(int v)\n{\n return unused_inline(v) + dead_inline(v) + "
	"23;\n}\n"
	"enum { QUIET_EARLY, QUIET_LATE };\n"
	"#pragma weak pragma_target\n"
	"#undef DEMO_EMPTY\n"
	"#define DEMO_EMPTY 2\n"
	"# 20 \"fs/demo.c\" 2\n"
	"int demo_fn(void)\n"
	"{\n"
	" used_var = 22;\n"
	" return DEMO_BUSY + used_inline(900);\n"
	"}\n";

static void facts_of(const char *text, struct ksp_pp_facts *f)
{
	struct ksp_error err;
	ck_assert_msg(ksp_pp_facts_from_text(text, strlen(text), "/abs/tree", f, &err) == 0, "%s",
		      err.msg);
}

static int has(const struct ksp_bloom *b, const char *s)
{
	return ksp_bloom_has(b, s, strlen(s));
}

START_TEST(seen_names)
{
	struct ksp_pp_facts f;
	facts_of(demo_i, &f);
	const char *seen[] = {"__STDC__", "__KERNEL__",	   "DEMO_MAX",	   "DEMO_EMPTY",
			      "size_t",	  "unused_proto",  "QUIET_B",	   "demo_fn",
			      "used_var", "pragma_target", "unused_inline"};
	for (size_t i = 0; i < sizeof(seen) / sizeof(*seen); i++)
		ck_assert_msg(has(&f.seen, seen[i]), "%s not seen", seen[i]);
	ck_assert(!has(&f.seen, "body_only_word"));
	ck_assert(!has(&f.seen, "never_written"));
	ck_assert(!has(&f.refs, "__STDC__"));
	ck_assert(!has(&f.refs, "DEMO_MAX"));
	ck_assert_uint_eq(f.seen.nwords, f.refs.nwords);
	ksp_pp_facts_free(&f);
}
END_TEST

START_TEST(refs_names)
{
	struct ksp_pp_facts f;
	facts_of(demo_i, &f);
	/* what demo_fn reaches, through used_inline to chain_target and a
	 * constant of an enum whose other constant then counts too */
	const char *refs[] = {"used_var",     "DEMO_BUSY",     "DEMO_IDLE",  "demo_state",
			      "size_t",	      "pragma_target", "demo_fn",    "used_inline",
			      "chain_target", "QUIET_LATE",    "QUIET_EARLY"};
	for (size_t i = 0; i < sizeof(refs) / sizeof(*refs); i++)
		ck_assert_msg(has(&f.refs, refs[i]), "%s not in refs", refs[i]);
	/* what only unused declarations mention: helper_called is called from
	 * unused_inline, which only the unused dead_inline calls */
	const char *unref[] = {"unused_proto",	"unused_inline", "QUIET_A",
			       "QUIET_B",	"quiet_state",	 "arch_demo",
			       "helper_called", "twice_proto",	 "dead_inline"};
	for (size_t i = 0; i < sizeof(unref) / sizeof(*unref); i++)
		ck_assert_msg(!has(&f.refs, unref[i]), "%s in refs", unref[i]);
	ksp_pp_facts_free(&f);
}
END_TEST

/* A struct definition reaches code only through what names its tag. */
START_TEST(refs_struct_tags)
{
	static const char *const text =
		"struct unused_s { int a; struct other_s *o; };\n"
		"struct used_s { int a; struct member_s { int m; } mem; };\n"
		"struct inline_only_s { int a; };\n"
		"struct fwd_only_s;\n"
		"static inline int dead(struct inline_only_s *p)\n{\n return p->a;\n}\n"
		"struct used_s used_v;\n"
		"int f(void)\n{\n return used_v.a;\n}\n";
	struct ksp_pp_facts f;
	facts_of(text, &f);
	const char *refs[] = {"used_s", "member_s", "used_v", "f"};
	for (size_t i = 0; i < sizeof(refs) / sizeof(*refs); i++)
		ck_assert_msg(has(&f.refs, refs[i]), "%s not in refs", refs[i]);
	const char *unref[] = {"unused_s", "other_s", "inline_only_s", "dead", "fwd_only_s"};
	for (size_t i = 0; i < sizeof(unref) / sizeof(*unref); i++)
		ck_assert_msg(!has(&f.refs, unref[i]), "%s in refs", unref[i]);
	ksp_pp_facts_free(&f);
}
END_TEST

START_TEST(macros_in_order)
{
	struct ksp_pp_facts f;
	facts_of(demo_i, &f);
	static const char *const want[][2] = {{"__STDC__", " 1"},
					      {"__KERNEL__", " 1"},
					      {"DEMO_MAX", "(a,b) body_only_word(a,b)"},
					      {"DEMO_EMPTY", ""},
					      {"DEMO_EMPTY", " 2"}};
	ck_assert_uint_eq(f.nmacros, 5);
	for (size_t i = 0; i < f.nmacros; i++) {
		ck_assert_str_eq(f.macros[i].name, want[i][0]);
		ck_assert_str_eq(f.macros[i].def, want[i][1]);
	}
	ksp_pp_facts_free(&f);
}
END_TEST

static const struct ksp_pp_file_read *file(const struct ksp_pp_facts *f, const char *path)
{
	for (size_t i = 0; i < f->nfiles; i++)
		if (!strcmp(f->files[i].path, path))
			return &f->files[i];
	ck_abort_msg("no file %s", path);
	return NULL;
}

START_TEST(files_and_line_values)
{
	struct ksp_pp_facts f;
	facts_of(demo_i, &f);
	ck_assert_uint_eq(f.nfiles, 6);
	ck_assert_uint_eq(file(&f, "fs/demo.c")->max_line_value, 22);
	/* 19 (line 19, in used_inline, which demo_fn calls); not 23 (line 23,
	 * in dead_inline) nor 3 (QUIET_B of the unused enum quiet_state) */
	ck_assert_uint_eq(file(&f, "include/linux/demo.h")->max_line_value, 19);
	ck_assert_uint_eq(file(&f, "arch/x86/include/asm/demo.h")->max_line_value, 0);
	file(&f, "<built-in>");
	file(&f, "<command-line>");
	file(&f, "/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h");
	ksp_pp_facts_free(&f);
}
END_TEST

/* Writes f into a memory buffer; *len its size. */
static char *written(const struct ksp_pp_facts *f, size_t *len)
{
	char *buf = NULL;
	struct ksp_error err;
	FILE *out = open_memstream(&buf, len);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(ksp_pp_facts_write(f, out, &err), 0);
	ck_assert_int_eq(fclose(out), 0);
	return buf;
}

static int read_back(char *buf, size_t len, struct ksp_pp_facts *f, struct ksp_error *err)
{
	FILE *in = len ? fmemopen(buf, len, "rb") : fopen("/dev/null", "rb");
	ck_assert_ptr_nonnull(in);
	int rc = ksp_pp_facts_read(in, f, err);
	fclose(in);
	return rc;
}

START_TEST(write_read_round_trip)
{
	struct ksp_pp_facts f, back;
	struct ksp_error err;
	size_t len;
	facts_of(demo_i, &f);
	char *buf = written(&f, &len);
	ck_assert_int_eq(read_back(buf, len, &back, &err), 0);
	ck_assert_uint_eq(back.seen.nwords, f.seen.nwords);
	ck_assert_uint_eq(back.refs.nwords, f.refs.nwords);
	ck_assert(!memcmp(back.seen.words, f.seen.words, f.seen.nwords * sizeof(uint64_t)));
	ck_assert(!memcmp(back.refs.words, f.refs.words, f.refs.nwords * sizeof(uint64_t)));
	ck_assert_uint_eq(back.nmacros, f.nmacros);
	for (size_t i = 0; i < f.nmacros; i++) {
		ck_assert_str_eq(back.macros[i].name, f.macros[i].name);
		ck_assert_str_eq(back.macros[i].def, f.macros[i].def);
	}
	ck_assert_uint_eq(back.nfiles, f.nfiles);
	for (size_t i = 0; i < f.nfiles; i++) {
		ck_assert_str_eq(back.files[i].path, f.files[i].path);
		ck_assert_uint_eq(back.files[i].max_line_value, f.files[i].max_line_value);
	}
	ksp_pp_facts_free(&back);
	ksp_pp_facts_free(&f);
	free(buf);
}
END_TEST

START_TEST(truncated_or_corrupt_rejected)
{
	struct ksp_pp_facts f, back;
	struct ksp_error err;
	size_t len;
	facts_of(demo_i, &f);
	char *buf = written(&f, &len);
	for (size_t cut = 0; cut < len; cut += cut < 64 || len - cut < 64 ? 1 : 97) {
		err.msg[0] = '\0';
		ck_assert_int_eq(read_back(buf, cut, &back, &err), -1);
		ck_assert_int_eq(err.code, KSP_E_INPUT);
		ck_assert_ptr_null(back.macros);
	}
	buf[0] = 'X';
	ck_assert_int_eq(read_back(buf, len, &back, &err), -1);
	buf[0] = 'K';
	uint32_t huge = 0x40000000u;
	memcpy(buf + 8, &huge, sizeof(huge));
	ck_assert_int_eq(read_back(buf, len, &back, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "facts"));
	ksp_pp_facts_free(&f);
	free(buf);
}
END_TEST

/* The same translation unit without and with -dU lines. */
static const char *const plain_i = "# 1 \"net/demo.c\"\n"
				   "# 1 \"./include/net/demo.h\" 1\n"
				   "int demo_proto(int x);\n"
				   "static int demo_count;\n"
				   "#pragma GCC diagnostic push\n"
				   "# 5 \"net/demo.c\" 2\n"
				   "int demo_fn(void)\n"
				   "{\n return demo_proto(demo_count);\n}\n";

static const char *const du_i = "# 1 \"net/demo.c\"\n"
				"#define __STDC__ 1\n"
				"# 1 \"./include/net/demo.h\" 1\n"
				"#define DEMO_ONE 1\n"
				"int demo_proto(int x);\n"
				"# define DEMO_TWO(a) (a)\n"
				"static int demo_count;\n"
				"#undef DEMO_ONE\n"
				"#pragma GCC diagnostic push\n"
				"# 5 \"net/demo.c\" 2\n"
				"#  undef DEMO_TWO\n"
				"int demo_fn(void)\n"
				"{\n return demo_proto(demo_count);\n}\n";

static void digest(const char *text, struct ksp_pp_digest *d)
{
	struct ksp_error err;
	ck_assert_int_eq(ksp_pp_digest_text(text, strlen(text), d, &err), 0);
}

static int affects(const char *pre, const char *post)
{
	struct ksp_pp_digest d;
	struct ksp_error err;
	char why[256];
	digest(pre, &d);
	int rc = ksp_pp_affects(&d, post, strlen(post), why, sizeof(why), &err);
	ksp_pp_digest_free(&d);
	ck_assert_int_ge(rc, 0);
	return rc;
}

START_TEST(du_lines_change_no_verdict)
{
	struct ksp_pp_digest a, b;
	digest(plain_i, &a);
	digest(du_i, &b);
	ck_assert_uint_eq(a.nitems, b.nitems);
	ck_assert_uint_eq(a.names_len, b.names_len);
	ck_assert(!memcmp(a.items, b.items, a.nitems * sizeof(*a.items)));
	ck_assert(!memcmp(a.names, b.names, a.names_len));
	ck_assert(a.items[2].directive); /* the #pragma stays an item */
	ksp_pp_digest_free(&a);
	ksp_pp_digest_free(&b);
	ck_assert_int_eq(affects(plain_i, du_i), 0);
	ck_assert_int_eq(affects(du_i, plain_i), 0);
}
END_TEST

START_TEST(changed_define_line_alone_unaffected)
{
	const char *pre = "# 1 \"x.c\"\n#define LIMIT 1\nint f(void) { return 1; }\n";
	const char *post = "# 1 \"x.c\"\n#define LIMIT 2\nint f(void) { return 1; }\n";
	const char *pragma = "# 1 \"x.c\"\n#pragma LIMIT 2\nint f(void) { return 1; }\n";
	const char *ident = "# 1 \"x.c\"\n#ident \"x\"\nint f(void) { return 1; }\n";
	ck_assert_int_eq(affects(pre, post), 0);
	ck_assert_int_eq(affects(pre, pragma), 1);
	ck_assert_int_eq(affects(pre, ident), 1);
	ck_assert_int_eq(affects("#defined x\n", "#undefined x\n"), 1);
}
END_TEST

static void expect_path(const char *marker, const char *root, const char *want)
{
	char out[256];
	size_t n = pp_marker_path(marker, strlen(marker), root, out, sizeof(out));
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(n, strlen(want));
}

/* Screening and the index must name a header included as "../x.h" as the
 * patch names it, or its readers would be taken for objects that read no
 * changed file. */
START_TEST(marker_paths_normalized)
{
	expect_path("./include/linux/fs.h", "/t", "include/linux/fs.h");
	expect_path("/t/include/linux/fs.h", "/t", "include/linux/fs.h");
	expect_path("drivers/net/wireless/ti/wl12xx/../wlcore/wlcore.h", "/t",
		    "drivers/net/wireless/ti/wlcore/wlcore.h");
	expect_path("./drivers/a/./b/../../c.h", NULL, "drivers/c.h");
	expect_path("../x.h", NULL, "../x.h");
	expect_path("a/../../x.h", NULL, "../x.h");
	expect_path("/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h", "/t",
		    "/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h");
	expect_path("<built-in>", "/t", "<built-in>");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pp_facts");
	TCase *tc = tcase_create("facts");
	tcase_add_test(tc, bloom_no_false_negatives);
	tcase_add_test(tc, bloom_small_union_and_stable_hash);
	tcase_add_test(tc, seen_names);
	tcase_add_test(tc, refs_names);
	tcase_add_test(tc, refs_struct_tags);
	tcase_add_test(tc, macros_in_order);
	tcase_add_test(tc, files_and_line_values);
	tcase_add_test(tc, write_read_round_trip);
	tcase_add_test(tc, truncated_or_corrupt_rejected);
	tcase_add_test(tc, du_lines_change_no_verdict);
	tcase_add_test(tc, changed_define_line_alone_unaffected);
	tcase_add_test(tc, marker_paths_normalized);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
