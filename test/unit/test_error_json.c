/* common.error_json: error kinds and exit maps, and the one JSON writer
 * (commas at every depth, past 256 values, escaping, null). */
#include "error.h"
#include "json.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct ksp_exit_map map[] = {
	{KSP_E_USAGE, 2}, {KSP_E_NO_MATCH, 6}, {KSP_E_INTERNAL, 10}, {KSP_E_UNSET, -1}};

START_TEST(kind_travels_with_the_message)
{
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_failc(&err, KSP_E_NO_MATCH, "f: %s", "differs"), -1);
	ck_assert_str_eq(err.msg, "f: differs");
	ck_assert_int_eq(ksp_error_code(&err, KSP_E_INPUT), KSP_E_NO_MATCH);
	ck_assert_int_eq(ksp_exit_status(map, err.code), 6);
	ck_assert_str_eq(ksp_code_name(err.code), "no_match");
	ksp_fail(&err, "plain");
	ck_assert_int_eq(ksp_error_code(&err, KSP_E_USAGE), KSP_E_USAGE);
}
END_TEST

START_TEST(exit_map_defaults)
{
	ck_assert_int_eq(ksp_exit_status(map, KSP_E_UNSET), 0);
	ck_assert_int_eq(ksp_exit_status(map, KSP_E_CODE_BUSY), 10);
	ck_assert_int_eq(ksp_exit_code(map, 6), KSP_E_NO_MATCH);
	ck_assert_int_eq(ksp_exit_code(map, 99), KSP_E_INTERNAL);
	for (int c = 0; c < KSP_E_COUNT; c++)
		ck_assert_msg(strcmp(ksp_code_name((enum ksp_code)c), "internal") != 0 ||
				      c == KSP_E_INTERNAL,
			      "kind %d has no name", c);
}
END_TEST

/* Runs write(j) into a string. */
static char *json_of(void (*write)(struct ksp_json *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ksp_json j;
	ksp_json_begin(&j, f);
	write(&j);
	fclose(f);
	return buf;
}

static void nested(struct ksp_json *j)
{
	ksp_json_object(j, NULL);
	ksp_json_str(j, "s", "a\"b\\c\n\x01 \xc3\xa9 \xff");
	ksp_json_str(j, "n", NULL);
	ksp_json_array(j, "a");
	ksp_json_int(j, NULL, -1);
	ksp_json_object(j, NULL);
	ksp_json_close(j);
	ksp_json_bool(j, NULL, 1);
	ksp_json_close(j);
	ksp_json_addr(j, "addr", 0xffffffff81000000ull);
	ksp_json_uint(j, "u", 18446744073709551615ull);
	ksp_json_close(j);
}

START_TEST(nesting_and_escaping)
{
	char *s = json_of(nested);
	ck_assert_str_eq(s, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0001 \xc3\xa9 \\ufffd\",\"n\":null,"
			    "\"a\":[-1,{},true],\"addr\":\"0xffffffff81000000\","
			    "\"u\":18446744073709551615}\n");
	free(s);
}
END_TEST

static void many(struct ksp_json *j)
{
	ksp_json_array(j, NULL);
	for (int i = 0; i < 1000; i++)
		ksp_json_int(j, NULL, i);
	ksp_json_close(j);
}

START_TEST(commas_past_256_values)
{
	char *s = json_of(many);
	size_t commas = 0;
	for (const char *p = s; *p; p++)
		commas += *p == ',';
	ck_assert_uint_eq(commas, 999);
	ck_assert_ptr_nonnull(strstr(s, ",255,256,257,"));
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("error_json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, kind_travels_with_the_message);
	tcase_add_test(tc, exit_map_defaults);
	tcase_add_test(tc, nesting_and_escaping);
	tcase_add_test(tc, commas_past_256_values);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
