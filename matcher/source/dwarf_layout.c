/* Layouts of structs and unions from an object's DWARF, and whether one can
 * replace another under live objects. */
#include "dwarf_layout.h"

#include "array.h"
#include "dwarf_die.h"

#include <dwarf.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any C type the kernel spells; stops a malformed DWARF cycle. */
#define MAX_DEPTH 32

/* ---- Type strings ---- */

static char *spell(Dwarf_Die *t, char *decl, int depth);

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* base, then the declarator (consumed) if there is one: "int", "int *x". */
static char *around(const char *base, char *decl)
{
	if (!decl)
		return NULL;
	char *s = *decl ? format("%s %s", base, decl) : strdup(base);
	free(decl);
	return s;
}

/* "pre" decl "post", consuming decl. */
static char *wrap(const char *pre, char *decl, const char *post)
{
	if (!decl)
		return NULL;
	char *s = format("%s%s%s", pre, decl, post);
	free(decl);
	return s;
}

static int type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_attr(die, DW_AT_type, &a) && dwarf_formref_die(&a, out) ? 1 : 0;
}

int ksp_dwarf_type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	return type_of(die, out);
}

static int tag_of(Dwarf_Die *die)
{
	return die ? dwarf_tag(die) : DW_TAG_unspecified_type;
}

/* "[4]" per dimension of array t; "[]" for one without bounds. */
static char *dimensions(Dwarf_Die *t)
{
	char *s = strdup("");
	Dwarf_Die sub;
	if (dwarf_child(t, &sub) != 0)
		return s;
	do {
		if (!s || dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		Dwarf_Attribute a;
		Dwarf_Sword n;
		char *next;
		if (dwarf_attr(&sub, DW_AT_count, &a) && dwarf_formsdata(&a, &n) == 0)
			next = format("%s[%lld]", s, (long long)n);
		else if (dwarf_attr(&sub, DW_AT_upper_bound, &a) && dwarf_formsdata(&a, &n) == 0)
			next = format("%s[%lld]", s, (long long)n + 1);
		else
			next = format("%s[]", s);
		free(s);
		s = next;
	} while (dwarf_siblingof(&sub, &sub) == 0);
	return s;
}

static char *spell_array(Dwarf_Die *t, char *decl, int depth)
{
	char *dims = dimensions(t);
	if (!dims) {
		free(decl);
		return NULL;
	}
	char *inner = wrap("", decl, dims);
	free(dims);
	Dwarf_Die elem;
	return spell(type_of(t, &elem) ? &elem : NULL, inner, depth + 1);
}

/* "(struct sock *, int)", "(void)", "(const char *, ...)", "()". */
static char *parameters(Dwarf_Die *t, int depth)
{
	char *s = strdup("");
	Dwarf_Die p;
	int n = 0;
	if (dwarf_child(t, &p) == 0) {
		do {
			char *one = NULL;
			Dwarf_Die pt;
			if (dwarf_tag(&p) == DW_TAG_formal_parameter)
				one = spell(type_of(&p, &pt) ? &pt : NULL, strdup(""), depth + 1);
			else if (dwarf_tag(&p) == DW_TAG_unspecified_parameters)
				one = strdup("...");
			else
				continue;
			char *next = s && one ? format("%s%s%s", s, n++ ? ", " : "", one) : NULL;
			free(one);
			free(s);
			s = next;
		} while (s && dwarf_siblingof(&p, &p) == 0);
	}
	if (s && n == 0 && dwarf_hasattr(t, DW_AT_prototyped)) {
		free(s);
		s = strdup("void");
	}
	char *all = s ? format("(%s)", s) : NULL;
	free(s);
	return all;
}

static char *spell_function(Dwarf_Die *t, char *decl, int depth)
{
	char *params = parameters(t, depth);
	if (!params) {
		free(decl);
		return NULL;
	}
	char *inner = wrap("", decl, params);
	free(params);
	Dwarf_Die ret;
	return spell(type_of(t, &ret) ? &ret : NULL, inner, depth + 1);
}

static char *spell_pointer(Dwarf_Die *t, char *decl, int depth)
{
	Dwarf_Die to;
	Dwarf_Die *target = type_of(t, &to) ? &to : NULL;
	int tag = tag_of(target);
	if (tag == DW_TAG_array_type || tag == DW_TAG_subroutine_type)
		return spell(target, wrap("(*", decl, ")"), depth + 1);
	return spell(target, wrap("*", decl, ""), depth + 1);
}

static int is_qualifier(Dwarf_Die *t)
{
	int tag = tag_of(t);
	return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

/* The qualifiers of a chain of them, in one order whatever order the
 * compiler nested them in: "const volatile". */
static void qualifiers(Dwarf_Die *t, char *q, size_t len, Dwarf_Die *rest, Dwarf_Die **target)
{
	static const struct {
		int tag;
		const char *word;
	} words[] = {
		{DW_TAG_const_type, "const"},
		{DW_TAG_volatile_type, "volatile"},
		{DW_TAG_restrict_type, "restrict"},
		{DW_TAG_atomic_type, "_Atomic"},
	};
	unsigned seen = 0;
	*rest = *t;
	*target = rest;
	for (int n = 0; n < MAX_DEPTH && *target && is_qualifier(*target); n++) {
		for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (words[i].tag == dwarf_tag(*target))
				seen |= 1u << i;
		if (!type_of(*target, rest))
			*target = NULL;
	}
	q[0] = '\0';
	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (seen & (1u << i))
			snprintf(q + strlen(q), len - strlen(q), "%s%s", *q ? " " : "",
				 words[i].word);
}

/* A qualified pointer is qualified after its star ("char *const"); anything
 * else before its type ("const int", "volatile unsigned long [2]"). */
static char *spell_qualified(Dwarf_Die *t, char *decl, int depth)
{
	char q[64];
	Dwarf_Die rest;
	Dwarf_Die *target;
	qualifiers(t, q, sizeof(q), &rest, &target);
	if (tag_of(target) == DW_TAG_pointer_type) {
		char *inner = !decl ? NULL : *decl ? format("%s %s", q, decl) : strdup(q);
		free(decl);
		return spell(target, inner, depth + 1);
	}
	char *s = spell(target, decl, depth + 1);
	char *all = s ? format("%s %s", q, s) : NULL;
	free(s);
	return all;
}

static char *member_decl(Dwarf_Die *m, int depth);

/* An anonymous struct or union, spelled with its members, since no name
 * stands for its layout: "struct { int a; unsigned int b: 3; }". */
static char *spell_body(Dwarf_Die *t, const char *kind, int depth)
{
	char *s = format("%s {", kind);
	Dwarf_Die m;
	if (s && dwarf_child(t, &m) == 0) {
		do {
			if (dwarf_tag(&m) != DW_TAG_member)
				continue;
			char *one = member_decl(&m, depth + 1);
			char *next = one ? format("%s %s;", s, one) : NULL;
			free(one);
			free(s);
			s = next;
		} while (s && dwarf_siblingof(&m, &m) == 0);
	}
	char *all = s ? format("%s }", s) : NULL;
	free(s);
	return all;
}

static char *spell_tagged(Dwarf_Die *t, const char *kind, char *decl, int depth)
{
	const char *name = dwarf_diename(t);
	char *base;
	if (name)
		base = format("%s %s", kind, name);
	else if (strcmp(kind, "enum") == 0)
		base = strdup("enum { ... }");
	else
		base = spell_body(t, kind, depth);
	if (!base) {
		free(decl);
		return NULL;
	}
	char *s = around(base, decl);
	free(base);
	return s;
}

/* The C spelling of type t (NULL: void) around declarator decl, which it
 * consumes: "int", "struct net_device *", "int (*)(struct sock *, int)".
 * NULL if out of memory. */
static char *spell(Dwarf_Die *t, char *decl, int depth)
{
	if (!decl)
		return NULL;
	if (!t)
		return around("void", decl);
	if (depth > MAX_DEPTH)
		return around("...", decl);
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
	case DW_TAG_unspecified_type:
		return around(dwarf_diename(t) ? dwarf_diename(t) : "?", decl);
	case DW_TAG_structure_type:
		return spell_tagged(t, "struct", decl, depth);
	case DW_TAG_union_type:
		return spell_tagged(t, "union", decl, depth);
	case DW_TAG_enumeration_type:
		return spell_tagged(t, "enum", decl, depth);
	case DW_TAG_pointer_type:
		return spell_pointer(t, decl, depth);
	case DW_TAG_array_type:
		return spell_array(t, decl, depth);
	case DW_TAG_subroutine_type:
		return spell_function(t, decl, depth);
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		return spell_qualified(t, decl, depth);
	default: {
		char base[32];
		snprintf(base, sizeof(base), "<tag 0x%x>", (unsigned)dwarf_tag(t));
		return around(base, decl);
	}
	}
}

char *ksp_dwarf_spell(Dwarf_Die *t)
{
	return spell(t, strdup(""), 0);
}

char *ksp_dwarf_spell_function(Dwarf_Die *f)
{
	return spell_function(f, strdup(""), 0);
}

static char *type_string(Dwarf_Die *m)
{
	Dwarf_Die t;
	return ksp_dwarf_spell(type_of(m, &t) ? &t : NULL);
}

/* A member as declared: "int a", "unsigned int b: 3", "struct { ... }". */
static char *member_decl(Dwarf_Die *m, int depth)
{
	Dwarf_Die t;
	const char *name = dwarf_diename(m);
	char *s = spell(type_of(m, &t) ? &t : NULL, strdup(name ? name : ""), depth);
	Dwarf_Attribute a;
	Dwarf_Word bits;
	if (s && dwarf_attr(m, DW_AT_bit_size, &a) && dwarf_formudata(&a, &bits) == 0) {
		char *b = format("%s: %llu", s, (unsigned long long)bits);
		free(s);
		s = b;
	}
	return s;
}

/* ---- Member locations ---- */

struct walk {
	struct ksp_layout *out;
	size_t cap;
	int big_endian;
	const char *object;
	struct ksp_error *err;
};

/* DW_AT_data_member_location: a constant, or (DWARF 2) DW_OP_plus_uconst. */
static int member_location(struct walk *w, Dwarf_Die *m, Dwarf_Word *loc)
{
	Dwarf_Attribute a;
	*loc = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &a))
		return 0;
	if (dwarf_formudata(&a, loc) == 0)
		return 0;
	Dwarf_Op *ops;
	size_t n;
	if (dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
		*loc = ops[0].number;
		return 0;
	}
	return ksp_failc(w->err, KSP_E_INPUT, "%s: member '%s' has a location this cannot read",
			 w->object, dwarf_diename(m) ? dwarf_diename(m) : "?");
}

static Dwarf_Word bytes_of(Dwarf_Die *m)
{
	Dwarf_Die t;
	Dwarf_Word size;
	if (!type_of(m, &t) || dwarf_aggregate_size(&t, &size) != 0)
		return 0;
	return size;
}

/* The first bit of member m, counted from the start of its struct (base
 * bits in), least significant bit of each byte first, and its bit-field
 * width (0 if it is not one). DW_AT_bit_offset (DWARF 2-4) counts from the
 * most significant bit of the storage unit; DW_AT_data_bit_offset (DWARF 4-5)
 * is already this. */
static int member_bits(struct walk *w, Dwarf_Die *m, Dwarf_Word base, Dwarf_Word *pos,
		       unsigned *width)
{
	Dwarf_Attribute a;
	Dwarf_Word v = 0, loc;
	if (!dwarf_attr(m, DW_AT_bit_size, &a) || dwarf_formudata(&a, &v) != 0)
		v = 0;
	*width = (unsigned)v;
	if (dwarf_attr(m, DW_AT_data_bit_offset, &a) && dwarf_formudata(&a, &v) == 0) {
		*pos = base + v;
		return 0;
	}
	if (member_location(w, m, &loc) < 0)
		return -1;
	*pos = base + loc * 8;
	Dwarf_Sword from_msb;
	if (!*width || !dwarf_attr(m, DW_AT_bit_offset, &a) || dwarf_formsdata(&a, &from_msb) != 0)
		return 0;
	Dwarf_Word unit = 0;
	if (!dwarf_attr(m, DW_AT_byte_size, &a) || dwarf_formudata(&a, &unit) != 0)
		unit = bytes_of(m);
	if (w->big_endian)
		*pos += (Dwarf_Word)from_msb;
	else
		*pos += unit * 8 - (Dwarf_Word)from_msb - *width;
	return 0;
}

static int add_leaf(struct walk *w, Dwarf_Die *m, const char *name, Dwarf_Word pos, unsigned width)
{
	struct ksp_layout *l = w->out;
	struct ksp_layout_member *v = ksp_array_room(l->members, &w->cap, l->count, sizeof(*v), 16);
	if (!v)
		return ksp_fail(w->err, "out of memory");
	l->members = v;
	struct ksp_layout_member *leaf = &v[l->count];
	*leaf = (struct ksp_layout_member){
		.name = strdup(name),
		.type = type_string(m),
		.offset = pos / 8,
		.bit_offset = width ? (unsigned)(pos % 8) : 0,
		.bit_size = width,
		.size = bytes_of(m),
	};
	l->count++;
	if (!leaf->name || !leaf->type)
		return ksp_fail(w->err, "out of memory");
	return 0;
}

/* Appends the members of struct or union t, base bits into the outermost
 * type, flattening anonymous struct and union members. */
static int walk_members(struct walk *w, Dwarf_Die *t, Dwarf_Word base, int depth)
{
	Dwarf_Die m;
	if (depth > MAX_DEPTH)
		return ksp_failc(w->err, KSP_E_INPUT, "%s: types nested too deep", w->object);
	if (dwarf_child(t, &m) != 0)
		return 0;
	do {
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		Dwarf_Word pos;
		unsigned width;
		if (member_bits(w, &m, base, &pos, &width) < 0)
			return -1;
		const char *name = dwarf_diename(&m);
		Dwarf_Die mt, peeled;
		if (name) {
			if (add_leaf(w, &m, name, pos, width) < 0)
				return -1;
		} else if (type_of(&m, &mt) && dwarf_peel_type(&mt, &peeled) == 0 &&
			   (dwarf_tag(&peeled) == DW_TAG_structure_type ||
			    dwarf_tag(&peeled) == DW_TAG_union_type)) {
			if (walk_members(w, &peeled, pos, depth + 1) < 0)
				return -1;
		}
		/* Any other unnamed member is an unnamed bit-field: padding. */
	} while (dwarf_siblingof(&m, &m) == 0);
	return 0;
}

/* ---- Finding the type ---- */

int ksp_dwarf_is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	bool decl = false;
	return dwarf_attr(die, DW_AT_declaration, &a) && dwarf_formflag(&a, &decl) == 0 && decl;
}

static int is_definition(Dwarf_Die *die, int tag, const char *name)
{
	const char *n = dwarf_diename(die);
	if (dwarf_tag(die) != tag || !n || strcmp(n, name) != 0)
		return 0;
	return !ksp_dwarf_is_declaration(die);
}

/* The first file-scope definition of tag name in dw, into out: 1, 0 if
 * none. */
static int find_type(Dwarf *dw, int tag, const char *name, Dwarf_Die *out)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, die;
	while (dwarf_get_units(dw, cu, &cu, NULL, NULL, &cudie, NULL) == 0) {
		if (dwarf_child(&cudie, &die) != 0)
			continue;
		do {
			if (is_definition(&die, tag, name)) {
				*out = die;
				return 1;
			}
		} while (dwarf_siblingof(&die, &die) == 0);
	}
	return 0;
}

static int parse_type(const char *type, int *tag, const char **name)
{
	if (strncmp(type, "struct ", 7) == 0) {
		*tag = DW_TAG_structure_type;
		*name = type + 7;
	} else if (strncmp(type, "union ", 6) == 0) {
		*tag = DW_TAG_union_type;
		*name = type + 6;
	} else {
		return -1;
	}
	while (**name == ' ')
		(*name)++;
	return **name ? 0 : -1;
}

static int read_layout(struct walk *w, Dwarf_Die *t)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	if (!dwarf_attr(t, DW_AT_byte_size, &a) || dwarf_formudata(&a, &v) != 0)
		return ksp_failc(w->err, KSP_E_INPUT, "%s: %s has no size", w->object,
				 dwarf_diename(t) ? dwarf_diename(t) : "an anonymous type");
	w->out->size = v;
	if (dwarf_attr(t, DW_AT_alignment, &a) && dwarf_formudata(&a, &v) == 0)
		w->out->align = v;
	return walk_members(w, t, 0, 0);
}

int ksp_dwarf_layout_of(const struct ksp_dwarf *d, Dwarf_Die *t, struct ksp_layout *out,
			struct ksp_error *err)
{
	*out = (struct ksp_layout){0};
	struct walk w = {.out = out, .object = d->path, .big_endian = d->big_endian, .err = err};
	if (read_layout(&w, t) == 0)
		return 0;
	ksp_layout_free(out);
	return -1;
}

/* The object carries its own DWARF: never look for separate debug info
 * (nor ask a debuginfod server). */
static int own_dwarf_only(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

/* libdwfl, not a bare dwarf_begin: for an ET_REL object it applies the
 * relocations of the debug sections (a .o's string and type references are
 * addends of relocations; unrelocated, every name reads as the first
 * string). */
static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = own_dwarf_only,
	.section_address = dwfl_offline_section_address,
};

static int big_endian(Dwfl_Module *mod)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	GElf_Ehdr eh;
	return elf && gelf_getehdr(elf, &eh) && eh.e_ident[EI_DATA] == ELFDATA2MSB;
}

int ksp_dwarf_open(const char *path, struct ksp_dwarf *d, struct ksp_error *err)
{
	*d = (struct ksp_dwarf){.path = path};
	d->dwfl = dwfl_begin(&offline_callbacks);
	if (!d->dwfl)
		return ksp_failc(err, KSP_E_INTERNAL, "libdwfl: %s", dwfl_errmsg(-1));
	Dwfl_Module *mod = dwfl_report_offline(d->dwfl, path, path, -1);
	Dwarf_Addr bias;
	if (!mod || dwfl_report_end(d->dwfl, NULL, NULL) != 0)
		ksp_failc(err, KSP_E_INPUT, "%s: %s", path, dwfl_errmsg(-1));
	else if (!(d->dw = dwfl_module_getdwarf(mod, &bias)))
		ksp_failc(err, KSP_E_INPUT, "%s: no DWARF: %s", path, dwfl_errmsg(-1));
	if (!d->dw) {
		ksp_dwarf_close(d);
		return -1;
	}
	d->big_endian = big_endian(mod);
	return 0;
}

void ksp_dwarf_close(struct ksp_dwarf *d)
{
	if (d->dwfl)
		dwfl_end(d->dwfl);
	*d = (struct ksp_dwarf){0};
}

int ksp_dwarf_layout_load(const char *object_path, const char *type, struct ksp_layout *out,
			  struct ksp_error *err)
{
	*out = (struct ksp_layout){0};
	int tag;
	const char *name;
	if (parse_type(type, &tag, &name) < 0)
		return ksp_failc(err, KSP_E_INTERNAL,
				 "'%s' is not \"struct NAME\" or \"union NAME\"", type);
	struct ksp_dwarf d;
	if (ksp_dwarf_open(object_path, &d, err) < 0)
		return -1;
	Dwarf_Die t;
	int rc = 0;
	if (find_type(d.dw, tag, name, &t))
		rc = ksp_dwarf_layout_of(&d, &t, out, err) < 0 ? -1 : 1;
	ksp_dwarf_close(&d);
	return rc;
}

void ksp_layout_free(struct ksp_layout *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->members[i].name);
		free(l->members[i].type);
	}
	free(l->members);
	*l = (struct ksp_layout){0};
}

/* ---- Comparison ---- */

static int refuse(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (why && len)
		vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return 1;
}

/* The member of l called name, looked for from index hint on (members
 * mostly keep their order), or NULL. */
static const struct ksp_layout_member *find_member(const struct ksp_layout *l, const char *name,
						   size_t hint)
{
	for (size_t k = 0; k < l->count; k++) {
		const struct ksp_layout_member *m = &l->members[(hint + k) % l->count];
		if (strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

static unsigned long long first_bit(const struct ksp_layout_member *m)
{
	return (unsigned long long)m->offset * 8 + m->bit_offset;
}

static unsigned long long end_bit(const struct ksp_layout_member *m)
{
	return first_bit(m) + (m->bit_size ? m->bit_size : (unsigned long long)m->size * 8);
}

static int same_member(const struct ksp_layout_member *a, const struct ksp_layout_member *b,
		       char *why, size_t len)
{
	if (strcmp(a->type, b->type) != 0)
		return refuse(why, len, "member '%s' changed type from '%s' to '%s'", a->name,
			      a->type, b->type);
	if (a->size != b->size)
		return refuse(why, len, "member '%s' changed size from %lu to %lu", a->name,
			      a->size, b->size);
	if (first_bit(a) != first_bit(b) && (a->bit_size || b->bit_size))
		return refuse(why, len,
			      "member '%s' moved from offset %lu bit %u to offset %lu bit %u",
			      a->name, a->offset, a->bit_offset, b->offset, b->bit_offset);
	if (first_bit(a) != first_bit(b))
		return refuse(why, len, "member '%s' moved from offset %lu to %lu", a->name,
			      a->offset, b->offset);
	if (a->bit_size != b->bit_size)
		return refuse(why, len, "member '%s' changed bit size from %u to %u", a->name,
			      a->bit_size, b->bit_size);
	return 0;
}

/* Whether bits [from, to) all lie in members of l. */
static int covered(const struct ksp_layout *l, unsigned long long from, unsigned long long to)
{
	while (from < to) {
		unsigned long long reach = from;
		for (size_t i = 0; i < l->count; i++) {
			const struct ksp_layout_member *m = &l->members[i];
			if (first_bit(m) <= from && end_bit(m) > reach)
				reach = end_bit(m);
		}
		if (reach == from)
			return 0;
		from = reach;
	}
	return 1;
}

static int aliases_only(const struct ksp_layout *pre, const struct ksp_layout_member *m, char *why,
			size_t len)
{
	if (end_bit(m) == first_bit(m))
		return refuse(why, len,
			      "new member '%s' at offset %lu has no size of its own (a flexible "
			      "or zero-length array)",
			      m->name, m->offset);
	if (covered(pre, first_bit(m), end_bit(m)))
		return 0;
	if (m->bit_size)
		return refuse(why, len,
			      "new member '%s' at offset %lu bit %u uses storage no existing "
			      "member used (padding or new space)",
			      m->name, m->offset, m->bit_offset);
	return refuse(why, len,
		      "new member '%s' at offset %lu uses storage no existing member used "
		      "(padding or new space)",
		      m->name, m->offset);
}

int ksp_layout_compare(const struct ksp_layout *pre, const struct ksp_layout *post, char *why,
		       size_t why_len)
{
	for (size_t i = 0; i < pre->count; i++) {
		const struct ksp_layout_member *a = &pre->members[i];
		const struct ksp_layout_member *b = find_member(post, a->name, i);
		if (!b)
			return refuse(why, why_len, "member '%s' removed", a->name);
		if (same_member(a, b, why, why_len))
			return 1;
	}
	if (pre->size != post->size)
		return refuse(why, why_len, "size changed from %lu to %lu", pre->size, post->size);
	if (pre->align != post->align)
		return refuse(why, why_len, "alignment changed from %lu to %lu", pre->align,
			      post->align);
	for (size_t i = 0; i < post->count; i++) {
		const struct ksp_layout_member *b = &post->members[i];
		if (!find_member(pre, b->name, i) && aliases_only(pre, b, why, why_len))
			return 1;
	}
	if (why && why_len)
		why[0] = '\0';
	return 0;
}
