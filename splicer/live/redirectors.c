/* Other redirectors of a kernel function, seen from user space (redirectors.h). */
#include "redirectors.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The handler kmod-helper claims a function with: its own, not a problem. */
#define KSP_CLAIM_HANDLER "ksplice_claim_handler"

/* "PATCH/OBJECT/FUNC,POS": does FUNC name the function? */
static int livepatch_line(const char *name, const char *line, size_t len, char *owner, size_t olen)
{
	const char *slash1 = memchr(line, '/', len);
	const char *slash2 =
		slash1 ? memchr(slash1 + 1, '/', len - (size_t)(slash1 + 1 - line)) : NULL;
	if (!slash2)
		return 0;
	const char *func = slash2 + 1;
	size_t flen = len - (size_t)(func - line);
	const char *comma = memchr(func, ',', flen);
	size_t nlen = comma ? (size_t)(comma - func) : flen;
	if (nlen != strlen(name) || strncmp(func, name, nlen))
		return 0;
	snprintf(owner, olen, "livepatch %.*s", (int)(slash1 - line), line);
	return 1;
}

/* "NAME (COUNT) R I D\ttramp: ADDR (HANDLER)": flag I, and a handler not
 * kmod-helper's (with several ftrace users on one call, none is named: the
 * one IPMODIFY owner may then be the helper, so that is not reported). */
static int ftrace_line(const char *name, const char *line, size_t len, char *owner, size_t olen)
{
	size_t n = strlen(name);
	if (len <= n + 2 || strncmp(line, name, n) || line[n] != ' ' || line[n + 1] != '(')
		return 0;
	const char *close = memchr(line + n, ')', len - n);
	if (!close || (size_t)(close - line) + 7 > len || !memchr(close, 'I', 7))
		return 0;
	const char *tramp = memchr(line, '\t', len);
	if (!tramp || (size_t)(tramp - line) + 7 > len || strncmp(tramp, "\ttramp:", 7))
		return 0;
	char rest[512];
	snprintf(rest, sizeof(rest), "%.*s", (int)(len - (size_t)(tramp - line)), tramp);
	if (strstr(rest, KSP_CLAIM_HANDLER))
		return 0;
	const char *open = strrchr(rest, '(');
	const char *shut = open ? strchr(open, ')') : NULL;
	if (open && shut)
		snprintf(owner, olen, "ftrace IPMODIFY user %.*s", (int)(shut - open - 1),
			 open + 1);
	else
		snprintf(owner, olen, "an ftrace IPMODIFY user");
	return 1;
}

typedef int (*line_fn)(const char *, const char *, size_t, char *, size_t);

static int scan_lines(const char *name, const char *text, line_fn fn, char *owner, size_t olen)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (fn(name, line, len, owner, olen))
			return 1;
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int ksp_redirector_parse(const char *name, const char *livepatch_dirs,
			 const char *enabled_functions, char *owner, size_t len)
{
	owner[0] = '\0';
	return scan_lines(name, livepatch_dirs, livepatch_line, owner, len) ||
	       scan_lines(name, enabled_functions, ftrace_line, owner, len);
}

/* Appends "PATCH/OBJECT/FUNC" lines for every livepatch function. */
static char *livepatch_dirs(void)
{
	size_t cap = 4096, used = 0;
	char *text = calloc(1, cap);
	DIR *top = opendir("/sys/kernel/livepatch");
	for (struct dirent *p; text && top && (p = readdir(top));) {
		if (p->d_name[0] == '.')
			continue;
		char path[600];
		snprintf(path, sizeof(path), "/sys/kernel/livepatch/%s", p->d_name);
		DIR *pd = opendir(path);
		for (struct dirent *o; pd && (o = readdir(pd));) {
			char opath[900];
			snprintf(opath, sizeof(opath), "%s/%s", path, o->d_name);
			DIR *od = o->d_name[0] == '.' ? NULL : opendir(opath);
			for (struct dirent *f; od && (f = readdir(od));) {
				if (!strchr(f->d_name, ','))
					continue; /* functions are "NAME,POS" */
				size_t need = strlen(p->d_name) + strlen(o->d_name) +
					      strlen(f->d_name) + 4;
				if (used + need > cap) {
					char *grown = realloc(text, cap = 2 * (cap + need));
					if (!grown)
						break;
					text = grown;
				}
				used += (size_t)sprintf(text + used, "%s/%s/%s\n", p->d_name,
							o->d_name, f->d_name);
			}
			if (od)
				closedir(od);
		}
		if (pd)
			closedir(pd);
	}
	if (top)
		closedir(top);
	return text;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, used = 0;
	char *text = malloc(cap);
	for (size_t n; text && (n = fread(text + used, 1, cap - used - 1, f)) > 0;) {
		used += n;
		if (cap - used < 2) {
			char *grown = realloc(text, cap *= 2);
			if (!grown)
				free(text);
			text = grown;
		}
	}
	fclose(f);
	if (text)
		text[used] = '\0';
	return text;
}

int ksp_redirector(const char *name, char *owner, size_t len)
{
	char *lp = livepatch_dirs();
	char *ef = read_all("/sys/kernel/tracing/enabled_functions");
	if (!ef)
		ef = read_all("/sys/kernel/debug/tracing/enabled_functions");
	int found = ksp_redirector_parse(name, lp ? lp : "", ef ? ef : "", owner, len);
	free(lp);
	free(ef);
	return found;
}
