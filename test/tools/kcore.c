/* Test tools: reading live kernel memory (root only, inside the guest). */
#include "kcore.h"

#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KCORE "/proc/kcore"
#define KALLSYMS "/proc/kallsyms"

static int read_exact(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n == (ssize_t)len ? 0 : -1;
}

int kcore_read(uint64_t addr, void *buf, size_t len)
{
	int fd = open(KCORE, O_RDONLY);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i, ret = -1;

	if (fd < 0) {
		perror(KCORE);
		return -1;
	}
	if (read_exact(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		fprintf(stderr, "%s: not an ELF file\n", KCORE);
		goto out;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (read_exact(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * eh.e_phentsize))
			break;
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr || addr + len > ph.p_vaddr + ph.p_memsz)
			continue;
		if (read_exact(fd, buf, len, ph.p_offset + (addr - ph.p_vaddr)) == 0)
			ret = 0;
		else
			fprintf(stderr, "%s: cannot read 0x%" PRIx64 "\n", KCORE, addr);
		goto out;
	}
	fprintf(stderr, "%s: 0x%" PRIx64 " is not mapped\n", KCORE, addr);
out:
	close(fd);
	return ret;
}

struct text_symbols {
	uint64_t *addrs;
	size_t n;
};

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* All text symbol addresses, sorted; optionally the address of name. */
static int load_text_symbols(struct text_symbols *syms, const char *name, uint64_t *found)
{
	FILE *f = fopen(KALLSYMS, "r");
	char line[1024], sym[512], type;
	uint64_t addr;
	size_t cap = 0;

	if (!f) {
		perror(KALLSYMS);
		return -1;
	}
	syms->addrs = NULL;
	syms->n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %511s", &addr, &type, sym) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (name && found && !*found && strcmp(sym, name) == 0)
			*found = addr;
		if (syms->n == cap) {
			cap = cap ? 2 * cap : 65536;
			syms->addrs = realloc(syms->addrs, cap * sizeof(*syms->addrs));
			if (!syms->addrs) {
				fclose(f);
				return -1;
			}
		}
		syms->addrs[syms->n++] = addr;
	}
	fclose(f);
	qsort(syms->addrs, syms->n, sizeof(*syms->addrs), compare_u64);
	return 0;
}

static int size_from(const struct text_symbols *syms, uint64_t addr, uint64_t *size)
{
	size_t i;

	for (i = 0; i < syms->n; i++) {
		if (syms->addrs[i] > addr) {
			*size = syms->addrs[i] - addr;
			return 0;
		}
	}
	fprintf(stderr, "%s: no text symbol after 0x%" PRIx64 "\n", KALLSYMS, addr);
	return -1;
}

int kallsyms_find(const char *name, uint64_t *addr, uint64_t *size)
{
	struct text_symbols syms;
	int ret;

	*addr = 0;
	if (load_text_symbols(&syms, name, addr))
		return -1;
	if (!*addr) {
		fprintf(stderr, "%s: no text symbol %s\n", KALLSYMS, name);
		free(syms.addrs);
		return -1;
	}
	ret = size_from(&syms, *addr, size);
	free(syms.addrs);
	return ret;
}

int kallsyms_size_at(uint64_t addr, uint64_t *size)
{
	struct text_symbols syms;
	int ret;

	if (load_text_symbols(&syms, NULL, NULL))
		return -1;
	ret = size_from(&syms, addr, size);
	free(syms.addrs);
	return ret;
}
