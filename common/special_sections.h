/*
 * The kernel's special sections: the tables it walks at boot or module load
 * to rewrite or look up code (alternatives, jump labels, static calls, ftrace
 * call sites, return and retpoline thunks, lock prefixes, paravirt sites,
 * bug and exception tables, ORC), one row per section, with the layout of an
 * entry and what extraction, the matcher and run-pre matching each do with
 * it. Layouts are those of x86-64 (arch/x86/include/asm/alternative.h,
 * jump_label.h, static_call_types.h, bug.h, extable.h, paravirt_types.h,
 * orc_types.h); each consumer reads them from here and nowhere else.
 */
#ifndef KSPLICE_SPECIAL_SECTIONS_H
#define KSPLICE_SPECIAL_SECTIONS_H

#include <stddef.h>
#include <stdint.h>

/* What a field of an entry is to the consumers. */
enum ksp_field_role {
	KSP_FIELD_NONE,
	KSP_FIELD_SITE,		   /* the code the entry belongs to (its owner) */
	KSP_FIELD_SITE_LEN,	   /* bytes of code at the site the kernel rewrites */
	KSP_FIELD_REPLACEMENT,	   /* code outside any function (.altinstr_replacement) */
	KSP_FIELD_REPLACEMENT_LEN, /* its length */
	KSP_FIELD_TARGET,	   /* a jump label's target, in the site's section */
	KSP_FIELD_LINE,		   /* __LINE__: may change without the code changing */
	KSP_FIELD_KEY,		   /* the static key or static call key the loader links
				    * the site into when the module comes */
	KSP_FIELD_ALT_FLAGS,	   /* an alternative's flags (ALT_FLAG_*, 6.3 on) */
};

/* ALT_FLAG_DIRECT_CALL: the replacement `call BUG_func` becomes, at boot, a
 * direct call to the function in the pv_ops slot the original calls
 * through (nops for nop_func). */
#define KSP_ALT_FLAG_DIRECT_CALL 0x2

struct ksp_special_field {
	const char *name; /* as the kernel's struct calls it */
	unsigned offset, size;
	int reloc; /* a relocated pointer or displacement */
	enum ksp_field_role role;
};

#define KSP_SPECIAL_MAX_FIELDS 6

/* Extraction (ksplice-create): which entries go with the carried code. */
enum ksp_extract_use {
	KSP_EXTRACT_NONE,
	KSP_EXTRACT_FILTER,	 /* entries whose site is carried code */
	KSP_EXTRACT_PARALLEL,	 /* entry i goes with entry i of the leader */
	KSP_EXTRACT_WITH_LEADER, /* whole, when the leader keeps an entry */
	KSP_EXTRACT_WHEN_USED,	 /* whole, when carried code refers to it */
	/* whole, when carried code refers to it, with the read-only data its
	 * entries point to: descriptors the kernel reads at load */
	KSP_EXTRACT_DESCRIPTORS,
};

/* The matcher: entries of functions found unchanged are compared. */
enum ksp_match_use {
	KSP_MATCH_NONE,
	KSP_MATCH_COMPARE,
};

/* Run-pre matching: the places the kernel rewrites at run time. */
enum ksp_site_kind {
	KSP_SITE_NONE = -1,
	KSP_SITE_FENTRY,
	KSP_SITE_RETURN,
	KSP_SITE_RETPOLINE,
	KSP_SITE_ALTERNATIVE,
	KSP_SITE_JUMP_LABEL,
	KSP_SITE_STATIC_CALL,
	KSP_SITE_LOCK,
	KSP_SITE_PARAVIRT,
	KSP_SITE_ENDBR,
	/* runtime_const_ptr()/_shift_right_32() (6.12, vmlinux only): an
	 * immediate inside an instruction, set at boot to a variable's value;
	 * the variable is the section's name after the row's prefix */
	KSP_SITE_RUNTIME_CONST,
	/* objtool's .call_sites: direct calls that call depth tracking
	 * (retbleed=stuff) points at the accounting thunk the kernel writes
	 * into the callee's padding, at boot or module load */
	KSP_SITE_CALL_THUNK,
};

struct ksp_special_section {
	const char *name;
	/* bytes of an entry; 0 for a section of code rather than a table
	 * (then each function in it is a site) */
	unsigned entry_size;
	/* the entry size of a variant layout told apart by its relocations
	 * (__bug_table without CONFIG_DEBUG_BUGVERBOSE: no file, no line), 0 if
	 * none */
	unsigned compact_entry_size;
	struct ksp_special_field fields[KSP_SPECIAL_MAX_FIELDS];
	enum ksp_extract_use extract;
	const char *leader; /* KSP_EXTRACT_PARALLEL and _WITH_LEADER */
	int name_is_prefix; /* one table per section named name + SUFFIX */
	enum ksp_match_use match;
	enum ksp_site_kind site;
	unsigned site_len; /* bytes the kernel rewrites at a site, 0: decided
			    * from the code (or a KSP_FIELD_SITE_LEN field) */
};

extern const struct ksp_special_section ksp_special_sections[];
extern const size_t ksp_nspecial_sections;

/* The row of section name, or NULL (the first, for a table whose layout
 * changed between kernels: enough for what all layouts share). */
const struct ksp_special_section *ksp_special_section(const char *name);

/* The fields of an entry that hold a relocation. */
unsigned ksp_special_relocated_fields(const struct ksp_special_section *row);

/* A table whose entry layout changed between kernels (struct alt_instr in
 * 6.3) has a row per layout; a section fits a row when its size is a
 * multiple of the entry and it has a relocation per relocated field of
 * each entry. Rows of a table with one layout always fit. */
int ksp_special_layout_fits(const struct ksp_special_section *row, uint64_t size, size_t nrelocs);

/* Is section (a name) one of row's tables: its name, or its prefix and
 * more for a row with name_is_prefix? */
int ksp_special_names(const struct ksp_special_section *row, const char *section);

/* The field of a row with role, or NULL. */
const struct ksp_special_field *ksp_special_field(const struct ksp_special_section *row,
						  enum ksp_field_role role);

/* Name of a run-time patch site kind ("fentry", "jump label", ...). */
const char *ksp_site_kind_name(enum ksp_site_kind kind);

#endif
