/* live.pending_nfsd's checker: an update's pre object for a module matched
 * against the module's shipped file as ksplice-apply does when the module
 * is not loaded (splicer/live/pending_plan.c), offline:
 *
 *   pending_nfsd KALLSYMS MODULES_DIR SYSFS MODULE UNIT PRE.o FUNCTION [KEY...]
 *
 * KALLSYMS: the kernel's (the test-bed's saved /proc/kallsyms); MODULES_DIR:
 * where modules.dep is; SYSFS: a directory whose module/NAME/initstate says
 * which modules are loaded (none: all of MODULE's dependencies are laid out
 * too). Prints the match counts, every function that does not match, and
 * the plan for FUNCTION (a patch entry) and KEYs; exits 1 if a function
 * does not match or the plan cannot be made. */
#include "kallsyms.h"
#include "memview.h"
#include "pending_plan.h"
#include "pre_object.h"
#include "runpre.h"
#include "symtab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 8) {
		fprintf(stderr, "usage: pending_nfsd KALLSYMS MODULES_DIR SYSFS MODULE UNIT PRE.o "
				"FUNCTION [KEY...]\n");
		return 2;
	}
	struct ksp_kallsyms ks;
	struct rp_memview mem;
	struct ksp_pending p;
	struct rp_object pre;
	struct rp_result res;
	struct ksp_error err = {0};
	const char *targets[] = {argv[4]};
	if (ksp_kallsyms_load(argv[1], &ks, &err) || rp_memview_open_ranges(&mem, NULL, 0, &err) ||
	    ksp_pending_find(&p, targets, 1, argv[3], argv[2], &err) ||
	    ksp_pending_lay_out(&p, &ks, &mem, &err) || rp_object_open(argv[6], &pre, &err)) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < p.n; i++)
		printf("file %s %s unresolved %zu\n", p.v[i].name, p.v[i].path,
		       p.v[i].image.unresolved);
	pre.unit = argv[5];
	pre.module = argv[4];
	struct rp_symtab st;
	rp_symtab_from_kallsyms(&st, &ks);
	struct rp_object *objs[] = {&pre};
	if (rp_match_objects(objs, 1, &mem, &st, &res, &err)) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	printf("matched %zu of %zu functions\n", res.matched, res.nfunctions);
	const struct rp_function_result *f = NULL;
	for (size_t i = 0; i < res.nfunctions; i++) {
		if (res.functions[i].status != RP_MATCHED)
			printf("%s %s: %s\n", rp_status_name(res.functions[i].status),
			       res.functions[i].function->name, res.functions[i].detail);
		if (!strcmp(res.functions[i].function->name, argv[7]))
			f = &res.functions[i];
	}
	if (!f || f->status != RP_MATCHED)
		return 1;
	struct ksp_plan_entry e = {.old_addr = f->address,
				   .old_size = (uint32_t)f->function->size,
				   .jump_offset = (uint32_t)f->trampoline};
	const char *names[] = {argv[7]};
	size_t nkeys = (size_t)argc - 8;
	struct ksp_plan_key *keys = calloc(nkeys + 1, sizeof(*keys));
	for (size_t k = 0; k < nkeys; k++) {
		keys[k].key = argv[8 + k];
		for (size_t i = 0; i < res.nsymbols; i++)
			if (!strcmp(res.symbols[i].name, keys[k].key))
				keys[k].addr = res.symbols[i].address;
		uint64_t one[2];
		if (!keys[k].addr && !strchr(keys[k].key, ':') &&
		    st.lookup(st.ctx, argv[4], keys[k].key, one, 2) == 1)
			keys[k].addr = one[0];
		if (!keys[k].addr)
			printf("unresolved %s\n", keys[k].key);
	}
	if (ksp_pending_plan(&p, &e, 1, names, keys, nkeys, &err)) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	int failed = res.no_match || res.ambiguous || res.not_found;
	char *plan = ksp_plan_format(&e, 1, keys, nkeys);
	fputs(plan, stdout);
	free(plan);
	free(e.masks);
	free(keys);
	rp_result_free(&res);
	rp_object_close(&pre);
	ksp_pending_free(&p);
	rp_memview_close(&mem);
	ksp_kallsyms_free(&ks);
	return failed;
}
