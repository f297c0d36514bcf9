/* The source files of a kernel tree, for the include graph and the header
 * index: every regular file below the tree but hidden entries, the
 * top-level directories that hold no kernel code (documentation, tools,
 * scripts, packaging) and the architectures other than x86. */
#ifndef KSPLICE_TREE_WALK_H
#define KSPLICE_TREE_WALK_H

/* rel: the file's path below root; name: its last part. A non-zero return
 * stops the walk and is returned. */
typedef int (*ksp_tree_file_fn)(void *ctx, const char *rel, const char *name);

/* 0 when every file was visited (an unreadable directory is passed over). */
int ksp_tree_walk(const char *root, ksp_tree_file_fn fn, void *ctx);

/* The same over every directory but hidden ones, for what must not miss a
 * file any object could read (macro_names.h): -1 if a directory cannot be
 * read. */
int ksp_tree_walk_all(const char *root, ksp_tree_file_fn fn, void *ctx);

#endif
