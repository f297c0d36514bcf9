/* SPDX-License-Identifier: GPL-2.0 */
/* Pending module parts (pending.c, pending_module.c): the model. */
#ifndef KSPLICE_PENDING_H
#define KSPLICE_PENDING_H

#include <linux/module.h>
#include <crypto/sha2.h>

#define KSPLICE_PENDING_MAX_SIZE (1U << 20)	/* bytes hashed per entry */
#define KSPLICE_PENDING_MAX_MASKS 65536

/* A pending line: entry INDEX is symbol symindex of module. */
struct ksplice_pending_entry {
	char module[MODULE_NAME_LEN];
	unsigned int symindex;
	u32 old_size, jump_offset;
	u8 sha256[SHA256_DIGEST_SIZE];
	bool live;		/* applied into its module at COMING */
	char name[];
};

/* A pmask line: bytes [offset, offset + length) of entry index unchecked. */
struct ksplice_pmask {
	unsigned int index;
	u32 offset, length;
};

/* A pkey line: the key is symbol symindex (0: by name) of module + offset. */
struct ksplice_pending_key {
	char module[MODULE_NAME_LEN];
	unsigned int symindex;
	s64 offset;
	char name[];
};

struct ksplice_pending {
	unsigned int nr_entries, nr_keys;
	struct ksplice_pending_entry **entries;	/* per entry, NULL: not pending */
	struct ksplice_pending_key **keys;	/* per key, NULL: not a pkey */
	struct ksplice_pmask *masks;
	unsigned int nr_masks, max_masks;
};

struct ksplice_pending *ksplice_pending_alloc(unsigned int nr_entries,
					      unsigned int nr_keys);
struct ksplice_pending *ksplice_pending_clone(const struct ksplice_pending *p);
void ksplice_pending_release(struct ksplice_pending *p);

#endif /* KSPLICE_PENDING_H */
