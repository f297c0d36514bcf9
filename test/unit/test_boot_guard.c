/* persist.guard: the crash-loop guard's decisions and its files' lines
 * (splicer/live/boot_guard.c), as pure functions. */
#include "boot_guard.h"

#include "check_run.h"

#include <check.h>
#include <string.h>

static const char this_boot[] = "6f1c0d2e-0000-4000-8000-000000000001";
static const char last_boot[] = "6f1c0d2e-0000-4000-8000-000000000000";

static struct ksp_guard_marker marker(const char *boot_id, long long boottime)
{
	struct ksp_guard_marker m;
	memset(&m, 0, sizeof(m));
	strcpy(m.boot_id, boot_id);
	m.realtime = 1796000000;
	m.boottime = boottime;
	return m;
}

START_TEST(decide)
{
	struct ksp_guard_marker mine = marker(this_boot, 10), old = marker(last_boot, 10);
	ck_assert_int_eq(ksp_guard_decide(0, NULL, this_boot), KSP_GUARD_APPLY);
	ck_assert_int_eq(ksp_guard_decide(0, &mine, this_boot), KSP_GUARD_AGAIN);
	ck_assert_int_eq(ksp_guard_decide(0, &old, this_boot), KSP_GUARD_TRIP);
	ck_assert_int_eq(ksp_guard_decide(1, NULL, this_boot), KSP_GUARD_STILL_TRIPPED);
	ck_assert_int_eq(ksp_guard_decide(1, &mine, this_boot), KSP_GUARD_STILL_TRIPPED);
}
END_TEST

/* Only this boot's marker settles, and only once the window has passed;
 * a clean shutdown is a window of 0. */
START_TEST(settle)
{
	struct ksp_guard_marker mine = marker(this_boot, 20), old = marker(last_boot, 20);
	ck_assert_int_eq(ksp_guard_settle_wait(&mine, this_boot, 20, 300), 300);
	ck_assert_int_eq(ksp_guard_settle_wait(&mine, this_boot, 319, 300), 1);
	ck_assert_int_eq(ksp_guard_settle_wait(&mine, this_boot, 320, 300), 0);
	ck_assert_int_eq(ksp_guard_settle_wait(&mine, this_boot, 9999, 300), 0);
	ck_assert_int_eq(ksp_guard_settle_wait(&mine, this_boot, 21, 0), 0);
	ck_assert_int_eq(ksp_guard_settle_wait(&old, this_boot, 9999, 300), -1);
	ck_assert_int_eq(ksp_guard_settle_wait(&old, this_boot, 21, 0), -1);
}
END_TEST

START_TEST(marker_lines)
{
	struct ksp_guard_marker m = marker(this_boot, 42), back;
	char line[128];
	ksp_guard_format(&m, line, sizeof(line));
	ck_assert_str_eq(line, "6f1c0d2e-0000-4000-8000-000000000001 1796000000 42\n");
	ck_assert_int_eq(ksp_guard_parse(line, &back), 0);
	ck_assert_str_eq(back.boot_id, this_boot);
	ck_assert_int_eq(back.realtime, 1796000000);
	ck_assert_int_eq(back.boottime, 42);
	ck_assert_int_eq(ksp_guard_parse("", &back), -1);
	ck_assert_int_eq(ksp_guard_parse("id 1", &back), -1);
	ck_assert_int_eq(ksp_guard_parse("id 1 2 extra", &back), -1);
	ck_assert_int_eq(ksp_guard_parse("id -1 2", &back), -1);
}
END_TEST

START_TEST(boot_records)
{
	struct ksp_boot_record r, back;
	char line[600];
	memset(&r, 0, sizeof(r));
	strcpy(r.boot_id, this_boot);
	r.at = 1796000001;
	strcpy(r.result, "applied");
	strcpy(r.message, "applied 2 of 2 kept updates");
	ksp_boot_record_format(&r, line, sizeof(line));
	ck_assert_int_eq(ksp_boot_record_parse(line, &back), 0);
	ck_assert_str_eq(back.boot_id, this_boot);
	ck_assert_int_eq(back.at, 1796000001);
	ck_assert_str_eq(back.result, "applied");
	ck_assert_str_eq(back.message, "applied 2 of 2 kept updates");
	ck_assert_int_eq(ksp_boot_record_parse("id 5", &back), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("persist.guard");
	TCase *tc = tcase_create("guard");
	tcase_add_test(tc, decide);
	tcase_add_test(tc, settle);
	tcase_add_test(tc, marker_lines);
	tcase_add_test(tc, boot_records);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
