/*
 * In-place edits of a kernel module image (ELF64 relocatable) before it is
 * inserted: finding a section's bytes and turning undefined symbols into
 * absolute ones.
 *
 * Why not the object model (common/objfile.h): that model copies an object
 * out of libbfd, while these are writes of a few fields where they lie in
 * the file (the patch table's entries are filled in, symbols' st_shndx and
 * st_value rewritten), and libbfd gives neither a symbol's place in the file
 * nor a way to write it short of rewriting the whole file. So this is the
 * one raw-ELF writer, kept to the .ko image: ksp_ko_check() validates the
 * headers once, and section and symbol lookups go through the section
 * table walk in ko_image.c and nowhere else.
 */
#ifndef KSPLICE_KO_IMAGE_H
#define KSPLICE_KO_IMAGE_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

struct ksp_ko {
	unsigned char *data;
	size_t len;
};

/* Checks the ELF header and section table. */
int ksp_ko_check(const struct ksp_ko *ko, struct ksp_error *err);

/* The bytes of section name and their size, or NULL. */
unsigned char *ksp_ko_section(const struct ksp_ko *ko, const char *name, size_t *size);

/* Calls resolve(name, &addr, ctx) for every undefined symbol; where it
 * returns 1 the symbol becomes absolute at addr. Returns how many were
 * resolved, or -1 on a malformed symbol table. */
long ksp_ko_resolve_undefined(struct ksp_ko *ko, int (*resolve)(const char *, uint64_t *, void *),
			      void *ctx);

#endif
