/* What an update module says about itself (module_info.h). */
#include "module_info.h"
#include "objfile.h"

#include <stdio.h>
#include <string.h>

int ksp_module_info_name(const void *ko, size_t len, char *name, size_t size, struct ksp_error *err)
{
	struct ksp_obj obj;
	if (ksp_obj_open_mem("update module", ko, len, &obj, err)) {
		err->code = KSP_E_BAD_FILE;
		return -1;
	}
	size_t i = ksp_obj_section(&obj, ".modinfo");
	int rc = ksp_failc(err, KSP_E_BAD_FILE, "update module: no module name in its .modinfo");
	if (i != KSP_OBJ_NONE && obj.sections[i].data) {
		/* NUL-separated "key=value" strings. */
		const char *p = (const char *)obj.sections[i].data;
		const char *end = p + obj.sections[i].size;
		for (; p < end; p += strnlen(p, (size_t)(end - p)) + 1) {
			size_t n = strnlen(p, (size_t)(end - p));
			if (n > 5 && n < (size_t)(end - p) && !strncmp(p, "name=", 5) &&
			    n - 5 < size) {
				snprintf(name, size, "%s", p + 5);
				rc = 0;
				break;
			}
		}
	}
	ksp_obj_free(&obj);
	return rc;
}
