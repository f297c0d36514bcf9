/*
 * ksplice-test-sleepers: threads parked in the kernel's common waits, each
 * completed by its own event and checked to have completed as it would
 * have without patching. One struct wait_kind per wait (sleepers_waits.c);
 * the rounds, the parking check and the report are sleepers.c's.
 */
#ifndef KSPLICE_TEST_SLEEPERS_H
#define KSPLICE_TEST_SLEEPERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define SLEEPERS_PAYLOAD "ksplice"
#define SLEEPERS_PAYLOAD_LEN 7
#define SLEEPERS_CHILD_STATUS 42

struct waiter;

struct wait_kind {
	const char *name;   /* the call, as a program makes it */
	const char *kernel; /* where 6.1 sleeps in it, for the report */
	long syscall_nr;    /* what /proc/self/task/TID/syscall shows while parked */
	/* main thread, before the waiter starts: its file descriptors, child */
	int (*setup)(struct waiter *w);
	/* the waiter thread: the blocking call, once; ret and err recorded */
	void (*wait)(struct waiter *w);
	/* main thread, once the waiter is parked: the event that completes it */
	int (*wake)(struct waiter *w);
	/* after the join: as without patching? w->failure says why not */
	void (*check)(struct waiter *w);
};

struct waiter {
	const struct wait_kind *kind;
	int cpu;       /* pinned there, -1: not pinned */
	long sleep_ms; /* nanosleep: the length asked for */
	pthread_t thread;
	_Atomic pid_t tid;	    /* 0 until the thread runs */
	atomic_uint futex_word;	    /* futex: 0 waiting, 1 woken */
	int fd[4];		    /* the kind's descriptors, -1 when unused */
	pid_t child;		    /* wait4: the child waited for */
	uint16_t port, waker_port;  /* accept: where it listens, whence the waker */
	long ret;		    /* what the call returned */
	int err;		    /* its errno when ret < 0 */
	int status;		    /* wait4's status */
	struct timespec begin, end; /* CLOCK_MONOTONIC around the call */
	char data[64];		    /* what a read returned */
	size_t len;
	unsigned long long tag; /* epoll: the data of the event */
	char failure[240];	/* empty while all is as expected */
};

extern const struct wait_kind sleepers_kinds[];
extern const size_t sleepers_nkinds;

/* Sets w->failure (first failure wins). */
void sleepers_fail(struct waiter *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Closes the kind's descriptors and reaps a child still running. */
void sleepers_teardown(struct waiter *w);

#endif
