#include "kallsyms.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDR_DIGITS 16

struct line_parser {
	const char *origin;
	size_t lineno;
	struct ksp_error *err;
};

static int malformed(const struct line_parser *lp, const char *why, const char *line, size_t len)
{
	return ksp_fail(lp->err, "%s:%zu: malformed kallsyms line (%s): '%.*s'", lp->origin,
			lp->lineno, why, (int)(len > 80 ? 80 : len), line);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses one line in place: NUL-terminates the name and the module. */
static int parse_line(const struct line_parser *lp, char *line, size_t len, struct ksp_ksym *sym)
{
	char *p = line, *end = line + len;
	uint64_t addr = 0;
	int digits = 0;

	for (; p < end && hex_digit(*p) >= 0; p++, digits++)
		addr = addr << 4 | (uint64_t)hex_digit(*p);
	if (digits == 0 || digits > MAX_ADDR_DIGITS)
		return malformed(lp, "the address is not 1-16 hex digits", line, len);
	if (p + 2 >= end || *p != ' ' || !isgraph((unsigned char)p[1]) || p[2] != ' ')
		return malformed(lp, "expected ADDRESS TYPE NAME", line, len);
	sym->addr = addr;
	sym->type = p[1];
	p += 3;
	sym->name = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	if (p == sym->name)
		return malformed(lp, "no name", line, len);
	char *name_end = p;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	sym->module = NULL;
	if (p < end) {
		if (*p != '[' || end[-1] != ']' || end - p < 3 || memchr(p + 1, ']', end - p - 2))
			return malformed(lp, "expected [MODULE] after the name", line, len);
		sym->module = p + 1;
		end[-1] = '\0';
	}
	*name_end = '\0';
	sym->line = lp->lineno;
	return 0;
}

static int by_address(const void *a, const void *b)
{
	const struct ksp_ksym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int by_name(const void *a, const void *b)
{
	const struct ksp_ksym *x = *(const struct ksp_ksym *const *)a;
	const struct ksp_ksym *y = *(const struct ksp_ksym *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : by_address(x, y);
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 1;
	for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
		n++;
	return n;
}

static int parse_all(struct ksp_kallsyms *ks, size_t len, const char *origin, struct ksp_error *err)
{
	struct line_parser lp = {origin, 0, err};
	char *p = ks->strings, *end = ks->strings + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lp.lineno++;
		if (line_len == 0)
			return ksp_fail(err, "%s:%zu: empty line in a kallsyms file", origin,
					lp.lineno);
		if (parse_line(&lp, p, line_len, &ks->syms[ks->count]))
			return -1;
		ks->count++;
		p += line_len + 1;
	}
	if (ks->count == 0)
		return ksp_fail(err, "%s: no symbols", origin);
	return 0;
}

int ksp_kallsyms_parse(const char *text, size_t len, const char *origin, struct ksp_kallsyms *ks,
		       struct ksp_error *err)
{
	memset(ks, 0, sizeof(*ks));
	if (memchr(text, '\0', len))
		return ksp_fail(err, "%s: not a text file (contains NUL bytes)", origin);
	size_t lines = count_lines(text, len);
	ks->strings = malloc(len + 1);
	ks->syms = calloc(lines, sizeof(*ks->syms));
	ks->by_name = calloc(lines, sizeof(*ks->by_name));
	if (!ks->strings || !ks->syms || !ks->by_name) {
		ksp_kallsyms_free(ks);
		return ksp_fail(err, "%s: out of memory for %zu symbols", origin, lines);
	}
	memcpy(ks->strings, text, len);
	ks->strings[len] = '\0';
	if (parse_all(ks, len, origin, err)) {
		ksp_kallsyms_free(ks);
		return -1;
	}
	qsort(ks->syms, ks->count, sizeof(*ks->syms), by_address);
	for (size_t i = 0; i < ks->count; i++)
		ks->by_name[i] = &ks->syms[i];
	qsort(ks->by_name, ks->count, sizeof(*ks->by_name), by_name);
	return 0;
}

int ksp_kallsyms_load(const char *path, struct ksp_kallsyms *ks, struct ksp_error *err)
{
	memset(ks, 0, sizeof(*ks));
	FILE *f = fopen(path, "r");
	if (!f)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	/* /proc/kallsyms has no size: read in chunks. */
	size_t cap = 1 << 20, len = 0, n;
	char *text = malloc(cap);
	while (text && (n = fread(text + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = realloc(text, cap *= 2);
			if (!bigger) {
				free(text);
				text = NULL;
				break;
			}
			text = bigger;
		}
	}
	const char *failure = !text ? "out of memory" : ferror(f) ? "read error" : NULL;
	fclose(f);
	if (failure) {
		free(text);
		return ksp_fail(err, "%s: %s", path, failure);
	}
	int rc = ksp_kallsyms_parse(text, len, path, ks, err);
	free(text);
	return rc;
}

size_t ksp_kallsyms_lookup(const struct ksp_kallsyms *ks, const char *name,
			   const struct ksp_ksym *const **found)
{
	size_t lo = 0, hi = ks->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ks->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	while (lo + n < ks->count && strcmp(ks->by_name[lo + n]->name, name) == 0)
		n++;
	*found = n ? &ks->by_name[lo] : NULL;
	return n;
}

/* Index of the first symbol with an address > addr (count if none). */
static size_t first_above(const struct ksp_kallsyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t ksp_kallsyms_next_addr(const struct ksp_kallsyms *ks, uint64_t addr)
{
	size_t i = first_above(ks, addr);
	return i < ks->count ? ks->syms[i].addr : 0;
}

const struct ksp_ksym *ksp_kallsyms_containing(const struct ksp_kallsyms *ks, uint64_t addr,
					       uint64_t *end)
{
	size_t i = first_above(ks, addr);
	if (end)
		*end = i < ks->count ? ks->syms[i].addr : 0;
	if (i == 0)
		return NULL;
	uint64_t start = ks->syms[i - 1].addr;
	while (i > 1 && ks->syms[i - 2].addr == start)
		i--;
	return &ks->syms[i - 1];
}

int ksp_kallsyms_add(struct ksp_kallsyms *ks, const struct ksp_ksym *syms, size_t n)
{
	size_t total = ks->count + n;
	struct ksp_ksym *v = malloc((total + 1) * sizeof(*v));
	const struct ksp_ksym **names = malloc((total + 1) * sizeof(*names));
	if (!v || !names) {
		free(v);
		free(names);
		return -1;
	}
	if (ks->count)
		memcpy(v, ks->syms, ks->count * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[ks->count + i] = syms[i];
		v[ks->count + i].line = ks->count + i + 1; /* after the file's lines */
	}
	qsort(v, total, sizeof(*v), by_address);
	for (size_t i = 0; i < total; i++)
		names[i] = &v[i];
	qsort(names, total, sizeof(*names), by_name);
	free(ks->syms);
	free(ks->by_name);
	ks->syms = v;
	ks->by_name = names;
	ks->count = total;
	return 0;
}

void ksp_kallsyms_free(struct ksp_kallsyms *ks)
{
	free(ks->syms);
	free(ks->by_name);
	free(ks->strings);
	memset(ks, 0, sizeof(*ks));
}
