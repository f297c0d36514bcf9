/*
 * What ksplice-view says of kept updates and of the boot-time apply: which
 * updates are kept (persisted), whether the crash guard tripped, and what
 * this boot's ksplice-boot did. Read from the state directory
 * (persist_store.h, boot_guard.h), which only root can read: for others
 * it is unknown.
 */
#ifndef KSPLICE_PERSIST_VIEW_H
#define KSPLICE_PERSIST_VIEW_H

#include "boot_guard.h"
#include "json.h"
#include "persist_store.h"

struct ksp_persist_view {
	char dir[4096];
	int readable; /* 0: not root, or the directory cannot be read */
	struct ksp_kept_list kept;
	int tripped;
	struct ksp_guard_marker tripped_by; /* the marker of the boot that went down */
	int booted;			    /* this boot's ksplice-boot left a record */
	struct ksp_boot_record boot;
};

void ksp_persist_view_load(struct ksp_persist_view *v);
void ksp_persist_view_free(struct ksp_persist_view *v);
int ksp_persist_view_kept(const struct ksp_persist_view *v, const char *id);

/* The listing's lines: kept updates, the guard, this boot's apply. */
void ksp_persist_view_print(const struct ksp_persist_view *v);
/* The inventory's "persistence" object (null when unreadable). */
void ksp_persist_view_json(struct ksp_json *j, const struct ksp_persist_view *v);

#endif
