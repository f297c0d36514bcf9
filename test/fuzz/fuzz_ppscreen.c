/* libFuzzer target: preprocessed C (matcher/source/pp_items.c, pp_screen.c), as
 * ksplice-create screens the objects a changed header reaches. The input is
 * a "before" and an "after" text split at the first NUL byte. Checks that a
 * text never differs from itself, that a digest reads back as written, and
 * that any bytes as a digest file are refused or read whole. */
#include "fuzz_util.h"
#include "pp_screen.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t pre_len = nul ? (size_t)(nul - text) : size;
	const char *post = nul ? nul + 1 : text;
	size_t post_len = nul ? size - pre_len - 1 : size;
	struct ksp_pp_digest d, back;
	struct ksp_error err;
	char why[256], path[4200];
	if (ksp_pp_digest_text(text, pre_len, &d, &err) != 0)
		return 0;
	fuzz_check(ksp_pp_affects(&d, text, pre_len, why, sizeof(why), &err) == 0,
		   "a text does not differ from itself");
	int rc = ksp_pp_affects(&d, post, post_len, why, sizeof(why), &err);
	fuzz_check(rc == 0 || rc == 1, "affects answers yes or no");
	fuzz_check(rc == 0 || why[0], "a yes says why");
	snprintf(path, sizeof(path), "%s/digest", fuzz_scratch_dir());
	if (ksp_pp_digest_save(&d, path, &err) == 0 && ksp_pp_digest_load(path, &back, &err) == 0) {
		fuzz_check(back.nitems == d.nitems && back.names_len == d.names_len,
			   "a digest reads back as written");
		ksp_pp_digest_free(&back);
	}
	ksp_pp_digest_free(&d);
	char bytes[64];
	fuzz_input_file(data, size, 0, bytes, sizeof(bytes));
	if (ksp_pp_digest_load(bytes, &back, &err) == 0) {
		for (size_t i = 0; i < back.nitems; i++)
			fuzz_check(back.items[i].name == UINT32_MAX ||
					   back.items[i].name < back.names_len,
				   "names stay inside the digest");
		ksp_pp_digest_free(&back);
	}
	return 0;
}
