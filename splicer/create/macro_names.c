#include "macro_names.h"
#include "header_index.h"
#include "run.h"
#include "strmap.h"
#include "tree_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_MAGIC "KSPDEFN1\n"
#define STAMP_END "--\n"
#define BINARY_PROBE 4096
#define PREDEFINED_MAX (1u << 20)

/* A growing list of name hashes. */
struct hashes {
	uint64_t *v;
	size_t n, cap;
};

struct walker {
	const char *root;
	int read;	 /* 0: only stat each file, for the digest */
	uint64_t digest; /* sum over files of a hash of path, size and mtime */
	size_t files;
	struct hashes *out;
	int failed; /* a file could not be read (err says which) */
	struct ksp_error *err;
};

static int push_hash(struct hashes *h, const char *s, size_t len)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4096;
		uint64_t *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = ksp_strhash(s, len);
	return 0;
}

static int ident_start(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* The identifier at p, if one starts there. */
static int put_ident(struct hashes *h, const char *p, const char *end)
{
	if (p >= end || !ident_start(*p))
		return 0;
	const char *s = p;
	while (p < end && ident_char(*p))
		p++;
	return push_hash(h, s, (size_t)(p - s));
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* "#define NAME", with blanks allowed around "define". Found anywhere, not
 * only at a line's start: a comment may come before the '#'. */
static int scan_defines(const char *text, size_t len, struct hashes *h)
{
	const char *end = text + len;
	for (const char *p = text; p < end && (p = memchr(p, '#', (size_t)(end - p)));) {
		p = skip_blanks(p + 1, end);
		if (end - p < 7 || memcmp(p, "define", 6) || (p[6] != ' ' && p[6] != '\t'))
			continue;
		p = skip_blanks(p + 6, end);
		if (put_ident(h, p, end))
			return -1;
	}
	return 0;
}

/* Every identifier of the line p is on. */
static int put_line(struct hashes *h, const char *text, const char *p, const char *end)
{
	while (p > text && p[-1] != '\n')
		p--;
	for (; p < end && *p != '\n'; p++)
		if (ident_start(*p) && (p == text || !ident_char(p[-1])) && put_ident(h, p, end))
			return -1;
	return 0;
}

/* "-DNAME", "-D NAME", "-D'NAME=...'" on a make line. "-D$(...)" computes
 * its name: every word of that line counts. */
static int scan_dash_d(const char *text, size_t len, struct hashes *h)
{
	const char *end = text + len;
	for (const char *p = text; p < end && (p = memchr(p, '-', (size_t)(end - p)));) {
		if (++p >= end || *p != 'D')
			continue;
		const char *name = ++p;
		while (name < end &&
		       (*name == ' ' || *name == '\t' || *name == '\'' || *name == '"'))
			name++;
		int rc = name < end && *name == '$' ? put_line(h, text, name, end)
						    : put_ident(h, name, end);
		if (rc)
			return -1;
	}
	return 0;
}

/* Files make reads, where kbuild and the arch Makefiles add -D flags. */
static int make_file(const char *rel, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(name, "Makefile", 8) || !strncmp(name, "Kbuild", 6) ||
	       (n > 3 && !strcmp(name + n - 3, ".mk")) || !strcmp(rel, ".ksplice-make-vars");
}

static int read_up_to(int fd, char *p, size_t want, size_t *got)
{
	while (*got < want) {
		ssize_t n = read(fd, p + *got, want - *got);
		if (n < 0 && errno != EINTR)
			return -1;
		if (!n)
			break;
		*got += n > 0 ? (size_t)n : 0;
	}
	return 0;
}

/* Adds the file's names: none for a binary file, of which only the first
 * BINARY_PROBE bytes are read. 0, or -1 (unreadable, out of memory). */
static int scan_file(const char *path, const char *rel, const char *name, uint64_t size,
		     struct hashes *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0, probe = size < BINARY_PROBE ? (size_t)size : BINARY_PROBE;
	char *text = malloc(probe + 1), *all;
	int rc = !text || read_up_to(fd, text, probe, &got) ? -1 : 0;
	int binary = !rc && memchr(text, '\0', got);
	if (!rc && !binary && size > probe) {
		rc = (all = realloc(text, (size_t)size + 1)) ? 0 : -1;
		text = all ? all : text;
		if (!rc)
			rc = read_up_to(fd, text, (size_t)size, &got);
	}
	close(fd);
	if (!rc && !binary)
		rc = scan_defines(text, got, h) ||
				     (make_file(rel, name) && scan_dash_d(text, got, h))
			     ? -1
			     : 0;
	free(text);
	return rc;
}

/* Stats one file for the digest and, when reading, adds its names. */
static int visit(void *ctx, const char *rel, const char *name)
{
	struct walker *w = ctx;
	char path[8400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", w->root, rel);
	if (lstat(path, &st))
		return errno == ENOENT
			       ? 0
			       : (w->failed = ksp_fail(w->err, "%s: %s", path, strerror(errno)));
	char key[8500];
	int n = snprintf(key, sizeof(key), "%s %lld %lld.%09ld", rel, (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	/* a sum: the order readdir gives does not matter */
	w->digest += ksp_strhash(key, n > 0 && (size_t)n < sizeof(key) ? (size_t)n : 0);
	w->files++;
	if (w->read && scan_file(path, rel, name, (uint64_t)st.st_size, w->out))
		w->failed = ksp_fail(w->err, "%s: cannot read", path);
	return w->failed;
}

/* Every file of the tree, and the make variables it was prepared with
 * (hidden, so not walked). */
static int walk_tree(struct walker *w)
{
	int rc = ksp_tree_walk_all(w->root, visit, w);
	if (!rc)
		rc = visit(w, ".ksplice-make-vars", ".ksplice-make-vars");
	if (rc && !w->failed)
		return ksp_fail(w->err, "%s: a directory cannot be read", w->root);
	return rc ? -1 : 0;
}

/* The compiler's predefined macros. 1 if it could not be asked: the
 * reserved names and always_macros stand in for its predefinitions, but
 * the set is not kept, so that a later run asks again. */
static int add_predefined(const struct ksp_tree *tree, struct hashes *h)
{
	if (!tree->compiler)
		return 1;
	const char *argv[] = {tree->compiler, "-std=gnu11", "-dM",	 "-E",
			      "-x",	      "c",	    "/dev/null", NULL};
	char *out = malloc(PREDEFINED_MAX);
	if (!out)
		return -1;
	int rc = ksp_run_capture(argv, NULL, out, PREDEFINED_MAX) == 0 ? 0 : 1;
	if (!rc && scan_defines(out, strlen(out), h))
		rc = -1;
	free(out);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void sort_unique(struct hashes *h)
{
	qsort(h->v, h->n, sizeof(*h->v), cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++)
		if (!k || h->v[i] != h->v[k - 1])
			h->v[k++] = h->v[i];
	h->n = k;
}

/* The kept copy's header: magic, the index's stamp, the tree's digest. */
static void store_header(char *out, size_t len, const char *stamp, uint64_t digest)
{
	snprintf(out, len, "%s%s%sdigest %016llx\n", STORE_MAGIC, stamp, STAMP_END,
		 (unsigned long long)digest);
}

/* The kept set, if its header is this one. */
static int load_kept(const char *path, const char *header, struct ksp_macro_names *m)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return 0;
	size_t hlen = strlen(header);
	char *head = malloc(hlen + 1);
	uint64_t n = 0;
	int ok = head && fread(head, 1, hlen, in) == hlen && !memcmp(head, header, hlen) &&
		 fread(&n, sizeof(n), 1, in) == 1 && n < ((uint64_t)1 << 32) &&
		 (m->hashes = malloc((size_t)n * sizeof(*m->hashes) + 1)) &&
		 fread(m->hashes, sizeof(*m->hashes), (size_t)n, in) == n;
	free(head);
	fclose(in);
	m->n = ok ? (size_t)n : 0;
	return ok;
}

/* Written whole to a temporary file, then renamed: failing to keep it costs
 * only time. */
static void store(const char *path, const char *header, const struct hashes *h)
{
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return;
	uint64_t n = h->n;
	int bad = fputs(header, f) == EOF || fwrite(&n, sizeof(n), 1, f) != 1 ||
		  fwrite(h->v, sizeof(*h->v), h->n, f) != h->n;
	if (fclose(f) || bad || rename(tmp, path))
		unlink(tmp);
}

/* Reads the whole tree and the compiler's predefinitions into m. */
static int build(const struct ksp_tree *tree, struct walker *w, struct ksp_macro_names *m,
		 int *complete)
{
	struct hashes h = {0};
	w->out = &h;
	w->read = 1;
	w->digest = 0;
	w->files = 0;
	int pre = add_predefined(tree, &h);
	int rc = pre < 0 ? ksp_fail(w->err, "out of memory") : walk_tree(w);
	sort_unique(&h);
	*complete = pre == 0;
	m->hashes = h.v;
	m->n = h.n;
	m->read = 1;
	return rc;
}

int ksp_macro_names_load(const struct ksp_tree *tree, const char *index_dir,
			 struct ksp_macro_names *m, struct ksp_error *err)
{
	memset(m, 0, sizeof(*m));
	struct walker w = {.root = tree->path, .err = err};
	char stamp[4096], path[4200], header[4400];
	snprintf(path, sizeof(path), "%s/%s", index_dir, KSP_MACRO_NAMES_FILE);
	int have_stamp = !ksp_hindex_tree_stamp(tree, stamp, sizeof(stamp));
	if (walk_tree(&w))
		return -1;
	store_header(header, sizeof(header), have_stamp ? stamp : "", w.digest);
	m->files = w.files;
	if (have_stamp && load_kept(path, header, m))
		return 0;
	free(m->hashes);
	m->hashes = NULL;
	int complete = 0;
	if (build(tree, &w, m, &complete))
		return -1;
	/* kept for the digest of the walk that read it (a file may have
	 * changed since the first) */
	store_header(header, sizeof(header), have_stamp ? stamp : "", w.digest);
	if (have_stamp && complete) {
		struct hashes h = {m->hashes, m->n, m->n};
		store(path, header, &h);
	}
	return 0;
}

int ksp_macro_names_add_defines(struct ksp_macro_names *m, const char *text, size_t len)
{
	struct hashes h = {m->extra, m->nextra, m->extra_cap};
	int rc = scan_defines(text, len, &h);
	m->extra = h.v;
	m->nextra = h.n;
	m->extra_cap = h.cap;
	return rc;
}

/* Names of the implementation (__x, _X) are predefined by flags (-O2:
 * __OPTIMIZE__, -mavx2: __AVX2__) that a plain -dM does not show; gnu modes
 * predefine these others, listed here in case the compiler cannot be run. */
static const char *const always_macros[] = {"linux", "unix", "i386"};

int ksp_macro_names_has(const struct ksp_macro_names *m, const char *name, size_t len)
{
	if (len >= 2 && name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z')))
		return 1;
	for (size_t i = 0; i < sizeof(always_macros) / sizeof(*always_macros); i++)
		if (strlen(always_macros[i]) == len && !memcmp(always_macros[i], name, len))
			return 1;
	uint64_t h = ksp_strhash(name, len);
	for (size_t i = 0; i < m->nextra; i++)
		if (m->extra[i] == h)
			return 1;
	return m->hashes && bsearch(&h, m->hashes, m->n, sizeof(h), cmp_u64) != NULL;
}

void ksp_macro_names_free(struct ksp_macro_names *m)
{
	free(m->hashes);
	free(m->extra);
	memset(m, 0, sizeof(*m));
}
