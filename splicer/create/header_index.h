/*
 * The header index: what each object of a prepared tree reads and names,
 * kept beside the tree (TREE.index/) so that a header change can be judged
 * for most objects without preprocessing them again (header_skip.h).
 *
 * One entry per object, written from its preprocessed source (gcc -E -dU,
 * as screening makes it): the facts of pp_facts.h (identifiers it sees, names
 * something refers to, the macros it used, the files it read) and, for each
 * file it read and each Makefile that gives it flags, the file's size, mtime
 * and content hash. An entry is used only while all those files are as
 * recorded (size and mtime equal, else the same content); the whole index
 * is dropped when a file every object depends on changes (.config, the make
 * variables, the top and arch Makefiles, kbuild's scripts) or the compiler
 * does. All macro definitions any entry saw form one table: a macro with
 * one definition in the whole tree expands the same everywhere.
 *
 * One process at a time uses an index (flock on TREE.index/lock).
 * KSPLICE_HEADER_INDEX=DIR puts it elsewhere (tests, read-only trees).
 */
#ifndef KSPLICE_HEADER_INDEX_H
#define KSPLICE_HEADER_INDEX_H

#include "error.h"
#include "generated_inputs.h"
#include "kbuild.h"
#include "pp_facts.h"
#include "strlist.h"

#include <stddef.h>

struct ksp_hindex;

/* Where tree's index lives (TREE.index, or $KSPLICE_HEADER_INDEX). */
void ksp_hindex_location(const struct ksp_tree *tree, char *out, size_t len);

/* The stamp of tree's global build files and compiler: when it changes, the
 * index and everything kept beside it is stale. 0, or -1 (unreadable). */
int ksp_hindex_tree_stamp(const struct ksp_tree *tree, char *out, size_t len);

/* Opens (creating it if needed) the index of tree, dropping its entries if
 * the tree's global build files changed. */
int ksp_hindex_open(const struct ksp_tree *tree, struct ksp_hindex **ix, struct ksp_error *err);
void ksp_hindex_close(struct ksp_hindex *ix);
const char *ksp_hindex_dir(const struct ksp_hindex *ix);
const char *ksp_hindex_tree_path(const struct ksp_hindex *ix);
const struct ksp_tree *ksp_hindex_tree(const struct ksp_hindex *ix);

/* Files that builds of this run made, which do not exist in the tree the
 * index describes (made->is_new; NULL: none). An object
 * that read one is recorded only if kbuild's .cmd files tell what the file
 * is made from (generated_inputs.h): those inputs join its files, marked
 * KSP_PP_FILE_INPUT, and the made file itself is not looked at again. */
void ksp_hindex_set_new_files(struct ksp_hindex *ix, const struct ksp_made_files *made);

/* Records object's entry from its preprocessed source, made with -dU while
 * the tree is as the index describes it (before any patch). */
int ksp_hindex_record(struct ksp_hindex *ix, const char *object, const char *text, size_t len,
		      struct ksp_error *err);

/* 1 and the object's facts if its entry is fresh, 0 if it has none or the
 * files it read changed since, -1 with err. */
int ksp_hindex_lookup(struct ksp_hindex *ix, const char *object, struct ksp_pp_facts *facts,
		      struct ksp_error *err);

/* The one definition every entry saw of a macro: 1 and *def (text after the
 * name, as -dU prints it), 0 if no entry saw it defined, 2 if entries saw
 * different definitions. Fits ksp_macro_lookup_fn (ctx: the index). */
int ksp_hindex_macro(void *ix, const char *name, size_t len, const char **def);

/* The macros any definition of which names __COUNTER__. */
const struct ksp_strlist *ksp_hindex_counter_macros(const struct ksp_hindex *ix);

/* Entries written, entries found fresh since open, and objects not
 * recorded because a made file they read has inputs no .cmd tells. */
void ksp_hindex_counts(const struct ksp_hindex *ix, size_t *recorded, size_t *fresh,
		       size_t *unknown_inputs);

#endif
