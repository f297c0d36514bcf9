#include "preflight.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p: each missing component in turn. */
static int make_dirs(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

int ksp_output_dir_ready(const char *dir, struct ksp_error *err)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || make_dirs(dir) != 0)
			return ksp_failc(err, KSP_E_OUTPUT, "-o %s: cannot create: %s", dir,
					 strerror(errno));
		if (stat(dir, &st) != 0)
			return ksp_failc(err, KSP_E_OUTPUT, "-o %s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return ksp_failc(err, KSP_E_OUTPUT, "-o %s: not a directory", dir);
	if (access(dir, W_OK | X_OK) != 0)
		return ksp_failc(err, KSP_E_OUTPUT, "-o %s: not writable: %s", dir,
				 strerror(errno));
	return 0;
}

/* The first line of DIR/NAME, without its newline; "" if unreadable. */
static void first_line(const char *dir, const char *name, char *out, size_t len)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* The headers' UTS_RELEASE ("" if they have none). Debian's
 * include/config/kernel.release names the upstream version instead. */
static void headers_release(const char *headers, char *out, size_t len)
{
	char path[4200], line[512];
	snprintf(path, sizeof(path), "%s/include/generated/utsrelease.h", headers);
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "#define UTS_RELEASE \"%255[^\"]\"", out) == 1)
			break;
	fclose(f);
	out[len - 1] = '\0';
}

int ksp_headers_find(const struct ksp_tree *t, const char *given, char *out, size_t len,
		     struct ksp_error *err)
{
	char recorded[4096];
	first_line(t->path, ".ksplice-headers", recorded, sizeof(recorded));
	if (given)
		snprintf(out, len, "%s", given);
	else if (recorded[0])
		snprintf(out, len, "%s", recorded);
	else
		snprintf(out, len, "/lib/modules/%s/build", t->release);
	char makefile[4200];
	snprintf(makefile, sizeof(makefile), "%s/Makefile", out);
	if (access(out, R_OK) != 0 || access(makefile, R_OK) != 0)
		return ksp_failc(
			err, KSP_E_TREE,
			"%s: no kbuild headers for %s (install them or give --headers DIR)", out,
			t->release);
	char release[256];
	headers_release(out, release, sizeof(release));
	if (release[0] && strcmp(release, t->release) != 0)
		return ksp_failc(
			err, KSP_E_TREE,
			"%s: kbuild headers for %s, not for the tree's %s (give --headers DIR)",
			out, release, t->release);
	return 0;
}
