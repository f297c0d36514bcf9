/*
 * The running kernel as fleets see it: its build id, and the effective
 * kernel that ksplice-view --uname prints, uname-like, for scanners and
 * scripts.
 *
 * Effective: the release (uname -r) is the kernel's ABI name and stays; the
 * version (uname -v) gains the newest package version an applied update
 * brings (ksplice-create --brings), where Debian writes its package
 * version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)" with an
 * update bringing 6.1.192-3 is "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3
 * (2026-11-16)", the string the package 6.1.192-3 would have booted with
 * but its date. A version that is not newer than the one booted changes
 * nothing; a version string that names no Debian version gets
 * " +ksplice VERSION" appended. With nothing brought, exactly uname's.
 */
#ifndef KSPLICE_KERNEL_IDENTITY_H
#define KSPLICE_KERNEL_IDENTITY_H

#include <stddef.h>
#include <sys/utsname.h>

/* The running kernel's GNU build id in hex, from /sys/kernel/notes; -1
 * when it names none. */
int ksp_running_build_id(char *hex, size_t len);

/* The newest of brings and newest (either may be NULL or ""), as
 * dpkg orders versions. */
const char *ksp_newer_version(const char *newest, const char *brings);

/* uname -v of the kernel booted with version string base, running updates
 * that bring the version brings (NULL or "": none). */
void ksp_effective_version(const char *base, const char *brings, char *out, size_t len);

/* uname's fields, in its order; -a is every one. */
enum {
	KSP_UNAME_SYSNAME = 1,
	KSP_UNAME_NODENAME = 2,
	KSP_UNAME_RELEASE = 4,
	KSP_UNAME_VERSION = 8,
	KSP_UNAME_MACHINE = 16,
	KSP_UNAME_OS = 32, /* "GNU/Linux", as uname -o */
	KSP_UNAME_ALL = 63,
};

/* What uname with fields prints (without its newline), for the kernel u
 * running updates that bring brings; no field: the system name, as
 * uname with no option. */
void ksp_uname_line(const struct utsname *u, const char *brings, unsigned fields, char *out,
		    size_t len);

#endif
