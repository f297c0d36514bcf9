/* runpre.sites: run-pre matching of a small object's run-time patched sites
 * against hand-made kernel memory (a ranges view and a kallsyms text).
 *
 * A static branch whose jump goes into the function's cold part, as
 * static_branch_unlikely() on a key that starts true compiles to (deferred_pages
 * in mm/page_alloc.c's get_page_from_freelist, 6.1): a 5-byte jmp into
 * .text.unlikely.f, which the kernel turns into a nop once the key is
 * disabled. Its __jump_table entry names a target in another section than the
 * site. The running kernel's nop is accepted; a jmp must go to the target;
 * other code still has to be the same. */
#include "kallsyms.h"
#include "memview.h"
#include "pre_object.h"
#include "runpre.h"
#include "symtab.h"

#include "check_run.h"
#include "gcc_object.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* f: testl %edi,%edi (+0); jne into the cold part (+2); the static branch,
 * jmp into the cold part (+8); mov $1,%eax (+0xd); ret (+0x12). f.cold:
 * mov $2,%eax; ret (+0), mov $3,%eax; ret (+6, the static branch's target). */
static const char source[] = ".section .text.f,\"ax\",@progbits\n"
			     ".globl f\n"
			     ".type f,@function\n"
			     "f: testl %edi,%edi\n"
			     "jne .Lcold_b\n"
			     "1: jmp .Lcold_a\n"
			     "movl $1,%eax\n"
			     "ret\n"
			     ".size f,.-f\n"
			     ".section .text.unlikely.f,\"ax\",@progbits\n"
			     ".type f.cold,@function\n"
			     "f.cold:\n"
			     ".Lcold_b: movl $2,%eax\n"
			     "ret\n"
			     ".Lcold_a: movl $3,%eax\n"
			     "ret\n"
			     ".size f.cold,.-f.cold\n"
			     ".section __jump_table,\"aw\"\n"
			     ".balign 8\n"
			     ".long 1b - .\n"
			     ".long .Lcold_a - .\n"
			     ".quad key - .\n"
			     ".data\n"
			     ".globl key\n"
			     "key: .quad 1\n";

#define F 0xffffffff81000000ULL
#define COLD 0xffffffff81100000ULL

static const char kallsyms_text[] = "ffffffff81000000 T f\n"
				    "ffffffff81100000 t f.cold\n";

static char dir[] = "/tmp/ksplice-test-runpre-sites.XXXXXX";
static char *obj_path;

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	obj_path = ksp_test_compile(dir, "pre", source, "-x assembler");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(obj_path);
	strcpy(dir, "/tmp/ksplice-test-runpre-sites.XXXXXX");
}

static void put_rel32(unsigned char *p, uint64_t from_end, uint64_t to)
{
	uint32_t d = (uint32_t)(to - from_end);
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(d >> (8 * i));
}

/* Memory as the kernel holds f and f.cold, with `site` (5 bytes) at f+8 and
 * `mov $imm,%eax` at f+0xd. */
static void kernel_code(unsigned char *f, unsigned char *cold, const unsigned char *site,
			unsigned char imm)
{
	static const unsigned char f_code[] = {0x85, 0xff, 0x0f, 0x85, 0,    0, 0, 0, 0,   0,
					       0,    0,	   0,	 0xb8, 0x01, 0, 0, 0, 0xc3};
	static const unsigned char cold_code[] = {0xb8, 0x02, 0, 0, 0, 0xc3,
						  0xb8, 0x03, 0, 0, 0, 0xc3};
	memcpy(f, f_code, sizeof(f_code));
	memcpy(cold, cold_code, sizeof(cold_code));
	put_rel32(f + 4, F + 8, COLD);
	memcpy(f + 8, site, 5);
	f[0xe] = imm;
}

struct outcome {
	enum rp_status status;
	char detail[768];
	uint64_t cold_section; /* what the code taught of .text.unlikely.f, 0: nothing */
};

static struct outcome match(const unsigned char *site, unsigned char imm)
{
	unsigned char f[0x20], cold[0x20]; /* int3 padding after the functions */
	memset(f, 0xcc, sizeof(f));
	memset(cold, 0xcc, sizeof(cold));
	kernel_code(f, cold, site, imm);
	struct rp_range ranges[] = {{.addr = F, .len = sizeof(f), .data = f},
				    {.addr = COLD, .len = sizeof(cold), .data = cold}};
	struct ksp_error err = {0};
	struct ksp_kallsyms ks;
	struct rp_memview mem;
	struct rp_object obj;
	struct rp_symtab syms;
	struct rp_result result;
	ck_assert_int_eq(
		ksp_kallsyms_parse(kallsyms_text, strlen(kallsyms_text), "test", &ks, &err), 0);
	ck_assert_int_eq(rp_memview_open_ranges(&mem, ranges, 2, &err), 0);
	ck_assert_msg(rp_object_open(obj_path, &obj, &err) == 0, "%s", err.msg);
	obj.unit = "t.o";
	rp_symtab_from_kallsyms(&syms, &ks);
	struct rp_object *objs[] = {&obj};
	ck_assert_msg(rp_match_objects(objs, 1, &mem, &syms, &result, &err) == 0, "%s", err.msg);
	struct outcome o = {RP_NOT_FOUND, "", 0};
	for (size_t i = 0; i < result.nfunctions; i++)
		if (!strcmp(result.functions[i].function->name, "f")) {
			o.status = result.functions[i].status;
			snprintf(o.detail, sizeof(o.detail), "%s", result.functions[i].detail);
		}
	for (size_t i = 0; i < result.nsymbols; i++)
		if (!strcmp(result.symbols[i].name, "t.o:.text.unlikely.f"))
			o.cold_section = result.symbols[i].address;
	rp_result_free(&result);
	rp_object_close(&obj);
	rp_memview_close(&mem);
	ksp_kallsyms_free(&ks);
	return o;
}

static const unsigned char nop5[] = {0x0f, 0x1f, 0x44, 0x00, 0x00};

/* The function matches with site's bytes, its cold part found at COLD. */
static void expect_match_with_cold_part(const unsigned char *site)
{
	struct outcome o = match(site, 1);
	ck_assert_msg(o.status == RP_MATCHED, "%s: %s", rp_status_name(o.status), o.detail);
	ck_assert_uint_eq(o.cold_section, COLD);
}

/* The key disabled: the jump became a nop. */
START_TEST(disabled_static_branch_into_cold_part_matches)
{
	expect_match_with_cold_part(nop5);
}
END_TEST

/* The key as built: the jump goes to its target in the cold part. */
START_TEST(enabled_static_branch_into_cold_part_matches)
{
	unsigned char jmp[5] = {0xe9};
	put_rel32(jmp + 1, F + 0xd, COLD + 6);
	expect_match_with_cold_part(jmp);
}
END_TEST

/* A jump elsewhere in the cold part than the target is refused. */
START_TEST(static_branch_to_another_place_refused)
{
	unsigned char jmp[5] = {0xe9};
	put_rel32(jmp + 1, F + 0xd, COLD);
	struct outcome o = match(jmp, 1);
	ck_assert_int_eq(o.status, RP_NO_MATCH);
	ck_assert_msg(strstr(o.detail, "t.o:.text.unlikely.f is at 0xffffffff810ffffa here"), "%s",
		      o.detail);
}
END_TEST

/* Past the nop, the code must still be the same: mov $4 is not mov $1. */
START_TEST(different_code_after_the_nop_refused)
{
	struct outcome o = match(nop5, 4);
	ck_assert_int_eq(o.status, RP_NO_MATCH);
	ck_assert_msg(strstr(o.detail, "f+0xd: pre `mov    $0x1,%eax` vs run `mov    $0x4,%eax`"),
		      "%s", o.detail);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runpre.sites");
	TCase *tc = tcase_create("jump_label");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, disabled_static_branch_into_cold_part_matches);
	tcase_add_test(tc, enabled_static_branch_into_cold_part_matches);
	tcase_add_test(tc, static_branch_to_another_place_refused);
	tcase_add_test(tc, different_code_after_the_nop_refused);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
