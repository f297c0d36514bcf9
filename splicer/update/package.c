#include "package.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK 512

/* POSIX ustar header (IEEE 1003.1-1988), 512 bytes. */
struct ustar_header {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8];
	char typeflag, linkname[100], magic[6], version[2], uname[32], gname[32];
	char devmajor[8], devminor[8], prefix[155], pad[12];
};
_Static_assert(sizeof(struct ustar_header) == BLOCK, "ustar header is one block");

void ksp_sha256_hex(const void *data, size_t size, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_Digest(data, size, md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < len && i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[64] = '\0';
}

static int valid_member_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 255 || name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\')
			return 0;
	return strstr(name, "..") == NULL && strstr(name, "//") == NULL;
}

int ksp_pkg_add(struct ksp_package *pkg, const char *name, const void *data, size_t size,
		struct ksp_error *err)
{
	if (!valid_member_name(name))
		return ksp_fail(err, "package member name '%s' is not a plain relative path", name);
	if (ksp_pkg_find(pkg, name) || strcmp(name, KSP_PKG_SUMS) == 0 ||
	    strcmp(name, KSP_PKG_SIGNATURE) == 0)
		return ksp_fail(err, "package member '%s' added twice or reserved", name);
	if (size > KSP_PKG_MAX_MEMBER)
		return ksp_fail(err, "package member '%s' is too large (%zu bytes)", name, size);
	struct ksp_pkg_member *m = realloc(pkg->members, (pkg->count + 1) * sizeof(*m));
	if (!m)
		return ksp_fail(err, "out of memory");
	pkg->members = m;
	m = &pkg->members[pkg->count];
	m->name = strdup(name);
	m->data = malloc(size ? size : 1);
	if (!m->name || !m->data) {
		free(m->name);
		free(m->data);
		return ksp_fail(err, "out of memory");
	}
	memcpy(m->data, data, size);
	m->size = size;
	pkg->count++;
	return 0;
}

int ksp_pkg_add_file(struct ksp_package *pkg, const char *name, const char *path,
		     struct ksp_error *err)
{
	unsigned char *data = NULL;
	size_t size = 0;
	if (ksp_read_file(path, KSP_PKG_MAX_MEMBER, &data, &size, err))
		return -1;
	int rc = ksp_pkg_add(pkg, name, data, size, err);
	free(data);
	return rc;
}

/* Zero-padded octal filling width - 1 characters and a NUL; callers keep
 * values within range (sizes are capped far below 8 GiB). */
static void octal_field(char *field, size_t width, unsigned long long value)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%0*llo", (int)width - 1, value);
	memcpy(field, tmp + (size_t)n - (width - 1), width - 1);
	field[width - 1] = '\0';
}

static void fill_header(struct ustar_header *h, const char *name, size_t size, time_t mtime)
{
	memset(h, 0, sizeof(*h));
	size_t len = strlen(name);
	if (len <= sizeof(h->name)) {
		memcpy(h->name, name, len);
	} else {
		/* Split at a '/' so that prefix + "/" + name is the path. */
		const char *slash = name + len - sizeof(h->name) - 1;
		while (*slash != '/')
			slash++;
		memcpy(h->prefix, name, (size_t)(slash - name));
		memcpy(h->name, slash + 1, len - (size_t)(slash - name) - 1);
	}
	octal_field(h->mode, sizeof(h->mode), 0644);
	octal_field(h->uid, sizeof(h->uid), 0);
	octal_field(h->gid, sizeof(h->gid), 0);
	octal_field(h->size, sizeof(h->size), size);
	octal_field(h->mtime, sizeof(h->mtime), (unsigned long long)(mtime > 0 ? mtime : 0));
	h->typeflag = '0';
	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
	strcpy(h->uname, "root");
	strcpy(h->gname, "root");
	memset(h->chksum, ' ', sizeof(h->chksum));
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += ((unsigned char *)h)[i];
	snprintf(h->chksum, sizeof(h->chksum), "%06o", sum);
}

/* A name is only storable in ustar if it splits at a '/' into <=155 + <=100. */
static int storable_name(const char *name)
{
	size_t len = strlen(name);
	if (len <= 100)
		return 1;
	for (const char *s = name; *s; s++)
		if (*s == '/' && (size_t)(s - name) <= 155 && len - (size_t)(s - name) - 1 <= 100)
			return 1;
	return 0;
}

static int gz_member(gzFile gz, const char *name, const void *data, size_t size, time_t mtime)
{
	struct ustar_header h;
	static const char zeros[BLOCK];
	fill_header(&h, name, size, mtime);
	if (gzwrite(gz, &h, BLOCK) != BLOCK)
		return -1;
	if (size && gzwrite(gz, data, (unsigned)size) != (int)size)
		return -1;
	size_t pad = (BLOCK - size % BLOCK) % BLOCK;
	if (pad && gzwrite(gz, zeros, (unsigned)pad) != (int)pad)
		return -1;
	return 0;
}

char *ksp_pkg_sums(const struct ksp_package *pkg, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < pkg->count; i++) {
		char hex[65];
		ksp_sha256_hex(pkg->members[i].data, pkg->members[i].size, hex);
		fprintf(f, "%s  %s\n", hex, pkg->members[i].name);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int write_archive(const struct ksp_package *pkg, int fd)
{
	gzFile gz = gzdopen(fd, "wb9");
	if (!gz)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < pkg->count && !rc; i++)
		rc = gz_member(gz, pkg->members[i].name, pkg->members[i].data, pkg->members[i].size,
			       pkg->mtime);
	size_t sums_len = 0;
	char *sums = rc ? NULL : ksp_pkg_sums(pkg, &sums_len);
	if (!sums || gz_member(gz, KSP_PKG_SUMS, sums, sums_len, pkg->mtime))
		rc = -1;
	free(sums);
	if (!rc && pkg->signature &&
	    gz_member(gz, KSP_PKG_SIGNATURE, pkg->signature, pkg->signature_len, pkg->mtime))
		rc = -1;
	static const char end[2 * BLOCK];
	if (!rc && gzwrite(gz, end, sizeof(end)) != (int)sizeof(end))
		rc = -1;
	if (gzclose(gz) != Z_OK)
		rc = -1;
	return rc;
}

int ksp_pkg_write(const struct ksp_package *pkg, const char *path, struct ksp_error *err)
{
	for (size_t i = 0; i < pkg->count; i++)
		if (!storable_name(pkg->members[i].name))
			return ksp_fail(err, "package member name too long: %s",
					pkg->members[i].name);
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return ksp_fail(err, "%s: path too long", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return ksp_fail(err, "%s: cannot create: %s", tmp, strerror(errno));
	int sync_fd = dup(fd); /* gzclose closes fd; fsync needs its own */
	int rc = write_archive(pkg, fd);
	if (!rc && (sync_fd < 0 || fsync(sync_fd) != 0 || fchmod(sync_fd, 0644) != 0))
		rc = -1;
	if (sync_fd >= 0)
		close(sync_fd);
	if (rc || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return ksp_fail(err, "%s: write failed: %s", path, e ? strerror(e) : "gzip error");
	}
	return 0;
}

/* Reading */

static int parse_octal(const char *field, size_t width, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;
	while (i < width && field[i] == ' ')
		i++;
	size_t digits = 0;
	for (; i < width && field[i] >= '0' && field[i] <= '7'; i++, digits++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (unsigned long long)(field[i] - '0');
	}
	if (digits == 0 || (i < width && field[i] != '\0' && field[i] != ' '))
		return -1;
	*out = v;
	return 0;
}

static int header_checksum_ok(const struct ustar_header *h)
{
	unsigned long long stored;
	if (parse_octal(h->chksum, sizeof(h->chksum), &stored))
		return 0;
	unsigned sum = 0;
	const unsigned char *b = (const unsigned char *)h;
	for (size_t i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : b[i];
	return stored == sum;
}

static int is_zero_block(const void *block)
{
	const unsigned char *b = block;
	for (size_t i = 0; i < BLOCK; i++)
		if (b[i])
			return 0;
	return 1;
}

static int gz_read_exact(gzFile gz, void *buf, size_t len)
{
	while (len) {
		unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
		int n = gzread(gz, buf, chunk);
		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

static void member_name(const struct ustar_header *h, char out[260])
{
	size_t plen = strnlen(h->prefix, sizeof(h->prefix));
	size_t nlen = strnlen(h->name, sizeof(h->name));
	size_t at = 0;
	if (plen) {
		memcpy(out, h->prefix, plen);
		out[plen] = '/';
		at = plen + 1;
	}
	memcpy(out + at, h->name, nlen);
	out[at + nlen] = '\0';
}

struct reader {
	const char *path;
	gzFile gz;
	struct ksp_package *pkg;
	char *sums;
	size_t sums_len;
	struct ksp_error *err;
};

static int gz_failure(struct reader *r, const char *what)
{
	int code = 0;
	const char *msg = gzerror(r->gz, &code);
	if (code == Z_OK || code == Z_STREAM_END)
		return ksp_fail(r->err, "%s: %s: file truncated", r->path, what);
	return ksp_fail(r->err, "%s: %s: corrupted (%s)", r->path, what, msg);
}

/* Reads one member whose header is h; keeps SHA256SUMS apart. */
static int read_member(struct reader *r, const struct ustar_header *h)
{
	char name[260];
	unsigned long long size;
	member_name(h, name);
	if (memcmp(h->magic, "ustar", 5) != 0 || !header_checksum_ok(h))
		return ksp_fail(r->err, "%s: not a ksplice update (bad tar header)", r->path);
	if (h->typeflag != '0' && h->typeflag != '\0')
		return ksp_fail(r->err, "%s: member '%s' is not a regular file", r->path, name);
	if (parse_octal(h->size, sizeof(h->size), &size) || size > KSP_PKG_MAX_MEMBER)
		return ksp_fail(r->err, "%s: member '%s' has a bad size", r->path, name);
	size_t padded = (size_t)((size + BLOCK - 1) / BLOCK * BLOCK);
	unsigned char *data = malloc(padded ? padded : 1);
	if (!data)
		return ksp_fail(r->err, "%s: out of memory", r->path);
	if (gz_read_exact(r->gz, data, padded)) {
		free(data);
		return gz_failure(r, name);
	}
	int rc = 0;
	if (strcmp(name, KSP_PKG_SUMS) == 0 && !r->sums) {
		r->sums = (char *)data;
		r->sums_len = (size_t)size;
		return 0;
	}
	if (strcmp(name, KSP_PKG_SIGNATURE) == 0 && !r->pkg->signature) {
		r->pkg->signature = data;
		r->pkg->signature_len = (size_t)size;
		return 0;
	}
	struct ksp_error add_err;
	if (ksp_pkg_add(r->pkg, name, data, (size_t)size, &add_err))
		rc = ksp_fail(r->err, "%s: %s", r->path, add_err.msg);
	free(data);
	return rc;
}

/* The lines of SHA256SUMS: each names a member not named before, with its
 * hash; seen[i] marks member i. Returns how many, or -1. */
static long check_sums_lines(struct reader *r, unsigned char *seen)
{
	long listed = 0;
	const char *p = r->sums, *end = r->sums + r->sums_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len < 67 || p[64] != ' ' || p[65] != ' ')
			return ksp_fail(r->err, "%s: malformed %s", r->path, KSP_PKG_SUMS);
		char name[260];
		size_t nlen = len - 66 < sizeof(name) - 1 ? len - 66 : sizeof(name) - 1;
		memcpy(name, p + 66, nlen);
		name[nlen] = '\0';
		const struct ksp_pkg_member *m = ksp_pkg_find(r->pkg, name);
		if (!m)
			return ksp_fail(r->err, "%s: member '%s' listed in %s is missing", r->path,
					name, KSP_PKG_SUMS);
		if (seen[m - r->pkg->members]++)
			return ksp_fail(r->err, "%s: member '%s' listed twice in %s", r->path, name,
					KSP_PKG_SUMS);
		char hex[65];
		ksp_sha256_hex(m->data, m->size, hex);
		if (memcmp(hex, p, 64) != 0)
			return ksp_fail(r->err, "%s: member '%s' is corrupted (sha256 mismatch)",
					r->path, name);
		listed++;
		p += len + 1;
	}
	return listed;
}

/* Every member listed once with its hash, and nothing else listed. */
static int verify_sums(struct reader *r)
{
	if (!r->sums)
		return ksp_fail(r->err, "%s: no %s member (not a ksplice update?)", r->path,
				KSP_PKG_SUMS);
	unsigned char *seen = calloc(r->pkg->count + 1, 1);
	if (!seen)
		return ksp_fail(r->err, "%s: out of memory", r->path);
	long listed = check_sums_lines(r, seen);
	free(seen);
	if (listed < 0)
		return -1;
	if ((size_t)listed != r->pkg->count)
		return ksp_fail(r->err, "%s: %zu members but %ld checksums", r->path, r->pkg->count,
				listed);
	return 0;
}

static int read_archive(struct reader *r)
{
	struct ustar_header h;
	for (;;) {
		if (gz_read_exact(r->gz, &h, BLOCK))
			return gz_failure(r, "reading a tar header");
		if (gzdirect(r->gz))
			return ksp_fail(r->err, "%s: not gzip-compressed (not a ksplice update)",
					r->path);
		if (is_zero_block(&h))
			break;
		if (read_member(r, &h))
			return -1;
	}
	/* Drain to the end so that gzip's CRC and length trailer are checked. */
	char buf[4096];
	int n;
	while ((n = gzread(r->gz, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		return gz_failure(r, "after the archive");
	return verify_sums(r);
}

int ksp_pkg_read(const char *path, struct ksp_package *pkg, struct ksp_error *err)
{
	memset(pkg, 0, sizeof(*pkg));
	struct stat st;
	if (stat(path, &st) != 0)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ksp_fail(err, "%s: not a regular file", path);
	struct reader r = {.path = path, .pkg = pkg, .err = err};
	r.gz = gzopen(path, "rb");
	if (!r.gz)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	int rc = read_archive(&r);
	gzclose(r.gz);
	pkg->sums = r.sums;
	pkg->sums_len = r.sums_len;
	if (rc)
		ksp_pkg_free(pkg);
	return rc;
}

const struct ksp_pkg_member *ksp_pkg_find(const struct ksp_package *pkg, const char *name)
{
	for (size_t i = 0; i < pkg->count; i++)
		if (strcmp(pkg->members[i].name, name) == 0)
			return &pkg->members[i];
	return NULL;
}

void ksp_pkg_free(struct ksp_package *pkg)
{
	for (size_t i = 0; i < pkg->count; i++) {
		free(pkg->members[i].name);
		free(pkg->members[i].data);
	}
	free(pkg->members);
	free(pkg->sums);
	free(pkg->signature);
	memset(pkg, 0, sizeof(*pkg));
}
