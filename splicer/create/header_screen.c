#include "header_screen.h"
#include "fileio.h"
#include "pp_items.h"
#include "pp_screen.h"
#include "run.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Objects preprocessed per make run: enough to keep -j busy, few enough
 * that their .i files (about 5 MB each) stay small on disk. */
#define SCREEN_BATCH 96
/* Filling the index: each make run costs seconds of its own (kbuild's
 * startup, a sub-make per directory), and nothing waits for a verdict. */
#define INDEX_BATCH 384
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

/* One make run's objects and, once made, their preprocessed sources to
 * read: the reading (digests, comparisons, index entries: about 0.1 s an
 * object) runs on a thread while make preprocesses the next batch. */
struct batch {
	const struct ksp_screen *s;
	const size_t *index;
	size_t count;
	char (*out)[3][4096];
	screen_fn fn;
	void *ctx;
	int rc;
	struct ksp_error err;
	pthread_t thread;
	int running;
};

static int make_batch(struct batch *b, const char *log, struct ksp_error *err)
{
	const struct ksp_screen *s = b->s;
	b->out = calloc(b->count, sizeof(*b->out));
	const char **targets = calloc(b->count, sizeof(*targets));
	int rc = b->out && targets ? 0 : ksp_fail(err, "out of memory");
	for (size_t k = 0; k < b->count && !rc; k++) {
		ksp_screen_outputs(s->objects[b->index[k]], b->out[k]);
		targets[k] = b->out[k][0];
	}
	if (!rc)
		rc = ksp_tree_preprocess(s->tree, targets, b->count, s->jobs, s->index != NULL, log,
					 err);
	free(targets);
	return rc;
}

static void *read_batch(void *arg)
{
	struct batch *b = arg;
	const struct ksp_screen *s = b->s;
	for (size_t k = 0; k < b->count; k++) {
		char path[8300];
		snprintf(path, sizeof(path), "%s/%s", s->tree->path, b->out[k][0]);
		unsigned char *text = NULL;
		size_t len = 0;
		struct ksp_error read_err;
		if (!b->rc && ksp_read_file(path, MAX_PREPROCESSED, &text, &len, &read_err))
			text = NULL;
		if (!b->rc)
			b->rc = b->fn(s, b->index[k], (const char *)text, len, b->ctx, &b->err);
		free(text);
		remove_outputs(s, b->out[k]);
	}
	return NULL;
}

/* Waits for the batch's reading (or, if it never started, removes what make
 * wrote); its outputs are gone afterwards. */
static int finish_batch(struct batch *b, struct ksp_error *err)
{
	if (b->running) {
		pthread_join(b->thread, NULL);
	} else if (b->out) {
		b->rc = -1;
		read_batch(b);
		b->rc = 0;
	}
	b->running = 0;
	free(b->out);
	b->out = NULL;
	if (b->rc)
		*err = b->err;
	return b->rc;
}

static int start_reading(struct batch *b, struct ksp_error *err)
{
	b->rc = 0;
	if (pthread_create(&b->thread, NULL, read_batch, b) == 0) {
		b->running = 1;
		return 0;
	}
	read_batch(b); /* no thread: read here */
	free(b->out);
	b->out = NULL;
	return b->rc ? (*err = b->err, -1) : 0;
}

static void report(const struct ksp_screen *s, const char *side_words, size_t done, size_t n)
{
	if (!s->progress || (done != n && (done / SCREEN_BATCH) % 4 != 0 && !s->record_only))
		return;
	fprintf(s->progress, "%s: preprocessed %zu/%zu objects%s%s\n",
		s->record_only ? "index" : "screening", done, n, s->record_only ? "" : " ",
		s->record_only ? "" : side_words);
	fflush(s->progress);
}

/* Preprocesses the objects still to be digested or compared, in batches,
 * each read while the next is made. */
static int screen_all(const struct ksp_screen *s, const char *side, screen_fn fn, void *ctx,
		      struct ksp_error *err)
{
	char log[4200];
	const char *side_words = strcmp(side, "before") ? "after the patch" : "before the patch";
	snprintf(log, sizeof(log), "%s/preprocess-%s.log", s->dir, side);
	size_t *index = calloc(s->n + 1, sizeof(*index)), n = 0;
	if (!index)
		return ksp_fail(err, "out of memory");
	for (size_t i = s->from; i < (s->to ? s->to : s->n); i++)
		if (s->state[i] == KSP_SCREEN_DIGESTED)
			index[n++] = i;
	struct batch b[2] = {{.s = s, .fn = fn, .ctx = ctx}, {.s = s, .fn = fn, .ctx = ctx}};
	int rc = 0, cur = 0;
	size_t batch = s->record_only ? INDEX_BATCH : SCREEN_BATCH;
	for (size_t first = 0; first < n && !rc; first += batch, cur ^= 1) {
		if (ksp_interrupted) {
			rc = ksp_fail(err, "interrupted");
			break;
		}
		b[cur].index = index + first;
		b[cur].count = n - first < batch ? n - first : batch;
		rc = make_batch(&b[cur], log, err);
		struct ksp_error prev_err;
		int was_read = b[cur ^ 1].running;
		if (finish_batch(&b[cur ^ 1], &prev_err) && !rc)
			rc = (*err = prev_err, -1);
		if (!rc && was_read)
			report(s, side_words, (size_t)(b[cur ^ 1].index - index) + b[cur ^ 1].count,
			       n);
		if (!rc)
			rc = start_reading(&b[cur], err);
	}
	struct ksp_error last_err;
	for (int k = 0; k < 2; k++) {
		int was_read = b[k].running;
		if (finish_batch(&b[k], &last_err) && !rc)
			rc = (*err = last_err, -1);
		if (!rc && was_read && b[k].index + b[k].count == index + n)
			report(s, side_words, n, n);
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

/* Whether the text names one of the same-layout types besides defining
 * it: such an object's DWARF holds the type, the best witness to build. */
static int names_a_type(const struct ksp_screen *s, const char *text, size_t len)
{
	for (size_t t = 0; t < s->nsame; t++) {
		const char *tag = strchr(s->same_layout[t], ' ');
		size_t n = tag ? strlen(++tag) : 0, uses = 0;
		for (const char *p = text, *end = text + len; n && p < end && uses < 2;) {
			const char *hit = memmem(p, (size_t)(end - p), tag, n);
			if (!hit)
				break;
			uses += (hit == text || !pp_ident_char(hit[-1])) &&
				(hit + n == end || !pp_ident_char(hit[n]));
			p = hit + n;
		}
		if (uses >= 2)
			return 1;
	}
	return 0;
}

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
		int rc = ksp_pp_affects_with(&d, text, len, s->same_layout, s->nsame, why,
					     sizeof(why), err);
		if (rc == 0 && s->nsame && s->witness) {
			char strict_why[512];
			int strict =
				ksp_pp_affects(&d, text, len, strict_why, sizeof(strict_why), err);
			rc = strict < 0 ? -1 : 0;
			if (strict == 1)
				s->witness[i] = names_a_type(s, text, len) ? 2 : 1;
		}
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
	for (size_t i = s->from; i < (s->to ? s->to : s->n); i++) {
		keep[i] = s->state[i] == KSP_SCREEN_UNPREPROCESSED;
		why[i] = keep[i] ? strdup("kbuild could not preprocess it before the patch") : NULL;
		if (keep[i] && !why[i])
			return ksp_fail(err, "out of memory");
	}
	return screen_all(s, "after", judge, &v, err);
}
