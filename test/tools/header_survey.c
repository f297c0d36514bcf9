/*
 * ksplice-bench-header-survey TREE PRE_DIR POST_DIR: for each header path
 * read from standard input (relative to both directories), what the header
 * change analysis (hdr_change.h) makes of PRE_DIR/path -> POST_DIR/path
 * with the macro table of TREE's header index: one line "path<TAB>ok<TAB>
 * N macros, M names[, K includes]" or "path<TAB>fallback<TAB>why". Every
 * identifier counts as known to some reader (the real run asks the
 * readers' facts), so "ok" is an upper bound. bench/header_survey.sh
 * drives it over a Debian release pair.
 */
#include "fileio.h"
#include "hdr_change.h"
#include "header_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int any_reader(void *ctx, const char *name, size_t len)
{
	(void)ctx, (void)name, (void)len;
	return 1;
}

static void survey_one(struct ksp_hindex *ix, const char *pre_dir, const char *post_dir,
		       const char *rel)
{
	char pre[8400], post[8400];
	unsigned char *a = NULL, *b = NULL;
	size_t alen, blen;
	struct ksp_error err;
	snprintf(pre, sizeof(pre), "%s/%s", pre_dir, rel);
	snprintf(post, sizeof(post), "%s/%s", post_dir, rel);
	if (ksp_read_file(pre, 0, &a, &alen, &err) || ksp_read_file(post, 0, &b, &blen, &err)) {
		printf("%s\tfallback\tcreated or deleted\n", rel);
	} else {
		struct ksp_hdr_change c;
		if (ksp_hdr_change_analyze((char *)a, alen, (char *)b, blen, ksp_hindex_macro,
					   any_reader, ix, &c, &err))
			printf("%s\terror\t%s\n", rel, err.msg);
		else if (c.fallback)
			printf("%s\tfallback\t%s\n", rel, c.why);
		else
			printf("%s\tok\t%zu macros, %zu names, %zu includes\n", rel, c.nmacros,
			       c.ndeclared, c.nincludes);
		ksp_hdr_change_free(&c);
	}
	free(a);
	free(b);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s TREE PRE_DIR POST_DIR < headers\n", argv[0]);
		return 2;
	}
	struct ksp_tree tree;
	struct ksp_error err;
	struct ksp_hindex *ix;
	if (ksp_tree_open(argv[1], &tree, &err) || ksp_hindex_open(&tree, &ix, &err)) {
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		return 1;
	}
	char line[4096];
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			survey_one(ix, argv[2], argv[3], line);
	}
	ksp_hindex_close(ix);
	return 0;
}
