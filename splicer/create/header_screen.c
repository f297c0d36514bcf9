#include "header_screen.h"
#include "fileio.h"
#include "pp_items.h"
#include "pp_screen.h"
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Objects preprocessed per make run: enough to keep -j busy, few enough
 * that their .i files (about 5 MB each) stay small on disk. */
#define SCREEN_BATCH 96
#define MAX_PREPROCESSED (512u << 20)

void ksp_screen_outputs(const char *object, char out[3][4096])
{
	const char *slash = strrchr(object, '/');
	const char *base = slash ? slash + 1 : object;
	int dir = (int)(base - object);
	size_t n = strlen(base);
	int stem = (int)(n > 2 && !strcmp(base + n - 2, ".o") ? n - 2 : n);
	snprintf(out[0], 4096, "%.*s%.*s.i", dir, object, stem, base);
	snprintf(out[1], 4096, "%.*s.%.*s.i.cmd", dir, object, stem, base);
	snprintf(out[2], 4096, "%.*s.%.*s.i.d", dir, object, stem, base);
}

static void digest_path(const struct ksp_screen *s, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%zu.digest", s->dir, i);
}

/* Called for each object with its preprocessed text, or NULL if kbuild did
 * not produce it. */
typedef int (*screen_fn)(const struct ksp_screen *s, size_t i, const char *text, size_t len,
			 void *ctx, struct ksp_error *err);

static void remove_outputs(const struct ksp_screen *s, char out[3][4096])
{
	for (int k = 0; k < 3; k++) {
		char path[8300];
		snprintf(path, sizeof(path), "%s/%s", s->tree->path, out[k]);
		unlink(path);
	}
}

static int screen_batch(const struct ksp_screen *s, const size_t *index, size_t count,
			const char *log, screen_fn fn, void *ctx, struct ksp_error *err)
{
	char(*out)[3][4096] = calloc(count, sizeof(*out));
	const char **targets = calloc(count, sizeof(*targets));
	int rc = out && targets ? 0 : ksp_fail(err, "out of memory");
	for (size_t k = 0; k < count && !rc; k++) {
		ksp_screen_outputs(s->objects[index[k]], out[k]);
		targets[k] = out[k][0];
	}
	if (!rc)
		rc = ksp_tree_preprocess(s->tree, targets, count, s->jobs, s->index != NULL, log,
					 err);
	for (size_t k = 0; k < count && out; k++) {
		char path[8300];
		snprintf(path, sizeof(path), "%s/%s", s->tree->path, out[k][0]);
		unsigned char *text = NULL;
		size_t len = 0;
		struct ksp_error read_err;
		if (!rc && ksp_read_file(path, MAX_PREPROCESSED, &text, &len, &read_err))
			text = NULL;
		if (!rc)
			rc = fn(s, index[k], (const char *)text, len, ctx, err);
		free(text);
		remove_outputs(s, out[k]);
	}
	free(out);
	free(targets);
	return rc;
}

/* Preprocesses the objects still to be digested or compared, in batches. */
static int screen_all(const struct ksp_screen *s, const char *side, screen_fn fn, void *ctx,
		      struct ksp_error *err)
{
	char log[4200];
	const char *side_words = strcmp(side, "before") ? "after the patch" : "before the patch";
	snprintf(log, sizeof(log), "%s/preprocess-%s.log", s->dir, side);
	size_t *index = calloc(s->n + 1, sizeof(*index)), n = 0;
	if (!index)
		return ksp_fail(err, "out of memory");
	for (size_t i = 0; i < s->n; i++)
		if (s->state[i] == KSP_SCREEN_DIGESTED)
			index[n++] = i;
	int rc = 0;
	for (size_t first = 0; first < n && !rc; first += SCREEN_BATCH) {
		if (ksp_interrupted) {
			rc = ksp_fail(err, "interrupted");
			break;
		}
		size_t count = n - first < SCREEN_BATCH ? n - first : SCREEN_BATCH;
		rc = screen_batch(s, index + first, count, log, fn, ctx, err);
		size_t done = first + count;
		if (!rc && s->progress && (done == n || (done / SCREEN_BATCH) % 4 == 0)) {
			fprintf(s->progress, "%s: preprocessed %zu/%zu objects%s%s\n",
				s->record_only ? "index" : "screening", done, n,
				s->record_only ? "" : " ", s->record_only ? "" : side_words);
			fflush(s->progress);
		}
	}
	free(index);
	return rc;
}

/* The file a line marker names, relative to the tree, into out; 0 if the
 * line is not a marker or names no file. */
static int marker_file(const struct ksp_screen *s, const char *line, const char *end, char *out,
		       size_t len)
{
	const char *q;
	size_t n;
	if (!pp_line_marker(line, end, &q, &n) || !q)
		return 0;
	pp_marker_path(q, n, s->tree->path, out, len);
	return 1;
}

/*
 * Whether preprocessing read any file the patch changes. The line markers
 * name every file the preprocessor read; if none of them is one the patch
 * changes, the text after the patch is the same (the patch creates no file
 * that an include could find first: the caller checks).
 */
static int reads_changed(const struct ksp_screen *s, const char *text, size_t len)
{
	char file[4096];
	const char *end = text + len;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl ? nl : end;
		if (*line == '#' && marker_file(s, line, stop, file, sizeof(file)))
			for (size_t i = 0; i < s->nchanged; i++)
				if (!strcmp(file, s->changed[i]))
					return 1;
		line = stop + 1;
	}
	return 0;
}

static int keep_digest(const struct ksp_screen *s, size_t i, const char *text, size_t len,
		       void *ctx, struct ksp_error *err)
{
	(void)ctx;
	if (!text) {
		s->state[i] = KSP_SCREEN_UNPREPROCESSED;
		return 0;
	}
	if (s->index && ksp_hindex_record(s->index, s->objects[i], text, len, err))
		return -1;
	if (s->record_only)
		return 0;
	if (s->nchanged && !reads_changed(s, text, len)) {
		s->state[i] = KSP_SCREEN_UNREAD;
		return 0;
	}
	struct ksp_pp_digest d;
	char path[4200];
	digest_path(s, i, path, sizeof(path));
	if (ksp_pp_digest_text(text, len, &d, err))
		return -1;
	int rc = ksp_pp_digest_save(&d, path, err);
	ksp_pp_digest_free(&d);
	return rc;
}

int ksp_screen_before(const struct ksp_screen *s, struct ksp_error *err)
{
	return screen_all(s, "before", keep_digest, NULL, err);
}

struct verdicts {
	int *keep;
	char **why;
};

static int judge(const struct ksp_screen *s, size_t i, const char *text, size_t len, void *ctx,
		 struct ksp_error *err)
{
	struct verdicts *v = ctx;
	char path[4200], why[512];
	digest_path(s, i, path, sizeof(path));
	struct ksp_pp_digest d;
	struct ksp_error load_err;
	v->keep[i] = 1;
	if (!text)
		snprintf(why, sizeof(why), "kbuild could not preprocess it after the patch");
	else if (ksp_pp_digest_load(path, &d, &load_err))
		return ksp_fail(err, "%s", load_err.msg);
	else {
		int rc = ksp_pp_affects(&d, text, len, why, sizeof(why), err);
		ksp_pp_digest_free(&d);
		if (rc < 0)
			return -1;
		v->keep[i] = rc;
	}
	unlink(path);
	v->why[i] = v->keep[i] ? strdup(why) : NULL;
	return v->keep[i] && !v->why[i] ? ksp_fail(err, "out of memory") : 0;
}

int ksp_screen_after(const struct ksp_screen *s, int *keep, char **why, struct ksp_error *err)
{
	struct verdicts v = {keep, why};
	for (size_t i = 0; i < s->n; i++) {
		keep[i] = s->state[i] == KSP_SCREEN_UNPREPROCESSED;
		why[i] = keep[i] ? strdup("kbuild could not preprocess it before the patch") : NULL;
		if (keep[i] && !why[i])
			return ksp_fail(err, "out of memory");
	}
	return screen_all(s, "after", judge, &v, err);
}
