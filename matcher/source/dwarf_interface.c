/* An exported symbol's compiled interface, pre against post. */
#include "dwarf_interface.h"

#include "array.h"
#include "dwarf_die.h"
#include "strmap.h"

#include <dwarf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any chain of C types the kernel spells. */
#define MAX_DEPTH 64

struct side {
	struct ksp_dwarf d;
	struct ksp_strmap defs; /* "struct foo", "typedef u32", "symbol f" -> Dwarf_Die * */
};

struct cmp {
	struct side pre, post;
	struct ksp_strmap seen; /* keys of named types already queued */
	Dwarf_Die *queue;	/* named types of the pre object still to compare */
	size_t nqueue, cap;
	char *why;
	size_t why_len;
	struct ksp_error *err;
};

static int differ(struct cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int differ(struct cmp *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (c->why && c->why_len)
		vsnprintf(c->why, c->why_len, fmt, ap);
	va_end(ap);
	return 1;
}

static int out_of_memory(struct cmp *c)
{
	return ksp_fail(c->err, "out of memory");
}

/* ---- Indexing each object's file-scope entries ---- */

/* The entry that carries die's name and types: a concrete out-of-line copy
 * names its abstract origin, a definition may name its declaration. */
static Dwarf_Die origin_of(Dwarf_Die die)
{
	for (int n = 0; n < 8; n++) {
		Dwarf_Attribute a;
		Dwarf_Die to;
		if ((!dwarf_attr(&die, DW_AT_abstract_origin, &a) &&
		     !dwarf_attr(&die, DW_AT_specification, &a)) ||
		    !dwarf_formref_die(&a, &to))
			break;
		die = to;
	}
	return die;
}

static const char *kind_of(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
		return "struct";
	case DW_TAG_union_type:
		return "union";
	case DW_TAG_enumeration_type:
		return "enum";
	case DW_TAG_typedef:
		return "typedef";
	case DW_TAG_subprogram:
	case DW_TAG_variable:
		return "symbol";
	default:
		return NULL;
	}
}

/* Keeps die under "kind name", a definition before any declaration. */
static int index_entry(struct side *s, Dwarf_Die *raw)
{
	const char *kind = kind_of(dwarf_tag(raw));
	Dwarf_Die die = origin_of(*raw);
	const char *name = dwarf_diename(&die);
	if (!kind || !name)
		return 0;
	char key[512];
	int n = snprintf(key, sizeof(key), "%s %s", kind, name);
	if (n < 0 || (size_t)n >= sizeof(key))
		return 0;
	Dwarf_Die *had = ksp_strmap_get(&s->defs, key, (size_t)n);
	if (had && (ksp_dwarf_is_declaration(raw) || !ksp_dwarf_is_declaration(had)))
		return 0;
	Dwarf_Die *keep = malloc(sizeof(*keep));
	if (!keep)
		return -1;
	/* A symbol's types are on its origin; a type's definition is itself. */
	*keep = strcmp(kind, "symbol") == 0 ? die : *raw;
	if (ksp_strmap_put(&s->defs, key, (size_t)n, keep) < 0) {
		free(keep);
		return -1;
	}
	free(had);
	return 0;
}

static int index_side(struct side *s, struct ksp_error *err)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, die;
	while (dwarf_get_units(s->d.dw, cu, &cu, NULL, NULL, &cudie, NULL) == 0) {
		if (dwarf_child(&cudie, &die) != 0)
			continue;
		do {
			if (index_entry(s, &die) < 0)
				return ksp_fail(err, "out of memory");
		} while (dwarf_siblingof(&die, &die) == 0);
	}
	return 0;
}

static Dwarf_Die *lookup(const struct side *s, const char *kind, const char *name)
{
	char key[512];
	int n = snprintf(key, sizeof(key), "%s %s", kind, name);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return ksp_strmap_get(&s->defs, key, (size_t)n);
}

/* ---- Comparing ---- */

static int visit(struct cmp *c, Dwarf_Die *t, int depth);

static int visit_type_of(struct cmp *c, Dwarf_Die *die, int depth)
{
	Dwarf_Die t;
	return ksp_dwarf_type_of(die, &t) ? visit(c, &t, depth + 1) : 0;
}

/* Every child of die with tag (members, parameters): their types. */
static int visit_children(struct cmp *c, Dwarf_Die *die, int tag, int depth)
{
	Dwarf_Die m;
	if (dwarf_child(die, &m) != 0)
		return 0;
	do {
		int rc = dwarf_tag(&m) == tag ? visit_type_of(c, &m, depth) : 0;
		if (rc)
			return rc;
	} while (dwarf_siblingof(&m, &m) == 0);
	return 0;
}

/* Enumerators of enum t, in order, as "NAME=VALUE"; 0 with *n, or -1. */
static int enumerators(Dwarf_Die *t, char ***out, size_t *n)
{
	Dwarf_Die e;
	*out = NULL;
	*n = 0;
	if (dwarf_child(t, &e) != 0)
		return 0;
	do {
		Dwarf_Attribute a;
		Dwarf_Sword v = 0;
		if (dwarf_tag(&e) != DW_TAG_enumerator)
			continue;
		if (dwarf_attr(&e, DW_AT_const_value, &a))
			dwarf_formsdata(&a, &v);
		char **grown = realloc(*out, (*n + 1) * sizeof(**out));
		if (!grown)
			return -1;
		*out = grown;
		if (asprintf(&grown[*n], "%s=%lld", dwarf_diename(&e) ? dwarf_diename(&e) : "?",
			     (long long)v) < 0)
			return -1;
		(*n)++;
	} while (dwarf_siblingof(&e, &e) == 0);
	return 0;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int same_enum(struct cmp *c, Dwarf_Die *pre, Dwarf_Die *post, const char *label)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	int rc = 0;
	if (enumerators(pre, &a, &na) < 0 || enumerators(post, &b, &nb) < 0)
		rc = out_of_memory(c);
	for (size_t i = 0; !rc && i < na && i < nb; i++)
		if (strcmp(a[i], b[i]) != 0)
			rc = differ(c, "%s: enumerator %s became %s", label, a[i], b[i]);
	if (!rc && na != nb)
		rc = differ(c, "%s: %zu enumerators became %zu", label, na, nb);
	free_strings(a, na);
	free_strings(b, nb);
	return rc;
}

static int same_layout(struct cmp *c, Dwarf_Die *pre, Dwarf_Die *post, const char *label)
{
	struct ksp_layout a, b;
	if (ksp_dwarf_layout_of(&c->pre.d, pre, &a, c->err) < 0)
		return -1;
	if (ksp_dwarf_layout_of(&c->post.d, post, &b, c->err) < 0) {
		ksp_layout_free(&a);
		return -1;
	}
	char why[256];
	int rc = ksp_layout_compare(&a, &b, why, sizeof(why));
	ksp_layout_free(&a);
	ksp_layout_free(&b);
	return rc ? differ(c, "%s: %s", label, why) : 0;
}

static int is_aggregate(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

/* A struct, union or enum pre and its counterpart post (same tag), both
 * defined. */
static int same_definition(struct cmp *c, Dwarf_Die *pre, Dwarf_Die *post, const char *label)
{
	if (dwarf_tag(pre) != dwarf_tag(post))
		return differ(c, "%s changed kind", label);
	if (dwarf_tag(pre) == DW_TAG_enumeration_type)
		return same_enum(c, pre, post, label);
	return same_layout(c, pre, post, label);
}

/* Whether key was compared already; marks it. 1, 0, or -1. */
static int seen_before(struct cmp *c, const char *key)
{
	if (ksp_strmap_get(&c->seen, key, strlen(key)))
		return 1;
	return ksp_strmap_put(&c->seen, key, strlen(key), (void *)1) < 0 ? out_of_memory(c) : 0;
}

static int label_of(Dwarf_Die *t, char *label, size_t len)
{
	const char *kind = kind_of(dwarf_tag(t)), *name = dwarf_diename(t);
	if (!kind || !name)
		return -1;
	int n = snprintf(label, len, "%s %s", kind, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A named type is compared once, from the queue: the types reachable from
 * a kernel function's signature run to thousands, through chains too long
 * to follow by recursion. */
static int enqueue(struct cmp *c, Dwarf_Die *t)
{
	char label[512];
	if (label_of(t, label, sizeof(label)) < 0)
		return 0;
	int rc = seen_before(c, label);
	if (rc)
		return rc < 0 ? -1 : 0;
	Dwarf_Die *q = ksp_array_room(c->queue, &c->cap, c->nqueue, sizeof(*q), 64);
	if (!q)
		return out_of_memory(c);
	c->queue = q;
	q[c->nqueue++] = *t;
	return 0;
}

static int compare_tagged(struct cmp *c, Dwarf_Die *t)
{
	const char *kind = kind_of(dwarf_tag(t)), *name = dwarf_diename(t);
	char label[512];
	label_of(t, label, sizeof(label));
	Dwarf_Die *pre = lookup(&c->pre, kind, name);
	Dwarf_Die *post = lookup(&c->post, kind, name);
	Dwarf_Die *def = pre && !ksp_dwarf_is_declaration(pre) ? pre : t;
	if (ksp_dwarf_is_declaration(def))
		return 0;
	/* Defined on one side only: the other side merely declares it, so it
	 * cannot have reached into it. */
	int rc;
	if (post && !ksp_dwarf_is_declaration(post) && (rc = same_definition(c, def, post, label)))
		return rc;
	return is_aggregate(dwarf_tag(t)) ? visit_children(c, def, DW_TAG_member, 0) : 0;
}

static int visit_tagged(struct cmp *c, Dwarf_Die *t, int depth)
{
	if (dwarf_diename(t))
		return enqueue(c, t);
	/* Anonymous: its parent's spelling, or the typedef's pairing, covers
	 * it; the types it reaches remain. */
	return is_aggregate(dwarf_tag(t)) ? visit_children(c, t, DW_TAG_member, depth) : 0;
}

/* The typedef names the same type on both sides: spelled the same, and an
 * anonymous struct, union or enum it names laid out the same. */
static int same_typedef(struct cmp *c, Dwarf_Die *pre, Dwarf_Die *post, const char *label)
{
	Dwarf_Die ta, tb;
	int has_a = ksp_dwarf_type_of(pre, &ta), has_b = ksp_dwarf_type_of(post, &tb);
	char *a = ksp_dwarf_spell(has_a ? &ta : NULL), *b = ksp_dwarf_spell(has_b ? &tb : NULL);
	int rc = 0;
	if (!a || !b)
		rc = out_of_memory(c);
	else if (strcmp(a, b) != 0)
		rc = differ(c, "%s changed from '%s' to '%s'", label, a, b);
	else if (has_a && has_b && !dwarf_diename(&ta) &&
		 (is_aggregate(dwarf_tag(&ta)) || dwarf_tag(&ta) == DW_TAG_enumeration_type) &&
		 !ksp_dwarf_is_declaration(&ta) && !ksp_dwarf_is_declaration(&tb))
		rc = same_definition(c, &ta, &tb, label);
	free(a);
	free(b);
	return rc;
}

static int compare_typedef(struct cmp *c, Dwarf_Die *t)
{
	char label[512];
	label_of(t, label, sizeof(label));
	Dwarf_Die *post = lookup(&c->post, "typedef", dwarf_diename(t));
	int rc = post ? same_typedef(c, t, post, label) : 0;
	return rc ? rc : visit_type_of(c, t, 0);
}

static int visit_typedef(struct cmp *c, Dwarf_Die *t, int depth)
{
	return dwarf_diename(t) ? enqueue(c, t) : visit_type_of(c, t, depth);
}

static int compare_queued(struct cmp *c)
{
	while (c->nqueue) {
		Dwarf_Die t = c->queue[--c->nqueue];
		int rc = dwarf_tag(&t) == DW_TAG_typedef ? compare_typedef(c, &t)
							 : compare_tagged(c, &t);
		if (rc)
			return rc;
	}
	return 0;
}

/* Every named type reachable from type t (of the pre object), compared with
 * the post object's type of that name. */
static int visit(struct cmp *c, Dwarf_Die *t, int depth)
{
	if (depth > MAX_DEPTH)
		return ksp_failc(c->err, KSP_E_INPUT, "%s: types nested too deep", c->pre.d.path);
	switch (dwarf_tag(t)) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		return visit_tagged(c, t, depth);
	case DW_TAG_typedef:
		return visit_typedef(c, t, depth);
	case DW_TAG_subroutine_type: {
		int rc = visit_type_of(c, t, depth);
		return rc ? rc : visit_children(c, t, DW_TAG_formal_parameter, depth);
	}
	case DW_TAG_pointer_type:
	case DW_TAG_array_type:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		return visit_type_of(c, t, depth);
	default: /* base types: their spelling is their identity */
		return 0;
	}
}

/* ---- The symbol itself ---- */

/* The spelling of each formal parameter's type of function f, and whether
 * it takes more ("..."). */
static int parameter_types(Dwarf_Die *f, char ***out, size_t *n, int *varargs)
{
	Dwarf_Die p;
	*out = NULL;
	*n = 0;
	*varargs = 0;
	if (dwarf_child(f, &p) != 0)
		return 0;
	do {
		if (dwarf_tag(&p) == DW_TAG_unspecified_parameters)
			*varargs = 1;
		if (dwarf_tag(&p) != DW_TAG_formal_parameter)
			continue;
		Dwarf_Die t;
		char **grown = realloc(*out, (*n + 1) * sizeof(**out));
		if (!grown)
			return -1;
		*out = grown;
		if (!(grown[*n] = ksp_dwarf_spell(ksp_dwarf_type_of(&p, &t) ? &t : NULL)))
			return -1;
		(*n)++;
	} while (dwarf_siblingof(&p, &p) == 0);
	return 0;
}

static int same_parameters(struct cmp *c, Dwarf_Die *pre, Dwarf_Die *post)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0;
	int va = 0, vb = 0, rc = 0;
	if (parameter_types(pre, &a, &na, &va) < 0 || parameter_types(post, &b, &nb, &vb) < 0)
		rc = out_of_memory(c);
	for (size_t i = 0; !rc && i < na && i < nb; i++)
		if (strcmp(a[i], b[i]) != 0)
			rc = differ(c, "parameter %zu changed from '%s' to '%s'", i + 1, a[i],
				    b[i]);
	if (!rc && (na != nb || va != vb))
		rc = differ(c, "it took %zu parameters%s and takes %zu%s", na,
			    va ? " and more" : "", nb, vb ? " and more" : "");
	free_strings(a, na);
	free_strings(b, nb);
	return rc;
}

static int same_spelling(struct cmp *c, Dwarf_Die *pre, Dwarf_Die *post, const char *what)
{
	Dwarf_Die ta, tb;
	char *a = ksp_dwarf_spell(ksp_dwarf_type_of(pre, &ta) ? &ta : NULL);
	char *b = ksp_dwarf_spell(ksp_dwarf_type_of(post, &tb) ? &tb : NULL);
	int rc = 0;
	if (!a || !b)
		rc = out_of_memory(c);
	else if (strcmp(a, b) != 0)
		rc = differ(c, "%s changed from '%s' to '%s'", what, a, b);
	free(a);
	free(b);
	return rc;
}

static int same_symbol(struct cmp *c, Dwarf_Die *pre, Dwarf_Die *post)
{
	if (dwarf_tag(pre) != dwarf_tag(post))
		return differ(c, "it changed from a %s to a %s",
			      dwarf_tag(pre) == DW_TAG_subprogram ? "function" : "variable",
			      dwarf_tag(post) == DW_TAG_subprogram ? "function" : "variable");
	if (dwarf_tag(pre) == DW_TAG_variable) {
		int rc = same_spelling(c, pre, post, "its type");
		if (!rc)
			rc = visit_type_of(c, pre, 0);
		return rc ? rc : compare_queued(c);
	}
	int rc = same_spelling(c, pre, post, "its return type");
	if (!rc)
		rc = same_parameters(c, pre, post);
	if (!rc)
		rc = visit_type_of(c, pre, 0);
	if (!rc)
		rc = visit_children(c, pre, DW_TAG_formal_parameter, 0);
	return rc ? rc : compare_queued(c);
}

static int open_side(struct side *s, const char *path, struct ksp_error *err)
{
	if (ksp_dwarf_open(path, &s->d, err) < 0)
		return -1;
	return index_side(s, err);
}

static void close_side(struct side *s)
{
	ksp_strmap_free(&s->defs, free);
	ksp_dwarf_close(&s->d);
}

int ksp_dwarf_interface_compare(const char *pre_object, const char *post_object, const char *symbol,
				char *why, size_t why_len, struct ksp_error *err)
{
	struct cmp c = {.why = why, .why_len = why_len, .err = err};
	if (why && why_len)
		why[0] = '\0';
	int rc = -1;
	if (open_side(&c.pre, pre_object, err) == 0 && open_side(&c.post, post_object, err) == 0) {
		Dwarf_Die *pre = lookup(&c.pre, "symbol", symbol);
		Dwarf_Die *post = lookup(&c.post, "symbol", symbol);
		if (!pre || !post)
			ksp_failc(err, KSP_E_INPUT, "%s: no DWARF describes %s",
				  pre ? post_object : pre_object, symbol);
		else
			rc = same_symbol(&c, pre, post);
	}
	close_side(&c.pre);
	close_side(&c.post);
	ksp_strmap_free(&c.seen, NULL);
	free(c.queue);
	return rc;
}
