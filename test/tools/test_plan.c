/*
 * ksplice-test-plan [OPTIONS] UPDATE.ko ID: the plan of a hand-made update
 * module, from the running kernel, written to the helper after insmod as
 * ksplice-apply does from run-pre matching (a test tool: no matching, just
 * kallsyms and kcore); --print prints it instead. The module file is only
 * read, for its patch table's names and flags. For each entry: the
 * function's address and size (distance to the next symbol), the jump offset
 * (5 after an fentry site, else 0) and the bytes there. A function already
 * redirected by a jump at that offset is followed to the newest replacement,
 * whose code is described (old_addr stays the original unless --direct).
 * Options override what was found, for tests of bad input: --expected HEX,
 * --old-addr HEX, --jump-offset N, --old-size N. No keys: a module with a
 * relocation table needs "key KEY ADDR" lines of its own.
 *
 * --pending MODULE=PATH.ko: an entry whose function is not in the running
 * kernel is planned pending (kmod-helper/README.md, "Pending module parts")
 * from that file's .symtab: its index, name and size, jump offset 5 after a
 * `call __fentry__`, and the SHA-256 of its bytes with every relocation
 * field masked (pmask lines; the opcode too where the loader rewrites the
 * whole instruction: __fentry__, return thunk, retpolines). Alternatives and
 * jump labels are not masked: enough for the hand-made test modules, not a
 * matcher. For refusal tests: --pending-flip N changes byte N (after an
 * ENDBR, if any) of the function before hashing (a plan made from another
 * file), --pending-hash HEX gives the hash.
 */
#include "helper_client.h"
#include "kcore.h"
#include "ksplice_update.h"
#include "package.h"

#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct overrides {
	bool direct;
	const char *expected;
	const char *old_addr;
	long jump_offset;
	long old_size;
	const char *pending;	 /* MODULE=PATH.ko */
	long pending_flip;	 /* -1: none */
	const char *pending_hash; /* 64 hex digits */
};

/* A function of a module that is not loaded, planned from its .ko file. */
struct pending_plan {
	char module[64];
	unsigned long symindex;
	uint32_t size, jump_offset;
	char hash[65];
	unsigned char *mask; /* size bytes, 1: not checked */
};

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc(n)) || fread(buf, 1, n, f) != (size_t)n) {
		perror(path);
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static const struct ksplice_patch *find_table(unsigned char *ko, size_t len, size_t *count)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)ko;
	Elf64_Shdr *sh, *strs;
	int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > len ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (Elf64_Shdr *)(ko + eh->e_shoff);
	strs = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= strs->sh_size ||
		    strcmp((char *)ko + strs->sh_offset + sh[i].sh_name, KSPLICE_PATCHES_SECTION))
			continue;
		if (sh[i].sh_offset + sh[i].sh_size > len || sh[i].sh_size % KSPLICE_PATCH_SIZE)
			return NULL;
		*count = sh[i].sh_size / KSPLICE_PATCH_SIZE;
		return (const struct ksplice_patch *)(ko + sh[i].sh_offset);
	}
	return NULL;
}

static const char *elf_string(const unsigned char *ko, size_t len, const Elf64_Shdr *strtab,
			      uint32_t at)
{
	if (strtab->sh_offset + strtab->sh_size > len || at >= strtab->sh_size)
		return "";
	return (const char *)ko + strtab->sh_offset + at;
}

/* Relocations against these rewrite the whole instruction at load. */
static bool loader_rewrites(const char *sym)
{
	return !strcmp(sym, "__fentry__") || !strcmp(sym, "__x86_return_thunk") ||
	       !strncmp(sym, "__x86_indirect_thunk_", 21) ||
	       !strncmp(sym, "__x86_indirect_call_thunk_", 26);
}

static void mask_range(struct pending_plan *pp, int64_t from, int64_t to)
{
	for (int64_t b = from < 0 ? 0 : from; b < to && b < pp->size; b++)
		pp->mask[b] = 1;
}

/* Plans name from the .ko file at path (ET_REL); 0 or -1 with a message. */
/* An ENDBR (CONFIG_X86_KERNEL_IBT), or the NOP the kernel seals it into:
 * the jump goes after it. */
static uint32_t endbr_len(const unsigned char *b)
{
	static const unsigned char endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
	static const unsigned char sealed[] = {0x66, 0x0f, 0x1f, 0x00};

	return !memcmp(b, endbr64, 4) || !memcmp(b, sealed, 4) ? 4 : 0;
}

static int plan_from_file(const char *name, const struct overrides *o, struct pending_plan *pp)
{
	const char *eq = strchr(o->pending, '=');
	unsigned char *ko, *code;
	uint32_t entry;
	const Elf64_Shdr *sh, *symtab = NULL, *strtab;
	const Elf64_Ehdr *eh;
	const Elf64_Sym *syms, *sym = NULL;
	size_t len, nsyms, i;

	if (!eq || (size_t)(eq - o->pending) >= sizeof(pp->module)) {
		fprintf(stderr, "ksplice-test-plan: --pending wants MODULE=PATH.ko\n");
		return -1;
	}
	memcpy(pp->module, o->pending, eq - o->pending);
	pp->module[eq - o->pending] = '\0';
	ko = read_file(eq + 1, &len);
	if (!ko)
		return -1;
	eh = (const Elf64_Ehdr *)ko;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > len)
		goto bad;
	sh = (const Elf64_Shdr *)(ko + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
	if (!symtab || symtab->sh_link >= eh->e_shnum || symtab->sh_offset + symtab->sh_size > len)
		goto bad;
	strtab = &sh[symtab->sh_link];
	syms = (const Elf64_Sym *)(ko + symtab->sh_offset);
	nsyms = symtab->sh_size / sizeof(*syms);
	for (i = 1; i < nsyms; i++) {
		if (syms[i].st_shndx == SHN_UNDEF || syms[i].st_shndx >= eh->e_shnum ||
		    ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC ||
		    strcmp(elf_string(ko, len, strtab, syms[i].st_name), name))
			continue;
		if (sym) {
			fprintf(stderr, "ksplice-test-plan: %s: %s is not unique\n", eq + 1, name);
			goto fail;
		}
		sym = &syms[i];
		pp->symindex = i;
	}
	if (!sym || !sym->st_size || sym->st_size > (1u << 20) ||
	    sh[sym->st_shndx].sh_offset + sym->st_value + sym->st_size > len) {
		fprintf(stderr, "ksplice-test-plan: %s: no function %s\n", eq + 1, name);
		goto fail;
	}
	pp->size = sym->st_size;
	pp->jump_offset = 0;
	pp->mask = calloc(1, pp->size);
	code = malloc(pp->size);
	if (!pp->mask || !code)
		goto fail;
	memcpy(code, ko + sh[sym->st_shndx].sh_offset + sym->st_value, pp->size);
	entry = pp->size >= 4 ? endbr_len(code) : 0;
	mask_range(pp, 0, entry); /* sealed at load, or not */
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Rela *r = (const Elf64_Rela *)(ko + sh[i].sh_offset);
		size_t n = sh[i].sh_size / sizeof(*r), j;

		if (sh[i].sh_type != SHT_RELA || sh[i].sh_info != sym->st_shndx ||
		    sh[i].sh_offset + sh[i].sh_size > len)
			continue;
		for (j = 0; j < n; j++) {
			int64_t at = (int64_t)r[j].r_offset - (int64_t)sym->st_value;
			size_t target = ELF64_R_SYM(r[j].r_info);
			const char *tname = target < nsyms ?
				elf_string(ko, len, strtab, syms[target].st_name) : "";
			int width = ELF64_R_TYPE(r[j].r_info) == R_X86_64_64 ? 8 : 4;

			if (at < 0 || at >= pp->size)
				continue;
			mask_range(pp, at, at + width);
			if (loader_rewrites(tname))
				mask_range(pp, at - 1, at + width);
			if (at == entry + 1 && !strcmp(tname, "__fentry__"))
				pp->jump_offset = entry + KSPLICE_FENTRY_LEN;
		}
	}
	/* counted after the ENDBR, so one N means the same code on 6.1 and 6.12 */
	if (o->pending_flip >= 0 && o->pending_flip + entry < pp->size)
		code[o->pending_flip + entry] ^= 0xff;
	for (i = 0; i < pp->size; i++)
		if (pp->mask[i])
			code[i] = 0;
	ksp_sha256_hex(code, pp->size, pp->hash);
	if (o->pending_hash)
		snprintf(pp->hash, sizeof(pp->hash), "%s", o->pending_hash);
	free(code);
	free(ko);
	return 0;
bad:
	fprintf(stderr, "ksplice-test-plan: %s: not an ELF file\n", eq + 1);
fail:
	free(ko);
	return -1;
}

/* The plan's lines: patch/check as ksp_plan_format, pending + pmask. */
static char *format_plan(const struct ksp_plan_entry *entries, const struct pending_plan *pending,
			 const struct ksplice_patch *table, size_t count)
{
	char *text = NULL, *one;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (i = 0; i < count; i++) {
		const struct pending_plan *pp = &pending[i];
		char name[KSPLICE_NAME_LEN + 1];
		uint32_t b, end;

		if (!pp->mask) {
			one = ksp_plan_format(&entries[i], 1, NULL, 0);
			if (!one)
				break;
			/* Index 0 as formatted: this entry's index instead. */
			fprintf(f, "%.5s %zu%s", one, i, strchr(one + 6, ' '));
			free(one);
			continue;
		}
		memcpy(name, table[i].name, KSPLICE_NAME_LEN);
		name[KSPLICE_NAME_LEN] = '\0';
		fprintf(f, "pending %zu %s %lu %s %u %u %s\n", i, pp->module, pp->symindex, name,
			pp->size, pp->jump_offset, pp->hash);
		for (b = 0; b < pp->size; b = end) {
			for (; b < pp->size && !pp->mask[b]; b++)
				;
			for (end = b; end < pp->size && pp->mask[end]; end++)
				;
			if (end > b)
				fprintf(f, "pmask %zu %u %u\n", i, b, end - b);
		}
	}
	if (fclose(f) != 0 || i < count) {
		free(text);
		return NULL;
	}
	return text;
}

static bool has_fentry(const unsigned char *b)
{
	static const unsigned char nop5[] = {0x0f, 0x1f, 0x44, 0x00, 0x00};

	return memcmp(b, nop5, 5) == 0 || b[0] == 0xe8;
}


/* Describes the newest version of the function at addr in e. */
static int describe(struct ksp_plan_entry *e, uint64_t addr, uint64_t size)
{
	unsigned char head[4 + KSPLICE_FENTRY_LEN + KSPLICE_JUMP_LEN];
	int depth;

	for (depth = 0; depth < 16; depth++) {
		uint32_t offset;
		int32_t rel;

		if (kcore_read(addr, head, sizeof(head)))
			return -1;
		offset = endbr_len(head);
		offset += has_fentry(head + offset) ? KSPLICE_FENTRY_LEN : 0;
		e->jump_offset = offset;
		e->old_size = size;
		memcpy(e->expected, head + offset, KSPLICE_JUMP_LEN);
		if (head[offset] != 0xe9)
			return 0;
		memcpy(&rel, head + offset + 1, 4);
		uint64_t target = addr + offset + KSPLICE_JUMP_LEN + (int64_t)rel;
		if (kallsyms_size_at(target, &size))
			return 0;
		addr = target;
		e->old_addr = addr; /* the code described; undone below */
	}
	return 0;
}

static int parse_hex_bytes(const char *hex, unsigned char *out, size_t len)
{
	size_t i;

	if (strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return 0;
}

static int fill(const struct ksplice_patch *p, struct ksp_plan_entry *e, const struct overrides *o,
		struct pending_plan *pp)
{
	char name[KSPLICE_NAME_LEN + 1];
	uint64_t addr, size;

	memcpy(name, p->name, KSPLICE_NAME_LEN);
	name[KSPLICE_NAME_LEN] = '\0';
	if (o->pending && kallsyms_find_quiet(name, &addr, &size))
		return plan_from_file(name, o, pp);
	if (kallsyms_find(name, &addr, &size))
		return -1;
	e->check_only = (p->flags & KSPLICE_PATCH_CHECK_ONLY) != 0;
	e->old_addr = addr;
	if (describe(e, addr, size))
		return -1;
	if (!o->direct)
		e->old_addr = addr;
	if (o->old_addr)
		e->old_addr = strtoull(o->old_addr, NULL, 16);
	if (o->jump_offset >= 0)
		e->jump_offset = o->jump_offset;
	if (o->old_size >= 0)
		e->old_size = o->old_size;
	if (o->expected && parse_hex_bytes(o->expected, e->expected, KSPLICE_JUMP_LEN)) {
		fprintf(stderr, "ksplice-test-plan: --expected wants %d hex bytes\n",
			KSPLICE_JUMP_LEN);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"direct", no_argument, NULL, 'd'},
		{"expected", required_argument, NULL, 'e'},
		{"old-addr", required_argument, NULL, 'a'},
		{"jump-offset", required_argument, NULL, 'j'},
		{"old-size", required_argument, NULL, 's'},
		{"print", no_argument, NULL, 'p'},
		{"pending", required_argument, NULL, 'P'},
		{"pending-flip", required_argument, NULL, 'F'},
		{"pending-hash", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct overrides o = {.jump_offset = -1, .old_size = -1, .pending_flip = -1};
	struct pending_plan *pending;
	const struct ksplice_patch *table;
	struct ksp_plan_entry *entries;
	bool print = false;
	unsigned char *ko;
	size_t len, count, i;
	char *plan;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.direct = true;
			break;
		case 'e':
			o.expected = optarg;
			break;
		case 'a':
			o.old_addr = optarg;
			break;
		case 'j':
			o.jump_offset = strtol(optarg, NULL, 0);
			break;
		case 's':
			o.old_size = strtol(optarg, NULL, 0);
			break;
		case 'p':
			print = true;
			break;
		case 'P':
			o.pending = optarg;
			break;
		case 'F':
			o.pending_flip = strtol(optarg, NULL, 0);
			break;
		case 'H':
			o.pending_hash = optarg;
			break;
		case 'h':
			printf("usage: ksplice-test-plan [--direct] [--expected HEX] [--old-addr "
			       "HEX]\n"
			       "       [--jump-offset N] [--old-size N] [--print]\n"
			       "       [--pending MODULE=PATH.ko [--pending-flip N] [--pending-hash HEX]]\n"
			       "       UPDATE.ko ID\n");
			return 0;
		default:
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: ksplice-test-plan [OPTIONS] UPDATE.ko ID\n");
		return 2;
	}
	ko = read_file(argv[optind], &len);
	if (!ko)
		return 1;
	table = find_table(ko, len, &count);
	if (!table) {
		fprintf(stderr, "ksplice-test-plan: %s: no valid %s section\n", argv[optind],
			KSPLICE_PATCHES_SECTION);
		return 1;
	}
	entries = calloc(count, sizeof(*entries));
	pending = calloc(count, sizeof(*pending));
	if (!entries || !pending)
		return 1;
	for (i = 0; i < count; i++)
		if (fill(&table[i], &entries[i], &o, &pending[i]))
			return 1;
	plan = format_plan(entries, pending, table, count);
	if (!plan)
		return 1;
	if (print) {
		fputs(plan, stdout);
	} else if (ksp_helper_write_plan(argv[optind + 1], plan)) {
		fprintf(stderr, "ksplice-test-plan: writing the plan of %s: %s\n", argv[optind + 1],
			strerror(errno));
		return 1;
	}
	free(plan);
	for (i = 0; i < count; i++)
		free(pending[i].mask);
	free(pending);
	free(entries);
	free(ko);
	return 0;
}
