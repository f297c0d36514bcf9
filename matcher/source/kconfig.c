#include "kconfig.h"
#include "array.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ksp_kconfig_load(const char *tree, struct ksp_kconfig *k, struct ksp_error *err)
{
	memset(k, 0, sizeof(*k));
	char path[4200], line[4096];
	snprintf(path, sizeof(path), "%s/.config", tree);
	FILE *f = fopen(path, "r");
	if (!f)
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	size_t cap = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "CONFIG_", 7) != 0 || !strchr(line, '='))
			continue;
		char **grown = ksp_array_room(k->lines, &cap, k->n, sizeof(*grown), 4096);
		if (!grown)
			break;
		k->lines = grown;
		if (!(k->lines[k->n] = strdup(line)))
			break;
		k->n++;
	}
	int failed = ferror(f) || !feof(f);
	fclose(f);
	if (failed) {
		ksp_kconfig_free(k);
		return ksp_fail(err, "%s: cannot read", path);
	}
	qsort(k->lines, k->n, sizeof(*k->lines), cmp_line);
	return 0;
}

void ksp_kconfig_free(struct ksp_kconfig *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->lines[i]);
	free(k->lines);
	memset(k, 0, sizeof(*k));
}

/* The value of CONFIG_X ("y", "m", "8192"), or NULL if it is not set. */
static const char *value_of(const struct ksp_kconfig *k, const char *name, size_t len)
{
	size_t lo = 0, hi = k->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *l = k->lines[mid];
		int c = strncmp(l, name, len);
		if (c == 0 && l[len] == '=')
			return l + len + 1;
		if (c == 0)
			c = (unsigned char)l[len] - '=';
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/* A CONFIG_ name at p: its length, or 0. */
static size_t config_name(const char *p, const char *end)
{
	if (end - p < 8 || strncmp(p, "CONFIG_", 7) != 0)
		return 0;
	size_t n = 7;
	while (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '_'))
		n++;
	return n;
}

/* "defined(CONFIG_X)", "IS_ENABLED(CONFIG_X)" and the like, or a bare
 * CONFIG_X (the name of an #ifdef), spanning exactly [p, end). */
static int term_value(const struct ksp_kconfig *k, const char *p, const char *end, int ifdef)
{
	static const char *const forms[] = {"defined", "IS_ENABLED", "IS_BUILTIN", "IS_MODULE"};
	size_t f = 0, len;
	for (; f < 4; f++) {
		len = strlen(forms[f]);
		if ((size_t)(end - p) > len && !strncmp(p, forms[f], len) &&
		    !isalnum((unsigned char)p[len]) && p[len] != '_')
			break;
	}
	int paren = 0;
	if (f < 4) {
		p = skip_space(p + strlen(forms[f]), end);
		paren = p < end && *p == '(';
		p = skip_space(p + paren, end);
	}
	size_t n = config_name(p, end);
	if (!n)
		return -1;
	const char *rest = skip_space(p + n, end);
	if (paren && (rest == end || *rest++ != ')'))
		return -1;
	if (skip_space(rest, end) != end)
		return -1;
	const char *v = value_of(k, p, n);
	switch (f) {
	case 1: /* IS_ENABLED */
		return v && (!strcmp(v, "y") || !strcmp(v, "m"));
	case 2: /* IS_BUILTIN */
		return v && !strcmp(v, "y");
	case 3: /* IS_MODULE */
		return v && !strcmp(v, "m");
	default: /* defined() or bare: autoconf.h defines CONFIG_X for =y and
		  * for values; =m defines CONFIG_X_MODULE instead */
		if (!v || !strcmp(v, "m"))
			return 0;
		if (!strcmp(v, "y"))
			return 1;
		return f == 0 || ifdef ? 1 : -1; /* #if CONFIG_NR_CPUS: not decided */
	}
}

int ksp_kconfig_condition(const struct ksp_kconfig *k, const char *d, size_t len)
{
	const char *end = d + len, *p = skip_space(d, end);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (!k)
		return -1;
	int value;
	if (end - p > 6 && !strncmp(p, "ifndef", 6) && isspace((unsigned char)p[6])) {
		value = term_value(k, skip_space(p + 6, end), end, 1);
		return value < 0 ? -1 : !value;
	}
	if (end - p > 5 && !strncmp(p, "ifdef", 5) && isspace((unsigned char)p[5]))
		return term_value(k, skip_space(p + 5, end), end, 1);
	if (end - p > 2 && !strncmp(p, "if", 2) && (isspace((unsigned char)p[2]) || p[2] == '!')) {
		p = skip_space(p + 2, end);
		int negate = p < end && *p == '!';
		value = term_value(k, skip_space(p + negate, end), end, 0);
		return value < 0 ? -1 : negate ? !value : value;
	}
	return -1;
}
