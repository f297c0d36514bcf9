/* What makes an update refuse, and changes that propagate (a changed
 * read-only constant changes its users, a changed .cold part its parent). */
#ifndef KSPLICE_MATCHER_RULES_H
#define KSPLICE_MATCHER_RULES_H

#include "internal.h"

int mt_is_function(const struct mt_object *obj, size_t sym);
int mt_is_data(const struct mt_object *obj, size_t sym);

/* .data*, .bss*, .rodata* and the like: sections of variables, as opposed to
 * tables the kernel walks (__tracepoints, __param, .init.setup, ...). */
int mt_is_variable_section(const char *name);

/* Adds a refusal (reason is taken over, freed on failure). */
int mt_plan_refuse(struct mt_plan *plan, const char *symbol, char *reason);

int mt_apply_rules(const struct mt_ctx *ctx, const struct mt_options *opts, struct mt_plan *plan);

#endif
