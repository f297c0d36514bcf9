/*
 * The state directory of kept updates (ksplice-apply --persist), its one
 * owner: $KSPLICE_STATE_DIR (tests), else /var/lib/ksplice, then one
 * directory per kernel release:
 *
 *   /var/lib/ksplice/RELEASE/             0700, root's
 *     build-id                            the kernel's build id when the first
 *                                         update was kept ("" if it named none)
 *     0001-ID1.tar.gz, 0002-ID2.tar.gz    the update files as applied, byte for
 *                                         byte (signed ones stay signed), 0600;
 *                                         the number is the order of re-apply
 *     guard, guard-tripped, last-boot     ksplice-boot's (boot_guard.h)
 *
 * Every write is a temporary file in the same directory, fsync, rename, and
 * an fsync of the directory: after a crash a file is there whole or not at
 * all. An update kept again keeps its number; a new one gets one past the
 * highest, so updates come back in the order they were first kept (an
 * update made --after another is kept only once that one is: persist.c).
 */
#ifndef KSPLICE_PERSIST_STORE_H
#define KSPLICE_PERSIST_STORE_H

#include "error.h"

#include <stddef.h>

#define KSP_STATE_DIR_DEFAULT "/var/lib/ksplice"
#define KSP_STATE_BUILD_ID "build-id"

struct ksp_kept {
	unsigned seq;
	char id[64];
	char file[256]; /* its name in the directory */
};

struct ksp_kept_list {
	struct ksp_kept *v; /* by seq */
	size_t n;
};

/* The directory of release: $KSPLICE_STATE_DIR/RELEASE or
 * /var/lib/ksplice/RELEASE. */
void ksp_state_dir(const char *release, char *buf, size_t len);

/* "0003-ab12cd34.tar.gz" -> 3 and "ab12cd34"; -1 for any other name
 * (temporary files, the guard's files). */
int ksp_kept_name_parse(const char *name, unsigned *seq, char *id, size_t idlen);

/* The kept updates of dir in order; an absent dir has none. */
int ksp_kept_list(const char *dir, struct ksp_kept_list *out, struct ksp_error *err);
void ksp_kept_list_free(struct ksp_kept_list *l);
const struct ksp_kept *ksp_kept_find(const struct ksp_kept_list *l, const char *id);

/* The name update id gets in l: its own if kept, else one past the
 * highest number. */
void ksp_kept_name_for(const struct ksp_kept_list *l, const char *id, char *buf, size_t len);

/* Creates dir (and the state root) 0700 if missing; refuses one that is
 * not a directory or that others may write. */
int ksp_state_prepare(const char *dir, struct ksp_error *err);

/* The same rule for a directory that exists, created by nobody: the boot
 * applies nothing from a directory someone else could have written. */
int ksp_state_check(const char *dir, struct ksp_error *err);

/* Writes name in dir atomically (temporary file, fsync, rename, fsync of
 * dir), mode 0600. */
int ksp_state_write(const char *dir, const char *name, const void *data, size_t len,
		    struct ksp_error *err);

/* Reads a small text file of dir into buf (its first line, without the
 * newline); -1 when it is absent or unreadable. */
int ksp_state_read_line(const char *dir, const char *name, char *buf, size_t len);

/* Removes name from dir (absent is fine) and syncs dir. */
int ksp_state_remove(const char *dir, const char *name, struct ksp_error *err);

#endif
