/* Loading and removing kernel modules (module_load.h). */
#include "module_load.h"
#include "fileio.h"
#include "helper_client.h"
#include "kernel_protection.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

int ksp_module_insert(const void *image, size_t len, const char *what, struct ksp_error *err)
{
	if (syscall(SYS_init_module, image, (unsigned long)len, "") == 0)
		return 0;
	return ksp_explain_load_failure(errno, image, len, what, err);
}

int ksp_module_remove(const char *name)
{
	return (int)syscall(SYS_delete_module, name, O_NONBLOCK);
}

int ksp_helper_ensure(const char *helper, struct ksp_error *err)
{
	if (ksp_helper_loaded())
		return 0;
	char path[512];
	if (!helper) {
		struct utsname u;
		uname(&u);
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/kmod-helper.ko", u.release);
		helper = path;
	}
	unsigned char *image;
	size_t len;
	if (ksp_read_file(helper, 0, &image, &len, err))
		return ksp_failc(err, KSP_E_LOAD,
				 "kmod-helper is not loaded and %s cannot be read "
				 "(give --helper KO)",
				 helper);
	int rc = ksp_check_loadable(image, len, helper, err);
	if (!rc)
		rc = ksp_module_insert(image, len, helper, err);
	free(image);
	return rc;
}
