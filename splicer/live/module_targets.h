/*
 * The modules an update's code runs in (its units' TARGET=): whether each is
 * loaded and live on this kernel. Run-pre matching of a module's unit reads
 * the module's memory and its [module] symbols in /proc/kallsyms, so the
 * module must be live when ksplice-apply runs.
 */
#ifndef KSPLICE_MODULE_TARGETS_H
#define KSPLICE_MODULE_TARGETS_H

#include "error.h"
#include "metadata.h"

/* The state the kernel gives module name in /sys/module/NAME/initstate
 * ("live", "coming", "going"), or "absent" if it is not loaded (or built
 * in: a built-in "module" has no initstate). sysfs_root is "/sys" except
 * in tests. */
const char *ksp_module_state(const char *sysfs_root, const char *name, char *buf, size_t len);

/* Every module the update targets is live, else -1 with err
 * (KSP_E_TARGET_ABSENT) naming the first that is not and its unit. */
int ksp_module_targets_live(const char *sysfs_root, const struct ksp_metadata *m,
			    struct ksp_error *err);

#endif
