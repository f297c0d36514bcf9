/*
 * ksplice-undo [-v] [--json] ID: reverses an applied update and removes its
 * module.
 * Exit status: 0 reversed, 2 usage, 4 not root, 7 code busy, 8 refused (its
 * trampoline was overwritten, ...), 9 the module could not be removed,
 * 11 no such update, 12 a later update depends on it.
 */
#include "apply.h"
#include "json.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_NO_SUCH_UPDATE = 11, EXIT_HAS_DEPENDENTS = 12 };

struct outcome {
	const char *id;
	int status;
	char cause[64];
	char message[1024 + 5000];
	unsigned long long pause_ns;
};

static void usage(FILE *f)
{
	fputs("usage: ksplice-undo [-v] [--json] ID\n"
	      "Reverses the applied update ID (restoring the exact original bytes of every\n"
	      "function it replaced) and removes its module.\n"
	      "  -v       say that the module was removed\n"
	      "  --json   the outcome as one JSON object on stdout (id, result, exit_status,\n"
	      "           pause_ns, cause, message); the rest goes to stderr\n"
	      "Exit status: 0 reversed, 2 usage, 4 not root, 7 code busy, 8 refused (e.g. its\n"
	      "trampoline was overwritten), 9 module removal failed, 11 no such update,\n"
	      "12 a later update depends on it (undo that one first).\n",
	      f);
}

/* Sets the outcome of a failure; returns its status. */
static int failed(struct outcome *o, int status, const char *cause, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int failed(struct outcome *o, int status, const char *cause, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
	snprintf(o->cause, sizeof(o->cause), "%s", cause);
	o->status = status;
	return status;
}

/* The helper refused: why, in words. */
static int refused(struct outcome *o)
{
	char cause[64] = "", detail[1024] = "", conflicts[4096] = "";
	ksp_sysfs_read(o->id, "abort_cause", cause, sizeof(cause));
	ksp_sysfs_read(o->id, "abort_detail", detail, sizeof(detail));
	if (!strcmp(cause, "code_busy")) {
		ksp_sysfs_read(o->id, "conflicts", conflicts, sizeof(conflicts));
		for (char *p = conflicts; *p; p++)
			if (*p == '\n')
				*p = ';';
		return failed(o, KSP_APPLY_CODE_BUSY, cause,
			      "code_busy: threads are running code of update %s (pid comm "
			      "function: %s); retry when they are idle",
			      o->id, conflicts);
	}
	if (!strcmp(cause, "has_dependents"))
		return failed(o, EXIT_HAS_DEPENDENTS, cause, "update %s not reversed: %s: %s",
			      o->id, cause, detail);
	return failed(o, KSP_APPLY_REFUSED, cause[0] ? cause : "refused",
		      "update %s not reversed: %s%s%s", o->id, cause, detail[0] ? ": " : "",
		      detail);
}

static int undo(struct outcome *o, int verbose)
{
	char stage[64];
	if (ksp_sysfs_read(o->id, "stage", stage, sizeof(stage)))
		return failed(o, EXIT_NO_SUCH_UPDATE, "no_such_update",
			      "no update %s is loaded (%s/%s)", o->id, KSP_SYSFS, o->id);
	if (geteuid() != 0)
		return failed(o, KSP_APPLY_NOT_ROOT, "not_root", "undoing an update needs root");
	if (strcmp(stage, "applied") == 0 && ksp_sysfs_write(o->id, "stage", "reversed") != 0)
		return refused(o);
	char pause[64] = "0", module[64];
	ksp_sysfs_read(o->id, "pause_ns", pause, sizeof(pause));
	o->pause_ns = strtoull(pause, NULL, 10);
	snprintf(module, sizeof(module), "ksplice_%s", o->id);
	if (ksp_module_remove(module) != 0)
		return failed(o, KSP_APPLY_LOAD, "module_remove",
			      "update %s reversed, but its module %s could not be removed: %s",
			      o->id, module, strerror(errno));
	snprintf(o->message, sizeof(o->message),
		 "Done: update %s reversed (machine paused %llu us)%s", o->id, o->pause_ns / 1000,
		 verbose ? ", module removed" : "");
	snprintf(o->cause, sizeof(o->cause), "ok");
	return 0;
}

static void print_json(const struct outcome *o)
{
	printf("{\"id\":");
	ksp_json_string(stdout, o->id);
	printf(",\"result\":\"%s\",\"exit_status\":%d,\"pause_ns\":%llu,\"cause\":",
	       o->status ? "failed" : "reversed", o->status, o->pause_ns);
	ksp_json_string(stdout, o->cause);
	printf(",\"message\":");
	ksp_json_string(stdout, o->message);
	printf("}\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"verbose", no_argument, NULL, 'v'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int verbose = 0, json = 0, ch;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			verbose = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return KSP_APPLY_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return KSP_APPLY_USAGE;
	}
	struct outcome o = {.id = argv[optind]};
	o.status = undo(&o, verbose);
	if (o.status)
		fprintf(stderr, "ksplice-undo: %s\n", o.message);
	else
		fprintf(json ? stderr : stdout, "%s\n", o.message);
	if (json)
		print_json(&o);
	return o.status;
}
