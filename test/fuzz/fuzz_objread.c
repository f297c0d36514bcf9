/* libFuzzer target: the matcher's object reader on arbitrary bytes, and the
 * comparison of whatever it accepts with itself. */
#include "matcher.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksp_obj obj;
	struct ksp_error err;
	if (ksp_obj_open_mem("fuzz.o", data, size, &obj, &err) != 0)
		return 0;
	struct mt_plan plan;
	if (mt_compare(&obj, &obj, NULL, &plan, &err) == 0)
		mt_plan_free(&plan);
	ksp_obj_free(&obj);
	return 0;
}
