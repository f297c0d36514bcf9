/*
 * The places the kernel rewrites at run time, read from the pre object's own
 * tables: the rows of common/special_sections.c with a site kind
 * (__mcount_loc, .return_sites, .retpoline_sites, .altinstructions with
 * .altinstr_replacement, __jump_table, .static_call_sites, .smp_locks,
 * .parainstructions, and the trampolines of .static_call.text). Every entry is located through its
 * relocation, so sections and offsets come out right in objects built with -ffunction-sections.
 */
#ifndef KSPLICE_RUNPRE_SITES_H
#define KSPLICE_RUNPRE_SITES_H

#include "pre_object.h"
#include "special_sections.h"

struct rp_alt_replacement {
	uint64_t offset; /* in .altinstr_replacement */
	unsigned len;
	int direct_call; /* ALT_FLAG_DIRECT_CALL */
};

struct rp_site {
	const struct ksp_obj_section *section;
	uint64_t offset;
	unsigned len; /* bytes the kernel may rewrite (0: decided from the code) */
	enum ksp_site_kind kind;
	/* jump label: where its jump goes, in the site's section or another
	 * (a cold part, .text.unlikely.*) */
	const struct ksp_obj_section *jump_section;
	uint64_t jump_target;		 /* offset in jump_section */
	struct rp_alt_replacement *alts; /* alternatives at this site */
	size_t nalts;
	const char *symbol; /* run-time constant: the variable whose value it holds */
};

struct rp_sites {
	struct rp_site *sites; /* sorted by section, then offset */
	size_t count;
	const struct ksp_obj_section *replacements; /* .altinstr_replacement */
};

int rp_sites_load(const struct rp_object *obj, struct rp_sites *sites, struct ksp_error *err);

/* The site that starts at offset of section, or NULL. Several alternatives
 * at one place are merged into one site. */
const struct rp_site *rp_sites_at(const struct rp_sites *sites,
				  const struct ksp_obj_section *section, uint64_t offset);

/* Is the call at offset one call depth tracking may point at a thunk
 * (.call_sites)? Such sites share their offset with others: rp_sites_at
 * gives those first (sites sort by kind), and the call itself is compared
 * as any other. */
int rp_sites_call_at(const struct rp_sites *sites, const struct ksp_obj_section *section,
		     uint64_t offset);

/* The first site overlapping [from, to) of section (call thunk sites
 * aside), or NULL. */
const struct rp_site *rp_sites_overlapping(const struct rp_sites *sites,
					   const struct ksp_obj_section *section, uint64_t from,
					   uint64_t to);

/* The end of the entry of the function at [offset, offset + size) of
 * section: its ENDBR (CONFIG_X86_KERNEL_IBT: an indirect call must land on
 * it, so the jump cannot replace it), then its fentry site (ftrace's, which
 * the helper claims while the jump is there). Where the jump goes. */
uint64_t rp_entry_end(const struct rp_sites *sites, const struct ksp_obj_section *section,
		      uint64_t offset, uint64_t size);

void rp_sites_free(struct rp_sites *sites);

#endif
