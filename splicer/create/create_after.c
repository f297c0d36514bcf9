#include "create_after.h"
#include "metadata.h"
#include "package.h"
#include "patch_apply.h"
#include "update_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_member(const struct ksp_pkg_member *m, const char *path, struct ksp_error *err)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(m->data, 1, m->size, f) != m->size || fclose(f) != 0)
		return ksp_fail(err, "%s: cannot write: %s", path, strerror(errno));
	return 0;
}

/* ID, target release and patch of the earlier update. */
static int read_update(struct ksp_after *a, const char *release, const char *path,
		       struct ksp_error *err)
{
	struct ksp_package pkg = {0};
	if (ksp_pkg_read(a->file, &pkg, err))
		return -1;
	const struct ksp_pkg_member *member = ksp_pkg_find(&pkg, KSP_UPDATE_METADATA);
	const struct ksp_pkg_member *patch = ksp_pkg_find(&pkg, KSP_UPDATE_PATCH);
	struct ksp_metadata meta = {0};
	struct ksp_error why = {0};
	int rc = 0;
	if (!member || !patch ||
	    ksp_metadata_parse((const char *)member->data, member->size, &meta, &why) || !meta.id ||
	    !meta.id[0])
		rc = ksp_fail(err, "--after %s: not a ksplice update (no metadata, ID or patch)",
			      a->file);
	else
		snprintf(a->id, sizeof(a->id), "%s", meta.id);
	const char *rel = meta.kernel_release ? meta.kernel_release : "";
	if (!rc && strcmp(rel, release))
		rc = ksp_fail(err, "--after %s: update %s is for kernel %s, the tree is %s",
			      a->file, a->id, rel, release);
	else if (!rc)
		rc = write_member(patch, path, err);
	ksp_metadata_free(&meta);
	ksp_pkg_free(&pkg);
	return rc;
}

int ksp_after_load(const char *file, const char *release, const char *tree, const char *workdir,
		   size_t index, struct ksp_after *a, struct ksp_error *err)
{
	memset(a, 0, sizeof(*a));
	a->file = file;
	if (asprintf(&a->patch, "%s/after-%zu.patch", workdir, index) < 0) {
		a->patch = NULL;
		return ksp_fail(err, "out of memory");
	}
	if (read_update(a, release, a->patch, err))
		return -1;
	struct ksp_error why = {0};
	if (ksp_diff_load(a->patch, &a->diff, &why) || ksp_diff_resolve_paths(&a->diff, tree, &why))
		return ksp_fail(err, "--after %s: the patch of update %s: %s", file, a->id,
				why.msg);
	return 0;
}

int ksp_after_protect(struct ksp_guard *g, const struct ksp_after *a, struct ksp_error *err)
{
	for (size_t i = 0; i < a->diff.nfiles; i++)
		if (ksp_guard_protect(g, ksp_file_diff_path(&a->diff.files[i]), err))
			return -1;
	return 0;
}

int ksp_after_apply(const struct ksp_after *a, const char *tree, const char *log,
		    struct ksp_error *err)
{
	struct ksp_error why = {0};
	if (ksp_patch_apply(tree, a->patch, a->diff.strip, 1, log, &why) ||
	    ksp_patch_apply(tree, a->patch, a->diff.strip, 0, log, &why))
		return ksp_fail(err, "--after %s: the patch of update %s does not apply: %s",
				a->file, a->id, why.msg);
	return 0;
}

void ksp_after_free(struct ksp_after *a)
{
	free(a->patch);
	ksp_diff_free(&a->diff);
	memset(a, 0, sizeof(*a));
}
