#include "kbuild.h"
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREPARE_HINT                                                                               \
	"prepare it with: cp CONFIG .config && make olddefconfig && make prepare "                 \
	"(with the distribution's make variables; see scripts/testbed setup)"

static char *read_small_file(const char *dir, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t size = 0;
	ssize_t n = getdelim(&text, &size, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The quoted value of the line that starts with prefix, e.g.
 * CONFIG_CC_VERSION_TEXT="gcc-12 ..." or #define UTS_RELEASE "6.1.0-...". */
static char *quoted_value(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *line = text; line && *line;) {
		if (strncmp(line, prefix, n) == 0) {
			const char *open = strchr(line + n, '"');
			const char *close = open ? strchr(open + 1, '"') : NULL;
			return close ? strndup(open + 1, (size_t)(close - open - 1)) : NULL;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return NULL;
}

static int file_exists(const char *dir, const char *rel)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &st) == 0;
}

static char **split_lines(const char *text)
{
	size_t n = 0, cap = 8;
	char **v = calloc(cap, sizeof(*v));
	for (const char *p = text; v && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len && p[0] != '#') {
			if (n + 2 > cap) {
				char **nv = realloc(v, (cap *= 2) * sizeof(*v));
				if (!nv)
					break;
				v = nv;
			}
			v[n++] = strndup(p, len);
			v[n] = NULL;
		}
		p += len + (nl ? 1 : 0);
	}
	return v;
}

static int tree_fail(struct ksp_tree *t, struct ksp_error *err, const char *what)
{
	ksp_failc(err, KSP_E_TREE, "%s: %s; %s", t->path, what, PREPARE_HINT);
	ksp_tree_close(t);
	return -1;
}

int ksp_tree_open(const char *path, struct ksp_tree *t, struct ksp_error *err)
{
	memset(t, 0, sizeof(*t));
	t->path = realpath(path, NULL);
	if (!t->path)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	if (!file_exists(t->path, "Makefile") || !file_exists(t->path, "scripts/Makefile.build"))
		return tree_fail(t, err,
				 "not a kernel source tree (no Makefile, scripts/Makefile.build)");
	char *config = read_small_file(t->path, ".config");
	if (!config)
		return tree_fail(t, err, "not configured (no .config)");
	t->cc_version_text = quoted_value(config, "CONFIG_CC_VERSION_TEXT=");
	free(config);
	if (!t->cc_version_text)
		return tree_fail(t, err, ".config lacks CONFIG_CC_VERSION_TEXT");
	if (!file_exists(t->path, "include/config/auto.conf") ||
	    !file_exists(t->path, "include/generated/autoconf.h") ||
	    !file_exists(t->path, "scripts/basic/fixdep"))
		return tree_fail(t, err, "configured but not prepared (no include/generated)");
	char *uts = read_small_file(t->path, "include/generated/utsrelease.h");
	t->release = uts ? quoted_value(uts, "#define UTS_RELEASE ") : NULL;
	free(uts);
	if (!t->release)
		return tree_fail(t, err,
				 "kernel release unknown (no include/generated/utsrelease.h)");
	char *vars = read_small_file(t->path, ".ksplice-make-vars");
	t->make_vars = split_lines(vars ? vars : "");
	free(vars);
	if (!t->make_vars)
		return tree_fail(t, err, "out of memory");
	for (char **v = t->make_vars; *v; v++)
		if (strncmp(*v, "CC=", 3) == 0)
			t->compiler = strdup(*v + 3);
	if (!t->compiler)
		t->compiler = strdup("gcc");
	t->dir_cache = calloc(1, sizeof(*t->dir_cache));
	if (!t->compiler || !t->dir_cache)
		return tree_fail(t, err, "out of memory");
	return 0;
}

void ksp_tree_close(struct ksp_tree *t)
{
	if (t->make_vars)
		for (char **v = t->make_vars; *v; v++)
			free(*v);
	free(t->make_vars);
	ksp_dir_cache_free(t->dir_cache);
	free(t->path);
	free(t->release);
	free(t->cc_version_text);
	free(t->compiler);
	memset(t, 0, sizeof(*t));
}

int ksp_tree_compiler_matches(const struct ksp_tree *t, char *found, size_t len,
			      struct ksp_error *err)
{
	const char *argv[] = {t->compiler, "--version", NULL};
	char out[4096];
	int status = ksp_run_capture(argv, NULL, out, sizeof(out));
	if (status != 0)
		return ksp_failc(err, KSP_E_TOOL,
				 "cannot run the kernel's compiler '%s' (install it)", t->compiler);
	out[strcspn(out, "\n")] = '\0';
	snprintf(found, len, "%s", out);
	return strcmp(out, t->cc_version_text) == 0;
}

/* Make arguments that evaluate DIR's Makefile the way kbuild does and print
 * what it builds; for each object built as (part of) a module, the module's
 * name as kbuild itself computes it for KBUILD_MODNAME: $(modname), in the
 * context of a pattern rule like its own $(obj)/%.o (where $* and $@ give
 * modname-multi its composite and basetarget the single-file module), with
 * name-fix-token's '-' and ',' made '_'. */
static const char *const print_rule =
	"ksplice-print: $(patsubst %.o,%.ksplice-modname,$(filter %.o,$(real-obj-m)))\n"
	"\t@echo 'builtin:' $(real-obj-y) $(lib-y) $(subdir-builtin)\n"
	"\t@echo 'module:' $(real-obj-m) $(subdir-modorder)\n"
	"$(obj)/%.ksplice-modname: FORCE\n"
	"\t@echo 'modname:' $(@:.ksplice-modname=.o) $(call name-fix-token,$(modname))\n";

/* make's arguments that read dir's Makefile as kbuild's own descent does
 * (scripts/Makefile.build with src= and obj=), then extra (NULL-ended, at
 * most 8). src and obj hold "src=dir" and "obj=dir". */
static void descent_argv(const struct ksp_tree *t, const char *dir, char src[4200], char obj[4200],
			 const char *const *extra, const char *argv[24])
{
	snprintf(src, 4200, "src=%s", dir);
	snprintf(obj, 4200, "obj=%s", dir);
	const char *base[] = {"make",
			      "-s",
			      "--no-print-directory",
			      "-C",
			      t->path,
			      "srctree=.",
			      "objtree=.",
			      src,
			      obj,
			      "need-builtin=1",
			      "-f",
			      "scripts/Makefile.build"};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(base) / sizeof(*base); i++)
		argv[n++] = base[i];
	for (size_t i = 0; extra[i] && n < 23; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
}

static int evaluate_dir(const struct ksp_tree *t, const char *dir, const char *rules, char *out,
			size_t len)
{
	char src[4200], obj[4200];
	const char *extra[] = {"need-modorder=1", "-f", rules, "ksplice-print", NULL}, *argv[24];
	descent_argv(t, dir, src, obj, extra, argv);
	return ksp_run_capture(argv, NULL, out, len);
}

void ksp_dir_cache_free(struct ksp_dir_cache *c)
{
	for (size_t i = 0; c && i < c->n; i++) {
		free(c->dirs[i]);
		free(c->outputs[i]);
	}
	if (c) {
		free(c->dirs);
		free(c->outputs);
	}
	free(c);
}

int ksp_dir_cache_add(struct ksp_dir_cache *c, const char *dir, const char *output)
{
	char **dirs = realloc(c->dirs, (c->n + 1) * sizeof(*dirs));
	if (!dirs)
		return -1;
	c->dirs = dirs;
	char **outputs = realloc(c->outputs, (c->n + 1) * sizeof(*outputs));
	if (!outputs)
		return -1;
	c->outputs = outputs;
	c->dirs[c->n] = strdup(dir);
	c->outputs[c->n] = strdup(output);
	if (!c->dirs[c->n] || !c->outputs[c->n]) {
		free(c->dirs[c->n]);
		free(c->outputs[c->n]);
		return -1;
	}
	c->n++;
	return 0;
}

static int evaluate_dir_cached(const struct ksp_tree *t, const char *dir, const char *rules,
			       char *out, size_t len)
{
	struct ksp_dir_cache *c = t->dir_cache;
	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->dirs[i], dir) == 0) {
			snprintf(out, len, "%s", c->outputs[i]);
			return 0;
		}
	if (evaluate_dir(t, dir, rules, out, len) != 0)
		return -1;
	if (c)
		ksp_dir_cache_add(c, dir, out);
	return 0; /* a result not cached is still a result */
}

/* From make -p's database in log: the words after "target:" on its line. */
static int prerequisites_from(const char *log, const char *target, struct ksp_strlist *out)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0, n = strlen(target);
	int rc = 0, found = 0;
	while (!found && getline(&line, &cap, f) > 0) {
		if (strncmp(line, target, n) || line[n] != ':' || line[n + 1] == '=')
			continue;
		found = 1;
		for (char *save = NULL, *w = strtok_r(line + n + 1, " \t\n", &save); w && !rc;
		     w = strtok_r(NULL, " \t\n", &save))
			if (strcmp(w, "FORCE") && strcmp(w, "|"))
				rc = ksp_strlist_push(out, w, strlen(w));
	}
	free(line);
	fclose(f);
	return rc;
}

int ksp_tree_prerequisites(const struct ksp_tree *t, const char *dir, const char *target,
			   struct ksp_strlist *out)
{
	char src[4200], obj[4200], log[] = "/tmp/ksplice-prereqs.XXXXXX";
	int fd = mkstemp(log);
	if (fd < 0)
		return -1;
	close(fd);
	/* -q: decide what is out of date without running anything; -p: print
	 * the database it decided from, target's rule as found (pattern rules
	 * resolved) among it. */
	const char *extra[] = {"-p", "-q", target, NULL}, *argv[24];
	descent_argv(t, dir, src, obj, extra, argv);
	int status = ksp_run_logged(argv, log);
	int rc = status < 0 || status == 127 ? -1 : prerequisites_from(log, target, out);
	unlink(log);
	return rc;
}

static int file_exists_in(const char *root, const char *dir, const char *name)
{
	char rel[2048];
	snprintf(rel, sizeof(rel), "%.1000s/%.100s", dir, name);
	return file_exists(root, rel);
}

/* Is word a whole space-separated word of the line starting with label? */
static int listed(const char *out, const char *label, const char *word)
{
	const char *line = strstr(out, label);
	if (!line)
		return 0;
	const char *end = strchr(line, '\n');
	size_t n = strlen(word);
	for (const char *p = line; (p = strstr(p, word)) && (!end || p < end); p += n)
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

int ksp_kbuild_write_rules(const char *rules, char *path, size_t len)
{
	snprintf(path, len, "%s/ksplice-print.XXXXXX.mk",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemps(path, 3);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, rules, strlen(rules));
	close(fd);
	return n == (ssize_t)strlen(rules) ? 0 : -1;
}

int ksp_kbuild_modname(const char *printout, const char *object, char *name, size_t len,
		       struct ksp_error *err)
{
	static const char label[] = "modname: ";
	size_t n = strlen(object);
	for (const char *line = printout; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t linelen = end ? (size_t)(end - line) : strlen(line);
		if (strncmp(line, label, sizeof(label) - 1) == 0 &&
		    linelen > sizeof(label) - 1 + n &&
		    strncmp(line + sizeof(label) - 1, object, n) == 0 &&
		    line[sizeof(label) - 1 + n] == ' ') {
			const char *value = line + sizeof(label) - 1 + n + 1;
			size_t vlen = linelen - (size_t)(value - line);
			if (memchr(value, ':', vlen))
				return ksp_fail(err,
						"%s: linked into several modules (%.*s): cannot "
						"tell which one to patch",
						object, (int)(vlen > 200 ? 200 : vlen), value);
			if (vlen == 0 || vlen >= len)
				return ksp_fail(err, "%s: module name '%.*s' unusable", object,
						(int)(vlen > 200 ? 200 : vlen), value);
			memcpy(name, value, vlen);
			name[vlen] = '\0';
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return ksp_fail(err, "%s: kbuild named no module it is linked into", object);
}

/* Walks from the object's directory up: the object must be listed in its
 * directory's Makefile, and each directory in its parent's, up to a
 * top-level directory (listed by the top Makefile) or arch/x86 (listed by
 * the arch Makefile). A built-in object's directories are listed as
 * DIR/built-in.a; a module object's as DIR/modules.order (kbuild descends
 * into obj-y and obj-m directories alike for modules). */
static int walk_from(const struct ksp_tree *t, const char *item, const char *dir, const char *rules,
		     enum ksp_obj_kind *kind, char *module, size_t module_len,
		     struct ksp_error *err);

/* A Makefile that only evaluates inside its parent's (amdgpu's display/dc
 * needs the parent's variables): if the parent does not build the whole
 * directory into vmlinux, nothing in it is; otherwise it cannot be told. */
static int classify_unevaluable(const struct ksp_tree *t, const char *dir, const char *rules,
				enum ksp_obj_kind *kind, struct ksp_error *err)
{
	char whole[4200], parent[4096], unused[64];
	snprintf(whole, sizeof(whole), "%.4000s/built-in.a", dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	enum ksp_obj_kind dir_kind = KSP_OBJ_NOT_BUILT;
	if (slash) {
		*slash = '\0';
		if (walk_from(t, whole, parent, rules, &dir_kind, unused, sizeof(unused), err))
			return -1;
	}
	if (dir_kind != KSP_OBJ_BUILTIN) {
		*kind = KSP_OBJ_NOT_BUILT;
		return 0;
	}
	return ksp_fail(err, "%s/%s: kbuild could not evaluate its Makefile", t->path, dir);
}

static int classify_walk(const struct ksp_tree *t, const char *object, const char *rules,
			 enum ksp_obj_kind *kind, char *module, size_t module_len,
			 struct ksp_error *err)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", object);
	char *slash = strrchr(dir, '/');
	if (!slash) {
		*kind = KSP_OBJ_NOT_BUILT; /* no sources at the top of the tree */
		return 0;
	}
	*slash = '\0';
	return walk_from(t, object, dir, rules, kind, module, module_len, err);
}

/* item as dir's Makefile lists it, then dir as its parent's, and so on. */
static int walk_from(const struct ksp_tree *t, const char *start_item, const char *start_dir,
		     const char *rules, enum ksp_obj_kind *kind, char *module, size_t module_len,
		     struct ksp_error *err)
{
	enum { OUT_SIZE = 1 << 18 };
	char item[4096], dir[4096], *out = malloc(OUT_SIZE);
	if (!out)
		return ksp_fail(err, "out of memory");
	snprintf(item, sizeof(item), "%s", start_item);
	snprintf(dir, sizeof(dir), "%s", start_dir);
	enum ksp_obj_kind found = KSP_OBJ_NOT_BUILT; /* what item was found as, so far */
	int rc = 0;
	module[0] = '\0';
	for (;;) {
		char *slash;
		/* A directory without a Makefile of its own (arch/x86/kvm/mmu) is
		 * listed, object by object, by its parent's. */
		if (!file_exists_in(t->path, dir, "Makefile") &&
		    !file_exists_in(t->path, dir, "Kbuild")) {
			slash = strrchr(dir, '/');
			if (!slash) {
				found = KSP_OBJ_NOT_BUILT;
				break;
			}
			*slash = '\0';
			continue;
		}
		if (evaluate_dir_cached(t, dir, rules, out, OUT_SIZE) != 0) {
			if (found != KSP_OBJ_MODULE) {
				rc = classify_unevaluable(t, dir, rules, kind, err);
				free(out);
				return rc;
			}
			rc = ksp_fail(err, "%s/%s: kbuild could not evaluate its Makefile", t->path,
				      dir);
			break;
		}
		if (found != KSP_OBJ_BUILTIN && listed(out, "module:", item)) {
			if (found == KSP_OBJ_NOT_BUILT &&
			    ksp_kbuild_modname(out, item, module, module_len, err)) {
				rc = -1;
				break;
			}
			found = KSP_OBJ_MODULE;
		} else if (found != KSP_OBJ_MODULE && listed(out, "builtin:", item)) {
			found = KSP_OBJ_BUILTIN;
		} else {
			found = KSP_OBJ_NOT_BUILT;
			break;
		}
		slash = strrchr(dir, '/');
		if (!slash || strcmp(dir, "arch/x86") == 0)
			break;
		if ((size_t)snprintf(item, sizeof(item), "%.4000s/%s", dir,
				     found == KSP_OBJ_MODULE ? "modules.order" : "built-in.a") >=
		    sizeof(item)) {
			rc = ksp_fail(err, "%s: path too long", start_item);
			break;
		}
		*slash = '\0';
	}
	free(out);
	if (found != KSP_OBJ_MODULE)
		module[0] = '\0';
	*kind = found;
	return rc;
}

int ksp_tree_classify(const struct ksp_tree *t, const char *source, char *object, size_t len,
		      enum ksp_obj_kind *kind, char *module, size_t module_len,
		      struct ksp_error *err)
{
	size_t n = strlen(source);
	if (n < 3 || (strcmp(source + n - 2, ".c") != 0 && strcmp(source + n - 2, ".S") != 0))
		return ksp_fail(err, "%s: not a C or assembly source file", source);
	if (n + 1 > len)
		return ksp_fail(err, "%s: path too long", source);
	memcpy(object, source, n + 1);
	object[n - 1] = 'o';
	char rules[4096];
	if (ksp_kbuild_write_rules(print_rule, rules, sizeof(rules)))
		return ksp_fail(err, "cannot write a temporary makefile: %s", strerror(errno));
	int rc = classify_walk(t, object, rules, kind, module, module_len, err);
	unlink(rules);
	return rc;
}

#define KCFLAGS_SECTIONS "KCFLAGS=-ffunction-sections -fdata-sections"

static int run_make(const struct ksp_tree *t, const char *const *targets, size_t n, int jobs,
		    int keep_going, const char *kcflags, const char *log_path,
		    struct ksp_error *err)
{
	size_t nvars = 0;
	while (t->make_vars[nvars])
		nvars++;
	const char **argv = calloc(nvars + n + 9, sizeof(*argv));
	if (!argv)
		return ksp_fail(err, "out of memory"), -2;
	char jflag[32];
	snprintf(jflag, sizeof(jflag), "-j%d", jobs > 0 ? jobs : 1);
	size_t a = 0;
	argv[a++] = "make";
	argv[a++] = "-C";
	argv[a++] = t->path;
	argv[a++] = jflag;
	if (keep_going)
		argv[a++] = "-k";
	for (size_t i = 0; i < nvars; i++)
		argv[a++] = t->make_vars[i];
	argv[a++] = "KBUILD_NOCMDDEP=1";
	argv[a++] = kcflags;
	for (size_t i = 0; i < n; i++)
		argv[a++] = targets[i];
	argv[a] = NULL;
	int status = ksp_run_logged(argv, log_path);
	free(argv);
	return status;
}

int ksp_tree_build(const struct ksp_tree *t, const char *const *objects, size_t n, int jobs,
		   const char *log_path, struct ksp_error *err)
{
	int status = run_make(t, objects, n, jobs, 0, KCFLAGS_SECTIONS, log_path, err);
	if (status == 0 || status == -2)
		return status ? -1 : 0;
	if (status == 127)
		return ksp_failc(err, KSP_E_TOOL, "cannot run make");
	char first[512];
	ksp_first_error_line(log_path, first, sizeof(first));
	return ksp_failc(err, KSP_E_BUILD, "kbuild failed in %s (%s; full log: %s)", t->path, first,
			 log_path);
}

int ksp_tree_build_keep_going(const struct ksp_tree *t, const char *const *objects, size_t n,
			      int jobs, const char *log_path, struct ksp_error *err)
{
	int status = run_make(t, objects, n, jobs, 1, KCFLAGS_SECTIONS, log_path, err);
	if (status < 0 || status == 127)
		return status == -2 ? -1 : ksp_failc(err, KSP_E_TOOL, "cannot run make");
	return 0;
}

int ksp_tree_preprocess(const struct ksp_tree *t, const char *const *targets, size_t n, int jobs,
			int used_macros, const char *log_path, struct ksp_error *err)
{
	/* -dU adds "#define NAME ..." lines for the macros the source used,
	 * each after the line that used it: the tokens stay the same. */
	const char *kcflags = used_macros ? KCFLAGS_SECTIONS " -dU" : KCFLAGS_SECTIONS;
	int status = run_make(t, targets, n, jobs, 1, kcflags, log_path, err);
	if (status < 0 || status == 127)
		return status == -2 ? -1 : ksp_failc(err, KSP_E_TOOL, "cannot run make");
	return 0;
}
