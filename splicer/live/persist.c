/* Keeping updates for the next boot (persist.h). */
#include "persist.h"
#include "fileio.h"
#include "kernel_identity.h"
#include "metadata.h"
#include "package.h"
#include "persist_store.h"
#include "update_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* No real update comes near it. */
#define KEPT_FILE_MAX (512u << 20)

/* The metadata of the update file at path (pkg holds its storage). */
static int read_metadata(const char *path, struct ksp_package *pkg, struct ksp_metadata *meta,
			 struct ksp_error *err)
{
	memset(pkg, 0, sizeof(*pkg));
	memset(meta, 0, sizeof(*meta));
	if (ksp_pkg_read(path, pkg, err)) {
		err->code = KSP_E_BAD_FILE;
		return -1;
	}
	const struct ksp_pkg_member *m = ksp_pkg_find(pkg, KSP_UPDATE_METADATA);
	struct ksp_error why = {0};
	if (!m || ksp_metadata_parse((const char *)m->data, m->size, meta, &why) || !meta->id) {
		ksp_pkg_free(pkg);
		return ksp_failc(err, KSP_E_BAD_FILE, "%s: not a ksplice update%s%s", path,
				 why.msg[0] ? ": " : "", why.msg);
	}
	return 0;
}

/* The directory's recorded build must be this kernel's: kept updates of
 * another build would all be refused at boot. */
static int check_build(const struct ksp_persist *p, struct ksp_error *err)
{
	char recorded[256];
	if (ksp_state_read_line(p->dir, KSP_STATE_BUILD_ID, recorded, sizeof(recorded)) ||
	    !strcmp(recorded, p->build_id))
		return 0;
	return ksp_failc(err, KSP_E_STATE_DIR,
			 "%s: its kept updates are for build %s, this kernel is build %s: "
			 "forget them first (ksplice-undo --forget ID)",
			 p->dir, recorded[0] ? recorded : "(none)",
			 p->build_id[0] ? p->build_id : "(none)");
}

static int check_earlier_kept(const struct ksp_persist *p, const struct ksp_metadata *meta,
			      const char *update, struct ksp_error *err)
{
	struct ksp_kept_list kept;
	if (ksp_kept_list(p->dir, &kept, err))
		return -1;
	int rc = 0;
	for (size_t i = 0; !rc && i < meta->after.n; i++)
		if (!ksp_kept_find(&kept, meta->after.v[i]))
			rc = ksp_failc(err, KSP_E_NOT_KEPT,
				       "%s: update %s was made on top of update %s, which is not "
				       "kept in %s: apply %s with --persist first",
				       update, p->id, meta->after.v[i], p->dir, meta->after.v[i]);
	ksp_kept_list_free(&kept);
	return rc;
}

int ksp_persist_prepare(const char *update, struct ksp_persist *p, struct ksp_error *err)
{
	struct utsname u;
	memset(p, 0, sizeof(*p));
	if (geteuid() != 0)
		return ksp_failc(err, KSP_E_PERMISSION, "keeping an update (--persist) needs root");
	uname(&u);
	ksp_state_dir(u.release, p->dir, sizeof(p->dir));
	if (ksp_running_build_id(p->build_id, sizeof(p->build_id)))
		p->build_id[0] = '\0';
	struct ksp_package pkg;
	struct ksp_metadata meta;
	if (read_metadata(update, &pkg, &meta, err))
		return -1;
	snprintf(p->id, sizeof(p->id), "%s", meta.id);
	int rc = ksp_update_id_valid(p->id)
			 ? 0
			 : ksp_failc(err, KSP_E_BAD_FILE, "%s: its id '%s' is not an update id",
				     update, p->id);
	/* Refusals first: a refused --persist leaves no directory behind. */
	if (!rc)
		rc = check_earlier_kept(p, &meta, update, err);
	if (!rc)
		rc = check_build(p, err);
	if (!rc)
		rc = ksp_state_prepare(p->dir, err);
	ksp_metadata_free(&meta);
	ksp_pkg_free(&pkg);
	if (!rc && ksp_read_file(update, KEPT_FILE_MAX, &p->data, &p->len, err)) {
		err->code = KSP_E_BAD_FILE;
		rc = -1;
	}
	return rc;
}

int ksp_persist_commit(const struct ksp_persist *p, struct ksp_error *err)
{
	char recorded[256], name[256], line[300];
	if (ksp_state_read_line(p->dir, KSP_STATE_BUILD_ID, recorded, sizeof(recorded))) {
		snprintf(line, sizeof(line), "%s\n", p->build_id);
		if (ksp_state_write(p->dir, KSP_STATE_BUILD_ID, line, strlen(line), err))
			return -1;
	}
	struct ksp_kept_list kept;
	if (ksp_kept_list(p->dir, &kept, err))
		return -1;
	ksp_kept_name_for(&kept, p->id, name, sizeof(name));
	ksp_kept_list_free(&kept);
	return ksp_state_write(p->dir, name, p->data, p->len, err);
}

void ksp_persist_free(struct ksp_persist *p)
{
	free(p->data);
	p->data = NULL;
}

int ksp_persist_dependent(const char *dir, const char *id, char *who, size_t len,
			  struct ksp_error *err)
{
	struct ksp_kept_list kept;
	who[0] = '\0';
	if (ksp_kept_list(dir, &kept, err))
		return -1;
	for (size_t i = 0; i < kept.n && !who[0]; i++) {
		char path[4096];
		struct ksp_package pkg;
		struct ksp_metadata meta;
		struct ksp_error ignored = {0};
		if (!strcmp(kept.v[i].id, id))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, kept.v[i].file);
		if (read_metadata(path, &pkg, &meta, &ignored))
			continue; /* unreadable: ksplice-boot reports it */
		for (size_t a = 0; a < meta.after.n; a++)
			if (!strcmp(meta.after.v[a], id))
				snprintf(who, len, "%s", kept.v[i].id);
		ksp_metadata_free(&meta);
		ksp_pkg_free(&pkg);
	}
	ksp_kept_list_free(&kept);
	return 0;
}
