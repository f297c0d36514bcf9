/* ksplice-test-nocap CMD [ARG]...: runs CMD as root without CAP_SYS_MODULE
 * (dropped from the bounding set, so exec does not grant it). A test tool. */
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr, "usage: ksplice-test-nocap CMD [ARG]...\n");
		return argc < 2 ? 2 : 0;
	}
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0)) {
		perror("ksplice-test-nocap: PR_CAPBSET_DROP");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
