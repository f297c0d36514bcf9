#include "create.h"
#include "create_internal.h"
#include "dir_store.h"
#include "fileio.h"
#include "header_screen.h"
#include "header_skip.h"
#include "header_users.h"
#include "layout_check.h"
#include "layout_proof.h"
#include "leftovers.h"
#include "metadata.h"
#include "patch_apply.h"
#include "preflight.h"
#include "run.h"
#include "screen_audit.h"
#include "tree_guard.h"
#include "tree_journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define progress(...) ksp_create_progress(__VA_ARGS__)

void ksp_create_progress(const struct ksp_create_opts *o, const char *fmt, ...)
{
	if (!o->progress)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(o->progress, fmt, ap);
	va_end(ap);
	fputc('\n', o->progress);
	fflush(o->progress);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* module: the module the object is linked into, or "" for vmlinux. */
static int add_unit(struct ksp_create_result *res, const char *source, const char *object,
		    const char *module, int screened)
{
	for (size_t i = 0; i < res->nunits; i++)
		if (strcmp(res->units[i].object, object) == 0) {
			res->units[i].screened &= screened;
			return 0;
		}
	struct ksp_create_unit *u = realloc(res->units, (res->nunits + 1) * sizeof(*u));
	if (!u)
		return -1;
	res->units = u;
	u = &res->units[res->nunits];
	memset(u, 0, sizeof(*u));
	u->source = strdup(source);
	u->object = strdup(object);
	u->screened = screened;
	u->module = module[0] ? strdup(module) : NULL;
	if (!u->source || !u->object || (module[0] && !u->module))
		return -1;
	res->nunits++;
	return 0;
}

/* A changed header: every object whose source includes it, built into
 * vmlinux or as (part of) a module, is screened before the build
 * (header_screen.h); those whose code may change are rebuilt and compared
 * (the matcher then finds which functions changed). */
static int add_header_users(const struct ksp_create_opts *o, struct ksp_create_result *res,
			    const char *header, struct ksp_error *err)
{
	char **users;
	size_t n, built_in = 0, modules = 0;
	if (ksp_header_users(res->tree.path, header, &users, &n, err))
		return -1;
	int rc = 0;
	if (ksp_header_is_shared(header))
		progress(o, "%s: %zu source files include it; classifying...", header, n);
	for (size_t i = 0; i < n && !rc; i++) {
		char object[4096], module[64];
		enum ksp_obj_kind kind;
		rc = ksp_tree_classify(&res->tree, users[i], object, sizeof(object), &kind, module,
				       sizeof(module), err);
		if (!rc && ksp_interrupted)
			rc = ksp_failc(err, KSP_E_INTERRUPTED, "interrupted");
		if (!rc && kind != KSP_OBJ_NOT_BUILT) {
			int screened = ends_with(users[i], ".c");
			rc = add_unit(res, users[i], object, module, screened)
				     ? ksp_fail(err, "out of memory")
				     : 0;
			built_in += kind == KSP_OBJ_BUILTIN;
			modules += kind == KSP_OBJ_MODULE;
		}
	}
	ksp_header_users_free(users, n);
	if (!rc)
		progress(o, "%s: included by %zu built-in object%s and %zu module object%s", header,
			 built_in, built_in == 1 ? "" : "s", modules, modules == 1 ? "" : "s");
	return rc;
}

/* Which objects the diff changes, and what it changes that cannot be
 * live-patched. */
static int classify_file(const struct ksp_create_opts *o, struct ksp_create_result *res,
			 const struct ksp_file_diff *f, struct ksp_error *err)
{
	const char *path = ksp_file_diff_path(f);
	const char *base = base_name(path);
	int source = ends_with(path, ".c") || ends_with(path, ".S");
	if (!f->new_path)
		return ksp_failc(err, KSP_E_REFUSED, "%s: the patch deletes this file: refused",
				 path);
	if (!f->old_path && source)
		return ksp_failc(err, KSP_E_REFUSED,
				 "%s: the patch creates a new object file: refused", path);
	if (source) {
		char object[4096], module[64];
		enum ksp_obj_kind kind;
		if (ksp_tree_classify(&res->tree, path, object, sizeof(object), &kind, module,
				      sizeof(module), err))
			return -1;
		/* make killed by the signal answers nothing: not "not built" */
		if (ksp_interrupted)
			return ksp_failc(err, KSP_E_INTERRUPTED, "interrupted");
		if (kind == KSP_OBJ_NOT_BUILT)
			return ksp_failc(err, KSP_E_REFUSED,
					 "%s: not built in this configuration (kbuild lists it "
					 "neither in vmlinux nor in a module): refused",
					 path);
		if (kind == KSP_OBJ_MODULE && !ksp_module_name_valid(module))
			return ksp_failc(err, KSP_E_REFUSED,
					 "%s: built into module '%s', a name an update cannot "
					 "record (1 to 55 of a-z, A-Z, 0-9, _): refused",
					 path, module);
		if (kind == KSP_OBJ_MODULE && o->verbose)
			progress(o, "%s: built as part of module %s", object, module);
		return add_unit(res, path, object, module, 0) ? ksp_fail(err, "out of memory") : 0;
	}
	if (ends_with(path, ".h"))
		return add_header_users(o, res, path, err);
	if (strncmp(base, "Makefile", 8) == 0 || strcmp(base, "Kbuild") == 0 ||
	    strncmp(base, "Kconfig", 7) == 0)
		return ksp_failc(err, KSP_E_REFUSED,
				 "%s: the patch changes the build itself: refused", path);
	if (o->verbose)
		progress(o, "ignoring %s (not compiled)", path);
	return 0;
}

/* kbuild's record of an object (its command and, with modversions, the
 * CRCs of what it exports): DIR/.NAME.o.cmd */
static void cmd_file_of(const char *object, char *buf, size_t len)
{
	const char *base = base_name(object);
	snprintf(buf, len, "%.*s.%s.cmd", (int)(base - object), object, base);
}

int ksp_create_protect_unit(struct ksp_guard *g, const struct ksp_create_unit *u,
			    struct ksp_error *err)
{
	char cmd[4096], dep[4096];
	const char *base = base_name(u->object);
	cmd_file_of(u->object, cmd, sizeof(cmd));
	snprintf(dep, sizeof(dep), "%.*s.%s.d", (int)(base - u->object), u->object, base);
	return ksp_guard_protect(g, u->source, err) || ksp_guard_protect(g, u->object, err) ||
	       ksp_guard_protect(g, cmd, err) || ksp_guard_protect(g, dep, err);
}

/* A screened unit's object is only written if screening keeps it; before
 * that, kbuild writes its preprocessed source. */
static int protect_unit_or_screen(struct ksp_guard *g, const struct ksp_create_unit *u,
				  struct ksp_error *err)
{
	if (!u->screened)
		return ksp_create_protect_unit(g, u, err);
	char out[3][4096];
	ksp_screen_outputs(u->object, out);
	for (int k = 0; k < 3; k++)
		if (ksp_guard_protect(g, out[k], err))
			return -1;
	return 0;
}

/* Builds every unit's object and copies it (and its .cmd) to WORK/side/. */
static int build_side(const struct ksp_create_opts *o, struct ksp_create_result *res,
		      const char *side, struct ksp_error *err)
{
	const char **objects = calloc(res->nunits + 1, sizeof(*objects));
	if (!objects)
		return ksp_fail(err, "out of memory");
	for (size_t i = 0; i < res->nunits; i++)
		objects[i] = res->units[i].object;
	char log[4200];
	snprintf(log, sizeof(log), "%s/build-%s.log", res->workdir, side);
	progress(o, "building %s objects (%zu file%s)...", side, res->nunits,
		 res->nunits == 1 ? "" : "s");
	int rc = ksp_tree_build(&res->tree, objects, res->nunits, o->jobs, log, err);
	free(objects);
	if (rc)
		return ksp_interrupted ? KSP_E_INTERRUPTED : ksp_error_code(err, KSP_E_BUILD);
	for (size_t i = 0; i < res->nunits; i++) {
		struct ksp_create_unit *u = &res->units[i];
		char from[8300], to[8300], cmd[4096];
		snprintf(from, sizeof(from), "%s/%s", res->tree.path, u->object);
		snprintf(to, sizeof(to), "%s/%s/%s", res->workdir, side, u->object);
		cmd_file_of(u->object, cmd, sizeof(cmd));
		char cmd_from[8300], cmd_to[8300];
		snprintf(cmd_from, sizeof(cmd_from), "%s/%s", res->tree.path, cmd);
		snprintf(cmd_to, sizeof(cmd_to), "%s/%s/%s", res->workdir, side, cmd);
		if (ksp_copy_file(from, to, err) || ksp_copy_file(cmd_from, cmd_to, err))
			return KSP_E_INTERNAL;
		if (ksp_objtool_pass_needed(&res->objtool, u->object, u->module ? u->module : "") &&
		    ksp_objtool_pass_run(&res->objtool, to, u->module, log, err))
			return ksp_error_code(err, KSP_E_BUILD);
		char **keep = !strcmp(side, "pre") ? &u->pre : &u->post;
		*keep = strdup(to);
		if (!*keep)
			return ksp_fail(err, "out of memory"), KSP_E_INTERNAL;
	}
	return KSP_E_UNSET;
}

/* The earlier updates' patches (--after), in order, then a dry run of the
 * patch on top of them. Under the tree's lock: before it, another
 * ksplice-create's patched files could be taken for the tree's own. */
static int apply_earlier(const struct ksp_create_opts *o, struct ksp_create_result *res,
			 const char *log, struct ksp_error *err)
{
	for (size_t i = 0; i < res->nafter; i++) {
		progress(o, "applying the patch of earlier update %s", res->after[i].id);
		if (ksp_after_apply(&res->after[i], res->tree.path, log, err))
			return ksp_error_code(err, KSP_E_NO_APPLY);
		if (ksp_interrupted)
			return KSP_E_INTERRUPTED;
	}
	if (ksp_patch_apply(res->tree.path, o->patch, res->diff.strip, 1, log, err))
		return ksp_error_code(err, KSP_E_NO_APPLY);
	if (ksp_patch_layout_check(res->tree.path, o->patch, &res->diff, res->workdir, &res->layout,
				   err))
		return KSP_E_INTERNAL;
	for (size_t i = 0; i < res->layout.n; i++)
		progress(o,
			 "%s: the patch changes the definition of %s: its compiled layout is "
			 "compared once built",
			 res->layout.v[i].file, res->layout.v[i].type);
	return KSP_E_UNSET;
}

/* Earlier patches, screening, pre build, patch, post build: everything that
 * writes into the tree. */
static int build_both(const struct ksp_create_opts *o, struct ksp_create_result *res,
		      struct ksp_guard *g, struct ksp_error *err)
{
	char log[4200];
	snprintf(log, sizeof(log), "%s/patch.log", res->workdir);
	int rc = apply_earlier(o, res, log, err);
	if (!rc && res->layout.n) {
		int early = ksp_layout_prove_early(o, res, log, err);
		rc = early > 0	 ? KSP_E_REFUSED
		     : early < 0 ? (ksp_interrupted ? KSP_E_INTERRUPTED
						    : ksp_error_code(err, KSP_E_BUILD))
				 : 0;
	}
	if (!rc && ksp_count_screened(res))
		rc = ksp_screen_units(o, res, g, log, err);
	if (!rc && res->nunits == 0) {
		ksp_fail(err, "No changes: %s changes no compiled code", o->patch);
		rc = KSP_E_NO_CHANGES;
	}
	if (!rc && ksp_guard_commit(g, err)) /* screening protected the units it kept */
		rc = KSP_E_INTERNAL;
	if (!rc)
		rc = build_side(o, res, "pre", err);
	if (rc)
		return rc;
	if (ksp_interrupted)
		return KSP_E_INTERRUPTED;
	if (ksp_patch_apply(res->tree.path, o->patch, res->diff.strip, 0, log, err))
		return ksp_error_code(err, KSP_E_NO_APPLY);
	if (ksp_interrupted)
		return KSP_E_INTERRUPTED;
	return build_side(o, res, "post", err);
}

static int guarded_build_locked(const struct ksp_create_opts *o, struct ksp_create_result *res,
				struct ksp_error *err)
{
	char backups[4200];
	if (ksp_journal_dir_make(res->tree.path, backups, sizeof(backups), err))
		return ksp_error_code(err, KSP_E_INTERNAL);
	struct ksp_guard g;
	if (ksp_guard_init(&g, res->tree.path, backups, err))
		return KSP_E_INTERNAL;
	int rc = ksp_guard_protect(&g, ".missing-syscalls.d", err) ? KSP_E_INTERNAL : 0;
	for (size_t i = 0; i < res->diff.nfiles && !rc; i++)
		rc = ksp_guard_protect(&g, ksp_file_diff_path(&res->diff.files[i]), err)
			     ? KSP_E_INTERNAL
			     : 0;
	for (size_t i = 0; i < res->nunits && !rc; i++)
		rc = protect_unit_or_screen(&g, &res->units[i], err) ? KSP_E_INTERNAL : 0;
	for (size_t i = 0; i < res->nafter && !rc; i++)
		rc = ksp_after_protect(&g, &res->after[i], err) ? KSP_E_INTERNAL : 0;
	/* Before screening drops any: the directories of all candidates. */
	const char **objects = calloc(res->nunits + 1, sizeof(*objects));
	for (size_t i = 0; objects && i < res->nunits; i++)
		objects[i] = res->units[i].object;
	struct ksp_leftovers left;
	int listed = objects && !ksp_leftovers_list(&left, res->tree.path, objects, res->nunits);
	free(objects);
	if (!rc && !listed) {
		ksp_fail(err, "out of memory");
		rc = KSP_E_INTERNAL;
	}
	if (!rc && ksp_guard_commit(&g, err))
		rc = KSP_E_INTERNAL;
	if (!rc)
		rc = build_both(o, res, &g, err);
	rc = ksp_leftovers_finish(&left, listed, &g, rc, err);
	if (rc == 0 && ksp_interrupted)
		rc = KSP_E_INTERRUPTED;
	if (rc == KSP_E_INTERRUPTED)
		ksp_fail(err, "interrupted; %s is as it was", res->tree.path);
	return rc;
}

/*
 * Two ksplice-create runs on one tree would each take the other's patched
 * files for the tree's original state. flock() on the tree's directory keeps
 * them apart without writing anything into the tree. The descriptor is
 * inherited (no O_CLOEXEC): a make that outlives a killed ksplice-create
 * holds the lock until it is done writing, so the next run's recovery
 * (tree_journal.h) never races it.
 */
int ksp_create_lock_tree(const struct ksp_create_opts *o, const char *tree, struct ksp_error *err)
{
	int fd = open(tree, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return ksp_fail(err, "%s: %s", tree, strerror(errno)), -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	progress(o, "waiting for another ksplice-create working in %s...", tree);
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR || ksp_interrupted) {
			close(fd);
			return ksp_fail(err, "%s: cannot lock: %s", tree, strerror(errno)), -1;
		}
	}
	return fd;
}

static int guarded_build(const struct ksp_create_opts *o, struct ksp_create_result *res,
			 struct ksp_error *err)
{
	int lock = ksp_create_lock_tree(o, res->tree.path, err);
	if (lock < 0)
		return ksp_interrupted ? KSP_E_INTERRUPTED : KSP_E_INTERNAL;
	int rc = ksp_journal_recover(res->tree.path, stderr, err) ? ksp_error_code(err, KSP_E_TREE)
								  : 0;
	if (!rc)
		rc = guarded_build_locked(o, res, err);
	close(lock);
	return rc;
}

static int compare_units(const struct ksp_create_opts *o, struct ksp_create_result *res,
			 struct ksp_error *err)
{
	progress(o, "comparing");
	for (size_t i = 0; i < res->nunits; i++) {
		struct ksp_create_unit *u = &res->units[i];
		struct ksp_obj pre, post;
		struct mt_crcs pre_crcs = {0}, post_crcs = {0};
		char cmd[4096], path[8300];
		cmd_file_of(u->object, cmd, sizeof(cmd));
		if (ksp_obj_open(u->pre, &pre, err))
			return KSP_E_INTERNAL;
		if (ksp_obj_open(u->post, &post, err)) {
			ksp_obj_free(&pre);
			return KSP_E_INTERNAL;
		}
		snprintf(path, sizeof(path), "%s/pre/%s", res->workdir, cmd);
		mt_crcs_read(path, &pre_crcs, err);
		snprintf(path, sizeof(path), "%s/post/%s", res->workdir, cmd);
		mt_crcs_read(path, &post_crcs, err);
		struct mt_options mo = {&pre_crcs, &post_crcs, u->pre, u->post};
		int rc = mt_compare(&pre, &post, &mo, &u->plan, err);
		mt_crcs_free(&pre_crcs);
		mt_crcs_free(&post_crcs);
		ksp_obj_free(&pre);
		ksp_obj_free(&post);
		if (rc)
			return KSP_E_INTERNAL;
	}
	return KSP_E_UNSET;
}

static int make_workdir(const struct ksp_create_opts *o, struct ksp_create_result *res,
			struct ksp_error *err)
{
	char tmpl[PATH_MAX + 32];
	if (o->workdir) {
		/* Absolute: kbuild runs the update module's build from elsewhere. */
		char abs[PATH_MAX];
		if (mkdir(o->workdir, 0755) && errno != EEXIST)
			return ksp_fail(err, "%s: %s", o->workdir, strerror(errno));
		if (!realpath(o->workdir, abs))
			return ksp_fail(err, "%s: %s", o->workdir, strerror(errno));
		snprintf(tmpl, sizeof(tmpl), "%s/ksplice-create.XXXXXX", abs);
	} else {
		const char *t = getenv("TMPDIR");
		snprintf(tmpl, sizeof(tmpl), "%s/ksplice-create.XXXXXX", t && *t ? t : "/tmp");
	}
	if (!mkdtemp(tmpl))
		return ksp_fail(err, "%s: %s", tmpl, strerror(errno));
	res->workdir = strdup(tmpl);
	res->own_workdir = !o->workdir;
	return res->workdir ? 0 : ksp_fail(err, "out of memory");
}

/* Reads the --after update files. */
static int load_earlier(const struct ksp_create_opts *o, struct ksp_create_result *res,
			struct ksp_error *err)
{
	res->after = calloc(o->nafter + 1, sizeof(*res->after));
	if (!res->after)
		return ksp_fail(err, "out of memory"), KSP_E_INTERNAL;
	for (size_t i = 0; i < o->nafter; i++) {
		res->nafter++;
		if (ksp_after_load(o->after[i], res->tree.release, res->tree.path, res->workdir, i,
				   &res->after[i], err))
			return KSP_E_BAD_AFTER;
	}
	return KSP_E_UNSET;
}

static int check_inputs(const struct ksp_create_opts *o, struct ksp_create_result *res,
			struct ksp_error *err)
{
	if (ksp_diff_load(o->patch, &res->diff, err))
		return ksp_error_code(err, KSP_E_BAD_DIFF);
	if (ksp_tree_open(o->tree, &res->tree, err))
		return ksp_error_code(err, KSP_E_TREE);
	if (!o->no_index)
		ksp_dir_store_load(&res->tree);
	if (ksp_objtool_pass_open(&res->tree, &res->objtool, err))
		return ksp_error_code(err, KSP_E_TREE);
	if (o->package &&
	    ksp_headers_find(&res->tree, o->headers, res->headers, sizeof(res->headers), err))
		return ksp_error_code(err, KSP_E_TREE);
	char found[512];
	int same = ksp_tree_compiler_matches(&res->tree, found, sizeof(found), err);
	if (same < 0)
		return ksp_error_code(err, KSP_E_TOOL);
	if (!same && !o->force_compiler) {
		ksp_fail(err,
			 "this machine's compiler ('%s') is not the kernel's ('%s'); "
			 "--force-compiler builds anyway, but run-pre matching will then "
			 "almost surely fail",
			 found, res->tree.cc_version_text);
		return KSP_E_COMPILER;
	}
	if (ksp_diff_resolve_paths(&res->diff, res->tree.path, err))
		return KSP_E_NO_APPLY;
	for (size_t i = 0; i < res->diff.nfiles; i++)
		if (classify_file(o, res, &res->diff.files[i], err))
			return ksp_error_code(err, KSP_E_TREE);
	if (!o->no_index)
		ksp_dir_store_save(&res->tree);
	if (res->nunits == 0) {
		ksp_fail(err, "No changes: %s touches no compiled file", o->patch);
		return KSP_E_NO_CHANGES;
	}
	if (make_workdir(o, res, err))
		return KSP_E_INTERNAL;
	/* Whether the patch applies is checked under the tree's lock. */
	return load_earlier(o, res, err);
}

/* Whether any existing function or data changes: new functions alone are
 * only reached from changed code. */
static int replaces_anything(const struct ksp_create_result *res)
{
	for (size_t i = 0; i < res->nunits; i++) {
		const struct mt_plan *p = &res->units[i].plan;
		if (mt_plan_count(p, MT_CHANGED))
			return 1;
		for (size_t k = 0; k < p->ndata; k++)
			if (p->data[k].state == MT_CHANGED)
				return 1;
	}
	return 0;
}

/* "a, b (and N more)" of the functions in a state. */
static void list_functions(const struct ksp_create_result *res, enum mt_state state, char *out,
			   size_t len)
{
	size_t used = 0, more = 0;
	out[0] = '\0';
	for (size_t i = 0; i < res->nunits; i++) {
		const struct mt_plan *p = &res->units[i].plan;
		for (size_t k = 0; k < p->nfuncs; k++) {
			if (p->funcs[k].state != state)
				continue;
			size_t need = strlen(p->funcs[k].name) + 2;
			if (used + need + 24 >= len) {
				more++;
				continue;
			}
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "",
						 p->funcs[k].name);
		}
	}
	if (more)
		snprintf(out + used, len - used, " and %zu more", more);
}

static const struct mt_refusal *first_refusal(const struct ksp_create_result *res)
{
	for (size_t i = 0; i < res->nunits; i++)
		if (res->units[i].plan.nrefusals)
			return &res->units[i].plan.refusals[0];
	return NULL;
}

static enum ksp_code compare(const struct ksp_create_opts *o, struct ksp_create_result *res,
			     struct ksp_error *err)
{
	int rc = check_inputs(o, res, err);
	if (rc)
		return rc;
	rc = guarded_build(o, res, err);
	if (rc)
		return rc;
	rc = ksp_layout_prove(o, res, &res->layout, err);
	if (rc)
		return rc < 0 ? KSP_E_INTERNAL : KSP_E_REFUSED;
	rc = compare_units(o, res, err);
	if (!rc)
		rc = ksp_screen_audit_check(o, res, err);
	if (rc)
		return rc;
	size_t nrefused = ksp_create_refusals(res);
	if (nrefused) {
		const struct mt_refusal *first = first_refusal(res);
		char more[48] = "";
		if (nrefused > 1)
			snprintf(more, sizeof(more), " (and %zu more)", nrefused - 1);
		ksp_fail(err, "the patch makes changes that cannot be live-patched: %s: %s%s",
			 first->symbol, first->reason, more);
		return KSP_E_REFUSED;
	}
	if (!ksp_create_has_changes(res)) {
		ksp_fail(err, "No changes: %s changes no compiled code", o->patch);
		return KSP_E_NO_CHANGES;
	}
	if (!replaces_anything(res)) {
		char names[256];
		list_functions(res, MT_NEW, names, sizeof(names));
		ksp_fail(err,
			 "No changes: %s replaces no function; it only adds functions that "
			 "nothing it changes calls (%s), so the update would never run them",
			 o->patch, names);
		return KSP_E_NO_CHANGES;
	}
	return KSP_E_UNSET;
}

enum ksp_code ksp_create_compare(const struct ksp_create_opts *o, struct ksp_create_result *res,
				 struct ksp_error *err)
{
	memset(res, 0, sizeof(*res));
	err->code = KSP_E_UNSET;
	enum ksp_code code = compare(o, res, err);
	err->code = code;
	return code;
}

size_t ksp_create_refusals(const struct ksp_create_result *res)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nunits; i++)
		n += res->units[i].plan.nrefusals;
	return n;
}

int ksp_create_has_changes(const struct ksp_create_result *res)
{
	for (size_t i = 0; i < res->nunits; i++) {
		const struct mt_plan *p = &res->units[i].plan;
		if (mt_plan_count(p, MT_CHANGED) || mt_plan_count(p, MT_NEW) ||
		    mt_plan_count(p, MT_DELETED))
			return 1;
		for (size_t k = 0; k < p->ndata; k++)
			if (p->data[k].state != MT_UNCHANGED)
				return 1;
	}
	return 0;
}

void ksp_create_unit_free(struct ksp_create_unit *u)
{
	free(u->source);
	free(u->object);
	free(u->module);
	free(u->pre);
	free(u->post);
	free(u->why);
	mt_plan_free(&u->plan);
}

void ksp_create_result_free(struct ksp_create_result *res)
{
	ksp_layout_suspects_free(&res->layout);
	for (size_t i = 0; i < res->nunits; i++)
		ksp_create_unit_free(&res->units[i]);
	free(res->units);
	for (size_t i = 0; i < res->nafter; i++)
		ksp_after_free(&res->after[i]);
	free(res->after);
	if (res->own_workdir && res->workdir) {
		const char *argv[] = {"rm", "-rf", "--", res->workdir, NULL};
		char out[64];
		ksp_run_capture(argv, NULL, out, sizeof(out));
	}
	free(res->workdir);
	ksp_diff_free(&res->diff);
	ksp_objtool_pass_close(&res->objtool);
	ksp_tree_close(&res->tree);
	memset(res, 0, sizeof(*res));
}
