/* Printing the plan (text and JSON) and reading kbuild's CRC records. */
#include "json.h"
#include "matcher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mt_crcs_read(const char *cmd_path, struct mt_crcs *crcs, struct ksp_error *err)
{
	memset(crcs, 0, sizeof(*crcs));
	FILE *f = fopen(cmd_path, "r");
	if (!f)
		return errno == ENOENT ? 0 : ksp_fail(err, "%s: %s", cmd_path, strerror(errno));
	char line[1024], name[512];
	unsigned long crc;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "#SYMVER %511s %lx", name, &crc) != 2)
			continue;
		struct mt_crc *v = realloc(crcs->v, (crcs->n + 1) * sizeof(*v));
		if (!v || !(v[crcs->n].name = strdup(name))) {
			if (v)
				crcs->v = v;
			fclose(f);
			mt_crcs_free(crcs);
			return ksp_fail(err, "out of memory");
		}
		v[crcs->n++].crc = (uint32_t)crc;
		crcs->v = v;
	}
	fclose(f);
	return 0;
}

void mt_crcs_free(struct mt_crcs *crcs)
{
	for (size_t i = 0; i < crcs->n; i++)
		free(crcs->v[i].name);
	free(crcs->v);
	memset(crcs, 0, sizeof(*crcs));
}

void mt_plan_write_text(const struct mt_plan *plan, FILE *out, int verbose)
{
	for (size_t i = 0; i < plan->nfuncs; i++) {
		const struct mt_func *f = &plan->funcs[i];
		if (f->state == MT_UNCHANGED && !verbose)
			continue;
		fprintf(out, "function %-9s %s", mt_state_name(f->state), f->name);
		if (f->pre_name[0] && strcmp(f->pre_name, f->name) != 0)
			fprintf(out, " (was %s)", f->pre_name);
		if (f->difference)
			fprintf(out, ": %s", f->difference);
		if (f->line_only)
			fprintf(out, " (only __LINE__ constants differ)");
		fputc('\n', out);
	}
	for (size_t i = 0; i < plan->ndata; i++) {
		const struct mt_data *d = &plan->data[i];
		if (d->state == MT_UNCHANGED && !verbose)
			continue;
		fprintf(out, "data     %-9s %s", mt_state_name(d->state), d->name);
		if (d->pre_name[0] && strcmp(d->pre_name, d->name) != 0)
			fprintf(out, " (was %s)", d->pre_name);
		if (d->difference)
			fprintf(out, ": %s", d->difference);
		fputc('\n', out);
	}
	for (size_t i = 0; i < plan->nrefusals; i++)
		fprintf(out, "refused: %s: %s\n", plan->refusals[i].symbol,
			plan->refusals[i].reason);
	fprintf(out, "%zu changed, %zu new, %zu deleted, %zu unchanged functions; %zu refusals\n",
		mt_plan_count(plan, MT_CHANGED), mt_plan_count(plan, MT_NEW),
		mt_plan_count(plan, MT_DELETED), mt_plan_count(plan, MT_UNCHANGED),
		plan->nrefusals);
}

static void json_func(struct ksp_json *j, const struct mt_func *f)
{
	ksp_json_object(j, NULL);
	ksp_json_str(j, "name", f->name);
	ksp_json_str(j, "pre_name", f->pre_name[0] ? f->pre_name : NULL);
	ksp_json_str(j, "section", f->section);
	ksp_json_str(j, "state", mt_state_name(f->state));
	ksp_json_bool(j, "global", f->global);
	ksp_json_uint(j, "pre_size", f->pre_size);
	ksp_json_uint(j, "post_size", f->post_size);
	ksp_json_bool(j, "line_only", f->line_only);
	ksp_json_str(j, "difference", f->difference);
	ksp_json_close(j);
}

static void json_data(struct ksp_json *j, const struct mt_data *d)
{
	ksp_json_object(j, NULL);
	ksp_json_str(j, "name", d->name);
	ksp_json_str(j, "pre_name", d->pre_name[0] ? d->pre_name : NULL);
	ksp_json_str(j, "section", d->section);
	ksp_json_str(j, "state", mt_state_name(d->state));
	ksp_json_bool(j, "writable", d->writable);
	ksp_json_uint(j, "pre_size", d->pre_size);
	ksp_json_uint(j, "post_size", d->post_size);
	ksp_json_str(j, "difference", d->difference);
	ksp_json_close(j);
}

void mt_plan_write_json(const struct mt_plan *plan, struct ksp_json *j, const char *key)
{
	ksp_json_object(j, key);
	ksp_json_str(j, "pre", plan->pre_path);
	ksp_json_str(j, "post", plan->post_path);
	ksp_json_bool(j, "patchable", plan->nrefusals == 0);
	ksp_json_array(j, "functions");
	for (size_t i = 0; i < plan->nfuncs; i++)
		json_func(j, &plan->funcs[i]);
	ksp_json_close(j);
	ksp_json_array(j, "data");
	for (size_t i = 0; i < plan->ndata; i++)
		json_data(j, &plan->data[i]);
	ksp_json_close(j);
	ksp_json_array(j, "refusals");
	for (size_t i = 0; i < plan->nrefusals; i++) {
		ksp_json_object(j, NULL);
		ksp_json_str(j, "symbol", plan->refusals[i].symbol);
		ksp_json_str(j, "reason", plan->refusals[i].reason);
		ksp_json_close(j);
	}
	ksp_json_close(j);
	ksp_json_close(j);
}
