/*
 * What an update file (ksplice-<id>.tar.gz, container format in package.h)
 * holds:
 *   metadata        KEY=VALUE lines: API_VERSION, ID, DESCRIPTION,
 *                   KERNEL_RELEASE, BUILD_ID (of the target vmlinux, when the
 *                   tree knows it), COMPILER, TOOL_VERSION, CREATED (UTC), and
 *                   per unit UNIT=obj, CHANGED=obj:function, NEW=obj:function,
 *                   NEW_DATA=obj:variable, EXTERNAL=binding key of the
 *                   update module's relocation table, which ksplice-apply
 *                   resolves and kmod-helper writes (the module file is never
 *                   modified); AFTER=ID per
 *                   earlier update it was made on top of (ksplice-create
 *                   --after), which must be applied first (metadata.h reads
 *                   and writes them); CVE=ID per vulnerability it fixes
 *                   and BRINGS=VERSION (the kernel package version whose
 *                   fix it carries), each only when given;
 *   update.ko       the update module (update_module.h);
 *   patch           the diff it was made from;
 *   pre/UNIT        the pre object of each unit, for run-pre matching;
 *   SHA256SUMS      the checksum of every other member.
 */
#ifndef KSPLICE_UPDATE_FILE_H
#define KSPLICE_UPDATE_FILE_H

#include "error.h"

#include <stddef.h>

#define KSP_UPDATE_METADATA "metadata"
#define KSP_UPDATE_MODULE "update.ko"
#define KSP_UPDATE_PATCH "patch"
#define KSP_UPDATE_PRE_DIR "pre/"

/* A fresh 8-character id of [a-z0-9], as Ksplice's. */
int ksp_update_id_make(char id[9]);
int ksp_update_id_valid(const char *id);

/* The metadata's API_VERSION: kmod-helper's KSPLICE_API_VERSION that the
 * update module is built for (apply.c checks they agree, and refuses a file
 * made for another). 3: the module carries a relocation table and gets its
 * plan through sysfs; 4: and the update's facts (CVE ids, the version it
 * brings), which version 3 files read as none. */
#define KSP_UPDATE_API_VERSION 4

/* kmod-helper's KSPLICE_DESCRIPTION_MAX (apply.c checks they agree). */
#define KSP_DESCRIPTION_MAX 255

/* A description as the update carries it (metadata, update module, the
 * helper's sysfs): one line, control characters turned into spaces, cut to
 * KSP_DESCRIPTION_MAX bytes (not inside a UTF-8 sequence), trailing
 * spaces removed. out needs KSP_DESCRIPTION_MAX + 1 bytes. */
void ksp_description_clean(const char *in, char *out);

/* kmod-helper's KSPLICE_CVES_MAX, KSPLICE_VERSION_MAX and
 * KSPLICE_SIGNER_MAX (helper_client.c checks they agree): bytes of the
 * update's CVE ids joined by spaces, of the version it brings, of the
 * signer ksplice-apply verified. */
#define KSP_CVES_MAX 1023
#define KSP_VERSION_MAX 63
#define KSP_SIGNER_MAX 255

/* A CVE id as MITRE assigns them: CVE-YYYY-NNNN, 4 to 19 digits after the
 * year, upper case. */
int ksp_cve_valid(const char *s);
/* A Debian package version as dpkg accepts it, [EPOCH:]UPSTREAM[-REVISION]:
 * UPSTREAM starts with a digit; letters, digits and . + ~ only, a '-' only
 * before a revision, a ':' only after an epoch; 1 to KSP_VERSION_MAX
 * bytes. */
int ksp_version_valid(const char *s);
/* Orders two valid versions as dpkg --compare-versions does: <0, 0, >0. */
int ksp_version_cmp(const char *a, const char *b);

#endif
