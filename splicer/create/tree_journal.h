/*
 * The tree guard's journal: what a ksplice-create run is about to change in
 * the kernel tree and where the originals are, written durably (write,
 * fsync, rename) before the tree is touched. The guard restores the tree
 * itself on success, failure and SIGINT/SIGTERM; the journal is for what it
 * cannot catch (SIGKILL, power loss): the next ksplice-create, or
 * scripts/testbed setup, finds it with no live owner and restores the tree.
 *
 * It lives in the tree, TREE/.ksplice-guard/journal, beside the backups
 * (TREE/.ksplice-guard/N): a kill leaves the tree patched, so the backups
 * must outlive the run's work directory, which create's clean-up or a
 * reboot (/tmp) removes; and every run on a tree must find it there. kbuild
 * ignores the hidden directory, and the guard removes it once the tree is
 * restored.
 *
 * Format, one record a line:
 *   ksplice-guard 1
 *   owner PID START_TICKS STARTED_UNIX_TIME
 *   B INDEX MODE ATIME_S ATIME_NS MTIME_S MTIME_NS REL   (backed up as INDEX)
 *   N REL                                               (did not exist)
 * REL is the rest of the line. scripts/testbed-lib.sh reads it too.
 */
#ifndef KSPLICE_TREE_JOURNAL_H
#define KSPLICE_TREE_JOURNAL_H

#include "error.h"
#include "tree_guard.h"

#include <stddef.h>
#include <stdio.h>

#define KSP_JOURNAL_DIR ".ksplice-guard"
#define KSP_JOURNAL_NAME "journal"

/* Makes TREE/.ksplice-guard for a run (a stale one with no journal, left by
 * a run killed before it touched anything or while cleaning up, is emptied)
 * and puts its path in dir. Fails if a journal is there: recover first. */
int ksp_journal_dir_make(const char *root, char *dir, size_t len, struct ksp_error *err);

/* Writes the journal of the guard's entries, durably. */
int ksp_journal_write(const struct ksp_guard *g, struct ksp_error *err);

/* Removes the journal, the backups and the directory (after a restore). */
void ksp_journal_remove(const struct ksp_guard *g);

/* With the tree's lock held: if TREE/.ksplice-guard/journal is there and
 * its owner is gone, restores the tree from it and says so on report, in
 * one line. 0 if nothing was left or all is restored, -1 (err) if the owner
 * still runs or a file could not be restored. */
int ksp_journal_recover(const char *root, FILE *report, struct ksp_error *err);

/* Whether process pid, started at start_ticks (field 22 of /proc/PID/stat),
 * still runs: a pid alone may have been reused. */
int ksp_process_alive(long pid, unsigned long long start_ticks);

/* This process's start time in clock ticks since boot. */
unsigned long long ksp_process_start_ticks(long pid);

#endif
