/* The helper's sysfs files and module loading, for apply, undo and view. */
#include "apply.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

int ksp_sysfs_read(const char *id, const char *file, char *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), KSP_SYSFS "/%s%s%s", id ? id : "", id ? "/" : "", file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int ksp_sysfs_write(const char *id, const char *file, const char *value)
{
	char path[512];
	snprintf(path, sizeof(path), KSP_SYSFS "/%s/%s", id, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

int ksp_module_insert(const void *image, size_t len, const char *what, struct ksp_error *err)
{
	if (syscall(SYS_init_module, image, (unsigned long)len, "") == 0)
		return 0;
	return ksp_fail(err, "%s: the kernel refused the module: %s", what, strerror(errno));
}

int ksp_module_remove(const char *name)
{
	return (int)syscall(SYS_delete_module, name, O_NONBLOCK);
}

int ksp_helper_ensure(const char *helper, struct ksp_error *err)
{
	struct stat st;
	if (stat(KSP_SYSFS "/version", &st) == 0)
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
		return ksp_fail(err,
				"kmod-helper is not loaded and %s cannot be read "
				"(give --helper KO)",
				helper);
	int rc = ksp_module_insert(image, len, helper, err);
	free(image);
	return rc;
}
