/* create.kbuild_print: reading what kbuild printed for a directory
 * (kbuild.c's print rule): the module each module object is linked into. */
#include "kbuild.h"

#include "check_run.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* As `make -f scripts/Makefile.build -f RULES ksplice-print` prints for
 * fs/nfsd (shortened), and for a directory with a single-file module and a
 * composite whose name has a dash (kbuild's name-fix-token made it '_'). */
static const char nfsd[] = "modname: fs/nfsd/trace.o nfsd\n"
			   "modname: fs/nfsd/nfs4state.o nfsd\n"
			   "builtin:\n"
			   "module: fs/nfsd/trace.o fs/nfsd/nfs4state.o\n";
static const char mixed[] = "modname: net/ipv4/ipip.o ipip\n"
			    "modname: net/ipv4/fou_core.o fou\n"
			    "modname: drivers/x/a-b.o a_b\n"
			    "modname: drivers/x/shared.o one:two\n"
			    "modname: drivers/x/empty.o \n"
			    "builtin: net/ipv4/route.o\n"
			    "module: net/ipv4/ipip.o net/ipv4/fou_core.o\n";

static void expect_name(const char *out, const char *object, const char *want)
{
	char name[64];
	struct ksp_error err = {0};
	ck_assert_msg(ksp_kbuild_modname(out, object, name, sizeof(name), &err) == 0, "%s: %s",
		      object, err.msg);
	ck_assert_str_eq(name, want);
}

static void expect_error(const char *out, const char *object, const char *words)
{
	char name[64] = "";
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_kbuild_modname(out, object, name, sizeof(name), &err), -1);
	ck_assert_msg(strstr(err.msg, words), "%s: '%s' lacks '%s'", object, err.msg, words);
}

START_TEST(module_names)
{
	expect_name(nfsd, "fs/nfsd/nfs4state.o", "nfsd");
	expect_name(nfsd, "fs/nfsd/trace.o", "nfsd");
	expect_name(mixed, "net/ipv4/ipip.o", "ipip");
	expect_name(mixed, "net/ipv4/fou_core.o", "fou");
	expect_name(mixed, "drivers/x/a-b.o", "a_b");
}
END_TEST

START_TEST(no_line_several_modules_or_no_name)
{
	expect_error(nfsd, "fs/nfsd/nfs4.o", "kbuild named no module");
	expect_error(nfsd, "fs/nfsd/nfs4state", "kbuild named no module"); /* whole words */
	expect_error(mixed, "net/ipv4/route.o", "kbuild named no module");
	expect_error(mixed, "drivers/x/shared.o", "several modules (one:two)");
	expect_error(mixed, "drivers/x/empty.o", "unusable");
	expect_error("", "fs/nfsd/nfs4state.o", "kbuild named no module");
	char small[4];
	struct ksp_error err = {0};
	ck_assert_int_eq(
		ksp_kbuild_modname(nfsd, "fs/nfsd/nfs4state.o", small, sizeof(small), &err), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("create.kbuild_print");
	TCase *tc = tcase_create("modname");
	tcase_add_test(tc, module_names);
	tcase_add_test(tc, no_line_several_modules_or_no_name);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
