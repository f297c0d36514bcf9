/*
 * Views of kernel memory, one interface for run-pre matching:
 *  - live: /proc/kcore (an ELF core file whose program headers map kernel
 *    virtual addresses to file offsets; root only), with /proc/kallsyms;
 *  - offline: a vmlinux ELF file (e.g. from scripts/extract-vmlinux) with a
 *    System.map or kallsyms dump;
 *  - ranges: bytes held in memory at given addresses (fixtures, tests).
 */
#ifndef KSPLICE_RUNPRE_MEMVIEW_H
#define KSPLICE_RUNPRE_MEMVIEW_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

struct rp_range {
	uint64_t addr;
	uint64_t len;
	uint64_t file_offset;	   /* kcore, vmlinux: where the bytes are in the file */
	const unsigned char *data; /* ranges view: the bytes themselves */
};

struct rp_memview {
	const char *kind; /* "live", "vmlinux", "ranges" */
	int fd;		  /* kcore, vmlinux */
	struct rp_range *ranges;
	size_t nranges;
	/* A ranges view of code only (fixtures): data it does not hold, such as
	 * the strings code refers to, cannot be compared and is taken on
	 * trust. Never set for live or vmlinux views. */
	int code_only;
	struct rp_window *window; /* kcore, vmlinux: the last block read */
};

/* /proc/kcore, or another ELF core file of the same layout. */
int rp_memview_open_kcore(struct rp_memview *v, const char *path, struct ksp_error *err);

/* An uncompressed vmlinux: the file contents of its allocated sections at
 * their link addresses. */
int rp_memview_open_vmlinux(struct rp_memview *v, const char *path, struct ksp_error *err);

/* Borrowed ranges (the caller keeps the bytes alive). */
int rp_memview_open_ranges(struct rp_memview *v, const struct rp_range *ranges, size_t n,
			   struct ksp_error *err);

/* Adds bytes held in memory at [addr, addr+len) to any view, ahead of its
 * own ranges (a module file laid out where no module is: module_image.h);
 * the caller keeps data alive. -1 when out of memory. */
int rp_memview_add_bytes(struct rp_memview *v, uint64_t addr, const unsigned char *data,
			 uint64_t len);

/* Reads len bytes at addr; -1 if any of them is outside the view. */
int rp_memview_read(const struct rp_memview *v, uint64_t addr, void *buf, size_t len);

void rp_memview_close(struct rp_memview *v);

#endif
