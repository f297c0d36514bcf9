#include "header_users.h"
#include "include_graph.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct names {
	char **v;
	size_t n;
};

static int names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return 1;
	return 0;
}

static int names_add(struct names *s, const char *name)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->v = v;
	s->v[s->n] = strdup(name);
	return s->v[s->n] ? (s->n++, 0) : -1;
}

/* Does the file include, with quotes, any of the names? */
static int includes_any(const char *path, const struct names *names)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[1024];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "include", 7) != 0)
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '"')
			continue;
		const char *end = strchr(p, '"');
		if (!end)
			continue;
		char name[512];
		snprintf(name, sizeof(name), "%.*s", (int)(end - p), p);
		found = names_has(names, name);
	}
	fclose(f);
	return found;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int ksp_header_is_shared(const char *header)
{
	return strncmp(header, "include/", 8) == 0 ||
	       (strncmp(header, "arch/", 5) == 0 && strstr(header, "/include/"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ksp_header_users(const char *root, const char *header, char ***sources, size_t *n,
		     struct ksp_error *err)
{
	*sources = NULL;
	*n = 0;
	if (ksp_header_is_shared(header))
		return ksp_include_users(root, header, (size_t)-1, sources, n, err) ? -1 : 0;
	const char *slash = strrchr(header, '/');
	char dir[4096], path[8300];
	snprintf(dir, sizeof(dir), "%s/%.*s", root, slash ? (int)(slash - header) : 0, header);
	struct names reach = {0}, users = {0};
	if (names_add(&reach, slash ? slash + 1 : header))
		return ksp_fail(err, "out of memory");
	/* Headers of the directory that include a reached header are reached
	 * too; repeat until nothing is added. */
	for (size_t before = 0; before != reach.n;) {
		before = reach.n;
		DIR *d = opendir(dir);
		if (!d) {
			ksp_header_users_free(reach.v, reach.n);
			return ksp_fail(err, "%s: cannot list", dir);
		}
		for (struct dirent *e; (e = readdir(d));) {
			if (!ends_with(e->d_name, ".h") || names_has(&reach, e->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (includes_any(path, &reach))
				names_add(&reach, e->d_name);
		}
		closedir(d);
	}
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (!ends_with(e->d_name, ".c"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!includes_any(path, &reach))
			continue;
		char rel[4400];
		snprintf(rel, sizeof(rel), "%.*s%s%s", slash ? (int)(slash - header) : 0, header,
			 slash ? "/" : "", e->d_name);
		names_add(&users, rel);
	}
	if (d)
		closedir(d);
	ksp_header_users_free(reach.v, reach.n);
	qsort(users.v, users.n, sizeof(*users.v), cmp_str);
	*sources = users.v;
	*n = users.n;
	return 0;
}

void ksp_header_users_free(char **sources, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(sources[i]);
	free(sources);
}
