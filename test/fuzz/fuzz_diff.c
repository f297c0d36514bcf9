/* libFuzzer target: unified diffs (splicer/diff.c), as ksplice-create reads
 * an operator's patch: parsing, then path resolution against a small tree.
 * Checks that every hunk's counts agree with its header. */
#include "diff.h"
#include "fuzz_util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* A tree holding a few files real patches name. */
static const char *tree(void)
{
	static char root[4200];
	if (root[0])
		return root;
	snprintf(root, sizeof(root), "%s/tree", fuzz_scratch_dir());
	static const char *const files[] = {"fs/proc/cmdline.c", "kernel/sys.c", "Makefile"};
	static const char *const dirs[] = {"", "/fs", "/fs/proc", "/kernel"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char d[4400];
		snprintf(d, sizeof(d), "%s%s", root, dirs[i]);
		mkdir(d, 0755);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char f[4400];
		snprintf(f, sizeof(f), "%s/%s", root, files[i]);
		FILE *fp = fopen(f, "w");
		if (fp)
			fclose(fp);
	}
	return root;
}

static void check_hunks(const struct ksp_diff *d)
{
	unsigned total = 0;
	for (size_t i = 0; i < d->nfiles; i++) {
		const struct ksp_file_diff *f = &d->files[i];
		fuzz_check(f->old_path || f->new_path, "a file diff names a file");
		fuzz_check(ksp_file_diff_path(f) != NULL, "a file diff has a path");
		fuzz_check(f->nhunks > 0, "a file diff has hunks");
		for (size_t j = 0; j < f->nhunks; j++) {
			const struct ksp_hunk *h = &f->hunks[j];
			fuzz_check(h->added <= h->new_count && h->removed <= h->old_count,
				   "hunk lines within the header's counts");
			fuzz_check(h->new_count - h->added == h->old_count - h->removed,
				   "hunk context lines agree on both sides");
			total += h->added + h->removed;
		}
	}
	fuzz_check(total == ksp_diff_lines_changed(d), "lines changed add up");
	fuzz_check(d->description != NULL, "a parsed diff has a description");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksp_diff d;
	struct ksp_error err;
	if (ksp_diff_parse((const char *)data, size, "fuzz.patch", &d, &err) != 0)
		return 0;
	check_hunks(&d);
	ksp_diff_resolve_paths(&d, tree(), &err);
	for (size_t i = 0; i < d.nfiles; i++)
		fuzz_check(ksp_file_diff_path(&d.files[i]) != NULL, "a resolved path");
	ksp_diff_free(&d);
	return 0;
}
