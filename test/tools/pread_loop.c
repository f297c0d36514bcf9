/*
 * ksplice-test-pread FILE CALLS: reads FILE from offset 0 with pread(2)
 * CALLS times and prints the mean wall time of one call in nanoseconds
 * (bench/jump_cost.sh: the cost of a patched /proc show function).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3 || atol(argv[2]) < 1) {
		fprintf(stderr, "usage: ksplice-test-pread FILE CALLS\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	long calls = atol(argv[2]);
	char buf[4096];
	double start = now_ns();
	for (long i = 0; i < calls; i++)
		if (pread(fd, buf, sizeof(buf), 0) <= 0) {
			perror("pread");
			return 1;
		}
	printf("%.0f\n", (now_ns() - start) / (double)calls);
	close(fd);
	return 0;
}
