/*
 * The part of an update whose module is not loaded (a pending part,
 * /work/wt/spec/pending-protocol.md, kmod-helper/README.md): its file and
 * the files of its dependencies that are not loaded either are laid out as
 * if loaded (runpre/module_image.h) where no module is, so run-pre matching
 * compares the unit's pre object with the file as with live memory; what it
 * learns there becomes `pending`, `pmask` and `pkey` plan lines, which the
 * helper checks and applies when the module comes.
 */
#ifndef KSPLICE_PENDING_PLAN_H
#define KSPLICE_PENDING_PLAN_H

#include "error.h"
#include "helper_client.h"
#include "kallsyms.h"
#include "memview.h"
#include "module_files.h"
#include "module_image.h"
#include "pre_object.h"
#include "sites.h"

#include <stddef.h>

struct ksp_pending_module {
	char name[KSP_MODULE_NAME_MAX];
	char *path;
	int target; /* a module the update patches (else a dependency of one) */
	unsigned char *data;
	size_t size;
	struct rp_module_image image;
	struct rp_object ko; /* the file as run-pre reads objects, for its sites */
	struct rp_sites sites;
	int ko_open;
	int functions; /* entries of the plan in it */
};

struct ksp_pending {
	struct ksp_pending_module *v;
	size_t n;
};

/* For each module of targets (n names), not loaded: finds and reads its
 * file and those of its dependencies that are not loaded either
 * (modules_dir, see module_files.h; sysfs_root says what is loaded). -1
 * with err, KSP_E_TARGET_ABSENT when a file cannot be found or read. */
int ksp_pending_find(struct ksp_pending *p, const char *const *targets, size_t n,
		     const char *sysfs_root, const char *modules_dir, struct ksp_error *err);

/* Lays each file out past every module address ks knows, adds their
 * symbols to ks and their bytes to mem. */
int ksp_pending_lay_out(struct ksp_pending *p, struct ksp_kallsyms *ks, struct rp_memview *mem,
			struct ksp_error *err);

/* The module whose file holds addr, or NULL. */
struct ksp_pending_module *ksp_pending_module_of(const struct ksp_pending *p, uint64_t addr);

/* Turns the plan's entries and keys that run-pre placed in a module file
 * into pending entries (symbol, size, jump offset, masked ranges and hash,
 * from the file) and pkeys. -1 with err (KSP_E_NO_MATCH) when an entry is
 * not a function of its file. */
int ksp_pending_plan(struct ksp_pending *p, struct ksp_plan_entry *entries, size_t nentries,
		     const char *const *names, struct ksp_plan_key *keys, size_t nkeys,
		     struct ksp_error *err);

/* The ranges of a function of a module file the kernel writes at load
 * (relocation fields, the fentry call, and the sites of the file's special
 * sections), as offsets into the function; *masks is malloc'ed. Its jump
 * offset (5 after a fentry call, else 0) in *jump_offset. -1 when out of
 * memory. */
int ksp_pending_masks(const struct rp_object *ko, const struct rp_sites *sites, size_t sym,
		      struct ksp_plan_mask **masks, size_t *nmasks, uint32_t *jump_offset);

/* SHA-256 (hex) of size bytes of code with every masked byte zeroed. */
void ksp_pending_hash(const unsigned char *code, uint32_t size, const struct ksp_plan_mask *masks,
		      size_t nmasks, char hex[65]);

void ksp_pending_free(struct ksp_pending *p);

#endif
