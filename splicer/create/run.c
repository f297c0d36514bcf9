#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t ksp_interrupted;
static volatile pid_t running_child;

/* Each command runs in a process group of its own, and an interrupt goes to
 * the whole group: make's sub-makes and $(shell) commands (kbuild's
 * try-run, which works in TREE/.tmp_PID) stop with it, as at a terminal. */
static void on_interrupt(int sig)
{
	ksp_interrupted = sig;
	if (running_child > 0 && kill(-running_child, sig) != 0)
		kill(running_child, sig);
}

void ksp_catch_interrupts(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int wait_child(pid_t pid)
{
	int status;
	running_child = pid;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			running_child = 0;
			return -1;
		}
	}
	running_child = 0;
	/* Interrupted: what is left of the group (a shell make did not wait
	 * for) may still write into the tree; give it up to 5 s to go, so that
	 * the caller's clean-up comes after it. */
	for (int i = 0; ksp_interrupted && i < 100 && kill(-pid, 0) == 0; i++)
		usleep(50000);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In the child: stdin from /dev/null, stdout to out_fd, stderr to err_fd. */
static void exec_child(const char *const *argv, const char *cwd, int out_fd, int err_fd)
{
	setpgid(0, 0);
	int null_fd = open("/dev/null", O_RDWR);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(err_fd < 0 ? null_fd : err_fd, 2) < 0)
		_exit(127);
	if (cwd && chdir(cwd) != 0)
		_exit(127);
	/* Restore default dispositions: the command handles its own signals. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

int ksp_run_capture(const char *const *argv, const char *cwd, char *out, size_t len)
{
	int pipefd[2];
	if (len == 0 || pipe(pipefd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		exec_child(argv, cwd, pipefd[1], -1);
	}
	setpgid(pid, pid); /* as the child does: no signal finds it in ours */
	close(pipefd[1]);
	size_t used = 0;
	char discard[4096];
	for (;;) {
		ssize_t n = used + 1 < len ? read(pipefd[0], out + used, len - 1 - used)
					   : read(pipefd[0], discard, sizeof(discard));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < len)
			used += (size_t)n;
	}
	out[used] = '\0';
	close(pipefd[0]);
	return wait_child(pid);
}

int ksp_run_logged(const char *const *argv, const char *log_path)
{
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(log_fd);
		return -1;
	}
	if (pid == 0)
		exec_child(argv, NULL, log_fd, log_fd);
	setpgid(pid, pid); /* as the child does: no signal finds it in ours */
	close(log_fd);
	return wait_child(pid);
}

/* A compiler's "error:" line says most; make's "***" line comes next. */
void ksp_first_error_line(const char *log_path, char *buf, size_t len)
{
	snprintf(buf, len, "no output");
	FILE *f = fopen(log_path, "r");
	if (!f)
		return;
	char line[1024];
	int rank = 0; /* 1: last line, 2: make's ***, 3: error: */
	while (rank < 3 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		int r = strstr(line, "error:") ? 3 : strstr(line, "***") ? 2 : line[0] ? 1 : 0;
		if (r > rank || (r == 1 && rank == 1)) {
			snprintf(buf, len, "%s", line);
			rank = r;
		}
	}
	fclose(f);
}
