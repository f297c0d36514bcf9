#include "memview.h"

#include "objfile.h"

#include <bfd.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Matching reads a few bytes at a time, mostly forward: one aligned block
 * read with pread() serves hundreds of them (a pread of /proc/kcore is a
 * system call and a page table walk). */
#define WINDOW 65536

struct rp_window {
	uint64_t addr;
	size_t len;
	unsigned char bytes[WINDOW];
};

static int add_range(struct rp_memview *v, uint64_t addr, uint64_t len, uint64_t off)
{
	struct rp_range *r = realloc(v->ranges, (v->nranges + 1) * sizeof(*r));
	if (!r)
		return -1;
	v->ranges = r;
	v->ranges[v->nranges++] = (struct rp_range){.addr = addr, .len = len, .file_offset = off};
	return 0;
}

static int view_fail(struct rp_memview *v, struct ksp_error *err, const char *path,
		     const char *what)
{
	ksp_fail(err, "%s: %s", path, what);
	rp_memview_close(v);
	return -1;
}

/* /proc/kcore is read with its ELF program headers directly: libbfd would
 * treat it as a core dump of a 128 TiB process image, and only PT_LOAD
 * entries (vaddr -> offset) are needed. */
int rp_memview_open_kcore(struct rp_memview *v, const char *path, struct ksp_error *err)
{
	memset(v, 0, sizeof(*v));
	v->kind = "live";
	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v->fd < 0) {
		if (errno == EACCES || errno == EPERM)
			return ksp_failc(err, KSP_E_PERMISSION,
					 "%s: permission denied (reading kernel memory needs root)",
					 path);
		return ksp_fail(err, "%s: %s", path, strerror(errno));
	}
	Elf64_Ehdr eh;
	if (pread(v->fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_type != ET_CORE || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 4096)
		return view_fail(v, err, path, "not a 64-bit ELF core file");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		off_t at = (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph));
		if (pread(v->fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return view_fail(v, err, path, "truncated program headers");
		if (ph.p_type == PT_LOAD && ph.p_filesz > UINT64_MAX - ph.p_vaddr)
			return view_fail(v, err, path, "a program header maps past 2^64");
		if (ph.p_type == PT_LOAD && ph.p_filesz &&
		    add_range(v, ph.p_vaddr, ph.p_filesz, ph.p_offset))
			return view_fail(v, err, path, "out of memory");
	}
	if (!v->nranges)
		return view_fail(v, err, path, "no memory ranges");
	v->window = calloc(1, sizeof(*v->window));
	return v->window ? 0 : view_fail(v, err, path, "out of memory");
}

int rp_memview_open_vmlinux(struct rp_memview *v, const char *path, struct ksp_error *err)
{
	memset(v, 0, sizeof(*v));
	v->kind = "vmlinux";
	v->fd = -1;
	ksp_bfd_init();
	bfd *abfd = bfd_openr(path, NULL);
	if (!abfd)
		return ksp_fail(err, "%s: %s", path, bfd_errmsg(bfd_get_error()));
	int ok = bfd_check_format(abfd, bfd_object) &&
		 bfd_get_flavour(abfd) == bfd_target_elf_flavour && bfd_get_arch_size(abfd) == 64;
	for (asection *s = ok ? abfd->sections : NULL; s; s = s->next)
		if ((s->flags & SEC_ALLOC) && (s->flags & SEC_HAS_CONTENTS) &&
		    add_range(v, bfd_section_vma(s), bfd_section_size(s), (uint64_t)s->filepos)) {
			ok = 0;
			break;
		}
	bfd_close(abfd);
	if (!ok || !v->nranges)
		return view_fail(v, err, path, "not a 64-bit ELF vmlinux");
	v->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v->fd < 0)
		return view_fail(v, err, path, strerror(errno));
	v->window = calloc(1, sizeof(*v->window));
	return v->window ? 0 : view_fail(v, err, path, "out of memory");
}

int rp_memview_open_ranges(struct rp_memview *v, const struct rp_range *ranges, size_t n,
			   struct ksp_error *err)
{
	memset(v, 0, sizeof(*v));
	v->kind = "ranges";
	v->fd = -1;
	v->ranges = calloc(n ? n : 1, sizeof(*ranges));
	if (!v->ranges)
		return ksp_fail(err, "out of memory");
	memcpy(v->ranges, ranges, n * sizeof(*ranges));
	v->nranges = n;
	return 0;
}

int rp_memview_add_bytes(struct rp_memview *v, uint64_t addr, const unsigned char *data,
			 uint64_t len)
{
	struct rp_range *r = realloc(v->ranges, (v->nranges + 1) * sizeof(*r));
	if (!r)
		return -1;
	memmove(r + 1, r, v->nranges * sizeof(*r));
	r[0] = (struct rp_range){.addr = addr, .len = len, .data = data};
	v->ranges = r;
	v->nranges++;
	return 0;
}

static const struct rp_range *range_of(const struct rp_memview *v, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < v->nranges; i++) {
		const struct rp_range *r = &v->ranges[i];
		if (addr >= r->addr && addr - r->addr <= r->len && len <= r->len - (addr - r->addr))
			return r;
	}
	return NULL;
}

static int fill_window(const struct rp_memview *v, const struct rp_range *r, uint64_t addr)
{
	struct rp_window *w = v->window;
	uint64_t start = addr & ~(uint64_t)(WINDOW - 1);
	if (start < r->addr)
		start = r->addr;
	w->len = 0;
	if (start - r->addr >= r->len)
		return -1;
	/* A length, not an end address that could wrap: never more than the
	 * window holds. */
	uint64_t len = r->len - (start - r->addr);
	if (len > WINDOW)
		len = WINDOW;
	ssize_t n = pread(v->fd, w->bytes, len, (off_t)(r->file_offset + (start - r->addr)));
	if (n != (ssize_t)len)
		return -1;
	w->addr = start;
	w->len = len;
	return 0;
}

int rp_memview_read(const struct rp_memview *v, uint64_t addr, void *buf, size_t len)
{
	const struct rp_range *r = range_of(v, addr, len);
	if (!r)
		return -1;
	if (r->data) {
		memcpy(buf, r->data + (addr - r->addr), len);
		return 0;
	}
	struct rp_window *w = v->window;
	if (w && len <= WINDOW / 2) {
		if ((addr < w->addr || addr + len > w->addr + w->len) &&
		    fill_window(v, r, addr) == 0 && addr + len > w->addr + w->len)
			fill_window(v, r, addr + len - 1 - (WINDOW / 2));
		if (w->len && addr >= w->addr && addr + len <= w->addr + w->len) {
			memcpy(buf, w->bytes + (addr - w->addr), len);
			return 0;
		}
	}
	ssize_t n = pread(v->fd, buf, len, (off_t)(r->file_offset + (addr - r->addr)));
	return n == (ssize_t)len ? 0 : -1;
}

void rp_memview_close(struct rp_memview *v)
{
	if (v->fd >= 0 && v->kind && strcmp(v->kind, "ranges") != 0)
		close(v->fd);
	free(v->ranges);
	free(v->window);
	memset(v, 0, sizeof(*v));
	v->fd = -1;
}
