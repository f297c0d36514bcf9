/* create.package: the update file container: write, read back, and refuse
 * every kind of damage with the member at fault. */
#include "package.h"

#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char dir[] = "/tmp/ksplice-pkg-test.XXXXXX";
static char path[4096];

static void setup(void)
{
	strcpy(dir, "/tmp/ksplice-pkg-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ksplice-abcd1234.tar.gz", dir);
}

static void teardown(void)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char long_name[] =
	"pre/drivers/net/ethernet/some/very/deep/directory/structure/that/goes/on/and/on/"
	"and/on/for/a/while/longer/than/one/hundred/characters/object.o";

static void write_sample(void)
{
	struct ksp_package pkg = {.mtime = 1700000000};
	struct ksp_error err = {0};
	unsigned char binary[1500];
	for (size_t i = 0; i < sizeof(binary); i++)
		binary[i] = (unsigned char)(i * 7);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "metadata", "ID=abcd1234\n", 12, &err), 0);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "update.ko", binary, sizeof(binary), &err), 0);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "empty", "", 0, &err), 0);
	ck_assert_int_eq(ksp_pkg_add(&pkg, long_name, "x", 1, &err), 0);
	ck_assert_msg(ksp_pkg_write(&pkg, path, &err) == 0, "%s", err.msg);
	ksp_pkg_free(&pkg);
}

START_TEST(round_trip)
{
	write_sample();
	struct ksp_package pkg;
	struct ksp_error err = {0};
	ck_assert_msg(ksp_pkg_read(path, &pkg, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(pkg.count, 4);
	const struct ksp_pkg_member *m = ksp_pkg_find(&pkg, "update.ko");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->size, 1500);
	ck_assert_uint_eq(m->data[1499], (unsigned char)(1499 * 7));
	ck_assert_uint_eq(ksp_pkg_find(&pkg, "empty")->size, 0);
	ck_assert_ptr_nonnull(ksp_pkg_find(&pkg, long_name));
	ck_assert_ptr_null(ksp_pkg_find(&pkg, KSP_PKG_SUMS));
	ksp_pkg_free(&pkg);
}
END_TEST

/* The file is a real tar.gz: GNU tar lists it and sha256sum -c accepts it. */
START_TEST(standard_tools_read_it)
{
	write_sample();
	char cmd[8400];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir x && tar -xzf '%s' -C x && cd x && sha256sum --quiet -c "
		 "SHA256SUMS",
		 dir, path);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void expect_read_error(const char *fragment)
{
	struct ksp_package pkg;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_pkg_read(path, &pkg, &err), -1);
	ck_assert_msg(strstr(err.msg, fragment) != NULL, "message '%s' lacks '%s'", err.msg,
		      fragment);
	ck_assert_uint_eq(pkg.count, 0);
}

/* Rewrites the archive uncompressed-edited: gunzip, edit(tar bytes), gzip. */
static void edit_tar(void (*edit)(unsigned char *tar, size_t len))
{
	gzFile in = gzopen(path, "rb");
	ck_assert_ptr_nonnull(in);
	static unsigned char tar[1 << 20];
	int len = gzread(in, tar, sizeof(tar));
	gzclose(in);
	ck_assert_int_gt(len, 0);
	edit(tar, (size_t)len);
	gzFile out = gzopen(path, "wb");
	ck_assert_int_eq(gzwrite(out, tar, (unsigned)len), len);
	gzclose(out);
}

static unsigned char *find_bytes(unsigned char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

static void flip_metadata_byte(unsigned char *tar, size_t len)
{
	unsigned char *p = find_bytes(tar, len, "ID=abcd1234");
	ck_assert_ptr_nonnull(p);
	p[3] ^= 1; /* a corrupted member, CRC recomputed by gzip */
}

START_TEST(corrupted_member_is_named)
{
	write_sample();
	edit_tar(flip_metadata_byte);
	expect_read_error("member 'metadata' is corrupted (sha256 mismatch)");
}
END_TEST

static void drop_sums(unsigned char *tar, size_t len)
{
	unsigned char *p = find_bytes(tar, len, KSP_PKG_SUMS);
	ck_assert_ptr_nonnull(p);
	memset(p, 0, (size_t)(tar + len - p)); /* the SUMS header starts the end */
}

/* SHA256SUMS listing one member twice and another not at all: the counts
 * agree, but update.ko would go unchecked. Made with tar and sha256sum. */
START_TEST(member_listed_twice_refused)
{
	char cmd[8400];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir t && cd t && echo ID=abcd1234 >metadata && "
		 "echo corrupted >update.ko && sha256sum metadata metadata >SHA256SUMS && "
		 "tar --format=ustar -cf - metadata update.ko SHA256SUMS | gzip >'%s'",
		 dir, path);
	ck_assert_int_eq(system(cmd), 0);
	expect_read_error("listed twice");
}
END_TEST

START_TEST(missing_checksums)
{
	write_sample();
	edit_tar(drop_sums);
	expect_read_error("no SHA256SUMS member");
}
END_TEST

START_TEST(flipped_compressed_byte)
{
	write_sample();
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	fseek(f, st.st_size / 2, SEEK_SET);
	int c = fgetc(f);
	fseek(f, st.st_size / 2, SEEK_SET);
	fputc(c ^ 0x10, f);
	fclose(f);
	struct ksp_package pkg;
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_pkg_read(path, &pkg, &err), -1);
	ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
}
END_TEST

START_TEST(truncated_file)
{
	write_sample();
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, st.st_size - 30), 0);
	expect_read_error("ksplice-abcd1234.tar.gz");
}
END_TEST

START_TEST(not_gzip_and_not_a_file)
{
	FILE *f = fopen(path, "w");
	fputs("this is not an update\n", f);
	fclose(f);
	expect_read_error("");
	strcpy(path, dir);
	expect_read_error("not a regular file");
	strcpy(path, "/nonexistent/ksplice-x.tar.gz");
	expect_read_error("/nonexistent/ksplice-x.tar.gz: No such file or directory");
}
END_TEST

START_TEST(bad_member_names_refused)
{
	struct ksp_package pkg = {0};
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_pkg_add(&pkg, "../evil", "x", 1, &err), -1);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "/abs", "x", 1, &err), -1);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "", "x", 1, &err), -1);
	ck_assert_int_eq(ksp_pkg_add(&pkg, KSP_PKG_SUMS, "x", 1, &err), -1);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "a", "x", 1, &err), 0);
	ck_assert_int_eq(ksp_pkg_add(&pkg, "a", "x", 1, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "'a' added twice"));
	ksp_pkg_free(&pkg);
}
END_TEST

/* A failed write leaves neither the target nor a temporary file behind. */
START_TEST(atomic_write_leaves_nothing_on_failure)
{
	struct ksp_package pkg = {0};
	struct ksp_error err = {0};
	ck_assert_int_eq(ksp_pkg_add(&pkg, "a", "x", 1, &err), 0);
	char bad[4200];
	snprintf(bad, sizeof(bad), "%s/no-such-dir/u.tar.gz", dir);
	ck_assert_int_eq(ksp_pkg_write(&pkg, bad, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "no-such-dir"));
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
	ck_assert_int_eq(system(cmd), 0);
	ksp_pkg_free(&pkg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("create.package");
	TCase *tc = tcase_create("package");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, standard_tools_read_it);
	tcase_add_test(tc, corrupted_member_is_named);
	tcase_add_test(tc, missing_checksums);
	tcase_add_test(tc, member_listed_twice_refused);
	tcase_add_test(tc, flipped_compressed_byte);
	tcase_add_test(tc, truncated_file);
	tcase_add_test(tc, not_gzip_and_not_a_file);
	tcase_add_test(tc, bad_member_names_refused);
	tcase_add_test(tc, atomic_write_leaves_nothing_on_failure);
	suite_add_tcase(s, tc);
	return ksp_check_run(s);
}
