/*
 * The crash-loop guard of the boot-time apply (ksplice-boot).
 *
 * The rule: before it applies the kept updates, ksplice-boot writes the
 * marker `guard` ("BOOT_ID REALTIME BOOTTIME", fsync'ed). The marker of a
 * boot is removed by that boot only: at a clean shutdown (the unit's
 * ExecStop, `ksplice-boot --shutdown`), or once the system has stayed up
 * the window (default 300 s of CLOCK_BOOTTIME since it was written;
 * `ksplice-boot --settle`, from ksplice-settle.timer). A boot that finds
 * the marker of another boot knows that boot went down without either:
 * within the window of applying the kept updates, and not cleanly. The guard
 * trips: `guard-tripped` keeps that marker and every later boot skips the
 * kept updates, saying so in the kernel log and ksplice-view, until root
 * runs `ksplice-boot --rearm`. A boot that finds its own marker (the unit
 * started again) applies what is not applied yet.
 */
#ifndef KSPLICE_BOOT_GUARD_H
#define KSPLICE_BOOT_GUARD_H

#include <stddef.h>

#define KSP_GUARD_MARKER "guard"
#define KSP_GUARD_TRIPPED "guard-tripped"
#define KSP_GUARD_LAST_BOOT "last-boot"
#define KSP_GUARD_WINDOW_DEFAULT 300

struct ksp_guard_marker {
	char boot_id[40];
	long long realtime; /* seconds since the epoch */
	long long boottime; /* seconds of CLOCK_BOOTTIME */
};

/* "BOOT_ID REALTIME BOOTTIME" into buf. */
void ksp_guard_format(const struct ksp_guard_marker *m, char *buf, size_t len);
/* The reverse; -1 for a malformed line. */
int ksp_guard_parse(const char *line, struct ksp_guard_marker *m);

enum ksp_guard_verdict {
	KSP_GUARD_APPLY,	/* no marker: write one, apply */
	KSP_GUARD_AGAIN,	/* this boot's marker: the unit ran again, apply the rest */
	KSP_GUARD_TRIP,		/* another boot's marker: it went down within the window */
	KSP_GUARD_STILL_TRIPPED /* tripped earlier, not re-armed */
};

/* What a boot does: tripped says whether guard-tripped exists, marker is
 * NULL when there is none. */
enum ksp_guard_verdict ksp_guard_decide(int tripped, const struct ksp_guard_marker *marker,
					const char *boot_id);

/* --settle: how many seconds until marker may be removed at boottime now
 * with window (0: now); -1 when it is not this boot's (the next boot must
 * see it). */
long long ksp_guard_settle_wait(const struct ksp_guard_marker *marker, const char *boot_id,
				long long now_boottime, long long window);

/* last-boot: what the boot-time apply of a boot did, for ksplice-view:
 * "BOOT_ID REALTIME RESULT MESSAGE", RESULT one of applied, incomplete,
 * skipped, none. */
struct ksp_boot_record {
	char boot_id[40];
	long long at;
	char result[16];
	char message[400];
};
void ksp_boot_record_format(const struct ksp_boot_record *r, char *buf, size_t len);
int ksp_boot_record_parse(const char *line, struct ksp_boot_record *r);

/* This boot's id (/proc/sys/kernel/random/boot_id); "" if unknown. */
void ksp_guard_boot_id(char *buf, size_t len);
/* This boot's marker, now. */
void ksp_guard_now(struct ksp_guard_marker *m);

#endif
