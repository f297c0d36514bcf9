/* The running kernel's build id and its effective uname (kernel_identity.h). */
#include "kernel_identity.h"
#include "update_file.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ksp_running_build_id(char *hex, size_t len)
{
	unsigned char notes[4096];
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, notes, sizeof(notes)) : -1;
	if (fd >= 0)
		close(fd);
	for (ssize_t at = 0; n > 0 && at + 12 <= n;) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, notes + at, 4);
		memcpy(&descsz, notes + at + 4, 4);
		memcpy(&type, notes + at + 8, 4);
		ssize_t name_at = at + 12, desc_at = name_at + ((namesz + 3) & ~3u);
		if (desc_at + (ssize_t)descsz > n)
			break;
		if (type == 3 && namesz == 4 && memcmp(notes + name_at, "GNU", 4) == 0 &&
		    descsz * 2 < len) {
			for (uint32_t i = 0; i < descsz; i++)
				sprintf(hex + 2 * i, "%02x", notes[desc_at + i]);
			return 0;
		}
		at = desc_at + ((descsz + 3) & ~3u);
	}
	return -1;
}

const char *ksp_newer_version(const char *newest, const char *brings)
{
	if (!brings || !*brings)
		return newest;
	if (!newest || !*newest || ksp_version_cmp(brings, newest) > 0)
		return brings;
	return newest;
}

/* Where base names its Debian package version ("Debian 6.1.192-2"): the
 * version's start, its length in *n; NULL if it names none. */
static const char *debian_version(const char *base, size_t *n)
{
	for (const char *p = strstr(base, "Debian "); p; p = strstr(p + 1, "Debian ")) {
		const char *v = p + 7;
		char token[KSP_VERSION_MAX + 1];
		*n = strcspn(v, " ");
		if (*n == 0 || *n > KSP_VERSION_MAX)
			continue;
		snprintf(token, sizeof(token), "%.*s", (int)*n, v);
		if (ksp_version_valid(token))
			return v;
	}
	return NULL;
}

void ksp_effective_version(const char *base, const char *brings, char *out, size_t len)
{
	size_t n = 0;
	const char *v = brings && *brings ? debian_version(base, &n) : NULL;
	char booted[KSP_VERSION_MAX + 1];
	if (!brings || !*brings) {
		snprintf(out, len, "%s", base);
		return;
	}
	if (!v) {
		snprintf(out, len, "%s +ksplice %s", base, brings);
		return;
	}
	snprintf(booted, sizeof(booted), "%.*s", (int)n, v);
	if (ksp_version_cmp(brings, booted) <= 0)
		snprintf(out, len, "%s", base);
	else
		snprintf(out, len, "%.*s%s%s", (int)(v - base), base, brings, v + n);
}

void ksp_uname_line(const struct utsname *u, const char *brings, unsigned fields, char *out,
		    size_t len)
{
	char version[sizeof(u->version) + KSP_VERSION_MAX + 16];
	const char *values[6] = {u->sysname, u->nodename, u->release,
				 version,    u->machine,  "GNU/Linux"};
	size_t at = 0;
	ksp_effective_version(u->version, brings, version, sizeof(version));
	if (!fields)
		fields = KSP_UNAME_SYSNAME;
	out[0] = '\0';
	for (int i = 0; i < 6 && at < len; i++)
		if (fields & (1u << i))
			at += (size_t)snprintf(out + at, len - at, "%s%s", at ? " " : "",
					       values[i]);
}
