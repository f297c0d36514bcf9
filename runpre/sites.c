#include "sites.h"
#include "disasm.h"

#include <bfd.h>
#include <stdlib.h>
#include <string.h>

/* Where a table entry's relocation points: (section, offset). */
static int reloc_target(const struct rp_object *obj, const struct ksp_obj_reloc *r,
			const struct ksp_obj_section **section, uint64_t *offset)
{
	uint64_t symbol_offset;
	if (!r || r->size == 0 || !(*section = rp_reloc_target(obj, r, &symbol_offset)))
		return -1;
	*offset = symbol_offset + (uint64_t)r->addend;
	/* <=: an empty alternative replacement may sit at the very end */
	return *offset <= (*section)->size ? 0 : -1;
}

static struct rp_site *new_site(struct rp_sites *s, const struct ksp_obj_section *section,
				uint64_t offset, enum ksp_site_kind kind, unsigned len)
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

static const struct ksp_obj_reloc *reloc_at(const struct ksp_obj_section *t, uint64_t offset)
{
	const struct ksp_obj_reloc *r = rp_section_reloc_in(t, offset, offset + 1);
	return r && r->offset == offset ? r : NULL;
}

/* Where field f of the entry at e points. */
static int field_target(const struct rp_object *obj, const struct ksp_obj_section *t, uint64_t e,
			const struct ksp_special_field *f, const struct ksp_obj_section **section,
			uint64_t *offset)
{
	return reloc_target(obj, reloc_at(t, e + f->offset), section, offset);
}

static unsigned byte_field(const struct ksp_obj_section *t, uint64_t e,
			   const struct ksp_special_field *f)
{
	return t->data[e + f->offset];
}

static unsigned le16_field(const struct ksp_obj_section *t, uint64_t e,
			   const struct ksp_special_field *f)
{
	return t->data[e + f->offset] | (unsigned)t->data[e + f->offset + 1] << 8;
}

/* An alternative: one replacement (merged with the others at its site
 * later). */
static int add_replacement(const struct rp_object *obj, struct rp_sites *s, struct rp_site *site,
			   const struct ksp_special_section *row, const struct ksp_obj_section *t,
			   uint64_t e)
{
	const struct ksp_obj_section *repl_section;
	uint64_t repl;
	/* entry_resolves() already resolved this field; checked again for
	 * the compiler's sake. */
	if (field_target(obj, t, e, ksp_special_field(row, KSP_FIELD_REPLACEMENT), &repl_section,
			 &repl))
		return 0;
	site->alts = malloc(sizeof(*site->alts));
	if (!site->alts)
		return -1;
	unsigned len = byte_field(t, e, ksp_special_field(row, KSP_FIELD_REPLACEMENT_LEN));
	const struct ksp_special_field *flags = ksp_special_field(row, KSP_FIELD_ALT_FLAGS);
	int direct = flags && (le16_field(t, e, flags) & KSP_ALT_FLAG_DIRECT_CALL);
	site->alts[0] = (struct rp_alt_replacement){repl, len, direct};
	site->nalts = 1;
	s->replacements = repl_section;
	return 0;
}

/* Whether the entry at e is usable: the replacement or target it names
 * resolves too. A jump label's target may lie in another section than the
 * site: static_branch_unlikely() jumps into the function's cold part. */
static int entry_resolves(const struct rp_object *obj, const struct ksp_special_section *row,
			  const struct ksp_obj_section *t, uint64_t e)
{
	const struct ksp_special_field *repl = ksp_special_field(row, KSP_FIELD_REPLACEMENT);
	const struct ksp_special_field *target = ksp_special_field(row, KSP_FIELD_TARGET);
	const struct ksp_obj_section *section;
	uint64_t offset;
	if (repl && field_target(obj, t, e, repl, &section, &offset))
		return 0;
	return !target || !field_target(obj, t, e, target, &section, &offset);
}

/* The sites of one table: an entry per entry_size bytes, the site where its
 * SITE field points. */
static int load_table(const struct rp_object *obj, struct rp_sites *s,
		      const struct ksp_special_section *row, const struct ksp_obj_section *t)
{
	const struct ksp_special_field *site_field = ksp_special_field(row, KSP_FIELD_SITE);
	const struct ksp_special_field *len_field = ksp_special_field(row, KSP_FIELD_SITE_LEN);
	const struct ksp_special_field *target = ksp_special_field(row, KSP_FIELD_TARGET);
	if (!t || !ksp_special_layout_fits(row, t->size, t->nrelocs))
		return 0;
	for (uint64_t e = 0; e + row->entry_size <= t->size; e += row->entry_size) {
		const struct ksp_obj_section *section;
		uint64_t offset;
		if (field_target(obj, t, e, site_field, &section, &offset) ||
		    !entry_resolves(obj, row, t, e))
			continue;
		unsigned len = len_field ? byte_field(t, e, len_field) : row->site_len;
		struct rp_site *site = new_site(s, section, offset, row->site, len);
		if (!site)
			return -1;
		if (row->name_is_prefix)
			site->symbol = t->name + strlen(row->name);
		if (target)
			field_target(obj, t, e, target, &site->jump_section, &site->jump_target);
		if (ksp_special_field(row, KSP_FIELD_REPLACEMENT) &&
		    add_replacement(obj, s, site, row, t, e))
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
		if (prev && cur->kind == KSP_SITE_ALTERNATIVE &&
		    prev->kind == KSP_SITE_ALTERNATIVE && prev->section == cur->section &&
		    prev->offset == cur->offset) {
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

/* Sections of code whose functions are sites as a whole (static call
 * trampolines, rewritten by static_call_update()). */
static int load_code_sites(const struct rp_object *obj, struct rp_sites *s,
			   const struct ksp_special_section *row)
{
	for (size_t i = 0; i < obj->nfunctions; i++) {
		const struct rp_function *f = &obj->functions[i];
		if (strcmp(f->section->name, row->name) == 0 &&
		    !new_site(s, f->section, f->offset, row->site, row->site_len))
			return -1;
	}
	return 0;
}

static int load_all(const struct rp_object *obj, struct rp_sites *s)
{
	for (size_t i = 0; i < ksp_nspecial_sections; i++) {
		const struct ksp_special_section *row = &ksp_special_sections[i];
		if (row->site == KSP_SITE_NONE)
			continue;
		if (!row->entry_size) {
			if (load_code_sites(obj, s, row))
				return -1;
			continue;
		}
		for (size_t k = 0; k < obj->model.nsections; k++) {
			const struct ksp_obj_section *t = &obj->model.sections[k];
			if ((t->flags & KSP_OBJ_SEC_ALLOC) && t->data &&
			    ksp_special_names(row, t->name) && load_table(obj, s, row, t))
				return -1;
		}
	}
	return 0;
}

int rp_sites_load(const struct rp_object *obj, struct rp_sites *s, struct ksp_error *err)
{
	memset(s, 0, sizeof(*s));
	if (load_all(obj, s)) {
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

static size_t first_at_or_after(const struct rp_sites *s, const struct ksp_obj_section *section,
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

const struct rp_site *rp_sites_at(const struct rp_sites *s, const struct ksp_obj_section *section,
				  uint64_t offset)
{
	size_t i = first_at_or_after(s, section, offset);
	return i < s->count && s->sites[i].section == section && s->sites[i].offset == offset
		       ? &s->sites[i]
		       : NULL;
}

int rp_sites_call_at(const struct rp_sites *s, const struct ksp_obj_section *section,
		     uint64_t offset)
{
	for (size_t i = first_at_or_after(s, section, offset);
	     i < s->count && s->sites[i].section == section && s->sites[i].offset == offset; i++)
		if (s->sites[i].kind == KSP_SITE_CALL_THUNK)
			return 1;
	return 0;
}

const struct rp_site *rp_sites_overlapping(const struct rp_sites *s,
					   const struct ksp_obj_section *section, uint64_t from,
					   uint64_t to)
{
	size_t i = first_at_or_after(s, section, from > 16 ? from - 16 : 0);
	for (; i < s->count && s->sites[i].section == section && s->sites[i].offset < to; i++) {
		/* call thunks are written before the code can run, never later */
		if (s->sites[i].kind == KSP_SITE_CALL_THUNK)
			continue;
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

uint64_t rp_entry_end(const struct rp_sites *sites, const struct ksp_obj_section *section,
		      uint64_t offset, uint64_t size)
{
	uint64_t end = 0;
	if (section->data && size >= KSP_ENDBR_LEN && ksp_is_endbr64(section->data + offset))
		end = KSP_ENDBR_LEN;
	const struct rp_site *fentry = rp_sites_at(sites, section, offset + end);
	if (fentry && fentry->kind == KSP_SITE_FENTRY)
		end += 5; /* call __fentry__, or its NOP */
	return end;
}
