/*
 * ksplice-undo [-v] ID: reverses an applied update and removes its module.
 * Exit status: 0 reversed, 2 usage, 4 not root, 7 code busy, 8 refused
 * (a later update depends on it, its trampoline was overwritten, ...),
 * 9 the module could not be removed, 11 no such update.
 */
#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_NO_SUCH_UPDATE = 11 };

static void usage(FILE *f)
{
	fputs("usage: ksplice-undo [-v] ID\n"
	      "Reverses the applied update ID (restoring the exact original bytes of every\n"
	      "function it replaced) and removes its module.\n"
	      "Exit status: 0 reversed, 2 usage, 4 not root, 7 code busy, 8 refused (e.g. a\n"
	      "later update depends on it), 9 module removal failed, 11 no such update.\n",
	      f);
}

static int refused(const char *id)
{
	char cause[64] = "", detail[1024] = "", conflicts[4096] = "";
	ksp_sysfs_read(id, "abort_cause", cause, sizeof(cause));
	ksp_sysfs_read(id, "abort_detail", detail, sizeof(detail));
	if (!strcmp(cause, "code_busy")) {
		ksp_sysfs_read(id, "conflicts", conflicts, sizeof(conflicts));
		for (char *p = conflicts; *p; p++)
			if (*p == '\n')
				*p = ';';
		fprintf(stderr,
			"ksplice-undo: code_busy: threads are running code of update %s "
			"(pid comm function: %s); retry when they are idle\n",
			id, conflicts);
		return KSP_APPLY_CODE_BUSY;
	}
	fprintf(stderr, "ksplice-undo: update %s not reversed: %s%s%s\n", id, cause,
		detail[0] ? ": " : "", detail);
	return KSP_APPLY_REFUSED;
}

int main(int argc, char **argv)
{
	int verbose = 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	int opt;
	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v') {
			usage(stderr);
			return KSP_APPLY_USAGE;
		}
		verbose = 1;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return KSP_APPLY_USAGE;
	}
	const char *id = argv[optind];
	char stage[64];
	if (ksp_sysfs_read(id, "stage", stage, sizeof(stage))) {
		fprintf(stderr, "ksplice-undo: no update %s is loaded (%s/%s)\n", id, KSP_SYSFS,
			id);
		return EXIT_NO_SUCH_UPDATE;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ksplice-undo: undoing an update needs root\n");
		return KSP_APPLY_NOT_ROOT;
	}
	if (strcmp(stage, "applied") == 0 && ksp_sysfs_write(id, "stage", "reversed") != 0)
		return refused(id);
	char pause[64] = "0", module[64];
	ksp_sysfs_read(id, "pause_ns", pause, sizeof(pause));
	snprintf(module, sizeof(module), "ksplice_%s", id);
	if (ksp_module_remove(module) != 0) {
		fprintf(stderr,
			"ksplice-undo: update %s reversed, but its module %s could not be "
			"removed: %s\n",
			id, module, strerror(errno));
		return KSP_APPLY_LOAD;
	}
	printf("Done: update %s reversed (machine paused %llu us)%s\n", id,
	       strtoull(pause, NULL, 10) / 1000, verbose ? ", module removed" : "");
	return 0;
}
