#include "sample.h"
#include "fileio.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const variant_files[KSP_SAMPLE_VARIANTS] = {
	[KSP_SAMPLE_VMLINUX] = "memory.vmlinux",
	[KSP_SAMPLE_LIVE] = "memory.live",
};

static const char *const required_meta[] = {"KERNEL_RELEASE", "BUILD_ID"};

const char *ksp_sample_variant_name(enum ksp_sample_variant variant)
{
	return variant == KSP_SAMPLE_LIVE ? "live" : "vmlinux";
}

/* Calls fn on each line (without its newline); stops at the first error. */
static int for_each_line(char *text, const char *path,
			 int (*fn)(struct ksp_sample *, char *, const char *, unsigned,
				   struct ksp_error *),
			 struct ksp_sample *s, struct ksp_error *err)
{
	unsigned lineno = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (fn(s, line, path, ++lineno, err))
			return -1;
	}
	return 0;
}

static int valid_key(const char *key, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isupper((unsigned char)key[i]) && !isdigit((unsigned char)key[i]) &&
		    key[i] != '_')
			return 0;
	return 1;
}

static int meta_line(struct ksp_sample *s, char *line, const char *path, unsigned lineno,
		     struct ksp_error *err)
{
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	char *eq = strchr(line, '=');
	if (!eq || !valid_key(line, (size_t)(eq - line)))
		return ksp_fail(err, "%s:%u: expected KEY=VALUE, got '%.60s'", path, lineno, line);
	*eq = '\0';
	if (ksp_sample_meta(s, line))
		return ksp_fail(err, "%s:%u: %s given twice", path, lineno, line);
	struct ksp_sample_meta *more = realloc(s->meta, (s->nmeta + 1) * sizeof(*more));
	if (!more)
		return ksp_fail(err, "%s:%u: out of memory", path, lineno);
	s->meta = more;
	s->meta[s->nmeta].key = strdup(line);
	s->meta[s->nmeta].value = strdup(eq + 1);
	s->nmeta++;
	if (!s->meta[s->nmeta - 1].key || !s->meta[s->nmeta - 1].value)
		return ksp_fail(err, "%s:%u: out of memory", path, lineno);
	return 0;
}

static int range_line(struct ksp_sample *s, char *line, const char *path, unsigned lineno,
		      struct ksp_error *err)
{
	uint64_t addr, len;
	int used = 0;
	if (sscanf(line, "%" SCNx64 " %" SCNx64 " %n", &addr, &len, &used) != 2 || used == 0 ||
	    line[used] == '\0')
		return ksp_fail(err, "%s:%u: expected 'ADDRESS LENGTH LABEL' (hex), got '%.60s'",
				path, lineno, line);
	if (len == 0 || addr + len < addr)
		return ksp_fail(err, "%s:%u: empty or wrapping range", path, lineno);
	struct ksp_sample_range *prev = s->nranges ? &s->ranges[s->nranges - 1] : NULL;
	if (prev && addr < prev->addr + prev->len)
		return ksp_fail(err, "%s:%u: range %" PRIx64 " is not above the previous one", path,
				lineno, addr);
	size_t offset = prev ? prev->offset + prev->len : 0;
	struct ksp_sample_range *more = realloc(s->ranges, (s->nranges + 1) * sizeof(*more));
	if (!more)
		return ksp_fail(err, "%s:%u: out of memory", path, lineno);
	s->ranges = more;
	s->ranges[s->nranges] = (struct ksp_sample_range){
		.addr = addr,
		.len = len,
		.offset = offset,
		.label = strdup(line + used),
	};
	s->nranges++;
	return 0;
}

static int load_text(struct ksp_sample *s, const char *name,
		     int (*fn)(struct ksp_sample *, char *, const char *, unsigned,
			       struct ksp_error *),
		     struct ksp_error *err)
{
	char path[4096];
	unsigned char *text;
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	if (ksp_read_file(path, 0, &text, &len, err))
		return -1;
	int rc = for_each_line((char *)text, path, fn, s, err);
	free(text);
	return rc;
}

static int load_meta(struct ksp_sample *s, struct ksp_error *err)
{
	if (load_text(s, "meta", meta_line, err))
		return -1;
	for (size_t i = 0; i < sizeof(required_meta) / sizeof(required_meta[0]); i++)
		if (!ksp_sample_meta(s, required_meta[i]))
			return ksp_fail(err, "%s/meta: %s is missing", s->dir, required_meta[i]);
	return 0;
}

static int load_memory(struct ksp_sample *s, struct ksp_error *err)
{
	if (load_text(s, "ranges", range_line, err))
		return -1;
	if (s->nranges == 0)
		return ksp_fail(err, "%s/ranges: no ranges", s->dir);
	const struct ksp_sample_range *last = &s->ranges[s->nranges - 1];
	s->memory_len = last->offset + last->len;
	for (int v = 0; v < KSP_SAMPLE_VARIANTS; v++) {
		char path[4096];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", s->dir, variant_files[v]);
		if (ksp_read_file(path, 0, &s->memory[v], &len, err))
			return -1;
		if (len != s->memory_len)
			return ksp_fail(err, "%s: %zu bytes, but the ranges add up to %zu", path,
					len, s->memory_len);
	}
	return 0;
}

static int add_object(struct ksp_sample *s, const char *rel, struct ksp_error *err)
{
	char **more = realloc(s->objects, (s->nobjects + 1) * sizeof(*more));
	if (!more || !(more[s->nobjects] = strdup(rel))) {
		if (more)
			s->objects = more;
		return ksp_fail(err, "%s/objects: out of memory", s->dir);
	}
	s->objects = more;
	s->nobjects++;
	return 0;
}

/* Collects the *.o files under dir/objects/rel. */
static int scan_objects(struct ksp_sample *s, const char *rel, struct ksp_error *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/objects%s%s", s->dir, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		char sub[4096];
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (e->d_type == DT_DIR)
			rc = scan_objects(s, sub, err);
		else if (n > 2 && strcmp(e->d_name + n - 2, ".o") == 0)
			rc = add_object(s, sub, err);
	}
	closedir(d);
	return rc;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_objects(struct ksp_sample *s, struct ksp_error *err)
{
	if (scan_objects(s, "", err))
		return -1;
	if (s->nobjects == 0)
		return ksp_fail(err, "%s/objects: no objects", s->dir);
	qsort(s->objects, s->nobjects, sizeof(*s->objects), by_string);
	return 0;
}

int ksp_sample_open(const char *dir, struct ksp_sample *s, struct ksp_error *err)
{
	char path[4096];
	memset(s, 0, sizeof(*s));
	s->dir = strdup(dir);
	if (!s->dir)
		return ksp_fail(err, "%s: out of memory", dir);
	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	if (load_meta(s, err) || ksp_kallsyms_load(path, &s->kallsyms, err) ||
	    load_memory(s, err) || load_objects(s, err)) {
		ksp_sample_close(s);
		return -1;
	}
	return 0;
}

const char *ksp_sample_meta(const struct ksp_sample *s, const char *key)
{
	for (size_t i = 0; i < s->nmeta; i++)
		if (strcmp(s->meta[i].key, key) == 0)
			return s->meta[i].value;
	return NULL;
}

int ksp_sample_object_path(const struct ksp_sample *s, size_t i, char *buf, size_t len)
{
	if (i >= s->nobjects)
		return -1;
	int n = snprintf(buf, len, "%s/objects/%s", s->dir, s->objects[i]);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const struct ksp_sample_range *ksp_sample_range_at(const struct ksp_sample *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ksp_sample_range *r = &s->ranges[mid];
		if (addr < r->addr)
			hi = mid;
		else if (addr - r->addr >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

const unsigned char *ksp_sample_bytes(const struct ksp_sample *s, enum ksp_sample_variant variant,
				      uint64_t addr, size_t len, struct ksp_error *err)
{
	const struct ksp_sample_range *r = ksp_sample_range_at(s, addr);
	if ((unsigned)variant >= KSP_SAMPLE_VARIANTS) {
		ksp_fail(err, "%s: no memory variant %d", s->dir, (int)variant);
		return NULL;
	}
	if (!r) {
		ksp_fail(err, "%s: address %" PRIx64 " is outside the sample", s->dir, addr);
		return NULL;
	}
	if (len > r->len - (addr - r->addr)) {
		ksp_fail(err,
			 "%s: %" PRIx64 "+%zx runs past the end of the sampled range %" PRIx64
			 "+%" PRIx64,
			 s->dir, addr, len, r->addr, r->len);
		return NULL;
	}
	return s->memory[variant] + r->offset + (addr - r->addr);
}

int ksp_sample_read(const struct ksp_sample *s, enum ksp_sample_variant variant, uint64_t addr,
		    void *buf, size_t len, struct ksp_error *err)
{
	const unsigned char *p = ksp_sample_bytes(s, variant, addr, len, err);
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

void ksp_sample_close(struct ksp_sample *s)
{
	for (size_t i = 0; i < s->nmeta; i++) {
		free(s->meta[i].key);
		free(s->meta[i].value);
	}
	for (size_t i = 0; i < s->nranges; i++)
		free(s->ranges[i].label);
	for (size_t i = 0; i < s->nobjects; i++)
		free(s->objects[i]);
	for (int v = 0; v < KSP_SAMPLE_VARIANTS; v++)
		free(s->memory[v]);
	free(s->meta);
	free(s->ranges);
	free(s->objects);
	ksp_kallsyms_free(&s->kallsyms);
	free(s->dir);
	memset(s, 0, sizeof(*s));
}
