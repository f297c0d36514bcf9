#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
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
