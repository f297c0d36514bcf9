/* The source files a generated file of the tree is made from, from kbuild's
 * .cmd files. */
#include "generated_inputs.h"
#include "fileio.h"
#include "pp_items.h"
#include "strmap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Deeper than any chain of generators kbuild runs (a header made by a host
 * program made from sources). */
#define MAX_DEPTH 8

struct walk {
	const char *root;
	struct ksp_strlist *inputs;
	struct ksp_strmap visited;
	const struct ksp_made_files *made;
};

static int is_file(const char *root, const char *rel)
{
	char path[17000];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ".NAME.cmd" beside rel. */
static void own_cmd(const char *rel, char *out, size_t len)
{
	const char *slash = strrchr(rel, '/');
	const char *base = slash ? slash + 1 : rel;
	snprintf(out, len, "%.*s.%s.cmd", (int)(base - rel), rel, base);
}

static char *read_text(const char *root, const char *rel)
{
	char path[17000];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unsigned char *data = NULL;
	size_t len;
	struct ksp_error err;
	if (ksp_read_file(path, 0, &data, &len, &err))
		return NULL;
	return (char *)data; /* ksp_read_file ends it with a NUL */
}

/* path as the index names files (pp_marker_path): relative to the tree if
 * under it, "lib/../include/x.h" as "include/x.h". */
static void tree_relative(const struct walk *w, const char *path, char *out, size_t len)
{
	pp_marker_path(path, strlen(path), w->root, out, len);
}

/* The next whitespace-separated token of *p, stripped of shell quoting and
 * redirection, and of "./"; NULL at the end. */
static const char *next_token(const char **p, char *tok, size_t len)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t' || *s == '\\' || *s == '\n')
		s++;
	if (!*s)
		return NULL;
	const char *e = s;
	while (*e && *e != ' ' && *e != '\t' && *e != '\n')
		e++;
	*p = e;
	while (s < e && strchr("'\"<>;(&|", *s))
		s++;
	while (e > s && strchr("'\";)&|", e[-1]))
		e--;
	if (e - s >= 2 && s[0] == '.' && s[1] == '/')
		s += 2;
	snprintf(tok, len, "%.*s", (int)(e - s), s);
	return tok;
}

/* The text of a .cmd line's value ("cmd_x := VALUE"), and of the lines
 * continued after it with a trailing backslash. */
static const char *value_of(const char *line)
{
	const char *v = strstr(line, ":=");
	return v ? v + 2 : NULL;
}

static int take_files(struct walk *w, const char *text, size_t len, const char *self, int depth);

/* Each tree file a .cmd file's command, source and dependency lines name. */
static int walk_cmd(struct walk *w, const char *cmd_rel, const char *self, int depth)
{
	char *text = read_text(w->root, cmd_rel);
	if (!text)
		return -1;
	int rc = 0;
	for (char *line = text; line && *line && !rc;) {
		char *end = strchr(line, '\n');
		int deps = !strncmp(line, "deps_", 5);
		if (!strncmp(line, "cmd_", 4) || !strncmp(line, "savedcmd_", 9) ||
		    !strncmp(line, "source_", 7) || deps) {
			const char *v = value_of(line);
			char *stop = end;
			/* deps_ lists go on over backslash-continued lines */
			while (deps && stop && stop > line && stop[-1] == '\\')
				stop = strchr(stop + 1, '\n');
			if (v && (!stop || v < stop))
				rc = take_files(w, v, stop ? (size_t)(stop - v) : strlen(v), self,
						depth);
			end = stop;
		}
		line = end ? end + 1 : NULL;
	}
	free(text);
	return rc;
}

/* A .cmd file of rel's directory whose command names rel (rel was made as
 * a side output of that command), into out: 0, or -1 if none. */
static int sibling_cmd(const struct walk *w, const char *rel, char *out, size_t len)
{
	const char *slash = strrchr(rel, '/');
	char dir[8400];
	snprintf(dir, sizeof(dir), "%s/%.*s", w->root, slash ? (int)(slash - rel) : 0, rel);
	DIR *d = opendir(dir);
	int found = -1;
	for (struct dirent *e; d && found < 0 && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		/* an object's compile command names the headers it reads
		 * (-include x.h), not what it makes */
		if (e->d_name[0] != '.' || n < 5 || strcmp(e->d_name + n - 4, ".cmd") ||
		    (n > 6 && !strcmp(e->d_name + n - 6, ".o.cmd")))
			continue;
		char cmd_rel[8400];
		snprintf(cmd_rel, sizeof(cmd_rel), "%.*s%s", slash ? (int)(slash - rel) + 1 : 0,
			 rel, e->d_name);
		char *text = read_text(w->root, cmd_rel);
		const char *v = text ? value_of(text) : NULL;
		char *eol = v ? strchr(v, '\n') : NULL;
		if (eol)
			*eol = '\0';
		char tok[4096];
		for (const char *p = v; p && found < 0 && next_token(&p, tok, sizeof(tok));)
			if (!strcmp(tok, rel) && (size_t)snprintf(out, len, "%s", cmd_rel) < len)
				found = 0;
		free(text);
	}
	if (d)
		closedir(d);
	return found;
}

/* Whether kbuild made rel: 1 with its own .cmd in out, 0 if rel is a
 * source, -1 if this run's builds made it without a .cmd of its own. */
static int made_by(const struct walk *w, const char *rel, char *out, size_t len)
{
	own_cmd(rel, out, len);
	if (is_file(w->root, out))
		return 1;
	return w->made->is_new(w->made->ctx, rel) ? -1 : 0;
}

static int take_file(struct walk *w, const char *rel, int depth);

/* The inputs of the files make's rule for rel names: 1 done, 0 its rule
 * names no file (FORCE only, or no rule), -1 failed. */
static int take_prerequisites(struct walk *w, const char *rel, int depth)
{
	struct ksp_strlist pre = {0};
	if (!w->made->prerequisites)
		return 0;
	if (w->made->prerequisites(w->made->ctx, rel, &pre))
		return -1;
	int rc = 0, named = 0;
	for (size_t i = 0; i < pre.n && !rc; i++) {
		char path[4096];
		tree_relative(w, pre.v[i], path, sizeof(path));
		if (path[0] == '/' || !is_file(w->root, path))
			continue;
		named = 1;
		rc = take_file(w, path, depth + 1);
	}
	ksp_strlist_free(&pre);
	return rc ? -1 : named;
}

/* A file made without a .cmd of its own: what make's rule names (the
 * prerequisites of $(call cmd,...) rules, and of grouped targets such as
 * flask.h's av_permissions.h), else a .cmd of its directory whose command
 * names it (a side output); else its making is unknown. */
static int take_made_without_cmd(struct walk *w, const char *rel, int depth)
{
	char cmd[8400];
	if (depth >= MAX_DEPTH)
		return -1;
	int rc = take_prerequisites(w, rel, depth);
	if (rc)
		return rc < 0 ? -1 : 0;
	return sibling_cmd(w, rel, cmd, sizeof(cmd)) == 0 ? walk_cmd(w, cmd, rel, depth + 1) : -1;
}

/* rel's inputs: rel itself if it is a source, else those of what made it. */
static int take_file(struct walk *w, const char *rel, int depth)
{
	if (ksp_strmap_get(&w->visited, rel, strlen(rel)))
		return 0;
	if (ksp_strmap_put(&w->visited, rel, strlen(rel), (void *)1) < 0)
		return -1;
	char cmd[8400];
	int made = made_by(w, rel, cmd, sizeof(cmd));
	if (made < 0)
		return take_made_without_cmd(w, rel, depth);
	if (made && depth >= MAX_DEPTH)
		return -1;
	if (made)
		return walk_cmd(w, cmd, rel, depth + 1);
	return ksp_strlist_push(w->inputs, rel, strlen(rel));
}

static int take_files(struct walk *w, const char *text, size_t len, const char *self, int depth)
{
	char *copy = strndup(text, len), tok[4096];
	if (!copy)
		return -1;
	int rc = 0;
	for (const char *p = copy; !rc && next_token(&p, tok, sizeof(tok));) {
		char rel[4096];
		if (!strncmp(tok, "$(", 2) || tok[0] == '-')
			continue;
		tree_relative(w, tok, rel, sizeof(rel));
		/* outside the tree: the compiler's own headers, the index's stamp */
		if (rel[0] != '/' && strcmp(rel, self) && is_file(w->root, rel))
			rc = take_file(w, rel, depth);
	}
	free(copy);
	return rc;
}

int ksp_generated_inputs(const char *root, const char *rel, const struct ksp_made_files *made,
			 struct ksp_strlist *inputs)
{
	struct walk w = {.root = root, .inputs = inputs, .made = made};
	char cmd[8400];
	int rc = -1;
	if (ksp_strmap_put(&w.visited, rel, strlen(rel), (void *)1) == 0) {
		int how = made_by(&w, rel, cmd, sizeof(cmd));
		rc = how == 1  ? walk_cmd(&w, cmd, rel, 1)
		     : how < 0 ? take_made_without_cmd(&w, rel, 0)
			       : -1;
	}
	ksp_strmap_free(&w.visited, NULL);
	return rc;
}
