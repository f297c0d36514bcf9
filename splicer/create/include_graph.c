#include "include_graph.h"
#include "array.h"
#include "fileio.h"
#include "tree_walk.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The -I list of an x86 kernel build, in the compiler's order: the top
 * Makefile's LINUXINCLUDE and USERINCLUDE, which kbuild puts before any
 * directory of an object's own flags. */
static const char *const include_dirs[] = {
	"arch/x86/include",	  "arch/x86/include/generated",	     "include",
	"arch/x86/include/uapi",  "arch/x86/include/generated/uapi", "include/uapi",
	"include/generated/uapi",
};

struct ids {
	size_t *v;
	size_t n, cap;
};

struct node {
	char *path;
	struct ids users; /* files that include this one */
};

/* String keys to indexes, open addressing. */
struct table {
	char **keys;
	size_t *values;
	size_t cap, n;
};

struct graph {
	struct node *nodes;
	size_t n, cap;
	struct table by_path;
	struct table by_base; /* basename -> index into bases */
	struct ids *bases;
	size_t nbases;
};

static int ids_add(struct ids *s, size_t id)
{
	size_t *v = ksp_array_room(s->v, &s->cap, s->n, sizeof(*v), 4);
	if (!v)
		return -1;
	s->v = v;
	s->v[s->n++] = id;
	return 0;
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static size_t table_slot(const struct table *t, const char *key, size_t len)
{
	size_t i = hash(key, len) & (t->cap - 1);
	while (t->keys[i] && (strlen(t->keys[i]) != len || memcmp(t->keys[i], key, len) != 0))
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* SIZE_MAX if absent. */
static size_t table_get(const struct table *t, const char *key, size_t len)
{
	if (!t->cap)
		return SIZE_MAX;
	size_t i = table_slot(t, key, len);
	return t->keys[i] ? t->values[i] : SIZE_MAX;
}

static int table_grow(struct table *t)
{
	struct table bigger = {calloc(t->cap ? t->cap * 2 : 1024, sizeof(char *)),
			       calloc(t->cap ? t->cap * 2 : 1024, sizeof(size_t)),
			       t->cap ? t->cap * 2 : 1024, t->n};
	if (!bigger.keys || !bigger.values) {
		free(bigger.keys);
		free(bigger.values);
		return -1;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i]) {
			size_t j = table_slot(&bigger, t->keys[i], strlen(t->keys[i]));
			bigger.keys[j] = t->keys[i];
			bigger.values[j] = t->values[i];
		}
	free(t->keys);
	free(t->values);
	*t = bigger;
	return 0;
}

/* key is kept, not copied. */
static int table_put(struct table *t, char *key, size_t value)
{
	if ((t->n + 1) * 2 > t->cap && table_grow(t))
		return -1;
	size_t i = table_slot(t, key, strlen(key));
	t->keys[i] = key;
	t->values[i] = value;
	t->n++;
	return 0;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int add_node(struct graph *g, const char *path)
{
	struct node *v = ksp_array_room(g->nodes, &g->cap, g->n, sizeof(*v), 4096);
	if (!v)
		return -1;
	g->nodes = v;
	char *copy = strdup(path);
	if (!copy || table_put(&g->by_path, copy, g->n)) {
		free(copy);
		return -1;
	}
	g->nodes[g->n] = (struct node){copy, {0}};
	const char *base = base_of(copy);
	size_t b = table_get(&g->by_base, base, strlen(base));
	if (b == SIZE_MAX) {
		struct ids *v = realloc(g->bases, (g->nbases + 1) * sizeof(*v));
		if (!v)
			return -1;
		g->bases = v;
		g->bases[g->nbases] = (struct ids){0};
		b = g->nbases++;
		if (table_put(&g->by_base, (char *)base, b))
			return -1;
	}
	return ids_add(&g->bases[b], g->n++);
}

/* Every .c and .h file is a node. */
static int add_source(void *ctx, const char *rel, const char *name)
{
	size_t n = strlen(name);
	if (n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h'))
		return add_node(ctx, rel);
	return 0;
}

/* dir/name with "." and ".." resolved, into out; 0 if it leaves the tree. */
static int join_normal(const char *dir, size_t dirlen, const char *name, size_t namelen, char *out,
		       size_t outlen)
{
	char buf[4200];
	if (dirlen + namelen + 2 > sizeof(buf))
		return 0;
	snprintf(buf, sizeof(buf), "%.*s%s%.*s", (int)dirlen, dir, dirlen ? "/" : "", (int)namelen,
		 name);
	size_t o = 0;
	for (char *save, *part = strtok_r(buf, "/", &save); part;
	     part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0) {
			if (o == 0)
				return 0;
			while (o > 0 && out[o - 1] != '/')
				o--;
			o = o > 0 ? o - 1 : 0;
			continue;
		}
		size_t n = strlen(part);
		if (o + n + 2 > outlen)
			return 0;
		if (o)
			out[o++] = '/';
		memcpy(out + o, part, n);
		o += n;
	}
	out[o] = '\0';
	return o > 0;
}

int ksp_include_resolve(const char *including, const char *name, size_t len, int quoted,
			int beside_only, int (*exists)(void *ctx, const char *rel), void *ctx,
			char *out, size_t cap)
{
	const char *slash = strrchr(including, '/');
	if (quoted &&
	    join_normal(including, slash ? (size_t)(slash - including) : 0, name, len, out, cap) &&
	    exists(ctx, out))
		return 1;
	if (quoted && beside_only)
		return 0;
	for (size_t i = 0; i < sizeof(include_dirs) / sizeof(*include_dirs); i++)
		if (join_normal(include_dirs[i], strlen(include_dirs[i]), name, len, out, cap) &&
		    exists(ctx, out))
			return 1;
	return 0;
}

static int in_graph(void *ctx, const char *rel)
{
	const struct graph *g = ctx;
	return table_get(&g->by_path, rel, strlen(rel)) != SIZE_MAX;
}

static int link_include(struct graph *g, size_t from, const char *name, size_t len, int quoted)
{
	char path[4200];
	if (ksp_include_resolve(g->nodes[from].path, name, len, quoted, 0, in_graph, g, path,
				sizeof(path)))
		return ids_add(&g->nodes[table_get(&g->by_path, path, strlen(path))].users, from);
	/* Found through a -I of the directory's own: every file named so. */
	const char *base = name;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/')
			base = name + i + 1;
	size_t b = table_get(&g->by_base, base, len - (size_t)(base - name));
	for (size_t i = 0; b != SIZE_MAX && i < g->bases[b].n; i++) {
		size_t to = g->bases[b].v[i];
		const char *p = g->nodes[to].path;
		size_t plen = strlen(p);
		if (plen > len && p[plen - len - 1] == '/' &&
		    memcmp(p + plen - len, name, len) == 0 && ids_add(&g->nodes[to].users, from))
			return -1;
	}
	return 0;
}

/* Every #include "x" or <x> line of the file. */
static int scan_file(struct graph *g, const char *root, size_t id)
{
	char path[8300];
	snprintf(path, sizeof(path), "%s/%s", root, g->nodes[id].path);
	unsigned char *data;
	size_t size;
	struct ksp_error ignored;
	if (ksp_read_file(path, 0, &data, &size, &ignored))
		return 0;
	int rc = 0;
	for (const char *p = (const char *)data; p && *p && !rc;) {
		const char *line_end = strchr(p, '\n');
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (strncmp(p, "include", 7) == 0) {
				p += 7;
				while (*p == ' ' || *p == '\t')
					p++;
				char close = *p == '"' ? '"' : *p == '<' ? '>' : 0;
				const char *end = close ? strchr(p + 1, close) : NULL;
				if (end && (!line_end || end < line_end))
					rc = link_include(g, id, p + 1, (size_t)(end - p - 1),
							  close == '"');
			}
		}
		p = line_end ? line_end + 1 : NULL;
	}
	free(data);
	return rc;
}

static void graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->nodes[i].path);
		free(g->nodes[i].users.v);
	}
	for (size_t i = 0; i < g->nbases; i++)
		free(g->bases[i].v);
	free(g->nodes);
	free(g->bases);
	free(g->by_path.keys);
	free(g->by_path.values);
	free(g->by_base.keys);
	free(g->by_base.values);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Breadth first from start over "is included by"; the .c files reached. */
static int reach(const struct graph *g, size_t start, size_t limit, char ***sources, size_t *n)
{
	unsigned char *seen = calloc(g->n, 1);
	size_t *queue = malloc(g->n * sizeof(*queue));
	char **found = NULL;
	size_t nfound = 0, head = 0, tail = 0;
	int rc = (!seen || !queue) ? -1 : 0;
	if (!rc) {
		seen[start] = 1;
		queue[tail++] = start;
	}
	while (!rc && head < tail) {
		const struct node *node = &g->nodes[queue[head++]];
		const char *p = node->path;
		if (p[strlen(p) - 1] == 'c') {
			if (nfound == limit) {
				rc = 1;
				break;
			}
			char **v = realloc(found, (nfound + 1) * sizeof(*v));
			rc = !v || !(v[nfound] = strdup(p)) ? -1 : 0;
			if (v)
				found = v;
			nfound += rc == 0;
		}
		for (size_t i = 0; !rc && i < node->users.n; i++)
			if (!seen[node->users.v[i]]) {
				seen[node->users.v[i]] = 1;
				queue[tail++] = node->users.v[i];
			}
	}
	free(seen);
	free(queue);
	*n = nfound;
	if (rc) {
		for (size_t i = 0; i < nfound; i++)
			free(found[i]);
		free(found);
		return rc;
	}
	qsort(found, nfound, sizeof(*found), cmp_str);
	*sources = found;
	return 0;
}

int ksp_include_users(const char *root, const char *header, size_t limit, char ***sources,
		      size_t *n, struct ksp_error *err)
{
	*sources = NULL;
	*n = 0;
	struct graph g = {0};
	int rc = ksp_tree_walk(root, add_source, &g)
			 ? ksp_fail(err, "out of memory reading %s", root)
			 : 0;
	for (size_t i = 0; i < g.n && !rc; i++)
		rc = scan_file(&g, root, i) ? ksp_fail(err, "out of memory") : 0;
	size_t start = rc ? SIZE_MAX : table_get(&g.by_path, header, strlen(header));
	if (!rc && start == SIZE_MAX)
		rc = ksp_fail(err, "%s: not found in %s", header, root);
	if (!rc) {
		rc = reach(&g, start, limit, sources, n);
		if (rc < 0)
			ksp_fail(err, "out of memory");
	}
	graph_free(&g);
	return rc;
}
