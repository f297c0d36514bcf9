/* Screening of the units only a changed header reaches, for
 * ksplice-create: the header index's skips, kbuild's preprocessing before
 * and after the patch, the verdicts, the witnesses of changed types'
 * layouts, and --max-objects. */
#include "create_internal.h"
#include "header_screen.h"
#include "header_skip.h"
#include "patch_apply.h"
#include "run.h"
#include "screen_audit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define progress(...) ksp_create_progress(__VA_ARGS__)

size_t ksp_count_screened(const struct ksp_create_result *res)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nunits; i++)
		n += res->units[i].screened;
	return n;
}

/* Drops the screened units whose code cannot change; keep is indexed like
 * the screened units, in order. */
static void drop_unchanged(const struct ksp_create_opts *o, struct ksp_create_result *res,
			   const int *keep, char **why, const unsigned char *screen_audited)
{
	size_t kept = 0, s = 0;
	for (size_t i = 0; i < res->nunits; i++) {
		struct ksp_create_unit *u = &res->units[i];
		if (!u->screened) {
			res->units[kept++] = *u;
			continue;
		}
		if (!keep[s]) {
			free(u->source);
			free(u->object);
			free(u->module);
			s++;
			continue;
		}
		u->audited = screen_audited[s];
		u->why = why[s++];
		if (o->verbose)
			progress(o, "  %s: %s", u->object, u->why);
		res->units[kept++] = *u;
	}
	res->nunits = kept;
}

/* Objects that only the changed types' unchanged layout leaves unaltered:
 * two of them are built anyway, those naming a type first, so that the
 * layout comparison (layout_proof.h) finds the types in some object's
 * DWARF. */
#define LAYOUT_WITNESSES 2

static int keep_witnesses(const struct ksp_create_opts *o, int *keep, char **why,
			  const unsigned char *witness, size_t n)
{
	size_t added = 0;
	for (int rank = 2; rank >= 1; rank--)
		for (size_t i = 0; i < n && added < LAYOUT_WITNESSES; i++) {
			if (keep[i] || witness[i] != rank)
				continue;
			why[i] = strdup("built to compare the changed types' compiled layout");
			if (!why[i])
				return -1;
			keep[i] = 1;
			added++;
		}
	if (added)
		progress(o, "screening: %zu object%s built only to compare compiled layouts", added,
			 added == 1 ? "" : "s");
	return 0;
}

/* KSPLICE_INDEX_AUDIT=N: up to N of the objects the index rules out by
 * names (they read a changed file), spread over the list, are screened
 * anyway, and screening must find each unaltered: a check, on real
 * patches, that the index only skips work whose answer it knows. */
static size_t audit_count(void)
{
	const char *v = getenv("KSPLICE_INDEX_AUDIT");
	char *end;
	unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;
	return v && *v && !*end ? (size_t)n : 0;
}

static void choose_audited(struct ksp_screen *sc, const unsigned char *read_changed,
			   unsigned char *audited)
{
	size_t want = audit_count(), candidates = 0, taken = 0, seen = 0;
	for (size_t i = 0; i < sc->n; i++)
		candidates += read_changed[i];
	for (size_t i = 0; i < sc->n && taken < want; i++) {
		if (!read_changed[i])
			continue;
		/* the k-th of want picks candidate k * candidates / want */
		if (seen++ == taken * candidates / (want < candidates ? want : candidates)) {
			audited[i] = 1;
			sc->state[i] = KSP_SCREEN_DIGESTED;
			taken++;
		}
	}
}

/* After screening: an audited object screening keeps is a bug of the index. */
static int check_audited(const struct ksp_create_opts *o, const struct ksp_screen *sc, int *keep,
			 char **why, const unsigned char *audited, struct ksp_error *err)
{
	size_t n = 0, blind = 0;
	for (size_t i = 0; i < sc->n; i++) {
		if (!audited[i])
			continue;
		/* kbuild cannot preprocess it in a prepared tree (its generated
		 * headers): screening keeps it unseen, which says nothing; the
		 * index's answer stands */
		if (sc->state[i] == KSP_SCREEN_UNPREPROCESSED) {
			keep[i] = 0;
			free(why[i]);
			why[i] = NULL;
			blind++;
			continue;
		}
		if (keep[i])
			return ksp_failc(err, KSP_E_INTERNAL,
					 "header index audit: %s was ruled out by the index, but "
					 "screening keeps it (%s)",
					 sc->objects[i], why[i] ? why[i] : "may change");
		n++;
	}
	if (n || blind)
		progress(o,
			 "header index audit: %zu object%s the index rules out screened anyway: "
			 "none may change (%zu more kbuild cannot preprocess here)",
			 n, n == 1 ? "" : "s", blind);
	return 0;
}

/* Opens the tree's header index and marks the objects it knows unaltered;
 * sc->index stays NULL if the index cannot be used (said, not fatal: it
 * only saves time). audited: see audit_count. */
static int use_index(const struct ksp_create_opts *o, struct ksp_create_result *res,
		     struct ksp_screen *sc, unsigned char *audited, struct ksp_error *err)
{
	struct ksp_error ix_err = {0};
	if (o->no_index)
		return 0;
	if (ksp_hindex_open(&res->tree, &sc->index, &ix_err)) {
		progress(o, "header index not used: %s", ix_err.msg);
		return 0;
	}
	if (!sc->nchanged)
		return 0; /* the patch creates files: nothing is known */
	char post_dir[4200];
	snprintf(post_dir, sizeof(post_dir), "%s/layout", res->workdir);
	struct ksp_skip_stats st;
	unsigned char *read_changed = calloc(sc->n + 1, 1);
	if (!read_changed)
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	if (ksp_header_skip_screen(sc, post_dir, &st, read_changed, o->verbose ? o->progress : NULL,
				   err)) {
		free(read_changed);
		return KSP_E_INTERNAL;
	}
	choose_audited(sc, read_changed, audited);
	free(read_changed);
	progress(o,
		 "header index: %zu of %zu object%s known unaltered without preprocessing "
		 "(%zu indexed, %zu of them reading no changed file)",
		 st.unread + st.unaltered, sc->n, sc->n == 1 ? "" : "s", st.indexed, st.unread);
	return 0;
}

/* Preprocesses the objects that only a changed header reaches, before and
 * after the patch, and keeps those whose code may change. The tree is at
 * its pre state on return. */
/* With --max-objects, a header change that alters nearly every object it
 * reaches is refused after a first part of them, screened on its own: the
 * verdict of each object does not depend on the others. 0: no first part
 * (too few objects for it to save anything). */
static size_t probe_size(const struct ksp_create_opts *o, size_t n)
{
	const size_t batch = 96;
	size_t probe = (o->max_objects + batch) / batch * batch;
	return o->max_objects && n > 2 * probe ? probe : 0;
}

/* Preprocesses sc's objects (its from/to range) before the patch, applies
 * it, preprocesses them again and judges them, and reverts it. */
static int screen_range(const struct ksp_create_opts *o, struct ksp_create_result *res,
			struct ksp_screen *sc, int *keep, char **why, const char *log,
			struct ksp_error *err)
{
	int rc = ksp_screen_before(sc, err) ? ksp_error_code(err, KSP_E_BUILD) : 0;
	size_t first = sc->from, end = sc->to ? sc->to : sc->n;
	if (!rc && sc->nchanged) {
		size_t reading = end - first;
		for (size_t i = first; i < end; i++)
			reading -= sc->state[i] == KSP_SCREEN_UNREAD ||
				   sc->state[i] == KSP_SCREEN_KNOWN;
		progress(o, "screening: %zu of %zu object%s read the changed files", reading,
			 end - first, end - first == 1 ? "" : "s");
	}
	if (!rc && ksp_patch_apply(res->tree.path, o->patch, res->diff.strip, 0, log, err))
		return ksp_error_code(err, KSP_E_NO_APPLY);
	if (rc)
		return rc;
	rc = ksp_screen_after(sc, keep, why, err) ? ksp_error_code(err, KSP_E_BUILD) : 0;
	struct ksp_error revert_err = {0};
	if (ksp_patch_revert(res->tree.path, o->patch, res->diff.strip, log, &revert_err) && !rc) {
		*err = revert_err;
		rc = ksp_error_code(err, KSP_E_NO_APPLY);
	}
	return rc;
}

/* KSPLICE_SCREEN_AUDIT (screen_audit.h): among the objects that read a
 * changed file and that screening or the index rules out; picked ones are
 * flagged in picked. (size_t)-1: out of memory. */
static size_t choose_screen_audit(const struct ksp_create_opts *o, const struct ksp_screen *sc,
				  int *keep, char **why, unsigned char *picked)
{
	if (!ksp_screen_audit_count())
		return 0;
	unsigned char *read_changed = calloc(sc->n + 1, 1);
	if (!read_changed)
		return (size_t)-1;
	for (size_t i = 0; i < sc->n; i++)
		read_changed[i] =
			sc->state[i] == KSP_SCREEN_DIGESTED || sc->state[i] == KSP_SCREEN_KNOWN;
	size_t n = ksp_screen_audit_choose(keep, why, read_changed, picked, sc->n);
	free(read_changed);
	if (n && n != (size_t)-1)
		progress(o, "screening audit: %zu object%s screening rules out to build anyway", n,
			 n == 1 ? "" : "s");
	return n;
}

int ksp_screen_units(const struct ksp_create_opts *o, struct ksp_create_result *res,
		     struct ksp_guard *g, const char *log, struct ksp_error *err)
{
	size_t n = ksp_count_screened(res), s = 0;
	const char **objects = calloc(n + 1, sizeof(*objects));
	int *keep = calloc(n + 1, sizeof(*keep));
	char **why = calloc(n + 1, sizeof(*why));
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/screen", res->workdir);
	int rc = objects && keep && why ? 0 : (ksp_fail(err, "out of memory"), KSP_E_INTERNAL);
	if (!rc && mkdir(dir, 0700))
		rc = (ksp_fail(err, "%s: %s", dir, strerror(errno)), KSP_E_INTERNAL);
	for (size_t i = 0; i < res->nunits && !rc; i++)
		if (res->units[i].screened)
			objects[s++] = res->units[i].object;
	const char **changed = calloc(res->diff.nfiles + 1, sizeof(*changed));
	unsigned char *state = calloc(n + 1, 1), *witness = calloc(n + 1, 1);
	unsigned char *audited = calloc(n + 1, 1), *screen_audited = calloc(n + 1, 1);
	size_t nchanged = 0;
	int creates = 0;
	for (size_t i = 0; changed && i < res->diff.nfiles; i++) {
		creates |= !res->diff.files[i].old_path;
		changed[nchanged++] = ksp_file_diff_path(&res->diff.files[i]);
	}
	if (!rc && (!changed || !state || !witness || !audited || !screen_audited))
		rc = (ksp_fail(err, "out of memory"), KSP_E_INTERNAL);
	struct ksp_screen sc = {.tree = &res->tree,
				.objects = objects,
				.n = n,
				.jobs = o->jobs,
				.dir = dir,
				.progress = o->progress,
				.changed = changed,
				.nchanged = creates ? 0 : nchanged,
				.state = state};
	const char **same_layout = calloc(res->layout.n + 1, sizeof(*same_layout));
	for (size_t i = 0; same_layout && i < res->layout.n; i++)
		same_layout[i] = res->layout.v[i].type;
	sc.same_layout = same_layout;
	sc.nsame = same_layout ? res->layout.n : 0;
	size_t unproven = 0;
	for (size_t i = 0; i < res->layout.n; i++)
		unproven += !res->layout.v[i].proven;
	sc.witness = unproven ? witness : NULL;
	progress(o, "screening %zu object%s that only the changed headers reach...", n,
		 n == 1 ? "" : "s");
	if (!rc)
		rc = use_index(o, res, &sc, audited, err);
	size_t probe = probe_size(o, n), early = 0;
	if (!rc && probe) {
		sc.to = probe;
		rc = screen_range(o, res, &sc, keep, why, log, err);
		for (size_t i = 0; i < probe && !rc; i++)
			early += keep[i];
		sc.from = probe;
		sc.to = 0;
	}
	if (!rc && early > o->max_objects) {
		ksp_fail(err,
			 "the changed headers may alter the code of at least %zu objects (of the "
			 "first %zu of %zu screened), more than --max-objects (%zu): refused",
			 early, probe, n, o->max_objects);
		rc = KSP_E_REFUSED;
	}
	if (!rc)
		rc = screen_range(o, res, &sc, keep, why, log, err);
	if (!rc && check_audited(o, &sc, keep, why, audited, err))
		rc = KSP_E_INTERNAL;
	if (!rc && keep_witnesses(o, keep, why, witness, n))
		rc = (ksp_fail(err, "out of memory"), KSP_E_INTERNAL);
	size_t kept = 0;
	for (size_t i = 0; i < n && !rc; i++)
		kept += keep[i];
	size_t screen_audits = rc ? 0 : choose_screen_audit(o, &sc, keep, why, screen_audited);
	if (screen_audits == (size_t)-1)
		rc = (ksp_fail(err, "out of memory"), KSP_E_INTERNAL);
	if (!rc) {
		progress(o, "screening: %zu of %zu object%s may change", kept, n,
			 n == 1 ? "" : "s");
		drop_unchanged(o, res, keep, why, screen_audited);
	} else {
		for (size_t i = 0; i < n; i++)
			free(why[i]);
	}
	for (size_t i = 0; i < res->nunits && !rc; i++)
		if (res->units[i].screened && ksp_create_protect_unit(g, &res->units[i], err))
			rc = KSP_E_INTERNAL;
	if (!rc && o->max_objects && kept > o->max_objects) {
		ksp_fail(err,
			 "the changed headers may alter the code of %zu objects, more "
			 "than --max-objects (%zu): refused",
			 kept, o->max_objects);
		rc = KSP_E_REFUSED;
	}
	free(objects);
	ksp_hindex_close(sc.index);
	free(same_layout);
	free(witness);
	free(audited);
	free(screen_audited);
	free(keep);
	free(why);
	free(changed);
	free(state);
	if ((rc == KSP_E_BUILD || rc == KSP_E_TOOL) && ksp_interrupted)
		rc = KSP_E_INTERRUPTED;
	return rc;
}
