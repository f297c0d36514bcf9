/* libFuzzer target: the kcore view of run-pre matching (runpre/memview.c):
 * an ELF core file's program headers, as ksplice-apply reads /proc/kcore,
 * then reads at the start, middle and end of every range it maps. The file
 * is followed by a hole of zeros so that a read the view thinks is inside
 * the file really gets bytes (a buffer overrun would then show). */
#include "fuzz_util.h"
#include "memview.h"

#define PAD (1u << 20)
#define MAX_RANGES 32

static void read_around(const struct rp_memview *v, uint64_t addr, uint64_t len)
{
	static unsigned char buf[3 * 65536];
	static const size_t sizes[] = {1, 5, 64, 4096, 40000, sizeof(buf)};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		rp_memview_read(v, addr, buf, n);
		rp_memview_read(v, addr + len / 2, buf, n);
		rp_memview_read(v, addr + len - (n < len ? n : len), buf, n);
		rp_memview_read(v, addr + len - 1, buf, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	fuzz_input_file(data, size, PAD, path, sizeof(path));
	struct rp_memview v;
	struct ksp_error err;
	if (rp_memview_open_kcore(&v, path, &err) != 0)
		return 0;
	fuzz_check(v.nranges > 0, "an open view maps memory");
	for (size_t i = 0; i < v.nranges && i < MAX_RANGES; i++)
		read_around(&v, v.ranges[i].addr, v.ranges[i].len);
	rp_memview_close(&v);
	return 0;
}
