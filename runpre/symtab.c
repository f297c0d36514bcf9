#include "symtab.h"

static size_t lookup(void *ctx, const char *name, uint64_t *addrs, size_t max)
{
	const struct ksp_ksym *const *found;
	size_t n = ksp_kallsyms_lookup(ctx, name, &found);
	size_t out = 0;
	for (size_t i = 0; i < n; i++)
		if (!found[i]->module && out < max)
			addrs[out++] = found[i]->addr;
	return out;
}

static int is_at(void *ctx, const char *name, uint64_t addr)
{
	const struct ksp_ksym *const *found;
	size_t n = ksp_kallsyms_lookup(ctx, name, &found);
	for (size_t i = 0; i < n; i++)
		if (found[i]->addr == addr && !found[i]->module)
			return 1;
	return 0;
}

static size_t names_at(void *ctx, uint64_t addr, const char **names, size_t max)
{
	const struct ksp_kallsyms *ks = ctx;
	const struct ksp_ksym *s = ksp_kallsyms_containing(ks, addr, NULL);
	size_t n = 0;
	for (; s && s < ks->syms + ks->count && s->addr == addr && n < max; s++)
		if (!s->module)
			names[n++] = s->name;
	return n;
}

static const char *containing(void *ctx, uint64_t addr, uint64_t *start)
{
	const struct ksp_ksym *s = ksp_kallsyms_containing(ctx, addr, NULL);
	if (!s)
		return NULL;
	*start = s->addr;
	return s->name;
}

void rp_symtab_from_kallsyms(struct rp_symtab *st, const struct ksp_kallsyms *ks)
{
	st->lookup = lookup;
	st->names_at = names_at;
	st->is_at = is_at;
	st->partial = 0;
	st->containing = containing;
	st->ctx = (void *)ks;
	st->newest_code = NULL;
	st->newest_ctx = NULL;
}
