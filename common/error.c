#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const code_names[KSP_E_COUNT] = {
	[KSP_E_UNSET] = "ok",
	[KSP_E_USAGE] = "usage",
	[KSP_E_INTERNAL] = "internal",
	[KSP_E_PERMISSION] = "not_root",
	[KSP_E_INPUT] = "bad_input",
	[KSP_E_INTERRUPTED] = "interrupted",
	[KSP_E_TREE] = "bad_tree",
	[KSP_E_BAD_DIFF] = "bad_diff",
	[KSP_E_NO_APPLY] = "does_not_apply",
	[KSP_E_REFUSED] = "refused",
	[KSP_E_COMPILER] = "wrong_compiler",
	[KSP_E_BUILD] = "build_failed",
	[KSP_E_TOOL] = "tool_missing",
	[KSP_E_BAD_AFTER] = "bad_after",
	[KSP_E_NO_CHANGES] = "no_changes",
	[KSP_E_OUTPUT] = "bad_output",
	[KSP_E_BAD_FACT] = "bad_fact",
	[KSP_E_BAD_FILE] = "bad_file",
	[KSP_E_WRONG_KERNEL] = "wrong_kernel",
	[KSP_E_NO_MATCH] = "no_match",
	[KSP_E_CODE_BUSY] = "code_busy",
	[KSP_E_HELPER_REFUSED] = "refused",
	[KSP_E_LOAD] = "load_failed",
	[KSP_E_NEEDS_EARLIER] = "needs_earlier",
	[KSP_E_OTHER_API] = "other_api",
	[KSP_E_NO_SUCH_UPDATE] = "no_such_update",
	[KSP_E_HAS_DEPENDENTS] = "has_dependents",
	[KSP_E_LOCKDOWN] = "lockdown",
	[KSP_E_MODULE_UNTRUSTED] = "module_untrusted",
	[KSP_E_REDIRECTED] = "redirected",
	[KSP_E_TARGET_ABSENT] = "target_absent",
	[KSP_E_THREADS_STUCK] = "threads_stuck",
	[KSP_E_MISMATCH] = "mismatch",
	[KSP_E_BAD_OBJECT] = "bad_object",
	[KSP_E_UNRELATED] = "unrelated",
	[KSP_E_SIGN_KEY] = "bad_sign_key",
	[KSP_E_UNSIGNED] = "unsigned",
	[KSP_E_BAD_SIGNATURE] = "bad_signature",
	[KSP_E_UNTRUSTED] = "untrusted_signer",
	[KSP_E_TRUST_STORE] = "bad_trust_store",
	[KSP_E_STATE_DIR] = "bad_state_dir",
	[KSP_E_NOT_KEPT] = "earlier_not_kept",
	[KSP_E_GUARD] = "guard_tripped",
	[KSP_E_BOOT_PARTIAL] = "boot_incomplete",
};

static int vfail(struct ksp_error *err, enum ksp_code code, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int ksp_fail(struct ksp_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, KSP_E_UNSET, fmt, ap);
	va_end(ap);
	return -1;
}

int ksp_failc(struct ksp_error *err, enum ksp_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

enum ksp_code ksp_error_code(const struct ksp_error *err, enum ksp_code fallback)
{
	return err && err->code != KSP_E_UNSET ? err->code : fallback;
}

const char *ksp_code_name(enum ksp_code code)
{
	return code >= 0 && code < KSP_E_COUNT && code_names[code] ? code_names[code] : "internal";
}

int ksp_exit_status(const struct ksp_exit_map *map, enum ksp_code code)
{
	if (code == KSP_E_UNSET)
		return 0;
	for (const struct ksp_exit_map *m = map; m->status >= 0; m++)
		if (m->code == code)
			return m->status;
	return code == KSP_E_INTERNAL ? 1 : ksp_exit_status(map, KSP_E_INTERNAL);
}

enum ksp_code ksp_exit_code(const struct ksp_exit_map *map, int status)
{
	for (const struct ksp_exit_map *m = map; m->status >= 0; m++)
		if (m->status == status)
			return m->code;
	return KSP_E_INTERNAL;
}
