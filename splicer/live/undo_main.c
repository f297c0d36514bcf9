/*
 * ksplice-undo [-v] [--json] [--forget] ID: reverses an applied update and
 * removes its module; --forget also removes its kept copy (persist.h), so
 * ksplice-boot no longer applies it.
 * Exit status: 0 reversed, 2 usage, 4 not root, 7 code busy, 8 refused (its
 * trampoline was overwritten, ...), 9 the module could not be removed,
 * 11 no such update, 12 a later update depends on it, 23 the same threads in
 * the code on every try, 24 the state directory cannot be used.
 */
#include "critical.h"
#include "error.h"
#include "helper_client.h"
#include "json.h"
#include "module_load.h"
#include "persist.h"
#include "persist_store.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static const struct ksp_exit_map exit_map[] = {
	{KSP_E_USAGE, 2},	    {KSP_E_PERMISSION, 4},     {KSP_E_CODE_BUSY, 7},
	{KSP_E_HELPER_REFUSED, 8},  {KSP_E_LOAD, 9},	       {KSP_E_NO_SUCH_UPDATE, 11},
	{KSP_E_HAS_DEPENDENTS, 12}, {KSP_E_THREADS_STUCK, 23}, {KSP_E_STATE_DIR, 24},
	{KSP_E_UNSET, -1},
};

struct outcome {
	const char *id;
	enum ksp_code code;
	const char *cause; /* for --json: the helper's abort cause, else the kind's name */
	/* Not a struct ksp_error's: the helper's conflicts and detail make
	 * messages longer than its. */
	char message[1024 + 5000];
	unsigned long long pause_ns;
	struct ksp_helper_kicks kicks;
	int no_kick;
	char pending[256]; /* modules whose part was pending, dropped by the undo */
	int forget;	   /* --forget: the kept copy goes too */
	char dir[4096];	   /* the state directory of this kernel */
	char kept[256];	   /* the kept copy's name, "" if none */
	int loaded;	   /* the helper knows the update */
};

/* Sets the outcome of a failure, with its kind; returns -1. */
static int failed(struct outcome *o, enum ksp_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int failed(struct outcome *o, enum ksp_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
	o->code = code;
	return -1;
}

static void usage(FILE *f)
{
	fputs("usage: ksplice-undo [-v] [--json] [--no-kick] [--forget] ID\n"
	      "Reverses the applied update ID (restoring the exact original bytes of every\n"
	      "function it replaced) and removes its module.\n"
	      "  -v       say that the module was removed\n"
	      "  --json   the outcome as one JSON object on stdout (id, result, exit_status,\n"
	      "           pause_ns, kicked, held_ns, cause, message); the rest goes to stderr\n"
	      "  --no-kick  wait for threads asleep in the update's code to leave instead of\n"
	      "           kicking them out of their system call (see ksplice-apply)\n"
	      "  --forget also remove the copy ksplice-apply --persist kept, so it is no\n"
	      "           longer applied at boot (an update kept but not loaded: only that);\n"
	      "           without it, a kept update comes back at the next boot\n"
	      "Exit status: 0 reversed, 2 usage, 4 not root, 7 code busy, 8 refused (e.g. its\n"
	      "trampoline was overwritten), 9 module removal failed, 11 no such update,\n"
	      "12 a later update depends on it (undo that one first; with --forget, also a\n"
	      "kept one), 23 the same threads were in the code on every try: retrying\n"
	      "cannot help, 24 the state directory (/var/lib/ksplice) cannot be used.\n",
	      f);
}

/* The helper refused: why, in words. */
static int refused(struct outcome *o)
{
	enum ksplice_abort_cause cause;
	char detail[1024] = "", conflicts[4096];
	int known = ksp_helper_abort_cause(o->id, &cause) == 0;
	ksp_helper_abort_detail(o->id, detail, sizeof(detail));
	o->cause = known ? ksp_abort_cause_name(cause) : "refused";
	if (known && cause == KSPLICE_CODE_BUSY) {
		ksp_helper_conflicts(o->id, conflicts, sizeof(conflicts));
		return failed(o, KSP_E_CODE_BUSY,
			      "code_busy: threads are running code of update %s (pid comm "
			      "function: %s); retry when they are idle",
			      o->id, conflicts);
	}
	if (known && cause == KSPLICE_THREADS_STUCK) {
		ksp_helper_conflicts(o->id, conflicts, sizeof(conflicts));
		return failed(o, KSP_E_THREADS_STUCK,
			      "threads_stuck: the same threads were in code of update %s on every "
			      "try, so retrying cannot help (pid comm function: %s); %s",
			      o->id, conflicts,
			      o->no_kick ? "without --no-kick, user threads are kicked out"
					 : "kernel threads, uninterruptible sleeps and system "
					   "calls a kick could "
					   "disturb are not kicked out (see each thread): stop "
					   "what keeps them there");
	}
	if (known && cause == KSPLICE_HAS_DEPENDENTS)
		return failed(o, KSP_E_HAS_DEPENDENTS, "update %s not reversed: %s: %s", o->id,
			      o->cause, detail);
	return failed(o, KSP_E_HELPER_REFUSED, "update %s not reversed: %s%s%s", o->id,
		      known ? o->cause : "", detail[0] ? ": " : "", detail);
}

/* Reversed but still loaded would be a state no tool leaves behind. */
static int reverse_and_remove(struct outcome *o, enum ksp_stage stage)
{
	if (stage == KSP_STAGE_APPLIED) {
		ksp_helper_set_kick(o->id, !o->no_kick);
		int reversed = ksp_helper_set_stage(o->id, KSP_STAGE_REVERSED) == 0;
		ksp_helper_kicks(o->id, &o->kicks);
		if (!reversed)
			return refused(o);
	}
	char module[64];
	o->pause_ns = ksp_helper_pause_ns(o->id);
	snprintf(module, sizeof(module), "ksplice_%s", o->id);
	if (ksp_module_remove(module) != 0) {
		o->cause = "module_remove";
		return failed(o, KSP_E_LOAD,
			      "update %s reversed, but its module %s could not be removed: %s",
			      o->id, module, strerror(errno));
	}
	return 0;
}

/* The modules whose part of the update is pending, ", "-joined: undo drops
 * those parts (nothing was written into them). */
static void pending_parts(const char *id, char *buf, size_t len)
{
	struct ksp_helper_target *t;
	size_t n, at = 0;
	buf[0] = '\0';
	if (ksp_helper_targets(id, &t, &n))
		return;
	for (size_t i = 0; i < n; i++)
		if (t[i].pending && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
					       t[i].name);
	free(t);
}

/* Where the update is kept, if it is; with --forget, whether a kept update
 * still needs it (checked before anything changes). */
static int find_kept(struct outcome *o)
{
	struct utsname u;
	struct ksp_kept_list kept;
	struct ksp_error err = {0};
	char who[64];
	uname(&u);
	ksp_state_dir(u.release, o->dir, sizeof(o->dir));
	if (ksp_kept_list(o->dir, &kept, &err))
		return o->forget ? failed(o, KSP_E_STATE_DIR, "%s", err.msg) : 0;
	const struct ksp_kept *k = ksp_kept_find(&kept, o->id);
	if (k)
		snprintf(o->kept, sizeof(o->kept), "%s", k->file);
	ksp_kept_list_free(&kept);
	if (!o->forget || !o->kept[0])
		return 0;
	if (ksp_persist_dependent(o->dir, o->id, who, sizeof(who), &err))
		return failed(o, KSP_E_STATE_DIR, "%s", err.msg);
	if (who[0])
		return failed(o, KSP_E_HAS_DEPENDENTS,
			      "update %s is kept, and so is update %s, made on top of it: forget "
			      "%s first",
			      o->id, who, who);
	return 0;
}

static int undo(struct outcome *o)
{
	enum ksp_stage stage = ksp_helper_stage(o->id);
	o->loaded = stage != KSP_STAGE_NOT_LOADED;
	if (stage == KSP_STAGE_APPLIED)
		pending_parts(o->id, o->pending, sizeof(o->pending));
	if (geteuid() == 0 && find_kept(o))
		return -1;
	if (!o->loaded && !(o->forget && o->kept[0]))
		return failed(o, KSP_E_NO_SUCH_UPDATE, "no update %s is loaded%s (%s/%s)", o->id,
			      o->forget ? " or kept" : "", KSP_SYSFS, o->id);
	if (geteuid() != 0)
		return failed(o, KSP_E_PERMISSION, "undoing an update needs root");
	int rc = 0;
	if (o->loaded) {
		struct ksp_critical section;
		ksp_critical_begin(&section);
		rc = reverse_and_remove(o, stage);
		ksp_critical_end(&section);
	}
	struct ksp_error err = {0};
	if (!rc && o->forget && o->kept[0] && ksp_state_remove(o->dir, o->kept, &err))
		return failed(o, KSP_E_STATE_DIR, "%s%s",
			      o->loaded ? "reversed, but not forgotten: " : "", err.msg);
	return rc;
}

/* "Done: update ID reversed (...)", and what became of its kept copy. */
static void done_message(struct outcome *o, const char *kicks, int verbose)
{
	char kept[512] = "";
	if (o->kept[0])
		snprintf(kept, sizeof(kept),
			 o->forget ? "; forgotten: no longer applied at boot"
				   : "; still kept: applied again at the next boot (ksplice-undo "
				     "--forget %s removes it)",
			 o->id);
	if (!o->loaded) {
		snprintf(o->message, sizeof(o->message), "Done: update %s (not loaded) forgotten",
			 o->id);
		return;
	}
	snprintf(o->message, sizeof(o->message),
		 "Done: update %s reversed (machine paused %llu us%s)%s%s%s%s%s", o->id,
		 o->pause_ns / 1000, kicks, verbose ? ", module removed" : "",
		 o->pending[0] ? "; its pending part for " : "", o->pending,
		 o->pending[0] ? " dropped (never written)" : "", kept);
}

static void print_json(const struct outcome *o, int status)
{
	struct ksp_json j;
	ksp_json_begin(&j, stdout);
	ksp_json_object(&j, NULL);
	ksp_json_str(&j, "id", o->id);
	ksp_json_str(&j, "result", status ? "failed" : o->loaded ? "reversed" : "forgotten");
	ksp_json_int(&j, "exit_status", status);
	ksp_json_uint(&j, "pause_ns", o->pause_ns);
	ksp_json_uint(&j, "kicked", o->kicks.kicked);
	ksp_json_uint(&j, "held_ns", o->kicks.held_ns);
	ksp_json_str(&j, "cause", o->cause);
	ksp_json_str(&j, "message", o->message);
	ksp_json_bool(&j, "forgotten", !status && o->forget && o->kept[0]);
	ksp_json_close(&j);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"verbose", no_argument, NULL, 'v'}, {"json", no_argument, NULL, 'j'},
		{"no-kick", no_argument, NULL, 'K'}, {"forget", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0}};
	int verbose = 0, json = 0, no_kick = 0, forget = 0, ch;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			verbose = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'K':
			no_kick = 1;
			break;
		case 'F':
			forget = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return ksp_exit_status(exit_map, KSP_E_USAGE);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return ksp_exit_status(exit_map, KSP_E_USAGE);
	}
	struct outcome o = {.id = argv[optind], .no_kick = no_kick, .forget = forget};
	int status = undo(&o) ? ksp_exit_status(exit_map, o.code) : 0;
	if (!o.cause)
		o.cause = ksp_code_name(status ? o.code : KSP_E_UNSET);
	if (status) {
		fprintf(stderr, "ksplice-undo: %s\n", o.message);
	} else {
		char kicks[96] = "";
		if (o.kicks.kicked)
			snprintf(kicks, sizeof(kicks),
				 "; %u thread%s kicked out of the code, held %llu ms",
				 o.kicks.kicked, o.kicks.kicked == 1 ? "" : "s",
				 o.kicks.held_ns / 1000000);
		done_message(&o, kicks, verbose);
		fprintf(json ? stderr : stdout, "%s\n", o.message);
	}
	if (json)
		print_json(&o, status);
	return status;
}
