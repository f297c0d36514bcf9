#include "sites.h"

#include <bfd.h>
#include <stdlib.h>
#include <string.h>

const char *rp_site_kind_name(enum rp_site_kind kind)
{
	static const char *const names[] = {
		"fentry",     "return thunk", "retpoline", "alternative",
		"jump label", "static call",  "smp lock",  "paravirt",
	};
	return kind <= RP_SITE_PARAVIRT ? names[kind] : "?";
}

/* Where a table entry's relocation points: (section, offset). */
static int reloc_target(const struct rp_object *obj, const struct rp_reloc *r,
			const struct rp_section **section, uint64_t *offset)
{
	if (!r || !r->target_section)
		return -1;
	*section = rp_object_section_of(obj, r->target_section);
	if (!*section)
		return -1;
	*offset = r->symbol_offset + (uint64_t)r->addend;
	/* <=: an empty alternative replacement may sit at the very end */
	return *offset <= (*section)->size ? 0 : -1;
}

static struct rp_site *new_site(struct rp_sites *s, const struct rp_section *section,
				uint64_t offset, enum rp_site_kind kind, unsigned len)
{
	struct rp_site *n = realloc(s->sites, (s->count + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->sites = n;
	n = &s->sites[s->count++];
	memset(n, 0, sizeof(*n));
	n->section = section;
	n->offset = offset;
	n->kind = kind;
	n->len = len;
	return n;
}

/* Tables of one relocated pointer per entry_size bytes, the site at its
 * target. */
static int load_simple(const struct rp_object *obj, struct rp_sites *s, const char *table,
		       size_t entry_size, enum rp_site_kind kind, unsigned len)
{
	const struct rp_section *t = rp_object_section(obj, table);
	if (!t)
		return 0;
	for (size_t i = 0; i < t->nrelocs; i++) {
		const struct rp_reloc *r = &t->relocs[i];
		const struct rp_section *section;
		uint64_t offset;
		if (r->offset % entry_size != 0 || reloc_target(obj, r, &section, &offset))
			continue;
		if (!new_site(s, section, offset, kind, len))
			return -1;
	}
	return 0;
}

static const struct rp_reloc *reloc_at(const struct rp_section *t, uint64_t offset)
{
	const struct rp_reloc *r = rp_section_reloc_in(t, offset, offset + 1);
	return r && r->offset == offset ? r : NULL;
}

/* struct alt_instr { s32 instr_offset; s32 repl_offset; u16 cpuid; u8 instrlen;
 * u8 replacementlen; } __packed: 12 bytes. */
static int load_alternatives(const struct rp_object *obj, struct rp_sites *s)
{
	const struct rp_section *t = rp_object_section(obj, ".altinstructions");
	if (!t)
		return 0;
	for (uint64_t e = 0; e + 12 <= t->size; e += 12) {
		const struct rp_section *section, *repl_section;
		uint64_t offset, repl;
		if (reloc_target(obj, reloc_at(t, e), &section, &offset) ||
		    reloc_target(obj, reloc_at(t, e + 4), &repl_section, &repl))
			continue;
		struct rp_site *site =
			new_site(s, section, offset, RP_SITE_ALTERNATIVE, t->data[e + 10]);
		if (!site)
			return -1;
		site->alts = malloc(sizeof(*site->alts));
		if (!site->alts)
			return -1;
		site->alts[0] = (struct rp_alt_replacement){repl, t->data[e + 11]};
		site->nalts = 1;
		s->replacements = repl_section;
	}
	return 0;
}

/* struct jump_entry { s32 code; s32 target; long key; }: 16 bytes. */
static int load_jump_labels(const struct rp_object *obj, struct rp_sites *s)
{
	const struct rp_section *t = rp_object_section(obj, "__jump_table");
	if (!t)
		return 0;
	for (uint64_t e = 0; e + 16 <= t->size; e += 16) {
		const struct rp_section *section, *target_section;
		uint64_t offset, target;
		if (reloc_target(obj, reloc_at(t, e), &section, &offset) ||
		    reloc_target(obj, reloc_at(t, e + 4), &target_section, &target) ||
		    target_section != section)
			continue;
		struct rp_site *site = new_site(s, section, offset, RP_SITE_JUMP_LABEL, 0);
		if (!site)
			return -1;
		site->jump_target = target;
	}
	return 0;
}

/* struct paravirt_patch_site { u8 *instr; u8 type; u8 len; }: 16 bytes. */
static int load_paravirt(const struct rp_object *obj, struct rp_sites *s)
{
	const struct rp_section *t = rp_object_section(obj, ".parainstructions");
	if (!t)
		return 0;
	for (uint64_t e = 0; e + 16 <= t->size; e += 16) {
		const struct rp_section *section;
		uint64_t offset;
		if (reloc_target(obj, reloc_at(t, e), &section, &offset))
			continue;
		if (!new_site(s, section, offset, RP_SITE_PARAVIRT, t->data[e + 9]))
			return -1;
	}
	return 0;
}

static int site_cmp(const void *a, const void *b)
{
	const struct rp_site *x = a, *y = b;
	if (x->section != y->section)
		return x->section < y->section ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* ALTERNATIVE_2 and friends put several alt_instr entries on one place:
 * merge them into one site with several replacements. */
static int merge_alternatives(struct rp_sites *s)
{
	size_t out = 0;
	for (size_t i = 0; i < s->count; i++) {
		struct rp_site *prev = out ? &s->sites[out - 1] : NULL;
		struct rp_site *cur = &s->sites[i];
		if (prev && cur->kind == RP_SITE_ALTERNATIVE && prev->kind == RP_SITE_ALTERNATIVE &&
		    prev->section == cur->section && prev->offset == cur->offset) {
			struct rp_alt_replacement *n =
				realloc(prev->alts, (prev->nalts + 1) * sizeof(*n));
			if (!n)
				return -1;
			prev->alts = n;
			prev->alts[prev->nalts++] = cur->alts[0];
			if (cur->len > prev->len)
				prev->len = cur->len;
			free(cur->alts);
			continue;
		}
		s->sites[out++] = *cur;
	}
	s->count = out;
	return 0;
}

/* Static call trampolines (.static_call.text) are rewritten as a whole by
 * static_call_update(): their jump is a static call site of its own. */
static int load_trampolines(const struct rp_object *obj, struct rp_sites *s)
{
	for (size_t i = 0; i < obj->nfunctions; i++) {
		const struct rp_function *f = &obj->functions[i];
		if (strcmp(f->section->name, ".static_call.text") == 0 &&
		    !new_site(s, f->section, f->offset, RP_SITE_STATIC_CALL, 5))
			return -1;
	}
	return 0;
}

int rp_sites_load(const struct rp_object *obj, struct rp_sites *s, struct ksp_error *err)
{
	memset(s, 0, sizeof(*s));
	if (load_simple(obj, s, "__mcount_loc", 8, RP_SITE_FENTRY, 5) ||
	    load_simple(obj, s, ".return_sites", 4, RP_SITE_RETURN, 5) ||
	    load_simple(obj, s, ".retpoline_sites", 4, RP_SITE_RETPOLINE, 0) ||
	    load_simple(obj, s, ".static_call_sites", 8, RP_SITE_STATIC_CALL, 5) ||
	    load_simple(obj, s, ".smp_locks", 4, RP_SITE_LOCK, 1) || load_alternatives(obj, s) ||
	    load_jump_labels(obj, s) || load_paravirt(obj, s) || load_trampolines(obj, s)) {
		rp_sites_free(s);
		return ksp_fail(err, "%s: out of memory reading run-time patch tables", obj->path);
	}
	if (s->count) /* sites is NULL for an object without tables: qsort's UB */
		qsort(s->sites, s->count, sizeof(*s->sites), site_cmp);
	if (merge_alternatives(s)) {
		rp_sites_free(s);
		return ksp_fail(err, "out of memory");
	}
	return 0;
}

static size_t first_at_or_after(const struct rp_sites *s, const struct rp_section *section,
				uint64_t offset)
{
	size_t lo = 0, hi = s->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct rp_site *m = &s->sites[mid];
		if (m->section < section || (m->section == section && m->offset < offset))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct rp_site *rp_sites_at(const struct rp_sites *s, const struct rp_section *section,
				  uint64_t offset)
{
	size_t i = first_at_or_after(s, section, offset);
	return i < s->count && s->sites[i].section == section && s->sites[i].offset == offset
		       ? &s->sites[i]
		       : NULL;
}

const struct rp_site *rp_sites_overlapping(const struct rp_sites *s,
					   const struct rp_section *section, uint64_t from,
					   uint64_t to)
{
	size_t i = first_at_or_after(s, section, from > 16 ? from - 16 : 0);
	for (; i < s->count && s->sites[i].section == section && s->sites[i].offset < to; i++) {
		unsigned len = s->sites[i].len ? s->sites[i].len : 5;
		if (s->sites[i].offset + len > from)
			return &s->sites[i];
	}
	return NULL;
}

void rp_sites_free(struct rp_sites *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->sites[i].alts);
	free(s->sites);
	memset(s, 0, sizeof(*s));
}
