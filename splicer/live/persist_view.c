/* Kept updates and the boot-time apply, as ksplice-view shows them
 * (persist_view.h). */
#include "persist_view.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

void ksp_persist_view_load(struct ksp_persist_view *v)
{
	struct utsname u;
	struct ksp_error err = {0};
	char line[600], boot_id[40];
	memset(v, 0, sizeof(*v));
	uname(&u);
	ksp_state_dir(u.release, v->dir, sizeof(v->dir));
	/* An absent directory: nothing kept, which is known. */
	v->readable = ksp_kept_list(v->dir, &v->kept, &err) == 0;
	if (!v->readable)
		return;
	v->tripped = ksp_state_read_line(v->dir, KSP_GUARD_TRIPPED, line, sizeof(line)) == 0;
	if (v->tripped)
		ksp_guard_parse(line, &v->tripped_by);
	ksp_guard_boot_id(boot_id, sizeof(boot_id));
	v->booted = ksp_state_read_line(v->dir, KSP_GUARD_LAST_BOOT, line, sizeof(line)) == 0 &&
		    ksp_boot_record_parse(line, &v->boot) == 0 && !strcmp(v->boot.boot_id, boot_id);
}

void ksp_persist_view_free(struct ksp_persist_view *v)
{
	ksp_kept_list_free(&v->kept);
}

int ksp_persist_view_kept(const struct ksp_persist_view *v, const char *id)
{
	return v->readable && ksp_kept_find(&v->kept, id) != NULL;
}

static void utc(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	buf[0] = '\0';
	if (t > 0 && gmtime_r(&tt, &tm))
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void ksp_persist_view_print(const struct ksp_persist_view *v)
{
	if (!v->readable)
		return;
	if (v->kept.n) {
		printf("kept for boot (%s):", v->dir);
		for (size_t i = 0; i < v->kept.n; i++)
			printf("%s %s", i ? "," : "", v->kept.v[i].id);
		printf("\n");
	}
	if (v->tripped) {
		char when[64];
		utc(v->tripped_by.realtime, when, sizeof(when));
		printf("boot: crash guard tripped: the boot that applied the kept updates at %s "
		       "went down without a clean shutdown soon after; kept updates are skipped "
		       "at boot until ksplice-boot --rearm\n",
		       when[0] ? when : "(unknown)");
	}
	if (v->booted)
		printf("boot: this boot's ksplice-boot: %s\n", v->boot.message);
}

void ksp_persist_view_json(struct ksp_json *j, const struct ksp_persist_view *v)
{
	if (!v->readable) {
		ksp_json_null(j, "persistence");
		return;
	}
	ksp_json_object(j, "persistence");
	ksp_json_str(j, "state_dir", v->dir);
	ksp_json_array(j, "kept");
	for (size_t i = 0; i < v->kept.n; i++)
		ksp_json_str(j, NULL, v->kept.v[i].id);
	ksp_json_close(j);
	ksp_json_bool(j, "guard_tripped", v->tripped);
	if (v->tripped)
		ksp_json_int(j, "guard_tripped_by_boot_at", v->tripped_by.realtime);
	else
		ksp_json_null(j, "guard_tripped_by_boot_at");
	if (v->booted) {
		ksp_json_object(j, "this_boot");
		ksp_json_str(j, "result", v->boot.result);
		ksp_json_int(j, "at", v->boot.at);
		ksp_json_str(j, "message", v->boot.message);
		ksp_json_close(j);
	} else {
		ksp_json_null(j, "this_boot");
	}
	ksp_json_close(j);
}
