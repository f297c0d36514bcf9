/* common.sample: the vmlinux sample reader, and the committed samples
 * themselves: every function of the sample objects is where kallsyms says,
 * with its bytes in both memory variants, as run-pre matching will need. */
#include "objfile.h"
#include "sample.h"

#include "check_run.h"
#include <bfd.h>

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FENTRY_NOP "\x0f\x1f\x44\x00\x00"

/* --- the committed samples ------------------------------------------------ */

static char sample_dirs[8][4096];
static int nsamples;

static void find_samples(void)
{
	const char *root = getenv("KSPLICE_SAMPLES");
	if (!root || nsamples)
		return;
	DIR *d = opendir(root);
	for (struct dirent *e; d && (e = readdir(d)) && nsamples < 8;) {
		char meta[4096 + 300];
		snprintf(meta, sizeof(meta), "%s/%s/meta", root, e->d_name);
		if (e->d_name[0] != '.' && access(meta, R_OK) == 0)
			snprintf(sample_dirs[nsamples++], sizeof(sample_dirs[0]), "%s/%s", root,
				 e->d_name);
	}
	if (d)
		closedir(d);
}

static void open_sample(int i, struct ksp_sample *s)
{
	struct ksp_error err = {0};
	ck_assert_msg(ksp_sample_open(sample_dirs[i], s, &err) == 0, "%s", err.msg);
}

struct object {
	bfd *abfd;
	asymbol **syms;
	long nsyms;
	const char *unit; /* e.g. "kernel/sys.o" */
};

static void open_object(const struct ksp_sample *s, size_t i, struct object *o)
{
	char path[4096];
	ck_assert_int_eq(ksp_sample_object_path(s, i, path, sizeof(path)), 0);
	o->unit = s->objects[i];
	o->abfd = bfd_openr(path, NULL);
	ck_assert_msg(o->abfd && bfd_check_format(o->abfd, bfd_object), "%s: not an object", path);
	long size = bfd_get_symtab_upper_bound(o->abfd);
	ck_assert_int_gt(size, 0);
	o->syms = malloc((size_t)size);
	o->nsyms = bfd_canonicalize_symtab(o->abfd, o->syms);
	ck_assert_int_gt(o->nsyms, 0);
}

static void close_object(struct object *o)
{
	free(o->syms);
	bfd_close(o->abfd);
}

/* A function of the object in a function section (.text.NAME,
 * .text.unlikely.NAME): the code run-pre matching compares. */
static int is_split_function(const asymbol *sym)
{
	return (sym->flags & BSF_FUNCTION) && sym->value == 0 &&
	       strncmp(bfd_section_name(sym->section), ".text.", 6) == 0;
}

static int label_has(const char *label, const char *unit, const char *suffix)
{
	size_t ulen = strlen(unit), slen = strlen(suffix);
	for (const char *p = label; *p;) {
		size_t n = strcspn(p, ",");
		if (n == ulen + slen && !strncmp(p, unit, ulen) && !strncmp(p + ulen, suffix, slen))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* Where the function lives in the kernel: the one kallsyms copy inside the
 * unit's sampled code, or for an overridden weak function the overriding
 * copy. Returns 0 if there is no such copy, -1 if several. */
static int place(const struct ksp_sample *s, const char *unit, const asymbol *sym, uint64_t *addr,
		 int *overridden)
{
	const struct ksp_ksym *const *copies;
	size_t n = ksp_kallsyms_lookup(&s->kallsyms, sym->name, &copies);
	int found = 0;
	for (int pass = 0; pass < 2 && !found; pass++) {
		const char *suffix = pass ? "(override)" : "";
		if (pass && !(sym->flags & BSF_WEAK))
			break;
		for (size_t k = 0; k < n; k++) {
			const struct ksp_sample_range *r = ksp_sample_range_at(s, copies[k]->addr);
			if (r && label_has(r->label, unit, suffix)) {
				*addr = copies[k]->addr;
				*overridden = pass;
				found++;
			}
		}
	}
	return found > 1 ? -1 : found;
}

static void place_ok(const struct ksp_sample *s, const struct object *o, const asymbol *sym,
		     uint64_t *addr, int *overridden)
{
	int rc = place(s, o->unit, sym, addr, overridden);
	ck_assert_msg(rc == 1, "%s: %s: %s in the sample's kallsyms and memory", o->unit, sym->name,
		      rc ? "several copies" : "no copy");
}

START_TEST(sample_loads)
{
	struct ksp_sample s;
	open_sample(_i, &s);
	const char *release = strrchr(sample_dirs[_i], '/') + 1;
	ck_assert_str_eq(ksp_sample_meta(&s, "KERNEL_RELEASE"), release);
	const char *id = ksp_sample_meta(&s, "BUILD_ID");
	ck_assert_uint_eq(strlen(id), 40);
	ck_assert_uint_eq(strspn(id, "0123456789abcdef"), 40);
	const char *needed[] = {"fs/proc/cmdline.o", "fs/proc/version.o", "kernel/sys.o",
				"lib/string.o"};
	for (size_t k = 0; k < sizeof(needed) / sizeof(needed[0]); k++) {
		int seen = 0;
		for (size_t i = 0; i < s.nobjects; i++)
			seen |= strcmp(s.objects[i], needed[k]) == 0;
		ck_assert_msg(seen, "%s is not in the sample", needed[k]);
	}
	ck_assert_uint_gt(s.nranges, 0);
	ck_assert_uint_gt(s.kallsyms.count, 0);
	ck_assert(memcmp(s.memory[KSP_SAMPLE_VMLINUX], s.memory[KSP_SAMPLE_LIVE], s.memory_len));
	ksp_sample_close(&s);
}
END_TEST

START_TEST(every_function_is_in_kallsyms_and_memory)
{
	struct ksp_sample s;
	struct ksp_error err = {0};
	int functions = 0;
	open_sample(_i, &s);
	for (size_t i = 0; i < s.nobjects; i++) {
		struct object o;
		open_object(&s, i, &o);
		for (long k = 0; k < o.nsyms; k++) {
			const asymbol *sym = o.syms[k];
			uint64_t addr, end;
			int overridden;
			if (!is_split_function(sym))
				continue;
			place_ok(&s, &o, sym, &addr, &overridden);
			end = ksp_kallsyms_next_addr(&s.kallsyms, addr);
			ck_assert_uint_gt(end, addr);
			for (int v = 0; v < KSP_SAMPLE_VARIANTS; v++)
				ck_assert_msg(ksp_sample_bytes(&s, v, addr, end - addr, &err),
					      "%s: %s", sym->name, err.msg);
			functions++;
		}
		close_object(&o);
	}
	ck_assert_int_ge(functions, 150);
	ksp_sample_close(&s);
}
END_TEST

static uint64_t unique_address(const struct ksp_sample *s, const char *name)
{
	const struct ksp_ksym *const *found;
	ck_assert_msg(ksp_kallsyms_lookup(&s->kallsyms, name, &found) == 1, "%s", name);
	return found[0]->addr;
}

static int32_t rel32_at(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/* The function of the object that starts its section. */
static const asymbol *function_of_section(const struct object *o, const asection *sec)
{
	for (long k = 0; k < o->nsyms; k++)
		if (o->syms[k]->section == sec && is_split_function(o->syms[k]))
			return o->syms[k];
	return NULL;
}

/* Relocations of a section of the object (NULL if it has no such section). */
static arelent **section_relocs(const struct object *o, const char *name, long *n)
{
	asection *sec = bfd_get_section_by_name(o->abfd, name);
	*n = 0;
	if (!sec)
		return NULL;
	long size = bfd_get_reloc_upper_bound(o->abfd, sec);
	ck_assert_int_gt(size, 0);
	arelent **relocs = malloc((size_t)size);
	*n = bfd_canonicalize_reloc(o->abfd, sec, relocs, o->syms);
	ck_assert_int_ge(*n, 0);
	return relocs;
}

/* Each __mcount_loc entry: `call __fentry__` in the vmlinux file, the 5-byte
 * nop in the booted kernel. */
START_TEST(fentry_sites_are_calls_in_vmlinux_and_nops_live)
{
	struct ksp_sample s;
	struct ksp_error err = {0};
	int sites = 0;
	open_sample(_i, &s);
	uint64_t fentry = unique_address(&s, "__fentry__");
	for (size_t i = 0; i < s.nobjects; i++) {
		struct object o;
		long n;
		open_object(&s, i, &o);
		arelent **relocs = section_relocs(&o, "__mcount_loc", &n);
		for (long k = 0; k < n; k++) {
			const asymbol *target = *relocs[k]->sym_ptr_ptr;
			const asymbol *fn = function_of_section(&o, target->section);
			uint64_t addr;
			int overridden;
			if (strncmp(bfd_section_name(target->section), ".text.", 6) != 0)
				continue; /* .init.text: freed after boot, not sampled */
			ck_assert_msg(fn, "%s: __mcount_loc entry in %s", o.unit,
				      bfd_section_name(target->section));
			place_ok(&s, &o, fn, &addr, &overridden);
			if (overridden) /* kallsyms names the other copy */
				continue;
			uint64_t site = addr + target->value + (uint64_t)relocs[k]->addend;
			const unsigned char *file =
				ksp_sample_bytes(&s, KSP_SAMPLE_VMLINUX, site, 5, &err);
			const unsigned char *live =
				ksp_sample_bytes(&s, KSP_SAMPLE_LIVE, site, 5, &err);
			ck_assert_msg(file && live, "%s", err.msg);
			ck_assert_msg(file[0] == 0xe8 &&
					      site + 5 + (uint64_t)(int64_t)rel32_at(file + 1) ==
						      fentry,
				      "%s+%#lx: not call __fentry__ in vmlinux", fn->name,
				      (unsigned long)(site - addr));
			ck_assert_msg(memcmp(live, FENTRY_NOP, 5) == 0,
				      "%s: live: not the fentry nop", fn->name);
			sites++;
		}
		free(relocs);
		close_object(&o);
	}
	ck_assert_int_ge(sites, 100);
	ksp_sample_close(&s);
}
END_TEST

static uint64_t align16(uint64_t v)
{
	return (v + 15) & ~(uint64_t)15;
}

/* Padding the unit's overridden weak functions add: their code stays in
 * vmlinux, unnamed, inside the preceding symbol. */
static uint64_t weak_slack(const struct ksp_sample *s, const struct object *o)
{
	uint64_t slack = 0, addr;
	int overridden;
	for (long k = 0; k < o->nsyms; k++)
		if (is_split_function(o->syms[k]) && (o->syms[k]->flags & BSF_WEAK) &&
		    place(s, o->unit, o->syms[k], &addr, &overridden) == 1 && overridden)
			slack += align16(bfd_section_size(o->syms[k]->section));
	return slack;
}

/* The section's size is the distance to the next symbol, up to alignment
 * padding (16), unnamed overridden weak copies, and the 3 bytes a tail jump
 * loses when the assembler relaxes it to rel8 in the unsplit build. */
START_TEST(function_sizes_match_symbol_distances)
{
	struct ksp_sample s;
	open_sample(_i, &s);
	for (size_t i = 0; i < s.nobjects; i++) {
		struct object o;
		open_object(&s, i, &o);
		uint64_t slack = weak_slack(&s, &o);
		for (long k = 0; k < o.nsyms; k++) {
			const asymbol *sym = o.syms[k];
			uint64_t addr;
			int overridden;
			if (!is_split_function(sym))
				continue;
			place_ok(&s, &o, sym, &addr, &overridden);
			if (overridden)
				continue;
			uint64_t size = bfd_section_size(sym->section);
			uint64_t dist = ksp_kallsyms_next_addr(&s.kallsyms, addr) - addr;
			ck_assert_msg(size <= dist + 3 && dist <= align16(size) + slack,
				      "%s: %s: section size %#lx, next symbol after %#lx", o.unit,
				      sym->name, (unsigned long)size, (unsigned long)dist);
		}
		close_object(&o);
	}
	ksp_sample_close(&s);
}
END_TEST

/* The sample has what run-pre matching must resolve: a static name with
 * several kallsyms copies, an overridden weak function, and a tail jump the
 * unsplit build relaxed to rel8 (bcmp -> memcmp). */
START_TEST(sample_has_the_hard_cases)
{
	struct ksp_sample s;
	int duplicates = 0, overrides = 0, relaxed = 0;
	open_sample(_i, &s);
	for (size_t i = 0; i < s.nobjects; i++) {
		struct object o;
		open_object(&s, i, &o);
		for (long k = 0; k < o.nsyms; k++) {
			const asymbol *sym = o.syms[k];
			const struct ksp_ksym *const *copies;
			uint64_t addr;
			int overridden;
			if (!is_split_function(sym))
				continue;
			place_ok(&s, &o, sym, &addr, &overridden);
			duplicates += ksp_kallsyms_lookup(&s.kallsyms, sym->name, &copies) > 1 &&
				      !(sym->flags & BSF_GLOBAL);
			overrides += overridden;
		}
		close_object(&o);
	}
	/* bcmp: `e9 rel32` to memcmp in the object, `eb rel8` in vmlinux. */
	uint64_t bcmp = unique_address(&s, "bcmp"), memcmp_addr = unique_address(&s, "memcmp");
	unsigned char code[2];
	struct ksp_error err = {0};
	ck_assert_msg(ksp_sample_read(&s, KSP_SAMPLE_VMLINUX, bcmp, code, 2, &err) == 0, "%s",
		      err.msg);
	relaxed = code[0] == 0xeb && bcmp + 2 + (uint64_t)(int64_t)(int8_t)code[1] == memcmp_addr;
	ck_assert_int_ge(duplicates, 1);
	ck_assert_int_ge(overrides, 1);
	ck_assert_int_eq(relaxed, 1);
	ksp_sample_close(&s);
}
END_TEST

/* Whether code (with the masked bytes ignored) occurs in the vmlinux bytes of
 * a range labelled with unit. */
static int code_in_unit(const struct ksp_sample *s, const char *unit, const unsigned char *code,
			const unsigned char *mask, size_t len)
{
	for (size_t r = 0; r < s->nranges; r++) {
		const struct ksp_sample_range *range = &s->ranges[r];
		const unsigned char *mem = s->memory[KSP_SAMPLE_VMLINUX] + range->offset;
		if (!label_has(range->label, unit, "") || range->len < len)
			continue;
		for (size_t at = 0; at + len <= range->len; at++) {
			size_t k = 0;
			while (k < len && (mask[k] || mem[at + k] == code[k]))
				k++;
			if (k == len)
				return 1;
		}
	}
	return 0;
}

/* An overridden weak function has no name in kallsyms, but its code is
 * still in vmlinux among its unit's functions: run-pre matching can find it. */
START_TEST(overridden_weak_code_is_in_its_unit)
{
	struct ksp_sample s;
	int overrides = 0;
	open_sample(_i, &s);
	for (size_t i = 0; i < s.nobjects; i++) {
		struct object o;
		open_object(&s, i, &o);
		for (long k = 0; k < o.nsyms; k++) {
			const asymbol *sym = o.syms[k];
			uint64_t addr;
			int overridden;
			if (!is_split_function(sym) || !(sym->flags & BSF_WEAK))
				continue;
			place_ok(&s, &o, sym, &addr, &overridden);
			if (!overridden)
				continue;
			const char *sec = bfd_section_name(sym->section);
			size_t len = bfd_section_size(sym->section);
			unsigned char *code = malloc(len), *mask = calloc(len, 1);
			long n;
			ck_assert(bfd_get_section_contents(o.abfd, sym->section, code, 0, len));
			arelent **relocs = section_relocs(&o, sec, &n);
			for (long r = 0; r < n; r++)
				for (unsigned b = 0; b < bfd_get_reloc_size(relocs[r]->howto); b++)
					mask[relocs[r]->address + b] = 1;
			ck_assert_msg(code_in_unit(&s, o.unit, code, mask, len),
				      "%s: the weak %s is not among the unit's code", o.unit,
				      sym->name);
			free(relocs);
			free(code);
			free(mask);
			overrides++;
		}
		close_object(&o);
	}
	ck_assert_int_ge(overrides, 1);
	ksp_sample_close(&s);
}
END_TEST

/* --- bad input ------------------------------------------------------------- */

static char scratch[4096];

/* A copy of the first sample in a temporary directory (objects linked). */
static void copy_sample(void)
{
	char cmd[32768];
	snprintf(scratch, sizeof(scratch), "%s/ksp-sample-XXXXXX", P_tmpdir);
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	snprintf(cmd, sizeof(cmd),
		 "cp '%s'/meta '%s'/kallsyms '%s'/ranges '%s'/memory.* '%s' && ln -s '%s'/objects "
		 "'%s'",
		 sample_dirs[0], sample_dirs[0], sample_dirs[0], sample_dirs[0], scratch,
		 sample_dirs[0], scratch);
	ck_assert_int_eq(system(cmd), 0);
}

static void remove_copy(void)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	ck_assert_int_eq(system(cmd), 0);
}

static void edit_copy(const char *shell)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s", scratch, shell);
	ck_assert_int_eq(system(cmd), 0);
}

static void expect_open_error(const char *dir, const char *expect)
{
	struct ksp_sample s;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_sample_open(dir, &s, &err), -1);
	ck_assert_msg(strstr(err.msg, expect), "message '%s' lacks '%s'", err.msg, expect);
	ck_assert_ptr_null(s.dir);
}

static const struct {
	const char *edit;
	const char *expect;
} corruptions[] = {
	{"true", ""}, /* the unedited copy opens: checked separately */
	{"rm kallsyms", "/kallsyms: No such file or directory"},
	{"sed -i '3s/ [a-zA-Z] / /' kallsyms", "/kallsyms:3: malformed kallsyms line"},
	{"sed -i '/^BUILD_ID=/d' meta", "/meta: BUILD_ID is missing"},
	{"echo 'not a pair' >> meta", "/meta:"},
	{"truncate -s -1 memory.live", "/memory.live: "},
	{"rm memory.vmlinux", "/memory.vmlinux: No such file or directory"},
	{"sed -i '1s/^/zz/' ranges", "/ranges:1: expected 'ADDRESS LENGTH LABEL'"},
	{"tac ranges > r && mv r ranges", "is not above the previous one"},
};

START_TEST(corrupt_sample_is_rejected)
{
	copy_sample();
	edit_copy(corruptions[_i].edit);
	if (_i == 0) {
		struct ksp_sample s;
		struct ksp_error err = {0};
		ck_assert_msg(ksp_sample_open(scratch, &s, &err) == 0, "%s", err.msg);
		ksp_sample_close(&s);
	} else {
		expect_open_error(scratch, corruptions[_i].expect);
	}
	remove_copy();
}
END_TEST

START_TEST(missing_sample_is_named)
{
	expect_open_error("/nonexistent/sample", "/nonexistent/sample/meta: No such file");
}
END_TEST

START_TEST(reads_outside_the_sample_fail)
{
	struct ksp_sample s;
	struct ksp_error err = {0};
	unsigned char byte;
	open_sample(0, &s);
	const struct ksp_sample_range *first = &s.ranges[0];
	const struct ksp_sample_range *last = &s.ranges[s.nranges - 1];
	char expect[128];
	ck_assert_int_eq(ksp_sample_read(&s, KSP_SAMPLE_LIVE, first->addr - 1, &byte, 1, &err), -1);
	snprintf(expect, sizeof(expect), "address %lx is outside the sample",
		 (unsigned long)(first->addr - 1));
	ck_assert_msg(strstr(err.msg, expect), "%s", err.msg);
	ck_assert_int_eq(
		ksp_sample_read(&s, KSP_SAMPLE_VMLINUX, last->addr + last->len, &byte, 1, &err),
		-1);
	ck_assert_ptr_nonnull(strstr(err.msg, "is outside the sample"));
	ck_assert_int_eq(
		ksp_sample_read(&s, KSP_SAMPLE_VMLINUX, last->addr + last->len - 1, &byte, 2, &err),
		-1);
	ck_assert_ptr_nonnull(strstr(err.msg, "runs past the end of the sampled range"));
	/* The last byte itself reads, and agrees with the memory file. */
	ck_assert_int_eq(
		ksp_sample_read(&s, KSP_SAMPLE_VMLINUX, last->addr + last->len - 1, &byte, 1, &err),
		0);
	ck_assert_uint_eq(byte, s.memory[KSP_SAMPLE_VMLINUX][s.memory_len - 1]);
	ksp_sample_close(&s);
}
END_TEST

int main(void)
{
	ksp_bfd_init();
	find_samples();
	if (nsamples == 0) {
		fprintf(stderr, "no sample under KSPLICE_SAMPLES=%s\n", getenv("KSPLICE_SAMPLES"));
		return EXIT_FAILURE;
	}
	Suite *suite = suite_create("sample");
	TCase *real = tcase_create("committed");
	tcase_set_timeout(real, 60);
	tcase_add_loop_test(real, sample_loads, 0, nsamples);
	tcase_add_loop_test(real, every_function_is_in_kallsyms_and_memory, 0, nsamples);
	tcase_add_loop_test(real, fentry_sites_are_calls_in_vmlinux_and_nops_live, 0, nsamples);
	tcase_add_loop_test(real, function_sizes_match_symbol_distances, 0, nsamples);
	tcase_add_loop_test(real, sample_has_the_hard_cases, 0, nsamples);
	tcase_add_loop_test(real, overridden_weak_code_is_in_its_unit, 0, nsamples);
	suite_add_tcase(suite, real);
	TCase *bad = tcase_create("bad_input");
	tcase_add_loop_test(bad, corrupt_sample_is_rejected, 0,
			    sizeof(corruptions) / sizeof(corruptions[0]));
	tcase_add_test(bad, missing_sample_is_named);
	tcase_add_test(bad, reads_outside_the_sample_fail);
	suite_add_tcase(suite, bad);
	return ksp_check_run(suite);
}
