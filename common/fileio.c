#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ksp_read_file(const char *path, size_t max, unsigned char **data, size_t *len,
		  struct ksp_error *err)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ksp_fail(err, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode) || (max && (size_t)st.st_size > max)) {
		close(fd);
		return ksp_fail(err, "%s: not a regular file of sane size", path);
	}
	size_t size = (size_t)st.st_size, done = 0;
	unsigned char *buf = malloc(size + 1);
	while (buf && done < size) {
		ssize_t n = read(fd, buf + done, size - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	if (!buf || done != size) {
		free(buf);
		return ksp_fail(err, "%s: read error", path);
	}
	buf[size] = '\0';
	*data = buf;
	*len = size;
	return 0;
}

static int make_parent_dirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		int rc = mkdir(buf, 0755) && errno != EEXIST;
		*p = '/';
		if (rc)
			return -1;
	}
	return 0;
}

int ksp_copy_file(const char *from, const char *to, struct ksp_error *err)
{
	unsigned char *data;
	size_t len;
	if (ksp_read_file(from, 0, &data, &len, err))
		return -1;
	FILE *f = make_parent_dirs(to) ? NULL : fopen(to, "w");
	int rc = f && fwrite(data, 1, len, f) == len ? 0 : -1;
	if (f && fclose(f))
		rc = -1;
	free(data);
	return rc ? ksp_fail(err, "%s: %s", to, strerror(errno)) : 0;
}
