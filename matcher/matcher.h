/*
 * The matcher: compares an object compiled before a patch (pre) with the same
 * object compiled after it (post), both with -ffunction-sections
 * -fdata-sections, and gives the plan ksplice-create packages: which
 * functions changed (with the first difference), which are new or deleted,
 * what happened to data, and what cannot be live-patched (with the symbol
 * and the reason).
 *
 * Code is compared relocation-aware: bytes outside relocation fields must be
 * equal, and each relocation equal in type and in what it refers to, by
 * identity: functions and variables by name, entries of merged sections
 * (.rodata.str*, .rodata.cst*) by content, local labels by section and
 * offset, numbered statics and compiler clones (foo.3, foo.isra.0) by
 * correlating their uses.
 */
#ifndef KSPLICE_MATCHER_H
#define KSPLICE_MATCHER_H

#include "error.h"
#include "objfile.h"

#include <stdint.h>
#include <stdio.h>

enum mt_state { MT_UNCHANGED, MT_CHANGED, MT_NEW, MT_DELETED };

struct mt_func {
	char *name;	/* post name; pre name for a deleted function */
	char *pre_name; /* differs from name for a renumbered clone */
	char *section;	/* post section (pre section for a deleted one) */
	enum mt_state state;
	uint64_t pre_size, post_size;
	int global;
	int line_only;	  /* differs only in __LINE__ constants: unchanged */
	char *difference; /* changed: the first difference, one line */
};

struct mt_data {
	char *name;
	char *pre_name;
	char *section;
	enum mt_state state;
	uint64_t pre_size, post_size;
	int writable;
	char *difference;
};

struct mt_refusal {
	char *symbol;
	char *reason;
};

struct mt_plan {
	char *pre_path, *post_path;
	struct mt_func *funcs;
	size_t nfuncs;
	struct mt_data *data;
	size_t ndata;
	struct mt_refusal *refusals;
	size_t nrefusals;
};

/* Exported symbols' CRCs (modversions), as kbuild records them in the
 * object's .cmd file ("#SYMVER name 0xcrc"). */
struct mt_crc {
	char *name;
	uint32_t crc;
};

struct mt_crcs {
	struct mt_crc *v;
	size_t n;
};

/* Reads "#SYMVER" lines of a kbuild .cmd file; a missing file gives an empty
 * table (objects that export nothing have none). */
int mt_crcs_read(const char *cmd_path, struct mt_crcs *crcs, struct ksp_error *err);
void mt_crcs_free(struct mt_crcs *crcs);

struct mt_options {
	const struct mt_crcs *pre_crcs, *post_crcs; /* may be NULL */
	/* The objects' paths, whose DWARF tells whether an exported symbol
	 * whose CRC changed changed its interface (NULL: any CRC change is
	 * refused). */
	const char *pre_object, *post_object;
};

/* Compares two objects. Returns 0 with a plan (which may hold refusals), or
 * -1 with err set when the pair cannot be compared (e.g. unrelated objects). */
int mt_compare(const struct ksp_obj *pre, const struct ksp_obj *post, const struct mt_options *opts,
	       struct mt_plan *plan, struct ksp_error *err);

/* The plan for an object file the patch creates: refused. */
int mt_plan_new_object(const char *post_path, struct mt_plan *plan, struct ksp_error *err);

void mt_plan_free(struct mt_plan *plan);

/* Counts of functions in a state. */
size_t mt_plan_count(const struct mt_plan *plan, enum mt_state state);

const char *mt_state_name(enum mt_state state);

void mt_plan_write_text(const struct mt_plan *plan, FILE *out, int verbose);
struct ksp_json;
/* The plan as a JSON object, the value of key (NULL: an array element or
 * the outermost value). */
void mt_plan_write_json(const struct mt_plan *plan, struct ksp_json *j, const char *key);

#endif
