/*
 * KSPLICE_SCREEN_AUDIT: a check of screening itself on real patches. Up to
 * N of the objects screening (or the header index) rules out are built
 * anyway, before and after the patch, and compared like the objects the
 * patch changes: any difference in their code or data is a screening bug,
 * and ksplice-create stops with an internal error naming the object and
 * the difference. The audited objects then leave the update.
 */
#ifndef KSPLICE_SCREEN_AUDIT_H
#define KSPLICE_SCREEN_AUDIT_H

#include "create.h"

/* N from the environment (0: no audit). */
size_t ksp_screen_audit_count(void);

/* Picks up to ksp_screen_audit_count() of the n screened objects whose
 * keep is 0 and whose candidate flag is set, spread over the list; each
 * picked gets keep = 1, a why and audited = 1. Returns how many, or
 * (size_t)-1 out of memory. */
size_t ksp_screen_audit_choose(int *keep, char **why, const unsigned char *candidate,
			       unsigned char *audited, size_t n);

/* After compare_units: fails (KSP_E_INTERNAL, err naming the object) if an
 * audited unit's code or data changed; otherwise removes the audited units
 * from res and says how many were checked. */
int ksp_screen_audit_check(const struct ksp_create_opts *o, struct ksp_create_result *res,
			   struct ksp_error *err);

#endif
