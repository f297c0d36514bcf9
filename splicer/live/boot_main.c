/*
 * ksplice-boot: applies the kept updates (ksplice-apply --persist) again at
 * boot, from ksplice.service, each by running ksplice-apply on its kept file
 * (so with every check of a manual apply, the trust store's included), in
 * the order they were kept, each bounded by a timeout. The crash-loop guard
 * (boot_guard.h) decides first whether to apply at all. Every outcome goes
 * to the kernel log as "ksplice: boot: ..." and to stdout (the journal).
 *   ksplice-boot [--timeout S]   the boot-time apply (ExecStart)
 *   ksplice-boot --shutdown      a clean shutdown: this boot's marker goes (ExecStop)
 *   ksplice-boot --settle [--window S]  once up S seconds: the marker goes (timer)
 *   ksplice-boot --rearm         root re-enables a tripped guard
 */
#include "boot_guard.h"
#include "error.h"
#include "helper_client.h"
#include "kernel_identity.h"
#include "persist_store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct ksp_exit_map exit_map[] = {
	{KSP_E_USAGE, 2},	  {KSP_E_PERMISSION, 4}, {KSP_E_WRONG_KERNEL, 5},
	{KSP_E_INTERNAL, 10},	  {KSP_E_STATE_DIR, 24}, {KSP_E_GUARD, 26},
	{KSP_E_BOOT_PARTIAL, 27}, {KSP_E_UNSET, -1},
};

struct boot {
	char dir[4096];
	char boot_id[40];
	char apply[4096]; /* the ksplice-apply to run */
	int timeout;	  /* seconds per update */
};

static void usage(FILE *f)
{
	fputs("usage: ksplice-boot [--timeout S]\n"
	      "       ksplice-boot --shutdown | --settle [--window S] | --rearm\n"
	      "Applies the updates kept by ksplice-apply --persist for the running kernel\n"
	      "(/var/lib/ksplice/RELEASE, or $KSPLICE_STATE_DIR/RELEASE) again, in the order\n"
	      "they were kept, when the kernel's build id is the one recorded; each by\n"
	      "ksplice-apply with all its checks (a trust store is honoured), each within\n"
	      "--timeout seconds (default 120). Run by ksplice.service at boot.\n"
	      "Crash-loop guard: a marker is written before the apply and removed by a\n"
	      "clean shutdown (--shutdown, the unit's ExecStop) or once the system has\n"
	      "stayed up --window seconds (default 300; --settle, from ksplice-settle.timer).\n"
	      "A boot that finds an earlier boot's marker skips the kept updates, and so do\n"
	      "later boots, until --rearm. Every outcome goes to the kernel log\n"
	      "(\"ksplice: boot: ...\") and ksplice-view shows it.\n"
	      "Exit status: 0 every kept update applied (or none kept; --shutdown, --settle,\n"
	      "--rearm done), 2 usage, 4 not root, 5 the kept updates are for another build\n"
	      "of this release (skipped), 10 internal error, 24 the state directory cannot\n"
	      "be used, 26 the crash guard tripped (skipped), 27 some kept updates did not\n"
	      "apply (each named in the kernel log).\n",
	      f);
}

/* One line to the kernel log (so a console or a remote log collector sees
 * it) and to stdout (the journal). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("ksplice: boot: %s\n", line);
	fflush(stdout);
	/* One write() is one record of the kernel log. */
	char record[1100];
	int n = snprintf(record, sizeof(record), "<5>ksplice: boot: %s\n", line);
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, record, (size_t)n) != n)
		fprintf(stderr, "ksplice-boot: /dev/kmsg: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* last-boot, for ksplice-view; a failure to write it is only said. */
static void record(const struct boot *b, const char *result, const char *message)
{
	struct ksp_boot_record r;
	char line[600];
	struct ksp_error err = {0};
	memset(&r, 0, sizeof(r));
	snprintf(r.boot_id, sizeof(r.boot_id), "%s", b->boot_id);
	r.at = (long long)time(NULL);
	snprintf(r.result, sizeof(r.result), "%s", result);
	snprintf(r.message, sizeof(r.message), "%s", message);
	ksp_boot_record_format(&r, line, sizeof(line));
	if (ksp_state_write(b->dir, KSP_GUARD_LAST_BOOT, line, strlen(line), &err))
		fprintf(stderr, "ksplice-boot: %s\n", err.msg);
}

/* The last "ksplice-apply: ..." line of its stderr, else its last line. */
static void last_message(const char *text, char *out, size_t len)
{
	const char *best = NULL, *p = text;
	out[0] = '\0';
	while (*p) {
		const char *end = p + strcspn(p, "\n");
		if (end > p && (!best || !strncmp(p, "ksplice-apply: ", 15) ||
				strncmp(best, "ksplice-apply: ", 15)))
			best = p;
		p = *end ? end + 1 : end;
	}
	if (!best)
		return;
	if (!strncmp(best, "ksplice-apply: ", 15))
		best += 15;
	snprintf(out, len, "%.*s", (int)strcspn(best, "\n"), best);
}

/* Ends a child that outlived its timeout: TERM (ksplice-apply finishes a
 * change it has begun first: critical.h), then KILL. */
static int stop_child(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/* Runs ksplice-apply FILE; its exit status, or -1 when it ran past the
 * timeout; why it failed into msg. */
static int run_apply(const struct boot *b, const char *file, char *msg, size_t len)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return snprintf(msg, len, "pipe: %s", strerror(errno)), 10;
	pid_t pid = fork();
	if (pid < 0)
		return snprintf(msg, len, "fork: %s", strerror(errno)), 10;
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		execl(b->apply, b->apply, file, (char *)NULL);
		fprintf(stderr, "ksplice-apply: cannot run %s: %s\n", b->apply, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	char text[8192];
	size_t n = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int timed_out = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long long left = (long long)b->timeout * 1000 - (now.tv_sec - start.tv_sec) * 1000 -
				 (now.tv_nsec - start.tv_nsec) / 1000000;
		struct pollfd p = {fds[0], POLLIN, 0};
		if (left <= 0 || poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left)) == 0) {
			timed_out = 1;
			break;
		}
		char chunk[1024];
		ssize_t got = read(fds[0], chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		size_t keep =
			(size_t)got < sizeof(text) - 1 - n ? (size_t)got : sizeof(text) - 1 - n;
		memcpy(text + n, chunk, keep);
		n += keep;
	}
	close(fds[0]);
	text[n] = '\0';
	int status;
	if (timed_out)
		status = stop_child(pid);
	else
		waitpid(pid, &status, 0);
	last_message(text, msg, len);
	if (timed_out) {
		snprintf(msg, len, "no outcome within %d s: stopped", b->timeout);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The kept updates in order; how many did not apply. */
static int apply_kept(const struct boot *b, const struct ksp_kept_list *kept)
{
	int failed = 0, applied = 0;
	for (size_t i = 0; i < kept->n; i++) {
		const struct ksp_kept *k = &kept->v[i];
		char path[4400], msg[1024];
		if (ksp_helper_stage(k->id) == KSP_STAGE_APPLIED) {
			say("update %s is already applied", k->id);
			applied++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", b->dir, k->file);
		int status = run_apply(b, path, msg, sizeof(msg));
		if (status == 0) {
			say("applied update %s (%zu of %zu)", k->id, i + 1, kept->n);
			applied++;
			continue;
		}
		failed++;
		if (status < 0)
			say("skipped update %s: %s", k->id, msg);
		else
			say("skipped update %s: ksplice-apply exit %d: %s", k->id, status, msg);
	}
	char summary[256];
	snprintf(summary, sizeof(summary), "applied %d of %zu kept update%s", applied, kept->n,
		 kept->n == 1 ? "" : "s");
	say("%s", summary);
	record(b, failed ? "incomplete" : "applied", summary);
	return failed;
}

/* The build recorded with the kept updates must be this one. */
static int same_build(const struct boot *b, size_t n)
{
	char recorded[256], running[256] = "";
	if (ksp_state_read_line(b->dir, KSP_STATE_BUILD_ID, recorded, sizeof(recorded)))
		return 1; /* none recorded: ksplice-apply checks each file's */
	if (ksp_running_build_id(running, sizeof(running)))
		running[0] = '\0';
	if (!strcmp(recorded, running))
		return 1;
	char why[700];
	snprintf(why, sizeof(why),
		 "skipped %zu kept update%s: kept for build %s, this kernel is build %s", n,
		 n == 1 ? "" : "s", recorded[0] ? recorded : "(none)",
		 running[0] ? running : "(none)");
	say("%s", why);
	record(b, "skipped", why);
	return 0;
}

/* The guard says whether to apply; it writes this boot's marker first. */
static enum ksp_code guard(const struct boot *b, size_t n)
{
	char line[256], why[700];
	struct ksp_guard_marker m, now;
	struct ksp_error err = {0};
	int tripped = ksp_state_read_line(b->dir, KSP_GUARD_TRIPPED, line, sizeof(line)) == 0;
	int marked = !tripped &&
		     ksp_state_read_line(b->dir, KSP_GUARD_MARKER, line, sizeof(line)) == 0 &&
		     ksp_guard_parse(line, &m) == 0;
	switch (ksp_guard_decide(tripped, marked ? &m : NULL, b->boot_id)) {
	case KSP_GUARD_AGAIN:
		return KSP_E_UNSET;
	case KSP_GUARD_APPLY:
		ksp_guard_now(&now);
		ksp_guard_format(&now, line, sizeof(line));
		if (ksp_state_write(b->dir, KSP_GUARD_MARKER, line, strlen(line), &err)) {
			say("skipped %zu kept updates: the crash guard cannot be written: %s", n,
			    err.msg);
			return KSP_E_STATE_DIR;
		}
		return KSP_E_UNSET;
	case KSP_GUARD_TRIP:
		if (ksp_state_write(b->dir, KSP_GUARD_TRIPPED, line, strlen(line), &err) ||
		    ksp_state_remove(b->dir, KSP_GUARD_MARKER, &err))
			fprintf(stderr, "ksplice-boot: %s\n", err.msg);
		snprintf(why, sizeof(why),
			 "skipped %zu kept update%s: crash guard tripped: the boot before went "
			 "down without a clean shutdown soon after applying them; ksplice-boot "
			 "--rearm re-enables",
			 n, n == 1 ? "" : "s");
		break;
	case KSP_GUARD_STILL_TRIPPED:
		snprintf(why, sizeof(why),
			 "skipped %zu kept update%s: crash guard tripped earlier; ksplice-boot "
			 "--rearm re-enables",
			 n, n == 1 ? "" : "s");
		break;
	}
	say("%s", why);
	record(b, "skipped", why);
	return KSP_E_GUARD;
}

static enum ksp_code boot_apply(const struct boot *b)
{
	struct ksp_kept_list kept;
	struct ksp_error err = {0};
	if (ksp_kept_list(b->dir, &kept, &err)) {
		say("%s", err.msg);
		return KSP_E_STATE_DIR;
	}
	if (kept.n && ksp_state_check(b->dir, &err)) {
		say("skipped %zu kept update%s: %s", kept.n, kept.n == 1 ? "" : "s", err.msg);
		ksp_kept_list_free(&kept);
		return KSP_E_STATE_DIR;
	}
	if (!kept.n) {
		say("no kept updates for this kernel (%s)", b->dir);
		if (access(b->dir, F_OK) == 0)
			record(b, "none", "no kept updates");
		return KSP_E_UNSET;
	}
	enum ksp_code code = same_build(b, kept.n) ? guard(b, kept.n) : KSP_E_WRONG_KERNEL;
	if (code == KSP_E_UNSET && apply_kept(b, &kept))
		code = KSP_E_BOOT_PARTIAL;
	ksp_kept_list_free(&kept);
	return code;
}

/* --shutdown (window 0) and --settle: this boot's marker goes, once it is
 * window seconds old; another boot's stays for the next boot to see. */
static enum ksp_code settle(const struct boot *b, long long window)
{
	char line[256];
	struct ksp_guard_marker m, now;
	struct ksp_error err = {0};
	if (ksp_state_read_line(b->dir, KSP_GUARD_MARKER, line, sizeof(line)) ||
	    ksp_guard_parse(line, &m))
		return KSP_E_UNSET;
	ksp_guard_now(&now);
	long long wait = ksp_guard_settle_wait(&m, b->boot_id, now.boottime, window);
	if (wait < 0)
		return KSP_E_UNSET;
	while (wait > 0) {
		sleep((unsigned)wait);
		ksp_guard_now(&now);
		wait = ksp_guard_settle_wait(&m, b->boot_id, now.boottime, window);
	}
	if (ksp_state_remove(b->dir, KSP_GUARD_MARKER, &err)) {
		fprintf(stderr, "ksplice-boot: %s\n", err.msg);
		return KSP_E_STATE_DIR;
	}
	say("kept updates settled (%s)", window ? "the system stayed up" : "clean shutdown");
	return KSP_E_UNSET;
}

static enum ksp_code rearm(const struct boot *b)
{
	struct ksp_error err = {0};
	if (ksp_state_remove(b->dir, KSP_GUARD_TRIPPED, &err) ||
	    ksp_state_remove(b->dir, KSP_GUARD_MARKER, &err)) {
		fprintf(stderr, "ksplice-boot: %s\n", err.msg);
		return KSP_E_STATE_DIR;
	}
	say("crash guard re-armed: the next boot applies the kept updates");
	return KSP_E_UNSET;
}

/* ksplice-apply beside this program, or $KSPLICE_APPLY. */
static void find_apply(char *buf, size_t len)
{
	const char *env = getenv("KSPLICE_APPLY");
	char self[3072];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (env && env[0]) {
		snprintf(buf, len, "%s", env);
		return;
	}
	self[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		slash[1] = '\0';
	snprintf(buf, len, "%sksplice-apply", slash ? self : "/usr/local/bin/");
}

/* A whole number of seconds, 0 < n < 1 day. */
static int seconds(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v <= 0 || v > 86400)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"timeout", required_argument, NULL, 't'},
						 {"window", required_argument, NULL, 'w'},
						 {"settle", no_argument, NULL, 'S'},
						 {"shutdown", no_argument, NULL, 'D'},
						 {"rearm", no_argument, NULL, 'R'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct boot b = {.timeout = 120};
	int window = KSP_GUARD_WINDOW_DEFAULT, mode = 0, ch;
	const char *bad = NULL;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			bad = seconds(optarg, &b.timeout) ? "--timeout" : bad;
			break;
		case 'w':
			bad = seconds(optarg, &window) ? "--window" : bad;
			break;
		case 'S':
		case 'D':
		case 'R':
			bad = mode && mode != ch ? "--settle, --shutdown and --rearm" : bad;
			mode = ch;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return ksp_exit_status(exit_map, KSP_E_USAGE);
		}
	}
	if (!bad && optind != argc)
		bad = argv[optind];
	if (bad) {
		fprintf(stderr, "ksplice-boot: %s: %s\n", bad,
			strncmp(bad, "--", 2) ? "unexpected argument"
			: strchr(bad, ',')    ? "only one of them"
					      : "takes a number of seconds from 1 to 86400");
		return ksp_exit_status(exit_map, KSP_E_USAGE);
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ksplice-boot: the kept updates are root's: run it as root\n");
		return ksp_exit_status(exit_map, KSP_E_PERMISSION);
	}
	struct utsname u;
	uname(&u);
	ksp_state_dir(u.release, b.dir, sizeof(b.dir));
	ksp_guard_boot_id(b.boot_id, sizeof(b.boot_id));
	if (!b.boot_id[0])
		snprintf(b.boot_id, sizeof(b.boot_id), "unknown");
	find_apply(b.apply, sizeof(b.apply));
	enum ksp_code code = mode == 'S'   ? settle(&b, window)
			     : mode == 'D' ? settle(&b, 0)
			     : mode == 'R' ? rearm(&b)
					   : boot_apply(&b);
	return ksp_exit_status(exit_map, code);
}
