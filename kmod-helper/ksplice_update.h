/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between an update module and kmod-helper.
 *
 * An update module carries the new code of one update. It holds exactly one
 * patch table, an array of struct ksplice_patch in the ELF section
 * KSPLICE_PATCHES_SECTION, and its init registers that table with
 * ksplice_register_update() (KSPLICE_DEFINE_UPDATE() writes init and exit).
 * Registering only creates /sys/kernel/ksplice/<id>/ in stage "prepared";
 * writing "applied" to its stage file applies the update, "reversed" undoes
 * it. While applied, the update module cannot be unloaded.
 *
 * Who fills in what. The module itself knows only its new functions: each
 * entry's new_addr is a relocation against the new function, resolved by the
 * module loader, and name is the replaced function's symbol. The module file
 * is never modified (it may be signed): everything about the running kernel
 * reaches the helper after insmod, written by user space (ksplice-apply, from
 * run-pre matching) to /sys/kernel/ksplice/<id>/plan: for every entry, by its
 * index in the table, old_addr, old_size, jump_offset and expected; for every
 * key of the module's relocation table (struct ksplice_reloc), its address.
 * The helper keeps its own copy of the table and fills that. The layout below
 * is fixed (little endian, KSPLICE_PATCH_SIZE bytes per entry, offsets checked
 * at compile time), so user space can read names and flags from the file.
 *
 * What the fields mean:
 *  - old_addr: run-time address of the function to replace, as kallsyms
 *    names it. If an applied update already redirected that function, the
 *    helper follows the trampoline to the newest replacement and patches that
 *    instead (stacking); old_addr may also name the newest replacement
 *    directly. Either way the update then depends on the update that owns
 *    the replacement.
 *  - old_size, jump_offset, expected: describe the code that is patched (the
 *    newest version of the function): its size, the offset of the 5-byte jump
 *    (KSPLICE_FENTRY_LEN right after the fentry site; 0 only for a function
 *    without one) and the KSPLICE_JUMP_LEN bytes that must be there. The
 *    helper re-verifies those bytes with the machine stopped.
 *  - expected[5..7] and reserved: zero.
 *
 * Abort causes, as read from /sys/kernel/ksplice/<id>/abort_cause, are the
 * names in the comments of enum ksplice_abort_cause.
 */
#ifndef KSPLICE_UPDATE_H
#define KSPLICE_UPDATE_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t __u8;
typedef int64_t __s64;
typedef uint32_t __u32;
typedef uint64_t __u64;
#endif

#define KSPLICE_API_VERSION 4
/* The oldest version still registered: 3, whose updates carry no facts. */
#define KSPLICE_API_VERSION_MIN 3
#define KSPLICE_PATCHES_SECTION ".ksplice_patches"
#define KSPLICE_ID_MAX 16		/* [a-z0-9_], 1 to 16 characters */
#define KSPLICE_NAME_LEN 128		/* NUL-terminated symbol name */
#define KSPLICE_JUMP_LEN 5		/* e9 rel32 */
#define KSPLICE_FENTRY_LEN 5		/* the call/nop at a function's entry */
#define KSPLICE_EXPECTED_LEN 8
#define KSPLICE_MAX_PATCHES 256
#define KSPLICE_DESCRIPTION_MAX 255	/* bytes kept of a description */
#define KSPLICE_MAX_RELOCS 65536
#define KSPLICE_KEY_MAX 512		/* bytes of a key, NUL included */
#define KSPLICE_CVES_MAX 1023		/* bytes of the CVE ids, joined */
#define KSPLICE_VERSION_MAX 63		/* bytes of the version brought */
#define KSPLICE_SIGNER_MAX 255		/* bytes of a signer (sysfs) */

/* flags */
#define KSPLICE_PATCH_FILLED 0x1	/* set in the helper's copy once planned */
/*
 * No jump: [old_addr, old_addr + old_size) only joins the stack check, for
 * code of a replaced function under another symbol (gcc's foo.cold). Only
 * old_addr and old_size are used.
 */
#define KSPLICE_PATCH_CHECK_ONLY 0x2

struct ksplice_patch {
	__u64 old_addr;				/* offset  0 */
	__u64 new_addr;				/* offset  8 */
	__u32 old_size;				/* offset 16 */
	__u32 jump_offset;			/* offset 20 */
	__u32 flags;				/* offset 24 */
	__u8 expected[KSPLICE_EXPECTED_LEN];	/* offset 28 */
	char name[KSPLICE_NAME_LEN];		/* offset 36 */
	__u32 reserved;				/* offset 164 */
};

#define KSPLICE_PATCH_SIZE 168

/*
 * A reference of the new code to the running kernel that the helper
 * completes (the module loader leaves it alone): at place, a relocation of
 * ELF type (R_X86_64_64, _32, _32S, _PC32 or _PLT32) against the address user
 * space gives for key (a run-pre binding key: "name" or "unit:name") plus
 * addend. place is an address in the module (relocated by the loader).
 */
/*
 * Relocation types of struct ksplice_reloc besides R_X86_64_{64,PC32,PLT32,
 * 32,32S}: the value stored at the key, not its address (a run-time
 * constant's immediate, runtime_const_ptr() and runtime_const_shift_right_32(),
 * which the kernel sets at boot in vmlinux only): 8 bytes, or the low byte.
 */
#define KSPLICE_R_VALUE64 0x100
#define KSPLICE_R_VALUE8 0x101

struct ksplice_reloc {
	__u64 place;
	const char *key;
	__s64 addend;
	__u32 type;
	__u32 reserved;
};

/* Why the last action stopped; sysfs shows the names in the comments. */
enum ksplice_abort_cause {
	KSPLICE_OK,			/* ok: the last action succeeded */
	KSPLICE_CODE_BUSY,		/* code_busy: threads in the code */
	KSPLICE_NO_MATCH,		/* no_match: bytes differ from expected */
	KSPLICE_BAD_PLAN,		/* bad_plan: the table is not usable */
	KSPLICE_MODULE_BUSY,		/* module_busy: a module is going away */
	KSPLICE_ALREADY_APPLIED,	/* already_applied */
	KSPLICE_NOT_APPLIED,		/* not_applied */
	KSPLICE_HAS_DEPENDENTS,		/* has_dependents: a later update needs it */
	KSPLICE_TRAMPOLINE_CHANGED,	/* trampoline_changed: overwritten since */
	KSPLICE_OUT_OF_MEMORY,		/* out_of_memory */
	KSPLICE_REDIRECTED,		/* redirected: another ftrace IPMODIFY user */
	KSPLICE_THREADS_STUCK,		/* threads_stuck: same threads, every try */
};

/*
 * Early references: places the module loader reads when the update module
 * comes (MODULE_STATE_COMING: a __jump_table entry's key, a
 * .static_call_sites entry's key) that name a symbol no export resolves: a
 * tracepoint or static key of the target module, or one vmlinux does not
 * export. They cannot wait for the plan; the helper's module notifier runs
 * before jump_label's and static_call's, finds the key in kallsyms (module,
 * or vmlinux when module is NULL), writes the place and holds the key's
 * module loaded as long as the update module is (early.c). The table is
 * found by its symbol's name in the update module's kallsyms.
 */
#define KSPLICE_EARLY_SYMBOL "ksplice_early_relocs"

struct ksplice_early_reloc {
	__u64 place;
	const char *key;	/* a global symbol's name */
	const char *module;	/* the module it is in; NULL: vmlinux */
	__s64 addend;
	__u32 type;		/* R_X86_64_64, _PC64, _PC32 */
	__u32 reserved;
};

struct ksplice_early_relocs {
	__u32 api_version;	/* KSPLICE_API_VERSION */
	__u32 nr_relocs;
	const struct ksplice_early_reloc *relocs;
};

#ifdef __KERNEL__
static_assert(sizeof(struct ksplice_patch) == KSPLICE_PATCH_SIZE);
static_assert(offsetof(struct ksplice_patch, expected) == 28);
static_assert(offsetof(struct ksplice_patch, name) == 36);

struct module;

/* What an update module passes to ksplice_register_update(). */
struct ksplice_update {
	__u32 api_version;		/* KSPLICE_API_VERSION */
	__u32 nr_patches;
	const char *id;
	/*
	 * What the update does, for people (ksplice-view): one line; the
	 * helper keeps the first KSPLICE_DESCRIPTION_MAX bytes and turns
	 * control characters into spaces. Since API version 2.
	 */
	const char *description;
	const struct ksplice_patch *patches;
	struct module *owner;		/* THIS_MODULE */
	/* Since API version 3: references the helper completes. */
	const struct ksplice_reloc *relocs;
	__u32 nr_relocs;
	/*
	 * Since API version 4, each NULL when not given: the CVE ids the
	 * update fixes ("CVE-2026-1234 CVE-2026-5678": CVE-, digits and
	 * '-', one space between ids) and the kernel package version whose
	 * fix it carries (a Debian version: letters, digits and . + ~ : -).
	 * The helper refuses ids or a version of another form.
	 */
	const char *cves;
	const char *brings;
};

/*
 * Registers an update: the helper copies the table and the description
 * (later changes to the module's copies have no effect) and creates
 * /sys/kernel/ksplice/<id>/.
 * Returns 0, -EINVAL (API version, id or table malformed), -EEXIST (id in
 * use) or -ENOMEM. The table itself is checked when the update is applied.
 */
int ksplice_register_update(const struct ksplice_update *update);
/* Removes the update's directory; it must not be applied. */
void ksplice_unregister_update(const struct ksplice_update *update);

/* One table entry: replace old_name by new_fn. */
#define KSPLICE_PATCH(old_name, new_fn) \
	{ .new_addr = (unsigned long)(new_fn), .name = #old_name }

/* One entry that only makes the stack check cover old_name. */
#define KSPLICE_CHECK_ONLY(old_name) \
	{ .flags = KSPLICE_PATCH_CHECK_ONLY, .name = #old_name }

/* Declares the module's patch table (user space reads it from the file). */
#define KSPLICE_PATCH_TABLE(table) \
	static struct ksplice_patch table[] __used \
		__section(KSPLICE_PATCHES_SECTION) __aligned(8)

/* Declares the module's relocation table (struct ksplice_reloc). */
#define KSPLICE_RELOC_TABLE(table) \
	static const struct ksplice_reloc table[] __used __aligned(8)

/*
 * Writes the update module's init and exit around one patch table, a
 * relocation table (KSPLICE_DEFINE_UPDATE: none) and the update's facts
 * (KSPLICE_DEFINE_UPDATE_RELOCS: none).
 */
#define KSPLICE_DEFINE_UPDATE_FACTS(update_id, update_description, cve_ids, \
				    brings_version, table, reloc_table,	\
				    reloc_count)				\
	static const struct ksplice_update table##_update = {		\
		.api_version = KSPLICE_API_VERSION,			\
		.nr_patches = ARRAY_SIZE(table),			\
		.id = update_id,					\
		.description = update_description,			\
		.patches = table,					\
		.owner = THIS_MODULE,					\
		.relocs = reloc_table,					\
		.nr_relocs = reloc_count,				\
		.cves = cve_ids,					\
		.brings = brings_version,				\
	};								\
	static int __init table##_init(void)				\
	{								\
		return ksplice_register_update(&table##_update);	\
	}								\
	static void __exit table##_exit(void)				\
	{								\
		ksplice_unregister_update(&table##_update);		\
	}								\
	module_init(table##_init);					\
	module_exit(table##_exit)

#define KSPLICE_DEFINE_UPDATE_RELOCS(update_id, update_description, table, \
				     reloc_table, reloc_count)		\
	KSPLICE_DEFINE_UPDATE_FACTS(update_id, update_description, NULL, \
				    NULL, table, reloc_table, reloc_count)

/* Declares the module's early references (struct ksplice_early_reloc). */
#define KSPLICE_EARLY_TABLE(table) \
	static const struct ksplice_early_reloc table[] __used __aligned(8)

/* The symbol the helper looks for when the update module comes. */
#define KSPLICE_DEFINE_EARLY(table)					\
	const struct ksplice_early_relocs ksplice_early_relocs __used = { \
		.api_version = KSPLICE_API_VERSION,			\
		.nr_relocs = ARRAY_SIZE(table),				\
		.relocs = table,					\
	}

#define KSPLICE_DEFINE_UPDATE(update_id, update_description, table)	\
	KSPLICE_DEFINE_UPDATE_RELOCS(update_id, update_description, table, \
				     NULL, 0)
#endif /* __KERNEL__ */

#endif /* KSPLICE_UPDATE_H */
