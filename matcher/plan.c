/* Printing the plan (text and JSON) and reading kbuild's CRC records. */
#include "matcher.h"

#include <errno.h>
#include <inttypes.h>
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

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_field(FILE *out, const char *key, const char *value, int comma)
{
	fprintf(out, "\"%s\": ", key);
	if (value)
		json_string(out, value);
	else
		fputs("null", out);
	if (comma)
		fputs(", ", out);
}

static void json_func(FILE *out, const struct mt_func *f)
{
	fputs("{", out);
	json_field(out, "name", f->name, 1);
	json_field(out, "pre_name", f->pre_name[0] ? f->pre_name : NULL, 1);
	json_field(out, "section", f->section, 1);
	json_field(out, "state", mt_state_name(f->state), 1);
	fprintf(out,
		"\"global\": %s, \"pre_size\": %" PRIu64 ", \"post_size\": %" PRIu64
		", \"line_only\": %s, ",
		f->global ? "true" : "false", f->pre_size, f->post_size,
		f->line_only ? "true" : "false");
	json_field(out, "difference", f->difference, 0);
	fputs("}", out);
}

static void json_data(FILE *out, const struct mt_data *d)
{
	fputs("{", out);
	json_field(out, "name", d->name, 1);
	json_field(out, "pre_name", d->pre_name[0] ? d->pre_name : NULL, 1);
	json_field(out, "section", d->section, 1);
	json_field(out, "state", mt_state_name(d->state), 1);
	fprintf(out, "\"writable\": %s, \"pre_size\": %" PRIu64 ", \"post_size\": %" PRIu64 ", ",
		d->writable ? "true" : "false", d->pre_size, d->post_size);
	json_field(out, "difference", d->difference, 0);
	fputs("}", out);
}

void mt_plan_write_json(const struct mt_plan *plan, FILE *out)
{
	fputs("{", out);
	json_field(out, "pre", plan->pre_path, 1);
	json_field(out, "post", plan->post_path, 1);
	fprintf(out, "\"patchable\": %s,\n \"functions\": [", plan->nrefusals ? "false" : "true");
	for (size_t i = 0; i < plan->nfuncs; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		json_func(out, &plan->funcs[i]);
	}
	fputs("],\n \"data\": [", out);
	for (size_t i = 0; i < plan->ndata; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		json_data(out, &plan->data[i]);
	}
	fputs("],\n \"refusals\": [", out);
	for (size_t i = 0; i < plan->nrefusals; i++) {
		fputs(i ? ",\n  {" : "\n  {", out);
		json_field(out, "symbol", plan->refusals[i].symbol, 1);
		json_field(out, "reason", plan->refusals[i].reason, 0);
		fputs("}", out);
	}
	fputs("]}\n", out);
}
