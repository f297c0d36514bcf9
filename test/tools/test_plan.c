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
 */
#include "helper_client.h"
#include "kcore.h"
#include "ksplice_update.h"

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

static bool has_fentry(const unsigned char *b)
{
	static const unsigned char nop5[] = {0x0f, 0x1f, 0x44, 0x00, 0x00};

	return memcmp(b, nop5, 5) == 0 || b[0] == 0xe8;
}

/* Describes the newest version of the function at addr in e. */
static int describe(struct ksp_plan_entry *e, uint64_t addr, uint64_t size)
{
	unsigned char head[KSPLICE_FENTRY_LEN + KSPLICE_JUMP_LEN];
	int depth;

	for (depth = 0; depth < 16; depth++) {
		uint32_t offset;
		int32_t rel;

		if (kcore_read(addr, head, sizeof(head)))
			return -1;
		offset = has_fentry(head) ? KSPLICE_FENTRY_LEN : 0;
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

static int fill(const struct ksplice_patch *p, struct ksp_plan_entry *e, const struct overrides *o)
{
	char name[KSPLICE_NAME_LEN + 1];
	uint64_t addr, size;

	memcpy(name, p->name, KSPLICE_NAME_LEN);
	name[KSPLICE_NAME_LEN] = '\0';
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
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct overrides o = {.jump_offset = -1, .old_size = -1};
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
		case 'h':
			printf("usage: ksplice-test-plan [--direct] [--expected HEX] [--old-addr "
			       "HEX]\n"
			       "       [--jump-offset N] [--old-size N] [--print] UPDATE.ko ID\n");
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
	if (!entries)
		return 1;
	for (i = 0; i < count; i++)
		if (fill(&table[i], &entries[i], &o))
			return 1;
	plan = ksp_plan_format(entries, count, NULL, 0);
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
	free(entries);
	free(ko);
	return 0;
}
