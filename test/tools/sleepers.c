/*
 * ksplice-test-sleepers: parks threads in the kernel's common waits
 * (epoll_wait, futex wait, pipe read, accept, wait4, select, nanosleep and
 * reads of a tty, a Unix and a TCP socket), holds them there, completes
 * each wait by its own event and checks that every call completed as it
 * would have without patching: the data read, the event reported, the
 * child reaped with its status, the full sleep, no EINTR (the process has
 * handlers without SA_RESTART, so a real signal would show) and no wakeup
 * nobody sent. Round after round: what a busy host's threads do while an
 * update is applied.
 */

#include "sleepers.h"
#include "json.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PARK_TIMEOUT_MS 10000
#define JOIN_TIMEOUT_S 10
#define MAX_COPIES 1000 /* bench/busy_apply.sh parks 1,000 in one wait */

enum { EXIT_OK, EXIT_DIFFERENT, EXIT_USAGE, EXIT_SETUP };

struct options {
	long rounds; /* 0: until SIGTERM or SIGINT */
	long hold_ms;
	long sleep_ms;
	long copies;
	int step, signal_self_test, json;
	const char *only;
};

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Handlers without SA_RESTART: a real signal interrupts the calls (EINTR),
 * which the checks report; a transparent kick does not. */
static void install_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ksplice-test-sleepers [--rounds N] [--hold-ms MS] [--step] [--sleep-ms "
		"MS]\n"
		"                             [--copies K] [--only KIND,...] [--signal] [--json]\n"
		"Parks threads in the kernel's common waits, holds them, completes each wait\n"
		"and checks it completed as without patching (data, event, child status, full\n"
		"sleep, no EINTR, no wakeup nobody sent).\n"
		"  --rounds N     rounds to run, 0: until SIGTERM (default 1)\n"
		"  --hold-ms MS   time parked before the waits are completed (default 1000)\n"
		"  --step         print \"parked N\" and complete the waits when a line comes on "
		"stdin\n"
		"  --sleep-ms MS  nanosleep's length (default: hold + 1000 ms, 5000 with --step)\n"
		"  --copies K     threads per kind, spread over the CPUs (default 1, at most "
		"1000)\n"
		"  --only LIST    kinds to run (default all):");
	for (size_t i = 0; i < sleepers_nkinds; i++)
		fprintf(f, "%s%s", i ? "," : " ", sleepers_kinds[i].name);
	fprintf(f,
		"\n  --signal       self-test: send each parked thread a real signal (the checks\n"
		"                 must then report EINTR: exit 1)\n"
		"  --json         the result as JSON\n"
		"Exit: 0 every call as without patching, 1 one was not, 2 usage, 3 a wait\n"
		"could not be set up or did not park.\n");
}

static int parse_long(const char *s, long min, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min)
		return -1;
	*out = v;
	return 0;
}

static int kind_wanted(const struct options *o, const char *name)
{
	if (!o->only)
		return 1;
	size_t n = strlen(name);
	for (const char *p = o->only; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {{"rounds", required_argument, NULL, 'r'},
					      {"hold-ms", required_argument, NULL, 'H'},
					      {"sleep-ms", required_argument, NULL, 's'},
					      {"copies", required_argument, NULL, 'c'},
					      {"only", required_argument, NULL, 'o'},
					      {"step", no_argument, NULL, 'S'},
					      {"signal", no_argument, NULL, 'g'},
					      {"json", no_argument, NULL, 'j'},
					      {"help", no_argument, NULL, 'h'},
					      {0}};
	*o = (struct options){.rounds = 1, .hold_ms = 1000, .sleep_ms = -1, .copies = 1};
	int at = 0;
	for (int c; (c = getopt_long(argc, argv, "h", longs, &at)) != -1;) {
		int bad = 0;
		switch (c) {
		case 'r':
			bad = parse_long(optarg, 0, &o->rounds);
			break;
		case 'H':
			bad = parse_long(optarg, 0, &o->hold_ms);
			break;
		case 's':
			bad = parse_long(optarg, 1, &o->sleep_ms);
			break;
		case 'c':
			bad = parse_long(optarg, 1, &o->copies) || o->copies > MAX_COPIES;
			break;
		case 'o':
			o->only = optarg;
			break;
		case 'S':
			o->step = 1;
			break;
		case 'g':
			o->signal_self_test = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "ksplice-test-sleepers: bad value '%s' for --%s\n", optarg,
				longs[at].name);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ksplice-test-sleepers: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->sleep_ms < 0)
		o->sleep_ms = o->step ? 5000 : o->hold_ms + 1000;
	return 0;
}

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL); /* main's, to end the rounds */
	if (w->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	clock_gettime(CLOCK_MONOTONIC, &w->begin);
	atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
	w->kind->wait(w);
	return NULL;
}

/* Parked: asleep ('S') in the kind's system call, as /proc shows it. */
static int parked(const struct waiter *w)
{
	char path[64], buf[512];
	pid_t tid = atomic_load(&w->tid);
	if (!tid)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, sizeof(buf), f);
	if (f)
		fclose(f);
	char *state = ok ? strrchr(buf, ')') : NULL;
	if (!state || state[1] != ' ' || state[2] != 'S')
		return 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	long nr = -1;
	f = fopen(path, "r");
	ok = f && fscanf(f, "%ld", &nr) == 1;
	if (f)
		fclose(f);
	return ok && nr == w->kind->syscall_nr;
}

static int wait_parked(struct waiter *ws, size_t n)
{
	for (long waited = 0; waited < PARK_TIMEOUT_MS; waited += 10) {
		size_t k = 0;
		while (k < n && parked(&ws[k]))
			k++;
		if (k == n)
			return 0;
		usleep(10000);
	}
	for (size_t k = 0; k < n; k++)
		if (!parked(&ws[k]))
			sleepers_fail(&ws[k], "did not park in %s within %d ms", ws[k].kind->name,
				      PARK_TIMEOUT_MS);
	return -1;
}

static void hold(const struct options *o, long round)
{
	if (!o->step) {
		struct timespec t = {o->hold_ms / 1000, (o->hold_ms % 1000) * 1000000L};
		while (nanosleep(&t, &t) && errno == EINTR && !stopping)
			;
		return;
	}
	printf("parked %ld\n", round);
	fflush(stdout);
	char line[64];
	while (!fgets(line, sizeof(line), stdin) && errno == EINTR && !stopping)
		;
}

/* A nanosleep's event is the end of its sleep, which may still be ahead:
 * every wait gets its sleep length on top of the timeout. */
static void join(struct waiter *w)
{
	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += JOIN_TIMEOUT_S + w->sleep_ms / 1000 + 1;
	if (pthread_timedjoin_np(w->thread, NULL, &limit) == 0) {
		w->kind->check(w);
		return;
	}
	sleepers_fail(w, "still blocked %d s after its event", JOIN_TIMEOUT_S);
	/* Not cancelled: that needs libgcc_s, which guests lack; exit ends it. */
	pthread_detach(w->thread);
}

struct round_result {
	size_t nwaiters, nfailed;
	int setup_failed;
};

static size_t plan_waiters(const struct options *o, struct waiter *ws, size_t max)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = 0;
	for (size_t i = 0; i < sleepers_nkinds; i++)
		for (long c = 0; c < o->copies && kind_wanted(o, sleepers_kinds[i].name) && n < max;
		     c++, n++) {
			ws[n] = (struct waiter){.kind = &sleepers_kinds[i],
						.cpu = ncpus > 1 ? (int)(n % (size_t)ncpus) : -1,
						.sleep_ms = o->sleep_ms,
						.fd = {-1, -1, -1, -1}};
		}
	return n;
}

/* Sets up and starts the waiters in order; how many were (a failure is
 * recorded in the one that could not). */
static size_t start_waiters(struct waiter *ws, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct waiter *w = &ws[k];
		int failed = w->kind->setup(w);
		if (failed)
			sleepers_fail(w, "cannot set up %s: %s", w->kind->name, strerror(errno));
		else if ((failed = pthread_create(&w->thread, NULL, waiter_main, w)))
			sleepers_fail(w, "cannot start a thread");
		if (failed) {
			sleepers_teardown(w);
			return k;
		}
	}
	return n;
}

static void run_round(const struct options *o, long round, struct waiter *ws, size_t n,
		      struct round_result *r)
{
	*r = (struct round_result){.nwaiters = n};
	size_t started = start_waiters(ws, n);
	if (started < n || wait_parked(ws, n)) {
		r->setup_failed = 1;
	} else {
		if (o->signal_self_test)
			for (size_t k = 0; k < n; k++)
				syscall(SYS_tgkill, getpid(), atomic_load(&ws[k].tid), SIGUSR1);
		hold(o, round);
	}
	for (size_t k = 0; k < started; k++)
		if (ws[k].kind->wake(&ws[k]) && !ws[k].failure[0])
			sleepers_fail(&ws[k], "cannot complete the wait: %s", strerror(errno));
	for (size_t k = 0; k < started; k++) {
		join(&ws[k]);
		sleepers_teardown(&ws[k]);
	}
	for (size_t k = 0; k < n; k++)
		r->nfailed += ws[k].failure[0] != 0;
}

static void report_text(long round, const struct waiter *ws, const struct round_result *r)
{
	for (size_t k = 0; k < r->nwaiters; k++)
		if (ws[k].failure[0])
			printf("round %ld: %s (%s) on cpu %d: %s\n", round, ws[k].kind->name,
			       ws[k].kind->kernel, ws[k].cpu, ws[k].failure);
	if (!r->nfailed)
		printf("round %ld: %zu waits parked and completed as without patching\n", round,
		       r->nwaiters);
	fflush(stdout);
}

static void report_json(struct ksp_json *j, long round, const struct waiter *ws,
			const struct round_result *r)
{
	ksp_json_object(j, NULL);
	ksp_json_int(j, "round", round);
	ksp_json_uint(j, "waits", r->nwaiters);
	ksp_json_array(j, "failures");
	for (size_t k = 0; k < r->nwaiters; k++) {
		if (!ws[k].failure[0])
			continue;
		ksp_json_object(j, NULL);
		ksp_json_str(j, "kind", ws[k].kind->name);
		ksp_json_str(j, "kernel", ws[k].kind->kernel);
		ksp_json_int(j, "cpu", ws[k].cpu);
		ksp_json_str(j, "failure", ws[k].failure);
		ksp_json_close(j);
	}
	ksp_json_close(j);
	ksp_json_close(j);
}

int main(int argc, char **argv)
{
	struct options o;
	if (parse_options(argc, argv, &o))
		return EXIT_USAGE;
	size_t max = (size_t)o.copies * sleepers_nkinds;
	struct waiter *ws = calloc(max, sizeof(*ws));
	if (!ws) {
		fprintf(stderr, "ksplice-test-sleepers: out of memory\n");
		return EXIT_SETUP;
	}
	size_t n = plan_waiters(&o, ws, max);
	if (!n) {
		fprintf(stderr, "ksplice-test-sleepers: --only names no kind\n");
		return EXIT_USAGE;
	}
	install_handlers();
	struct ksp_json j;
	if (o.json) {
		ksp_json_begin(&j, stdout);
		ksp_json_object(&j, NULL);
		ksp_json_array(&j, "rounds");
	}
	long failed = 0, round;
	int setup_failed = 0;
	for (round = 1; (o.rounds == 0 || round <= o.rounds) && !stopping && !setup_failed;
	     round++) {
		struct round_result r;
		n = plan_waiters(&o, ws, max);
		run_round(&o, round, ws, n, &r);
		if (o.json)
			report_json(&j, round, ws, &r);
		else
			report_text(round, ws, &r);
		failed += r.nfailed > 0;
		setup_failed = r.setup_failed;
	}
	if (o.json) {
		ksp_json_close(&j);
		ksp_json_int(&j, "rounds_failed", failed);
		ksp_json_close(&j);
	} else {
		printf("sleepers: %ld rounds, %ld with a call that did not complete as without "
		       "patching\n",
		       round - 1, failed);
	}
	free(ws);
	return setup_failed ? EXIT_SETUP : failed ? EXIT_DIFFERENT : EXIT_OK;
}
