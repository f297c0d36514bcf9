/* Sections no termination signal cuts short (critical.h). */
#include "critical.h"

void ksp_critical_begin(struct ksp_critical *c)
{
	sigset_t hold;
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	sigprocmask(SIG_BLOCK, &hold, &c->saved);
}

void ksp_critical_end(struct ksp_critical *c)
{
	sigprocmask(SIG_SETMASK, &c->saved, NULL);
}
