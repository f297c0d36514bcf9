#include "symtab.h"

#include <string.h>

/* Where a kallsyms symbol is, seen from code of scope (a module, NULL for
 * vmlinux): 0 in the scope itself, 1 in vmlinux, 2 in another module. A
 * module's code means its own symbols first (its statics, and globals of
 * its other objects), then the kernel's, then other modules' exports;
 * vmlinux's code means only vmlinux's symbols. -1: not visible. */
static int distance(const char *scope, const struct ksp_ksym *sym)
{
	if (!scope)
		return sym->module ? -1 : 0;
	if (sym->module)
		return strcmp(sym->module, scope) ? 2 : 0;
	return 1;
}

static size_t lookup(void *ctx, const char *scope, const char *name, uint64_t *addrs, size_t max)
{
	const struct ksp_ksym *const *found;
	size_t n = ksp_kallsyms_lookup(ctx, name, &found);
	for (int d = 0; d <= 2; d++) {
		size_t out = 0;
		for (size_t i = 0; i < n; i++)
			if (distance(scope, found[i]) == d && out < max)
				addrs[out++] = found[i]->addr;
		if (out)
			return out;
	}
	return 0;
}

static int is_at(void *ctx, const char *scope, const char *name, uint64_t addr)
{
	const struct ksp_ksym *const *found;
	size_t n = ksp_kallsyms_lookup(ctx, name, &found);
	for (size_t i = 0; i < n; i++)
		if (found[i]->addr == addr && distance(scope, found[i]) >= 0)
			return 1;
	return 0;
}

static size_t names_at(void *ctx, const char *scope, uint64_t addr, const char **names, size_t max)
{
	const struct ksp_kallsyms *ks = ctx;
	const struct ksp_ksym *s = ksp_kallsyms_containing(ks, addr, NULL);
	size_t n = 0;
	for (; s && s < ks->syms + ks->count && s->addr == addr && n < max; s++)
		if (distance(scope, s) >= 0)
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
