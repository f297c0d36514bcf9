/* A module's file from modules.dep (module_files.h). */
#include "module_files.h"

#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

void ksp_modules_dir(char *buf, size_t len)
{
	const char *env = getenv("KSPLICE_MODULES_DIR");
	struct utsname u;
	if (env && env[0]) {
		snprintf(buf, len, "%s", env);
		return;
	}
	uname(&u);
	snprintf(buf, len, "/lib/modules/%s", u.release);
}

/* The module name of a modules.dep path: its file name less .ko and any
 * compression suffix, '-' as '_' (kbuild's KBUILD_MODNAME). */
static void name_of(const char *path, size_t len, char *name, size_t max)
{
	const char *slash = memrchr(path, '/', len);
	const char *base = slash ? slash + 1 : path;
	size_t n = len - (size_t)(base - path);
	const char *ko = memmem(base, n, ".ko", 3);
	if (ko)
		n = (size_t)(ko - base);
	snprintf(name, max, "%.*s", (int)n, base);
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int add(struct ksp_module_files *f, const char *dir, const char *path, size_t len)
{
	struct ksp_module_file *v = realloc(f->v, (f->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	f->v = v;
	v = &f->v[f->n];
	name_of(path, len, v->name, sizeof(v->name));
	if (asprintf(&v->path, "%s%s%.*s", path[0] == '/' ? "" : dir, path[0] == '/' ? "" : "/",
		     (int)len, path) < 0)
		return -1;
	f->n++;
	return 0;
}

/* The words of one modules.dep line: "FILE: DEP DEP...". */
static int parse_line(struct ksp_module_files *f, const char *dir, const char *line)
{
	const char *colon = strchr(line, ':');
	if (add(f, dir, line, (size_t)(colon - line)))
		return -1;
	for (const char *p = colon + 1;;) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (!n)
			return 0;
		if (add(f, dir, p, n))
			return -1;
		p += n;
	}
}

int ksp_module_files_find(const char *dir, const char *module, struct ksp_module_files *out,
			  struct ksp_error *err)
{
	char path[4096], want[KSP_MODULE_NAME_MAX], name[KSP_MODULE_NAME_MAX];
	memset(out, 0, sizeof(*out));
	snprintf(want, sizeof(want), "%s", module);
	for (char *p = want; *p; p++)
		if (*p == '-')
			*p = '_';
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return ksp_failc(err, KSP_E_TARGET_ABSENT,
				 "module %s is not loaded and no file of it was found: %s: %s",
				 module, path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	int rc = 1;
	while (rc == 1 && getline(&line, &cap, f) > 0) {
		const char *colon = strchr(line, ':');
		if (!colon)
			continue;
		name_of(line, (size_t)(colon - line), name, sizeof(name));
		if (!strcmp(name, want))
			rc = parse_line(out, dir, line) ? -1 : 0;
	}
	free(line);
	fclose(f);
	if (rc == -1) {
		ksp_module_files_free(out);
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	}
	if (rc == 1)
		return ksp_failc(err, KSP_E_TARGET_ABSENT,
				 "module %s is not loaded and no file of it was found (%s does "
				 "not list it): load it first (modprobe %s)",
				 module, path, module);
	return 0;
}

void ksp_module_files_free(struct ksp_module_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].path);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* A whole file into memory. */
static int slurp(const char *path, unsigned char **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 20, len = 0, n;
	unsigned char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	int failed = ferror(f);
	fclose(f);
	if (!buf || failed) {
		free(buf);
		errno = buf ? EIO : ENOMEM;
		return -1;
	}
	*data = buf;
	*size = len;
	return 0;
}

/* xz data (CONFIG_MODULE_COMPRESS_XZ, Debian's 6.12) decompressed. */
static int unxz(const unsigned char *in, size_t in_size, unsigned char **data, size_t *size)
{
	lzma_stream s = LZMA_STREAM_INIT;
	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return -1;
	size_t cap = in_size * 4 + 4096;
	unsigned char *buf = malloc(cap);
	lzma_ret rc = LZMA_OK;
	s.next_in = in;
	s.avail_in = in_size;
	while (buf && rc == LZMA_OK) {
		s.next_out = buf + s.total_out;
		s.avail_out = cap - s.total_out;
		rc = lzma_code(&s, LZMA_FINISH);
		if (rc == LZMA_OK || (rc == LZMA_BUF_ERROR && !s.avail_out)) {
			unsigned char *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				free(buf);
			buf = bigger;
			rc = LZMA_OK;
		}
	}
	*size = (size_t)s.total_out;
	lzma_end(&s);
	if (!buf || rc != LZMA_STREAM_END) {
		free(buf);
		return -1;
	}
	*data = buf;
	return 0;
}

int ksp_module_file_read(const char *path, const char *module, unsigned char **data, size_t *size,
			 struct ksp_error *err)
{
	*data = NULL;
	*size = 0;
	if (ends_with(path, ".zst"))
		return ksp_failc(
			err, KSP_E_TARGET_ABSENT,
			"module %s is not loaded and its file %s is compressed with zstd, "
			"which ksplice-apply cannot read (it reads .ko, .ko.gz and .ko.xz): "
			"load it first (modprobe %s)",
			module, path, module);
	if (ends_with(path, ".xz")) {
		unsigned char *packed;
		size_t packed_size;
		if (slurp(path, &packed, &packed_size))
			return ksp_failc(
				err, KSP_E_TARGET_ABSENT,
				"module %s is not loaded and its file %s cannot be read: %s",
				module, path, strerror(errno));
		int rc = unxz(packed, packed_size, data, size);
		free(packed);
		if (rc)
			return ksp_failc(err, KSP_E_TARGET_ABSENT,
					 "module %s is not loaded and its file %s cannot be read "
					 "(corrupt xz data)",
					 module, path);
		return 0;
	}
	/* gzread reads a file that is not gzip'ed as it is. */
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return ksp_failc(err, KSP_E_TARGET_ABSENT,
				 "module %s is not loaded and its file %s cannot be read: %s",
				 module, path, strerror(errno));
	size_t cap = 1 << 20, len = 0;
	unsigned char *buf = malloc(cap);
	int n = 0;
	while (buf && (n = gzread(gz, buf + len, (unsigned)(cap - len))) > 0) {
		len += (size_t)n;
		if (len == cap) {
			unsigned char *bigger = realloc(buf, cap *= 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
			}
			buf = bigger;
		}
	}
	gzclose(gz);
	if (!buf)
		return ksp_failc(err, KSP_E_INTERNAL, "out of memory");
	if (n < 0) {
		free(buf);
		return ksp_failc(err, KSP_E_TARGET_ABSENT,
				 "module %s is not loaded and its file %s cannot be read "
				 "(corrupt gzip data)",
				 module, path);
	}
	*data = buf;
	*size = len;
	return 0;
}
