/*
 * Facts of one object's preprocessed source (gcc -E -dU output, as kbuild
 * writes X.i), kept so that a later header change can be judged against
 * them without preprocessing the object again: the names it mentions, the
 * names that can reach its code (pp_reach.h), the macros it used, and the
 * files it read.
 */
#ifndef KSPLICE_PP_FACTS_H
#define KSPLICE_PP_FACTS_H

#include "bloom.h"
#include "error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A -dU "#define" line: def is the text after the name exactly as printed,
 * "(a,b) ((a)+(b))", " 1" or "". def shares name's allocation. */
struct ksp_pp_macro {
	char *name;
	char *def;
};

struct ksp_pp_file_read {
	char *path; /* tree-relative, as header_screen.c's marker_file() gives it */
	/* The largest integer constant written within 64 of the line it is on
	 * in this file: at least every __LINE__ the file expanded to; or
	 * KSP_PP_FILE_INPUT. */
	uint32_t max_line_value;
};

/* max_line_value of a file the preprocessor did not read as such but that
 * a generated header it read is made from (generated_inputs.h): any change
 * to it may alter the object. */
#define KSP_PP_FILE_INPUT UINT32_MAX

struct ksp_pp_facts {
	/* Every identifier of the output and every name on a -dU line. */
	struct ksp_bloom seen;
	/* Every name that can reach the object's code (pp_reach.h): what
	 * emitting items mention, and what the inert items they name mention
	 * in turn. */
	struct ksp_bloom refs;
	struct ksp_pp_macro *macros; /* distinct (name, def), in order of first appearance */
	size_t nmacros;
	struct ksp_pp_file_read *files; /* every file a line marker names, once */
	size_t nfiles;
};

/* tree_root: the absolute tree path that line markers may start with (NULL:
 * none). */
int ksp_pp_facts_from_text(const char *text, size_t len, const char *tree_root,
			   struct ksp_pp_facts *f, struct ksp_error *err);
int ksp_pp_facts_write(const struct ksp_pp_facts *f, FILE *out, struct ksp_error *err);
/* A file that is not one ksp_pp_facts_write wrote whole is an error. */
int ksp_pp_facts_read(FILE *in, struct ksp_pp_facts *f, struct ksp_error *err);
void ksp_pp_facts_free(struct ksp_pp_facts *f);
/* The file f records under path, or NULL. */
struct ksp_pp_file_read *ksp_pp_facts_file(const struct ksp_pp_facts *f, const char *path);

#endif
