/*
 * How the running kernel protects itself from what ksplice does: lockdown
 * (integrity: only signed modules load; confidentiality: also no
 * /proc/kcore, no kprobes) and module signature enforcement
 * (module.sig_enforce=1, or CONFIG_MODULE_SIG_FORCE). Read before anything
 * is loaded, so a refusal can name its cause and change nothing.
 */
#ifndef KSPLICE_KERNEL_PROTECTION_H
#define KSPLICE_KERNEL_PROTECTION_H

#include "error.h"

#include <stddef.h>

enum ksp_lockdown {
	KSP_LOCKDOWN_NONE,
	KSP_LOCKDOWN_INTEGRITY,
	KSP_LOCKDOWN_CONFIDENTIALITY,
};

/* The active level: securityfs's lockdown file ("none [integrity]
 * confidentiality"), else the lockdown= boot parameter; root, which these
 * files are under, is only needed for the first. */
enum ksp_lockdown ksp_lockdown_level(void);

const char *ksp_lockdown_name(enum ksp_lockdown level);

/* 1 when the kernel loads only modules signed by a key it trusts. */
int ksp_module_sig_enforced(void);

/* Refuses, before it is loaded, a module the kernel will refuse for want
 * of a signature (what names it in messages); -1 with err
 * (KSP_E_LOCKDOWN, KSP_E_MODULE_UNTRUSTED). */
int ksp_check_loadable(const void *image, size_t len, const char *what, struct ksp_error *err);

/* Why init_module failed with errno for a module (what), in words and
 * kind: lockdown, an untrusted or missing signature, else the errno. */
int ksp_explain_load_failure(int error, const void *image, size_t len, const char *what,
			     struct ksp_error *err);

/* Opening /proc/kcore failed: under confidentiality lockdown that is why,
 * else root is missing. */
int ksp_explain_kcore_failure(const char *why, struct ksp_error *err);

#endif
