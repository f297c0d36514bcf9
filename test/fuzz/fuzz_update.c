/* libFuzzer target: what ksplice-apply does with the members of an update
 * file once the container is verified (the container has its own target,
 * fuzz_package): the metadata (KEY=VALUE lines, splicer/update/metadata.c),
 * the pre objects (run-pre matching against the committed vmlinux sample's
 * live bytes and kallsyms, as `ksplice-view --check` would against
 * /proc/kcore), and the plan made from the update module's patch table (read
 * from the module, never written) and the metadata's keys. apply.c is
 * included to reach its static steps; nothing is inserted or written to any
 * kernel.
 *
 * Input: members one after another, each "NAME\nSIZE\n" and SIZE bytes
 * (fewer if the input ends first). */
#include "fuzz_util.h"
#include "sample.h"

#include "../../splicer/live/apply.c"

#define MAX_NAME 300

struct fixture {
	struct ksp_sample sample;
	struct rp_memview mem;
	int ready;
};

static struct fixture fx;

/* The sample's live bytes as a memory view, once. */
static int open_fixture(void)
{
	if (fx.ready)
		return 0;
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/fixtures/vmlinux-samples/6.1.0-56-cloud-amd64",
		 fuzz_source_dir());
	struct ksp_error err;
	if (ksp_sample_open(dir, &fx.sample, &err) != 0) {
		fprintf(stderr, "fuzz_update: %s\n", err.msg);
		abort();
	}
	struct rp_range *ranges = calloc(fx.sample.nranges, sizeof(*ranges));
	fuzz_check(ranges != NULL, "memory for the sample's ranges");
	for (size_t i = 0; i < fx.sample.nranges; i++)
		ranges[i] = (struct rp_range){.addr = fx.sample.ranges[i].addr,
					      .len = fx.sample.ranges[i].len,
					      .data = fx.sample.memory[KSP_SAMPLE_LIVE] +
						      fx.sample.ranges[i].offset};
	fuzz_check(rp_memview_open_ranges(&fx.mem, ranges, fx.sample.nranges, &err) == 0,
		   "the sample's memory view");
	free(ranges);
	fx.mem.code_only = 1;
	fx.ready = 1;
	return 0;
}

/* Splits the input into package members; bad names are skipped as
 * ksp_pkg_add refuses them. */
static void members(const uint8_t *data, size_t size, struct ksp_package *pkg)
{
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl - p >= MAX_NAME)
			return;
		char name[MAX_NAME];
		memcpy(name, p, (size_t)(nl - p));
		name[nl - p] = '\0';
		p = nl + 1;
		size_t n = 0, digits = 0;
		for (; p < end && *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
			n = n * 10 + (size_t)(*p - '0');
		if (!digits || p >= end || *p != '\n')
			return;
		p++;
		size_t len = n < (size_t)(end - p) ? (size_t)n : (size_t)(end - p);
		struct ksp_error err;
		ksp_pkg_add(pkg, name, p, len, &err);
		p += len;
	}
}

/* check_file's metadata checks, minus the comparison with this machine. */
static int read_metadata(struct session *s)
{
	const struct ksp_pkg_member *m = ksp_pkg_find(&s->pkg, KSP_UPDATE_METADATA);
	struct ksp_error err;
	if (!m || !ksp_pkg_find(&s->pkg, KSP_UPDATE_MODULE) ||
	    ksp_metadata_parse((const char *)m->data, m->size, &s->meta, &err) || !s->meta.id)
		return -1;
	snprintf(s->id, sizeof(s->id), "%s", s->meta.id);
	return 0;
}

/* run_pre against the sample instead of /proc/kcore and /proc/kallsyms. */
static int run_pre_on_sample(struct session *s, struct ksp_error *err)
{
	if (open_pre_objects(s, err))
		return -1;
	s->mem = fx.mem;
	s->ks = fx.sample.kallsyms;
	struct rp_symtab st;
	rp_symtab_from_kallsyms(&st, &s->ks);
	st.partial = 1;
	if (rp_match_objects(s->ptrs, s->nobjs, &s->mem, &st, &s->result, err))
		return -1;
	s->matched = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksp_apply_opts o = {.update = "fuzz-update"};
	struct session s;
	memset(&s, 0, sizeof(s));
	s.o = &o;
	open_fixture();
	members(data, size, &s.pkg);
	struct ksp_error err;
	if (read_metadata(&s) == 0 && run_pre_on_sample(&s, &err) == 0)
		make_plan(&s, &err);
	/* The sample's view and symbols are shared: not the session's to free. */
	memset(&s.ks, 0, sizeof(s.ks));
	memset(&s.mem, 0, sizeof(s.mem));
	s.mem_open = 0;
	cleanup(&s);
	return 0;
}
