/* libFuzzer target: kallsyms / System.map text (common/kallsyms.c), read
 * from a file as ksplice-apply reads /proc/kallsyms, then every lookup that
 * run-pre matching makes through rp_symtab. Checks the sort orders. */
#include "fuzz_util.h"
#include "kallsyms.h"
#include "runpre.h"
#include "symtab.h"

#include <string.h>

static void check_orders(const struct ksp_kallsyms *ks)
{
	for (size_t i = 1; i < ks->count; i++) {
		fuzz_check(ks->syms[i - 1].addr <= ks->syms[i].addr, "symbols sorted by address");
		fuzz_check(strcmp(ks->by_name[i - 1]->name, ks->by_name[i]->name) <= 0,
			   "symbols sorted by name");
	}
}

/* Looks every tenth symbol up every way the matcher does. */
static void lookups(const struct ksp_kallsyms *ks)
{
	struct rp_symtab st;
	rp_symtab_from_kallsyms(&st, ks);
	for (size_t i = 0; i < ks->count; i += 10) {
		const struct ksp_ksym *s = &ks->syms[i];
		const struct ksp_ksym *const *found;
		size_t n = ksp_kallsyms_lookup(ks, s->name, &found);
		fuzz_check(n > 0, "a listed name is found");
		uint64_t addrs[8], start = 0, end = 0;
		const char *names[8];
		st.lookup(st.ctx, NULL, s->name, addrs, 8);
		st.lookup(st.ctx, s->module, s->name, addrs, 8);
		st.is_at(st.ctx, s->module, s->name, s->addr);
		st.names_at(st.ctx, s->module, s->addr, names, 8);
		st.containing(st.ctx, s->addr + 1, &start);
		const struct ksp_ksym *c = ksp_kallsyms_containing(ks, s->addr, &end);
		fuzz_check(c && c->addr == s->addr, "a symbol's address is inside a symbol");
		fuzz_check(end == 0 || end > s->addr, "the next address is above");
		ksp_kallsyms_next_addr(ks, s->addr);
	}
	const struct ksp_ksym *const *found;
	ksp_kallsyms_lookup(ks, "", &found);
	ksp_kallsyms_containing(ks, 0, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	fuzz_input_file(data, size, 0, path, sizeof(path));
	struct ksp_kallsyms ks;
	struct ksp_error err;
	if (ksp_kallsyms_load(path, &ks, &err) != 0)
		return 0;
	fuzz_check(ks.count > 0, "a loaded table has symbols");
	check_orders(&ks);
	lookups(&ks);
	ksp_kallsyms_free(&ks);
	return 0;
}
