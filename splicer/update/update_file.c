/* The update file's identity: ids and descriptions (update_file.h). */
#include "update_file.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int ksp_update_id_make(char id[9])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[8];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	for (int i = 0; i < 8; i++)
		id[i] = alphabet[raw[i] % 36];
	id[8] = '\0';
	return 0;
}

int ksp_update_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

void ksp_description_clean(const char *in, char *out)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)(in ? in : "");
	     *p && n < KSP_DESCRIPTION_MAX; p++)
		out[n++] = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
	if (in && ((unsigned char)in[n] & 0xc0) == 0x80) { /* cut inside a UTF-8 sequence */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)out[n - 1] >= 0xc0)
			n--;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}
