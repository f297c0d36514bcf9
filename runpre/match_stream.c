/* Instruction-by-instruction comparison of pre code with kernel memory. */
#include "match_internal.h"

#include <bfd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INSN 16

void rp_explain(struct rp_attempt *a, const struct ksp_obj_section *section, uint64_t offset,
		uint64_t run, const char *fmt, ...)
{
	struct ksp_insn pre, live;
	unsigned char buf[MAX_INSN];
	uint64_t avail = section->size - offset;
	ksp_insn_decode(section->data + offset, avail < MAX_INSN ? avail : MAX_INSN, offset, &pre);
	memset(buf, 0, sizeof(buf));
	if (rp_memview_read(a->mem, run, buf, sizeof(buf)) == 0)
		ksp_insn_decode(buf, sizeof(buf), run, &live);
	else
		snprintf(live.text, sizeof(live.text), "(unreadable)");
	char detail[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(a->why, sizeof(a->why), "%s+0x%llx: pre `%s` vs run `%s` at 0x%llx (%s)",
		 a->func->name, (unsigned long long)(offset - a->func->offset),
		 pre.len ? pre.text : "(bad)", live.len ? live.text : "(bad)",
		 (unsigned long long)run, detail);
}

int rp_is_padding(const struct rp_memview *mem, uint64_t run, unsigned len)
{
	unsigned char buf[64];
	if (len > sizeof(buf) || rp_memview_read(mem, run, buf, len))
		return 0;
	for (unsigned i = 0; i < len;) {
		if (buf[i] == 0xcc) {
			i++;
			continue;
		}
		struct ksp_insn insn;
		ksp_insn_decode(buf + i, len - i, run + i, &insn);
		if (!insn.len || !insn.nop)
			return 0;
		i += insn.len;
	}
	return 1;
}

int rp_same_landing(const struct rp_memview *mem, uint64_t want, uint64_t got)
{
	if (want == got)
		return 1;
	uint64_t lo = want < got ? want : got, hi = want < got ? got : want;
	return want && hi - lo <= 32 && rp_is_padding(mem, lo, (unsigned)(hi - lo));
}

/* The value stored in a relocation field of the given size, sign-extended
 * for 32-bit fields except R_X86_64_32. */
static int64_t field_value(const unsigned char *p, const struct ksp_obj_reloc *r)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < r->size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (r->size == 4 && r->type != 10 /* R_X86_64_32 */)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* What a section-symbol relocation refers to: the named symbol at the
 * target offset if there is one, else the object's section. */
static void section_key(const struct rp_attempt *a, const struct ksp_obj_section *target,
			uint64_t target_offset, char *key, size_t len, uint64_t *key_offset)
{
	int global;
	const char *name = rp_object_symbol_at(a->obj, target, target_offset, &global);
	if (name) {
		if (global)
			snprintf(key, len, "%s", name);
		else
			snprintf(key, len, "%s:%s", a->obj->unit, name);
		*key_offset = target_offset;
		return;
	}
	snprintf(key, len, "%s:%s", a->obj->unit, target->name);
	*key_offset = 0;
}

/* Update objects refer to anonymous places as UNIT:SECTION + addend
 * (splicer/extract.h): learn where each section referred to starts. */
static int bind_section_start(struct rp_attempt *a, const struct ksp_obj_section *target,
			      uint64_t start, uint64_t site)
{
	char key[4096];
	snprintf(key, sizeof(key), "%s:%s", a->obj->unit, target->name);
	return rp_bind(a, key, start, site);
}

/* The key of a named symbol: scoped by object if it is a static. */
static const char *named_key(const struct rp_attempt *a, const struct ksp_obj_reloc *r, char *buf,
			     size_t len)
{
	if (!rp_reloc_local(a->obj, r))
		return rp_reloc_name(a->obj, r);
	snprintf(buf, len, "%s:%s", a->obj->unit, rp_reloc_name(a->obj, r));
	return buf;
}

/* Strings and constants of merged sections are compared by content. */
static int compare_merged(struct rp_attempt *a, const struct ksp_obj_section *target, uint64_t off,
			  uint64_t run_addr)
{
	if (off >= target->size)
		return 0;
	size_t len = (target->flags & KSP_OBJ_SEC_STRINGS)
			     ? strnlen((const char *)target->data + off, target->size - off) + 1
			     : (target->entsize ? target->entsize : 1);
	if (off + len > target->size || len > 4096)
		return 0;
	unsigned char buf[4096];
	if (rp_memview_read(a->mem, run_addr, buf, len) != 0)
		return a->mem->code_only;
	return memcmp(buf, target->data + off, len) == 0;
}

/* Call depth tracking (retbleed=stuff) points calls at an accounting thunk
 * the kernel wrote into the callee's padding, right before the callee: the
 * callee is where the thunk's instructions end, the first address on the
 * way that a symbol starts at. Else run_target. */
uint64_t rp_past_thunk(const struct rp_attempt *a, uint64_t run_target)
{
	const char *names[1];
	if (a->syms->names_at(a->syms->ctx, a->obj->module, run_target, names, 1))
		return run_target;
	for (uint64_t at = run_target; at < run_target + 16;) { /* FUNCTION_PADDING_BYTES */
		unsigned char b[16];
		struct ksp_insn insn;
		if (rp_memview_read(a->mem, at, b, sizeof(b)))
			return run_target;
		ksp_insn_decode(b, sizeof(b), at, &insn);
		if (!insn.len || insn.branch != KSP_NOT_BRANCH)
			return run_target;
		at += insn.len;
		if (a->syms->names_at(a->syms->ctx, a->obj->module, at, names, 1))
			return at;
	}
	return run_target;
}

/* The direct calls objtool listed (.call_sites) are the ones the kernel
 * points at thunks. */
uint64_t rp_past_call_thunk(const struct rp_attempt *a, const struct ksp_obj_section *section,
			    uint64_t o, uint64_t run_target)
{
	if (section->data[o] != 0xe8 || !rp_sites_call_at(a->sites, section, o))
		return run_target;
	return rp_past_thunk(a, run_target);
}

/* One relocation field: learn the symbol's address from memory. insn_end
 * locates a PC-relative target (target = S + A + insn_end - P). */
static int check_reloc(struct rp_attempt *a, const struct ksp_obj_section *section,
		       const struct ksp_obj_reloc *r, uint64_t run_field, uint64_t insn_end)
{
	unsigned char buf[8];
	if (rp_memview_read(a->mem, run_field, buf, r->size))
		return 0;
	int64_t value = field_value(buf, r);
	uint64_t s_run = r->pcrel ? (uint64_t)value + run_field - (uint64_t)r->addend
				  : (uint64_t)value - (uint64_t)r->addend;
	uint64_t site = r->offset;
	char name[4096];
	if (!rp_reloc_section_symbol(a->obj, r))
		return rp_bind(a, named_key(a, r, name, sizeof(name)), s_run, site);
	uint64_t symbol_offset;
	const struct ksp_obj_section *target = rp_reloc_target(a->obj, r, &symbol_offset);
	if (!target)
		return 1; /* debug or discarded section: nothing to learn */
	uint64_t target_off = (uint64_t)r->addend + (r->pcrel ? insn_end - r->offset : 0);
	if (target->flags & KSP_OBJ_SEC_MERGE)
		return compare_merged(a, target, target_off, s_run + target_off);
	(void)section;
	char key[4096];
	uint64_t key_off;
	section_key(a, target, target_off, key, sizeof(key), &key_off);
	return rp_bind(a, key, s_run + key_off, site) && bind_section_start(a, target, s_run, site);
}

/* A run-time constant's immediate, at run inside the instruction: the
 * bytes of the variable's value now (set once at boot; little endian, so
 * the first bytes of a wider variable). */
static int runtime_const_holds_value(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	uint64_t var;
	unsigned char value[8], live[8];
	if (!site->symbol || site->len > sizeof(value) ||
	    a->syms->lookup(a->syms->ctx, a->obj->module, site->symbol, &var, 1) != 1 ||
	    rp_memview_read(a->mem, var, value, site->len) ||
	    rp_memview_read(a->mem, run, live, site->len))
		return 0;
	if (memcmp(value, live, site->len) != 0)
		return 0;
	/* The update's new code names the variable too (kmod-helper writes
	 * its value there): a static of this unit is known by this binding. */
	char key[4096];
	const struct ksp_obj *m = &a->obj->model;
	snprintf(key, sizeof(key), "%s", site->symbol);
	for (size_t i = 0; i < m->nsymbols; i++)
		if (m->symbols[i].local && m->symbols[i].section < m->nsections &&
		    strcmp(m->symbols[i].name, site->symbol) == 0)
			snprintf(key, sizeof(key), "%s:%s", a->obj->unit, site->symbol);
	return rp_bind(a, key, var, site->offset);
}

/* Same instruction bytes outside relocation fields, and every field agrees
 * with what is known; a LOCK prefix may have become a DS prefix (UP); a
 * run-time constant holds its variable's value. */
static int compare_plain(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t o,
			 unsigned len, uint64_t run, const unsigned char *live)
{
	const unsigned char *pre = s->data + o;
	const struct rp_site *lock = rp_sites_at(a->sites, s, o);
	const struct rp_site *rc = NULL;
	if (len > 1 && rp_sites_overlapping(a->sites, s, o + 1, o + len))
		for (unsigned i = 1; i < len && !rc; i++) {
			const struct rp_site *in = rp_sites_at(a->sites, s, o + i);
			if (in && in->kind == KSP_SITE_RUNTIME_CONST)
				rc = in;
		}
	for (unsigned i = 0; i < len; i++) {
		if (rc && o + i == rc->offset) {
			if (rc->offset + rc->len > o + len ||
			    !runtime_const_holds_value(a, rc, run + i)) {
				rp_explain(a, s, o, run, "run-time constant %s: not its value",
					   rc->symbol ? rc->symbol : "?");
				return 0;
			}
			i += rc->len - 1;
			continue;
		}
		const struct ksp_obj_reloc *r = rp_section_reloc_in(s, o + i, o + i + 1);
		if (r && r->offset == o + i) {
			if (r->offset + r->size > o + len) {
				rp_explain(a, s, o, run, "relocation crosses the instruction");
				return 0;
			}
			if (!check_reloc(a, s, r, run + i, o + len)) {
				if (!a->why[0])
					rp_explain(a, s, o, run, "%s points elsewhere than before",
						   rp_reloc_name(a->obj, r));
				return 0;
			}
			i += r->size - 1;
			continue;
		}
		if (pre[i] == live[i])
			continue;
		if (i == 0 && lock && lock->kind == KSP_SITE_LOCK && pre[0] == 0xf0 &&
		    live[0] == 0x3e)
			continue;
		rp_explain(a, s, o, run, "byte %u differs", i);
		return 0;
	}
	return 1;
}

/* A branch to pre_target in the function's own section: it must land on
 * the run-time instruction that corresponds, checked now for a backward
 * branch and at the end for a forward one. Outside the function (sections
 * shared by several functions keep their layout) it must keep its distance
 * from the function's start. */
static int note_local_jump(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t o,
			   uint64_t pre_target, uint64_t run, uint64_t run_target)
{
	const struct rp_function *f = a->func;
	if (pre_target < f->offset || pre_target > f->offset + f->size) {
		if (run_target == a->base + (pre_target - f->offset))
			return 1;
		rp_explain(a, s, o, run, "jump out of the function lands elsewhere");
		return 0;
	}
	uint64_t mapped = a->map[pre_target - f->offset];
	if (mapped) {
		if (rp_same_landing(a->mem, mapped, run_target))
			return 1;
		rp_explain(a, s, o, run, "jump lands on a different instruction");
		return 0;
	}
	struct rp_pending_jump *p = realloc(a->pending, (a->npending + 1) * sizeof(*p));
	if (!p)
		return 0;
	a->pending = p;
	a->pending[a->npending++] = (struct rp_pending_jump){pre_target, run_target, o};
	return 1;
}

static int bind_or_explain(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t o,
			   uint64_t run, const char *key, uint64_t addr, uint64_t site)
{
	if (rp_bind(a, key, addr, site))
		return 1;
	if (!a->why[0])
		rp_explain(a, s, o, run, "branch to %s goes elsewhere", key);
	return 0;
}

int rp_branch_into(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t o, uint64_t run,
		   const struct ksp_obj_section *target, uint64_t target_off, uint64_t run_target,
		   uint64_t site)
{
	if (target == a->func->section)
		return note_local_jump(a, s, o, target_off, run, run_target);
	char key[4096];
	uint64_t key_off, s_run = run_target - target_off;
	section_key(a, target, target_off, key, sizeof(key), &key_off);
	return bind_or_explain(a, s, o, run, key, s_run + key_off, site) &&
	       bind_section_start(a, target, s_run, site);
}

/* Relative branches are compared by target: a jump within the function
 * must land on the corresponding instruction, one to a symbol teaches its
 * address. */
static int compare_branch(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t o,
			  const struct ksp_insn *pi, uint64_t run, const struct ksp_insn *ri)
{
	if (pi->branch != ri->branch || (pi->branch == KSP_JCC && pi->cond != ri->cond)) {
		rp_explain(a, s, o, run, "different branch");
		return 0;
	}
	uint64_t run_target = rp_past_call_thunk(a, s, o, run + ri->len + (uint64_t)ri->disp);
	const struct ksp_obj_reloc *r = rp_section_reloc_in(s, o + pi->disp_off, o + pi->len);
	if (!r)
		return note_local_jump(a, s, o, o + pi->len + (uint64_t)pi->disp, run, run_target);
	if (r->offset != o + pi->disp_off) {
		rp_explain(a, s, o, run, "relocation not on the displacement");
		return 0;
	}
	/* target = S + A + (insn_end - P), so S = target - A - (insn_end - P) */
	uint64_t to_end = o + pi->len - r->offset;
	uint64_t s_run = run_target - (uint64_t)r->addend - to_end;
	char buf[4096];
	if (!rp_reloc_section_symbol(a->obj, r))
		return bind_or_explain(a, s, o, run, named_key(a, r, buf, sizeof(buf)), s_run,
				       r->offset);
	uint64_t symbol_offset;
	const struct ksp_obj_section *target = rp_reloc_target(a->obj, r, &symbol_offset);
	if (!target)
		return 1;
	return rp_branch_into(a, s, o, run, target, (uint64_t)r->addend + to_end, run_target,
			      r->offset);
}

/* Reads up to MAX_INSN bytes at run, fewer at the end of a range. */
static unsigned read_live(const struct rp_attempt *a, uint64_t run, unsigned char *buf)
{
	for (unsigned n = MAX_INSN; n > 0; n--)
		if (rp_memview_read(a->mem, run, buf, n) == 0)
			return n;
	return 0;
}

int rp_compare_stream(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t from,
		      uint64_t to, uint64_t run, uint64_t *run_end, int skip_site_at_from)
{
	const struct rp_function *f = a->func;
	uint64_t o = from;
	while (o < to) {
		if (s == f->section && o >= f->offset && o - f->offset <= f->size) {
			a->map[o - f->offset] = run;
			a->progress = o - f->offset;
		}
		const struct rp_site *site = rp_sites_at(a->sites, s, o);
		if (site && site->kind != KSP_SITE_LOCK && site->kind != KSP_SITE_CALL_THUNK &&
		    !(skip_site_at_from && o == from)) {
			unsigned pre_len, run_len;
			if (!rp_compare_site(a, site, run, &pre_len, &run_len))
				return 0;
			if (!pre_len) { /* a corrupt table's empty site: no progress */
				rp_explain(a, s, o, run, "empty %s site",
					   ksp_site_kind_name(site->kind));
				return 0;
			}
			o += pre_len;
			run += run_len;
			continue;
		}
		unsigned char live[MAX_INSN];
		unsigned avail = read_live(a, run, live);
		struct ksp_insn pi, ri;
		ksp_insn_decode(s->data + o, to - o, o, &pi);
		ksp_insn_decode(live, avail, run, &ri);
		if (!pi.len) {
			rp_explain(a, s, o, run, "undecodable pre instruction");
			return 0;
		}
		if (avail && live[0] == 0xcc && s->data[o] != 0xcc) {
			rp_explain(a, s, o, run,
				   "int3 in memory: a kprobe or a text poke in progress?");
			return 0;
		}
		if (pi.nop) {
			o += pi.len;
			continue;
		}
		if (ri.len && ri.nop) {
			run += ri.len;
			continue;
		}
		if (pi.branch != KSP_NOT_BRANCH && ri.branch != KSP_NOT_BRANCH) {
			if (!compare_branch(a, s, o, &pi, run, &ri))
				return 0;
			o += pi.len;
			run += ri.len;
			continue;
		}
		if (pi.len != ri.len) {
			rp_explain(a, s, o, run, "different instruction");
			return 0;
		}
		if (!compare_plain(a, s, o, pi.len, run, live))
			return 0;
		o += pi.len;
		run += pi.len;
	}
	if (s == f->section && o >= f->offset && o - f->offset <= f->size)
		a->map[o - f->offset] = run;
	*run_end = run;
	return 1;
}
