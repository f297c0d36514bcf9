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

int ksp_module_targets_check(const char *sysfs_root, const struct ksp_metadata *m,
			     const char **absent, size_t max, size_t *nabsent,
			     struct ksp_error *err)
{
	*nabsent = 0;
	for (size_t u = 0; u < m->nunits; u++) {
		const char *target = m->units[u].target;
		char buf[32];
		if (!target)
			continue;
		const char *state = ksp_module_state(sysfs_root, target, buf, sizeof(buf));
		if (!strcmp(state, "live"))
			continue;
		if (!strcmp(state, "absent")) {
			size_t i = 0;
			while (i < *nabsent && strcmp(absent[i], target))
				i++;
			if (i < *nabsent)
				continue;
			if (*nabsent == max)
				return ksp_failc(
					err, KSP_E_TARGET_ABSENT,
					"the update patches more than %zu modules that are "
					"not loaded: load some of them first (modprobe %s)",
					max, target);
			absent[(*nabsent)++] = target;
			continue;
		}
		return ksp_failc(err, KSP_E_TARGET_ABSENT,
				 "module %s is %s, not live: the update patches %s in it; try "
				 "again when it is",
				 target, state, m->units[u].object);
	}
	return 0;
}
