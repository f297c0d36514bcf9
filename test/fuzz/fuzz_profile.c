/* libFuzzer target: kernel profiles (common/profile.c), KEY=VALUE files read
 * by ksplice-create's tests and scripts/testbed. */
#include "fuzz_util.h"
#include "profile.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	fuzz_input_file(data, size, 0, path, sizeof(path));
	struct ksp_profile p;
	struct ksp_error err;
	if (ksp_profile_load(path, &p, &err) != 0)
		return 0;
	fuzz_check(ksp_profile_get(&p, "KERNEL_RELEASE") != NULL, "a required key is kept");
	for (size_t i = 0; i < p.count; i++)
		fuzz_check(ksp_profile_get(&p, p.entries[i].key) != NULL, "every key is found");
	char big[8192], small[24];
	if (ksp_profile_make_vars(&p, big, sizeof(big)) == 0)
		fuzz_check(strstr(big, "KERNELRELEASE=") != NULL, "make vars name the release");
	ksp_profile_make_vars(&p, small, sizeof(small));
	fuzz_check(memchr(small, '\0', sizeof(small)) != NULL, "a short buffer stays a string");
	ksp_profile_free(&p);
	return 0;
}
