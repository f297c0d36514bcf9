/* create.screen_audit: KSPLICE_SCREEN_AUDIT picks ruled-out objects spread
 * over the list, and an audited object whose compiled code changed stops
 * ksplice-create with an internal error naming it. */
#include "screen_audit.h"

#include "check_run.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define N 10

static size_t choose(const char *count, int *keep, char **why, unsigned char *picked)
{
	/* objects 0..9; 1, 3, 5, 7 and 9 read a changed file; 5 is kept */
	unsigned char candidate[N] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
	memset(keep, 0, N * sizeof(*keep));
	keep[5] = 1;
	memset(why, 0, N * sizeof(*why));
	memset(picked, 0, N);
	setenv("KSPLICE_SCREEN_AUDIT", count, 1);
	return ksp_screen_audit_choose(keep, why, candidate, picked, N);
}

static void free_why(char **why)
{
	for (size_t i = 0; i < N; i++)
		free(why[i]);
}

START_TEST(picks_spread_ruled_out_candidates)
{
	int keep[N];
	char *why[N];
	unsigned char picked[N];
	ck_assert_uint_eq(choose("2", keep, why, picked), 2);
	/* candidates ruled out: 1, 3, 7, 9; two of them: the 0th and 2nd */
	ck_assert_int_eq(picked[1], 1);
	ck_assert_int_eq(picked[7], 1);
	ck_assert_int_eq(picked[3] + picked[9] + picked[5] + picked[0], 0);
	ck_assert_int_eq(keep[1] && keep[7], 1);
	ck_assert_ptr_nonnull(why[1]);
	ck_assert_ptr_null(why[5]);
	free_why(why);
}
END_TEST

START_TEST(never_more_than_the_candidates)
{
	int keep[N];
	char *why[N];
	unsigned char picked[N];
	ck_assert_uint_eq(choose("100", keep, why, picked), 4);
	ck_assert_int_eq(picked[1] + picked[3] + picked[7] + picked[9], 4);
	ck_assert_int_eq(picked[5], 0);
	free_why(why);
	ck_assert_uint_eq(choose("0", keep, why, picked), 0);
	ck_assert_uint_eq(choose("x", keep, why, picked), 0);
}
END_TEST

static struct ksp_create_unit unit(const char *object, int audited)
{
	struct ksp_create_unit u = {0};
	u.object = strdup(object);
	u.audited = audited;
	return u;
}

static void change_function(struct mt_plan *p, const char *name)
{
	p->funcs = calloc(1, sizeof(*p->funcs));
	p->funcs[0].name = strdup(name);
	p->funcs[0].state = MT_CHANGED;
	p->funcs[0].difference = strdup("at +0x12: bytes differ");
	p->nfuncs = 1;
}

START_TEST(unchanged_audited_units_leave_the_update)
{
	struct ksp_create_result res = {0};
	res.units = calloc(3, sizeof(*res.units));
	res.units[0] = unit("fs/a.o", 0);
	change_function(&res.units[0].plan, "a_read");
	res.units[1] = unit("fs/b.o", 1);
	res.units[2] = unit("fs/c.o", 0);
	res.nunits = 3;
	struct ksp_create_opts o = {0};
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_screen_audit_check(&o, &res, &err), 0);
	ck_assert_uint_eq(res.nunits, 2);
	ck_assert_str_eq(res.units[0].object, "fs/a.o");
	ck_assert_str_eq(res.units[1].object, "fs/c.o");
	ksp_create_result_free(&res);
}
END_TEST

START_TEST(changed_audited_unit_is_an_internal_error)
{
	struct ksp_create_result res = {0};
	res.units = calloc(2, sizeof(*res.units));
	res.units[0] = unit("fs/a.o", 0);
	res.units[1] = unit("fs/b.o", 1);
	change_function(&res.units[1].plan, "b_write");
	res.nunits = 2;
	struct ksp_create_opts o = {0};
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_screen_audit_check(&o, &res, &err), KSP_E_INTERNAL);
	ck_assert_int_eq(err.code, KSP_E_INTERNAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "fs/b.o"));
	ck_assert_ptr_nonnull(strstr(err.msg, "b_write"));
	ck_assert_uint_eq(res.nunits, 2);
	ksp_create_result_free(&res);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("screen_audit");
	TCase *tc = tcase_create("audit");
	tcase_add_test(tc, picks_spread_ruled_out_candidates);
	tcase_add_test(tc, never_more_than_the_candidates);
	tcase_add_test(tc, unchanged_audited_units_leave_the_update);
	tcase_add_test(tc, changed_audited_unit_is_an_internal_error);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
