/* matcher.kernel_pairs: real kernel objects of the test-bed's prepared tree
 * (KSPLICE_SRC), compiled as ksplice-create compiles them, before and after
 * small patches. The source is copied under a new name inside the tree (so
 * the tree's own objects are never rebuilt with foreign flags), and every
 * file the test creates is removed; the test checks the tree is left as it
 * was. */
#include "check_run.h"
#include "kbuild.h"
#include "matcher_fixture.h"
#include "package.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *src;
static struct ksp_tree tree;
static char work[] = "/tmp/ksplice-matcher-kernel.XXXXXX";

static char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	*size = (size_t)ftell(f);
	rewind(f);
	char *data = malloc(*size + 1);
	ck_assert_uint_eq(fread(data, 1, *size, f), *size);
	data[*size] = '\0';
	fclose(f);
	return data;
}

static void spit(const char *path, const char *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "%s", path);
	ck_assert_uint_eq(fwrite(data, 1, size, f), size);
	fclose(f);
}

/* sha256, size and mtime of a tree file. */
static void fingerprint(const char *rel, char *out, size_t len)
{
	char path[4096], hex[65];
	struct stat st;
	size_t size;
	snprintf(path, sizeof(path), "%s/%s", src, rel);
	ck_assert_int_eq(stat(path, &st), 0);
	char *data = slurp(path, &size);
	ksp_sha256_hex(data, size, hex);
	free(data);
	snprintf(out, len, "%s %zu %ld.%09ld", hex, size, (long)st.st_mtim.tv_sec,
		 (long)st.st_mtim.tv_nsec);
}

/* Files of dir (in the tree) whose name contains stem; removes them if
 * remove is set. */
static int files_with(const char *dir, const char *stem, int remove)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", src, dir);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strstr(e->d_name, stem))
			continue;
		n++;
		snprintf(path, sizeof(path), "%s/%s/%s", src, dir, e->d_name);
		if (remove)
			unlink(path);
	}
	closedir(d);
	return n;
}

/* Builds dir/stem.o from text, keeps it (and its .cmd) as work/tag.o. */
static void build_copy(const char *dir, const char *stem, const char *text, const char *tag)
{
	char path[4096], object[512], log[4096];
	snprintf(path, sizeof(path), "%s/%s/%s.c", src, dir, stem);
	spit(path, text, strlen(text));
	snprintf(object, sizeof(object), "%s/%s.o", dir, stem);
	snprintf(log, sizeof(log), "%s/%s.log", work, tag);
	const char *objects[] = {object};
	struct ksp_error err = {0};
	ck_assert_msg(ksp_tree_build(&tree, objects, 1, 2, log, &err) == 0, "%s", err.msg);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "cp %s/%s/%s.o %s/%s.o && cp %s/%s/.%s.o.cmd %s/.%s.o.cmd", src,
		 dir, stem, work, tag, src, dir, stem, work, tag);
	ck_assert_int_eq(system(cmd), 0);
}

static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	ck_assert_msg(at != NULL, "patch context not found: %s", from);
	char *out = NULL;
	ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)),
			 0);
	return out;
}

/* Exported symbols found in the last post object's .cmd file, and how
 * many of them kbuild gave another CRC than the pre object's. */
static size_t last_crcs, last_crc_changes;

static size_t crc_changes(const struct mt_crcs *pre, const struct mt_crcs *post)
{
	size_t n = 0;
	for (size_t i = 0; i < pre->n; i++)
		for (size_t j = 0; j < post->n; j++)
			n += strcmp(pre->v[i].name, post->v[j].name) == 0 &&
			     pre->v[i].crc != post->v[j].crc;
	return n;
}

/* Compares work/pre.o with work/tag.o, CRCs from their .cmd files. */
static void compare_with(const char *tag, struct mt_plan *plan)
{
	char a[4096], b[4096], ca[4096], cb[4096];
	snprintf(a, sizeof(a), "%s/pre.o", work);
	snprintf(b, sizeof(b), "%s/%s.o", work, tag);
	snprintf(ca, sizeof(ca), "%s/.pre.o.cmd", work);
	snprintf(cb, sizeof(cb), "%s/.%s.o.cmd", work, tag);
	struct ksp_error err = {0};
	struct ksp_obj pre, post;
	struct mt_crcs pc, qc;
	ck_assert_msg(ksp_obj_open(a, &pre, &err) == 0, "%s", err.msg);
	ck_assert_msg(ksp_obj_open(b, &post, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(mt_crcs_read(ca, &pc, &err), 0);
	ck_assert_int_eq(mt_crcs_read(cb, &qc, &err), 0);
	struct mt_options opts = {&pc, &qc, a, b};
	last_crcs = qc.n;
	last_crc_changes = crc_changes(&pc, &qc);
	ck_assert_msg(mt_compare(&pre, &post, &opts, plan, &err) == 0, "%s", err.msg);
	mt_crcs_free(&pc);
	mt_crcs_free(&qc);
	ksp_obj_free(&pre);
	ksp_obj_free(&post);
}

struct patch {
	const char *tag, *from, *to;
};

/* Builds the source's copy before and after each patch, then puts the tree
 * back and checks it is as it was. */
static void build_pairs(const char *source, const char *stem, const struct patch *patches, size_t n)
{
	char dir[512], before[512], after[512], path[4096];
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(source, '/') - source), source);
	ck_assert_int_eq(files_with(dir, stem, 0), 0);
	fingerprint(source, before, sizeof(before));
	snprintf(path, sizeof(path), "%s/%s", src, source);
	size_t size;
	char *text = slurp(path, &size);
	build_copy(dir, stem, text, "pre");
	for (size_t i = 0; i < n; i++) {
		char *patched = replace(text, patches[i].from, patches[i].to);
		build_copy(dir, stem, patched, patches[i].tag);
		free(patched);
	}
	free(text);
	ck_assert_int_gt(files_with(dir, stem, 1), 0);
	ck_assert_int_eq(files_with(dir, stem, 0), 0);
	fingerprint(source, after, sizeof(after));
	ck_assert_str_eq(before, after);
}

START_TEST(proc_cmdline)
{
	static const struct patch patches[] = {
		{"show", "seq_putc(m, '\\n');", "seq_puts(m, \" ksplice\\n\");"},
		{"init", "proc_create_single(\"cmdline\", 0,",
		 "proc_create_single(\"cmdline\", 0444,"},
	};
	build_pairs("fs/proc/cmdline.c", "ksplice_matcher_test_cmdline", patches, 2);
	struct mt_plan plan;
	compare_with("show", &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "cmdline_proc_show");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "proc_cmdline_init");
	EXPECT_FUNCS(&plan, MT_NEW, "");
	EXPECT_FUNCS(&plan, MT_DELETED, "");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);

	compare_with("init", &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "proc_cmdline_init");
	EXPECT_FUNCS(&plan, MT_UNCHANGED, "cmdline_proc_show");
	EXPECT_REFUSED(&plan, "proc_cmdline_init");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(kernel_sys)
{
	/* umask() masks one more bit; a blank line near the top shifts every
	 * __LINE__ below it (bug table entries, might_sleep sites); sysinfo()
	 * rounds its load averages. */
	static const struct patch patches[] = {
		{"umask", "mask = xchg(&current->fs->umask, mask & S_IRWXUGO);",
		 "mask = xchg(&current->fs->umask, mask & S_IRWXUGO & ~S_IWOTH);"},
		{"lines", "#include <linux/export.h>\n", "#include <linux/export.h>\n\n"},
		{"sysinfo", "get_avenrun(info->loads, 0, SI_LOAD_SHIFT - FSHIFT);",
		 "get_avenrun(info->loads, FIXED_1/200, SI_LOAD_SHIFT - FSHIFT);"},
	};
	build_pairs("kernel/sys.c", "ksplice_matcher_test_sys", patches, 3);
	struct mt_plan plan;
	compare_with("umask", &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "__x64_sys_umask __ia32_sys_umask");
	EXPECT_FUNCS(&plan, MT_NEW, "");
	EXPECT_FUNCS(&plan, MT_DELETED, "");
	EXPECT_DATA(&plan, MT_CHANGED, "");
	EXPECT_DATA(&plan, MT_NEW, "");
	EXPECT_REFUSED(&plan, "");
	ck_assert_uint_gt(mt_plan_count(&plan, MT_UNCHANGED), 100);
	/* overflowuid, overflowgid, fs_overflowuid, fs_overflowgid */
	ck_assert_uint_eq(last_crcs, 4);
	mt_plan_free(&plan);

	compare_with("lines", &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "");
	EXPECT_FUNCS(&plan, MT_NEW, "");
	EXPECT_DATA(&plan, MT_CHANGED, "");
	EXPECT_DATA(&plan, MT_NEW, "");
	EXPECT_REFUSED(&plan, "");
	/* getrusage() has a WARN_ON: only its bug table line moved */
	ck_assert(plan_func(&plan, "getrusage")->line_only);
	mt_plan_free(&plan);

	/* do_sysinfo() exists only as gcc's clone do_sysinfo.isra.0 */
	compare_with("sysinfo", &plan);
	EXPECT_FUNCS(&plan, MT_CHANGED, "do_sysinfo.isra.0");
	EXPECT_FUNCS(&plan, MT_NEW, "");
	EXPECT_FUNCS(&plan, MT_DELETED, "");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
}
END_TEST

START_TEST(string_helpers_includes)
{
	/* Two more #includes (as a real fix that added overflow checks did):
	 * genksyms now sees struct task_struct's and struct pipe_inode_info's
	 * definitions, so CRCs change: kstrdup_quotable_cmdline's (a task_struct
	 * pointer) and devm_kasprintf_strarray's (a struct device pointer that
	 * reaches struct pipe_inode_info) at least; their compiled interfaces do
	 * not. */
	static const struct patch patches[] = {
		{"includes", "#include <linux/string_helpers.h>\n",
		 "#include <linux/string_helpers.h>\n#include <linux/pipe_fs_i.h>\n"
		 "#include <linux/sched/signal.h>\n"},
	};
	build_pairs("lib/string_helpers.c", "ksplice_matcher_test_strh", patches, 1);
	struct mt_plan plan;
	compare_with("includes", &plan);
	ck_assert_uint_ge(last_crc_changes, 2);
	EXPECT_FUNCS(&plan, MT_CHANGED, "");
	EXPECT_REFUSED(&plan, "");
	mt_plan_free(&plan);
}
END_TEST

static void setup(void)
{
	strcpy(work, "/tmp/ksplice-matcher-kernel.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(work));
	struct ksp_error err = {0};
	ck_assert_msg(ksp_tree_open(src, &tree, &err) == 0, "%s", err.msg);
}

static void teardown(void)
{
	char cmd[4096];
	ksp_tree_close(&tree);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	ck_assert_int_eq(system(cmd), 0);
}

/* Runs in the parent process after the tests, failed ones included. */
static void remove_copies(void)
{
	files_with("fs/proc", "ksplice_matcher_test_", 1);
	files_with("kernel", "ksplice_matcher_test_", 1);
	files_with("lib", "ksplice_matcher_test_", 1);
}

int main(void)
{
	src = getenv("KSPLICE_SRC");
	const char *ready = getenv("KSPLICE_READY");
	if (!src || !ready || strcmp(ready, "yes") != 0) {
		printf("SKIP matcher.kernel_pairs: the test-bed's kernel tree is not prepared "
		       "(KSPLICE_READY=%s); run scripts/testbed setup\n",
		       ready ? ready : "unset");
		return 77;
	}
	Suite *s = suite_create("matcher.kernel_pairs");
	TCase *tc = tcase_create("kernel_pairs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, remove_copies, remove_copies);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, proc_cmdline);
	tcase_add_test(tc, kernel_sys);
	tcase_add_test(tc, string_helpers_includes);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
