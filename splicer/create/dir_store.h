/*
 * kbuild's answers about directories, kept between runs. Classifying the
 * files a shared header reaches asks kbuild what each of their directories
 * builds, and as which module (kbuild.c, one make run per directory, cached
 * in struct ksp_dir_cache for the run): about 50 s for the 3,000 files of a
 * common header. The answers are kept beside the header index
 * (INDEX/kbuild-dirs) and used again while the tree's global build files
 * and compiler (the index's stamp) are the same and each directory's
 * Makefile and Kbuild keep their size and mtime.
 */
#ifndef KSPLICE_DIR_STORE_H
#define KSPLICE_DIR_STORE_H

#include "kbuild.h"

/* Adds the kept answers that are still valid to tree's directory cache.
 * Nothing kept, or kept for another stamp: nothing added. */
void ksp_dir_store_load(struct ksp_tree *tree);

/* Keeps tree's directory cache if it holds answers the store did not
 * (written whole to a temporary file, then renamed: two runs at once each
 * leave a valid store). Failing to keep it costs only time: not reported. */
void ksp_dir_store_save(struct ksp_tree *tree);

#endif
