#include "stacking.h"
#include "disasm.h"
#include "helper_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The replacements of one update, if it is applied. */
static int load_update(struct ksp_stacked *st, const char *id)
{
	struct ksp_helper_function *f;
	size_t n;
	if (ksp_helper_stage(id) != KSP_STAGE_APPLIED || ksp_helper_functions(id, &f, &n))
		return 0;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (f[i].new_addr && f[i].old_addr) /* not check-only, not pending */
			rc = add(st, id, f[i].old_addr, f[i].new_addr);
	free(f);
	return rc;
}

int ksp_stacked_load(struct ksp_stacked *st, const struct rp_memview *mem)
{
	memset(st, 0, sizeof(*st));
	st->mem = mem;
	struct ksp_id_list updates;
	if (ksp_helper_updates(&updates))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < updates.n && !rc; i++)
		rc = load_update(st, updates.ids[i]);
	ksp_id_list_free(&updates);
	return rc;
}

const char *ksp_stacked_owner(const struct ksp_stacked *st, uint64_t addr)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].new_addr == addr)
			return st->v[i].id;
	return NULL;
}

int ksp_jump_target(const struct rp_memview *mem, uint64_t addr, uint64_t *target)
{
	unsigned char b[KSPLICE_JUMP_LEN];
	if (rp_memview_read(mem, addr, b, sizeof(b)) || b[0] != 0xe9)
		return 0;
	int32_t disp = (int32_t)((uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 |
				 (uint32_t)b[4] << 24);
	*target = addr + KSPLICE_JUMP_LEN + (uint64_t)(int64_t)disp;
	return 1;
}

const unsigned ksp_jump_offsets[3] = {KSPLICE_FENTRY_LEN, KSP_ENDBR_LEN + KSPLICE_FENTRY_LEN, 0};

uint64_t ksp_stacked_next(const struct ksp_stacked *st, uint64_t addr)
{
	uint64_t t;
	if (!st->n) /* nothing applied: no need to read memory */
		return 0;
	for (size_t i = 0; i < sizeof(ksp_jump_offsets) / sizeof(ksp_jump_offsets[0]); i++)
		if (ksp_jump_target(st->mem, addr + ksp_jump_offsets[i], &t) &&
		    ksp_stacked_owner(st, t))
			return t;
	return 0;
}

uint64_t ksp_stacked_newest(void *ctx, uint64_t addr)
{
	const struct ksp_stacked *st = ctx;
	uint64_t next;
	for (int depth = 0; depth < KSP_STACK_MAX_DEPTH && (next = ksp_stacked_next(st, addr));
	     depth++)
		addr = next;
	return addr;
}

void ksp_stacked_free(struct ksp_stacked *st)
{
	free(st->v);
	memset(st, 0, sizeof(*st));
}
