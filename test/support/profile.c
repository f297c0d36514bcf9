#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const required_keys[] = {
	"KERNEL_RELEASE",
	"PACKAGE_VERSION",
	"SOURCE_PACKAGE",
	"SOURCE_TARBALL",
	"KBUILD_PACKAGE",
	"HEADERS_COMMON",
	"CC",
};

/* Make variables in the order Debian's build passes them; KERNELRELEASE comes
 * from KERNEL_RELEASE. All but CC are optional (6.1 profiles have neither
 * CROSS_COMPILE, 6.12's x86_64-linux-gnu- tools, nor RUSTC, which keeps a
 * host's rustc out of 6.12's .config). */
static const char *const make_var_keys[] = {
	"CC",
	"CROSS_COMPILE",
	"RUSTC",
	"DISTRIBUTION_OFFICIAL_BUILD",
	"DISTRIBUTOR",
	"DISTRIBUTION_VERSION",
	"KBUILD_BUILD_USER",
	"KBUILD_BUILD_HOST",
	"KBUILD_BUILD_TIMESTAMP",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int valid_key(const char *key, size_t len)
{
	if (len == 0 || !isupper((unsigned char)key[0]))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];
		if (!isupper(c) && !isdigit(c) && c != '_')
			return 0;
	}
	return 1;
}

static int add_entry(struct ksp_profile *p, const char *key, size_t key_len, const char *value,
		     size_t value_len)
{
	if (p->count == KSP_PROFILE_MAX_ENTRIES)
		return -1;
	struct ksp_profile_entry *e = &p->entries[p->count];
	e->key = strndup(key, key_len);
	e->value = strndup(value, value_len);
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return -1;
	}
	p->count++;
	return 0;
}

static int parse_line(const char *line, size_t len, const char *origin, unsigned lineno,
		      struct ksp_profile *p, struct ksp_error *err)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0 || line[0] == '#')
		return 0;
	const char *eq = memchr(line, '=', len);
	if (!eq || !valid_key(line, (size_t)(eq - line)))
		return ksp_fail(err, "%s:%u: expected KEY=VALUE, got '%.*s'", origin, lineno,
				(int)(len > 80 ? 80 : len), line);
	size_t key_len = (size_t)(eq - line);
	char key[128];
	if (key_len >= sizeof(key))
		return ksp_fail(err, "%s:%u: key too long", origin, lineno);
	memcpy(key, line, key_len);
	key[key_len] = '\0';
	if (ksp_profile_get(p, key))
		return ksp_fail(err, "%s:%u: %s given twice", origin, lineno, key);
	if (add_entry(p, line, key_len, eq + 1, len - key_len - 1))
		return ksp_fail(err, "%s:%u: too many entries or out of memory", origin, lineno);
	return 0;
}

int ksp_profile_parse(const char *text, const char *origin, struct ksp_profile *p,
		      struct ksp_error *err)
{
	memset(p, 0, sizeof(*p));
	unsigned lineno = 0;
	const char *line = text;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		lineno++;
		if (parse_line(line, len, origin, lineno, p, err))
			goto fail;
		line += len + (end ? 1 : 0);
	}
	for (size_t i = 0; i < ARRAY_LEN(required_keys); i++) {
		const char *v = ksp_profile_get(p, required_keys[i]);
		if (!v || !*v) {
			ksp_fail(err, "%s: %s is missing", origin, required_keys[i]);
			goto fail;
		}
	}
	return 0;
fail:
	ksp_profile_free(p);
	return -1;
}

int ksp_profile_load(const char *path, struct ksp_profile *p, struct ksp_error *err)
{
	memset(p, 0, sizeof(*p));
	FILE *f = fopen(path, "r");
	if (!f)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	char chunk[4096];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	int read_failed = ferror(f);
	fclose(f);
	if (!mem || fclose(mem) || read_failed) {
		free(text);
		return ksp_fail(err, "%s: read error", path);
	}
	if (memchr(text, '\0', size)) {
		free(text);
		return ksp_fail(err, "%s: not a text file", path);
	}
	int rc = ksp_profile_parse(text, path, p, err);
	free(text);
	return rc;
}

const char *ksp_profile_get(const struct ksp_profile *p, const char *key)
{
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->entries[i].key, key) == 0)
			return p->entries[i].value;
	return NULL;
}

static int append(char *buf, size_t len, size_t *used, const char *key, const char *value)
{
	int n = snprintf(buf + *used, len - *used, "%s%s=%s", *used ? " " : "", key, value);
	if (n < 0 || (size_t)n >= len - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

int ksp_profile_make_vars(const struct ksp_profile *p, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (append(buf, len, &used, "CC", ksp_profile_get(p, "CC")) ||
	    append(buf, len, &used, "KERNELRELEASE", ksp_profile_get(p, "KERNEL_RELEASE")))
		return -1;
	for (size_t i = 1; i < ARRAY_LEN(make_var_keys); i++) {
		const char *v = ksp_profile_get(p, make_var_keys[i]);
		if (v && append(buf, len, &used, make_var_keys[i], v))
			return -1;
	}
	return 0;
}

void ksp_profile_free(struct ksp_profile *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->entries[i].key);
		free(p->entries[i].value);
	}
	memset(p, 0, sizeof(*p));
}
