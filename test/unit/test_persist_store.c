/* persist.store: the state directory of kept updates
 * (splicer/live/persist_store.c): names and their order, atomic writes,
 * what directory it accepts. */
#include "persist_store.h"

#include "check_run.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], dir[300];

static void setup(void)
{
	snprintf(root, sizeof(root), "%s/ksp-persist.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	setenv("KSPLICE_STATE_DIR", root, 1);
	ksp_state_dir("6.1.0-56-cloud-amd64", dir, sizeof(dir));
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(names)
{
	unsigned seq;
	char id[64];
	ck_assert_int_eq(ksp_kept_name_parse("0003-ab12cd34.tar.gz", &seq, id, sizeof(id)), 0);
	ck_assert_uint_eq(seq, 3);
	ck_assert_str_eq(id, "ab12cd34");
	ck_assert_int_eq(ksp_kept_name_parse("guard", &seq, id, sizeof(id)), -1);
	ck_assert_int_eq(ksp_kept_name_parse(".0001-ab.tar.gz.tmp1", &seq, id, sizeof(id)), -1);
	ck_assert_int_eq(ksp_kept_name_parse("0001-.tar.gz", &seq, id, sizeof(id)), -1);
	ck_assert_int_eq(ksp_kept_name_parse("0001-AB.tar.gz", &seq, id, sizeof(id)), -1);
	ck_assert_int_eq(ksp_kept_name_parse("0001-a/b.tar.gz", &seq, id, sizeof(id)), -1);
	ck_assert_int_eq(ksp_kept_name_parse("1-ab.tar.gz", &seq, id, sizeof(id)), -1);
	ck_assert_int_eq(ksp_kept_name_parse("0001-ab.tar", &seq, id, sizeof(id)), -1);
}
END_TEST

START_TEST(dir_from_env)
{
	char d[300];
	ck_assert_str_eq(dir + strlen(root), "/6.1.0-56-cloud-amd64");
	unsetenv("KSPLICE_STATE_DIR");
	ksp_state_dir("R", d, sizeof(d));
	ck_assert_str_eq(d, "/var/lib/ksplice/R");
}
END_TEST

static void keep(const char *id)
{
	struct ksp_kept_list l;
	struct ksp_error err = {0};
	char name[256];
	ck_assert_int_eq(ksp_kept_list(dir, &l, &err), 0);
	ksp_kept_name_for(&l, id, name, sizeof(name));
	ksp_kept_list_free(&l);
	ck_assert_int_eq(ksp_state_write(dir, name, id, strlen(id), &err), 0);
}

/* Stacked updates come back in the order they were kept; one kept again
 * keeps its place; numbers past 9 sort as numbers. */
START_TEST(order)
{
	struct ksp_kept_list l;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_kept_list(dir, &l, &err), 0); /* absent: nothing kept */
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(ksp_state_prepare(dir, &err), 0);
	const char *ids[] = {"zz", "aa", "mm", "b1", "c2", "d3", "e4", "f5", "g6", "h7", "i8"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		keep(ids[i]);
	keep("aa");
	ck_assert_int_eq(ksp_kept_list(dir, &l, &err), 0);
	ck_assert_uint_eq(l.n, 11);
	for (size_t i = 0; i < l.n; i++) {
		ck_assert_str_eq(l.v[i].id, ids[i]);
		ck_assert_uint_eq(l.v[i].seq, i + 1);
	}
	ck_assert_str_eq(ksp_kept_find(&l, "aa")->file, "0002-aa.tar.gz");
	ck_assert_ptr_null(ksp_kept_find(&l, "nope"));
	ksp_kept_list_free(&l);
	ck_assert_int_eq(ksp_state_remove(dir, "0002-aa.tar.gz", &err), 0);
	ck_assert_int_eq(ksp_state_remove(dir, "0002-aa.tar.gz", &err), 0); /* absent: fine */
	keep("aa");
	ck_assert_int_eq(ksp_kept_list(dir, &l, &err), 0);
	ck_assert_str_eq(l.v[l.n - 1].id, "aa");
	ck_assert_uint_eq(l.v[l.n - 1].seq, 12);
	ksp_kept_list_free(&l);
}
END_TEST

/* A write leaves the whole file, mode 0600, and no temporary file. */
START_TEST(atomic_write)
{
	struct ksp_error err = {0};
	char line[64], path[400];
	struct stat st;
	ck_assert_int_eq(ksp_state_prepare(dir, &err), 0);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(ksp_state_write(dir, "build-id", "abc\n", 4, &err), 0);
	ck_assert_int_eq(ksp_state_write(dir, "build-id", "def\nrest", 8, &err), 0);
	ck_assert_int_eq(ksp_state_read_line(dir, "build-id", line, sizeof(line)), 0);
	ck_assert_str_eq(line, "def");
	snprintf(path, sizeof(path), "%s/build-id", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || strstr(e->d_name, "tmp"))
			n++;
	closedir(d);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ksp_state_read_line(dir, "absent", line, sizeof(line)), -1);
}
END_TEST

/* Whoever can write the directory decides what is applied at boot. */
START_TEST(refuses_open_dir)
{
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_state_prepare(dir, &err), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(ksp_state_prepare(dir, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_STATE_DIR);
	ck_assert_ptr_nonnull(strstr(err.msg, "writable by others"));
	/* What the boot checks before it applies anything. */
	ck_assert_int_eq(ksp_state_check(dir, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_STATE_DIR);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(ksp_state_check(dir, &err), 0);
	ck_assert_int_eq(chmod(root, 0777), 0); /* the state root too */
	ck_assert_int_eq(ksp_state_check(dir, &err), -1);
	ck_assert_int_eq(ksp_state_prepare(dir, &err), -1);
	ck_assert_int_eq(chmod(root, 0700), 0);
	char file[400];
	snprintf(file, sizeof(file), "%s/plain", root);
	FILE *f = fopen(file, "w");
	fclose(f);
	ck_assert_int_eq(ksp_state_prepare(file, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a directory"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("persist.store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names);
	tcase_add_test(tc, dir_from_env);
	tcase_add_test(tc, order);
	tcase_add_test(tc, atomic_write);
	tcase_add_test(tc, refuses_open_dir);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
