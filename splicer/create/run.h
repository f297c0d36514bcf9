/*
 * Running the build's commands (make, patch, the compiler) and being
 * interruptible: SIGINT, SIGTERM and SIGHUP set a flag (and are passed on to
 * the running command) instead of killing ksplice-create, so that it can put
 * the kernel tree back before it exits.
 */
#ifndef KSPLICE_RUN_H
#define KSPLICE_RUN_H

#include <signal.h>
#include <stddef.h>

/* The signal that interrupted us, or 0. */
extern volatile sig_atomic_t ksp_interrupted;

/* Catches SIGINT, SIGTERM and SIGHUP from now on. */
void ksp_catch_interrupts(void);

/* Runs argv (PATH search) in cwd (NULL: ours), stdout into out (NUL-terminated,
 * truncated), stderr discarded. Returns the exit status, or -1 if the command
 * could not run or was killed by a signal. */
int ksp_run_capture(const char *const *argv, const char *cwd, char *out, size_t len);

/* Runs argv with stdout and stderr appended to log_path. Returns the exit
 * status, or -1. */
int ksp_run_logged(const char *const *argv, const char *log_path);

/* The first line of the log that reports an error (or its last line). */
void ksp_first_error_line(const char *log_path, char *buf, size_t len);

#endif
