/* KSPLICE_SCREEN_AUDIT (screen_audit.h). */
#include "screen_audit.h"
#include "create_internal.h"

#include <stdlib.h>
#include <string.h>

size_t ksp_screen_audit_count(void)
{
	const char *v = getenv("KSPLICE_SCREEN_AUDIT");
	char *end;
	unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;
	return v && *v && !*end ? (size_t)n : 0;
}

size_t ksp_screen_audit_choose(int *keep, char **why, const unsigned char *candidate,
			       unsigned char *audited, size_t n)
{
	size_t want = ksp_screen_audit_count(), candidates = 0, taken = 0, seen = 0;
	for (size_t i = 0; i < n; i++)
		candidates += candidate[i] && !keep[i];
	size_t step_of = want < candidates ? want : candidates;
	for (size_t i = 0; i < n && taken < step_of; i++) {
		if (!candidate[i] || keep[i])
			continue;
		/* the k-th of step_of picks candidate k * candidates / step_of */
		if (seen++ != taken * candidates / step_of)
			continue;
		why[i] = strdup("screening audit: ruled out, built to check that its code is "
				"unaltered");
		if (!why[i])
			return (size_t)-1;
		keep[i] = 1;
		audited[i] = 1;
		taken++;
	}
	return taken;
}

/* What changed in an audited unit's plan, or NULL if nothing did. */
static const char *first_change(const struct mt_plan *p, char *out, size_t len)
{
	for (size_t k = 0; k < p->nrefusals; k++) {
		snprintf(out, len, "%s: %s", p->refusals[k].symbol, p->refusals[k].reason);
		return out;
	}
	for (size_t k = 0; k < p->nfuncs; k++) {
		const struct mt_func *f = &p->funcs[k];
		if (f->state == MT_UNCHANGED)
			continue;
		snprintf(out, len, "function %s %s%s%s", f->name, mt_state_name(f->state),
			 f->difference ? ": " : "", f->difference ? f->difference : "");
		return out;
	}
	for (size_t k = 0; k < p->ndata; k++) {
		const struct mt_data *d = &p->data[k];
		if (d->state == MT_UNCHANGED)
			continue;
		snprintf(out, len, "data %s %s%s%s", d->name, mt_state_name(d->state),
			 d->difference ? ": " : "", d->difference ? d->difference : "");
		return out;
	}
	return NULL;
}

int ksp_screen_audit_check(const struct ksp_create_opts *o, struct ksp_create_result *res,
			   struct ksp_error *err)
{
	char change[512];
	size_t checked = 0, kept = 0;
	for (size_t i = 0; i < res->nunits; i++) {
		const struct ksp_create_unit *u = &res->units[i];
		if (u->audited && first_change(&u->plan, change, sizeof(change))) {
			ksp_failc(err, KSP_E_INTERNAL,
				  "screening audit: %s was ruled out by screening, but its "
				  "compiled code changes (%s)",
				  u->object, change);
			return KSP_E_INTERNAL;
		}
	}
	for (size_t i = 0; i < res->nunits; i++) {
		if (!res->units[i].audited) {
			res->units[kept++] = res->units[i];
			continue;
		}
		ksp_create_unit_free(&res->units[i]);
		checked++;
	}
	res->nunits = kept;
	if (checked)
		ksp_create_progress(o,
				    "screening audit: %zu object%s screening rules out built and "
				    "compared anyway: none changes",
				    checked, checked == 1 ? "" : "s");
	return 0;
}
