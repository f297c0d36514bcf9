#include "header_skip.h"
#include "fileio.h"
#include "hdr_change.h"
#include "include_graph.h"
#include "macro_names.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct skip_run {
	struct ksp_hindex *ix;
	struct ksp_pp_facts *facts; /* per object */
	unsigned char *have;	    /* facts[i] loaded (fresh entry) */
	size_t n;
	/* Macros that write a __COUNTER__ number into code (see
	 * numbers_from_counter), listed once per run. */
	struct ksp_strlist number_writers;
	const struct ksp_changed_text *changed;
	size_t nchanged;
	FILE *log;
	/* The names a macro could have in some object (macro_names.h), made
	 * when an identifier no reader saw is first asked about: 1 made, -1
	 * could not be (such identifiers then fall back), 0 not asked yet. */
	struct ksp_macro_names defined;
	int defined_state;
};

/* The files a changed header's added or removed #include lines name, as
 * every object finds them; unresolved if one cannot be named for all. */
struct include_files {
	struct ksp_strlist paths; /* tree-relative */
	int unresolved;
};

/* Whether any object that may read the header saw the identifier. */
static int seen_by_a_reader(const struct skip_run *r, const char *name, size_t len)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->have[i] && ksp_bloom_has(&r->facts[i].seen, name, len))
			return 1;
	return 0;
}

/* The tree's macro names, and those the patch's new texts #define (it may
 * add "#define X" to any file). A changed file whose new text is unknown
 * may define anything: then the set is not used. 1, or -1 logged. */
static int make_defined(struct skip_run *r)
{
	struct ksp_error err = {0};
	const struct ksp_hindex *ix = r->ix;
	if (ksp_macro_names_load(ksp_hindex_tree(ix), ksp_hindex_dir(ix), &r->defined, &err)) {
		if (r->log)
			fprintf(r->log,
				"header index: cannot list the tree's macro names (%s): "
				"identifiers "
				"no reader saw are taken for macros\n",
				err.msg);
		return -1;
	}
	for (size_t k = 0; k < r->nchanged; k++) {
		const struct ksp_changed_text *t = &r->changed[k];
		if (!t->post || ksp_macro_names_add_defines(&r->defined, t->post, t->post_len)) {
			if (r->log)
				fprintf(r->log,
					"header index: %s: its new #define lines are unknown: "
					"identifiers no reader saw are taken for macros\n",
					t->path);
			return -1;
		}
	}
	if (r->log)
		fprintf(r->log,
			"header index: %zu names #defined in the %zu files of the tree (%s) or "
			"by the patch\n",
			r->defined.n, r->defined.files, r->defined.read ? "read now" : "kept");
	return 1;
}

/* Whether the identifier cannot hide a macro (ksp_ident_not_macro_fn):
 * some reader saw it (a macro it used is in the lookup's table), or nothing
 * any object could read defines it. */
static int not_a_macro(void *ctx, const char *name, size_t len)
{
	struct skip_run *r = ctx;
	if (seen_by_a_reader(r, name, len))
		return 1;
	if (!r->defined_state)
		r->defined_state = make_defined(r);
	return r->defined_state > 0 && !ksp_macro_names_has(&r->defined, name, len);
}

static int lookup_macro(void *ctx, const char *name, size_t len, const char **def)
{
	const struct skip_run *r = ctx;
	return ksp_hindex_macro(r->ix, name, len, def);
}

static int is_header(const char *path)
{
	size_t n = strlen(path);
	return n > 2 && !strcmp(path + n - 2, ".h");
}

static void describe(FILE *log, const char *path, const struct ksp_hdr_change *c,
		     const struct include_files *inc)
{
	if (!log)
		return;
	if (c->fallback) {
		fprintf(log, "header index: %s: its readers are screened (%s)\n", path, c->why);
		return;
	}
	fprintf(log, "header index: %s: %zu changed macro%s, %zu declared name%s", path, c->nmacros,
		c->nmacros == 1 ? "" : "s", c->ndeclared, c->ndeclared == 1 ? "" : "s");
	for (size_t i = 0; i < c->nmacros && i < 8; i++)
		fprintf(log, "%s%s", i ? " " : " (macros: ", c->macros[i]);
	fputs(c->nmacros ? ")" : "", log);
	for (size_t i = 0; i < c->ndeclared && i < 8; i++)
		fprintf(log, "%s%s", i ? " " : " (names: ", c->declared[i]);
	fputs(c->ndeclared ? ")" : "", log);
	if (c->first_shifted_line)
		fprintf(log, ", lines shift from %u", c->first_shifted_line);
	if (c->counter_shift)
		fputs(", __COUNTER__ numbers shift", log);
	for (size_t i = 0; i < c->nincludes; i++)
		fprintf(log, "%s%s", i ? " " : ", #include lines changed: ", c->includes[i]);
	if (inc->unresolved)
		fputs(" (a file not the same for every reader, or unguarded: all screened)", log);
	fputc('\n', log);
}

static int analyze(struct skip_run *r, const struct ksp_changed_text *t, struct ksp_hdr_change *c,
		   struct ksp_error *err)
{
	memset(c, 0, sizeof(*c));
	if (!is_header(t->path) || !t->pre || !t->post) {
		c->fallback = 1;
		snprintf(c->why, sizeof(c->why), "%s",
			 is_header(t->path) ? "the header is created or deleted" : "not a header");
		return 0;
	}
	return ksp_hdr_change_analyze(t->pre, t->pre_len, t->post, t->post_len, lookup_macro,
				      not_a_macro, r, c, err);
}

/* The macros that write a __COUNTER__ number into code
 * (instrumentation_begin()'s asm label, annotate_unreachable()): a shifted
 * counter changes such text, which screening compares. The index names
 * every macro a definition of which uses __COUNTER__; of those, the ones
 * that only make names are left out: screening hashes those names without
 * the number (pp_strip_counter), and the BTF and initcall names also carry
 * their line or module. */
static int list_number_writers(struct skip_run *r)
{
	static const char *const name_makers[] = {"__UNIQUE_ID", "compiletime_assert",
						  "__initcall_id", "__ID"};
	const struct ksp_strlist *users = ksp_hindex_counter_macros(r->ix);
	for (size_t i = 0; i < users->n; i++) {
		int maker = 0;
		for (size_t k = 0; k < sizeof(name_makers) / sizeof(*name_makers); k++)
			maker |= !strcmp(users->v[i], name_makers[k]);
		if (!maker &&
		    ksp_strlist_push(&r->number_writers, users->v[i], strlen(users->v[i])))
			return -1;
	}
	return 0;
}

/* Whether the object used one of them. */
static int numbers_from_counter(const struct skip_run *r, const struct ksp_pp_facts *f)
{
	for (size_t i = 0; i < r->number_writers.n; i++)
		if (ksp_bloom_has(&f->seen, r->number_writers.v[i], strlen(r->number_writers.v[i])))
			return 1;
	return 0;
}

static int tree_file(void *root, const char *rel)
{
	char path[8400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", (const char *)root, rel);
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* Where "#include inc" ("name" or <name>) in header finds its file, the
 * same for every object: "name" beside the header, <name> in the kernel's
 * -I list. 0 with out, 1 if not found so. */
static int find_include(const char *root, const char *header, const char *inc, char *out,
			size_t cap)
{
	return !ksp_include_resolve(header, inc + 1, strlen(inc) - 2, inc[0] == '"', 1, tree_file,
				    (void *)root, out, cap);
}

/* A file the patch leaves alone, wrapped in an include guard: including it
 * again does nothing. */
static int guarded_unchanged(const char *root, const char *rel,
			     const struct ksp_changed_text *changed, size_t nchanged)
{
	for (size_t k = 0; k < nchanged; k++)
		if (!strcmp(changed[k].path, rel))
			return 0;
	char path[8400];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	struct ksp_error err;
	unsigned char *text = NULL;
	size_t len;
	if (ksp_read_file(path, 0, &text, &len, &err))
		return 0;
	int guarded = ksp_hdr_include_guarded((char *)text, len);
	free(text);
	return guarded == 1;
}

static int resolve_includes(const char *root, const struct ksp_changed_text *t,
			    const struct ksp_hdr_change *c, const struct ksp_changed_text *changed,
			    size_t nchanged, struct include_files *out)
{
	for (size_t i = 0; i < c->nincludes && !out->unresolved; i++) {
		char rel[1024];
		out->unresolved = find_include(root, t->path, c->includes[i], rel, sizeof(rel)) ||
				  !guarded_unchanged(root, rel, changed, nchanged);
		if (!out->unresolved && ksp_strlist_push(&out->paths, rel, strlen(rel)))
			return -1;
	}
	return 0;
}

/* An added or removed #include of a guarded file changes nothing for an
 * object that entered that file before this header (facts list files in
 * the order the object first entered them): its guard is defined there. */
static int includes_unaltered(const struct ksp_pp_facts *f, const struct ksp_pp_file_read *read,
			      const struct include_files *inc)
{
	if (inc->unresolved)
		return 0;
	for (size_t i = 0; i < inc->paths.n; i++) {
		const struct ksp_pp_file_read *x = ksp_pp_facts_file(f, inc->paths.v[i]);
		if (!x || x > read || x->max_line_value == KSP_PP_FILE_INPUT)
			return 0;
	}
	return 1;
}

/* Whether the change of one header leaves an object that read it as it
 * was (see header_skip.h). */
static int unaltered_by(const struct skip_run *r, const struct ksp_pp_facts *f,
			const struct ksp_pp_file_read *read, const struct ksp_hdr_change *c,
			const struct include_files *inc)
{
	if (c->fallback || read->max_line_value == KSP_PP_FILE_INPUT ||
	    !includes_unaltered(f, read, inc))
		return 0;
	if (c->counter_shift && numbers_from_counter(r, f))
		return 0;
	for (size_t i = 0; i < c->nmacros; i++)
		if (ksp_bloom_has(&f->seen, c->macros[i], strlen(c->macros[i])))
			return 0;
	for (size_t i = 0; i < c->ndeclared; i++)
		if (ksp_bloom_has(&f->refs, c->declared[i], strlen(c->declared[i])))
			return 0;
	return !c->first_shifted_line || read->max_line_value < c->first_shifted_line;
}

/* 1 if object i is known unaltered; counts why. */
static int judge(const struct skip_run *r, size_t i, const struct ksp_changed_text *changed,
		 const struct ksp_hdr_change *change, const struct include_files *inc,
		 size_t nchanged, struct ksp_skip_stats *st)
{
	int reads = 0;
	for (size_t k = 0; k < nchanged; k++) {
		const struct ksp_pp_file_read *read =
			ksp_pp_facts_file(&r->facts[i], changed[k].path);
		if (!read)
			continue;
		reads = 1;
		if (!unaltered_by(r, &r->facts[i], read, &change[k], &inc[k]))
			return 0;
	}
	st->unread += !reads;
	st->unaltered += reads;
	return reads ? 2 : 1;
}

int ksp_header_skip(struct ksp_hindex *ix, const char *const *objects, size_t n,
		    const struct ksp_changed_text *changed, size_t nchanged, unsigned char *skip,
		    struct ksp_skip_stats *st, FILE *log, struct ksp_error *err)
{
	struct skip_run r = {.ix = ix,
			     .facts = calloc(n + 1, sizeof(*r.facts)),
			     .have = calloc(n + 1, 1),
			     .n = n,
			     .changed = changed,
			     .nchanged = nchanged,
			     .log = log};
	struct ksp_hdr_change *change = calloc(nchanged + 1, sizeof(*change));
	struct include_files *inc = calloc(nchanged + 1, sizeof(*inc));
	memset(st, 0, sizeof(*st));
	int rc = r.facts && r.have && change && inc ? 0 : ksp_fail(err, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		int fresh = ksp_hindex_lookup(ix, objects[i], &r.facts[i], err);
		rc = fresh < 0 ? -1 : 0;
		r.have[i] = fresh == 1;
		st->indexed += fresh == 1;
	}
	size_t analyzed = 0;
	for (; analyzed < nchanged && !rc; analyzed++) {
		rc = analyze(&r, &changed[analyzed], &change[analyzed], err);
		if (!rc && resolve_includes(ksp_hindex_tree_path(ix), &changed[analyzed],
					    &change[analyzed], changed, nchanged, &inc[analyzed]))
			rc = ksp_fail(err, "out of memory");
		if (!rc) {
			st->headers_by_name += !change[analyzed].fallback;
			describe(log, changed[analyzed].path, &change[analyzed], &inc[analyzed]);
		}
	}
	if (!rc && list_number_writers(&r))
		rc = ksp_fail(err, "out of memory");
	for (size_t i = 0; i < n && !rc; i++)
		skip[i] = r.have[i]
				  ? (unsigned char)judge(&r, i, changed, change, inc, nchanged, st)
				  : 0;
	for (size_t k = 0; k < analyzed && change; k++) {
		ksp_hdr_change_free(&change[k]);
		ksp_strlist_free(&inc[k].paths);
	}
	for (size_t i = 0; i < n && r.have; i++)
		if (r.have[i])
			ksp_pp_facts_free(&r.facts[i]);
	ksp_strlist_free(&r.number_writers);
	ksp_macro_names_free(&r.defined);
	free(change);
	free(inc);
	free(r.facts);
	free(r.have);
	return rc;
}

static int read_side(const char *dir, const char *rel, char **text, size_t *len)
{
	char path[8400];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	struct ksp_error err;
	unsigned char *data = NULL;
	if (ksp_read_file(path, 0, &data, len, &err))
		return -1;
	*text = (char *)data;
	return 0;
}

int ksp_header_skip_screen(struct ksp_screen *sc, const char *post_dir, struct ksp_skip_stats *st,
			   unsigned char *read_changed, FILE *log, struct ksp_error *err)
{
	struct ksp_changed_text *t = calloc(sc->nchanged + 1, sizeof(*t));
	unsigned char *skip = calloc(sc->n + 1, 1);
	int rc = t && skip ? 0 : ksp_fail(err, "out of memory");
	for (size_t k = 0; k < sc->nchanged && !rc; k++) {
		char *pre = NULL, *post = NULL;
		t[k].path = sc->changed[k];
		if (!read_side(sc->tree->path, sc->changed[k], &pre, &t[k].pre_len) &&
		    !read_side(post_dir, sc->changed[k], &post, &t[k].post_len)) {
			t[k].pre = pre;
			t[k].post = post;
		} else {
			free(pre);
			free(post);
		}
	}
	if (!rc)
		rc = ksp_header_skip(sc->index, sc->objects, sc->n, t, sc->nchanged, skip, st, log,
				     err);
	for (size_t i = 0; i < sc->n && !rc; i++) {
		if (skip[i])
			sc->state[i] = KSP_SCREEN_KNOWN;
		if (read_changed)
			read_changed[i] = skip[i] == 2;
	}
	for (size_t k = 0; t && k < sc->nchanged; k++) {
		free((char *)t[k].pre);
		free((char *)t[k].post);
	}
	free(t);
	free(skip);
	return rc;
}
