/* create.dir_store: kbuild's per-directory answers kept beside the header
 * index, used again only while the directory's Makefile and the tree's
 * global build files are as they were. */
#include "dir_store.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64], index_dir[96];

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/test_dir_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(index_dir, sizeof(index_dir), "%s/index", root);
	setenv("KSPLICE_HEADER_INDEX", index_dir, 1);
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/net", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	put("net/Makefile", "obj-y += a.o\n");
	put(".config", "CONFIG_NET=y\n");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	unsetenv("KSPLICE_HEADER_INDEX");
}

static void open_tree(struct ksp_tree *t)
{
	memset(t, 0, sizeof(*t));
	t->path = root;
	t->cc_version_text = "gcc (test) 1";
	t->dir_cache = calloc(1, sizeof(*t->dir_cache));
	ck_assert_ptr_nonnull(t->dir_cache);
}

static void close_tree(struct ksp_tree *t)
{
	ksp_dir_cache_free(t->dir_cache);
}

/* Keeps kbuild's answer for net, then loads what a later run would see. */
static size_t kept_then_loaded(void (*between)(void))
{
	struct ksp_tree t;
	open_tree(&t);
	ck_assert_int_eq(ksp_dir_cache_add(t.dir_cache, "net", "builtin: net/a.o\nmodule:\n"), 0);
	ksp_dir_store_save(&t);
	close_tree(&t);
	if (between)
		between();
	open_tree(&t);
	ksp_dir_store_load(&t);
	size_t n = t.dir_cache->n;
	if (n) {
		ck_assert_str_eq(t.dir_cache->dirs[0], "net");
		ck_assert_str_eq(t.dir_cache->outputs[0], "builtin: net/a.o\nmodule:\n");
		ck_assert_uint_eq(t.dir_cache->stored, 1);
	}
	close_tree(&t);
	return n;
}

static void edit_makefile(void)
{
	put("net/Makefile", "obj-y += a.o b.o\n");
}

static void edit_config(void)
{
	put(".config", "CONFIG_NET=n\n");
}

START_TEST(kept_answer_used_again)
{
	ck_assert_uint_eq(kept_then_loaded(NULL), 1);
}
END_TEST

START_TEST(changed_makefile_drops_it)
{
	ck_assert_uint_eq(kept_then_loaded(edit_makefile), 0);
}
END_TEST

START_TEST(changed_config_drops_all)
{
	ck_assert_uint_eq(kept_then_loaded(edit_config), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dir_store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kept_answer_used_again);
	tcase_add_test(tc, changed_makefile_drops_it);
	tcase_add_test(tc, changed_config_drops_all);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
