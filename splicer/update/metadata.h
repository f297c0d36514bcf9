/*
 * The update's metadata (the member KSP_UPDATE_METADATA of update_file.h):
 * its model, and the one parser and writer of its KEY=VALUE lines.
 *
 *   API_VERSION=N  ID=  DESCRIPTION=  KERNEL_RELEASE=  BUILD_ID=  COMPILER=
 *   TOOL_VERSION=  CREATED=        once each, in this order
 *   BRINGS=VERSION                 once, only when set: the kernel package
 *                                  version the update brings (--brings)
 *   CVE=ID                         per CVE the update fixes (--cve)
 *   AFTER=ID                       per earlier update (ksplice-create --after)
 *   UNIT=OBJECT                    per unit, followed by its
 *     TARGET=vmlinux|MODULE        where its code runs: the kernel image or
 *                                  the module (its name as in /proc/modules;
 *                                  absent: vmlinux)
 *     CHANGED=OBJECT:FUNCTION      replaced functions (jumps)
 *     CHECK=OBJECT:FUNCTION        old code that only joins the stack check
 *     NEW=OBJECT:FUNCTION          functions the update adds
 *     NEW_DATA=OBJECT:VARIABLE     variables it adds
 *     EXTERNAL=KEY                 bindings left for ksplice-apply to resolve
 *
 * Parsing keeps the first of a key given once and ignores keys it does not
 * know (updates written before BRINGS and CVE read as having
 * none); a per-unit line outside its unit (before any UNIT=, or naming
 * another object), an id, CVE id or version of the wrong form make the
 * text malformed.
 */
#ifndef KSPLICE_METADATA_H
#define KSPLICE_METADATA_H

#include "error.h"

#include <stddef.h>

struct ksp_meta_list {
	const char **v;
	size_t n;
};

struct ksp_meta_unit {
	const char *object;
	const char *target;		    /* module name; NULL: vmlinux */
	struct ksp_meta_list changed;	    /* function names (CHANGED) */
	struct ksp_meta_list check;	    /* CHECK */
	struct ksp_meta_list new_functions; /* NEW */
	struct ksp_meta_list new_data;	    /* NEW_DATA */
	struct ksp_meta_list externals;	    /* EXTERNAL */
};

/* Strings are borrowed: a parsed model's point into its own copy of the
 * text (text), a built one's into its builder's memory. Absent strings are
 * NULL; they are written empty. */
struct ksp_metadata {
	int api_version; /* -1: absent */
	const char *id, *description, *kernel_release, *build_id, *compiler, *tool_version,
		*created;
	const char *brings;	    /* NULL: not given (not written) */
	struct ksp_meta_list cves;  /* CVE ids (CVE) */
	struct ksp_meta_list after; /* ids (AFTER) */
	struct ksp_meta_unit *units;
	size_t nunits;
	char *text; /* parsed: the storage of every string */
};

/* Parses len bytes of metadata (no NUL needed) into m. -1 with err
 * (KSP_E_BAD_FILE) when malformed or out of memory. */
int ksp_metadata_parse(const char *text, size_t len, struct ksp_metadata *m, struct ksp_error *err);

/* The metadata as text (malloc'ed), or NULL when out of memory. */
char *ksp_metadata_format(const struct ksp_metadata *m);

/* Building: appends s (borrowed) to l; a unit named object to m (NULL
 * when out of memory; the pointer lasts until the next unit is added). */
int ksp_meta_list_add(struct ksp_meta_list *l, const char *s);
struct ksp_meta_unit *ksp_metadata_add_unit(struct ksp_metadata *m, const char *object);

/* The unit's target as written: "vmlinux" or the module's name. */
const char *ksp_meta_unit_target(const struct ksp_meta_unit *u);
/* Whether name can be a module's name (1 to 55 of a-z, A-Z, 0-9, _: kbuild
 * makes '-' and ',' '_', and keeps case, as in xt_TEE). */
int ksp_module_name_valid(const char *name);

int ksp_meta_list_has(const struct ksp_meta_list *l, const char *s);
/* Is name an EXTERNAL of any unit? */
int ksp_metadata_is_external(const struct ksp_metadata *m, const char *name);

void ksp_metadata_free(struct ksp_metadata *m);

#endif
