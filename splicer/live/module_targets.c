/* The modules an update targets, and whether they are live (module_targets.h). */
#include "module_targets.h"

#include <stdio.h>
#include <string.h>

const char *ksp_module_state(const char *sysfs_root, const char *name, char *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/module/%s/initstate", sysfs_root, name);
	FILE *f = fopen(path, "re");
	if (!f)
		return "absent";
	const char *state = fgets(buf, (int)len, f) ? buf : "absent";
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return state;
}

int ksp_module_targets_live(const char *sysfs_root, const struct ksp_metadata *m,
			    struct ksp_error *err)
{
	for (size_t u = 0; u < m->nunits; u++) {
		const char *target = m->units[u].target;
		char buf[32];
		if (!target)
			continue;
		const char *state = ksp_module_state(sysfs_root, target, buf, sizeof(buf));
		if (!strcmp(state, "live"))
			continue;
		if (!strcmp(state, "absent"))
			return ksp_failc(err, KSP_E_TARGET_ABSENT,
					 "module %s is not loaded: the update patches %s in it; "
					 "load it first (modprobe %s)",
					 target, m->units[u].object, target);
		return ksp_failc(err, KSP_E_TARGET_ABSENT,
				 "module %s is %s, not live: the update patches %s in it; try "
				 "again when it is",
				 target, state, m->units[u].object);
	}
	return 0;
}
