/*
 * The waits of ksplice-test-sleepers, one struct wait_kind each: what the
 * thread blocks in (a raw system call, so that the number /proc shows is
 * known), what completes it, and what it must have returned. Where 6.1
 * sleeps: ep_poll, futex_wait_queue, pipe_read, inet_csk_accept, do_wait,
 * do_select, do_nanosleep (hrtimer_nanosleep), n_tty_read,
 * unix_stream_read_generic, tcp_recvmsg.
 */

#include "sleepers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define EPOLL_TAG 0x6b73706c69636521ULL
#define EVENTFD_VALUE 7

void sleepers_fail(struct waiter *w, const char *fmt, ...)
{
	if (w->failure[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
	va_end(ap);
}

static void record(struct waiter *w, long ret)
{
	w->ret = ret;
	w->err = ret < 0 ? errno : 0;
	clock_gettime(CLOCK_MONOTONIC, &w->end);
}

/* The call returned want (want < 0: any non-negative value). */
static int returned(struct waiter *w, long want)
{
	if (w->ret < 0) {
		sleepers_fail(w, "returned -1 (%s)%s", strerror(w->err),
			      w->err == EINTR ? ": interrupted, the program asked for no signal"
					      : "");
		return 0;
	}
	if (want >= 0 && w->ret != want) {
		sleepers_fail(w, "returned %ld, want %ld", w->ret, want);
		return 0;
	}
	return 1;
}

static void check_payload(struct waiter *w)
{
	if (returned(w, SLEEPERS_PAYLOAD_LEN) &&
	    memcmp(w->data, SLEEPERS_PAYLOAD, SLEEPERS_PAYLOAD_LEN) != 0)
		sleepers_fail(w, "read '%.*s', want '%s'", (int)w->len, w->data, SLEEPERS_PAYLOAD);
}

static int write_payload(int fd)
{
	return write(fd, SLEEPERS_PAYLOAD, SLEEPERS_PAYLOAD_LEN) == SLEEPERS_PAYLOAD_LEN ? 0 : -1;
}

/* A stream may hand over the bytes in pieces: the first read is the one
 * parked; the rest only gathers. */
static void read_payload(struct waiter *w, long nr)
{
	size_t got = 0;
	long ret = 0;
	while (got < SLEEPERS_PAYLOAD_LEN) {
		ret = syscall(nr, w->fd[0], w->data + got, SLEEPERS_PAYLOAD_LEN - got);
		if (ret <= 0)
			break;
		got += (size_t)ret;
	}
	w->len = got;
	record(w, ret < 0 ? ret : (long)got);
}

/* epoll_wait on an eventfd */
static int epoll_setup(struct waiter *w)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EPOLL_TAG};
	w->fd[0] = epoll_create1(EPOLL_CLOEXEC);
	w->fd[1] = eventfd(0, EFD_CLOEXEC);
	return w->fd[0] < 0 || w->fd[1] < 0 ? -1
					    : epoll_ctl(w->fd[0], EPOLL_CTL_ADD, w->fd[1], &ev);
}

static void epoll_wait_call(struct waiter *w)
{
	struct epoll_event ev[4];
	long ret = syscall(SYS_epoll_wait, w->fd[0], ev, 4, -1);
	if (ret > 0)
		w->tag = ev[0].data.u64;
	record(w, ret);
}

static int epoll_wake(struct waiter *w)
{
	uint64_t v = EVENTFD_VALUE;
	return write(w->fd[1], &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static void epoll_check(struct waiter *w)
{
	uint64_t v = 0;
	if (!returned(w, 1))
		return;
	if (w->tag != EPOLL_TAG)
		sleepers_fail(w, "event data %#llx, want %#llx", w->tag, EPOLL_TAG);
	else if (read(w->fd[1], &v, sizeof(v)) != sizeof(v) || v != EVENTFD_VALUE)
		sleepers_fail(w, "eventfd holds %llu, want %d", (unsigned long long)v,
			      EVENTFD_VALUE);
}

/* futex wait on a private word */
static int futex_setup(struct waiter *w)
{
	atomic_store(&w->futex_word, 0);
	return 0;
}

static void futex_wait_call(struct waiter *w)
{
	record(w, syscall(SYS_futex, &w->futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
	w->tag = atomic_load(&w->futex_word);
}

static int futex_wake(struct waiter *w)
{
	atomic_store(&w->futex_word, 1);
	return syscall(SYS_futex, &w->futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) < 0 ? -1
											    : 0;
}

/* Returning 0 while the word is still 0 would be a wakeup nobody sent. */
static void futex_check(struct waiter *w)
{
	if (returned(w, 0) && w->tag != 1)
		sleepers_fail(w, "woken before the word changed (a wakeup nobody sent)");
}

/* read of an empty pipe; select on one */
static int pipe_setup(struct waiter *w)
{
	return pipe2(w->fd, O_CLOEXEC);
}

static void pipe_read_call(struct waiter *w)
{
	read_payload(w, SYS_read);
}

static int pipe_wake(struct waiter *w)
{
	return write_payload(w->fd[1]);
}

static void select_call(struct waiter *w)
{
	fd_set r;
	FD_ZERO(&r);
	FD_SET(w->fd[0], &r);
	long ret = syscall(SYS_select, w->fd[0] + 1, &r, NULL, NULL, NULL);
	w->len = ret == 1 && FD_ISSET(w->fd[0], &r);
	record(w, ret);
}

static void select_check(struct waiter *w)
{
	if (returned(w, 1) && !w->len)
		sleepers_fail(w, "the pipe is not marked readable");
}

/* TCP on 127.0.0.1: accept, and a read of a connected socket */
static int tcp_listener(struct sockaddr_in *a)
{
	socklen_t alen = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)a, &alen)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int tcp_connect(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)a, sizeof(*a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* fd[0] listens on port; fd[1] is the waker's connection */
static int accept_setup(struct waiter *w)
{
	struct sockaddr_in a;
	w->fd[0] = tcp_listener(&a);
	w->port = ntohs(a.sin_port);
	return w->fd[0] < 0 ? -1 : 0;
}

static void accept_call(struct waiter *w)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	long ret = syscall(SYS_accept, w->fd[0], &peer, &len);
	w->tag = ret >= 0 ? ntohs(peer.sin_port) : 0;
	record(w, ret);
}

static int accept_wake(struct waiter *w)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(w->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
			   me;
	socklen_t len = sizeof(me);
	w->fd[1] = tcp_connect(&a);
	if (w->fd[1] < 0 || getsockname(w->fd[1], (struct sockaddr *)&me, &len))
		return -1;
	w->waker_port = ntohs(me.sin_port);
	return 0;
}

static void accept_check(struct waiter *w)
{
	if (!returned(w, -1))
		return;
	if (w->tag != w->waker_port)
		sleepers_fail(w, "accepted port %llu, want the waker's %u", w->tag, w->waker_port);
	close((int)w->ret);
}

/* fd[0]: the accepted end, read by the waiter; fd[1]: the waker's */
static int tcp_read_setup(struct waiter *w)
{
	struct sockaddr_in a;
	int l = tcp_listener(&a);
	if (l < 0)
		return -1;
	w->fd[1] = tcp_connect(&a);
	w->fd[0] = w->fd[1] < 0 ? -1 : accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return w->fd[0] < 0 ? -1 : 0;
}

static void tcp_read_call(struct waiter *w)
{
	long ret = syscall(SYS_recvfrom, w->fd[0], w->data, SLEEPERS_PAYLOAD_LEN, MSG_WAITALL, NULL,
			   NULL);
	w->len = ret > 0 ? (size_t)ret : 0;
	record(w, ret);
}

/* read of a Unix stream socket */
static int unix_setup(struct waiter *w)
{
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w->fd);
}

/* read of a pseudo-terminal in raw mode: fd[0] the terminal, fd[1] its
 * master, where the waker types */
static int tty_setup(struct waiter *w)
{
	struct termios t;
	w->fd[1] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (w->fd[1] < 0 || grantpt(w->fd[1]) || unlockpt(w->fd[1]))
		return -1;
	w->fd[0] = open(ptsname(w->fd[1]), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (w->fd[0] < 0 || tcgetattr(w->fd[0], &t))
		return -1;
	cfmakeraw(&t);
	return tcsetattr(w->fd[0], TCSANOW, &t);
}

/* wait4 for a child that exits when told (its own read of a pipe) */
static int wait4_setup(struct waiter *w)
{
	if (pipe2(w->fd, O_CLOEXEC))
		return -1;
	w->child = fork();
	if (w->child < 0)
		return -1;
	if (w->child == 0) {
		char c;
		close(w->fd[1]);
		_exit(read(w->fd[0], &c, 1) == 1 ? SLEEPERS_CHILD_STATUS : 1);
	}
	return 0;
}

static void wait4_call(struct waiter *w)
{
	record(w, syscall(SYS_wait4, w->child, &w->status, 0, NULL));
}

static int wait4_wake(struct waiter *w)
{
	return write(w->fd[1], "x", 1) == 1 ? 0 : -1;
}

static void wait4_check(struct waiter *w)
{
	if (!returned(w, w->child))
		return;
	w->child = 0;
	if (!WIFEXITED(w->status) || WEXITSTATUS(w->status) != SLEEPERS_CHILD_STATUS)
		sleepers_fail(w, "child status %#x, want exit %d", w->status,
			      SLEEPERS_CHILD_STATUS);
}

/* nanosleep: wakes by itself, never before the time asked for */
static int nothing(struct waiter *w)
{
	(void)w;
	return 0;
}

static void nanosleep_call(struct waiter *w)
{
	struct timespec t = {w->sleep_ms / 1000, (w->sleep_ms % 1000) * 1000000L};
	record(w, syscall(SYS_nanosleep, &t, NULL));
}

static void nanosleep_check(struct waiter *w)
{
	if (!returned(w, 0))
		return;
	long long ns = (w->end.tv_sec - w->begin.tv_sec) * 1000000000LL +
		       (w->end.tv_nsec - w->begin.tv_nsec);
	if (ns < w->sleep_ms * 1000000LL)
		sleepers_fail(w, "slept %lld ms of the %ld asked for", ns / 1000000, w->sleep_ms);
}

const struct wait_kind sleepers_kinds[] = {
	{"epoll_wait", "ep_poll", SYS_epoll_wait, epoll_setup, epoll_wait_call, epoll_wake,
	 epoll_check},
	{"futex_wait", "futex_wait_queue", SYS_futex, futex_setup, futex_wait_call, futex_wake,
	 futex_check},
	{"pipe_read", "pipe_read", SYS_read, pipe_setup, pipe_read_call, pipe_wake, check_payload},
	{"accept", "inet_csk_accept", SYS_accept, accept_setup, accept_call, accept_wake,
	 accept_check},
	{"wait4", "do_wait", SYS_wait4, wait4_setup, wait4_call, wait4_wake, wait4_check},
	{"select", "do_select", SYS_select, pipe_setup, select_call, pipe_wake, select_check},
	{"nanosleep", "hrtimer_nanosleep", SYS_nanosleep, nothing, nanosleep_call, nothing,
	 nanosleep_check},
	{"tty_read", "n_tty_read", SYS_read, tty_setup, pipe_read_call, pipe_wake, check_payload},
	{"unix_read", "unix_stream_read_generic", SYS_read, unix_setup, pipe_read_call, pipe_wake,
	 check_payload},
	{"tcp_read", "tcp_recvmsg", SYS_recvfrom, tcp_read_setup, tcp_read_call, pipe_wake,
	 check_payload},
};

const size_t sleepers_nkinds = sizeof(sleepers_kinds) / sizeof(sleepers_kinds[0]);

void sleepers_teardown(struct waiter *w)
{
	for (int i = 0; i < 4; i++)
		if (w->fd[i] >= 0)
			close(w->fd[i]);
	if (w->child > 0) {
		kill(w->child, SIGKILL);
		waitpid(w->child, NULL, 0);
	}
}
