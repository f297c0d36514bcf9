/* The table of the kernel's special sections (see special_sections.h). */
#include "special_sections.h"

#include <string.h>

/* A relocated 32-bit displacement or 64-bit pointer to the code an entry
 * belongs to: the first field of every table. */
#define SITE32(n)                                                                                  \
	{                                                                                          \
		n, 0, 4, 1, KSP_FIELD_SITE                                                         \
	}
#define SITE64(n)                                                                                  \
	{                                                                                          \
		n, 0, 8, 1, KSP_FIELD_SITE                                                         \
	}

/* The matcher reports the first difference it finds, table by table in
 * this order: keep the rows it compares first. */
const struct ksp_special_section ksp_special_sections[] = {
	{
		.name = "__bug_table", /* struct bug_entry, CONFIG_DEBUG_BUGVERBOSE */
		.entry_size = 12,
		.compact_entry_size = 8, /* without it: bug_addr_disp, flags */
		.fields = {SITE32("bug_addr_disp"),
			   {"file_disp", 4, 4, 1, KSP_FIELD_NONE},
			   {"line", 8, 2, 0, KSP_FIELD_LINE},
			   {"flags", 10, 2, 0, KSP_FIELD_NONE}},
		.extract = KSP_EXTRACT_FILTER,
		.match = KSP_MATCH_COMPARE,
		.site = KSP_SITE_NONE,
	},
	{
		.name = "__ex_table", /* struct exception_table_entry */
		.entry_size = 12,
		.fields = {SITE32("insn"),
			   {"fixup", 4, 4, 1, KSP_FIELD_NONE},
			   {"data", 8, 4, 0, KSP_FIELD_NONE}},
		.extract = KSP_EXTRACT_FILTER,
		.match = KSP_MATCH_COMPARE,
		.site = KSP_SITE_NONE,
	},
	{
		.name = ".altinstructions", /* struct alt_instr, __packed, to 6.2 */
		.entry_size = 12,
		.fields = {SITE32("instr_offset"),
			   {"repl_offset", 4, 4, 1, KSP_FIELD_REPLACEMENT},
			   {"cpuid", 8, 2, 0, KSP_FIELD_NONE},
			   {"instrlen", 10, 1, 0, KSP_FIELD_SITE_LEN},
			   {"replacementlen", 11, 1, 0, KSP_FIELD_REPLACEMENT_LEN}},
		.extract = KSP_EXTRACT_FILTER,
		.match = KSP_MATCH_COMPARE,
		.site = KSP_SITE_ALTERNATIVE,
	},
	{
		/* struct alt_instr from 6.3 on: ft_flags, the cpuid and the
		 * flags (ALT_FLAG_NOT, ALT_FLAG_DIRECT_CALL) in 16 bits each */
		.name = ".altinstructions",
		.entry_size = 14,
		.fields = {SITE32("instr_offset"),
			   {"repl_offset", 4, 4, 1, KSP_FIELD_REPLACEMENT},
			   {"cpuid", 8, 2, 0, KSP_FIELD_NONE},
			   {"flags", 10, 2, 0, KSP_FIELD_ALT_FLAGS},
			   {"instrlen", 12, 1, 0, KSP_FIELD_SITE_LEN},
			   {"replacementlen", 13, 1, 0, KSP_FIELD_REPLACEMENT_LEN}},
		.extract = KSP_EXTRACT_FILTER,
		.match = KSP_MATCH_COMPARE,
		.site = KSP_SITE_ALTERNATIVE,
	},
	{
		.name = "__jump_table", /* struct jump_entry */
		.entry_size = 16,
		.fields = {SITE32("code"),
			   {"target", 4, 4, 1, KSP_FIELD_TARGET},
			   {"key", 8, 8, 1, KSP_FIELD_KEY}},
		.extract = KSP_EXTRACT_FILTER,
		.match = KSP_MATCH_COMPARE,
		.site = KSP_SITE_JUMP_LABEL,
	},
	{
		.name = ".static_call_sites", /* struct static_call_site */
		.entry_size = 8,
		.fields = {SITE32("addr"), {"key", 4, 4, 1, KSP_FIELD_KEY}},
		.extract = KSP_EXTRACT_FILTER,
		.match = KSP_MATCH_COMPARE,
		.site = KSP_SITE_STATIC_CALL,
		.site_len = 5, /* call or jmp rel32 */
	},
	{
		.name = ".parainstructions", /* struct paravirt_patch_site */
		.entry_size = 16,
		.fields = {SITE64("instr"),
			   {"type", 8, 1, 0, KSP_FIELD_NONE},
			   {"len", 9, 1, 0, KSP_FIELD_SITE_LEN}},
		.extract = KSP_EXTRACT_FILTER,
		.match = KSP_MATCH_COMPARE,
		.site = KSP_SITE_PARAVIRT,
	},
	{
		.name = "__mcount_loc", /* ftrace: the call __fentry__ of each function */
		.entry_size = 8,
		.fields = {SITE64("ip")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_FENTRY,
		.site_len = 5, /* nopped at boot */
	},
	{
		.name = ".return_sites", /* objtool: jmp __x86_return_thunk */
		.entry_size = 4,
		.fields = {SITE32("site")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_RETURN,
		.site_len = 5,
	},
	{
		.name = ".retpoline_sites", /* objtool: call/jmp __x86_indirect_thunk_* */
		.entry_size = 4,
		.fields = {SITE32("site")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_RETPOLINE,
	},
	{
		/* objtool --ibt: ENDBRs no indirect branch needs, which the
		 * kernel seals (poison_endbr()) at boot or module load */
		.name = ".ibt_endbr_seal",
		.entry_size = 4,
		.fields = {SITE32("site")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_ENDBR,
		.site_len = 4,
	},
	{
		/* runtime_const_ptr(SYM): the imm64 of a movabs */
		.name = "runtime_ptr_",
		.name_is_prefix = 1,
		.entry_size = 4,
		.fields = {SITE32("imm")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_RUNTIME_CONST,
		.site_len = 8,
	},
	{
		/* runtime_const_shift_right_32(val, SYM): the imm8 of a shrl */
		.name = "runtime_shift_",
		.name_is_prefix = 1,
		.entry_size = 4,
		.fields = {SITE32("imm")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_RUNTIME_CONST,
		.site_len = 1,
	},
	{
		/* objtool --hacks=skylake: call rel32. Not carried: the loader
		 * would point the new code's calls at thunks before kmod-helper
		 * wrote where they go, so the new code calls without call depth
		 * accounting (README, limitations) */
		.name = ".call_sites",
		.entry_size = 4,
		.fields = {SITE32("site")},
		.extract = KSP_EXTRACT_NONE,
		.site = KSP_SITE_CALL_THUNK,
		.site_len = 5,
	},
	{
		.name = ".smp_locks", /* lock prefixes, nopped on one CPU */
		.entry_size = 4,
		.fields = {SITE32("lock")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_LOCK,
		.site_len = 1,
	},
	{
		.name = ".orc_unwind_ip",
		.entry_size = 4,
		.fields = {SITE32("ip")},
		.extract = KSP_EXTRACT_FILTER,
		.site = KSP_SITE_NONE,
	},
	{
		.name = ".orc_unwind", /* struct orc_entry: entry i describes ip i */
		.entry_size = 6,
		.fields = {{"sp_offset", 0, 2, 0, KSP_FIELD_NONE},
			   {"bp_offset", 2, 2, 0, KSP_FIELD_NONE},
			   {"flags", 4, 2, 0, KSP_FIELD_NONE}},
		.extract = KSP_EXTRACT_PARALLEL,
		.leader = ".orc_unwind_ip",
		.site = KSP_SITE_NONE,
	},
	{
		.name = ".altinstr_replacement", /* code the repl_offset fields point at */
		.extract = KSP_EXTRACT_WITH_LEADER,
		.leader = ".altinstructions",
		.site = KSP_SITE_NONE,
	},
	{
		.name = ".altinstr_aux", /* static_cpu_has() slow paths */
		.extract = KSP_EXTRACT_WHEN_USED,
		.site = KSP_SITE_NONE,
	},
	{
		/* dynamic debug descriptors (struct _ddebug, one per pr_debug()
		 * site; with jump labels the site's static key is inside it).
		 * The loader registers a module's under the module's name
		 * (dynamic_debug_setup()) and may apply dyndbg= queries, which
		 * read their strings, before the helper could write anything:
		 * the update brings its own, with their strings, and its jump
		 * labels' keys are then its own. */
		.name = "__dyndbg",
		.extract = KSP_EXTRACT_DESCRIPTORS,
		.site = KSP_SITE_NONE,
	},
	{
		/* static call trampolines, rewritten whole by
		 * static_call_update(): each is a site */
		.name = ".static_call.text",
		.site = KSP_SITE_STATIC_CALL,
		.site_len = 5,
	},
};

const size_t ksp_nspecial_sections = sizeof(ksp_special_sections) / sizeof(ksp_special_sections[0]);

int ksp_special_names(const struct ksp_special_section *row, const char *section)
{
	if (row->name_is_prefix)
		return strncmp(section, row->name, strlen(row->name)) == 0 &&
		       section[strlen(row->name)];
	return strcmp(section, row->name) == 0;
}

const struct ksp_special_section *ksp_special_section(const char *name)
{
	for (size_t i = 0; i < ksp_nspecial_sections; i++)
		if (ksp_special_names(&ksp_special_sections[i], name))
			return &ksp_special_sections[i];
	return NULL;
}

unsigned ksp_special_relocated_fields(const struct ksp_special_section *row)
{
	unsigned n = 0;
	for (size_t i = 0; i < KSP_SPECIAL_MAX_FIELDS && row->fields[i].name; i++)
		n += row->fields[i].reloc;
	return n;
}

static int has_other_layout(const struct ksp_special_section *row)
{
	for (size_t i = 0; i < ksp_nspecial_sections; i++)
		if (&ksp_special_sections[i] != row &&
		    strcmp(ksp_special_sections[i].name, row->name) == 0)
			return 1;
	return 0;
}

int ksp_special_layout_fits(const struct ksp_special_section *row, uint64_t size, size_t nrelocs)
{
	if (!row->entry_size || !has_other_layout(row))
		return 1;
	return size % row->entry_size == 0 &&
	       nrelocs == (size_t)ksp_special_relocated_fields(row) * (size / row->entry_size);
}

const struct ksp_special_field *ksp_special_field(const struct ksp_special_section *row,
						  enum ksp_field_role role)
{
	for (size_t i = 0; i < KSP_SPECIAL_MAX_FIELDS && row->fields[i].name; i++)
		if (row->fields[i].role == role)
			return &row->fields[i];
	return NULL;
}

const char *ksp_site_kind_name(enum ksp_site_kind kind)
{
	static const char *const names[] = {
		"fentry",     "return thunk",	   "retpoline",	 "alternative",
		"jump label", "static call",	   "smp lock",	 "paravirt",
		"endbr",      "run-time constant", "call thunk",
	};
	return kind >= KSP_SITE_FENTRY && kind <= KSP_SITE_CALL_THUNK ? names[kind] : "?";
}
