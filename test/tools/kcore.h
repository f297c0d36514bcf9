/* Test tools: kernel memory through /proc/kcore, symbols through /proc/kallsyms. */
#ifndef KSPLICE_TEST_KCORE_H
#define KSPLICE_TEST_KCORE_H

#include <stddef.h>
#include <stdint.h>

/* Reads len bytes of kernel memory at addr; 0 or -1 with a message on stderr. */
int kcore_read(uint64_t addr, void *buf, size_t len);

/* Address of the text symbol name and the distance to the next text symbol
 * (an upper bound of its size); 0 or -1 with a message on stderr. */
int kallsyms_find(const char *name, uint64_t *addr, uint64_t *size);

/* The same; 1 without a message when there is no such text symbol. */
int kallsyms_find_quiet(const char *name, uint64_t *addr, uint64_t *size);

/* Size bound of the text symbol starting at addr, as above. */
int kallsyms_size_at(uint64_t addr, uint64_t *size);

#endif
