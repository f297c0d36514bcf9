/* Why kmod-helper refused to apply an update, in words and with its kind. */
#ifndef KSPLICE_REFUSAL_H
#define KSPLICE_REFUSAL_H

#include "error.h"

#include <stddef.h>

/* Reads update id's abort cause, detail and conflicts from the helper;
 * cause gets the abort cause's name. no_kick: the apply ran with kicks off
 * (the advice for threads_stuck depends on it). Returns -1 with err. */
int ksp_apply_refused(const char *id, int no_kick, char *cause, size_t cause_len,
		      struct ksp_error *err);

#endif
