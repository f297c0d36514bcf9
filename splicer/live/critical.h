/*
 * A change of the kernel's state that must finish once begun: from
 * inserting an update module until it is applied or removed again (apply),
 * from reversing an update until its module is removed (undo). Termination
 * signals (INT, TERM, HUP, QUIT) are held meanwhile and take effect when it
 * ends, so a kill never leaves an update module loaded but not applied.
 * Before and after such a section a signal only ends the process: the
 * tools keep nothing on disk that would be left behind.
 */
#ifndef KSPLICE_CRITICAL_H
#define KSPLICE_CRITICAL_H

#include <signal.h>

struct ksp_critical {
	sigset_t saved;
};

void ksp_critical_begin(struct ksp_critical *c);
void ksp_critical_end(struct ksp_critical *c);

#endif
