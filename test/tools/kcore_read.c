/* ksplice-kcore-read ADDR LEN: prints LEN bytes of live kernel memory at
 * ADDR (hex) as hex, through /proc/kcore. A test tool. */
#include "kcore.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	unsigned char buf[4096];
	uint64_t addr;
	size_t len, i;
	char *end;

	if (argc != 3 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr, "usage: ksplice-kcore-read ADDR LEN\n");
		return argc == 2 ? 0 : 2;
	}
	addr = strtoull(argv[1], &end, 16);
	if (*end) {
		fprintf(stderr, "ksplice-kcore-read: bad address '%s'\n", argv[1]);
		return 2;
	}
	len = strtoul(argv[2], &end, 0);
	if (*end || len == 0 || len > sizeof(buf)) {
		fprintf(stderr, "ksplice-kcore-read: length must be 1 to %zu\n", sizeof(buf));
		return 2;
	}
	if (kcore_read(addr, buf, len))
		return 1;
	for (i = 0; i < len; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return 0;
}
