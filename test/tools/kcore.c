/* Test tools' view of the running kernel, on the project's own readers:
 * /proc/kcore through runpre's memory view, /proc/kallsyms through the
 * common kallsyms parser. */
#include "kcore.h"

#include "kallsyms.h"
#include "memview.h"

#include <stdio.h>

static struct rp_memview mem;
static int mem_open;
static struct ksp_kallsyms syms;
static int syms_open;

int kcore_read(uint64_t addr, void *buf, size_t len)
{
	struct ksp_error err = {0};
	if (!mem_open && rp_memview_open_kcore(&mem, "/proc/kcore", &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	mem_open = 1;
	if (rp_memview_read(&mem, addr, buf, len)) {
		fprintf(stderr, "/proc/kcore: cannot read %zu bytes at 0x%llx\n", len,
			(unsigned long long)addr);
		return -1;
	}
	return 0;
}

static int load_syms(void)
{
	struct ksp_error err = {0};
	if (!syms_open && ksp_kallsyms_load("/proc/kallsyms", &syms, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	syms_open = 1;
	return 0;
}

int kallsyms_size_at(uint64_t addr, uint64_t *size)
{
	if (load_syms())
		return -1;
	/* The distance to the next text symbol: an upper bound of the size. */
	const struct ksp_ksym *s = ksp_kallsyms_containing(&syms, addr, NULL);
	for (; s && s < syms.syms + syms.count; s++)
		if (s->addr > addr && (s->type == 't' || s->type == 'T')) {
			*size = s->addr - addr;
			return 0;
		}
	fprintf(stderr, "/proc/kallsyms: no text symbol after 0x%llx\n", (unsigned long long)addr);
	return -1;
}

int kallsyms_find_quiet(const char *name, uint64_t *addr, uint64_t *size)
{
	const struct ksp_ksym *const *found;
	if (load_syms())
		return -1;
	size_t n = ksp_kallsyms_lookup(&syms, name, &found);
	for (size_t i = 0; i < n; i++)
		if (found[i]->type == 't' || found[i]->type == 'T') {
			*addr = found[i]->addr;
			return kallsyms_size_at(*addr, size);
		}
	return 1;
}

int kallsyms_find(const char *name, uint64_t *addr, uint64_t *size)
{
	int rc = kallsyms_find_quiet(name, addr, size);
	if (rc > 0)
		fprintf(stderr, "/proc/kallsyms: no text symbol %s\n", name);
	return rc ? -1 : 0;
}
