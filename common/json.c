#include "json.h"

/* The length of the valid UTF-8 sequence at p (2 to 4), or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (p[0] >= 0xf8)
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void ksp_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int n;
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (*p < 0x80)
			fputc(*p, f);
		else if ((n = utf8_len(p)) > 0) {
			fwrite(p, 1, (size_t)n, f);
			p += n - 1;
		} else
			fputs("\\ufffd", f);
	}
	fputc('"', f);
}

void ksp_json_begin(struct ksp_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->items[0] = 0;
}

/* The comma and key before a value at the current level. */
static void value_start(struct ksp_json *j, const char *key)
{
	if (j->items[j->depth])
		fputc(',', j->f);
	j->items[j->depth] = 1;
	if (key) {
		ksp_json_string(j->f, key);
		fputc(':', j->f);
	}
}

static void open_level(struct ksp_json *j, const char *key, char opener, char closer)
{
	value_start(j, key);
	fputc(opener, j->f);
	if (j->depth + 1 < KSP_JSON_MAX_DEPTH)
		j->depth++;
	j->items[j->depth] = 0;
	j->closer[j->depth] = closer;
}

void ksp_json_object(struct ksp_json *j, const char *key)
{
	open_level(j, key, '{', '}');
}

void ksp_json_array(struct ksp_json *j, const char *key)
{
	open_level(j, key, '[', ']');
}

void ksp_json_close(struct ksp_json *j)
{
	if (j->depth == 0)
		return;
	fputc(j->closer[j->depth], j->f);
	if (--j->depth == 0)
		fputc('\n', j->f);
}

void ksp_json_str(struct ksp_json *j, const char *key, const char *value)
{
	value_start(j, key);
	ksp_json_string(j->f, value);
}

void ksp_json_int(struct ksp_json *j, const char *key, long long value)
{
	value_start(j, key);
	fprintf(j->f, "%lld", value);
}

void ksp_json_uint(struct ksp_json *j, const char *key, unsigned long long value)
{
	value_start(j, key);
	fprintf(j->f, "%llu", value);
}

void ksp_json_bool(struct ksp_json *j, const char *key, int value)
{
	value_start(j, key);
	fputs(value ? "true" : "false", j->f);
}

void ksp_json_null(struct ksp_json *j, const char *key)
{
	value_start(j, key);
	fputs("null", j->f);
}

void ksp_json_addr(struct ksp_json *j, const char *key, uint64_t value)
{
	value_start(j, key);
	fprintf(j->f, "\"0x%llx\"", (unsigned long long)value);
}
