/* Run-pre matching: candidates, attempts, the flood fill, and results. */
#include "disasm.h"
#include "match_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CANDIDATES 64
#define ALIGN16(x) (((x) + 15) & ~(uint64_t)15)

const char *rp_status_name(enum rp_status status)
{
	static const char *const names[] = {"matched", "no match", "ambiguous", "not found",
					    "skipped"};
	return status <= RP_SKIPPED ? names[status] : "?";
}

/* Bindings */

const struct rp_binding *rp_bindings_find(const struct rp_bindings *b, const char *key)
{
	for (size_t i = b->n; i-- > 0;)
		if (strcmp(b->v[i].key, key) == 0)
			return &b->v[i];
	return NULL;
}

int rp_bindings_add(struct rp_bindings *b, const char *key, uint64_t addr, const char *where)
{
	struct rp_binding *n = realloc(b->v, (b->n + 1) * sizeof(*n));
	if (!n)
		return -1;
	b->v = n;
	n = &b->v[b->n];
	n->key = strdup(key);
	n->where = strdup(where);
	n->addr = addr;
	if (!n->key || !n->where) {
		free(n->key);
		free(n->where);
		return -1;
	}
	b->n++;
	return 0;
}

void rp_bindings_free(struct rp_bindings *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].key);
		free(b->v[i].where);
	}
	free(b->v);
	b->v = NULL;
	b->n = 0;
}

struct rp_checkpoint rp_checkpoint(const struct rp_attempt *a)
{
	return (struct rp_checkpoint){a->tentative.n, a->npending};
}

void rp_rollback(struct rp_attempt *a, struct rp_checkpoint cp)
{
	while (a->tentative.n > cp.nbindings) {
		a->tentative.n--;
		free(a->tentative.v[a->tentative.n].key);
		free(a->tentative.v[a->tentative.n].where);
	}
	a->npending = cp.npending;
	a->why[0] = '\0';
}

/* Keys of local symbols carry their object ("obj:name"): two objects may
 * each have a static foo. The kallsyms name is the part after the colon. */
static const char *symbol_name_of_key(const char *key)
{
	const char *colon = strrchr(key, ':');
	return colon ? colon + 1 : key;
}

int rp_bind(struct rp_attempt *a, const char *key, uint64_t addr, uint64_t site_offset)
{
	char where[512];
	snprintf(where, sizeof(where), "%s+0x%llx", a->func->name,
		 (unsigned long long)(site_offset - a->func->offset));
	const struct rp_binding *b = rp_bindings_find(a->committed, key);
	if (!b)
		b = rp_bindings_find(&a->tentative, key);
	if (b) {
		if (b->addr == addr)
			return 1;
		snprintf(a->why, sizeof(a->why),
			 "%s: %s is at 0x%llx here, but at 0x%llx according to %s", where, key,
			 (unsigned long long)addr, (unsigned long long)b->addr, b->where);
		return 0;
	}
	/* Section-relative keys ("obj:.data..read_mostly") have no kallsyms name. */
	const char *name = symbol_name_of_key(key);
	size_t n = 0;
	uint64_t any;
	if (name[0] != '.' && !a->syms->is_at(a->syms->ctx, a->obj->module, name, addr) &&
	    (n = a->syms->lookup(a->syms->ctx, a->obj->module, name, &any, 1)) > 0) {
		snprintf(a->why, sizeof(a->why),
			 "%s: %s resolves to 0x%llx, none of the kallsyms addresses of that name",
			 where, key, (unsigned long long)addr);
		return 0;
	}
	return rp_bindings_add(&a->tentative, key, addr, where) == 0;
}

/* Attempts */

static void attempt_free(struct rp_attempt *a)
{
	rp_bindings_free(&a->tentative);
	free(a->map);
	free(a->pending);
	a->map = NULL;
	a->pending = NULL;
}

static int check_pending(struct rp_attempt *a)
{
	const struct rp_function *f = a->func;
	for (size_t i = 0; i < a->npending; i++) {
		const struct rp_pending_jump *p = &a->pending[i];
		uint64_t idx = p->pre_target - f->offset;
		if (idx <= f->size && rp_same_landing(a->mem, a->map[idx], p->run_target))
			continue;
		rp_explain(a, f->section, p->from, a->map[p->from - f->offset],
			   "jump to +0x%llx lands at 0x%llx, not at 0x%llx",
			   (unsigned long long)idx, (unsigned long long)p->run_target,
			   (unsigned long long)(idx <= f->size ? a->map[idx] : 0));
		return 0;
	}
	return 1;
}

struct session {
	struct rp_object *const *objects;
	size_t nobjects;
	struct rp_sites *sites; /* per object */
	const struct rp_memview *mem;
	const struct rp_symtab *syms;
	struct rp_bindings committed;
	struct rp_result *result;
};

static int try_candidate(struct session *s, size_t obj_index, const struct rp_function *f,
			 uint64_t addr, struct rp_attempt *a)
{
	memset(a, 0, sizeof(*a));
	a->obj = s->objects[obj_index];
	a->sites = &s->sites[obj_index];
	a->func = f;
	a->mem = s->mem;
	a->syms = s->syms;
	a->committed = &s->committed;
	a->base = addr;
	a->map = calloc(f->size + 1, sizeof(*a->map));
	if (!a->map)
		return 0;
	uint64_t end;
	return rp_compare_stream(a, f->section, f->offset, f->offset + f->size, addr, &end, 0) &&
	       check_pending(a);
}

/* The binding key of a function of obj: its name, scoped if local. */
static void function_key(const struct rp_object *obj, const struct rp_function *f, char *key,
			 size_t len)
{
	if (f->global)
		snprintf(key, len, "%s", f->name);
	else
		snprintf(key, len, "%s:%s", obj->unit, f->name);
}

static int is_init_section(const char *name)
{
	return strncmp(name, ".init.", 6) == 0 || strncmp(name, ".exit.", 6) == 0 ||
	       strncmp(name, ".meminit.", 9) == 0 || strcmp(name, ".head.text") == 0;
}

static void set_detail(struct rp_function_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_detail(struct rp_function_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static int commit(struct session *s, struct rp_attempt *a, const char *own_key, uint64_t addr)
{
	for (size_t i = 0; i < a->tentative.n; i++)
		if (!rp_bindings_find(&s->committed, a->tentative.v[i].key) &&
		    rp_bindings_add(&s->committed, a->tentative.v[i].key, a->tentative.v[i].addr,
				    a->tentative.v[i].where))
			return -1;
	if (!rp_bindings_find(&s->committed, own_key) &&
	    rp_bindings_add(&s->committed, own_key, addr, a->func->name))
		return -1;
	/* The start of the function's section, as update objects name it. */
	char section_key[4096];
	snprintf(section_key, sizeof(section_key), "%s:%s", a->obj->unit, a->func->section->name);
	if (!rp_bindings_find(&s->committed, section_key) &&
	    rp_bindings_add(&s->committed, section_key, addr - a->func->offset, a->func->name))
		return -1;
	return 0;
}

static uint64_t newest_code(const struct rp_symtab *syms, uint64_t addr)
{
	return syms->newest_code ? syms->newest_code(syms->newest_ctx, addr) : addr;
}

/* Tries every candidate; returns 1 if the result is final (matched, or no
 * candidate can match), 0 if it stays open (ambiguous, or nothing to try). */
static int match_function(struct session *s, size_t oi, struct rp_function_result *r,
			  const uint64_t *cands, size_t n)
{
	const struct rp_function *f = r->function;
	char key[4096];
	function_key(s->objects[oi], f, key, sizeof(key));
	size_t survivors = 0;
	uint64_t survivor = 0, survivor_code = 0;
	uint64_t best_progress = 0;
	struct rp_attempt keep = {0};
	r->ncandidates = n;
	for (size_t i = 0; i < n; i++) {
		struct rp_attempt a;
		uint64_t code = newest_code(s->syms, cands[i]);
		int ok = try_candidate(s, oi, f, code, &a);
		if (ok) {
			survivors++;
			survivor = cands[i];
			survivor_code = code;
			attempt_free(&keep);
			keep = a;
			continue;
		}
		if (!survivors && (a.progress >= best_progress || !r->detail[0])) {
			best_progress = a.progress;
			set_detail(r, "%s", a.why[0] ? a.why : "differs");
		}
		attempt_free(&a);
	}
	if (survivors == 1) {
		int rc = commit(s, &keep, key, survivor);
		r->status = RP_MATCHED;
		r->address = survivor;
		r->code_address = survivor_code;
		r->ftrace_active = keep.ftrace_active;
		r->detail[0] = '\0';
		attempt_free(&keep);
		return rc ? -1 : 1;
	}
	attempt_free(&keep);
	if (survivors > 1) {
		r->status = RP_AMBIGUOUS;
		set_detail(r, "%zu of %zu candidates match", survivors, n);
		return 0;
	}
	r->status = n ? RP_NO_MATCH : RP_NOT_FOUND;
	return n ? 1 : 0;
}

/* Candidates: what is already known of the function, else kallsyms. */
static size_t candidates(struct session *s, size_t oi, const struct rp_function *f, uint64_t *cands)
{
	char key[4096];
	function_key(s->objects[oi], f, key, sizeof(key));
	const struct rp_binding *b = rp_bindings_find(&s->committed, key);
	if (b) {
		cands[0] = b->addr;
		return 1;
	}
	size_t n = s->syms->lookup(s->syms->ctx, s->objects[oi]->module, f->name, cands,
				   MAX_CANDIDATES);
	return n < MAX_CANDIDATES ? n : MAX_CANDIDATES;
}

/* Functions are laid out in the order of their object, by kind of
 * section: .text.unlikely.* and .text.hot.* go elsewhere, and sections with
 * an explicit name (.init.text, .sched.text, ...) too. */
static int placement(const struct rp_function *f)
{
	const char *n = f->section->name;
	if (strncmp(n, ".text.unlikely.", 15) == 0)
		return 1;
	if (strncmp(n, ".text.hot.", 10) == 0)
		return 2;
	return strncmp(n, ".text.", 6) == 0 ? 0 : -1;
}

/* The nearest function of the same placement in direction dir (-1, +1). */
static const struct rp_function_result *layout_neighbour(const struct session *s, size_t self,
							 size_t first, size_t count, int dir)
{
	const struct rp_function_result *res = s->result->functions;
	int kind = placement(res[self].function);
	if (kind < 0)
		return NULL;
	for (size_t k = self; dir < 0 ? k > first : k + 1 < first + count;) {
		k = dir < 0 ? k - 1 : k + 1;
		if (placement(res[k].function) == kind)
			return res[k].status == RP_MATCHED ? &res[k] : NULL;
	}
	return NULL;
}

/* A weak function overridden elsewhere keeps its code in vmlinux but loses
 * its name to the overriding copy, and identical static copies cannot be
 * told apart by content: the layout decides. Functions (their sections)
 * follow each other in source order, 16-byte aligned: look right after the
 * preceding one, or right before the following one. One place only: two weak functions with
 * the same code would both match either place. */
static size_t neighbour_candidates(struct session *s, size_t oi, size_t fi, uint64_t *cands)
{
	const struct rp_object *obj = s->objects[oi];
	size_t first = 0;
	for (size_t k = 0; k < s->result->nfunctions; k++)
		if (s->result->functions[k].object == obj) {
			first = k;
			break;
		}
	size_t self = first + fi;
	const struct rp_function_result *prev =
		layout_neighbour(s, self, first, obj->nfunctions, -1);
	const struct rp_function_result *next =
		layout_neighbour(s, self, first, obj->nfunctions, +1);
	/* A function's section may start with padding (__pfx_, CONFIG_CALL_PADDING):
	 * sections are what is aligned and laid out. */
	const struct rp_function *f = &obj->functions[fi];
	if (prev) {
		cands[0] = ALIGN16(prev->address + prev->function->size) + f->offset;
		return 1;
	}
	if (next) {
		cands[0] = next->address - next->function->offset - ALIGN16(f->offset + f->size) +
			   f->offset;
		return 1;
	}
	return 0;
}

/* Where the 5-byte jump goes: right after the function's entry, if it
 * starts an instruction, no branch of the function lands strictly inside
 * the 5 bytes and no run-time patched site overlaps them. -1 if it cannot
 * go there, with *why. */
static int64_t trampoline_offset(const struct rp_sites *sites, const struct rp_function *f,
				 const char **why)
{
	const struct ksp_obj_section *s = f->section;
	uint64_t start = rp_entry_end(sites, s, f->offset, f->size);
	int boundary = 0;
	*why = "the function is shorter than its entry (ENDBR and fentry call) and the "
	       "5-byte jump";
	if (start + 5 > f->size)
		return -1;
	for (uint64_t o = 0; o < f->size;) {
		struct ksp_insn insn;
		ksp_insn_decode(s->data + f->offset + o, f->size - o, o, &insn);
		if (!insn.len)
			break;
		boundary |= o == start;
		const struct ksp_obj_reloc *r =
			rp_section_reloc_in(s, f->offset + o, f->offset + o + insn.len);
		uint64_t t = o + insn.len + (uint64_t)insn.disp;
		if (insn.branch != KSP_NOT_BRANCH && !r && t > start && t < start + 5) {
			*why = "its own code branches into the 5 bytes after its entry (ENDBR "
			       "and fentry call), where the jump would go";
			return -1;
		}
		o += insn.len;
	}
	if (!boundary) {
		*why = "no instruction starts right after its entry, where the jump would go";
		return -1;
	}
	if (rp_sites_overlapping(sites, s, f->offset + start, f->offset + start + 5)) {
		*why = "code the kernel rewrites at run time lies in the 5 bytes after its "
		       "entry, where the jump would go";
		return -1;
	}
	*why = NULL;
	return (int64_t)start;
}

static int init_results(struct session *s)
{
	size_t total = 0;
	for (size_t i = 0; i < s->nobjects; i++)
		total += s->objects[i]->nfunctions;
	s->result->functions = calloc(total + 1, sizeof(*s->result->functions));
	if (!s->result->functions)
		return -1;
	for (size_t i = 0; i < s->nobjects; i++)
		for (size_t k = 0; k < s->objects[i]->nfunctions; k++) {
			struct rp_function_result *r =
				&s->result->functions[s->result->nfunctions++];
			r->object = s->objects[i];
			r->function = &s->objects[i]->functions[k];
			r->status = RP_NOT_FOUND;
			r->trampoline = trampoline_offset(&s->sites[i], r->function, &r->no_jump);
		}
	return 0;
}

/* One pass over the open functions; the number that became final. */
static int flood_pass(struct session *s, unsigned char *final, int neighbours)
{
	int progress = 0;
	size_t ri = 0;
	for (size_t oi = 0; oi < s->nobjects; oi++) {
		for (size_t fi = 0; fi < s->objects[oi]->nfunctions; fi++, ri++) {
			struct rp_function_result *r = &s->result->functions[ri];
			if (final[ri])
				continue;
			if (is_init_section(r->function->section->name)) {
				r->status = RP_SKIPPED;
				set_detail(r, "in %s, freed after boot",
					   r->function->section->name);
				final[ri] = 1;
				continue;
			}
			uint64_t cands[MAX_CANDIDATES];
			size_t n = 0;
			/* A weak function's name may belong to its overrider: after
			 * the named candidates failed, look by its neighbours. */
			int by_neighbour =
				neighbours &&
				(r->status == RP_NOT_FOUND || r->status == RP_AMBIGUOUS ||
				 (r->function->weak && r->status == RP_NO_MATCH));
			if (by_neighbour)
				n = neighbour_candidates(s, oi, fi, cands);
			else if (r->status == RP_NOT_FOUND || r->status == RP_AMBIGUOUS ||
				 !neighbours)
				n = candidates(s, oi, r->function, cands);
			if (!n)
				continue;
			char saved[sizeof(r->detail)];
			snprintf(saved, sizeof(saved), "%s", r->detail);
			enum rp_status before = r->status;
			int rc = match_function(s, oi, r, cands, n);
			if (rc < 0)
				return -1;
			if (by_neighbour && r->status != RP_MATCHED) {
				/* keep what the named candidates said */
				r->status = before;
				snprintf(r->detail, sizeof(r->detail), "%s", saved);
				continue;
			}
			r->found_by_neighbour = by_neighbour;
			if (rc == 1 && !(r->function->weak && r->status == RP_NO_MATCH)) {
				final[ri] = 1;
				progress++;
			} else if (rc == 1 && r->status == RP_MATCHED) {
				final[ri] = 1;
				progress++;
			}
		}
	}
	return progress;
}

static int collect_symbols(struct session *s)
{
	struct rp_result *res = s->result;
	res->symbols = calloc(s->committed.n + 1, sizeof(*res->symbols));
	if (!res->symbols)
		return -1;
	for (size_t i = 0; i < s->committed.n; i++) {
		res->symbols[i].name = strdup(s->committed.v[i].key);
		res->symbols[i].address = s->committed.v[i].addr;
		if (!res->symbols[i].name)
			return -1;
		res->nsymbols++;
	}
	for (size_t i = 0; i < res->nfunctions; i++) {
		switch (res->functions[i].status) {
		case RP_MATCHED:
			res->matched++;
			break;
		case RP_NO_MATCH:
			res->no_match++;
			break;
		case RP_AMBIGUOUS:
			res->ambiguous++;
			break;
		case RP_NOT_FOUND:
			res->not_found++;
			break;
		case RP_SKIPPED:
			res->skipped++;
			break;
		}
	}
	return 0;
}

int rp_match_objects(struct rp_object *const *objects, size_t nobjects,
		     const struct rp_memview *mem, const struct rp_symtab *syms,
		     struct rp_result *result, struct ksp_error *err)
{
	memset(result, 0, sizeof(*result));
	struct session s = {objects, nobjects, NULL, mem, syms, {0}, result};
	s.sites = calloc(nobjects + 1, sizeof(*s.sites));
	int rc = -1;
	if (!s.sites)
		return ksp_fail(err, "out of memory");
	for (size_t i = 0; i < nobjects; i++)
		if (rp_sites_load(objects[i], &s.sites[i], err))
			goto out;
	if (init_results(&s)) {
		ksp_fail(err, "out of memory");
		goto out;
	}
	unsigned char *final = calloc(result->nfunctions + 1, 1);
	if (!final) {
		ksp_fail(err, "out of memory");
		goto out;
	}
	/* Named candidates until nothing changes, then weak functions by their
	 * neighbours, then names again with what those taught. */
	for (int neighbours = 0; neighbours <= 1; neighbours++) {
		int p;
		while ((p = flood_pass(&s, final, neighbours)) > 0)
			;
		if (p < 0) {
			free(final);
			ksp_fail(err, "out of memory while matching");
			goto out;
		}
	}
	free(final);
	if (collect_symbols(&s)) {
		ksp_fail(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nobjects; i++)
		rp_sites_free(&s.sites[i]);
	free(s.sites);
	rp_bindings_free(&s.committed);
	if (rc)
		rp_result_free(result);
	return rc;
}

void rp_result_free(struct rp_result *result)
{
	for (size_t i = 0; i < result->nsymbols; i++)
		free(result->symbols[i].name);
	free(result->symbols);
	free(result->functions);
	memset(result, 0, sizeof(*result));
}
