/*
 * The modules an update's code runs in (its units' TARGET=): whether each is
 * loaded and live on this kernel. Run-pre matching of a live module's unit
 * reads the module's memory and its [module] symbols in /proc/kallsyms; a
 * module that is not loaded at all is matched against its file and its part
 * of the update is pending (pending_plan.h); one that is coming or going is
 * neither.
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

/* Every module the update targets is live or not loaded; the names of
 * those not loaded (each once, the metadata's) in absent[], at most max,
 * their number in *nabsent. -1 with err (KSP_E_TARGET_ABSENT) naming the
 * first module that is coming or going, and its unit. */
int ksp_module_targets_check(const char *sysfs_root, const struct ksp_metadata *m,
			     const char **absent, size_t max, size_t *nabsent,
			     struct ksp_error *err);

#endif
