/* What makes an update refuse, and changes that propagate (a changed
 * read-only constant changes its users, a changed .cold part its parent). */
#ifndef KSPLICE_MATCHER_RULES_H
#define KSPLICE_MATCHER_RULES_H

#include "internal.h"

/* Adds a refusal (reason is taken over, freed on failure). */
int mt_plan_refuse(struct mt_plan *plan, const char *symbol, char *reason);

int mt_apply_rules(const struct mt_ctx *ctx, const struct mt_options *opts, struct mt_plan *plan);

#endif
