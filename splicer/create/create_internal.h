/*
 * What create.c shares with the files that carry parts of its pipeline
 * (screen_units.c): progress lines, protecting a unit's files, screening.
 */
#ifndef KSPLICE_CREATE_INTERNAL_H
#define KSPLICE_CREATE_INTERNAL_H

#include "create.h"
#include "tree_guard.h"

/* One progress line on o->progress (if any). */
void ksp_create_progress(const struct ksp_create_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Puts a unit's source, object, .cmd and .d files under the guard. */
int ksp_create_protect_unit(struct ksp_guard *g, const struct ksp_create_unit *u,
			    struct ksp_error *err);

/* Preprocesses the units that only a changed header reaches, before and
 * after the patch, and keeps those whose code may change (refusing more
 * than --max-objects). The tree is at its pre state on return. */
int ksp_screen_units(const struct ksp_create_opts *o, struct ksp_create_result *res,
		     struct ksp_guard *g, const char *log, struct ksp_error *err);

/* The units screening handles. */
size_t ksp_count_screened(const struct ksp_create_result *res);

#endif
