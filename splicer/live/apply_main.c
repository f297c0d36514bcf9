/*
 * ksplice-apply [-v] [--json] [--helper KO] [--trust DIR]
 * [--insecure-unsigned] [--persist] UPDATE_FILE: applies an update to the
 * running kernel, and with --persist keeps it for the next boots (persist.h).
 *
 * Verifies the file (every member's sha256, its signature against the trust
 * store (trust_check.h), the kernel release and build id), loads kmod-helper
 * if needed, run-pre matches the update's pre objects against live memory,
 * resolves every reference the new code makes (run-pre's bindings, else a
 * name kallsyms has exactly once), inserts the update module exactly as the
 * file holds it, writes the plan (addresses of the patched functions and of
 * every reference) to the helper and has the helper apply it. A failure
 * leaves the kernel as it was: the update module is removed and nothing was
 * written. --json: the outcome as
 * one JSON object on stdout, everything else on stderr.
 */
#include "apply.h"
#include "helper_client.h"
#include "json.h"
#include "persist.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: ksplice-apply [-v] [--json] [--helper KO] [--trust DIR]\n"
	      "                     [--insecure-unsigned] [--no-kick] [--persist] UPDATE_FILE\n"
	      "Applies a ksplice update (ksplice-ID.tar.gz) to the running kernel, after\n"
	      "proving with run-pre matching that the kernel runs the code the update was\n"
	      "made from.\n"
	      "  -v            detail: every function matched, the plan written to the helper,\n"
	      "                the sha256 of the module inserted\n"
	      "  --json        the outcome as one JSON object on stdout (id, result,\n"
	      "                exit_status, functions, pause_ns, kicked, held_ns, cause,\n"
	      "                message, pending: [{module, functions}]); the rest goes to\n"
	      "                stderr\n"
	      "  --helper KO   kmod-helper.ko to load if it is not loaded (default:\n"
	      "                $KSPLICE_HELPER, else /lib/modules/RELEASE/extra/kmod-helper.ko,\n"
	      "                where kbuild's modules_install puts it)\n"
	      "  --trust DIR   the trust store: X.509 certificates (PEM or DER) of the\n"
	      "                signers whose updates apply (default: /etc/ksplice/trusted,\n"
	      "                when it exists; without one, an unsigned update applies\n"
	      "                with a warning). Checked before anything is loaded.\n"
	      "  --insecure-unsigned  do not check the signature (warns)\n"
	      "  --no-kick     do not kick user threads asleep in a replaced function out of\n"
	      "                their system call (by default they are, and held at its exit\n"
	      "                until the patch is in; the call then restarts as if nothing\n"
	      "                happened): wait for them to leave instead\n"
	      "  --persist     once applied, keep the file (unchanged) under\n"
	      "                /var/lib/ksplice/RELEASE ($KSPLICE_STATE_DIR) for ksplice-boot,\n"
	      "                which applies the kept updates again, in order, at every boot of\n"
	      "                this kernel build (ksplice.service); checked before the apply.\n"
	      "                An update already applied is verified and kept, not applied\n"
	      "                again\n"
	      "Exit status: 0 applied, 2 usage, 3 unreadable or corrupted update file,\n"
	      "4 not root, 5 update made for another kernel, 6 the running code does not\n"
	      "match (no_match), 7 code busy, 8 the helper refused, 9 loading a module failed,\n"
	      "10 internal error, 13 made on top of an update (--after) that is not applied,\n"
	      "14 made for another kmod-helper API version (create it again), 15 not signed\n"
	      "(a trust store exists), 16 the signature does not match the file, 17 signed\n"
	      "by a certificate the trust store does not trust, 18 the trust store cannot be\n"
	      "read, 19 the kernel's lockdown forbids it (an unsigned module under integrity,\n"
	      "/proc/kcore closed under confidentiality), 20 the kernel enforces module\n"
	      "signatures and the module is unsigned or signed by a key it does not trust,\n"
	      "21 a function is already redirected by a livepatch or another ftrace IPMODIFY\n"
	      "user, 22 a module the update patches is coming or going, or is not loaded\n"
	      "and its file cannot be found or read, 23 the same threads were in the code on\n"
	      "every try (kernel threads, uninterruptible sleeps, or user threads with\n"
	      "--no-kick): retrying cannot help, 24 --persist: the state directory cannot\n"
	      "be used (nothing applied; after the apply: applied, not kept), 25 --persist:\n"
	      "made on top of an update that is not kept.\n"
	      "A module the update patches that is not loaded is matched against its file\n"
	      "(modules.dep of /lib/modules/RELEASE, or $KSPLICE_MODULES_DIR): its part is\n"
	      "pending, and the helper applies it when the module loads, or refuses the load\n"
	      "if the module's code is not what was matched.\n",
	      f);
}

static void print_json(const struct ksp_apply_outcome *out, int status, const char *message,
		       int kept)
{
	struct ksp_json j;
	ksp_json_begin(&j, stdout);
	ksp_json_object(&j, NULL);
	ksp_json_str(&j, "id", out->id[0] ? out->id : NULL);
	ksp_json_str(&j, "result", status ? "failed" : "applied");
	ksp_json_int(&j, "exit_status", status);
	ksp_json_int(&j, "functions", out->functions);
	ksp_json_uint(&j, "pause_ns", out->pause_ns);
	ksp_json_uint(&j, "kicked", out->kicked);
	ksp_json_uint(&j, "held_ns", out->held_ns);
	ksp_json_str(&j, "cause", status ? out->cause : "ok");
	ksp_json_str(&j, "message", message);
	ksp_json_bool(&j, "persisted", kept);
	ksp_json_array(&j, "pending");
	for (size_t i = 0; !status && i < out->npending; i++) {
		ksp_json_object(&j, NULL);
		ksp_json_str(&j, "module", out->pending[i].module);
		ksp_json_int(&j, "functions", out->pending[i].functions);
		ksp_json_close(&j);
	}
	ksp_json_close(&j);
	ksp_json_close(&j);
}

/* --persist of an update the kernel already has applied: the file is
 * verified as for an apply, and kept without applying it again. */
static int keep_only(const struct ksp_apply_opts *o, struct ksp_apply_outcome *out,
		     struct ksp_error *err, int *already)
{
	if (ksp_apply_verify_file(o, out, err))
		return -1;
	*already = 1;
	return 0;
}

/* --persist, once applied: a failure to keep leaves the update applied,
 * and says so. */
static int keep_applied(const struct ksp_persist *keep, struct ksp_apply_outcome *out,
			struct ksp_error *err, int *kept)
{
	struct ksp_error why = {0};
	if (ksp_persist_commit(keep, &why) == 0) {
		*kept = 1;
		return 0;
	}
	snprintf(out->cause, sizeof(out->cause), "%s", ksp_code_name(KSP_E_STATE_DIR));
	return ksp_failc(err, KSP_E_STATE_DIR,
			 "update %s is applied, but not kept for the next boot: %s", out->id,
			 why.msg);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"verbose", no_argument, NULL, 'v'},
						 {"json", no_argument, NULL, 'j'},
						 {"helper", required_argument, NULL, 'H'},
						 {"trust", required_argument, NULL, 'T'},
						 {"insecure-unsigned", no_argument, NULL, 'I'},
						 {"no-kick", no_argument, NULL, 'K'},
						 {"persist", no_argument, NULL, 'P'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct ksp_apply_opts o = {0};
	o.helper = getenv("KSPLICE_HELPER");
	int ch, json = 0, persist = 0;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			o.verbose = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'H':
			o.helper = optarg;
			break;
		case 'T':
			o.trust = optarg;
			break;
		case 'I':
			o.insecure_unsigned = 1;
			break;
		case 'K':
			o.no_kick = 1;
			break;
		case 'P':
			persist = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return ksp_exit_status(ksp_apply_exit_map, KSP_E_USAGE);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return ksp_exit_status(ksp_apply_exit_map, KSP_E_USAGE);
	}
	o.update = argv[optind];
	o.detail = json ? stderr : stdout;
	struct ksp_error err = {0};
	struct ksp_apply_outcome out = {0};
	struct ksp_persist keep = {0};
	int kept = 0, already = 0;
	int failed = persist && ksp_persist_prepare(o.update, &keep, &err) != 0;
	if (failed)
		snprintf(out.cause, sizeof(out.cause), "%s",
			 ksp_code_name(ksp_error_code(&err, KSP_E_INTERNAL)));
	else if (persist && ksp_helper_stage(keep.id) == KSP_STAGE_APPLIED)
		failed = keep_only(&o, &out, &err, &already);
	else
		failed = ksp_apply(&o, &out, &err) != 0;
	if (!failed && persist)
		failed = keep_applied(&keep, &out, &err, &kept);
	ksp_persist_free(&keep);
	int rc = failed ? ksp_exit_status(ksp_apply_exit_map, ksp_error_code(&err, KSP_E_INTERNAL))
			: 0;
	char done[256], kicks[96] = "";
	if (out.kicked)
		snprintf(kicks, sizeof(kicks), "; %u thread%s kicked out of the code, held %llu ms",
			 out.kicked, out.kicked == 1 ? "" : "s", out.held_ns / 1000000);
	snprintf(done, sizeof(done),
		 "Done: update %s applied (%d function%s, machine paused %llu us%s)", out.id,
		 out.functions, out.functions == 1 ? "" : "s", out.pause_ns / 1000, kicks);
	if (rc)
		fprintf(stderr, "ksplice-apply: %s\n", err.msg);
	for (size_t i = 0; !rc && i < out.npending; i++) {
		char line[256];
		ksp_apply_pending_message(&out, i, line, sizeof(line));
		fprintf(json ? stderr : stdout, "%s\n", line);
	}
	if (already)
		snprintf(done, sizeof(done), "Done: update %s was already applied", out.id);
	if (!rc)
		fprintf(json ? stderr : stdout, "%s\n", done);
	if (kept)
		fprintf(json ? stderr : stdout, "Kept: update %s is applied again at boot (%s)\n",
			out.id, keep.dir);
	if (json)
		print_json(&out, rc, rc ? err.msg : done, kept);
	return rc;
}
