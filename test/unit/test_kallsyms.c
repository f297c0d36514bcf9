/* common.kallsyms: the kallsyms/System.map parser on hand-written input, on
 * malformed input, at /proc/kallsyms scale, and on the committed sample. */
#include "kallsyms.h"

#include "check_run.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SZ(s) s, strlen(s)

static const char sample_text[] = "0000000000019040 A cpu_info\n"
				  "ffffffff81000000 T _stext\n"
				  "ffffffff81000000 T startup_64\n"
				  "ffffffff81001000 t c_start\n"
				  "ffffffff81001040 t c_next\n"
				  "ffffffff81523000 t c_start\n"
				  "ffffffff81523030 T irq_work_sync\n"
				  "ffffffffc0002000 t ext4_fill_super\t[ext4]\n"
				  "ffffffffc0001000 T init_module\t[ext4]\n";

static void parse_ok(const char *text, struct ksp_kallsyms *ks)
{
	struct ksp_error err = {0};
	int rc = ksp_kallsyms_parse(SZ(text), "test", ks, &err);
	ck_assert_msg(rc == 0, "parse failed: %s", err.msg);
}

START_TEST(parses_core_and_module_lines)
{
	struct ksp_kallsyms ks;
	const struct ksp_ksym *const *found;
	parse_ok(sample_text, &ks);
	ck_assert_uint_eq(ks.count, 9);
	ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "ext4_fill_super", &found), 1);
	ck_assert_str_eq(found[0]->module, "ext4");
	ck_assert_int_eq(found[0]->type, 't');
	ck_assert_uint_eq(found[0]->addr, 0xffffffffc0002000);
	ck_assert_uint_eq(found[0]->line, 8);
	ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "irq_work_sync", &found), 1);
	ck_assert_ptr_null(found[0]->module);
	ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "cpu_info", &found), 1);
	ck_assert_uint_eq(found[0]->addr, 0x19040);
	ck_assert_int_eq(found[0]->type, 'A');
	/* Sorted by address whatever the input order (modules are not sorted). */
	for (size_t i = 1; i < ks.count; i++)
		ck_assert(ks.syms[i - 1].addr <= ks.syms[i].addr);
	ksp_kallsyms_free(&ks);
}
END_TEST

START_TEST(duplicate_names_give_every_copy)
{
	struct ksp_kallsyms ks;
	const struct ksp_ksym *const *found;
	parse_ok(sample_text, &ks);
	ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "c_start", &found), 2);
	ck_assert_uint_eq(found[0]->addr, 0xffffffff81001000);
	ck_assert_uint_eq(found[1]->addr, 0xffffffff81523000);
	ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "c_star", &found), 0);
	ck_assert_ptr_null(found);
	ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "c_start_", &found), 0);
	ksp_kallsyms_free(&ks);
}
END_TEST

START_TEST(containing_finds_the_enclosing_symbol)
{
	struct ksp_kallsyms ks;
	uint64_t end;
	parse_ok(sample_text, &ks);
	const struct ksp_ksym *s = ksp_kallsyms_containing(&ks, 0xffffffff8100103f, &end);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "c_start");
	ck_assert_uint_eq(end, 0xffffffff81001040);
	s = ksp_kallsyms_containing(&ks, 0xffffffff81001040, &end);
	ck_assert_str_eq(s->name, "c_next");
	ck_assert_uint_eq(end, 0xffffffff81523000);
	/* Aliases: the first listed wins. */
	s = ksp_kallsyms_containing(&ks, 0xffffffff81000010, NULL);
	ck_assert_str_eq(s->name, "_stext");
	/* Below every symbol; after the last one (extent unknown). */
	ck_assert_ptr_null(ksp_kallsyms_containing(&ks, 0x19000, &end));
	ck_assert_uint_eq(end, 0x19040);
	s = ksp_kallsyms_containing(&ks, 0xffffffffc0002100, &end);
	ck_assert_str_eq(s->name, "ext4_fill_super");
	ck_assert_uint_eq(end, 0);
	ck_assert_uint_eq(ksp_kallsyms_next_addr(&ks, 0xffffffff81000000), 0xffffffff81001000);
	ksp_kallsyms_free(&ks);
}
END_TEST

START_TEST(system_map_format_parses)
{
	struct ksp_kallsyms ks;
	const struct ksp_ksym *const *found;
	/* No trailing newline, upper-case hex. */
	parse_ok("FFFFFFFF81000000 T _text\nffffffff81000000 T _stext", &ks);
	ck_assert_uint_eq(ks.count, 2);
	ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "_stext", &found), 1);
	ck_assert_uint_eq(found[0]->addr, 0xffffffff81000000);
	ksp_kallsyms_free(&ks);
}
END_TEST

static const struct {
	const char *text;
	const char *expect; /* in the message */
} bad_inputs[] = {
	{"ffffffff81000000 T a\nzzzz T b\n", "test:2: malformed kallsyms line (the address"},
	{"ffffffff81000000 T a\n1ffffffff81000000 T b\n", "test:2: malformed"},
	{"ffffffff81000000 T a\nffffffff81000000 b\n", "test:2: malformed kallsyms line (expected"},
	{"ffffffff81000000 T a\nffffffff81000000 T \n", "test:2: malformed kallsyms line (no name"},
	{"ffffffff81000000 T a\nffffffff81000000 T b junk\n", "test:2: malformed"},
	{"ffffffff81000000 T a\nffffffff81000000 T b\t[ext4\n", "[MODULE]"},
	{"ffffffff81000000 T a\nffffffff81000000 T b\t[]\n", "[MODULE]"},
	{"ffffffff81000000 T a\n\nffffffff81000000 T b\n", "test:2: empty line"},
	{"", "test: no symbols"},
	{"ffffffff81000000  T a\n", "test:1: malformed"},
};

START_TEST(malformed_input_is_rejected_with_line)
{
	struct ksp_kallsyms ks;
	struct ksp_error err = {0};
	const char *text = bad_inputs[_i].text;
	ck_assert_int_eq(ksp_kallsyms_parse(SZ(text), "test", &ks, &err), -1);
	ck_assert_msg(strstr(err.msg, bad_inputs[_i].expect), "message '%s' lacks '%s'", err.msg,
		      bad_inputs[_i].expect);
	ck_assert_uint_eq(ks.count, 0);
	ck_assert_ptr_null(ks.syms);
}
END_TEST

START_TEST(nul_bytes_are_rejected)
{
	struct ksp_kallsyms ks;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_kallsyms_parse("ffffffff81000000 T a\0b\n", 24, "bin", &ks, &err), -1);
	ck_assert_str_eq(err.msg, "bin: not a text file (contains NUL bytes)");
}
END_TEST

START_TEST(missing_file_is_named)
{
	struct ksp_kallsyms ks;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_kallsyms_load("/nonexistent/kallsyms", &ks, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/kallsyms: No such file or directory");
}
END_TEST

/* /proc/kallsyms scale: 150,000 symbols, a third of them sharing names. */
START_TEST(large_table_lookups)
{
	enum { N = 150000 };
	size_t cap = (size_t)N * 48, len = 0;
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	for (unsigned i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len, "%016llx t fn_%u%s\n",
					0xffffffff81000000ULL + 16ULL * (N - i), i % 3 ? i : i / 3,
					i % 7 ? "" : "\t[mod]");
	struct ksp_kallsyms ks;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_kallsyms_parse(text, len, "big", &ks, &err), 0);
	free(text);
	ck_assert_uint_eq(ks.count, N);
	for (unsigned i = 0; i < N; i += 997) {
		char name[32];
		const struct ksp_ksym *const *found;
		unsigned id = i % 3 ? i : i / 3;
		snprintf(name, sizeof(name), "fn_%u", id);
		size_t n = ksp_kallsyms_lookup(&ks, name, &found);
		/* fn_K is printed for i == K (K % 3 != 0) and for i == 3K. */
		size_t expect = (id % 3 ? 1 : 0) + (3 * (size_t)id < N ? 1 : 0);
		ck_assert_uint_eq(n, expect);
		uint64_t addr = 0xffffffff81000000ULL + 16ULL * (N - i);
		int seen = 0;
		for (size_t k = 0; k < n; k++)
			seen |= found[k]->addr == addr;
		ck_assert(seen);
		const struct ksp_ksym *c = ksp_kallsyms_containing(&ks, addr + 15, NULL);
		ck_assert_uint_eq(c->addr, addr);
		ck_assert_str_eq(c->name, name);
	}
	ksp_kallsyms_free(&ks);
}
END_TEST

/* Each committed sample's kallsyms: parses, and holds both copies of a
 * duplicated static name. */
START_TEST(committed_samples_parse)
{
	const char *dir = getenv("KSPLICE_SAMPLES");
	ck_assert_msg(dir != NULL, "KSPLICE_SAMPLES must name fixtures/vmlinux-samples");
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int samples = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char path[4096];
		struct ksp_kallsyms ks;
		struct ksp_error err = {0};
		const struct ksp_ksym *const *found;
		snprintf(path, sizeof(path), "%s/%s/kallsyms", dir, e->d_name);
		if (e->d_name[0] == '.' || access(path, R_OK) != 0)
			continue;
		ck_assert_msg(ksp_kallsyms_load(path, &ks, &err) == 0, "%s", err.msg);
		ck_assert_uint_ge(ksp_kallsyms_lookup(&ks, "c_start", &found), 2);
		ck_assert_uint_eq(ksp_kallsyms_lookup(&ks, "cmdline_proc_show", &found), 1);
		ksp_kallsyms_free(&ks);
		samples++;
	}
	closedir(d);
	ck_assert_int_ge(samples, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kallsyms");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, parses_core_and_module_lines);
	tcase_add_test(tc, duplicate_names_give_every_copy);
	tcase_add_test(tc, containing_finds_the_enclosing_symbol);
	tcase_add_test(tc, system_map_format_parses);
	tcase_add_loop_test(tc, malformed_input_is_rejected_with_line, 0,
			    sizeof(bad_inputs) / sizeof(bad_inputs[0]));
	tcase_add_test(tc, nul_bytes_are_rejected);
	tcase_add_test(tc, missing_file_is_named);
	tcase_add_test(tc, large_table_lookups);
	tcase_add_test(tc, committed_samples_parse);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
