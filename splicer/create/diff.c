#include "diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct line_reader {
	const char *text, *end;
	const char *line; /* current line, not NUL-terminated */
	size_t len;
	const char *next; /* where the line after it starts */
	unsigned lineno;
	const char *origin;
};

static int next_line(struct line_reader *r)
{
	/* Not line + len: a '\r' removed from the end of a line is not part of
	 * len, and the next line starts after the '\n'. */
	const char *start = r->line ? r->next : r->text;
	if (start >= r->end)
		return 0;
	const char *nl = memchr(start, '\n', (size_t)(r->end - start));
	r->line = start;
	r->len = nl ? (size_t)(nl - start) : (size_t)(r->end - start);
	r->next = nl ? nl + 1 : r->end;
	if (r->len > 0 && start[r->len - 1] == '\r')
		r->len--;
	r->lineno++;
	return 1;
}

/* Peeks at the line after the current one without consuming it. */
static int peek_starts_with(const struct line_reader *r, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(r->end - r->next) >= n && memcmp(r->next, prefix, n) == 0;
}

static int starts_with(const struct line_reader *r, const char *prefix)
{
	size_t n = strlen(prefix);
	return r->len >= n && memcmp(r->line, prefix, n) == 0;
}

/* "--- a/fs/proc/cmdline.c\t2024-01-01 ..." -> "fs/proc/cmdline.c" (prefix
 * stripping is decided later, once both names are known). NULL for
 * /dev/null. */
static char *header_path(const char *s, size_t len)
{
	size_t n = 0;
	while (n < len && s[n] != '\t')
		n++;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 9 && memcmp(s, "/dev/null", 9) == 0)
		return NULL;
	return strndup(s, n);
}

static int has_git_prefix(const char *path, char side)
{
	return !path || (path[0] == side && path[1] == '/');
}

static void strip_prefix(char *path)
{
	if (path)
		memmove(path, path + 2, strlen(path + 2) + 1);
}

static int parse_count(const char **p, unsigned *start, unsigned *count)
{
	char *end;
	unsigned long v = strtoul(*p, &end, 10);
	if (end == *p || v > 100000000UL)
		return -1;
	*start = (unsigned)v;
	*count = 1;
	if (*end == ',') {
		const char *c = end + 1;
		v = strtoul(c, &end, 10);
		if (end == c || v > 100000000UL)
			return -1;
		*count = (unsigned)v;
	}
	*p = end;
	return 0;
}

/* "@@ -12,7 +12,8 @@ optional context" */
static int parse_hunk_header(const struct line_reader *r, struct ksp_hunk *h)
{
	char buf[128];
	size_t n = r->len < sizeof(buf) - 1 ? r->len : sizeof(buf) - 1;
	memcpy(buf, r->line, n);
	buf[n] = '\0';
	if (strncmp(buf, "@@ -", 4) != 0)
		return -1;
	const char *p = buf + 4;
	if (parse_count(&p, &h->old_start, &h->old_count) || strncmp(p, " +", 2) != 0)
		return -1;
	p += 2;
	if (parse_count(&p, &h->new_start, &h->new_count) || strncmp(p, " @@", 3) != 0)
		return -1;
	h->diff_line = r->lineno;
	h->added = h->removed = 0;
	return 0;
}

/* Consumes the body of a hunk whose header is the current line. */
static int parse_hunk_body(struct line_reader *r, struct ksp_hunk *h, const char *path,
			   struct ksp_error *err)
{
	unsigned old_left = h->old_count, new_left = h->new_count;
	while (old_left || new_left) {
		if (!next_line(r))
			return ksp_fail(err, "%s:%u: hunk of %s ends early (file truncated?)",
					r->origin, h->diff_line, path);
		char c = r->len ? r->line[0] : ' '; /* an empty line is empty context */
		if (c == '\\')
			continue; /* "\ No newline at end of file" */
		if ((c == ' ' || c == '-') && old_left == 0)
			return ksp_fail(err,
					"%s:%u: hunk of %s has more old lines than its header says",
					r->origin, r->lineno, path);
		if ((c == ' ' || c == '+') && new_left == 0)
			return ksp_fail(err,
					"%s:%u: hunk of %s has more new lines than its header says",
					r->origin, r->lineno, path);
		if (c == ' ') {
			old_left--;
			new_left--;
		} else if (c == '-') {
			old_left--;
			h->removed++;
		} else if (c == '+') {
			new_left--;
			h->added++;
		} else {
			return ksp_fail(err, "%s:%u: unexpected line in hunk of %s", r->origin,
					r->lineno, path);
		}
	}
	return 0;
}

static int append_hunk(struct ksp_file_diff *f, const struct ksp_hunk *h)
{
	struct ksp_hunk *n = realloc(f->hunks, (f->nhunks + 1) * sizeof(*n));
	if (!n)
		return -1;
	f->hunks = n;
	f->hunks[f->nhunks++] = *h;
	return 0;
}

static struct ksp_file_diff *append_file(struct ksp_diff *d)
{
	struct ksp_file_diff *n = realloc(d->files, (d->nfiles + 1) * sizeof(*n));
	if (!n)
		return NULL;
	d->files = n;
	memset(&d->files[d->nfiles], 0, sizeof(d->files[0]));
	return &d->files[d->nfiles++];
}

/* The current line is "--- old", the next "+++ new". */
static int parse_file(struct line_reader *r, struct ksp_diff *d, struct ksp_error *err)
{
	struct ksp_file_diff *f = append_file(d);
	if (!f)
		return ksp_fail(err, "%s: out of memory", r->origin);
	unsigned header_line = r->lineno;
	f->old_path = header_path(r->line + 4, r->len - 4);
	next_line(r);
	f->new_path = header_path(r->line + 4, r->len - 4);
	if (!f->old_path && !f->new_path)
		return ksp_fail(err, "%s:%u: both sides are /dev/null", r->origin, header_line);
	if (has_git_prefix(f->old_path, 'a') && has_git_prefix(f->new_path, 'b')) {
		strip_prefix(f->old_path);
		strip_prefix(f->new_path);
		d->strip = 1;
	}
	const char *path = ksp_file_diff_path(f);
	while (peek_starts_with(r, "@@ ")) {
		struct ksp_hunk h;
		next_line(r);
		if (parse_hunk_header(r, &h))
			return ksp_fail(err, "%s:%u: malformed hunk header for %s", r->origin,
					r->lineno, path);
		if (parse_hunk_body(r, &h, path, err))
			return -1;
		if (append_hunk(f, &h))
			return ksp_fail(err, "%s: out of memory", r->origin);
	}
	if (f->nhunks == 0)
		return ksp_fail(err, "%s:%u: %s has a header but no hunks", r->origin, header_line,
				path);
	return 0;
}

static char *mail_subject(const struct line_reader *r)
{
	const char *s = r->line + 8, *end = r->line + r->len;
	while (s < end && *s == ' ')
		s++;
	if (s < end && *s == '[') { /* "[PATCH v2 1/3] " */
		const char *close = memchr(s, ']', (size_t)(end - s));
		if (close) {
			s = close + 1;
			while (s < end && *s == ' ')
				s++;
		}
	}
	return strndup(s, (size_t)(end - s));
}

static void parse_description_line(const struct line_reader *r, struct ksp_diff *d)
{
	if (starts_with(r, "Subject:")) {
		free(d->description);
		d->description = mail_subject(r);
	} else if (!d->description && r->len > 0 && !starts_with(r, "From ") &&
		   !starts_with(r, "diff ") && !starts_with(r, "Index:")) {
		d->description = strndup(r->line, r->len);
	}
}

int ksp_diff_parse(const char *text, size_t len, const char *origin, struct ksp_diff *d,
		   struct ksp_error *err)
{
	struct line_reader r = {.text = text, .end = text + len, .origin = origin};
	memset(d, 0, sizeof(*d));
	if (memchr(text, '\0', len)) {
		ksp_fail(err, "%s: binary data, not a unified diff", origin);
		goto fail;
	}
	while (next_line(&r)) {
		if (starts_with(&r, "--- ") && peek_starts_with(&r, "+++ ")) {
			if (parse_file(&r, d, err))
				goto fail;
		} else if (starts_with(&r, "GIT binary patch") ||
			   starts_with(&r, "Binary files ")) {
			ksp_fail(err, "%s:%u: binary patches are not supported", origin, r.lineno);
			goto fail;
		} else if (d->nfiles == 0) {
			parse_description_line(&r, d);
		}
	}
	if (d->nfiles == 0) {
		ksp_fail(err, "%s: no file changes found (not a unified diff?)", origin);
		goto fail;
	}
	if (!d->description) {
		char buf[300];
		snprintf(buf, sizeof(buf), "patch to %s", ksp_file_diff_path(&d->files[0]));
		d->description = strdup(buf);
	}
	return 0;
fail:
	ksp_diff_free(d);
	return -1;
}

int ksp_diff_load(const char *path, struct ksp_diff *d, struct ksp_error *err)
{
	memset(d, 0, sizeof(*d));
	FILE *f = fopen(path, "rb");
	if (!f)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	char *buf = NULL;
	size_t size = 0, cap = 0, n;
	char chunk[65536];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (size + n > cap) {
			cap = (size + n) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return ksp_fail(err, "%s: out of memory", path);
			}
			buf = nb;
		}
		memcpy(buf + size, chunk, n);
		size += n;
	}
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		return ksp_fail(err, "%s: read error", path);
	}
	int rc = ksp_diff_parse(buf ? buf : "", size, path, d, err);
	free(buf);
	return rc;
}

/* path without its first n components, or NULL if it has too few. */
static const char *skip_components(const char *path, int n)
{
	for (; n > 0 && path; n--) {
		path = strchr(path, '/');
		path = path ? path + 1 : NULL;
	}
	return path;
}

static int all_exist(const struct ksp_diff *d, const char *root, int extra, size_t *missing)
{
	for (size_t i = 0; i < d->nfiles; i++) {
		if (!d->files[i].old_path)
			continue; /* created by the patch */
		const char *rel = skip_components(d->files[i].old_path, extra);
		char path[4096];
		if (!rel || snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path) ||
		    access(path, F_OK) != 0) {
			*missing = i;
			return 0;
		}
	}
	return 1;
}

static void strip_components(char *path, int n)
{
	if (!path)
		return;
	const char *rest = skip_components(path, n);
	if (rest)
		memmove(path, rest, strlen(rest) + 1);
}

int ksp_diff_resolve_paths(struct ksp_diff *d, const char *root, struct ksp_error *err)
{
	size_t missing = 0, first_missing = 0;
	for (int extra = 0; extra <= 3; extra++) {
		if (all_exist(d, root, extra, &missing)) {
			for (size_t i = 0; i < d->nfiles; i++) {
				strip_components(d->files[i].old_path, extra);
				strip_components(d->files[i].new_path, extra);
			}
			d->strip += extra;
			return 0;
		}
		if (extra == 0)
			first_missing = missing;
	}
	return ksp_fail(err, "%s: not found in %s (is it the right tree?)",
			ksp_file_diff_path(&d->files[first_missing]), root);
}

const char *ksp_file_diff_path(const struct ksp_file_diff *f)
{
	return f->new_path ? f->new_path : f->old_path;
}

unsigned ksp_diff_lines_changed(const struct ksp_diff *d)
{
	unsigned total = 0;
	for (size_t i = 0; i < d->nfiles; i++)
		for (size_t j = 0; j < d->files[i].nhunks; j++)
			total += d->files[i].hunks[j].added + d->files[i].hunks[j].removed;
	return total;
}

void ksp_diff_free(struct ksp_diff *d)
{
	for (size_t i = 0; i < d->nfiles; i++) {
		free(d->files[i].old_path);
		free(d->files[i].new_path);
		free(d->files[i].hunks);
	}
	free(d->files);
	free(d->description);
	memset(d, 0, sizeof(*d));
}
