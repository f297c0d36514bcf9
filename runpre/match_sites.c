/*
 * The legitimate run-time variants of each kind of patched site, and
 * nothing else. Variants follow what arch/x86/kernel/alternative.c,
 * ftrace, jump_label.c, static_call.c and paravirt.c of 6.1 and 6.12 write.
 */
#include "disasm.h"
#include "match_internal.h"

#include <stdlib.h>
#include <string.h>

static const unsigned char nop5[] = {0x0f, 0x1f, 0x44, 0x00, 0x00};

static int read_run(const struct rp_attempt *a, uint64_t run, unsigned char *buf, unsigned len)
{
	return rp_memview_read(a->mem, run, buf, len) == 0;
}

static uint64_t rel32_target(uint64_t run, const unsigned char *live)
{
	int32_t disp = (int32_t)((uint32_t)live[1] | (uint32_t)live[2] << 8 |
				 (uint32_t)live[3] << 16 | (uint32_t)live[4] << 24);
	return run + 5 + (uint64_t)(int64_t)disp;
}

/* Does the rel32 branch at run go to a symbol whose name contains `part`
 * (or to any symbol at all, for part NULL), or is it, with exact? */
static int branch_target_matches(const struct rp_attempt *a, uint64_t run,
				 const unsigned char *live, const char *part, int exact)
{
	const char *names[16];
	size_t n =
		a->syms->names_at(a->syms->ctx, a->obj->module, rel32_target(run, live), names, 16);
	for (size_t i = 0; i < n; i++)
		if (!part || (exact ? !strcmp(names[i], part) : !!strstr(names[i], part)))
			return 1;
	return 0;
}

static int branch_target_named(const struct rp_attempt *a, uint64_t run, const unsigned char *live,
			       const char *part)
{
	return branch_target_matches(a, run, live, part, 0);
}

/* The same register's thunk of another family: call depth tracking's
 * (__x86_indirect_call_thunk_REG, _jump_thunk_REG for a jmp) or ITS's
 * (__x86_indirect_its_thunk_REG). */
static int other_thunk_family(const struct rp_attempt *a, uint64_t run, const unsigned char *live,
			      const char *thunk)
{
	static const char prefix[] = "__x86_indirect_thunk_";
	static const char *const families[] = {"call", "jump", "its"};
	char name[128];
	if (!thunk || strncmp(thunk, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		snprintf(name, sizeof(name), "__x86_indirect_%s_thunk_%s", families[i],
			 thunk + sizeof(prefix) - 1);
		if (branch_target_matches(a, run, live, name, 1))
			return 1;
	}
	return 0;
}

/* fentry: a 5-byte nop at boot; a call while ftrace traces the function. */
static int fentry_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	unsigned char live[5];
	if (!read_run(a, run, live, 5))
		return 0;
	if (rp_is_padding(a->mem, run, 5) && live[0] != 0xcc)
		return 1;
	if (live[0] == 0xe8) {
		if (branch_target_named(a, run, live, "__fentry__"))
			return 1;     /* as built: a vmlinux file before boot */
		a->ftrace_active = 1; /* reported by the caller, not silently accepted */
		return 1;
	}
	rp_explain(a, site->section, site->offset, run,
		   live[0] == 0xcc ? "int3 at the fentry site: a kprobe?"
				   : "unexpected fentry site");
	return 0;
}

/* jmp __x86_return_thunk: kept (to this or another return thunk), or
 * `ret; int3` padded with int3. */
static int return_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	unsigned char live[5];
	if (!read_run(a, run, live, 5))
		return 0;
	if (live[0] == 0xc3 && rp_is_padding(a->mem, run + 1, 4))
		return 1;
	if (live[0] == 0xe9 && branch_target_named(a, run, live, "return_thunk"))
		return 1;
	rp_explain(a, site->section, site->offset, run, "not a return thunk variant");
	return 0;
}

/* The register of __x86_indirect_thunk_REG, 0-15, or -1. */
static int thunk_register(const char *name)
{
	static const char *const regs[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					   "r8",  "r9",	 "r10", "r11", "r12", "r13", "r14", "r15"};
	const char *reg = name ? strrchr(name, '_') : NULL;
	if (!reg)
		return -1;
	for (int i = 0; i < 16; i++)
		if (strcmp(reg + 1, regs[i]) == 0)
			return i;
	return -1;
}

/* call/jmp __x86_indirect_thunk_REG (with an optional CS prefix, which
 * gives room for `lfence; call *%REG`): kept, or inlined as [lfence;]
 * call/jmp *%REG padded with nops or int3. */
static int retpoline_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run,
			  unsigned *len)
{
	const unsigned char *pre = site->section->data + site->offset;
	uint64_t avail = site->section->size - site->offset;
	unsigned prefixes = 0;
	while (prefixes < 2 && prefixes < avail && (pre[prefixes] == 0x2e || pre[prefixes] == 0x3e))
		prefixes++;
	unsigned op = prefixes < avail ? pre[prefixes] : 0;
	unsigned pre_len = prefixes + 5;
	*len = pre_len;
	const struct ksp_obj_reloc *r =
		rp_section_reloc_in(site->section, site->offset, site->offset + pre_len);
	unsigned char live[8];
	if ((op != 0xe8 && op != 0xe9) || pre_len > avail || !r ||
	    !read_run(a, run, live, pre_len)) {
		rp_explain(a, site->section, site->offset, run, "unexpected retpoline site");
		return 0;
	}
	if (memcmp(live, pre, prefixes + 1) == 0 &&
	    (branch_target_named(a, run + prefixes, live + prefixes, rp_reloc_name(a->obj, r)) ||
	     other_thunk_family(a, run + prefixes, live + prefixes, rp_reloc_name(a->obj, r))))
		return 1;
	int reg = thunk_register(rp_reloc_name(a->obj, r));
	unsigned char want[8];
	for (int lfence = 0; reg >= 0 && lfence <= 1; lfence++) {
		unsigned n = 0;
		if (lfence) {
			want[n++] = 0x0f;
			want[n++] = 0xae;
			want[n++] = 0xe8;
		}
		if (reg >= 8)
			want[n++] = 0x41;
		want[n++] = 0xff;
		want[n++] = (unsigned char)((op == 0xe8 ? 0xd0 : 0xe0) + (reg & 7));
		if (n <= pre_len && memcmp(live, want, n) == 0 &&
		    rp_is_padding(a->mem, run + n, pre_len - n))
			return 1;
	}
	rp_explain(a, site->section, site->offset, run, "not a retpoline variant");
	return 0;
}

/* A jump label: a nop, or a jump to its target, of the original's length.
 * The target may be in another section (the function's cold part): the
 * jump then teaches where that section is, as any branch there does. */
static int jump_label_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run,
			   unsigned *len)
{
	struct ksp_insn pi, ri;
	unsigned char live[5];
	const struct ksp_obj_section *s = site->section;
	ksp_insn_decode(s->data + site->offset, s->size - site->offset, site->offset, &pi);
	*len = pi.len;
	if ((pi.len != 2 && pi.len != 5) || !read_run(a, run, live, pi.len))
		return 0;
	ksp_insn_decode(live, pi.len, run, &ri);
	if (ri.len == pi.len && (ri.nop || (pi.len == 5 && !memcmp(live, nop5, 5))))
		return 1;
	if (ri.len == pi.len && ri.branch == KSP_JMP && site->jump_section != a->func->section)
		return rp_branch_into(a, s, site->offset, run, site->jump_section,
				      site->jump_target, run + ri.len + (uint64_t)ri.disp,
				      site->offset);
	if (ri.len == pi.len && ri.branch == KSP_JMP) {
		const struct rp_function *f = a->func;
		uint64_t want = site->jump_target - f->offset <= f->size
					? a->map[site->jump_target - f->offset]
					: a->base + (site->jump_target - f->offset);
		uint64_t got = run + ri.len + (uint64_t)ri.disp;
		if (want == got)
			return 1;
		if (!want) { /* a forward target: checked once mapped */
			struct rp_pending_jump *p =
				realloc(a->pending, (a->npending + 1) * sizeof(*p));
			if (!p)
				return 0;
			a->pending = p;
			a->pending[a->npending++] =
				(struct rp_pending_jump){site->jump_target, got, site->offset};
			return 1;
		}
	}
	rp_explain(a, s, site->offset, run, "jump label neither a nop nor a jump to its target");
	return 0;
}

/* A static call may target a module's function (a tracepoint with a single
 * probe jumps straight to it): kallsyms lists it with its module. */
static int module_function_start(const struct rp_attempt *a, uint64_t target)
{
	uint64_t start;
	return a->syms->containing && a->syms->containing(a->syms->ctx, target, &start) &&
	       start == target;
}

/* A static call site: a direct call or jump to the current target (a
 * function), a nop for a NULL call, `xor %eax,%eax` for a call returning 0,
 * or `ret` for a tail call returning. */
static int static_call_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	const unsigned char *pre = site->section->data + site->offset;
	unsigned char live[5];
	if (!read_run(a, run, live, 5))
		return 0;
	/* static_call_update() points a call at its target's thunk too */
	uint64_t target = rp_past_thunk(a, rel32_target(run, live));
	const char *names[1];
	if (live[0] == pre[0] && (pre[0] == 0xe8 || pre[0] == 0xe9) &&
	    (a->syms->names_at(a->syms->ctx, a->obj->module, target, names, 1) ||
	     module_function_start(a, target) || a->syms->partial))
		return 1;
	if (pre[0] == 0xe8 && !memcmp(live, nop5, 5))
		return 1;
	/* A call of __static_call_return0 is written as a 5-byte
	 * `xor %eax,%eax` (arch/x86/kernel/static_call.c, xor5rax). */
	static const unsigned char xor5rax[] = {0x2e, 0x2e, 0x2e, 0x31, 0xc0};
	if (pre[0] == 0xe8 && !memcmp(live, xor5rax, 5))
		return 1;
	if (pre[0] == 0xe9 && live[0] == 0xc3 && rp_is_padding(a->mem, run + 1, 4))
		return 1;
	rp_explain(a, site->section, site->offset, run, "not a static call variant");
	return 0;
}

/* Paravirt: the original indirect call, a direct call to a function, a
 * native instruction sequence from the kernel's table, or nops. */
static int paravirt_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	static const unsigned char natives[][3] = {
		{1, 0xfa},	 /* cli */
		{1, 0xfb},	 /* sti */
		{2, 0x9c, 0x58}, /* pushf; pop %rax */
		{2, 0x0f, 0x09}, /* wbinvd */
	};
	unsigned len = site->len;
	unsigned char live[32];
	if (len < 5 || len > sizeof(live) || !read_run(a, run, live, len))
		return 0;
	struct rp_checkpoint cp = rp_checkpoint(a);
	uint64_t end;
	if (rp_compare_stream(a, site->section, site->offset, site->offset + len, run, &end, 1) &&
	    end == run + len)
		return 1;
	rp_rollback(a, cp);
	if (live[0] == 0xe8 && branch_target_named(a, run, live, NULL) &&
	    rp_is_padding(a->mem, run + 5, len - 5))
		return 1;
	if (rp_is_padding(a->mem, run, len))
		return 1;
	for (size_t i = 0; i < sizeof(natives) / sizeof(natives[0]); i++)
		if (!memcmp(live, natives[i] + 1, natives[i][0]) &&
		    rp_is_padding(a->mem, run + natives[i][0], len - natives[i][0]))
			return 1;
	rp_explain(a, site->section, site->offset, run, "not a paravirt variant");
	return 0;
}

/* One variant of an alternative: pre bytes [from, from+n) of section s
 * must match at run, and the rest of the site's len bytes be padding. */
static int alternative_variant(struct rp_attempt *a, const struct ksp_obj_section *s, uint64_t from,
			       unsigned n, uint64_t run, unsigned len, int is_original)
{
	uint64_t end;
	if (!rp_compare_stream(a, s, from, from + n, run, &end, is_original))
		return 0;
	return end <= run + len && rp_is_padding(a->mem, end, (unsigned)(run + len - end));
}

/* The pointer in the slot an indirect `call *X(%rip)` at the site goes
 * through (pv_ops.cpu.X), read from the running kernel. 0 if unknown. */
static uint64_t call_slot_value(struct rp_attempt *a, const struct rp_site *site)
{
	const unsigned char *pre = site->section->data + site->offset;
	const struct ksp_obj_reloc *r =
		rp_section_reloc_in(site->section, site->offset + 2, site->offset + 6);
	uint64_t sym, value;
	if (site->section->size - site->offset < 6 || pre[0] != 0xff || pre[1] != 0x15 || !r ||
	    r->offset != site->offset + 2 || rp_reloc_section_symbol(a->obj, r) ||
	    a->syms->lookup(a->syms->ctx, a->obj->module, rp_reloc_name(a->obj, r), &sym, 1) != 1)
		return 0;
	/* PC32 at +2 of a 6-byte call: the slot is S + A + 4 */
	unsigned char b[8];
	if (rp_memview_read(a->mem, sym + (uint64_t)r->addend + 4, b, 8))
		return 0;
	memcpy(&value, b, 8);
	return value;
}

/* ALT_FLAG_DIRECT_CALL (6.12's paravirt calls): the indirect call through
 * a pv_ops slot became a direct call to the function in the slot, padded,
 * or nops when the slot holds nop_func. */
static int direct_call_variant(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	unsigned char live[16];
	uint64_t target = call_slot_value(a, site);
	const char *names[8];
	if (!target || site->len > sizeof(live) || site->len < 5 || !read_run(a, run, live, 5))
		return 0;
	if (live[0] == 0xe8 && rp_past_thunk(a, rel32_target(run, live)) == target &&
	    rp_is_padding(a->mem, run + 5, site->len - 5))
		return 1;
	size_t n = a->syms->names_at(a->syms->ctx, a->obj->module, target, names, 8);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], "nop_func") && rp_is_padding(a->mem, run, site->len))
			return 1;
	return 0;
}

/* An alternative: the original instructions or any replacement (its
 * relocations and jumps checked like any others), padded with nops. */
static int alternative_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	struct rp_checkpoint cp = rp_checkpoint(a);
	char first_why[sizeof(a->why)] = "";
	if (alternative_variant(a, site->section, site->offset, site->len, run, site->len, 1))
		return 1;
	snprintf(first_why, sizeof(first_why), "%s", a->why);
	for (size_t i = 0; i < site->nalts && a->sites->replacements; i++) {
		rp_rollback(a, cp);
		const struct rp_alt_replacement *r = &site->alts[i];
		if (r->direct_call && direct_call_variant(a, site, run))
			return 1;
		if (r->offset + r->len > a->sites->replacements->size || r->len > site->len + 16)
			continue;
		if (alternative_variant(a, a->sites->replacements, r->offset, r->len, run,
					site->len, 0))
			return 1;
	}
	rp_rollback(a, cp);
	rp_explain(a, site->section, site->offset, run, "no variant of the alternative matches%s%s",
		   first_why[0] ? "; original: " : "", first_why);
	return 0;
}

/* An ENDBR objtool listed as unneeded: as built, or sealed into the
 * 4-byte `osp nopl (%rax)` (gen_endbr_poison(), CONFIG_X86_KERNEL_IBT). */
static int endbr_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run)
{
	const unsigned char *pre = site->section->data + site->offset;
	unsigned char live[KSP_ENDBR_LEN];
	if (site->section->size - site->offset < KSP_ENDBR_LEN || !ksp_is_endbr64(pre) ||
	    !read_run(a, run, live, KSP_ENDBR_LEN)) {
		rp_explain(a, site->section, site->offset, run, "unexpected ENDBR site");
		return 0;
	}
	if (ksp_is_endbr64(live) || ksp_is_sealed_endbr(live))
		return 1;
	rp_explain(a, site->section, site->offset, run, "neither ENDBR nor its sealed form");
	return 0;
}

int rp_compare_site(struct rp_attempt *a, const struct rp_site *site, uint64_t run,
		    unsigned *pre_len, unsigned *run_len)
{
	unsigned len = site->len;
	int ok = 0;
	switch (site->kind) {
	case KSP_SITE_FENTRY:
		ok = fentry_site(a, site, run);
		break;
	case KSP_SITE_RETURN:
		ok = return_site(a, site, run);
		break;
	case KSP_SITE_RETPOLINE:
		ok = retpoline_site(a, site, run, &len);
		break;
	case KSP_SITE_ALTERNATIVE:
		ok = alternative_site(a, site, run);
		break;
	case KSP_SITE_JUMP_LABEL:
		ok = jump_label_site(a, site, run, &len);
		break;
	case KSP_SITE_STATIC_CALL:
		ok = static_call_site(a, site, run);
		break;
	case KSP_SITE_PARAVIRT:
		ok = paravirt_site(a, site, run);
		break;
	case KSP_SITE_ENDBR:
		ok = endbr_site(a, site, run);
		break;
	case KSP_SITE_LOCK:
	case KSP_SITE_RUNTIME_CONST:
	case KSP_SITE_CALL_THUNK:
	case KSP_SITE_NONE:
		return 0; /* handled within the instruction */
	}
	*pre_len = len;
	*run_len = len;
	return ok;
}
