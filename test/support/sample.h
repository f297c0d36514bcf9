/*
 * A vmlinux sample (fixtures/vmlinux-samples/<release>/, format in the README
 * there): a few compilation units of a real kernel with their pre objects,
 * the kallsyms lines they need, and the bytes of their code as in the vmlinux
 * file and as live in a booted kernel. Lets tests do offline what run-pre
 * matching does against a running kernel.
 */
#ifndef KSPLICE_SAMPLE_H
#define KSPLICE_SAMPLE_H

#include "error.h"
#include "kallsyms.h"

#include <stddef.h>
#include <stdint.h>

enum ksp_sample_variant {
	KSP_SAMPLE_VMLINUX, /* as in the vmlinux file, before boot-time patching */
	KSP_SAMPLE_LIVE,    /* as in the booted kernel's memory */
	KSP_SAMPLE_VARIANTS
};

struct ksp_sample_range {
	uint64_t addr;
	uint64_t len;
	size_t offset; /* of its bytes in each memory file */
	char *label;   /* which units' code it holds, e.g. "kernel/sys.o" */
};

struct ksp_sample_meta {
	char *key;
	char *value;
};

struct ksp_sample {
	char *dir;
	struct ksp_sample_meta *meta;
	size_t nmeta;
	struct ksp_kallsyms kallsyms;
	char **objects; /* relative to dir/objects, e.g. "kernel/sys.o", sorted */
	size_t nobjects;
	struct ksp_sample_range *ranges; /* sorted, disjoint */
	size_t nranges;
	unsigned char *memory[KSP_SAMPLE_VARIANTS];
	size_t memory_len;
};

/* Opens a sample directory and checks it is complete and consistent. On error
 * returns -1 with err naming the file (and line) at fault; s is then empty. */
int ksp_sample_open(const char *dir, struct ksp_sample *s, struct ksp_error *err);

/* The meta value of key (e.g. "BUILD_ID"), or NULL. */
const char *ksp_sample_meta(const struct ksp_sample *s, const char *key);

/* The path of object i, for opening it. -1 if buf is too small. */
int ksp_sample_object_path(const struct ksp_sample *s, size_t i, char *buf, size_t len);

/* The range holding addr, or NULL. */
const struct ksp_sample_range *ksp_sample_range_at(const struct ksp_sample *s, uint64_t addr);

/* Copies len bytes at addr of the given variant. Fails with a message naming
 * the address if [addr, addr + len) is not wholly inside one range. */
int ksp_sample_read(const struct ksp_sample *s, enum ksp_sample_variant variant, uint64_t addr,
		    void *buf, size_t len, struct ksp_error *err);

/* A pointer to the bytes instead of a copy (valid until close), or NULL with
 * err set, as for ksp_sample_read. */
const unsigned char *ksp_sample_bytes(const struct ksp_sample *s, enum ksp_sample_variant variant,
				      uint64_t addr, size_t len, struct ksp_error *err);

const char *ksp_sample_variant_name(enum ksp_sample_variant variant);

void ksp_sample_close(struct ksp_sample *s);

#endif
