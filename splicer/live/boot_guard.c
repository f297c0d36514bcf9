/* The crash-loop guard's decisions (boot_guard.h). */
#include "boot_guard.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void ksp_guard_format(const struct ksp_guard_marker *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s %lld %lld\n", m->boot_id, m->realtime, m->boottime);
}

int ksp_guard_parse(const char *line, struct ksp_guard_marker *m)
{
	char extra;
	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%39s %lld %lld %c", m->boot_id, &m->realtime, &m->boottime, &extra) !=
		    3 ||
	    m->realtime < 0 || m->boottime < 0)
		return -1;
	return 0;
}

enum ksp_guard_verdict ksp_guard_decide(int tripped, const struct ksp_guard_marker *marker,
					const char *boot_id)
{
	if (tripped)
		return KSP_GUARD_STILL_TRIPPED;
	if (!marker)
		return KSP_GUARD_APPLY;
	return strcmp(marker->boot_id, boot_id) ? KSP_GUARD_TRIP : KSP_GUARD_AGAIN;
}

long long ksp_guard_settle_wait(const struct ksp_guard_marker *marker, const char *boot_id,
				long long now_boottime, long long window)
{
	if (strcmp(marker->boot_id, boot_id))
		return -1;
	long long age = now_boottime - marker->boottime;
	return age >= window ? 0 : window - age;
}

void ksp_boot_record_format(const struct ksp_boot_record *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s %lld %s %s\n", r->boot_id, r->at, r->result, r->message);
}

int ksp_boot_record_parse(const char *line, struct ksp_boot_record *r)
{
	int at = 0;
	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%39s %lld %15s %n", r->boot_id, &r->at, r->result, &at) != 3 || !at)
		return -1;
	snprintf(r->message, sizeof(r->message), "%s", line + at);
	r->message[strcspn(r->message, "\n")] = '\0';
	return 0;
}

void ksp_guard_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

void ksp_guard_now(struct ksp_guard_marker *m)
{
	struct timespec ts;
	memset(m, 0, sizeof(*m));
	ksp_guard_boot_id(m->boot_id, sizeof(m->boot_id));
	if (!m->boot_id[0])
		snprintf(m->boot_id, sizeof(m->boot_id), "unknown");
	m->realtime = (long long)time(NULL);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	m->boottime = (long long)ts.tv_sec;
}
