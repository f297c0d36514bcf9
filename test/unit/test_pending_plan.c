/* live.pending_plan: a module that is not loaded, matched against its file
 * (splicer/live/pending_plan.c, runpre/module_image.c, module_files.c).
 *
 * The "module" is built here with the compiler, as kbuild builds one
 * (test/unit/pending_fixture): mod.ko is a.c and b.c built without
 * -ffunction-sections and linked with ld -r (two statics called helper,
 * told apart by their FILE ranges), dep.ko (c.c) a module it depends on;
 * the pre object is a.c built with -ffunction-sections -fdata-sections, as
 * ksplice-create builds one. Nothing is loaded; no root. */
#include "kallsyms.h"
#include "memview.h"
#include "module_files.h"
#include "pending_plan.h"
#include "pre_object.h"
#include "runpre.h"
#include "symtab.h"

#include "check_run.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ksplice-test-pending.XXXXXX";
static char sysfs[600], modules[600];

#define FLAGS                                                                                      \
	"-O2 -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -pg -mfentry -mrecord-mcount "        \
	"-fno-asynchronous-unwind-tables"

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
	snprintf(modules, sizeof(modules), "%s/lib/modules/6.1.0-test", dir);
	const char *src = KSP_FIXTURE_DIR, *cc = KSP_TEST_CC;
	sh("mkdir -p %s/module %s/kernel/fs/mod", sysfs, modules);
	sh("cd %s && %s " FLAGS " -c %s/a.c -o a.o && %s " FLAGS " -c %s/b.c -o b.o && "
	   "%s " FLAGS " -DVALUE=11 -c %s/a.c -o a11.o && %s " FLAGS " -c %s/c.c -o c.o && "
	   "%s " FLAGS " -ffunction-sections -fdata-sections -c %s/a.c -o pre.o && "
	   "ld -r a.o b.o -o %s/kernel/fs/mod/mod.ko && ld -r c.o -o %s/kernel/dep.ko && "
	   "ld -r a11.o b.o -o mod11.ko",
	   dir, cc, src, cc, src, cc, src, cc, src, cc, src, modules, modules);
	sh("printf 'kernel/other.ko:\\nkernel/fs/mod/mod.ko: kernel/dep.ko\\n"
	   "kernel/dep.ko:\\nkernel/fs/xz/xz_mod.ko.xz:\\n' >%s/modules.dep",
	   modules);
}

static void teardown(void)
{
	sh("rm -rf '%s'", dir);
	strcpy(dir, "/tmp/ksplice-test-pending.XXXXXX");
}

/* The running kernel: printk and __fentry__ in vmlinux, one module loaded
 * (whose export kallsyms shows in lower case, as 6.1 does once a module is
 * live). */
static const char kallsyms_text[] = "ffffffff81000000 T __fentry__\n"
				    "ffffffff81000100 T printk\n"
				    "ffffffffc0001000 t live_fn\t[live]\n";

/* The name of .symtab entry index of an ELF file, as readelf tells. */
static void elf_symbol_name(const char *path, size_t index, char *name, size_t len)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "readelf -sW '%s' | awk '$1 == \"%zu:\" { print $8 }'", path,
		 index);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	name[0] = '\0';
	if (fgets(name, (int)len, p))
		name[strcspn(name, "\n")] = '\0';
	pclose(p);
}

struct world {
	struct ksp_kallsyms ks;
	struct rp_memview mem;
	struct ksp_pending pending;
	struct rp_object pre;
	struct rp_result result;
};

static int open_world(struct world *w, const char *mod_ko, struct ksp_error *err)
{
	memset(w, 0, sizeof(*w));
	char pre[700];
	ck_assert_int_eq(
		ksp_kallsyms_parse(kallsyms_text, strlen(kallsyms_text), "test", &w->ks, err), 0);
	ck_assert_int_eq(rp_memview_open_ranges(&w->mem, NULL, 0, err), 0);
	if (mod_ko)
		sh("cp %s/%s %s/kernel/fs/mod/mod.ko", dir, mod_ko, modules);
	const char *targets[] = {"mod"};
	if (ksp_pending_find(&w->pending, targets, 1, sysfs, modules, err) ||
	    ksp_pending_lay_out(&w->pending, &w->ks, &w->mem, err))
		return -1;
	snprintf(pre, sizeof(pre), "%s/pre.o", dir);
	ck_assert_int_eq(rp_object_open(pre, &w->pre, err), 0);
	w->pre.unit = "fs/mod/a.o";
	w->pre.module = "mod";
	struct rp_symtab st;
	rp_symtab_from_kallsyms(&st, &w->ks);
	struct rp_object *objs[] = {&w->pre};
	ck_assert_int_eq(rp_match_objects(objs, 1, &w->mem, &st, &w->result, err), 0);
	return 0;
}

static void close_world(struct world *w)
{
	rp_result_free(&w->result);
	rp_object_close(&w->pre);
	ksp_pending_free(&w->pending);
	rp_memview_close(&w->mem);
	ksp_kallsyms_free(&w->ks);
}

static const struct rp_function_result *result_of(const struct world *w, const char *name)
{
	for (size_t i = 0; i < w->result.nfunctions; i++)
		if (!strcmp(w->result.functions[i].function->name, name))
			return &w->result.functions[i];
	ck_abort_msg("%s not matched at all", name);
	return NULL;
}

static uint64_t symbol(const struct world *w, const char *key)
{
	for (size_t i = 0; i < w->result.nsymbols; i++)
		if (!strcmp(w->result.symbols[i].name, key))
			return w->result.symbols[i].address;
	ck_abort_msg("run-pre learned nothing of %s", key);
	return 0;
}

START_TEST(module_file_found_with_its_dependencies)
{
	struct ksp_module_files f;
	struct ksp_error err = {0};
	char want[700];
	ck_assert_int_eq(ksp_module_files_find(modules, "mod", &f, &err), 0);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_str_eq(f.v[0].name, "mod");
	snprintf(want, sizeof(want), "%s/kernel/fs/mod/mod.ko", modules);
	ck_assert_str_eq(f.v[0].path, want);
	ck_assert_str_eq(f.v[1].name, "dep");
	ksp_module_files_free(&f);

	ck_assert_int_eq(ksp_module_files_find(modules, "nfsd", &f, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_TARGET_ABSENT);
	ck_assert_msg(strstr(err.msg, "module nfsd is not loaded and no file of it was found"),
		      "%s", err.msg);

	/* xz (Debian's 6.12 modules): read through liblzma, the same bytes;
	 * corrupt xz data and zstd are refused. */
	ck_assert_int_eq(ksp_module_files_find(modules, "xz-mod", &f, &err), 0);
	ck_assert_str_eq(f.v[0].name, "xz_mod");
	unsigned char *data;
	size_t size;
	sh("mkdir -p %s/kernel/fs/xz && cp %s/kernel/dep.ko %s/kernel/fs/xz/xz_mod.ko && "
	   "xz --check=crc32 %s/kernel/fs/xz/xz_mod.ko",
	   modules, modules, modules, modules);
	ck_assert_int_eq(ksp_module_file_read(f.v[0].path, "xz_mod", &data, &size, &err), 0);
	snprintf(want, sizeof(want), "%s/kernel/dep.ko", modules);
	FILE *orig = fopen(want, "rb");
	ck_assert_ptr_nonnull(orig);
	fseek(orig, 0, SEEK_END);
	ck_assert_uint_eq(size, (size_t)ftell(orig));
	unsigned char *same = malloc(size);
	rewind(orig);
	ck_assert_uint_eq(fread(same, 1, size, orig), size);
	ck_assert_int_eq(memcmp(same, data, size), 0);
	fclose(orig);
	free(same);
	free(data);
	sh("truncate -s 100 %s", f.v[0].path);
	ck_assert_int_eq(ksp_module_file_read(f.v[0].path, "xz_mod", &data, &size, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_TARGET_ABSENT);
	ck_assert_msg(strstr(err.msg, "corrupt xz data"), "%s", err.msg);
	ksp_module_files_free(&f);
	snprintf(want, sizeof(want), "%s/kernel/fs/xz/z.ko.zst", modules);
	ck_assert_int_eq(ksp_module_file_read(want, "z", &data, &size, &err), -1);
	ck_assert_msg(strstr(err.msg, "compressed with zstd"), "%s", err.msg);

	/* gzip'ed: read through zlib, the same bytes. */
	sh("gzip -k %s/kernel/dep.ko", modules);
	snprintf(want, sizeof(want), "%s/kernel/dep.ko.gz", modules);
	ck_assert_int_eq(ksp_module_file_read(want, "dep", &data, &size, &err), 0);
	snprintf(want, sizeof(want), "%s/kernel/dep.ko", modules);
	FILE *plain = fopen(want, "rb");
	ck_assert_ptr_nonnull(plain);
	fseek(plain, 0, SEEK_END);
	ck_assert_uint_eq(size, (size_t)ftell(plain));
	fclose(plain);
	ck_assert_int_eq(memcmp(data, "\177ELF", 4), 0);
	free(data);
}
END_TEST

START_TEST(pre_object_matches_the_file)
{
	struct world w;
	struct ksp_error err = {0};
	ck_assert_msg(open_world(&w, NULL, &err) == 0, "%s", err.msg);
	const struct rp_function_result *t = result_of(&w, "target_fn");
	const struct rp_function_result *h = result_of(&w, "helper");
	ck_assert_msg(t->status == RP_MATCHED, "%s", t->detail);
	ck_assert_msg(h->status == RP_MATCHED, "%s", h->detail);
	ck_assert_int_eq(t->trampoline, 5);
	/* dep.ko is laid out too: its function is where mod.ko's call goes. */
	ck_assert_uint_eq(w.pending.n, 2);
	ck_assert_str_eq(w.pending.v[0].name, "mod");
	ck_assert_int_eq(w.pending.v[0].target, 1);
	ck_assert_str_eq(w.pending.v[1].name, "dep");
	ck_assert_uint_eq(w.pending.v[0].image.unresolved, 0);
	ck_assert_ptr_eq(ksp_pending_module_of(&w.pending, t->address), &w.pending.v[0]);
	ck_assert_ptr_eq(ksp_pending_module_of(&w.pending, symbol(&w, "dep_fn")), &w.pending.v[1]);
	ck_assert_uint_eq(symbol(&w, "printk"), 0xffffffff81000100ULL);
	ck_assert_uint_eq(symbol(&w, "live_fn"), 0xffffffffc0001000ULL);

	/* The plan: target_fn pending, with its symbol index, masks and hash;
	 * the references into mod.ko and dep.ko pkeys, printk a key. */
	struct ksp_plan_entry e = {
		.old_addr = t->address, .jump_offset = 5, .old_size = (uint32_t)t->function->size};
	const char *names[] = {"target_fn"};
	struct ksp_plan_key k[4] = {
		{.key = "printk", .addr = symbol(&w, "printk")},
		{.key = "dep_fn", .addr = symbol(&w, "dep_fn")},
		{.key = "shared_counter", .addr = symbol(&w, "shared_counter")},
		{.key = "fs/mod/a.o:helper", .addr = h->address},
	};
	ck_assert_msg(ksp_pending_plan(&w.pending, &e, 1, names, k, 4, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(e.module, "mod");
	ck_assert_str_eq(e.symname, "target_fn");
	char path[700], name[64];
	snprintf(path, sizeof(path), "%s/kernel/fs/mod/mod.ko", modules);
	elf_symbol_name(path, e.symindex, name, sizeof(name));
	ck_assert_str_eq(name, "target_fn");
	ck_assert_uint_eq(e.old_size, t->function->size); /* the file's st_size */
	ck_assert_uint_eq(e.jump_offset, 5);
	ck_assert_uint_eq(strlen(e.sha256), 64);
	/* The fentry call, the string's 32S field, the printk, dep_fn and
	 * live_fn calls' fields; the call to the static helper has none in the
	 * file. */
	ck_assert_uint_eq(e.nmasks, 6);
	ck_assert_uint_eq(e.masks[0].offset, 0);
	ck_assert_uint_eq(e.masks[0].len, 5);
	ck_assert_uint_eq(e.masks[1].offset, 1);
	ck_assert_uint_eq(e.masks[1].len, 4);
	for (size_t i = 2; i < e.nmasks; i++)
		ck_assert_uint_eq(e.masks[i].len, 4);
	ck_assert_ptr_null(k[0].module);
	ck_assert_str_eq(k[1].module, "dep");
	ck_assert_str_eq(k[1].symname, "dep_fn");
	ck_assert_int_eq(k[1].offset, 0);
	ck_assert_str_eq(k[2].module, "mod");
	ck_assert_str_eq(k[2].symname, "shared_counter");
	ck_assert_str_eq(k[3].module, "mod");
	ck_assert_str_eq(k[3].symname, "helper");
	elf_symbol_name(path, k[3].symindex, name, sizeof(name));
	ck_assert_str_eq(name, "helper");
	/* a.c's helper, the first in the file, not b.c's */
	ck_assert_uint_lt(k[3].symindex, k[2].symindex);

	/* The hash ignores masked bytes and nothing else. */
	const struct rp_module_image *im = &w.pending.v[0].image;
	uint64_t off;
	size_t sec = rp_module_image_section_of(im, t->address, &off);
	unsigned char code[256];
	ck_assert_uint_le(e.old_size, sizeof(code));
	memcpy(code, im->obj.sections[sec].data + off, e.old_size);
	char hex[65];
	code[2] ^= 0xff; /* in the fentry call's field */
	ksp_pending_hash(code, e.old_size, e.masks, e.nmasks, hex);
	ck_assert_str_eq(hex, e.sha256);
	code[8] ^= 0xff; /* cmp $0xa: code */
	ksp_pending_hash(code, e.old_size, e.masks, e.nmasks, hex);
	ck_assert_str_ne(hex, e.sha256);
	free(e.masks);
	close_world(&w);
}
END_TEST

START_TEST(other_code_in_the_file_does_not_match)
{
	struct world w;
	struct ksp_error err = {0};
	ck_assert_msg(open_world(&w, "mod11.ko", &err) == 0, "%s", err.msg);
	const struct rp_function_result *t = result_of(&w, "target_fn");
	ck_assert_int_eq(t->status, RP_NO_MATCH);
	ck_assert_msg(strstr(t->detail, "target_fn+"), "%s", t->detail);
	ck_assert_int_eq(result_of(&w, "helper")->status, RP_MATCHED);
	close_world(&w);
}
END_TEST

START_TEST(missing_file_refused)
{
	struct world w;
	struct ksp_error err = {0};
	sh("rm %s/kernel/dep.ko", modules);
	ck_assert_int_eq(open_world(&w, NULL, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_TARGET_ABSENT);
	ck_assert_msg(strstr(err.msg, "module dep is not loaded and its file"), "%s", err.msg);
	ksp_pending_free(&w.pending);
	rp_memview_close(&w.mem);
	ksp_kallsyms_free(&w.ks);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pending_plan");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, module_file_found_with_its_dependencies);
	tcase_add_test(tc, pre_object_matches_the_file);
	tcase_add_test(tc, other_code_in_the_file_does_not_match);
	tcase_add_test(tc, missing_file_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ksp_check_run(suite());
}
