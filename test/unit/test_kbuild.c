/* create.tree: the kernel tree as ksplice-create sees it, on the test-bed's
 * prepared tree (KSPLICE_SRC): checks, object classification, building with
 * function sections, and putting the tree back exactly. */
#include "kbuild.h"
#include "package.h"
#include "tree_guard.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *src;

static void read_file(const char *rel, char **data, size_t *size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", src, rel);
	FILE *f = fopen(path, "rb");
	*data = NULL;
	*size = 0;
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	*size = (size_t)ftell(f);
	rewind(f);
	*data = malloc(*size + 1);
	ck_assert_uint_eq(fread(*data, 1, *size, f), *size);
	fclose(f);
}

/* "absent" or sha256 plus mtime. */
static void fingerprint(const char *rel, char *out, size_t len)
{
	char path[4096], *data;
	size_t size;
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", src, rel);
	if (stat(path, &st) != 0) {
		snprintf(out, len, "absent");
		return;
	}
	read_file(rel, &data, &size);
	char hex[65];
	ksp_sha256_hex(data, size, hex);
	free(data);
	snprintf(out, len, "%s %ld.%09ld %o", hex, (long)st.st_mtim.tv_sec,
		 (long)st.st_mtim.tv_nsec, st.st_mode);
}

START_TEST(prepared_tree_opens)
{
	struct ksp_tree t;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_tree_open(src, &t, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(t.release, getenv("KSPLICE_KERNEL_RELEASE"));
	ck_assert_str_eq(t.compiler, "gcc-12");
	char found[256];
	ck_assert_int_eq(ksp_tree_compiler_matches(&t, found, sizeof(found), &err), 1);
	ck_assert_str_eq(found, t.cc_version_text);
	ksp_tree_close(&t);
}
END_TEST

START_TEST(unprepared_trees_are_explained)
{
	struct ksp_tree t;
	struct ksp_error err = {0};
	char dir[] = "/tmp/ksplice-tree-test.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ksp_tree_open(dir, &t, &err), -1);
	ck_assert_msg(strstr(err.msg, "not a kernel source tree"), "%s", err.msg);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/scripts && touch %s/Makefile %s/scripts/Makefile.build", dir, dir,
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ksp_tree_open(dir, &t, &err), -1);
	ck_assert_msg(strstr(err.msg, "not configured (no .config)"), "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "make prepare"), "no hint: %s", err.msg);
	snprintf(cmd, sizeof(cmd), "cp %s/.config %s/.config", src, dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ksp_tree_open(dir, &t, &err), -1);
	ck_assert_msg(strstr(err.msg, "configured but not prepared"), "%s", err.msg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ksp_tree_open("/nonexistent-tree", &t, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent-tree: No such file or directory");
}
END_TEST

static void expect_module(const struct ksp_tree *t, const char *source, enum ksp_obj_kind want,
			  const char *want_module)
{
	char object[4096], module[64];
	enum ksp_obj_kind kind;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_tree_classify(t, source, object, sizeof(object), &kind, module,
					sizeof(module), &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(kind == want, "%s: kind %d, want %d", source, kind, want);
	ck_assert_msg(strcmp(module, want_module) == 0, "%s: module '%s', want '%s'", source,
		      module, want_module);
}

static void expect_kind(const struct ksp_tree *t, const char *source, enum ksp_obj_kind want)
{
	expect_module(t, source, want, "");
}

START_TEST(objects_classified_by_kbuild)
{
	struct ksp_tree t;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_tree_open(src, &t, &err), 0);
	char object[4096], module[64];
	enum ksp_obj_kind kind;
	ck_assert_int_eq(ksp_tree_classify(&t, "fs/proc/cmdline.c", object, sizeof(object), &kind,
					   module, sizeof(module), &err),
			 0);
	ck_assert_str_eq(object, "fs/proc/cmdline.o");
	ck_assert_int_eq(kind, KSP_OBJ_BUILTIN);
	expect_kind(&t, "kernel/sched/core.c", KSP_OBJ_BUILTIN);
	expect_kind(&t, "lib/string.c", KSP_OBJ_BUILTIN); /* lib-y */
	expect_kind(&t, "arch/x86/kernel/process.c", KSP_OBJ_BUILTIN);
	expect_kind(&t, "fs/ext4/inode.c", KSP_OBJ_BUILTIN); /* CONFIG_EXT4_FS=y */
	/* The module each is linked into, as kbuild names it (KBUILD_MODNAME). */
	expect_module(&t, "fs/binfmt_misc.c", KSP_OBJ_MODULE, "binfmt_misc"); /* =m, one file */
	expect_module(&t, "fs/xfs/xfs_inode.c", KSP_OBJ_MODULE, "xfs");	  /* a module directory */
	expect_module(&t, "fs/nfsd/nfs4state.c", KSP_OBJ_MODULE, "nfsd"); /* nfsd-y */
	expect_module(&t, "net/ipv4/fou_core.c", KSP_OBJ_MODULE, "fou");  /* fou-objs */
	expect_module(&t, "net/netfilter/xt_TEE.c", KSP_OBJ_MODULE, "xt_TEE");
	expect_kind(&t, "drivers/net/ethernet/intel/e1000/e1000_main.c",
		    KSP_OBJ_NOT_BUILT); /* CONFIG_E1000 is not set */
	ck_assert_int_eq(ksp_tree_classify(&t, "include/linux/sched.h", object, sizeof(object),
					   &kind, module, sizeof(module), &err),
			 -1);
	ksp_tree_close(&t);
}
END_TEST

static const char *const touched[] = {
	"fs/proc/cmdline.c",
	"fs/proc/cmdline.o",
	"fs/proc/.cmdline.o.cmd",
	".missing-syscalls.d",
};
#define NTOUCHED (sizeof(touched) / sizeof(touched[0]))

START_TEST(build_then_restore_exactly)
{
	struct ksp_tree t;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_tree_open(src, &t, &err), 0);
	char before[NTOUCHED][128], after[128];
	for (size_t i = 0; i < NTOUCHED; i++)
		fingerprint(touched[i], before[i], sizeof(before[i]));

	char work[] = "/tmp/ksplice-guard-test.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(work));
	struct ksp_guard g;
	ck_assert_int_eq(ksp_guard_init(&g, src, work, &err), 0);
	for (size_t i = 0; i < NTOUCHED; i++)
		ck_assert_msg(ksp_guard_protect(&g, touched[i], &err) == 0, "%s", err.msg);

	/* Edit the source as a patch would, then build it. */
	char path[4096];
	snprintf(path, sizeof(path), "%s/fs/proc/cmdline.c", src);
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("\nint ksplice_test_marker(void) { return 42; }\n", f);
	fclose(f);
	char log[4200];
	snprintf(log, sizeof(log), "%s/build.log", work);
	const char *objects[] = {"fs/proc/cmdline.o"};
	ck_assert_msg(ksp_tree_build(&t, objects, 1, 2, log, &err) == 0, "%s", err.msg);

	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "objdump -h %s/fs/proc/cmdline.o | grep -q ' .text.ksplice_test_marker ' && "
		 "objdump -h %s/fs/proc/cmdline.o | grep -q ' .text.cmdline_proc_show '",
		 src, src);
	ck_assert_msg(system(cmd) == 0, "object lacks function sections");

	ck_assert_msg(ksp_guard_restore(&g, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < NTOUCHED; i++) {
		fingerprint(touched[i], after, sizeof(after));
		ck_assert_msg(strcmp(before[i], after) == 0, "%s: before %s, after %s", touched[i],
			      before[i], after);
	}
	ksp_guard_free(&g);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	ck_assert_int_eq(system(cmd), 0);
	ksp_tree_close(&t);
}
END_TEST

START_TEST(build_failure_names_the_error)
{
	struct ksp_tree t;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_tree_open(src, &t, &err), 0);
	char log[] = "/tmp/ksplice-build-log.XXXXXX";
	int fd = mkstemp(log);
	ck_assert_int_ge(fd, 0);
	close(fd);
	char work[] = "/tmp/ksplice-guard-test.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(work));
	struct ksp_guard g;
	ck_assert_int_eq(ksp_guard_init(&g, src, work, &err), 0);
	ck_assert_int_eq(ksp_guard_protect(&g, ".missing-syscalls.d", &err), 0);
	const char *objects[] = {"fs/proc/no_such_file.o"};
	ck_assert_int_eq(ksp_tree_build(&t, objects, 1, 1, log, &err), -1);
	ck_assert_msg(strstr(err.msg, "kbuild failed") && strstr(err.msg, "no_such_file"), "%s",
		      err.msg);
	struct ksp_error restore_err;
	ck_assert_int_eq(ksp_guard_restore(&g, &restore_err), 0);
	ksp_guard_free(&g);
	unlink(log);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	ck_assert_int_eq(system(cmd), 0);
	ksp_tree_close(&t);
}
END_TEST

int main(void)
{
	src = getenv("KSPLICE_SRC");
	if (!src || !*src ||
	    strcmp(getenv("KSPLICE_READY") ? getenv("KSPLICE_READY") : "", "yes")) {
		printf("create.tree: skipped: the test-bed's prepared tree is not set up "
		       "(run scripts/testbed setup)\n");
		return 77;
	}
	Suite *s = suite_create("create.tree");
	TCase *tc = tcase_create("tree");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, prepared_tree_opens);
	tcase_add_test(tc, unprepared_trees_are_explained);
	tcase_add_test(tc, objects_classified_by_kbuild);
	tcase_add_test(tc, build_then_restore_exactly);
	tcase_add_test(tc, build_failure_names_the_error);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
