/*
 * The one client of kmod-helper's sysfs protocol (/sys/kernel/ksplice):
 * every file the helper publishes is read or written here, typed. ID is an
 * update's id (its directory); the top directory holds "version".
 */
#ifndef KSPLICE_HELPER_CLIENT_H
#define KSPLICE_HELPER_CLIENT_H

#include "ksplice_update.h"

#include <stddef.h>
#include <stdint.h>

#define KSP_SYSFS "/sys/kernel/ksplice"

/* An update's stage file; KSP_STAGE_NOT_LOADED when it has none. */
enum ksp_stage {
	KSP_STAGE_NOT_LOADED,
	KSP_STAGE_PREPARED,
	KSP_STAGE_APPLIED,
	KSP_STAGE_REVERSED,
	KSP_STAGE_UNKNOWN, /* a word this client does not know */
};

/* "prepared", "applied", "reversed"; "not loaded", "unknown". */
const char *ksp_stage_name(enum ksp_stage stage);
enum ksp_stage ksp_helper_stage(const char *id);
/* Writes "applied" or "reversed" to the stage file; -1 with errno set
 * when the helper refuses (its abort_cause says why). */
int ksp_helper_set_stage(const char *id, enum ksp_stage stage);

/*
 * The plan (kmod-helper/README.md, "How an update module gets its plan"):
 * what the helper needs to know about the running kernel, written after
 * insmod and before the first apply; the module file is never modified.
 * Entry i describes entry i of the module's patch table.
 */
/* Bytes [offset, offset+len) of a pending entry's function that the
 * kernel writes at load and the helper does not check (pmask). */
struct ksp_plan_mask {
	uint32_t offset, len;
};

struct ksp_plan_entry {
	int check_only; /* only old_addr and old_size */
	uint64_t old_addr;
	uint32_t old_size, jump_offset;
	uint8_t expected[KSPLICE_JUMP_LEN];
	/* A function of a module not loaded (a `pending` line, pending_plan.h):
	 * symbol symindex of the module's .symtab, called symname, whose
	 * old_size bytes as loaded hash to sha256 with the masked bytes
	 * zeroed; old_addr and expected are then unused. NULL: not pending. */
	const char *module;
	size_t symindex;
	const char *symname;
	char sha256[65];
	struct ksp_plan_mask *masks; /* malloc'ed */
	size_t nmasks;
};

struct ksp_plan_key {
	const char *key; /* a binding key of the module's relocation table */
	uint64_t addr;
	/* Valued when module comes (a `pkey` line): symbol symindex (called
	 * symname) of its .symtab plus offset. NULL: addr now. */
	const char *module;
	size_t symindex;
	const char *symname;
	int64_t offset;
};

/* The plan as the lines the helper reads (malloc'ed), or NULL when out of
 * memory. */
char *ksp_plan_format(const struct ksp_plan_entry *entries, size_t nentries,
		      const struct ksp_plan_key *keys, size_t nkeys);
/* Writes plan text to the update's plan file, in writes of whole lines
 * under 4096 bytes; -1 with errno set when the helper refuses (EINVAL: its
 * abort_detail says which line, EBUSY: the plan is final). */
int ksp_helper_write_plan(const char *id, const char *text);

/* The names the helper writes to abort_cause, as ksplice_update.h's enum
 * ksplice_abort_cause comments them ("ok", "code_busy", ...). */
const char *ksp_abort_cause_name(enum ksplice_abort_cause cause);
/* The cause named name; -1 if none is. */
int ksp_abort_cause_parse(const char *name, enum ksplice_abort_cause *cause);
/* Why the last action stopped; -1 when unreadable or unknown. */
int ksp_helper_abort_cause(const char *id, enum ksplice_abort_cause *cause);
/* The helper's words on the cause ("" when none). */
void ksp_helper_abort_detail(const char *id, char *buf, size_t len);
/* The threads that kept the last action from going ahead, one "pid comm
 * function" per conflict, joined by ';' ("" when none). */
void ksp_helper_conflicts(const char *id, char *buf, size_t len);

struct ksp_helper_function {
	char name[KSPLICE_NAME_LEN + 1];
	uint64_t old_addr; /* the code it patches */
	uint64_t new_addr; /* its new code; 0 for a check-only entry */
};

/* The update's patch table as the helper holds it ("NAME OLD NEW" lines);
 * *v is malloc'ed. -1 when unreadable or out of memory. */
int ksp_helper_functions(const char *id, struct ksp_helper_function **v, size_t *n);
/* Parses the text of a functions file; lines that do not parse are left
 * out. -1 when out of memory. */
int ksp_helper_functions_parse(const char *text, struct ksp_helper_function **v, size_t *n);

/* What an update's functions are in (its targets file, one a line):
 * "vmlinux" or a module's name, and whether the update holds that module
 * loaded (" pinned": while applied, rmmod says the module is in use) or
 * waits for it (" pending": applied, its part for that module is applied
 * when the module loads). */
#define KSP_TARGET_NAME_MAX 64 /* the kernel's MODULE_NAME_LEN is 56 */
struct ksp_helper_target {
	char name[KSP_TARGET_NAME_MAX];
	int pinned;
	int pending;
};

/* The update's distinct targets; *v is malloc'ed, empty before the plan is
 * written. -1 when unreadable or out of memory. */
int ksp_helper_targets(const char *id, struct ksp_helper_target **v, size_t *n);
/* Parses the text of a targets file; lines that do not parse (a name too
 * long, a word other than "pinned" or "pending" after it) are left out. -1 when out of
 * memory. */
int ksp_helper_targets_parse(const char *text, struct ksp_helper_target **v, size_t *n);

/* A list of ids: loaded updates, or what one depends on. */
struct ksp_id_list {
	char (*ids)[KSPLICE_ID_MAX + 1];
	size_t n;
};

/* The ids of every loaded update, in directory order; empty when the helper
 * is not loaded. -1 when out of memory. */
int ksp_helper_updates(struct ksp_id_list *list);
/* The updates whose new code this one patched over (depends_on). */
int ksp_helper_depends_on(const char *id, struct ksp_id_list *list);
/* Parses one id a line; too long lines are left out. */
int ksp_id_list_parse(const char *text, struct ksp_id_list *list);
void ksp_id_list_free(struct ksp_id_list *list);

/* The helper's one-line description of the update ("" when none). */
void ksp_helper_description(const char *id, char *buf, size_t len);
/* What the update module says the update is (kmod-helper API version 4;
 * all empty for an update made before): the CVE ids it fixes (its cves
 * file, one a line), the kernel package version it brings and the subject
 * of its signer ("" when not given). */
#define KSP_HELPER_CVES_MAX 80 /* "CVE-YYYY-NNNN" and a space in KSPLICE_CVES_MAX */
#define KSP_CVE_ID_MAX 28      /* "CVE-", the year, '-', 19 digits */
struct ksp_helper_facts {
	char cves[KSP_HELPER_CVES_MAX][KSP_CVE_ID_MAX + 1];
	size_t ncves;
	char brings[KSPLICE_VERSION_MAX + 1];
	char signer[KSPLICE_SIGNER_MAX + 1];
};
void ksp_helper_facts(const char *id, struct ksp_helper_facts *f);
/* Parses the text of a cves file into f; lines that are no CVE id are left
 * out. */
void ksp_helper_cves_parse(const char *text, struct ksp_helper_facts *f);

/* Tells the helper who signed the update, as ksplice-apply verified it
 * (its first KSPLICE_SIGNER_MAX bytes), before its first apply; -1 with
 * errno (EBUSY: applied before; ENOENT: a helper that keeps no signer). */
int ksp_helper_set_signer(const char *id, const char *subject);

/* When it was last applied (seconds since the epoch; 0: never). */
long long ksp_helper_applied_at(const char *id);
/* How long the machine was paused by the last action, in ns. */
unsigned long long ksp_helper_pause_ns(const char *id);

/* Whether the next action kicks user threads asleep in the code out of it
 * (kmod-helper/sleepers.c); 0 or -1 with errno. */
int ksp_helper_set_kick(const char *id, int kick);
/* What the last action kicked: how many threads, held how long (ns); zeros
 * for a helper without kicks. */
struct ksp_helper_kicks {
	unsigned kicked;
	unsigned long long held_ns;
};
void ksp_helper_kicks(const char *id, struct ksp_helper_kicks *k);

/* Is kmod-helper loaded (its version file there)? */
int ksp_helper_loaded(void);
/* The loaded helper's version ("" when it is not loaded). */
void ksp_helper_version(char *buf, size_t len);

#endif
