/* matcher.dwarf_interface: an exported symbol's compiled interface, read
 * from the DWARF of objects gcc compiles here before and after a change:
 * which changes modules would see, and which (more definitions visible,
 * renamed parameters, unrelated types) they would not. */
#include "dwarf_interface.h"

#include "check_run.h"
#include "gcc_object.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const builds[] = {
	"-gdwarf-4",
	"-gdwarf-5 -ffunction-sections -fdata-sections",
};
#define NBUILDS (int)(sizeof(builds) / sizeof(builds[0]))

/* Source before and after; the symbol; the start of the reason it
 * changed (NULL: the same interface). */
struct change {
	const char *pre, *post, *symbol, *reason;
};

#define FN_FOO "int f(struct foo *p) { return p != 0; }\n"
#define LIST "struct node { struct node *next; struct foo *payload; int v; };\n"

static const struct change changes[] = {
	/* An added #include makes a definition visible: the same. */
	{"struct foo;\n" FN_FOO, "struct foo { int a; long b; };\n" FN_FOO, "f", NULL},
	{"struct foo;\n" LIST "int g(struct node *n) { return n->v; }\n",
	 "struct foo { int a; };\n" LIST "int g(struct node *n) { return n->v; }\n", "g", NULL},
	/* Renamed parameter, unrelated type changed, self-reference: the same. */
	{"int f(int a) { return a; }\n", "int f(int renamed) { return renamed; }\n", "f", NULL},
	{"struct other { int a; } o;\nint f(int a) { return a; }\n",
	 "struct other { long a; } o;\nint f(int a) { return a; }\n", "f", NULL},
	/* A pointer wrapped in an anonymous union with an alias: the same. */
	{"struct foo { void *dev; long x; };\n" FN_FOO,
	 "struct foo { union { void *dev; void *dev_rcu; }; long x; };\n" FN_FOO, "f", NULL},
	/* The signature itself. */
	{"int f(int a) { return a; }\n", "int f(long a) { return a; }\n", "f",
	 "parameter 1 changed from 'int' to 'long int'"},
	{"int f(int a) { return a; }\n", "long f(int a) { return a; }\n", "f",
	 "its return type changed from 'int' to 'long int'"},
	{"int f(int a) { return a; }\n", "int f(int a, int b) { return a + b; }\n", "f",
	 "it took 1 parameters and takes 2"},
	/* Types reached from it. */
	{"struct foo { int a; int b; };\n" FN_FOO, "struct foo { int b; int a; };\n" FN_FOO, "f",
	 "struct foo: member 'a' moved from offset 0 to 4"},
	{"struct foo { int a; };\n" LIST "int g(struct node *n) { return n->v; }\n",
	 "struct foo { int a; int b; };\n" LIST "int g(struct node *n) { return n->v; }\n", "g",
	 "struct foo: size changed from 4 to 8"},
	{"typedef int t;\nint f(t a) { return a; }\n",
	 "typedef long t;\nint f(t a) { return a; }\n", "f",
	 "typedef t changed from 'int' to 'long int'"},
	{"typedef struct { int a; } T;\nint f(T *p) { return p->a; }\n",
	 "typedef struct { int a; int b; } T;\nint f(T *p) { return p->a; }\n", "f",
	 "typedef T changed from 'struct { int a; }' to 'struct { int a; int b; }'"},
	{"enum e { A, B };\nint f(enum e x) { return x; }\n",
	 "enum e { A, C, B };\nint f(enum e x) { return x; }\n", "f",
	 "enum e: enumerator B=1 became C=1"},
	/* An exported variable. */
	{"struct foo { int a; };\nstruct foo v;\n",
	 "struct foo { int a; int b; };\nstruct foo v;\n", "v",
	 "struct foo: size changed from 4 to 8"},
	{"int v;\n", "long v;\n", "v", "its type changed from 'int' to 'long int'"},
};
#define NCHANGES (int)(sizeof(changes) / sizeof(changes[0]))

static char dir[64];

static char *compile(const char *name, const char *text, const char *flags)
{
	return ksp_test_compile(dir, name, text, flags);
}

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_dwarf_interface.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

START_TEST(each_change)
{
	const struct change *c = &changes[_i % NCHANGES];
	const char *flags = builds[_i / NCHANGES];
	char name[32], why[512];
	snprintf(name, sizeof(name), "pre%d", _i);
	char *pre = compile(name, c->pre, flags);
	snprintf(name, sizeof(name), "post%d", _i);
	char *post = compile(name, c->post, flags);
	struct ksp_error err = {0};
	int rc = ksp_dwarf_interface_compare(pre, post, c->symbol, why, sizeof(why), &err);
	ck_assert_msg(rc >= 0, "case %d (%s): %s", _i, flags, err.msg);
	if (!c->reason)
		ck_assert_msg(rc == 0, "case %d (%s): refused: %s", _i, flags, why);
	else
		ck_assert_msg(rc == 1 && strncmp(why, c->reason, strlen(c->reason)) == 0,
			      "case %d (%s): rc %d, '%s', expected '%s'", _i, flags, rc, why,
			      c->reason);
	free(pre);
	free(post);
}
END_TEST

START_TEST(unknown_symbol_or_object)
{
	char *obj = compile("lone", "int f(int a) { return a; }\n", builds[0]);
	char *bare = compile("bare", "int f(int a) { return a; }\n", "-g0");
	char why[128];
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_dwarf_interface_compare(obj, obj, "nosuch", why, sizeof(why), &err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "nosuch"));
	ck_assert_int_eq(ksp_dwarf_interface_compare(obj, bare, "f", why, sizeof(why), &err), -1);
	ck_assert_int_eq(ksp_dwarf_interface_compare(obj, obj, "f", why, sizeof(why), &err), 0);
	free(obj);
	free(bare);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dwarf_interface");
	TCase *tc = tcase_create("objects");
	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, each_change, 0, NCHANGES * NBUILDS);
	tcase_add_test(tc, unknown_symbol_or_object);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
