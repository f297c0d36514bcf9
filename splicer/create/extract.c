#include "extract_ctx.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *keep_name(struct ctx *c, char *s)
{
	char **n = s ? realloc(c->names, (c->nnames + 1) * sizeof(*n)) : NULL;
	if (!n) {
		free(s);
		return NULL;
	}
	c->names = n;
	c->names[c->nnames++] = s;
	return s;
}

static int load_relocs(struct ctx *c, struct xsec *x)
{
	if (x->in_relocs || !(x->in->flags & SEC_RELOC))
		return 0;
	long bound = bfd_get_reloc_upper_bound(c->in.abfd, x->in);
	if (bound < 0)
		return -1;
	x->in_relocs = malloc((size_t)bound + sizeof(arelent *));
	if (!x->in_relocs)
		return -1;
	x->n_in = bfd_canonicalize_reloc(c->in.abfd, x->in, x->in_relocs, c->in.syms);
	return x->n_in < 0 ? -1 : 0;
}

/* Functions live in -ffunction-sections' own section; variables in
 * -fdata-sections'. */
static int own_section(const char *sec, int code)
{
	return code ? ksp_obj_is_text_section(sec) : ksp_obj_is_data_section(sec);
}

static int mark_carried(struct ctx *c, const char *name, int code)
{
	const struct ksp_obj *m = &c->model;
	for (size_t i = 0; i < m->nsymbols; i++) {
		const struct ksp_obj_symbol *s = &m->symbols[i];
		struct xsec *x = xt_xsec_of_symbol(c, i);
		if (strcmp(s->name, name) != 0 || !x ||
		    s->kind != (code ? KSP_OBJ_SYM_FUNC : KSP_OBJ_SYM_OBJECT))
			continue;
		const struct ksp_obj_section *in = &m->sections[s->section];
		int own = own_section(in->name, code);
		/* A function the kernel places by attribute (__ref, __sched,
		 * noinstr, __kprobes) shares its section even with
		 * -ffunction-sections: the section comes whole, the others'
		 * copies unused and their symbols made local. */
		if (code && !own && (in->flags & KSP_OBJ_SEC_CODE) &&
		    strncmp(in->name, ".init", 5) != 0 && strncmp(in->name, ".exit", 5) != 0) {
			x->carried = 1;
			x->shared = 1;
			return 0;
		}
		/* The function first in its section, after its padding. */
		if (!own || s->value != ksp_obj_padding_before(m, i))
			return ksp_fail(c->err,
					"%s: %s shares section %s with other code or data; "
					"it cannot be carried alone",
					c->req->post, name, in->name);
		x->carried = 1;
		return 0;
	}
	return ksp_fail(c->err, "%s: no %s called %s", c->req->post, code ? "function" : "variable",
			name);
}

/* Is a relocation at offset of x part of what is carried: a carried
 * section, or a kept entry of a filtered table (a __bug_table entry names
 * its file's name, a merged string the code itself never refers to)? */
static int carried_reloc(const struct xsec *x, uint64_t offset)
{
	if (x->carried)
		return 1;
	if (!x->kept || !x->table)
		return 0;
	size_t e = (size_t)(offset / x->table->entry_size);
	return e < bfd_section_size(x->in) / x->table->entry_size && x->kept[e] >= 0;
}

static enum ksp_extract_use extract_use(const char *section)
{
	const struct ksp_special_section *row = ksp_special_section(section);
	return row ? row->extract : KSP_EXTRACT_NONE;
}

/* Whether carried code referring to section t brings it along: merged
 * strings and constants, static_cpu_has() slow paths, pr_debug()
 * descriptors. */
static int goes_with_users(const struct ksp_obj_section *t)
{
	enum ksp_extract_use use = extract_use(t->name);
	return (t->flags & KSP_OBJ_SEC_MERGE) || use == KSP_EXTRACT_WHEN_USED ||
	       use == KSP_EXTRACT_DESCRIPTORS;
}

/* Whether a carried section x brings section t along: what x's users bring,
 * and the read-only data descriptors point to (__func__ is a section of its
 * own, .rodata.__func__.N). */
static int goes_with(const struct xsec *x, const struct ksp_obj_section *t)
{
	if (goes_with_users(t))
		return 1;
	return extract_use(bfd_section_name(x->in)) == KSP_EXTRACT_DESCRIPTORS &&
	       !(t->flags & (KSP_OBJ_SEC_CODE | KSP_OBJ_SEC_WRITE));
}

/* Pulls in what carried relocations of x refer to; 1 if anything was. */
static int pull_in_from(struct ctx *c, const struct xsec *x)
{
	const struct ksp_obj_section *s = xt_model_section(c, x);
	int changed = 0;
	for (size_t r = 0; r < s->nrelocs; r++) {
		if (!carried_reloc(x, s->relocs[r].offset))
			continue;
		struct xsec *t = xt_xsec_of_symbol(c, s->relocs[r].sym);
		if (t && !t->carried && goes_with(x, xt_model_section(c, t))) {
			t->carried = 1;
			changed = 1;
		}
	}
	return changed;
}

/* What the carried code uses goes with it. Repeats until nothing more is
 * pulled in. */
static void pull_in_dependencies(struct ctx *c)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (unsigned i = 0; i < c->nsecs; i++) {
			const struct xsec *x = &c->secs[i];
			if (x->carried || x->kept)
				changed |= pull_in_from(c, x);
		}
	}
}

void ksp_new_symbol_name(const char *name, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s", KSP_NEW_PREFIX);
	for (; *name && n + 3 < len; name++) {
		if (*name == '.') {
			buf[n++] = '_';
			buf[n++] = '_';
		} else {
			buf[n++] = *name;
		}
	}
	buf[n < len ? n : len - 1] = '\0';
}

static int wanted(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* The output symbol table holds the input's own symbols (as objcopy does:
 * bfd writes them through their section's output_section) for what is
 * carried, and new undefined symbols for the rest. Carried functions become
 * global __ksplice_new_NAME. */
static int copy_symbols(struct ctx *c)
{
	for (long i = 0; i < c->in.nsyms; i++) {
		asymbol *in = c->in.syms[i];
		struct xsec *x = xt_xsec_of(c, in->section);
		if (!x || !x->out || x->table || (in->flags & BSF_FILE))
			continue;
		if (c->nosyms == c->cap)
			return -1;
		const char *name = bfd_asymbol_name(in);
		if ((in->flags & BSF_FUNCTION) &&
		    wanted(c->req->functions, c->req->nfunctions, name)) {
			char buf[1024];
			ksp_new_symbol_name(name, buf, sizeof(buf));
			char *renamed = keep_name(c, strdup(buf));
			if (!renamed)
				return -1;
			in->name = renamed;
			in->flags = (in->flags & ~(flagword)(BSF_LOCAL | BSF_WEAK)) | BSF_GLOBAL;
		} else if (x->shared && (in->flags & (BSF_GLOBAL | BSF_WEAK))) {
			in->flags = (in->flags & ~(flagword)(BSF_GLOBAL | BSF_WEAK)) | BSF_LOCAL;
		}
		c->osyms[c->nosyms++] = in;
	}
	/* Section symbols the relocations name but the table lacks. */
	for (unsigned i = 0; i < c->nsecs; i++) {
		struct xsec *x = &c->secs[i];
		int present = 0;
		if (!x->out || x->table)
			continue;
		for (size_t k = 0; k < c->nosyms && !present; k++)
			present = c->osyms[k] == x->in->symbol;
		if (!present) {
			if (c->nosyms == c->cap)
				return -1;
			c->osyms[c->nosyms++] = x->in->symbol;
		}
	}
	return 0;
}

static const char *pre_name(const struct ksp_extract_req *req, const char *post_name)
{
	for (size_t i = 0; i < req->nrenamed; i++)
		if (strcmp(req->renamed_post[i], post_name) == 0)
			return req->renamed_pre[i];
	return post_name;
}

/* "unit:.bss.NAME", with NAME as the pre object calls it: -fdata-sections
 * names a static's section after it, numbering included. */
static int section_key(struct ctx *c, const char *section_name, char **key)
{
	static const char *const prefixes[] = {".bss.", ".data.", ".rodata.", ".text."};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(section_name, prefixes[i], n) == 0)
			return asprintf(key, "%s:%s%s", c->req->unit, prefixes[i],
					pre_name(c->req, section_name + n));
	}
	return asprintf(key, "%s:%s", c->req->unit, section_name);
}

/* The binding key of what in refers to (malloc'ed), or NULL. */
static char *key_of(struct ctx *c, const asymbol *in, const char *section_name)
{
	char *key = NULL;
	int local = (in->flags & BSF_LOCAL) && !bfd_is_und_section(in->section);
	int n;
	if (section_name)
		n = section_key(c, section_name, &key);
	else if (local)
		n = asprintf(&key, "%s:%s", c->req->unit, pre_name(c->req, bfd_asymbol_name(in)));
	else
		n = asprintf(&key, "%s", bfd_asymbol_name(in));
	return n < 0 ? NULL : key;
}

/* Adds key (taken) to a list of distinct strings; returns the list's copy. */
static const char *list_add(char ***list, size_t *n, char *key)
{
	for (size_t k = 0; k < *n; k++)
		if (strcmp((*list)[k], key) == 0) {
			free(key);
			return (*list)[k];
		}
	char **grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(key);
		return NULL;
	}
	*list = grown;
	grown[(*n)++] = key;
	return key;
}

/* A static call site's key the kernel does not export: its exported
 * trampoline instead (key changed in place, which it fits). */
static void static_call_key(const struct ctx *c, const struct xsec *x, char *key)
{
	static const char sck[] = "__SCK__";
	if (!c->req->exported || strcmp(bfd_section_name(x->in), ".static_call_sites") != 0 ||
	    strncmp(key, sck, sizeof(sck) - 1) != 0 || c->req->exported(key, c->req->exported_ctx))
		return;
	key[4] = 'T';
	if (!c->req->exported(key, c->req->exported_ctx))
		key[4] = 'K';
}

/* The output's undefined symbol named name, if it has one. */
static asymbol **undefined_symbol(struct ctx *c, const char *name)
{
	for (size_t k = 0; k < c->nosyms; k++)
		if (bfd_is_und_section(c->osyms[k]->section) &&
		    strcmp(bfd_asymbol_name(c->osyms[k]), name) == 0)
			return &c->osyms[k];
	return NULL;
}

/* Adds s, a new symbol, as the undefined symbol named name (kept). */
static asymbol **add_undefined_symbol(struct ctx *c, asymbol *s, const char *name)
{
	s->name = name;
	s->section = bfd_und_section_ptr;
	s->flags = 0;
	s->value = 0;
	c->osyms[c->nosyms] = s;
	return &c->osyms[c->nosyms++];
}

/* The undefined symbol named key (taken), for the module loader. */
static asymbol **loader_symbol(struct ctx *c, char *key)
{
	asymbol **found = undefined_symbol(c, key);
	if (found) {
		free(key);
		return found;
	}
	asymbol *s = c->nosyms < c->cap ? bfd_make_empty_symbol(c->obfd) : NULL;
	const char *name = s ? list_add(&c->res->loader_symbols, &c->res->nloader_symbols, key)
			     : (free(key), NULL);
	return name ? add_undefined_symbol(c, s, name) : NULL;
}

/* The global symbol at the start of x that late relocations are placed by. */
static const char *anchor_of(struct ctx *c, struct xsec *x)
{
	if (x->anchor)
		return x->anchor;
	char *name = NULL;
	asymbol *s = c->nosyms < c->cap ? bfd_make_empty_symbol(c->obfd) : NULL;
	if (!s || asprintf(&name, "%s_s%u",
			   c->req->anchor_prefix ? c->req->anchor_prefix : "__ksplice_o0",
			   x->in->index) < 0)
		return NULL;
	if (!list_add(&c->res->anchors, &c->res->nanchors, name))
		return NULL;
	s->name = name;
	s->section = x->in; /* written through its output section, offset 0 */
	s->flags = BSF_GLOBAL;
	s->value = 0;
	c->osyms[c->nosyms++] = s;
	return x->anchor = name;
}

/* Records a reference for kmod-helper to complete instead of a relocation. */
static int late_reloc(struct ctx *c, struct xsec *x, const arelent *in, char *key)
{
	unsigned type = in->howto->type;
	if (type != R_X86_64_64 && type != R_X86_64_32 && type != R_X86_64_32S &&
	    type != R_X86_64_PC32 && type != R_X86_64_PLT32) {
		ksp_fail(c->err, "%s: %s+0x%llx: relocation type %u against %s is not supported",
			 c->req->post, bfd_section_name(x->in), (unsigned long long)in->address,
			 type, key);
		c->reported = 1;
		free(key);
		return -1;
	}
	const char *anchor = anchor_of(c, x);
	const char *k =
		anchor ? list_add(&c->res->externals, &c->res->nexternals, key) : (free(key), NULL);
	struct ksp_extract_reloc *r =
		k ? realloc(c->res->relocs, (c->res->nrelocs + 1) * sizeof(*r)) : NULL;
	if (!r)
		return -1;
	c->res->relocs = r;
	r[c->res->nrelocs++] =
		(struct ksp_extract_reloc){anchor, in->address, type, (int64_t)in->addend, k};
	return 0;
}

/* An early reference (extract.h) at output offset `at` of x. */
static int early_reloc(struct ctx *c, struct xsec *x, const arelent *in, bfd_vma at, char *key)
{
	const char *anchor = anchor_of(c, x);
	struct ksp_extract_reloc *r =
		anchor ? realloc(c->res->early, (c->res->nearly + 1) * sizeof(*r)) : NULL;
	if (!r) {
		free(key);
		return -1;
	}
	c->res->early = r;
	r[c->res->nearly++] =
		(struct ksp_extract_reloc){anchor, at, in->howto->type, (int64_t)in->addend, key};
	return 0;
}

enum loader_use { LOADER_SYMBOL, EARLY_KEY, SITE_FROM_KEY };

/* What becomes of a reference at a place the loader reads or rewrites when
 * key (a symbol, or UNIT:NAME for a static) is no export: a global's key
 * field is an early reference; the call of a static call site is written
 * by the loader from the key; anything else stays the loader's (refused
 * by update_module.c when it is no export). */
static enum loader_use loader_use(const struct ctx *c, const struct xsec *x, uint64_t offset,
				  const char *key)
{
	if (!c->req->exported || c->req->exported(key, c->req->exported_ctx) || strchr(key, ':'))
		return LOADER_SYMBOL;
	if (x->table) {
		const struct ksp_special_field *f = ksp_special_field(x->table, KSP_FIELD_KEY);
		return f && offset % x->table->entry_size == f->offset ? EARLY_KEY : LOADER_SYMBOL;
	}
	const struct site *site = xt_site_at(c, x, offset);
	return site && site->kind == KSP_SITE_STATIC_CALL ? SITE_FROM_KEY : LOADER_SYMBOL;
}

/* An undefined symbol named name that the update module's own link
 * resolves (another object of it defines name). */
static asymbol **module_symbol(struct ctx *c, const char *name)
{
	asymbol **found = undefined_symbol(c, name);
	if (found)
		return found;
	char *kept = keep_name(c, strdup(name));
	asymbol *s = kept && c->nosyms < c->cap ? bfd_make_empty_symbol(c->obfd) : NULL;
	return s ? add_undefined_symbol(c, s, kept) : NULL;
}

/* For a reference to a global function another object of the update adds:
 * that object's __ksplice_new_NAME, else NULL. */
static asymbol **new_elsewhere(struct ctx *c, const asymbol *sym, int *error)
{
	*error = 0;
	if (!bfd_is_und_section(sym->section) ||
	    !wanted(c->req->new_elsewhere, c->req->nnew_elsewhere, bfd_asymbol_name(sym)))
		return NULL;
	char buf[1024];
	ksp_new_symbol_name(bfd_asymbol_name(sym), buf, sizeof(buf));
	asymbol **slot = module_symbol(c, buf);
	*error = !slot;
	return slot;
}

/* Where the output relocation's symbol pointer must point for in's target:
 * the symbol itself if it is carried, else an undefined symbol for the
 * loader. *late: the reference is kmod-helper's instead (recorded), or
 * needs none. at: the place's offset in the output section. */
static asymbol **target_slot(struct ctx *c, struct xsec *x, arelent *in, bfd_vma at, int *late)
{
	asymbol *sym = *in->sym_ptr_ptr;
	struct xsec *t = xt_xsec_of(c, sym->section);
	*late = 0;
	if (t && t->out && !t->table)
		return in->sym_ptr_ptr;
	int error;
	asymbol **own = new_elsewhere(c, sym, &error);
	if (own || error)
		return own;
	char *key = key_of(c, sym,
			   (sym->flags & BSF_SECTION_SYM) && t ? bfd_section_name(t->in) : NULL);
	if (!key)
		return NULL;
	if (xt_loader_place(c, x, in->address)) {
		static_call_key(c, x, key);
		switch (loader_use(c, x, in->address, key)) {
		case EARLY_KEY:
			*late = 1;
			return early_reloc(c, x, in, at, key) ? NULL : in->sym_ptr_ptr;
		case SITE_FROM_KEY:
			*late = 1;
			free(key);
			return in->sym_ptr_ptr;
		case LOADER_SYMBOL:
			break;
		}
		return loader_symbol(c, key);
	}
	*late = 1;
	return late_reloc(c, x, in, key) ? NULL : in->sym_ptr_ptr;
}

static int build_relocs(struct ctx *c, struct xsec *x)
{
	if (load_relocs(c, x))
		return -1;
	x->out_relocs = calloc((size_t)x->n_in + 1, sizeof(*x->out_relocs));
	x->out_ptrs = calloc((size_t)x->n_in + 1, sizeof(*x->out_ptrs));
	if (!x->out_relocs || !x->out_ptrs)
		return -1;
	for (long r = 0; r < x->n_in; r++) {
		arelent *in = x->in_relocs[r];
		bfd_vma address = in->address;
		if (x->table) {
			size_t e = (size_t)(in->address / x->table->entry_size);
			if (x->kept[e] < 0)
				continue;
			address = (bfd_vma)x->kept[e] * x->table->entry_size +
				  in->address % x->table->entry_size;
		}
		arelent *out = &x->out_relocs[x->n_out];
		int late;
		out->address = address;
		out->addend = in->addend;
		out->howto = in->howto;
		out->sym_ptr_ptr = target_slot(c, x, in, address, &late);
		if (!out->sym_ptr_ptr)
			return -1;
		if (!late)
			x->out_ptrs[x->n_out++] = out;
	}
	return 0;
}

static int create_sections(struct ctx *c)
{
	for (unsigned i = 0; i < c->nsecs; i++) {
		struct xsec *x = &c->secs[i];
		if (!(x->carried || (x->table && x->size)))
			continue;
		if (xt_build_contents(c, x))
			return -1;
		flagword flags = bfd_section_flags(x->in) & ~(flagword)SEC_RELOC;
		x->out =
			bfd_make_section_anyway_with_flags(c->obfd, bfd_section_name(x->in), flags);
		if (!x->out || !bfd_set_section_size(x->out, x->size) ||
		    !bfd_set_section_alignment(x->out, bfd_section_alignment(x->in)) ||
		    !bfd_copy_private_section_data(c->in.abfd, x->in, c->obfd, x->out))
			return -1;
		x->out->entsize = x->in->entsize;
		x->in->output_section = x->out;
		x->in->output_offset = 0;
		c->res->nsections++;
	}
	/* An object without it makes ld assume an executable stack. */
	return bfd_make_section_anyway_with_flags(c->obfd, ".note.GNU-stack", SEC_READONLY) ? 0
											    : -1;
}

/* The key of a variable the carried code's unit names: its own static
 * (UNIT:NAME) or a global. */
static char *variable_key(struct ctx *c, const char *name)
{
	for (long i = 0; i < c->in.nsyms; i++) {
		const asymbol *sym = c->in.syms[i];
		if (strcmp(bfd_asymbol_name(sym), name) == 0 && !bfd_is_und_section(sym->section))
			return key_of(c, sym, NULL);
	}
	return strdup(name);
}

/* Run-time constants (runtime_ptr_SYM, runtime_shift_SYM): the kernel
 * writes their immediates at boot in vmlinux only, never in a module, so
 * carried code would keep the placeholder; kmod-helper writes each from
 * SYM's value instead (KSPLICE_R_VALUE64 or _VALUE8), as it completes the
 * other references. The tables themselves are not carried. */
static int runtime_const_relocs(struct ctx *c)
{
	const struct ksp_obj *m = &c->model;
	for (size_t i = 0; i < ksp_nspecial_sections; i++) {
		const struct ksp_special_section *row = &ksp_special_sections[i];
		if (!row->name_is_prefix || row->site != KSP_SITE_RUNTIME_CONST)
			continue;
		unsigned site = ksp_special_field(row, KSP_FIELD_SITE)->offset;
		unsigned type = row->site_len == 8 ? KSP_EXTRACT_R_VALUE64 : KSP_EXTRACT_R_VALUE8;
		for (unsigned k = 0; k < c->nsecs; k++) {
			const char *name = bfd_section_name(c->secs[k].in);
			if (!ksp_special_names(row, name))
				continue;
			const struct ksp_obj_section *s = xt_model_section(c, &c->secs[k]);
			for (size_t r = 0; r < s->nrelocs; r++) {
				const struct ksp_obj_reloc *rel = &s->relocs[r];
				struct xsec *t = xt_xsec_of_symbol(c, rel->sym);
				if (rel->offset % row->entry_size != site || !t || !t->carried)
					continue;
				/* `.long 1b - N - .`: the immediate is at S + A */
				uint64_t at = m->symbols[rel->sym].value + (uint64_t)rel->addend;
				const char *anchor = anchor_of(c, t);
				char *key = variable_key(c, name + strlen(row->name));
				const char *kept = anchor && key
							   ? list_add(&c->res->externals,
								      &c->res->nexternals, key)
							   : (free(key), NULL);
				struct ksp_extract_reloc *grown =
					kept ? realloc(c->res->relocs,
						       (c->res->nrelocs + 1) * sizeof(*grown))
					     : NULL;
				if (!grown)
					return -1;
				c->res->relocs = grown;
				grown[c->res->nrelocs++] =
					(struct ksp_extract_reloc){anchor, at, type, 0, kept};
			}
		}
	}
	return 0;
}

static int write_output(struct ctx *c)
{
	for (unsigned i = 0; i < c->nsecs; i++)
		if (c->secs[i].out && build_relocs(c, &c->secs[i]))
			return -1;
	if (runtime_const_relocs(c))
		return -1;
	if (!bfd_set_symtab(c->obfd, c->osyms, (unsigned)c->nosyms))
		return -1;
	for (unsigned i = 0; i < c->nsecs; i++) {
		struct xsec *x = &c->secs[i];
		if (!x->out)
			continue;
		if (x->n_out &&
		    !bfd_set_section_flags(x->out, bfd_section_flags(x->out) | SEC_RELOC))
			return -1;
		bfd_set_reloc(c->obfd, x->out, x->n_out ? x->out_ptrs : NULL, (unsigned)x->n_out);
	}
	/* Contents last: the first write lays the file out, relocation
	 * sections included. */
	for (unsigned i = 0; i < c->nsecs; i++) {
		struct xsec *x = &c->secs[i];
		if (x->out && (x->out->flags & SEC_HAS_CONTENTS) && x->size &&
		    !bfd_set_section_contents(c->obfd, x->out, x->data, 0, x->size))
			return -1;
	}
	return 0;
}

static int open_input(struct ctx *c)
{
	if (ksp_obj_open_bfd(c->req->post, &c->model, &c->in, c->err))
		return -1;
	c->nsecs = (unsigned)c->model.nsections;
	c->secs = calloc(c->nsecs + 1, sizeof(*c->secs));
	if (!c->secs)
		return ksp_fail(c->err, "out of memory");
	for (asection *s = c->in.abfd->sections; s; s = s->next)
		c->secs[s->index].in = s;
	return 0;
}

static int open_output(struct ctx *c, const char *out_path)
{
	c->obfd = bfd_openw(out_path, bfd_get_target(c->in.abfd));
	if (!c->obfd || !bfd_set_format(c->obfd, bfd_object) ||
	    !bfd_set_arch_mach(c->obfd, bfd_get_arch(c->in.abfd), bfd_get_mach(c->in.abfd)))
		return ksp_fail(c->err, "%s: cannot create: %s", out_path,
				bfd_errmsg(bfd_get_error()));
	size_t relocs = 0;
	for (unsigned i = 0; i < c->nsecs; i++)
		if (c->secs[i].in->flags & SEC_RELOC) {
			long b = bfd_get_reloc_upper_bound(c->in.abfd, c->secs[i].in);
			relocs += b > 0 ? (size_t)b / sizeof(arelent *) : 0;
		}
	c->cap = (size_t)c->in.nsyms + relocs + 2 * (size_t)c->nsecs + 1;
	c->osyms = calloc(c->cap + 1, sizeof(*c->osyms));
	return c->osyms ? 0 : ksp_fail(c->err, "out of memory");
}

static void free_ctx(struct ctx *c)
{
	for (unsigned i = 0; i < c->nsecs; i++) {
		struct xsec *x = &c->secs[i];
		free(x->data);
		free(x->in_relocs);
		free(x->out_relocs);
		free(x->out_ptrs);
		free(x->kept);
	}
	free(c->secs);
	free(c->sites);
	free(c->osyms);
	ksp_obj_bfd_close(&c->in);
	ksp_obj_free(&c->model);
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
}

int ksp_extract(const struct ksp_extract_req *req, const char *out_path,
		struct ksp_extract_result *res, struct ksp_error *err)
{
	struct ctx c = {.req = req, .res = res, .err = err};
	memset(res, 0, sizeof(*res));
	int rc = open_input(&c);
	for (size_t i = 0; !rc && i < req->nfunctions; i++)
		rc = mark_carried(&c, req->functions[i], 1);
	for (size_t i = 0; !rc && i < req->ndata; i++)
		rc = mark_carried(&c, req->data[i], 0);
	if (!rc) {
		pull_in_dependencies(&c);
		if (xt_filter_tables(&c))
			rc = ksp_fail(err, "out of memory");
		pull_in_dependencies(&c);
	}
	if (!rc && (xt_build_parallel(&c) || xt_collect_sites(&c)))
		rc = ksp_fail(err, "out of memory");
	if (!rc)
		rc = open_output(&c, out_path);
	if (!rc && (create_sections(&c) || copy_symbols(&c) || write_output(&c)))
		rc = c.reported ? -1
				: ksp_fail(err, "%s: cannot write: %s", out_path,
					   bfd_errmsg(bfd_get_error()));
	if (c.obfd && !bfd_close(c.obfd) && !rc)
		rc = ksp_fail(err, "%s: cannot write: %s", out_path, bfd_errmsg(bfd_get_error()));
	free_ctx(&c);
	if (rc) {
		remove(out_path);
		ksp_extract_result_free(res);
	}
	return rc;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void ksp_extract_result_free(struct ksp_extract_result *res)
{
	free_list(res->externals, res->nexternals);
	free_list(res->loader_symbols, res->nloader_symbols);
	free_list(res->anchors, res->nanchors);
	free(res->relocs);
	for (size_t i = 0; i < res->nearly; i++)
		free((char *)res->early[i].key); /* owned: no list keeps them */
	free(res->early);
	memset(res, 0, sizeof(*res));
}
