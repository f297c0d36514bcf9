/* runpre.sample: run-pre matching on fixtures/vmlinux-samples: every sample
 * function found at its real address in both the vmlinux and the live
 * bytes, duplicates and overridden weak functions placed right, and a
 * corrupted pre object refused at the right instruction. */
#include "runpre.h"
#include "sample.h"
#include "symtab.h"

#include "check_run.h"
#include <bfd.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ksp_sample sample;

static void open_sample(void)
{
	const char *root = getenv("KSPLICE_SAMPLES");
	char dir[4096];
	struct ksp_error err = {0};
	ck_assert_ptr_nonnull(root);
	snprintf(dir, sizeof(dir), "%s/6.1.0-56-cloud-amd64", root);
	ck_assert_msg(ksp_sample_open(dir, &sample, &err) == 0, "%s", err.msg);
}

static void close_sample(void)
{
	ksp_sample_close(&sample);
}

static void sample_memview(enum ksp_sample_variant v, struct rp_memview *mem)
{
	struct rp_range *ranges = calloc(sample.nranges, sizeof(*ranges));
	struct ksp_error err = {0};
	for (size_t i = 0; i < sample.nranges; i++) {
		ranges[i].addr = sample.ranges[i].addr;
		ranges[i].len = sample.ranges[i].len;
		ranges[i].data = sample.memory[v] + sample.ranges[i].offset;
	}
	ck_assert_int_eq(rp_memview_open_ranges(mem, ranges, sample.nranges, &err), 0);
	mem->code_only = 1; /* the sample holds code, not the strings it uses */
	free(ranges);
}

struct matched_sample {
	struct rp_object objs[16];
	struct rp_object *ptrs[16];
	size_t n;
	struct rp_memview mem;
	struct rp_symtab syms;
	struct rp_result result;
};

/* Matches the sample's objects (object `replace` by the file `with`). */
static int match_sample(enum ksp_sample_variant v, struct matched_sample *m, const char *replace,
			const char *with)
{
	struct ksp_error err = {0};
	memset(m, 0, sizeof(*m));
	ck_assert_uint_le(sample.nobjects, 16);
	for (size_t i = 0; i < sample.nobjects; i++) {
		char path[4096];
		ck_assert_int_eq(ksp_sample_object_path(&sample, i, path, sizeof(path)), 0);
		if (replace && strcmp(sample.objects[i], replace) == 0)
			snprintf(path, sizeof(path), "%s", with);
		ck_assert_msg(rp_object_open(path, &m->objs[i], &err) == 0, "%s", err.msg);
		m->ptrs[i] = &m->objs[i];
		m->n++;
	}
	sample_memview(v, &m->mem);
	rp_symtab_from_kallsyms(&m->syms, &sample.kallsyms);
	m->syms.partial = 1; /* the sample's kallsyms is a cut */
	int rc = rp_match_objects(m->ptrs, m->n, &m->mem, &m->syms, &m->result, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
	return rc;
}

static void free_match(struct matched_sample *m)
{
	rp_result_free(&m->result);
	rp_memview_close(&m->mem);
	for (size_t i = 0; i < m->n; i++)
		rp_object_close(&m->objs[i]);
}

/* The unit a function's object is, as the sample's labels name it. */
static const char *unit_of(const struct rp_function_result *f)
{
	const char *p = strstr(f->object->path, "/objects/");
	return p ? p + 9 : f->object->path;
}

static const struct rp_function_result *find(const struct matched_sample *m, const char *unit,
					     const char *name)
{
	for (size_t i = 0; i < m->result.nfunctions; i++) {
		const struct rp_function_result *f = &m->result.functions[i];
		if (strcmp(f->function->name, name) == 0 && strcmp(unit_of(f), unit) == 0)
			return f;
	}
	return NULL;
}

/* Every function matched, inside a range of its own unit (or, for an
 * overridden weak function, not inside its overrider's range). */
static void check_all_matched(enum ksp_sample_variant v)
{
	struct matched_sample m;
	match_sample(v, &m, NULL, NULL);
	for (size_t i = 0; i < m.result.nfunctions; i++) {
		const struct rp_function_result *f = &m.result.functions[i];
		ck_assert_msg(f->status == RP_MATCHED || f->status == RP_SKIPPED, "%s %s: %s: %s",
			      ksp_sample_variant_name(v), f->function->name,
			      rp_status_name(f->status), f->detail);
		if (f->status != RP_MATCHED)
			continue;
		const struct ksp_sample_range *r = ksp_sample_range_at(&sample, f->address);
		ck_assert_msg(r != NULL, "%s outside the sample", f->function->name);
		ck_assert_msg(strstr(r->label, unit_of(f)) && !strstr(r->label, "(override)"),
			      "%s placed in %s's range", f->function->name, r->label);
	}
	ck_assert_uint_gt(m.result.matched, 150);
	ck_assert_uint_eq(m.result.no_match + m.result.ambiguous + m.result.not_found, 0);
	free_match(&m);
}

START_TEST(every_function_matches_live)
{
	check_all_matched(KSP_SAMPLE_LIVE);
}
END_TEST

START_TEST(every_function_matches_vmlinux)
{
	check_all_matched(KSP_SAMPLE_VMLINUX);
}
END_TEST

/* c_start exists three times in kallsyms; crypto/proc.o's is the one in
 * its range, and the symbols its code refers to resolve the same way. */
START_TEST(duplicate_statics_resolve_to_their_own_copy)
{
	struct matched_sample m;
	match_sample(KSP_SAMPLE_LIVE, &m, NULL, NULL);
	const char *names[] = {"c_start", "c_next", "c_stop"};
	for (size_t i = 0; i < 3; i++) {
		const struct rp_function_result *f = find(&m, "crypto/proc.o", names[i]);
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->status, RP_MATCHED);
		const struct ksp_ksym *const *copies;
		ck_assert_uint_ge(ksp_kallsyms_lookup(&sample.kallsyms, names[i], &copies), 2);
		const struct ksp_sample_range *r = ksp_sample_range_at(&sample, f->address);
		ck_assert_ptr_nonnull(r);
		ck_assert_ptr_nonnull(strstr(r->label, "crypto/proc.o"));
	}
	free_match(&m);
}
END_TEST

/* arch_prctl_spec_ctrl_get is __weak in kernel/sys.c; kallsyms' name is the
 * x86 override. The weak copy is found by its neighbours, and callers'
 * references still resolve to the override. */
START_TEST(overridden_weak_function_found)
{
	struct matched_sample m;
	match_sample(KSP_SAMPLE_LIVE, &m, NULL, NULL);
	const struct rp_function_result *f = find(&m, "kernel/sys.o", "arch_prctl_spec_ctrl_get");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->status, RP_MATCHED);
	ck_assert(f->found_by_neighbour);
	const struct ksp_ksym *const *named;
	ck_assert_uint_eq(ksp_kallsyms_lookup(&sample.kallsyms, "arch_prctl_spec_ctrl_get", &named),
			  1);
	ck_assert(f->address != named[0]->addr);
	int resolved_to_override = 0;
	for (size_t i = 0; i < m.result.nsymbols; i++)
		if (strcmp(m.result.symbols[i].name, "arch_prctl_spec_ctrl_get") == 0)
			resolved_to_override = m.result.symbols[i].address == named[0]->addr;
	ck_assert(resolved_to_override);
	free_match(&m);
}
END_TEST

/* The file offset of a section's contents, through libbfd. */
static long section_file_offset(const char *path, const char *section)
{
	bfd *abfd = bfd_openr(path, NULL);
	ck_assert_ptr_nonnull(abfd);
	ck_assert(bfd_check_format(abfd, bfd_object));
	asection *sec = bfd_get_section_by_name(abfd, section);
	ck_assert_ptr_nonnull(sec);
	long off = (long)sec->filepos;
	bfd_close(abfd);
	return off;
}

/* cmdline_proc_show+0xd is `mov %rdi,%rbx` (48 89 fb): make it
 * `mov %rdi,%rcx` in a copy of the object. */
START_TEST(flipped_byte_reported_at_its_instruction)
{
	char orig[4096], copy[] = "/tmp/ksplice-runpre-test.XXXXXX";
	size_t idx = 0;
	while (idx < sample.nobjects && strcmp(sample.objects[idx], "fs/proc/cmdline.o") != 0)
		idx++;
	ck_assert_uint_lt(idx, sample.nobjects);
	ksp_sample_object_path(&sample, idx, orig, sizeof(orig));
	int fd = mkstemp(copy);
	ck_assert_int_ge(fd, 0);
	close(fd);
	char cmd[8300];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", orig, copy);
	ck_assert_int_eq(system(cmd), 0);
	long off = section_file_offset(copy, ".text.cmdline_proc_show") + 0xd;
	FILE *f = fopen(copy, "r+b");
	unsigned char insn[3];
	fseek(f, off, SEEK_SET);
	ck_assert_uint_eq(fread(insn, 1, 3, f), 3);
	ck_assert_msg(insn[0] == 0x48 && insn[1] == 0x89 && insn[2] == 0xfb, "unexpected code");
	fseek(f, off + 2, SEEK_SET);
	fputc(0xf9, f);
	fclose(f);

	struct matched_sample m;
	match_sample(KSP_SAMPLE_LIVE, &m, "fs/proc/cmdline.o", copy);
	const struct rp_function_result *r = NULL;
	for (size_t i = 0; i < m.result.nfunctions; i++)
		if (strcmp(m.result.functions[i].function->name, "cmdline_proc_show") == 0)
			r = &m.result.functions[i];
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->status, RP_NO_MATCH);
	ck_assert_msg(strstr(r->detail, "cmdline_proc_show+0xd: pre `mov    %rdi,%rcx` vs run "
					"`mov    %rdi,%rbx`"),
		      "%s", r->detail);
	ck_assert_uint_eq(m.result.no_match, 1);
	free_match(&m);
	unlink(copy);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runpre.sample");
	TCase *tc = tcase_create("sample");
	tcase_add_unchecked_fixture(tc, open_sample, close_sample);
	tcase_add_test(tc, every_function_matches_live);
	tcase_add_test(tc, every_function_matches_vmlinux);
	tcase_add_test(tc, duplicate_statics_resolve_to_their_own_copy);
	tcase_add_test(tc, overridden_weak_function_found);
	tcase_add_test(tc, flipped_byte_reported_at_its_instruction);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
