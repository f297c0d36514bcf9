/* live.module_targets: which modules an update patches and whether they are
 * live (splicer/live/module_targets.c), and how run-pre resolves names in
 * the code of a module (runpre/symtab.c: the module's own symbols, then
 * vmlinux's, then other modules'). */
#include "kallsyms.h"
#include "metadata.h"
#include "module_targets.h"
#include "symtab.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/ksplice-test-sysfs.XXXXXX";

static void module_with_state(const char *name, const char *state)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/module", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/module/%s", root, name);
	mkdir(path, 0755);
	if (!state)
		return;
	snprintf(path, sizeof(path), "%s/module/%s/initstate", root, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", state);
	fclose(f);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
	module_with_state("nfsd", "live");
	module_with_state("lockd", "going");
	module_with_state("printk", NULL); /* built in: no initstate */
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(root, "/tmp/ksplice-test-sysfs.XXXXXX");
}

static void parse(const char *text, struct ksp_metadata *m)
{
	struct ksp_error err = {0};
	ck_assert_msg(ksp_metadata_parse(text, strlen(text), m, &err) == 0, "%s", err.msg);
}

START_TEST(states)
{
	char buf[32];
	ck_assert_str_eq(ksp_module_state(root, "nfsd", buf, sizeof(buf)), "live");
	ck_assert_str_eq(ksp_module_state(root, "lockd", buf, sizeof(buf)), "going");
	ck_assert_str_eq(ksp_module_state(root, "printk", buf, sizeof(buf)), "absent");
	ck_assert_str_eq(ksp_module_state(root, "xfs", buf, sizeof(buf)), "absent");
}
END_TEST

START_TEST(live_targets_pass_and_others_are_named)
{
	struct ksp_metadata m;
	struct ksp_error err = {0};
	const char *absent[4];
	size_t n = 9;
	parse("ID=a\nUNIT=fs/proc/cmdline.o\nTARGET=vmlinux\nUNIT=fs/nfsd/nfs4state.o\n"
	      "TARGET=nfsd\n",
	      &m);
	ck_assert_int_eq(ksp_module_targets_check(root, &m, absent, 4, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ksp_metadata_free(&m);

	/* Not loaded: its part is pending, named once. */
	parse("ID=a\nUNIT=fs/nfsd/nfs4state.o\nTARGET=nfsd\nUNIT=fs/xfs/xfs_buf.o\nTARGET=xfs\n"
	      "UNIT=fs/xfs/xfs_inode.o\nTARGET=xfs\n",
	      &m);
	ck_assert_int_eq(ksp_module_targets_check(root, &m, absent, 4, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(absent[0], "xfs");
	ksp_metadata_free(&m);

	parse("ID=a\nUNIT=fs/lockd/svc.o\nTARGET=lockd\n", &m);
	ck_assert_int_eq(ksp_module_targets_check(root, &m, absent, 4, &n, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_TARGET_ABSENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "module lockd is going, not live"));
	ksp_metadata_free(&m);
}
END_TEST

/* vmlinux has a static and a global "helper", nfsd a static "helper" and
 * "nfsd_only", sunrpc an exported "svc_fn". */
static const char kallsyms_text[] = "ffffffff81000000 t helper\n"
				    "ffffffff81000100 T kfree\n"
				    "ffffffffc0001000 t helper\t[nfsd]\n"
				    "ffffffffc0002000 T nfsd_only\t[nfsd]\n"
				    "ffffffffc0100000 T svc_fn\t[sunrpc]\n"
				    "ffffffffc0200000 T svc_fn\t[other]\n";

START_TEST(module_code_sees_its_own_symbols_first)
{
	struct ksp_kallsyms ks;
	struct ksp_error err = {0};
	ck_assert_int_eq(
		ksp_kallsyms_parse(kallsyms_text, strlen(kallsyms_text), "test", &ks, &err), 0);
	struct rp_symtab st;
	rp_symtab_from_kallsyms(&st, &ks);
	uint64_t a[4];
	const char *names[4];

	ck_assert_uint_eq(st.lookup(st.ctx, "nfsd", "helper", a, 4), 1);
	ck_assert_uint_eq(a[0], 0xffffffffc0001000ULL);
	ck_assert_uint_eq(st.lookup(st.ctx, NULL, "helper", a, 4), 1);
	ck_assert_uint_eq(a[0], 0xffffffff81000000ULL);
	ck_assert_uint_eq(st.lookup(st.ctx, "nfsd", "kfree", a, 4), 1);
	ck_assert_uint_eq(st.lookup(st.ctx, NULL, "nfsd_only", a, 4), 0);
	/* other modules' last, all of them: ambiguity is the caller's to see */
	ck_assert_uint_eq(st.lookup(st.ctx, "nfsd", "svc_fn", a, 4), 2);

	ck_assert(st.is_at(st.ctx, "nfsd", "kfree", 0xffffffff81000100ULL));
	ck_assert(!st.is_at(st.ctx, NULL, "nfsd_only", 0xffffffffc0002000ULL));
	ck_assert(st.is_at(st.ctx, "nfsd", "nfsd_only", 0xffffffffc0002000ULL));

	ck_assert_uint_eq(st.names_at(st.ctx, NULL, 0xffffffffc0002000ULL, names, 4), 0);
	ck_assert_uint_eq(st.names_at(st.ctx, "nfsd", 0xffffffffc0002000ULL, names, 4), 1);
	ck_assert_str_eq(names[0], "nfsd_only");
	ksp_kallsyms_free(&ks);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live.module_targets");
	TCase *tc = tcase_create("module_targets");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, states);
	tcase_add_test(tc, live_targets_pass_and_others_are_named);
	tcase_add_test(tc, module_code_sees_its_own_symbols_first);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
