// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a 5-byte jump (or the original bytes back) so that no reader sees
 * a mix of old and new bytes: with the machine stopped, only NMIs can run
 * kernel code, and an NMI handler may run the very function being patched.
 *
 * Before the machine is stopped, the page holding each site is mapped
 * writable at a second address with vmap() (as text_poke() finds the page:
 * virt_to_page() for core kernel text, vmalloc_to_page() for module text).
 * Inside the window the 5 bytes are merged into the 8 bytes around them and
 * written with one 8-byte store: aligned if an aligned window holds the 5
 * bytes, else within one cache line, which x86 also performs atomically
 * (SDM vol. 3, 9.1.1). The 3 other bytes are written with the values they
 * have (text_mutex is held and the machine stopped: nobody else writes
 * text). 5 bytes that cross a cache line cannot be written so: refused
 * (bad_plan) before anything is written.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "helper.h"

#define WORD 8
#define LINE 64	/* x86 cache line */

struct ksplice_jump_write {
	unsigned int nr;
	struct {
		void *map;		/* vmap() of the page, or NULL */
		u64 *word;		/* the 8 bytes around the site, in map */
		unsigned int shift;	/* site - start of those 8 bytes */
	} sites[];
};

/* The start of 8 bytes holding the 5 at site, atomic to store; 0 if none. */
static unsigned long store_window(unsigned long site)
{
	unsigned long start = site & ~(unsigned long)(WORD - 1);

	if (start + WORD >= site + KSPLICE_JUMP_LEN)
		return start;
	for (start = site + KSPLICE_JUMP_LEN - WORD; start <= site; start++)
		if ((start & (LINE - 1)) + WORD <= LINE)
			return start;
	return 0;
}

static int map_site(struct ksplice_state *state, unsigned int i,
		    struct ksplice_jump_write *jw)
{
	unsigned long site = state->sites[i].site;
	unsigned long start = store_window(site);
	struct page *page;

	if (!start)
		return ksplice_abort(state, KSPLICE_BAD_PLAN,
				     "%s: jump site +%u crosses a cache line: it cannot be written with one store",
				     state->plan[i].name, state->plan[i].jump_offset);
	if (ksplice_ksyms.core_kernel_text(start))
		page = virt_to_page((void *)start);
	else
		page = vmalloc_to_page((void *)start);
	jw->sites[i].map = page ? vmap(&page, 1, VM_MAP, PAGE_KERNEL) : NULL;
	if (!jw->sites[i].map)
		return ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				     "%s: cannot map its code writable",
				     state->plan[i].name);
	jw->sites[i].word = jw->sites[i].map + offset_in_page(start);
	jw->sites[i].shift = site - start;
	return KSPLICE_OK;
}

void ksplice_jump_write_free(struct ksplice_jump_write *jw)
{
	unsigned int i;

	if (!jw)
		return;
	for (i = 0; i < jw->nr; i++)
		if (jw->sites[i].map)
			vunmap(jw->sites[i].map);
	/* vunmap() flushes lazily: leave no writable alias of text in a TLB. */
	vm_unmap_aliases();
	kfree(jw);
}

/* Outside the window (may sleep). *cause says why when NULL is returned. */
struct ksplice_jump_write *ksplice_jump_write_new(struct ksplice_state *state,
						  int *cause)
{
	struct ksplice_jump_write *jw;
	unsigned int i;

	jw = kzalloc(struct_size(jw, sites, state->nr_patches), GFP_KERNEL);
	if (!jw) {
		*cause = ksplice_abort(state, KSPLICE_OUT_OF_MEMORY,
				       "no memory to map the jump sites");
		return NULL;
	}
	jw->nr = state->nr_patches;
	*cause = KSPLICE_OK;
	for (i = 0; i < state->nr_patches && !*cause; i++)
		if (!ksplice_check_only(state, i) && ksplice_acting(state, i))
			*cause = map_site(state, i, jw);
	if (*cause) {
		ksplice_jump_write_free(jw);
		return NULL;
	}
	return jw;
}

/* Inside the window: the 5 bytes of site i become bytes, in one store. */
void ksplice_jump_write(struct ksplice_jump_write *jw, unsigned int i,
			const u8 *bytes)
{
	u64 *word = jw->sites[i].word;
	u8 merged[WORD];
	u64 value;

	value = READ_ONCE(*word);
	memcpy(merged, &value, WORD);
	memcpy(merged + jw->sites[i].shift, bytes, KSPLICE_JUMP_LEN);
	memcpy(&value, merged, WORD);
	/* One 8-byte mov: x86-64 never splits a volatile u64 store. */
	WRITE_ONCE(*word, value);
}
