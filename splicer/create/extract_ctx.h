/*
 * The state of one extraction (extract.h), shared by extract.c, which
 * decides what is carried and writes the object, and extract_tables.c,
 * which keeps the entries of the kernel's tables that belong to carried
 * code and knows the sites the module loader rewrites.
 */
#ifndef KSPLICE_EXTRACT_CTX_H
#define KSPLICE_EXTRACT_CTX_H

#include "extract.h"
#include "objfile.h"
#include "special_sections.h"

#include <bfd.h>

/* Tables whose entries belong to the code their SITE field points at
 * (KSP_EXTRACT_FILTER rows of common/special_sections.c): an entry is kept
 * when that code is carried. */
struct xsec {
	asection *in, *out;
	int carried;				 /* copied whole */
	int shared;				 /* code of other functions too (.ref.text) */
	const struct ksp_special_section *table; /* or filtered entry by entry */
	bfd_byte *data;				 /* output contents */
	bfd_size_type size;
	arelent **in_relocs;
	long n_in;
	arelent *out_relocs;
	arelent **out_ptrs;
	size_t n_out;
	long *kept;	    /* tables: input entry -> output entry, -1 if dropped */
	const char *anchor; /* global symbol at its start, for late relocations */
};

/* Bytes of carried code the module loader rewrites at load (a site). */
struct site {
	unsigned sec;
	uint64_t lo, hi;
	enum ksp_site_kind kind;
};

struct ctx {
	const struct ksp_extract_req *req;
	struct ksp_extract_result *res;
	struct ksp_error *err;
	struct ksp_obj model;  /* the post object: what is carried is decided on it */
	struct ksp_obj_bfd in; /* the same, open in libbfd: copied from */
	bfd *obfd;
	struct xsec *secs; /* by input section index */
	unsigned nsecs;
	asymbol **osyms; /* output symbol table, capacity fixed up front */
	size_t nosyms, cap;
	char **names; /* strings the output bfd points at */
	size_t nnames;
	struct site *sites;
	size_t nsites;
	int reported; /* err already says what is wrong */
};

static inline struct xsec *xt_xsec_of(struct ctx *c, const asection *s)
{
	return s && !bfd_is_und_section(s) && !bfd_is_abs_section(s) && !bfd_is_com_section(s) &&
			       s->index < c->nsecs
		       ? &c->secs[s->index]
		       : NULL;
}

/* The section a symbol of the model is defined in. */
static inline struct xsec *xt_xsec_of_symbol(struct ctx *c, size_t sym)
{
	size_t sec = c->model.symbols[sym].section;
	return sec < c->nsecs ? &c->secs[sec] : NULL;
}

static inline const struct ksp_obj_section *xt_model_section(const struct ctx *c,
							     const struct xsec *x)
{
	return &c->model.sections[x->in->index];
}

static inline struct xsec *xt_section_named(struct ctx *c, const char *name)
{
	asection *s = bfd_get_section_by_name(c->in.abfd, name);
	return s ? xt_xsec_of(c, s) : NULL;
}

/* Decides which entries of each table to keep (and carries the sections
 * that go with a table that keeps any). */
int xt_filter_tables(struct ctx *c);
/* Parallel tables (.orc_unwind) keep the entries of their leader. */
int xt_build_parallel(struct ctx *c);
/* Output contents of x: whole, or the kept entries of a table. */
int xt_build_contents(struct ctx *c, struct xsec *x);
/* The sites of the kept entries of every table. */
int xt_collect_sites(struct ctx *c);
/* The site of carried code at offset of x, or NULL. */
const struct site *xt_site_at(const struct ctx *c, const struct xsec *x, uint64_t offset);
/* Must the loader resolve a reference at offset of x? In a section it
 * walks or copies at load, or inside a site it rewrites. */
int xt_loader_place(const struct ctx *c, const struct xsec *x, uint64_t offset);

#endif
