/* libFuzzer target: run-pre's view of an object (common/objfile.c read by
 * runpre/pre_object.c) and its
 * run-time patch tables (runpre/sites.c), as ksplice-apply reads the pre
 * objects of an update; then run-pre matching of the object against its own
 * bytes (each code section placed at an address of its own, a kallsyms
 * table naming its functions there). Checks that functions and relocations
 * lie inside their sections. */
#include "fuzz_util.h"
#include "kallsyms.h"
#include "pre_object.h"
#include "runpre.h"
#include "sites.h"
#include "symtab.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE 0xffffffff81000000ull
#define SLOT 0x100000ull /* room per section: bigger ones are left out */
#define MAX_SECTIONS 256

static void check_layout(const struct rp_object *obj)
{
	for (size_t i = 0; i < obj->nfunctions; i++) {
		const struct rp_function *f = &obj->functions[i];
		fuzz_check(f->offset <= f->section->size && f->size <= f->section->size - f->offset,
			   "a function lies inside its section");
	}
	for (size_t i = 0; i < obj->model.nsections; i++) {
		const struct ksp_obj_section *s = &obj->model.sections[i];
		for (size_t k = 0; k < s->nrelocs; k++) {
			fuzz_check(s->relocs[k].offset + s->relocs[k].size <= s->size,
				   "a relocation field lies inside its section");
			fuzz_check(k == 0 || s->relocs[k - 1].offset <= s->relocs[k].offset,
				   "relocations sorted by offset");
		}
	}
}

static void query_sites(const struct rp_object *obj)
{
	struct rp_sites sites;
	struct ksp_error err;
	if (rp_sites_load(obj, &sites, &err) != 0)
		return;
	for (size_t i = 0; i < obj->nfunctions; i++) {
		const struct rp_function *f = &obj->functions[i];
		int global;
		rp_sites_at(&sites, f->section, f->offset);
		rp_sites_overlapping(&sites, f->section, f->offset, f->offset + f->size);
		rp_object_symbol_at(obj, f->section, f->offset, &global);
		rp_section_reloc_in(f->section, f->offset, f->offset + f->size);
	}
	rp_sites_free(&sites);
}

static int plain_name(const char *name)
{
	if (!*name || strlen(name) > 200)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isgraph((unsigned char)*p))
			return 0;
	return 1;
}

static uint64_t section_addr(const struct rp_object *obj, const struct ksp_obj_section *s)
{
	return BASE + (uint64_t)(s - obj->model.sections) * SLOT;
}

/* kallsyms text naming every function at its place in the view. */
static char *function_table(const struct rp_object *obj, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < obj->nfunctions; i++) {
		const struct rp_function *fn = &obj->functions[i];
		if (fn->section->size < SLOT && plain_name(fn->name))
			fprintf(f, "%llx t %s\n",
				(unsigned long long)(section_addr(obj, fn->section) + fn->offset),
				fn->name);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void match_itself(struct rp_object *obj)
{
	struct rp_range ranges[MAX_SECTIONS];
	size_t n = 0;
	for (size_t i = 0; i < obj->model.nsections && n < MAX_SECTIONS; i++) {
		const struct ksp_obj_section *s = &obj->model.sections[i];
		if (s->data && s->size && s->size < SLOT)
			ranges[n++] = (struct rp_range){
				.addr = section_addr(obj, s), .len = s->size, .data = s->data};
	}
	size_t len = 0;
	char *table = function_table(obj, &len);
	struct ksp_kallsyms ks;
	struct ksp_error err;
	if (!table || ksp_kallsyms_parse(table, len, "fuzz-kallsyms", &ks, &err) != 0) {
		free(table);
		return;
	}
	free(table);
	struct rp_memview mem;
	struct rp_symtab st;
	struct rp_result result;
	rp_memview_open_ranges(&mem, ranges, n, &err);
	mem.code_only = 1;
	rp_symtab_from_kallsyms(&st, &ks);
	st.partial = 1;
	if (rp_match_objects(&obj, 1, &mem, &st, &result, &err) == 0)
		rp_result_free(&result);
	rp_memview_close(&mem);
	ksp_kallsyms_free(&ks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	fuzz_input_file(data, size, 0, path, sizeof(path));
	struct rp_object obj;
	struct ksp_error err;
	if (rp_object_open(path, &obj, &err) != 0)
		return 0;
	check_layout(&obj);
	query_sites(&obj);
	match_itself(&obj);
	rp_object_close(&obj);
	return 0;
}
