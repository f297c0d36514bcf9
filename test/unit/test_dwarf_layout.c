/* matcher.dwarf_layout: struct and union layouts read from the DWARF of
 * objects gcc compiles here, and which changes live objects survive. */
#include "dwarf_layout.h"

#include "check_run.h"
#include "gcc_object.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every case is read from objects built each way the kernel may be built:
 * DWARF 4 or 5, with or without a section per function and variable. */
static const char *const builds[] = {
	"-gdwarf-4",
	"-gdwarf-5",
	"-gdwarf-4 -ffunction-sections -fdata-sections",
	"-gdwarf-5 -ffunction-sections -fdata-sections",
};
#define NBUILDS (int)(sizeof(builds) / sizeof(builds[0]))

/* A change to type cN, and why it is refused (NULL: it is compatible). */
struct change {
	const char *kind, *pre, *post, *reason;
};

/* include/net/dst.h in Debian's 6.1.190: dev joins an __rcu alias. */
#define DST_TAIL                                                                                   \
	"\tstruct dst_ops *ops;\n"                                                                 \
	"\tunsigned long _metrics;\n"                                                              \
	"\tunsigned long expires;\n"                                                               \
	"\tint (*input)(struct sk_buff *);\n"                                                      \
	"\tunsigned short flags;\n"                                                                \
	"\tshort obsolete;\n"                                                                      \
	"\tu32 tclassid;\n"
#define DST_PRE "\tstruct net_device *dev;\n" DST_TAIL
#define DST_POST                                                                                   \
	"\tunion {\n"                                                                              \
	"\t\tstruct net_device *dev;\n"                                                            \
	"\t\tstruct net_device /* __rcu */ *dev_rcu;\n"                                            \
	"\t};\n" DST_TAIL

/* kernel/futex/futex.h's union futex_key. */
#define FUTEX_SHARED "\tstruct { u64 i_seq; unsigned long pgoff; unsigned int offset; } shared;\n"
#define FUTEX_REST                                                                                 \
	"\tstruct { union { struct mm_struct *mm; u64 __tmp; }; unsigned long address;\n"          \
	"\t\tunsigned int offset; } private;\n"                                                    \
	"\tstruct { u64 ptr; unsigned long word; unsigned int offset; } both;\n"
#define FUTEX FUTEX_SHARED FUTEX_REST

#define BITS "unsigned a: 3; unsigned b: 2; int c;"

static const struct change changes[] = {
	/* Aliases of existing storage. */
	{"struct", DST_PRE, DST_POST, NULL},
	{"struct", "int a; int b; long l;",
	 "union { struct { int a; int b; }; long both; }; long l;", NULL},
	{"union", FUTEX, FUTEX "\tstruct { u64 ptr; unsigned long w; } alt;\n", NULL},
	{"union", FUTEX, FUTEX "\tunsigned long first;\n", NULL},
	/* Unchanged; u32 reaches unsigned int another way after. */
	{"struct", DST_PRE, DST_PRE, NULL},
	{"struct", BITS, BITS, NULL},
	{"union", FUTEX, FUTEX, NULL},
	/* Typedef names are kept as written. */
	{"struct", "u32 a;", "__u32 a;", "member 'a' changed type from 'u32' to '__u32'"},
	/* Size, alignment, members. */
	{"struct", "long a; long b;", "long a; long b; long c;", "size changed from 16 to 24"},
	{"struct", "long a; long b;", "long a __attribute__((aligned(16))); long b;",
	 "alignment changed from 0 to 16"},
	{"struct", "int a; int b;", "long a; int b;",
	 "member 'a' changed type from 'int' to 'long int'"},
	{"struct", "int a; int b;", "int b; int a;", "member 'a' moved from offset 0 to 4"},
	{"struct", "int a; int b;", "int a;", "member 'b' removed"},
	{"struct", "int a; int b;", "int a; int b __attribute__((aligned(8)));",
	 "member 'b' moved from offset 4 to 8"},
	{"struct", "int a[4];", "int a[2]; int b[2];",
	 "member 'a' changed type from 'int [4]' to 'int [2]'"},
	{"union", FUTEX, FUTEX "\tunsigned long words[4];\n", "size changed from 24 to 32"},
	/* Inside a member of anonymous type: its type string spells it. */
	{"union", FUTEX,
	 "\tstruct { u64 i_seq; unsigned int offset; unsigned long pgoff; } shared;\n" FUTEX_REST,
	 "member 'shared' changed type from 'struct { u64 i_seq; long unsigned int pgoff; "
	 "unsigned int offset; }'"},
	/* New storage: padding, or wider than what it aliases. */
	{"struct", "char c; long l;", "char c; char d; long l;",
	 "new member 'd' at offset 1 uses storage no existing member used (padding or new space)"},
	{"struct", "int a; long l;", "union { int a; long wide; }; long l;",
	 "new member 'wide' at offset 0 uses storage"},
	{"struct", "long n;", "long n; char data[];", "new member 'data' at offset 8 has no size"},
	/* Bit-fields. */
	{"struct", BITS, "unsigned a: 5; unsigned b: 2; int c;",
	 "member 'a' changed bit size from 3 to 5"},
	{"struct", BITS, "unsigned a: 3; unsigned x: 1; unsigned b: 2; int c;",
	 "member 'b' moved from offset 0 bit 3 to offset 0 bit 4"},
	{"struct", BITS, "unsigned a: 3; unsigned b: 2; unsigned x: 1; int c;",
	 "new member 'x' at offset 0 bit 5 uses storage"},
};
#define NCHANGES (sizeof(changes) / sizeof(changes[0]))

/* Types whose layouts the tests read member by member (before only). */
static const char *const samples =
	"struct dst_sample {\n" DST_POST "};\n"
	"struct bits_sample { char c; unsigned a: 3; unsigned b: 7; u64 wide: 40; int d; };\n"
	"union futex_key {\n" FUTEX "};\n"
	"struct types_sample {\n"
	"\tconst char *name; char *const fixed; volatile const int cv;\n"
	"\tint grid[2][3]; struct sock *socks[4]; int (*row)[3];\n"
	"\tint (*fn)(struct sock *, int); void (*noargs)(void);\n"
	"\tint (*printf_like)(const char *, ...); void *any;\n"
	"\tstruct sock *(*lookup)(u32, struct net_device **);\n"
	"\tenum { X, Y } state; char tail[0];\n"
	"};\n"
	"struct dst_sample *keep_dst; struct bits_sample *keep_bits;\n"
	"union futex_key *keep_futex; struct types_sample *keep_types;\n";

static char dir[64];

/* The objects of builds[i]: all pre sides and the samples, all post sides. */
static char *pre_objs[NBUILDS], *post_objs[NBUILDS];

static char *compile(const char *name, const char *text, const char *flags)
{
	return ksp_test_compile(dir, name, text, flags);
}

/* One side of every change as one file: "struct c0 { ... }; struct c1 ..."
 * and pointers that keep their DWARF, after typedefs (u32 is a typedef of
 * a typedef before, of unsigned int after). */
static char *side(int post)
{
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort();
	fprintf(f,
		"typedef unsigned int __u32;\ntypedef %s u32;\ntypedef unsigned long long u64;\n",
		post ? "unsigned int" : "__u32");
	fputs("struct net_device;\nstruct sk_buff;\nstruct sock;\n", f);
	for (size_t i = 0; i < NCHANGES; i++) {
		const struct change *c = &changes[i];
		fprintf(f, "%s c%zu {\n%s\n};\n%s c%zu *keep_c%zu;\n", c->kind, i,
			post ? c->post : c->pre, c->kind, i, i);
	}
	fputs("unsigned long used(struct c0 *p)\n{\n\treturn sizeof(*p) + (unsigned long)p;\n}\n",
	      f);
	if (!post)
		fputs(samples, f);
	fclose(f);
	return text;
}

static void build_objects(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_dwarf_layout.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	char *pre = side(0), *post = side(1), name[32];
	for (int i = 0; i < NBUILDS; i++) {
		snprintf(name, sizeof(name), "pre%d", i);
		pre_objs[i] = compile(name, pre, builds[i]);
		snprintf(name, sizeof(name), "post%d", i);
		post_objs[i] = compile(name, post, builds[i]);
	}
	free(pre);
	free(post);
}

static void remove_objects(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	for (int i = 0; i < NBUILDS; i++) {
		free(pre_objs[i]);
		free(post_objs[i]);
	}
}

static void load(const char *obj, const char *type, struct ksp_layout *l)
{
	struct ksp_error err;
	int rc = ksp_dwarf_layout_load(obj, type, l, &err);
	ck_assert_msg(rc == 1, "load %s from %s: %d %s", type, obj, rc, rc < 0 ? err.msg : "");
}

static const struct ksp_layout_member *member(const struct ksp_layout *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->members[i].name, name) == 0)
			return &l->members[i];
	ck_abort_msg("no member '%s'", name);
	return NULL;
}

START_TEST(changes_judged)
{
	for (size_t i = 0; i < NCHANGES; i++) {
		const struct change *c = &changes[i];
		char type[32], why[512];
		struct ksp_layout a, b;
		snprintf(type, sizeof(type), "%s c%zu", c->kind, i);
		load(pre_objs[_i], type, &a);
		load(post_objs[_i], type, &b);
		int rc = ksp_layout_compare(&a, &b, why, sizeof(why));
		ksp_layout_free(&a);
		ksp_layout_free(&b);
		if (!c->reason) {
			ck_assert_msg(rc == 0, "%s, %s: refused: %s", builds[_i], type, why);
			continue;
		}
		ck_assert_msg(rc == 1, "%s, %s: accepted", builds[_i], type);
		ck_assert_msg(strstr(why, c->reason), "%s, %s: reason '%s' lacks '%s'", builds[_i],
			      type, why, c->reason);
	}
}
END_TEST

/* Read from the relocated DWARF: the names and types are the right strings,
 * the anonymous union is flattened. */
START_TEST(dst_entry_members)
{
	struct ksp_layout l;
	load(pre_objs[_i], "struct dst_sample", &l);
	ck_assert_uint_eq(l.size, 48);
	ck_assert_uint_eq(l.align, 0);
	ck_assert_uint_eq(l.count, 9);
	ck_assert_str_eq(l.members[0].name, "dev");
	ck_assert_str_eq(l.members[1].name, "dev_rcu");
	ck_assert_str_eq(member(&l, "dev_rcu")->type, "struct net_device *");
	ck_assert_uint_eq(member(&l, "dev_rcu")->offset, 0);
	ck_assert_uint_eq(member(&l, "dev_rcu")->size, 8);
	ck_assert_uint_eq(member(&l, "expires")->offset, 24);
	ck_assert_str_eq(member(&l, "input")->type, "int (*)(struct sk_buff *)");
	ck_assert_uint_eq(member(&l, "tclassid")->offset, 44);
	ck_assert_str_eq(member(&l, "tclassid")->type, "u32");
	ksp_layout_free(&l);
}
END_TEST

START_TEST(bitfield_members)
{
	struct ksp_layout l;
	load(pre_objs[_i], "struct bits_sample", &l);
	const struct ksp_layout_member *b = member(&l, "b");
	ck_assert_uint_eq(b->offset, 1);
	ck_assert_uint_eq(b->bit_offset, 3);
	ck_assert_uint_eq(b->bit_size, 7);
	ck_assert_uint_eq(b->size, 4);
	ck_assert_str_eq(b->type, "unsigned int");
	ck_assert_uint_eq(member(&l, "c")->bit_size, 0);
	ck_assert_uint_eq(member(&l, "wide")->offset, 2);
	ck_assert_uint_eq(member(&l, "wide")->bit_offset, 2);
	ck_assert_uint_eq(member(&l, "wide")->bit_size, 40);
	ck_assert_str_eq(member(&l, "wide")->type, "u64");
	ck_assert_uint_eq(member(&l, "d")->offset, 8);
	ksp_layout_free(&l);
}
END_TEST

START_TEST(union_members)
{
	struct ksp_layout l;
	load(pre_objs[_i], "union futex_key", &l);
	ck_assert_uint_eq(l.size, 24);
	ck_assert_uint_eq(l.count, 3);
	ck_assert_str_eq(member(&l, "private")->type,
			 "struct { union { struct mm_struct *mm; u64 __tmp; }; long unsigned int "
			 "address; unsigned int offset; }");
	ck_assert_uint_eq(member(&l, "both")->offset, 0);
	ck_assert_uint_eq(member(&l, "both")->size, 24);
	ksp_layout_free(&l);
}
END_TEST

START_TEST(type_strings)
{
	struct ksp_layout l;
	load(pre_objs[_i], "struct types_sample", &l);
	ck_assert_str_eq(member(&l, "name")->type, "const char *");
	ck_assert_str_eq(member(&l, "fixed")->type, "char *const");
	ck_assert_str_eq(member(&l, "cv")->type, "const volatile int");
	ck_assert_str_eq(member(&l, "grid")->type, "int [2][3]");
	ck_assert_uint_eq(member(&l, "grid")->size, 24);
	ck_assert_str_eq(member(&l, "socks")->type, "struct sock *[4]");
	ck_assert_str_eq(member(&l, "row")->type, "int (*)[3]");
	ck_assert_str_eq(member(&l, "fn")->type, "int (*)(struct sock *, int)");
	ck_assert_str_eq(member(&l, "noargs")->type, "void (*)(void)");
	ck_assert_str_eq(member(&l, "printf_like")->type, "int (*)(const char *, ...)");
	ck_assert_str_eq(member(&l, "any")->type, "void *");
	ck_assert_str_eq(member(&l, "lookup")->type, "struct sock *(*)(u32, struct net_device **)");
	ck_assert_str_eq(member(&l, "state")->type, "enum { ... }");
	ck_assert_str_eq(member(&l, "tail")->type, "char [0]");
	ck_assert_uint_eq(member(&l, "tail")->size, 0);
	ksp_layout_free(&l);
}
END_TEST

START_TEST(type_not_defined)
{
	struct ksp_layout l;
	struct ksp_error err;
	const char *obj = pre_objs[_i];
	ck_assert_int_eq(ksp_dwarf_layout_load(obj, "struct absent", &l, &err), 0);
	ck_assert_uint_eq(l.count, 0);
	ck_assert_int_eq(ksp_dwarf_layout_load(obj, "union c0", &l, &err), 0);
	/* Only declared (a pointer's target), never defined. */
	ck_assert_int_eq(ksp_dwarf_layout_load(obj, "struct net_device", &l, &err), 0);
	ck_assert_int_eq(ksp_dwarf_layout_load(obj, "c0", &l, &err), -1);
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/missing.o", dir);
	ck_assert_int_eq(ksp_dwarf_layout_load(missing, "struct c0", &l, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "missing.o"));
}
END_TEST

/* The same source reads the same under DWARF 4 (DW_AT_bit_offset) and
 * DWARF 5 (DW_AT_data_bit_offset). */
START_TEST(dwarf_versions_agree)
{
	static const char *const types[] = {"struct bits_sample", "struct dst_sample",
					    "union futex_key", "struct types_sample"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct ksp_layout v4, v5;
		char why[256];
		load(pre_objs[0], types[i], &v4);
		load(pre_objs[1], types[i], &v5);
		ck_assert_msg(ksp_layout_compare(&v4, &v5, why, sizeof(why)) == 0, "%s", why);
		ck_assert_msg(ksp_layout_compare(&v5, &v4, why, sizeof(why)) == 0, "%s", why);
		ksp_layout_free(&v4);
		ksp_layout_free(&v5);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dwarf_layout");
	TCase *tc = tcase_create("layout");
	tcase_add_unchecked_fixture(tc, build_objects, remove_objects);
	tcase_add_loop_test(tc, changes_judged, 0, NBUILDS);
	tcase_add_loop_test(tc, dst_entry_members, 0, NBUILDS);
	tcase_add_loop_test(tc, bitfield_members, 0, NBUILDS);
	tcase_add_loop_test(tc, union_members, 0, NBUILDS);
	tcase_add_loop_test(tc, type_strings, 0, NBUILDS);
	tcase_add_loop_test(tc, type_not_defined, 0, NBUILDS);
	tcase_add_test(tc, dwarf_versions_agree);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
