/* ksplice-create --build-index: an entry in the header index for every
 * object the configuration builds, so that the first header change is as
 * quick as the later ones. */
#include "create.h"
#include "dir_store.h"
#include "header_index.h"
#include "header_screen.h"
#include "leftovers.h"
#include "run.h"
#include "strlist.h"
#include "tree_guard.h"
#include "tree_journal.h"
#include "tree_walk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int push(struct ksp_strlist *l, const char *s)
{
	return ksp_strlist_push(l, s, strlen(s));
}

static int add_c_file(void *ctx, const char *rel, const char *name)
{
	size_t n = strlen(name);
	return n > 2 && !strcmp(name + n - 2, ".c") ? push(ctx, rel) : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The objects this configuration builds whose entry is missing or stale. */
static int objects_to_index(const struct ksp_create_opts *o, struct ksp_tree *tree,
			    struct ksp_hindex *ix, struct ksp_strlist *objects,
			    struct ksp_error *err)
{
	struct ksp_strlist sources = {0};
	if (ksp_tree_walk(tree->path, add_c_file, &sources)) {
		ksp_strlist_free(&sources);
		return ksp_fail(err, "out of memory");
	}
	qsort(sources.v, sources.n, sizeof(*sources.v), cmp_str);
	if (o->progress)
		fprintf(o->progress, "index: classifying %zu source files...\n", sources.n),
			fflush(o->progress);
	size_t built = 0, unclassified = 0;
	int rc = 0;
	for (size_t i = 0; i < sources.n && !rc && !ksp_interrupted; i++) {
		char object[4096], module[64];
		enum ksp_obj_kind kind;
		struct ksp_error cls_err;
		if (ksp_tree_classify(tree, sources.v[i], object, sizeof(object), &kind, module,
				      sizeof(module), &cls_err)) {
			unclassified++;
			continue;
		}
		if (kind == KSP_OBJ_NOT_BUILT)
			continue;
		built++;
		struct ksp_pp_facts facts;
		int fresh = ksp_hindex_lookup(ix, object, &facts, err);
		if (fresh == 1)
			ksp_pp_facts_free(&facts);
		rc = fresh < 0				   ? -1
		     : fresh == 0 && push(objects, object) ? ksp_fail(err, "out of memory")
							   : 0;
	}
	ksp_strlist_free(&sources);
	if (!rc && o->progress)
		fprintf(o->progress,
			"index: %zu objects built, %zu of them to index (%zu files kbuild could "
			"not classify)\n",
			built, objects->n, unclassified),
			fflush(o->progress);
	return rc;
}

static int record_all(const struct ksp_create_opts *o, struct ksp_tree *tree, struct ksp_hindex *ix,
		      const struct ksp_strlist *objects, const char *workdir, struct ksp_error *err)
{
	unsigned char *state = calloc(objects->n + 1, 1);
	if (!state)
		return ksp_fail(err, "out of memory");
	struct ksp_screen sc = {.tree = tree,
				.objects = (const char *const *)objects->v,
				.n = objects->n,
				.jobs = o->jobs,
				.dir = workdir,
				.progress = o->progress,
				.state = state,
				.index = ix,
				.record_only = 1};
	int rc = ksp_screen_before(&sc, err);
	free(state);
	return rc;
}

/* The objects of list without a fresh entry. */
static int without_entry(struct ksp_hindex *ix, const struct ksp_strlist *list,
			 struct ksp_strlist *out, struct ksp_error *err)
{
	for (size_t i = 0; i < list->n; i++) {
		struct ksp_pp_facts facts;
		int fresh = ksp_hindex_lookup(ix, list->v[i], &facts, err);
		if (fresh < 0)
			return -1;
		if (fresh)
			ksp_pp_facts_free(&facts);
		else if (push(out, list->v[i]))
			return ksp_fail(err, "out of memory");
	}
	return 0;
}

/* The first object of each directory in list. */
static int one_per_directory(const struct ksp_strlist *list, struct ksp_strlist *out)
{
	for (size_t i = 0; i < list->n; i++) {
		const char *slash = strrchr(list->v[i], '/');
		size_t dir = slash ? (size_t)(slash - list->v[i]) : 0;
		int seen = 0;
		for (size_t k = 0; k < out->n && !seen; k++)
			seen = !strncmp(out->v[k], list->v[i], dir) && out->v[k][dir] == '/' &&
			       !strchr(out->v[k] + dir + 1, '/');
		if (!seen && push(out, list->v[i]))
			return -1;
	}
	return 0;
}

/* An object's build writes the object, its .cmd and its .d file. */
static int protect_build(struct ksp_guard *g, const struct ksp_strlist *objects,
			 struct ksp_error *err)
{
	for (size_t i = 0; i < objects->n; i++) {
		const char *o = objects->v[i], *slash = strrchr(o, '/');
		int dir = slash ? (int)(slash - o) + 1 : 0;
		char cmd[4200], dep[4200];
		snprintf(cmd, sizeof(cmd), "%.*s.%s.cmd", dir, o, o + dir);
		snprintf(dep, sizeof(dep), "%.*s.%s.d", dir, o, o + dir);
		if (ksp_guard_protect(g, o, err) || ksp_guard_protect(g, cmd, err) ||
		    ksp_guard_protect(g, dep, err))
			return -1;
	}
	return ksp_guard_commit(g, err);
}

struct made_files {
	const struct ksp_leftovers *left;
	const struct ksp_tree *tree;
};

static int made_by_this_run(void *ctx, const char *rel)
{
	const struct made_files *m = ctx;
	char path[8400];
	snprintf(path, sizeof(path), "%s/%s", m->tree->path, rel);
	return ksp_leftovers_is_new(m->left, path);
}

static int rule_prerequisites(void *ctx, const char *rel, struct ksp_strlist *out)
{
	const struct made_files *m = ctx;
	const char *slash = strrchr(rel, '/');
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 1, slash ? rel : ".");
	return ksp_tree_prerequisites(m->tree, dir, rel, out);
}

/* Objects kbuild could not preprocess include headers that only a build of
 * them generates (flask.h, capability_names.h, asn1 decoders' headers).
 * Building them (first one per directory, which makes most of those
 * headers, then the rest) lets them be preprocessed and recorded with what
 * the generated headers are made from (generated_inputs.h); the guard and
 * the leftovers listing remove what the builds made. */
static int record_unpreprocessed(const struct ksp_create_opts *o, struct ksp_tree *tree,
				 struct ksp_hindex *ix, const struct ksp_strlist *objects,
				 const struct ksp_leftovers *left, struct ksp_guard *g,
				 const char *workdir, struct ksp_error *err)
{
	struct ksp_strlist missing = {0}, targets = {0};
	struct made_files made = {left, tree};
	const struct ksp_made_files callbacks = {made_by_this_run, rule_prerequisites, &made};
	char log[4200];
	snprintf(log, sizeof(log), "%s/build-generated.log", workdir);
	int rc = without_entry(ix, objects, &missing, err);
	size_t before = missing.n;
	if (!rc && missing.n && o->progress)
		fprintf(o->progress,
			"index: %zu objects could not be preprocessed; building them for the "
			"headers their builds generate\n",
			missing.n),
			fflush(o->progress);
	ksp_hindex_set_new_files(ix, &callbacks);
	for (int round = 0; round < 2 && !rc && missing.n && !ksp_interrupted; round++) {
		if (round == 0 && one_per_directory(&missing, &targets))
			rc = ksp_fail(err, "out of memory");
		struct ksp_strlist *build = round == 0 ? &targets : &missing;
		if (!rc && (protect_build(g, build, err) ||
			    ksp_tree_build_keep_going(tree, (const char *const *)build->v, build->n,
						      o->jobs, log, err) ||
			    record_all(o, tree, ix, &missing, workdir, err)))
			rc = -1;
		struct ksp_strlist still = {0};
		if (!rc && without_entry(ix, &missing, &still, err))
			rc = -1;
		ksp_strlist_free(&missing);
		ksp_strlist_free(&targets);
		missing = still;
	}
	ksp_hindex_set_new_files(ix, NULL);
	if (!rc && before && o->progress) {
		fprintf(o->progress, "index: %zu of them recorded, %zu without an entry\n",
			before - missing.n, missing.n);
		for (size_t i = 0; o->verbose && i < missing.n; i++)
			fprintf(o->progress, "  %s\n", missing.v[i]);
		fflush(o->progress);
	}
	ksp_strlist_free(&missing);
	ksp_strlist_free(&targets);
	unlink(log);
	return rc;
}

/* Preprocessing only writes x.i, .x.i.cmd and .x.i.d, which screening
 * removes; the guard and the leftovers listing put back anything else kbuild
 * may touch, as for ksplice-create's own builds. */
static int guarded_record(const struct ksp_create_opts *o, struct ksp_tree *tree,
			  struct ksp_hindex *ix, const struct ksp_strlist *objects,
			  const char *workdir, struct ksp_error *err)
{
	char backups[4200];
	if (ksp_journal_dir_make(tree->path, backups, sizeof(backups), err))
		return KSP_E_INTERNAL;
	struct ksp_guard g;
	if (ksp_guard_init(&g, tree->path, backups, err))
		return KSP_E_INTERNAL;
	struct ksp_leftovers left;
	int listed =
		!ksp_leftovers_list(&left, tree->path, (const char *const *)objects->v, objects->n);
	int rc = !listed || ksp_guard_protect(&g, ".missing-syscalls.d", err) ||
				 ksp_guard_commit(&g, err)
			 ? KSP_E_INTERNAL
			 : 0;
	if (!rc && (record_all(o, tree, ix, objects, workdir, err) ||
		    record_unpreprocessed(o, tree, ix, objects, &left, &g, workdir, err)))
		rc = ksp_interrupted ? KSP_E_INTERRUPTED : ksp_error_code(err, KSP_E_BUILD);
	return ksp_leftovers_finish(&left, listed, &g, rc, err);
}

int ksp_create_build_index(const struct ksp_create_opts *o, struct ksp_error *err)
{
	struct ksp_tree tree;
	if (ksp_tree_open(o->tree, &tree, err))
		return ksp_error_code(err, KSP_E_TREE);
	ksp_dir_store_load(&tree);
	char workdir[] = "/tmp/ksplice-index.XXXXXX";
	if (!mkdtemp(workdir)) {
		ksp_tree_close(&tree);
		return ksp_failc(err, KSP_E_INTERNAL, "cannot create a work directory: %s",
				 strerror(errno));
	}
	int lock = ksp_create_lock_tree(o, tree.path, err);
	int rc = lock < 0 ? (ksp_interrupted ? KSP_E_INTERRUPTED : KSP_E_INTERNAL) : 0;
	if (!rc && ksp_journal_recover(tree.path, stderr, err))
		rc = ksp_error_code(err, KSP_E_TREE);
	struct ksp_hindex *ix = NULL;
	if (!rc && ksp_hindex_open(&tree, &ix, err))
		rc = KSP_E_INTERNAL;
	struct ksp_strlist objects = {0};
	if (!rc && objects_to_index(o, &tree, ix, &objects, err))
		rc = KSP_E_INTERNAL;
	if (!rc)
		ksp_dir_store_save(&tree);
	if (!rc && ksp_interrupted)
		rc = KSP_E_INTERRUPTED;
	if (!rc && objects.n)
		rc = guarded_record(o, &tree, ix, &objects, workdir, err);
	if (!rc && o->progress) {
		size_t recorded, fresh, unknown;
		ksp_hindex_counts(ix, &recorded, &fresh, &unknown);
		fprintf(o->progress,
			"index: %zu entries written, %zu were fresh, %zu objects read a generated "
			"file no .cmd describes, in %s\n",
			recorded, fresh, unknown, ksp_hindex_dir(ix));
	}
	ksp_strlist_free(&objects);
	ksp_hindex_close(ix);
	if (lock >= 0)
		close(lock);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "%s/preprocess-before.log", workdir);
	unlink(cmd);
	rmdir(workdir);
	ksp_tree_close(&tree);
	if (rc == KSP_E_INTERRUPTED)
		ksp_fail(err, "interrupted; %s is as it was", o->tree);
	return rc ? rc : KSP_E_UNSET;
}
