/* persist.keep: ksplice-apply --persist's checks and what it writes, and
 * what --forget checks (splicer/live/persist.c), on update files made here
 * (metadata only) in a state directory under $TMPDIR. The checks that
 * need root are run only as root; otherwise the refusal for not being root
 * is checked. */
#include "package.h"
#include "persist.h"
#include "persist_store.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static char root[256], dir[400], files[300];

static void make_update(const char *id, const char *after)
{
	struct ksp_package pkg;
	struct ksp_error err = {0};
	char meta[256], path[400];
	memset(&pkg, 0, sizeof(pkg));
	snprintf(meta, sizeof(meta), "API_VERSION=4\nID=%s\nKERNEL_RELEASE=test\n%s%s%s", id,
		 after ? "AFTER=" : "", after ? after : "", after ? "\n" : "");
	ck_assert_int_eq(ksp_pkg_add(&pkg, "metadata", meta, strlen(meta), &err), 0);
	snprintf(path, sizeof(path), "%s/ksplice-%s.tar.gz", files, id);
	ck_assert_msg(ksp_pkg_write(&pkg, path, &err) == 0, "%s", err.msg);
	ksp_pkg_free(&pkg);
}

static void setup(void)
{
	struct utsname u;
	snprintf(root, sizeof(root), "%s/ksp-keep.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(files, sizeof(files), "%s/files", root);
	ck_assert_int_eq(mkdir(files, 0700), 0);
	char state[300];
	snprintf(state, sizeof(state), "%s/state", root);
	setenv("KSPLICE_STATE_DIR", state, 1);
	uname(&u);
	ksp_state_dir(u.release, dir, sizeof(dir));
	make_update("aa", NULL);
	make_update("bb", "aa");
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* --persist FILE: 0 or the error's kind; kept when it passes. */
static int persist(const char *id)
{
	struct ksp_persist p;
	struct ksp_error err = {0};
	char path[400];
	snprintf(path, sizeof(path), "%s/ksplice-%s.tar.gz", files, id);
	int rc = ksp_persist_prepare(path, &p, &err);
	if (!rc)
		rc = ksp_persist_commit(&p, &err);
	ksp_persist_free(&p);
	return rc ? (int)err.code : 0;
}

START_TEST(keep_in_order)
{
	struct stat st;
	if (geteuid() != 0) {
		ck_assert_int_eq(persist("aa"), KSP_E_PERMISSION);
		return;
	}
	/* Made --after aa, which is not kept: refused, nothing created. */
	ck_assert_int_eq(persist("bb"), KSP_E_NOT_KEPT);
	ck_assert_int_eq(stat(dir, &st), -1);
	ck_assert_int_eq(persist("aa"), 0);
	ck_assert_int_eq(persist("bb"), 0);
	ck_assert_int_eq(persist("aa"), 0); /* kept again: keeps its place */
	struct ksp_kept_list l;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_kept_list(dir, &l, &err), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].file, "0001-aa.tar.gz");
	ck_assert_str_eq(l.v[1].file, "0002-bb.tar.gz");
	ksp_kept_list_free(&l);
	/* The file as it was, byte for byte. */
	char cmd[1000];
	snprintf(cmd, sizeof(cmd), "cmp -s '%s/ksplice-bb.tar.gz' '%s/0002-bb.tar.gz'", files, dir);
	ck_assert_int_eq(system(cmd), 0);
	char line[256];
	ck_assert_int_eq(ksp_state_read_line(dir, KSP_STATE_BUILD_ID, line, sizeof(line)), 0);
}
END_TEST

/* Kept updates of another build of this release: refused, not mixed. */
START_TEST(other_build_refused)
{
	struct ksp_error err = {0};
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(persist("aa"), 0);
	ck_assert_int_eq(ksp_state_write(dir, KSP_STATE_BUILD_ID, "0123abcd\n", 9, &err), 0);
	ck_assert_int_eq(persist("aa"), KSP_E_STATE_DIR);
}
END_TEST

/* --forget aa while bb, kept, was made on top of it. */
START_TEST(dependents)
{
	struct ksp_error err = {0};
	char who[64], from[400], to[600];
	ck_assert_int_eq(ksp_persist_dependent(dir, "aa", who, sizeof(who), &err), 0);
	ck_assert_str_eq(who, ""); /* nothing kept */
	ck_assert_int_eq(ksp_state_prepare(dir, &err), 0);
	snprintf(from, sizeof(from), "%s/ksplice-aa.tar.gz", files);
	snprintf(to, sizeof(to), "%s/0001-aa.tar.gz", dir);
	ck_assert_int_eq(rename(from, to), 0);
	snprintf(from, sizeof(from), "%s/ksplice-bb.tar.gz", files);
	snprintf(to, sizeof(to), "%s/0002-bb.tar.gz", dir);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(ksp_persist_dependent(dir, "aa", who, sizeof(who), &err), 0);
	ck_assert_str_eq(who, "bb");
	ck_assert_int_eq(ksp_persist_dependent(dir, "bb", who, sizeof(who), &err), 0);
	ck_assert_str_eq(who, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("persist.keep");
	TCase *tc = tcase_create("keep");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keep_in_order);
	tcase_add_test(tc, other_build_refused);
	tcase_add_test(tc, dependents);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
