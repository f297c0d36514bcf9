/* The tree guard's journal without a kernel tree: a run "killed" after it
 * changed the tree (its guard never restores) is undone by the next one,
 * byte for byte with mode and mtime, only once its owner is gone. */
#include "check_run.h"
#include "tree_guard.h"
#include "tree_journal.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void write_file(const char *rel, const char *text, mode_t mode, time_t mtime)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	struct timespec times[2] = {{mtime, 0}, {mtime, 123456789}};
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void assert_file(const char *rel, const char *text, mode_t mode, time_t mtime)
{
	char path[256], buf[256] = "";
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s is missing", rel);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_str_eq(buf, text);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, mode);
	ck_assert_int_eq(st.st_mtim.tv_sec, mtime);
	ck_assert_int_eq(st.st_mtim.tv_nsec, 123456789);
}

static int exists(const char *rel)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/* A run that protected a, sub/b and c (absent), wrote its journal and
 * changed all three, then died without restoring. */
static void run_killed_midway(void)
{
	char dir[4200];
	struct ksp_error err = {0};
	struct ksp_guard g;
	ck_assert_msg(ksp_journal_dir_make(root, dir, sizeof(dir), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(ksp_guard_init(&g, root, dir, &err), 0);
	ck_assert_int_eq(ksp_guard_protect(&g, "a", &err), 0);
	ck_assert_int_eq(ksp_guard_protect(&g, "sub/b", &err), 0);
	ck_assert_int_eq(ksp_guard_protect(&g, "c", &err), 0);
	ck_assert_msg(ksp_guard_commit(&g, &err) == 0, "%s", err.msg);
	write_file("a", "patched\n", 0600, 2000000000);
	write_file("sub/b", "patched too\n", 0600, 2000000000);
	write_file("c", "new\n", 0644, 2000000000);
	ksp_guard_free(&g);
}

/* Gives the journal's owner line another start time: the same pid, reused
 * by another process, is not the owner. */
static void owner_start_shifted(void)
{
	char path[256], text[8192];
	snprintf(path, sizeof(path), "%s/%s/%s", root, KSP_JOURNAL_DIR, KSP_JOURNAL_NAME);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	long pid;
	unsigned long long start;
	long long started;
	char *owner = strstr(text, "owner ");
	ck_assert_ptr_nonnull(owner);
	ck_assert_int_eq(sscanf(owner, "owner %ld %llu %lld", &pid, &start, &started), 3);
	char *rest = strchr(owner, '\n');
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%.*sowner %ld %llu %lld%s", (int)(owner - text), text, pid, start + 1, started,
		rest);
	fclose(f);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/ksplice-journal-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/sub", root);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	write_file("a", "alpha\n", 0640, 1000000000);
	write_file("sub/b", "#!/bin/sh\necho beta\n", 0755, 1100000000);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(dead_owner_restored_exactly)
{
	run_killed_midway();
	owner_start_shifted();
	char report[1024] = "";
	FILE *r = fmemopen(report, sizeof(report), "w");
	struct ksp_error err = {0};
	ck_assert_msg(ksp_journal_recover(root, r, &err) == 0, "%s", err.msg);
	fclose(r);
	ck_assert_msg(strstr(report, "restored 2 files and removed 1 that an interrupted "
				     "ksplice-create (pid") &&
			      strstr(report, ") left changed\n"),
		      "%s", report);
	ck_assert_msg(strchr(report, '\n') == report + strlen(report) - 1, "not one line: %s",
		      report);
	assert_file("a", "alpha\n", 0640, 1000000000);
	assert_file("sub/b", "#!/bin/sh\necho beta\n", 0755, 1100000000);
	ck_assert(!exists("c"));
	ck_assert(!exists(KSP_JOURNAL_DIR));
	/* Nothing left: the next recovery is silent. */
	ck_assert_int_eq(ksp_journal_recover(root, stderr, &err), 0);
}
END_TEST

START_TEST(live_owner_left_alone)
{
	run_killed_midway();
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_journal_recover(root, stderr, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_TREE);
	ck_assert_msg(strstr(err.msg, "is still working in it"), "%s", err.msg);
	assert_file("a", "patched\n", 0600, 2000000000);
	ck_assert(exists("c"));
	char dir[4200];
	ck_assert_int_eq(ksp_journal_dir_make(root, dir, sizeof(dir), &err), -1);
}
END_TEST

START_TEST(stale_dir_without_journal_emptied)
{
	char dir[4200], stale[4300];
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_journal_dir_make(root, dir, sizeof(dir), &err), 0);
	snprintf(stale, sizeof(stale), "%s/0", dir);
	FILE *f = fopen(stale, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(ksp_journal_recover(root, stderr, &err), 0);
	ck_assert_int_eq(ksp_journal_dir_make(root, dir, sizeof(dir), &err), 0);
	ck_assert_int_eq(access(stale, F_OK), -1);
}
END_TEST

START_TEST(start_ticks_of_self)
{
	ck_assert(ksp_process_start_ticks(getpid()) > 0);
	ck_assert(ksp_process_alive(getpid(), ksp_process_start_ticks(getpid())));
	ck_assert(!ksp_process_alive(getpid(), ksp_process_start_ticks(getpid()) + 1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tree_journal");
	TCase *tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dead_owner_restored_exactly);
	tcase_add_test(tc, live_owner_left_alone);
	tcase_add_test(tc, stale_dir_without_journal_emptied);
	tcase_add_test(tc, start_ticks_of_self);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
