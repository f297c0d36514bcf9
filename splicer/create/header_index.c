#include "header_index.h"
#include "fileio.h"
#include "generated_inputs.h"
#include "macro_names.h"
#include "pp_items.h"
#include "strmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENTRY_MAGIC "KSPIDX01"
#define STAMP_VERSION "ksplice header index 1"
#define MAX_TRACKED_FILE (64u << 20)

/* What a file of the tree is now, computed at most once per run. */
struct file_state {
	int exists;
	uint64_t size;
	int64_t mtime_ns;
	int hashed;
	uint64_t hash;
};

/* One macro's definitions over every entry: def, or ambiguous. */
struct macro_def {
	char *def;
	int ambiguous;
};

struct ksp_hindex {
	const struct ksp_tree *tree;
	char dir[4096];
	int lock_fd;
	FILE *macros_out;
	struct ksp_strmap files;	   /* tree-relative path -> struct file_state */
	struct ksp_strmap macros;	   /* name -> struct macro_def */
	struct ksp_strlist counter_macros; /* names with a definition using __COUNTER__ */
	size_t recorded, fresh, unknown_inputs;
	const struct ksp_made_files *made_files;
	/* Files this run made that entries name -> struct made_inputs: what
	 * each is made from, worked out once for all its readers. */
	struct ksp_strmap made;
};

struct made_inputs {
	int known; /* 0: no .cmd file or make rule tells */
	struct ksp_strlist inputs;
};

static void free_made_inputs(void *p)
{
	struct made_inputs *m = p;
	ksp_strlist_free(&m->inputs);
	free(m);
}

/* A file's state as an entry records it: 0 missing, 1 present, or made by
 * this run's builds (its inputs stand for it). */
#define STATE_MADE 2

/* The build files every object's flags come from. */
static const char *const global_files[] = {".config",
					   ".ksplice-make-vars",
					   "Makefile",
					   "arch/x86/Makefile",
					   "scripts/Makefile.build",
					   "scripts/Makefile.lib",
					   "scripts/Kbuild.include",
					   "include/config/auto.conf",
					   NULL};

static void free_macro(void *p)
{
	struct macro_def *m = p;
	free(m->def);
	free(m);
}

void ksp_hindex_close(struct ksp_hindex *ix)
{
	if (!ix)
		return;
	if (ix->macros_out)
		fclose(ix->macros_out);
	if (ix->lock_fd >= 0)
		close(ix->lock_fd);
	ksp_strmap_free(&ix->files, free);
	ksp_strmap_free(&ix->macros, free_macro);
	ksp_strlist_free(&ix->counter_macros);
	ksp_strmap_free(&ix->made, free_made_inputs);
	free(ix);
}

const char *ksp_hindex_dir(const struct ksp_hindex *ix)
{
	return ix->dir;
}

const char *ksp_hindex_tree_path(const struct ksp_hindex *ix)
{
	return ix->tree->path;
}

const struct ksp_tree *ksp_hindex_tree(const struct ksp_hindex *ix)
{
	return ix->tree;
}

void ksp_hindex_counts(const struct ksp_hindex *ix, size_t *recorded, size_t *fresh,
		       size_t *unknown_inputs)
{
	*recorded = ix->recorded;
	*fresh = ix->fresh;
	*unknown_inputs = ix->unknown_inputs;
}

void ksp_hindex_set_new_files(struct ksp_hindex *ix, const struct ksp_made_files *made)
{
	ix->made_files = made;
}

static void tree_path(const struct ksp_hindex *ix, const char *rel, char *out, size_t len)
{
	if (rel[0] == '/')
		snprintf(out, len, "%s", rel);
	else
		snprintf(out, len, "%s/%s", ix->tree->path, rel);
}

static int hash_file(const char *path, uint64_t *hash)
{
	unsigned char *data = NULL;
	size_t len = 0;
	struct ksp_error err;
	if (ksp_read_file(path, MAX_TRACKED_FILE, &data, &len, &err))
		return -1;
	*hash = ksp_strhash((const char *)data, len);
	free(data);
	return 0;
}

/* The file's state now (cached); NULL out of memory. */
static struct file_state *file_now(struct ksp_hindex *ix, const char *rel, int need_hash)
{
	struct file_state *f = ksp_strmap_get(&ix->files, rel, strlen(rel));
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f || ksp_strmap_put(&ix->files, rel, strlen(rel), f)) {
			free(f);
			return NULL;
		}
		char path[8300];
		struct stat st;
		tree_path(ix, rel, path, sizeof(path));
		f->exists = !stat(path, &st) && S_ISREG(st.st_mode);
		f->size = f->exists ? (uint64_t)st.st_size : 0;
		f->mtime_ns = f->exists ? st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec : 0;
	}
	if (need_hash && f->exists && !f->hashed) {
		char path[8300];
		tree_path(ix, rel, path, sizeof(path));
		f->exists = !hash_file(path, &f->hash);
		f->hashed = 1;
	}
	return f;
}

/* The stamp of the tree as a whole: its global build files and compiler. */
static int global_stamp(struct ksp_hindex *ix, char *out, size_t len)
{
	int used = snprintf(out, len, "%s\ncompiler %s\n", STAMP_VERSION,
			    ix->tree->cc_version_text ? ix->tree->cc_version_text : "?");
	for (size_t i = 0; global_files[i] && used > 0 && (size_t)used < len; i++) {
		struct file_state *f = file_now(ix, global_files[i], 1);
		if (!f)
			return -1;
		used += snprintf(out + used, len - (size_t)used, "%s %d %016llx\n", global_files[i],
				 f->exists, (unsigned long long)f->hash);
	}
	return used > 0 && (size_t)used < len ? 0 : -1;
}

int ksp_hindex_tree_stamp(const struct ksp_tree *tree, char *out, size_t len)
{
	struct ksp_hindex ix = {.tree = tree, .lock_fd = -1};
	int rc = global_stamp(&ix, out, len);
	ksp_strmap_free(&ix.files, free);
	return rc;
}

void ksp_hindex_location(const struct ksp_tree *tree, char *out, size_t len)
{
	const char *dir = getenv("KSPLICE_HEADER_INDEX");
	if (dir && *dir)
		snprintf(out, len, "%s", dir);
	else
		snprintf(out, len, "%s.index", tree->path);
}

static int remove_entries(const char *dir)
{
	char sub[4200], path[8400];
	snprintf(sub, sizeof(sub), "%s/objects", dir);
	DIR *d = opendir(sub);
	if (!d)
		return -1;
	int rc = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, e->d_name);
		rc |= unlink(path) && errno != ENOENT;
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/macros", dir);
	rc |= unlink(path) && errno != ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, KSP_MACRO_NAMES_FILE);
	return rc | (unlink(path) && errno != ENOENT);
}

/* Drops every entry if the stamp differs from the one the index has. */
static int check_stamp(struct ksp_hindex *ix, struct ksp_error *err)
{
	char now[4096], path[4200];
	if (global_stamp(ix, now, sizeof(now)))
		return ksp_fail(err, "%s: cannot read the tree's build files", ix->tree->path);
	snprintf(path, sizeof(path), "%s/stamp", ix->dir);
	unsigned char *old = NULL;
	size_t len = 0;
	struct ksp_error read_err;
	int same = !ksp_read_file(path, sizeof(now), &old, &len, &read_err) && len == strlen(now) &&
		   !memcmp(old, now, len);
	free(old);
	if (same)
		return 0;
	if (remove_entries(ix->dir))
		return ksp_fail(err, "%s: cannot clear the stale index", ix->dir);
	FILE *f = fopen(path, "w");
	if (!f || fputs(now, f) == EOF || fclose(f))
		return ksp_fail(err, "%s: cannot write: %s", path, strerror(errno));
	return 0;
}

static int add_macro(struct ksp_hindex *ix, const char *name, size_t len, const char *def,
		     int persist)
{
	struct macro_def *m = ksp_strmap_get(&ix->macros, name, len);
	if (strstr(def, "__COUNTER__") && !ksp_strlist_has(&ix->counter_macros, name, len) &&
	    ksp_strlist_push(&ix->counter_macros, name, len))
		return -1;
	if (m) {
		m->ambiguous |= strcmp(m->def, def) != 0;
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->def = strdup(def)) || ksp_strmap_put(&ix->macros, name, len, m)) {
		if (m)
			free(m->def);
		free(m);
		return -1;
	}
	if (persist && ix->macros_out)
		fprintf(ix->macros_out, "%.*s%s\n", (int)len, name, def);
	return 0;
}

/* TREE.index/macros: one "NAMEDEF" line per definition seen (DEF as -dU
 * prints what follows the name). A name seen with several definitions has
 * several lines. */
static int load_macros(struct ksp_hindex *ix, struct ksp_error *err)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/macros", ix->dir);
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (f && !rc && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		size_t name = 0;
		while (line[name] && pp_ident_char(line[name]))
			name++;
		if (name && add_macro(ix, line, name, line + name, 0))
			rc = ksp_fail(err, "out of memory");
	}
	free(line);
	if (f)
		fclose(f);
	if (rc)
		return rc;
	ix->macros_out = fopen(path, "a");
	return ix->macros_out ? 0 : ksp_fail(err, "%s: %s", path, strerror(errno));
}

static int make_dirs(const char *dir, struct ksp_error *err)
{
	char sub[4200];
	snprintf(sub, sizeof(sub), "%s/objects", dir);
	if ((mkdir(dir, 0755) && errno != EEXIST) || (mkdir(sub, 0755) && errno != EEXIST))
		return ksp_fail(err, "%s: %s", sub, strerror(errno));
	return 0;
}

int ksp_hindex_open(const struct ksp_tree *tree, struct ksp_hindex **out, struct ksp_error *err)
{
	struct ksp_hindex *ix = calloc(1, sizeof(*ix));
	if (!ix)
		return ksp_fail(err, "out of memory");
	ix->tree = tree;
	ix->lock_fd = -1;
	ksp_hindex_location(tree, ix->dir, sizeof(ix->dir));
	char lock[4200];
	snprintf(lock, sizeof(lock), "%s/lock", ix->dir);
	int rc = make_dirs(ix->dir, err);
	if (!rc && ((ix->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
		    flock(ix->lock_fd, LOCK_EX | LOCK_NB)))
		rc = ksp_fail(err, "%s: %s", lock,
			      errno == EWOULDBLOCK ? "in use by another ksplice-create"
						   : strerror(errno));
	if (!rc)
		rc = check_stamp(ix, err);
	if (!rc)
		rc = load_macros(ix, err);
	if (rc) {
		ksp_hindex_close(ix);
		return -1;
	}
	*out = ix;
	return 0;
}

const struct ksp_strlist *ksp_hindex_counter_macros(const struct ksp_hindex *ix)
{
	return &ix->counter_macros;
}

int ksp_hindex_macro(void *ctx, const char *name, size_t len, const char **def)
{
	struct ksp_hindex *ix = ctx;
	struct macro_def *m = ksp_strmap_get(&ix->macros, name, len);
	if (!m)
		return 0;
	if (m->ambiguous)
		return 2;
	*def = m->def;
	return 1;
}

/* "net/ipv4/route.o" -> TREE.index/objects/net%ipv4%route.o */
static void entry_path(const struct ksp_hindex *ix, const char *object, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/objects/", ix->dir);
	for (const char *p = object; *p && n > 0 && (size_t)n + 1 < len; p++)
		out[n++] = *p == '/' ? '%' : *p;
	out[n > 0 && (size_t)n < len ? n : 0] = '\0';
}

/* Files whose content decides the object's preprocessed source besides
 * those it read: the Makefiles of its directory and of every parent
 * (ccflags-y, subdir-ccflags-y). */
static int each_makefile(const char *object, int (*fn)(void *, const char *), void *ctx)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", object);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		*slash = '\0';
		char path[4200];
		snprintf(path, sizeof(path), "%s/Makefile", dir);
		if (fn(ctx, path))
			return -1;
		snprintf(path, sizeof(path), "%s/Kbuild", dir);
		if (fn(ctx, path))
			return -1;
	}
}

struct entry_writer {
	struct ksp_hindex *ix;
	FILE *out;
	uint32_t count;
	int failed;
};

static int write_file_state(void *ctx, const char *rel)
{
	struct entry_writer *w = ctx;
	if (rel[0] == '<')
		return 0; /* <built-in>, <command-line> */
	static const struct file_state made = {0};
	int is_made = ksp_strmap_get(&w->ix->made, rel, strlen(rel)) != NULL;
	const struct file_state *f = is_made ? &made : file_now(w->ix, rel, 1);
	if (!f)
		return w->failed = -1;
	uint16_t n = (uint16_t)strlen(rel);
	uint8_t exists = is_made ? STATE_MADE : (uint8_t)f->exists;
	if (fwrite(&n, sizeof(n), 1, w->out) != 1 || fwrite(rel, 1, n, w->out) != n ||
	    fwrite(&exists, 1, 1, w->out) != 1 ||
	    fwrite(&f->size, sizeof(f->size), 1, w->out) != 1 ||
	    fwrite(&f->mtime_ns, sizeof(f->mtime_ns), 1, w->out) != 1 ||
	    fwrite(&f->hash, sizeof(f->hash), 1, w->out) != 1)
		return w->failed = -1;
	w->count++;
	return 0;
}

static int count_file(void *ctx, const char *rel)
{
	(void)rel;
	(*(uint32_t *)ctx)++;
	return 0;
}

static int write_entry(struct ksp_hindex *ix, const char *object, const struct ksp_pp_facts *facts,
		       FILE *out, struct ksp_error *err)
{
	uint32_t nfiles = 0;
	for (size_t i = 0; i < facts->nfiles; i++)
		nfiles += facts->files[i].path[0] != '<';
	each_makefile(object, count_file, &nfiles);
	struct entry_writer w = {ix, out, 0, 0};
	if (fwrite(ENTRY_MAGIC, 8, 1, out) != 1 || fwrite(&nfiles, sizeof(nfiles), 1, out) != 1)
		return ksp_fail(err, "cannot write the index entry of %s", object);
	for (size_t i = 0; i < facts->nfiles && !w.failed; i++)
		write_file_state(&w, facts->files[i].path);
	if (!w.failed)
		each_makefile(object, write_file_state, &w);
	if (w.failed || w.count != nfiles)
		return ksp_fail(err, "cannot write the index entry of %s", object);
	return ksp_pp_facts_write(facts, out, err);
}

static int add_input(struct ksp_pp_facts *f, const char *path)
{
	struct ksp_pp_file_read *had = ksp_pp_facts_file(f, path);
	if (had) {
		had->max_line_value = KSP_PP_FILE_INPUT;
		return 0;
	}
	struct ksp_pp_file_read *v = realloc(f->files, (f->nfiles + 1) * sizeof(*v));
	if (!v)
		return -1;
	f->files = v;
	if (!(v[f->nfiles].path = strdup(path)))
		return -1;
	v[f->nfiles++].max_line_value = KSP_PP_FILE_INPUT;
	return 0;
}

/* What made file rel is made from, worked out on its first reader: NULL
 * if out of memory. */
static const struct made_inputs *made_inputs_of(struct ksp_hindex *ix, const char *rel)
{
	struct made_inputs *m = ksp_strmap_get(&ix->made, rel, strlen(rel));
	if (m)
		return m;
	if (!(m = calloc(1, sizeof(*m))))
		return NULL;
	m->known = !ksp_generated_inputs(ix->tree->path, rel, ix->made_files, &m->inputs);
	if (ksp_strmap_put(&ix->made, rel, strlen(rel), m) < 0) {
		free_made_inputs(m);
		return NULL;
	}
	return m;
}

/* Adds to facts what the files this run made are made from: 1 done (or
 * nothing made), 0 a made file's inputs are unknown, -1 out of memory. */
static int add_made_inputs(struct ksp_hindex *ix, struct ksp_pp_facts *facts)
{
	const struct ksp_made_files *made = ix->made_files;
	int rc = 1;
	for (size_t i = 0, n = facts->nfiles; made && i < n && rc == 1; i++) {
		const char *rel = facts->files[i].path;
		if (rel[0] == '<' || !made->is_new(made->ctx, rel))
			continue;
		const struct made_inputs *m = made_inputs_of(ix, rel);
		rc = !m ? -1 : m->known;
		for (size_t k = 0; rc == 1 && k < m->inputs.n; k++)
			if (add_input(facts, m->inputs.v[k]))
				rc = -1;
	}
	return rc;
}

int ksp_hindex_record(struct ksp_hindex *ix, const char *object, const char *text, size_t len,
		      struct ksp_error *err)
{
	struct ksp_pp_facts facts;
	if (ksp_pp_facts_from_text(text, len, ix->tree->path, &facts, err))
		return -1;
	int made = add_made_inputs(ix, &facts);
	if (made <= 0) {
		ksp_pp_facts_free(&facts);
		ix->unknown_inputs += made == 0;
		return made < 0 ? ksp_fail(err, "out of memory") : 0;
	}
	int rc = 0;
	for (size_t i = 0; i < facts.nmacros && !rc; i++)
		if (add_macro(ix, facts.macros[i].name, strlen(facts.macros[i].name),
			      facts.macros[i].def, 1))
			rc = ksp_fail(err, "out of memory");
	if (!rc && ix->macros_out)
		fflush(ix->macros_out);
	/* The definitions live in the index's table: an entry keeps only the
	 * names (most of an object's facts by size are its thousands of -dU
	 * definitions, the same in every object). */
	size_t nmacros = facts.nmacros;
	facts.nmacros = 0;
	char path[8400], tmp[8500];
	entry_path(ix, object, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *out = rc ? NULL : fopen(tmp, "wb");
	if (!rc)
		rc = out ? write_entry(ix, object, &facts, out, err)
			 : ksp_fail(err, "%s: %s", tmp, strerror(errno));
	if (out && fclose(out) && !rc)
		rc = ksp_fail(err, "%s: cannot write", tmp);
	if (!rc && rename(tmp, path))
		rc = ksp_fail(err, "%s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	facts.nmacros = nmacros;
	ksp_pp_facts_free(&facts);
	ix->recorded += !rc;
	return rc;
}

/* Reads one recorded file state and says whether the file is still so:
 * 1 fresh, 0 changed, -1 unreadable entry. */
static int recorded_file_fresh(struct ksp_hindex *ix, FILE *in)
{
	uint16_t n;
	char rel[65536];
	uint8_t exists;
	uint64_t size, hash;
	int64_t mtime;
	if (fread(&n, sizeof(n), 1, in) != 1 || fread(rel, 1, n, in) != n ||
	    fread(&exists, 1, 1, in) != 1 || fread(&size, sizeof(size), 1, in) != 1 ||
	    fread(&mtime, sizeof(mtime), 1, in) != 1 || fread(&hash, sizeof(hash), 1, in) != 1)
		return -1;
	rel[n] = '\0';
	if (exists == STATE_MADE)
		return 1; /* its inputs are among the entry's files */
	struct file_state *f = file_now(ix, rel, 0);
	if (!f)
		return -1;
	if (!exists || !f->exists)
		return exists == f->exists;
	if (f->size != size)
		return 0;
	if (f->mtime_ns == mtime)
		return 1;
	f = file_now(ix, rel, 1);
	return f && f->exists && f->hash == hash;
}

int ksp_hindex_lookup(struct ksp_hindex *ix, const char *object, struct ksp_pp_facts *facts,
		      struct ksp_error *err)
{
	char path[8400];
	entry_path(ix, object, path, sizeof(path));
	FILE *in = fopen(path, "rb");
	if (!in)
		return 0;
	char magic[8];
	uint32_t nfiles = 0;
	int fresh = fread(magic, 8, 1, in) == 1 && !memcmp(magic, ENTRY_MAGIC, 8) &&
		    fread(&nfiles, sizeof(nfiles), 1, in) == 1;
	for (uint32_t i = 0; i < nfiles && fresh == 1; i++)
		fresh = recorded_file_fresh(ix, in);
	struct ksp_error read_err;
	if (fresh == 1 && ksp_pp_facts_read(in, facts, &read_err))
		fresh = -1;
	fclose(in);
	if (fresh < 0) {
		/* a damaged entry is only a missed shortcut: drop it */
		unlink(path);
		return 0;
	}
	(void)err;
	ix->fresh += fresh == 1;
	return fresh == 1;
}
