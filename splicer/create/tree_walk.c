#include "tree_walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const no_kernel_code[] = {"Documentation", "tools",	  "scripts", "samples",
					     "usr",	      "LICENSES", "debian"};

static int skipped_dir(const char *rel)
{
	for (size_t i = 0; i < sizeof(no_kernel_code) / sizeof(*no_kernel_code); i++)
		if (!strcmp(rel, no_kernel_code[i]))
			return 1;
	return !strncmp(rel, "arch/", 5) && !strchr(rel + 5, '/') && strcmp(rel, "arch/x86");
}

/* DT_DIR, DT_REG or something else; file systems that leave d_type
 * unknown are asked (without following links). */
static int entry_type(const char *root, const char *rel, const struct dirent *e)
{
	if (e->d_type != DT_UNKNOWN)
		return e->d_type;
	char path[8400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (lstat(path, &st))
		return DT_UNKNOWN;
	return S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
}

static int walk(const char *root, const char *rel, int every_dir, ksp_tree_file_fn fn, void *ctx)
{
	char path[8300];
	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d)
		return every_dir && errno != ENOENT ? -1 : 0;
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char child[4200];
		snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		int type = entry_type(root, child, e);
		if (type == DT_DIR && (every_dir || !skipped_dir(child)))
			rc = walk(root, child, every_dir, fn, ctx);
		else if (type == DT_REG)
			rc = fn(ctx, child, e->d_name);
	}
	closedir(d);
	return rc;
}

int ksp_tree_walk(const char *root, ksp_tree_file_fn fn, void *ctx)
{
	return walk(root, "", 0, fn, ctx);
}

int ksp_tree_walk_all(const char *root, ksp_tree_file_fn fn, void *ctx)
{
	return walk(root, "", 1, fn, ctx);
}
