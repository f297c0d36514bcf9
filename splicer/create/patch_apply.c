#include "patch_apply.h"
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Turns GNU patch's report into one line naming file and hunk. */
static void explain_failure(const char *patch_file, const char *log_path, struct ksp_error *err)
{
	FILE *f = fopen(log_path, "r");
	char line[1024], file[512] = "?";
	int hunk = 0;
	unsigned at = 0;
	if (!f) {
		ksp_fail(err, "%s: does not apply", patch_file);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "checking file %511[^\n]", file) == 1 ||
		    sscanf(line, "patching file %511[^\n]", file) == 1)
			continue;
		if (sscanf(line, "Hunk #%d FAILED at %u", &hunk, &at) == 2) {
			ksp_fail(err, "%s: hunk #%d of %s does not apply (at line %u)", patch_file,
				 hunk, file, at);
			fclose(f);
			return;
		}
		if (strstr(line, "Reversed (or previously applied) patch detected")) {
			ksp_fail(err, "%s: %s is already patched (reversed or previously applied)",
				 patch_file, file);
			fclose(f);
			return;
		}
		if (strstr(line, "can't find file to patch")) {
			ksp_fail(err, "%s: a file it patches is missing from the tree (%s)",
				 patch_file, line);
			fclose(f);
			return;
		}
	}
	fclose(f);
	char first[512];
	ksp_first_error_line(log_path, first, sizeof(first));
	ksp_fail(err, "%s: does not apply (%s)", patch_file, first);
}

static int run_patch(const char *root, const char *patch_file, int strip, const char *mode,
		     const char *dry_run, const char *log_path, struct ksp_error *err)
{
	char abs_patch[4096];
	if (!realpath(patch_file, abs_patch))
		return ksp_fail(err, "%s: %s", patch_file, strerror(errno));
	char pflag[16];
	snprintf(pflag, sizeof(pflag), "-p%d", strip);
	const char *argv[] = {"patch",
			      pflag,
			      mode,
			      "--batch",
			      "--fuzz=0",
			      "--no-backup-if-mismatch",
			      "--reject-file=-",
			      "-d",
			      root,
			      "-i",
			      abs_patch,
			      dry_run,
			      NULL};
	int status = ksp_run_logged(argv, log_path);
	if (status == 0)
		return 0;
	if (status == 127 || status < 0)
		return ksp_failc(err, KSP_E_TOOL,
				 "cannot run GNU patch (install the Debian package 'patch')");
	explain_failure(patch_file, log_path, err);
	return -1;
}

int ksp_patch_apply(const char *root, const char *patch_file, int strip, int dry_run,
		    const char *log_path, struct ksp_error *err)
{
	return run_patch(root, patch_file, strip, "--forward", dry_run ? "--dry-run" : NULL,
			 log_path, err);
}

int ksp_patch_revert(const char *root, const char *patch_file, int strip, const char *log_path,
		     struct ksp_error *err)
{
	return run_patch(root, patch_file, strip, "--reverse", NULL, log_path, err);
}
