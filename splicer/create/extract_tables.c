/* The kernel's tables in an extraction: which entries are kept, and the
 * sites of carried code the module loader rewrites (extract_ctx.h). */
#include "extract_ctx.h"

#include <stdlib.h>
#include <string.h>

/* Which entries of a table to keep: those whose SITE field points into
 * carried code. */
static int filter_table(struct ctx *c, struct xsec *x, const struct ksp_special_section *t)
{
	const struct ksp_obj_section *s = xt_model_section(c, x);
	unsigned site = ksp_special_field(t, KSP_FIELD_SITE)->offset;
	size_t n = (size_t)(bfd_section_size(x->in) / t->entry_size);
	x->kept = malloc((n + 1) * sizeof(*x->kept));
	if (!x->kept)
		return -1;
	for (size_t i = 0; i < n; i++)
		x->kept[i] = -1;
	long out = 0;
	for (size_t r = 0; r < s->nrelocs; r++) {
		const struct ksp_obj_reloc *rel = &s->relocs[r];
		struct xsec *target = xt_xsec_of_symbol(c, rel->sym);
		size_t e = (size_t)(rel->offset / t->entry_size);
		if (rel->offset % t->entry_size == site && e < n && target && target->carried &&
		    (xt_model_section(c, target)->flags & KSP_OBJ_SEC_CODE) && x->kept[e] < 0)
			x->kept[e] = out++;
	}
	x->table = t;
	x->size = (bfd_size_type)out * t->entry_size;
	return 0;
}

/* Sections carried whole when their leader table keeps an entry
 * (.altinstr_replacement, with .altinstructions). */
static void carry_with_leader(struct ctx *c, const char *leader)
{
	for (size_t i = 0; i < ksp_nspecial_sections; i++) {
		const struct ksp_special_section *row = &ksp_special_sections[i];
		struct xsec *x = xt_section_named(c, row->name);
		if (x && row->extract == KSP_EXTRACT_WITH_LEADER &&
		    strcmp(row->leader, leader) == 0)
			x->carried = 1;
	}
}

int xt_filter_tables(struct ctx *c)
{
	for (size_t i = 0; i < ksp_nspecial_sections; i++) {
		const struct ksp_special_section *row = &ksp_special_sections[i];
		if (row->name_is_prefix)
			continue;
		struct xsec *x = xt_section_named(c, row->name);
		if (!x || row->extract != KSP_EXTRACT_FILTER)
			continue;
		const struct ksp_obj_section *in = xt_model_section(c, x);
		if (!ksp_special_layout_fits(row, in->size, in->nrelocs))
			continue;
		if (filter_table(c, x, row))
			return -1;
		if (x->size)
			carry_with_leader(c, row->name);
	}
	return 0;
}

/* Output contents: whole sections as they are, tables entry by entry. */
int xt_build_contents(struct ctx *c, struct xsec *x)
{
	const struct ksp_obj_section *in = xt_model_section(c, x);
	if (!x->table) {
		x->size = in->size;
		x->data = calloc(1, in->size ? in->size : 1);
		if (x->data && in->data)
			memcpy(x->data, in->data, in->size);
		return x->data ? 0 : -1;
	}
	unsigned entry = x->table->entry_size;
	x->data = calloc(1, x->size ? x->size : 1);
	for (size_t e = 0; x->data && in->data && e < in->size / entry; e++)
		if (x->kept[e] >= 0)
			memcpy(x->data + (size_t)x->kept[e] * entry, in->data + e * entry, entry);
	return x->data ? 0 : -1;
}

/* A parallel table (.orc_unwind) keeps the same entries as its leader. */
int xt_build_parallel(struct ctx *c)
{
	for (size_t i = 0; i < ksp_nspecial_sections; i++) {
		const struct ksp_special_section *row = &ksp_special_sections[i];
		if (row->extract != KSP_EXTRACT_PARALLEL)
			continue;
		struct xsec *lead = xt_section_named(c, row->leader);
		struct xsec *x = xt_section_named(c, row->name);
		if (!lead || !x || !lead->kept)
			continue;
		unsigned lead_entry = lead->table->entry_size;
		size_t n = (size_t)(bfd_section_size(lead->in) / lead_entry);
		x->kept = malloc((n + 1) * sizeof(*x->kept));
		if (!x->kept)
			return -1;
		memcpy(x->kept, lead->kept, n * sizeof(*x->kept));
		x->table = row;
		x->size = lead->size / lead_entry * row->entry_size;
	}
	return 0;
}

/* How many bytes the loader may rewrite at the site of entry e of x. */
static uint64_t site_length(const struct ctx *c, const struct xsec *x, size_t e)
{
	const struct ksp_special_section *t = x->table;
	if (t->site_len)
		return t->site_len;
	const struct ksp_special_field *len = ksp_special_field(t, KSP_FIELD_SITE_LEN);
	const struct ksp_obj_section *in = xt_model_section(c, x);
	if (len && in->data)
		return in->data[e * t->entry_size + len->offset];
	return 6; /* a call, jmp or jcc rel32 */
}

/* A jump label site is a 2-byte (nop2, jmp rel8) or 5-byte (nop5, jmp
 * rel32) instruction; the kernel rewrites it at its own length
 * (arch_jump_entry_size()), so a reference right after a 2-byte site is not
 * in it. */
static uint64_t jump_label_length(const struct ksp_obj_section *code, uint64_t at)
{
	const unsigned char *b = code->data;
	if (b && at + 1 < code->size && (b[at] == 0xeb || (b[at] == 0x66 && b[at + 1] == 0x90)))
		return 2;
	return 5;
}

/* The sites of the kept entries of every table: where a reference must be
 * in place when the module is loaded. */
int xt_collect_sites(struct ctx *c)
{
	for (unsigned i = 0; i < c->nsecs; i++) {
		const struct xsec *x = &c->secs[i];
		if (!x->table || !x->kept || x->table->site == KSP_SITE_NONE)
			continue;
		const struct ksp_special_field *f = ksp_special_field(x->table, KSP_FIELD_SITE);
		const struct ksp_obj_section *s = xt_model_section(c, x);
		for (size_t r = 0; f && r < s->nrelocs; r++) {
			const struct ksp_obj_reloc *rel = &s->relocs[r];
			size_t e = (size_t)(rel->offset / x->table->entry_size);
			const struct xsec *t = xt_xsec_of_symbol(c, rel->sym);
			if (rel->offset % x->table->entry_size != f->offset || !t || !t->carried ||
			    x->kept[e] < 0)
				continue;
			struct site *n = realloc(c->sites, (c->nsites + 1) * sizeof(*n));
			if (!n)
				return -1;
			c->sites = n;
			uint64_t lo = c->model.symbols[rel->sym].value + (uint64_t)rel->addend;
			uint64_t len = x->table->site == KSP_SITE_JUMP_LABEL
					       ? jump_label_length(xt_model_section(c, t), lo)
					       : site_length(c, x, e);
			c->sites[c->nsites++] =
				(struct site){t->in->index, lo, lo + len, x->table->site};
		}
	}
	return 0;
}

const struct site *xt_site_at(const struct ctx *c, const struct xsec *x, uint64_t offset)
{
	for (size_t i = 0; i < c->nsites; i++)
		if (c->sites[i].sec == x->in->index && offset >= c->sites[i].lo &&
		    offset < c->sites[i].hi)
			return &c->sites[i];
	return NULL;
}

int xt_loader_place(const struct ctx *c, const struct xsec *x, uint64_t offset)
{
	const struct ksp_special_section *row = ksp_special_section(bfd_section_name(x->in));
	if (x->table || (row && (row->entry_size || row->extract == KSP_EXTRACT_WITH_LEADER ||
				 row->extract == KSP_EXTRACT_DESCRIPTORS)))
		return 1;
	return xt_site_at(c, x, offset) != NULL;
}
