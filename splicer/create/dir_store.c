/* kbuild's per-directory answers, kept beside the header index. */
#include "dir_store.h"
#include "fileio.h"
#include "header_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_MAGIC "ksplice kbuild dirs 1\n"
#define STAMP_END "--\n"

/* "SIZE MTIME_NS" of dir/Makefile and dir/Kbuild ("- 0" for a missing one):
 * what decides kbuild's answer about dir besides the global files. */
static void makefile_states(const struct ksp_tree *t, const char *dir, char *out, size_t len)
{
	static const char *const names[] = {"Makefile", "Kbuild"};
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < 2; i++) {
		char path[8400];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s/%s", t->path, dir, names[i]);
		int n = stat(path, &st) ? snprintf(out + used, len - used, "%s- 0", i ? " " : "")
					: snprintf(out + used, len - used, "%s%lld %lld",
						   i ? " " : "", (long long)st.st_size,
						   (long long)st.st_mtim.tv_sec * 1000000000LL +
							   st.st_mtim.tv_nsec);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

static void store_path(const struct ksp_tree *t, char *out, size_t len)
{
	char dir[4096];
	ksp_hindex_location(t, dir, sizeof(dir));
	snprintf(out, len, "%s/kbuild-dirs", dir);
}

/* Reads records "D dir\nM states\nO len\n<output>\n" from p on, adding the
 * fresh ones. */
static void load_records(struct ksp_tree *t, const char *p, const char *end)
{
	while (p < end) {
		char dir[4096], states[256], now[256];
		size_t olen;
		int used = 0;
		if (sscanf(p, "D %4095[^\n]\nM %255[^\n]\nO %zu\n%n", dir, states, &olen, &used) !=
			    3 ||
		    used <= 0 || (size_t)(end - p) < (size_t)used + olen + 1)
			return;
		p += used;
		makefile_states(t, dir, now, sizeof(now));
		if (!strcmp(states, now) && !memchr(p, '\0', olen)) {
			char *output = strndup(p, olen);
			if (!output || ksp_dir_cache_add(t->dir_cache, dir, output)) {
				free(output);
				return;
			}
			free(output);
		}
		p += olen + 1;
	}
}

void ksp_dir_store_load(struct ksp_tree *t)
{
	char path[4200], stamp[4096];
	store_path(t, path, sizeof(path));
	unsigned char *data = NULL;
	size_t len = 0;
	struct ksp_error err;
	if (!t->dir_cache || ksp_hindex_tree_stamp(t, stamp, sizeof(stamp)) ||
	    ksp_read_file(path, 64u << 20, &data, &len, &err))
		return;
	const char *text = (const char *)data, *end = text + len;
	size_t magic = strlen(STORE_MAGIC), slen = strlen(stamp);
	if (len > magic + slen + strlen(STAMP_END) && !memcmp(text, STORE_MAGIC, magic) &&
	    !memcmp(text + magic, stamp, slen) &&
	    !memcmp(text + magic + slen, STAMP_END, strlen(STAMP_END)))
		load_records(t, text + magic + slen + strlen(STAMP_END), end);
	free(data);
	t->dir_cache->stored = t->dir_cache->n;
}

void ksp_dir_store_save(struct ksp_tree *t)
{
	struct ksp_dir_cache *c = t->dir_cache;
	char dir[4096], path[4200], tmp[4300], stamp[4096];
	if (!c || c->n == c->stored || ksp_hindex_tree_stamp(t, stamp, sizeof(stamp)))
		return;
	ksp_hindex_location(t, dir, sizeof(dir));
	mkdir(dir, 0755); /* the index's directory, if no index was made yet */
	store_path(t, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	int bad = fputs(STORE_MAGIC, f) == EOF || fputs(stamp, f) == EOF ||
		  fputs(STAMP_END, f) == EOF;
	for (size_t i = 0; i < c->n && !bad; i++) {
		char states[256];
		makefile_states(t, c->dirs[i], states, sizeof(states));
		bad = fprintf(f, "D %s\nM %s\nO %zu\n%s\n", c->dirs[i], states,
			      strlen(c->outputs[i]), c->outputs[i]) < 0;
	}
	if (fclose(f) || bad || rename(tmp, path))
		unlink(tmp);
	else
		c->stored = c->n;
}
