#include "stacking.h"
#include "apply.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64 /* as kmod-helper follows */

static int add(struct ksp_stacked *st, const char *id, uint64_t old, uint64_t new_addr)
{
	struct ksp_replacement *v = realloc(st->v, (st->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	st->v = v;
	v = &st->v[st->n++];
	snprintf(v->id, sizeof(v->id), "%s", id);
	v->old_addr = old;
	v->new_addr = new_addr;
	return 0;
}

/* The "NAME OLD NEW" lines of one applied update. */
static int load_update(struct ksp_stacked *st, const char *id)
{
	static char functions[1 << 16];
	char stage[64];
	if (ksp_sysfs_read(id, "stage", stage, sizeof(stage)) || strcmp(stage, "applied") ||
	    ksp_sysfs_read(id, "functions", functions, sizeof(functions)))
		return 0;
	for (char *line = strtok(functions, "\n"); line; line = strtok(NULL, "\n")) {
		uint64_t old, new_addr;
		if (sscanf(line, "%*s %" SCNx64 " %" SCNx64, &old, &new_addr) == 2 && new_addr &&
		    add(st, id, old, new_addr))
			return -1;
	}
	return 0;
}

int ksp_stacked_load(struct ksp_stacked *st, const struct rp_memview *mem)
{
	memset(st, 0, sizeof(*st));
	st->mem = mem;
	DIR *d = opendir(KSP_SYSFS);
	int rc = 0;
	for (struct dirent *e; d && !rc && (e = readdir(d));)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "version"))
			rc = load_update(st, e->d_name);
	if (d)
		closedir(d);
	return rc;
}

const char *ksp_stacked_owner(const struct ksp_stacked *st, uint64_t addr)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].new_addr == addr)
			return st->v[i].id;
	return NULL;
}

/* Where a jump at addr lands, if there is one. */
static int jump_target(const struct rp_memview *mem, uint64_t addr, uint64_t *target)
{
	unsigned char b[5];
	if (rp_memview_read(mem, addr, b, sizeof(b)) || b[0] != 0xe9)
		return 0;
	int32_t disp = (int32_t)((uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 |
				 (uint32_t)b[4] << 24);
	*target = addr + 5 + (uint64_t)(int64_t)disp;
	return 1;
}

uint64_t ksp_stacked_next(const struct ksp_stacked *st, uint64_t addr)
{
	uint64_t t;
	if (!st->n) /* nothing applied: no need to read memory */
		return 0;
	if ((jump_target(st->mem, addr + 5, &t) && ksp_stacked_owner(st, t)) ||
	    (jump_target(st->mem, addr, &t) && ksp_stacked_owner(st, t)))
		return t;
	return 0;
}

uint64_t ksp_stacked_newest(void *ctx, uint64_t addr)
{
	const struct ksp_stacked *st = ctx;
	uint64_t next;
	for (int depth = 0; depth < MAX_DEPTH && (next = ksp_stacked_next(st, addr)); depth++)
		addr = next;
	return addr;
}

void ksp_stacked_free(struct ksp_stacked *st)
{
	free(st->v);
	memset(st, 0, sizeof(*st));
}
