/* The update file's identity: ids, descriptions, CVE ids and versions
 * (update_file.h). */
#include "update_file.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ksp_update_id_make(char id[9])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[8];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	for (int i = 0; i < 8; i++)
		id[i] = alphabet[raw[i] % 36];
	id[8] = '\0';
	return 0;
}

int ksp_update_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

void ksp_description_clean(const char *in, char *out)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)(in ? in : "");
	     *p && n < KSP_DESCRIPTION_MAX; p++)
		out[n++] = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
	if (in && ((unsigned char)in[n] & 0xc0) == 0x80) { /* cut inside a UTF-8 sequence */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)out[n - 1] >= 0xc0)
			n--;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

int ksp_cve_valid(const char *s)
{
	if (strncmp(s, "CVE-", 4) != 0 || strspn(s + 4, "0123456789") != 4 || s[8] != '-')
		return 0;
	size_t digits = strspn(s + 9, "0123456789");
	return digits >= 4 && digits <= 19 && !s[9 + digits];
}

/* Are the len bytes of s ASCII letters, digits or characters of extra? */
static int only(const char *s, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c < 0x80 && isalnum(c)) && !(c && strchr(extra, c)))
			return 0;
	}
	return 1;
}

int ksp_version_valid(const char *s)
{
	size_t len = strlen(s);
	if (len < 1 || len > KSP_VERSION_MAX)
		return 0;
	const char *colon = strchr(s, ':');
	if (colon) {
		if (strspn(s, "0123456789") != (size_t)(colon - s) || colon == s)
			return 0;
		s = colon + 1;
	}
	const char *dash = strrchr(s, '-');
	size_t upstream = dash ? (size_t)(dash - s) : strlen(s);
	if (!isdigit((unsigned char)s[0]))
		return 0;
	if (dash && (!dash[1] || !only(dash + 1, strlen(dash + 1), ".+~")))
		return 0;
	return only(s, upstream, dash ? ".+~-" : ".+~");
}

/* dpkg's order of a character in the non-digit parts: '~' before the end,
 * the end before letters, letters before the rest. */
static int char_order(char c)
{
	if (isdigit((unsigned char)c))
		return 0;
	if (isalpha((unsigned char)c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	return c ? (unsigned char)c + 256 : 0;
}

/* dpkg's verrevcmp over the len bytes of a and of b. */
static int part_cmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		while ((a < ae && !isdigit((unsigned char)*a)) ||
		       (b < be && !isdigit((unsigned char)*b))) {
			int ac = char_order(a < ae ? *a : 0), bc = char_order(b < be ? *b : 0);
			if (ac != bc)
				return ac - bc;
			a += a < ae;
			b += b < be;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		int first = 0;
		for (; a < ae && b < be && isdigit((unsigned char)*a) && isdigit((unsigned char)*b);
		     a++, b++)
			if (!first)
				first = *a - *b;
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (first)
			return first;
	}
	return 0;
}

struct version_parts {
	unsigned long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static void version_split(const char *s, struct version_parts *v)
{
	const char *colon = strchr(s, ':');
	v->epoch = colon ? strtoul(s, NULL, 10) : 0;
	v->up = colon ? colon + 1 : s;
	const char *dash = strrchr(v->up, '-');
	v->up_end = dash ? dash : v->up + strlen(v->up);
	v->rev = dash ? dash + 1 : v->up_end;
	v->rev_end = v->rev + strlen(v->rev);
}

int ksp_version_cmp(const char *a, const char *b)
{
	struct version_parts x, y;
	version_split(a, &x);
	version_split(b, &y);
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	int c = part_cmp(x.up, x.up_end, y.up, y.up_end);
	if (!c)
		c = part_cmp(x.rev, x.rev_end, y.rev, y.rev_end);
	return c < 0 ? -1 : c > 0;
}
