/*
 * Where a module's file is on this machine, and its bytes: the running
 * kernel's modules.dep (/lib/modules/RELEASE, or $KSPLICE_MODULES_DIR for
 * tests), which lists each module's file and the files of the modules it
 * depends on. A module that is not loaded is matched against its file
 * (pending_plan.h).
 */
#ifndef KSPLICE_MODULE_FILES_H
#define KSPLICE_MODULE_FILES_H

#include "error.h"

#include <stddef.h>

#define KSP_MODULE_NAME_MAX 64

struct ksp_module_file {
	char name[KSP_MODULE_NAME_MAX]; /* as /proc/modules spells it (nfsd, auth_rpcgss) */
	char *path;			/* absolute */
};

/* A module's file and those of every module it depends on, as modules.dep
 * lists them (the module first). */
struct ksp_module_files {
	struct ksp_module_file *v;
	size_t n;
};

/* The directory of the running kernel's modules: $KSPLICE_MODULES_DIR, else
 * /lib/modules/$(uname -r). */
void ksp_modules_dir(char *buf, size_t len);

/* Finds module (its name, '-' and '_' alike) in dir/modules.dep; -1 with
 * err (KSP_E_TARGET_ABSENT) naming the module and why no file was found. */
int ksp_module_files_find(const char *dir, const char *module, struct ksp_module_files *out,
			  struct ksp_error *err);

void ksp_module_files_free(struct ksp_module_files *f);

/* Reads a module file (.ko, or .ko.gz through zlib); *data is malloc'ed.
 * A .ko.xz or .ko.zst is refused (no library for it here), as is an
 * unreadable file: -1 with err (KSP_E_TARGET_ABSENT) saying which. */
int ksp_module_file_read(const char *path, const char *module, unsigned char **data, size_t *size,
			 struct ksp_error *err);

#endif
