/* create.extract: cutting an update's new code out of an object, on the
 * sample's real kernel objects: the function is renamed and global, its
 * table entries come along and no others, and every reference to the rest
 * of the kernel is named by its binding key: recorded for kmod-helper
 * (no relocation in the object), or, where the module loader rewrites or
 * reads the place at load, left as an undefined symbol. */
#include "check_run.h"
#include "extract.h"
#include "objfile.h"
#include "update_module.h"

#include <bfd.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char objects[4096], out[64];

static void setup(void)
{
	const char *root = getenv("KSPLICE_SAMPLES");
	ck_assert_ptr_nonnull(root);
	snprintf(objects, sizeof(objects), "%s/6.1.0-56-cloud-amd64/objects", root);
	strcpy(out, "/tmp/ksplice-extract.XXXXXX");
	int fd = mkstemp(out);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(out);
}

static void extract(const char *unit, const char *function, struct ksp_extract_result *res)
{
	char post[8200];
	snprintf(post, sizeof(post), "%s/%s", objects, unit);
	const char *funcs[] = {function};
	struct ksp_extract_req req = {
		.post = post, .unit = unit, .functions = funcs, .nfunctions = 1};
	struct ksp_error err = {0};
	ck_assert_msg(ksp_extract(&req, out, res, &err) == 0, "%s", err.msg);
}

static int has_external(const struct ksp_extract_result *res, const char *key)
{
	for (size_t i = 0; i < res->nexternals; i++)
		if (strcmp(res->externals[i], key) == 0)
			return 1;
	return 0;
}

static int has_loader_symbol(const struct ksp_extract_result *res, const char *key)
{
	for (size_t i = 0; i < res->nloader_symbols; i++)
		if (strcmp(res->loader_symbols[i], key) == 0)
			return 1;
	return 0;
}

/* The symbols of the written object that are undefined, joined by ' '. */
static void undefined_symbols(bfd *abfd, char *buf, size_t len)
{
	long bound = bfd_get_symtab_upper_bound(abfd);
	asymbol **syms = malloc((size_t)bound);
	long n = bfd_canonicalize_symtab(abfd, syms);
	buf[0] = '\0';
	for (long i = 0; i < n; i++)
		if (bfd_is_und_section(syms[i]->section)) {
			strncat(buf, bfd_asymbol_name(syms[i]), len - strlen(buf) - 2);
			strcat(buf, " ");
		}
	free(syms);
}

/* The recorded reference to key, or NULL. */
static const struct ksp_extract_reloc *late_reloc(const struct ksp_extract_result *res,
						  const char *key)
{
	for (size_t i = 0; i < res->nrelocs; i++)
		if (strcmp(res->relocs[i].key, key) == 0)
			return &res->relocs[i];
	return NULL;
}

/* Is name a global symbol at offset 0 of section? */
static int anchored(bfd *abfd, const char *name, const char *section)
{
	long bound = bfd_get_symtab_upper_bound(abfd);
	asymbol **syms = malloc((size_t)bound);
	long n = bfd_canonicalize_symtab(abfd, syms);
	int found = 0;
	for (long i = 0; i < n; i++)
		if (!strcmp(bfd_asymbol_name(syms[i]), name))
			found = (syms[i]->flags & BSF_GLOBAL) && syms[i]->value == 0 &&
				!strcmp(bfd_section_name(syms[i]->section), section);
	free(syms);
	return found;
}

/* Entries of table (entry bytes each) in the written object, and whether
 * every one of its relocations at entry starts names section. */
static size_t table_entries(bfd *abfd, const char *table, unsigned entry, const char *section)
{
	asection *t = bfd_get_section_by_name(abfd, table);
	if (!t)
		return 0;
	long bound = bfd_get_symtab_upper_bound(abfd);
	asymbol **syms = malloc((size_t)bound);
	bfd_canonicalize_symtab(abfd, syms);
	arelent **rels = malloc((size_t)bfd_get_reloc_upper_bound(abfd, t));
	long n = bfd_canonicalize_reloc(abfd, t, rels, syms);
	for (long i = 0; i < n; i++)
		if (rels[i]->address % entry == 0)
			ck_assert_str_eq(bfd_section_name((*rels[i]->sym_ptr_ptr)->section),
					 section);
	free(rels);
	free(syms);
	return (size_t)(bfd_section_size(t) / entry);
}

static bfd *open_out(void)
{
	bfd *abfd = bfd_openr(out, NULL);
	ck_assert_ptr_nonnull(abfd);
	ck_assert(bfd_check_format(abfd, bfd_object));
	return abfd;
}

static int global_function(bfd *abfd, const char *name)
{
	long bound = bfd_get_symtab_upper_bound(abfd);
	asymbol **syms = malloc((size_t)bound);
	long n = bfd_canonicalize_symtab(abfd, syms);
	int found = 0;
	for (long i = 0; i < n; i++)
		if (!strcmp(bfd_asymbol_name(syms[i]), name))
			found = (syms[i]->flags & BSF_GLOBAL) && (syms[i]->flags & BSF_FUNCTION);
	free(syms);
	return found;
}

START_TEST(cmdline_proc_show_alone)
{
	struct ksp_extract_result res;
	extract("fs/proc/cmdline.o", "cmdline_proc_show", &res);
	const char *want[] = {"saved_command_line", "seq_puts", "seq_putc"};
	ck_assert_uint_eq(res.nexternals, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_msg(has_external(&res, want[i]), "no external %s", want[i]);
	/* ftrace and the return thunks check these sites at load. */
	ck_assert_uint_eq(res.nloader_symbols, 2);
	ck_assert(has_loader_symbol(&res, "__fentry__"));
	ck_assert(has_loader_symbol(&res, "__x86_return_thunk"));
	ck_assert_uint_eq(res.nrelocs, 3); /* one each */
	const struct ksp_extract_reloc *r = late_reloc(&res, "saved_command_line");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->type, 2); /* R_X86_64_PC32 */
	ck_assert_int_eq(r->addend, -4);
	ck_assert_int_eq(strncmp(r->anchor, "__ksplice_o0_s", 14), 0);
	bfd *abfd = open_out();
	char undefined[1024];
	undefined_symbols(abfd, undefined, sizeof(undefined));
	ck_assert_msg(strstr(undefined, "seq_puts") == NULL && strstr(undefined, "saved") == NULL,
		      "undefined: %s", undefined);
	ck_assert(anchored(abfd, r->anchor, ".text.cmdline_proc_show"));
	ck_assert(global_function(abfd, "__ksplice_new_cmdline_proc_show"));
	ck_assert_ptr_null(bfd_get_section_by_name(abfd, ".init.text"));
	ck_assert_uint_eq(table_entries(abfd, "__mcount_loc", 8, ".text.cmdline_proc_show"), 1);
	ck_assert_uint_eq(table_entries(abfd, ".return_sites", 4, ".text.cmdline_proc_show"), 1);
	size_t orc = table_entries(abfd, ".orc_unwind_ip", 4, ".text.cmdline_proc_show");
	ck_assert_uint_gt(orc, 0);
	ck_assert_uint_eq(bfd_section_size(bfd_get_section_by_name(abfd, ".orc_unwind")), orc * 6);
	bfd_close(abfd);
	ksp_extract_result_free(&res);
}
END_TEST

/* A global function another object of the update adds (tty_port.c's new
 * tty_port_tty_vhangup, called from serial_core.c's changed code in one
 * fix) is not in the kernel: the reference links to that object's
 * __ksplice_new_NAME inside the update module, and no binding is asked of
 * run-pre matching. */
START_TEST(function_new_in_another_object_linked_in_module)
{
	char post[8200];
	snprintf(post, sizeof(post), "%s/fs/proc/cmdline.o", objects);
	const char *funcs[] = {"cmdline_proc_show"}, *added[] = {"seq_puts"};
	struct ksp_extract_req req = {.post = post,
				      .unit = "fs/proc/cmdline.o",
				      .functions = funcs,
				      .nfunctions = 1,
				      .new_elsewhere = added,
				      .nnew_elsewhere = 1};
	struct ksp_extract_result res;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_extract(&req, out, &res, &err) == 0, "%s", err.msg);
	ck_assert(!has_external(&res, "seq_puts"));
	ck_assert(has_external(&res, "seq_putc"));
	ck_assert_uint_eq(res.nexternals, 2);
	bfd *abfd = open_out();
	char undefined[1024];
	undefined_symbols(abfd, undefined, sizeof(undefined));
	ck_assert_msg(strstr(undefined, "__ksplice_new_seq_puts") != NULL, "undefined: %s",
		      undefined);
	bfd_close(abfd);
	ksp_extract_result_free(&res);
}
END_TEST

/* prctl_set_mm has jump labels and calls statics of its file through their
 * sections: those become UNIT:SECTION keys; the tracepoint keys stay named. */
START_TEST(static_references_and_jump_labels)
{
	struct ksp_extract_result res;
	extract("kernel/sys.o", "prctl_set_mm", &res);
	ck_assert(has_external(&res, "kernel/sys.o:.text.validate_prctl_map_addr"));
	/* a __jump_table key: the loader reads it at load */
	ck_assert(has_loader_symbol(&res, "__tracepoint_mmap_lock_start_locking"));
	ck_assert(!has_external(&res, "prctl_set_mm"));
	bfd *abfd = open_out();
	ck_assert(global_function(abfd, "__ksplice_new_prctl_set_mm"));
	size_t jumps = table_entries(abfd, "__jump_table", 16, ".text.prctl_set_mm");
	ck_assert_uint_gt(jumps, 0);
	ck_assert_uint_lt(jumps, 9); /* kernel/sys.o has 9; prctl_set_mm_map's stay behind */
	bfd_close(abfd);
	ksp_extract_result_free(&res);
}
END_TEST

/* The kernel's exports, for the test: none of mmap_lock_start_locking's
 * tracepoint (as for a module's own tracepoint). */
static int no_tracepoint_exports(const char *name, void *ctx)
{
	(void)ctx;
	return strstr(name, "mmap_lock_start_locking") == NULL;
}

static const struct ksp_extract_reloc *early_named(const struct ksp_extract_result *res,
						   const char *key)
{
	for (size_t i = 0; i < res->nearly; i++)
		if (strcmp(res->early[i].key, key) == 0)
			return &res->early[i];
	return NULL;
}

/* A tracepoint no export names: its jump label keys become early
 * references (R_X86_64_PC64 at the entries' key fields) and nothing of it is
 * left to the loader. (kernel/sys.o calls the tracepoint out of line, so it
 * has no static call site; module rows of eval/realfixes have those.) */
START_TEST(unexported_tracepoint_keys_are_early)
{
	char post[8200];
	snprintf(post, sizeof(post), "%s/kernel/sys.o", objects);
	const char *funcs[] = {"prctl_set_mm"};
	struct ksp_extract_req req = {.post = post,
				      .unit = "kernel/sys.o",
				      .functions = funcs,
				      .nfunctions = 1,
				      .exported = no_tracepoint_exports};
	struct ksp_extract_result res;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_extract(&req, out, &res, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < res.nloader_symbols; i++)
		ck_assert_msg(!strstr(res.loader_symbols[i], "mmap_lock_start_locking"),
			      "left to the loader: %s", res.loader_symbols[i]);
	const struct ksp_extract_reloc *jump =
		early_named(&res, "__tracepoint_mmap_lock_start_locking");
	ck_assert_ptr_nonnull(jump);
	ck_assert_uint_eq(jump->type, 24); /* R_X86_64_PC64 */
	ck_assert_uint_eq(jump->offset % 16, 8);
	ck_assert_int_eq(strncmp(jump->anchor, "__ksplice_o0_s", 14), 0);
	bfd *abfd = open_out();
	char undefined[4096];
	undefined_symbols(abfd, undefined, sizeof(undefined));
	ck_assert_msg(!strstr(undefined, "mmap_lock_start_locking"), "undefined: %s", undefined);
	bfd_close(abfd);
	ksp_extract_result_free(&res);
}
END_TEST

START_TEST(unknown_or_shared_functions_refused)
{
	char post[8200];
	snprintf(post, sizeof(post), "%s/fs/proc/cmdline.o", objects);
	const char *missing[] = {"no_such_function"};
	struct ksp_extract_req req = {
		.post = post, .unit = "fs/proc/cmdline.o", .functions = missing, .nfunctions = 1};
	struct ksp_extract_result res;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_extract(&req, out, &res, &err), -1);
	ck_assert_msg(strstr(err.msg, "no function called no_such_function"), "%s", err.msg);
	const char *init[] = {"proc_cmdline_init"}; /* in .init.text with others */
	req.functions = init;
	ck_assert_int_eq(ksp_extract(&req, out, &res, &err), -1);
	ck_assert_msg(strstr(err.msg, "shares section .init.text"), "%s", err.msg);
	ck_assert_int_ne(access(out, F_OK), 0); /* nothing left behind */
}
END_TEST

/* A function the kernel places by attribute (__ref, __sched) shares its
 * section even with -ffunction-sections: the section comes whole, the
 * replaced function renamed and global, its neighbours made local. */
/* Compiles text as DIR/NAME.c with gcc -O2 -ffunction-sections and extra
 * flags; the object's path goes to obj. */
static void compile_in(const char *dir, const char *name, const char *text, const char *flags,
		       char *obj, size_t len)
{
	char src[128], cmd[512];
	snprintf(src, sizeof(src), "%s/%s.c", dir, name);
	snprintf(obj, len, "%s/%s.o", dir, name);
	FILE *f = fopen(src, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gcc -O2 -ffunction-sections %s -c %s -o %s", flags, src, obj);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(function_in_shared_code_section)
{
	char dir[] = "/tmp/ksplice-extract-src.XXXXXX", obj[128], cmd[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	compile_in(
		dir, "ref",
		"extern int sink(int);\n"
		"__attribute__((section(\".ref.text\"))) int first(int a) { return sink(a) + 1; }\n"
		"__attribute__((section(\".ref.text\"))) int second(int a) { return sink(a) * 3; "
		"}\n",
		"", obj, sizeof(obj));
	const char *funcs[] = {"second"};
	struct ksp_extract_req req = {
		.post = obj, .unit = "ref.o", .functions = funcs, .nfunctions = 1};
	struct ksp_extract_result res;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_extract(&req, out, &res, &err) == 0, "%s", err.msg);
	bfd *abfd = open_out();
	asymbol **syms = malloc((size_t)bfd_get_symtab_upper_bound(abfd));
	long n = bfd_canonicalize_symtab(abfd, syms);
	int renamed = 0, neighbour = 0;
	for (long i = 0; i < n; i++) {
		if (strcmp(bfd_asymbol_name(syms[i]), "__ksplice_new_second") == 0)
			renamed = (syms[i]->flags & BSF_GLOBAL) && syms[i]->value > 0;
		if (strcmp(bfd_asymbol_name(syms[i]), "first") == 0)
			neighbour = (syms[i]->flags & BSF_LOCAL) != 0;
	}
	ck_assert_msg(renamed, "second is not global __ksplice_new_second at its offset");
	ck_assert_msg(neighbour, "first, carried along, is not local");
	free(syms);
	bfd_close(abfd);
	ksp_extract_result_free(&res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A __bug_table entry of carried code names its file by a merged string
 * that the code itself never refers to: the string must come along. */
START_TEST(bug_table_file_name_carried)
{
	char dir[] = "/tmp/ksplice-extract-bug.XXXXXX", obj[128], cmd[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	compile_in(dir, "bug",
		   "extern int sink(int);\n"
		   "int checked(int a)\n"
		   "{\n"
		   "\tif (a < 0)\n"
		   "\t\tasm volatile(\"1: ud2\\n.pushsection __bug_table,\\\"aw\\\"\\n\"\n"
		   "\t\t\t     \"2: .long 1b - 2b\\n.long %c0 - .\\n.word 7, 0\\n.popsection\"\n"
		   "\t\t\t     : : \"i\"(\"lib/bug-test.c\"));\n"
		   "\treturn sink(a) + 1;\n"
		   "}\n",
		   "-fno-pic", obj, sizeof(obj));
	const char *funcs[] = {"checked"};
	struct ksp_extract_req req = {
		.post = obj, .unit = "bug.o", .functions = funcs, .nfunctions = 1};
	struct ksp_extract_result res;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_extract(&req, out, &res, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < res.nexternals; i++)
		ck_assert_msg(strstr(res.externals[i], ".LC") == NULL, "external %s",
			      res.externals[i]);
	ck_assert_uint_eq(table_entries(open_out(), "__bug_table", 12, ".text.checked"), 1);
	ksp_extract_result_free(&res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A pr_debug() site: its descriptor (__dyndbg, with the jump label's key
 * inside) and the strings the descriptor points to, __func__ in a section
 * of its own, come with the code; nothing is left for the loader or the
 * helper to resolve, since the loader reads descriptors at load. The jump
 * label is a 2-byte nop, as objtool makes the kernel's where the target is
 * near: the instruction after it is no part of the site. */
START_TEST(dynamic_debug_descriptor_carried)
{
	char dir[] = "/tmp/ksplice-extract-dyndbg.XXXXXX", obj[128], cmd[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	compile_in(dir, "dd",
		   "struct key { int enabled; void *entries; };\n"
		   "struct ddebug { const char *modname, *function, *filename, *format;\n"
		   "\tunsigned int lineno:18, class_id:6, flags:8; struct key key; };\n"
		   "extern int sink(const char *, int);\n"
		   "#define DESC(n) static struct ddebug n __attribute__((used, "
		   "section(\"__dyndbg\"), aligned(8))) = \\\n"
		   "\t{ \"mod\", __func__, \"dd.c\", \"a=%d\\n\", __LINE__ }\n"
		   "int noisy(int a)\n"
		   "{\n"
		   "\tDESC(d);\n"
		   "\tasm goto(\"1: .byte 0x66,0x90\\nmovq ext_var(%%rip), %%rax\\n.pushsection "
		   "__jump_table,\\\"aw\\\"\\n\"\n"
		   "\t\t \".balign 8\\n.long 1b - .\\n.long %l[on] - .\\n.quad %c0 + 1 - .\\n\"\n"
		   "\t\t \".popsection\" : : \"i\"(&d.key) : \"rax\" : on);\n"
		   "\treturn a;\n"
		   "on:\n"
		   "\treturn sink(d.format, a);\n"
		   "}\n"
		   "int quiet(int a)\n"
		   "{\n"
		   "\tDESC(e);\n"
		   "\treturn sink(e.format, a);\n"
		   "}\n",
		   "-fno-pic -fdata-sections", obj, sizeof(obj));
	const char *funcs[] = {"noisy"};
	struct ksp_extract_req req = {
		.post = obj, .unit = "dd.o", .functions = funcs, .nfunctions = 1};
	struct ksp_extract_result res;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_extract(&req, out, &res, &err) == 0, "%s", err.msg);
	/* ext_var is read right after a 2-byte site: not in it, so the helper's */
	for (size_t i = 0; i < res.nexternals; i++)
		ck_assert_msg(strcmp(res.externals[i], "sink") == 0 ||
				      strcmp(res.externals[i], "ext_var") == 0,
			      "external %s", res.externals[i]);
	ck_assert_uint_eq(res.nexternals, 2);
	ck_assert_uint_eq(res.nloader_symbols, 0);
	bfd *abfd = open_out();
	ck_assert_ptr_nonnull(bfd_get_section_by_name(abfd, "__dyndbg"));
	int func_strings = 0;
	for (asection *sec = abfd->sections; sec; sec = sec->next)
		func_strings += strncmp(bfd_section_name(sec), ".rodata.__func__", 16) == 0;
	ck_assert_int_gt(func_strings, 0);
	ck_assert_uint_eq(table_entries(abfd, "__jump_table", 16, ".text.noisy"), 1);
	bfd_close(abfd);
	ksp_extract_result_free(&res);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The kernel's exports, for the test: not might_resched's key (as 6.1). */
static int test_exports(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "__SCK__might_resched") != 0;
}

/* irq_work_sync's might_sleep() is a static call: the call site and the
 * table's key stay the loader's; the key it cannot resolve (unexported)
 * becomes the exported trampoline, which the loader maps to the key. */
START_TEST(static_call_key_not_exported)
{
	char post[8200];
	snprintf(post, sizeof(post), "%s/kernel/irq_work.o", objects);
	const char *funcs[] = {"irq_work_sync"};
	struct ksp_extract_req req = {.post = post,
				      .unit = "kernel/irq_work.o",
				      .functions = funcs,
				      .nfunctions = 1,
				      .exported = test_exports};
	struct ksp_extract_result res;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_extract(&req, out, &res, &err) == 0, "%s", err.msg);
	ck_assert(has_loader_symbol(&res, "__SCT__might_resched"));
	ck_assert(!has_loader_symbol(&res, "__SCK__might_resched"));
	ck_assert(!has_external(&res, "__SCT__might_resched"));
	ksp_extract_result_free(&res);
	req.exported = NULL; /* every symbol exported: the key stays */
	ck_assert_msg(ksp_extract(&req, out, &res, &err) == 0, "%s", err.msg);
	ck_assert(has_loader_symbol(&res, "__SCK__might_resched"));
	ksp_extract_result_free(&res);
}
END_TEST

/* A reference the module loader must resolve (at a site it rewrites at
 * load) to a symbol the kernel does not export cannot be completed later:
 * refused before anything is built; an exported one is not refused for it. */
START_TEST(unexported_loader_symbol_refused)
{
	char dir[] = "/tmp/ksplice-headers.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[512];
	snprintf(path, sizeof(path), "%s/Module.symvers", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "0x12345678\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n");
	fclose(f);
	const char *loader[] = {"__fentry__", "__SCK__tp_func_sched_switch"};
	struct ksp_module_object o = {
		.path = "new0.o", .loader_symbols = loader, .nloader_symbols = 2};
	struct ksp_module_spec spec = {
		.id = "unittest", .headers = dir, .objects = &o, .nobjects = 1};
	char out_dir[600], *ko = NULL;
	snprintf(out_dir, sizeof(out_dir), "%s/module", dir);
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_update_module_build(&spec, out_dir, &ko, &err), -1);
	ck_assert_int_eq(err.code, KSP_E_REFUSED);
	ck_assert_msg(strstr(err.msg, "__SCK__tp_func_sched_switch") != NULL, "%s", err.msg);
	ck_assert_int_ne(access(out_dir, F_OK), 0); /* nothing made */
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	ksp_bfd_init();
	Suite *s = suite_create("create.extract");
	TCase *tc = tcase_create("extract");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cmdline_proc_show_alone);
	tcase_add_test(tc, function_new_in_another_object_linked_in_module);
	tcase_add_test(tc, static_references_and_jump_labels);
	tcase_add_test(tc, unexported_tracepoint_keys_are_early);
	tcase_add_test(tc, unknown_or_shared_functions_refused);
	tcase_add_test(tc, function_in_shared_code_section);
	tcase_add_test(tc, bug_table_file_name_carried);
	tcase_add_test(tc, dynamic_debug_descriptor_carried);
	tcase_add_test(tc, unexported_loader_symbol_refused);
	tcase_add_test(tc, static_call_key_not_exported);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
