/* The relocation types ksplice-create writes into an update module's table
 * (extract.h) are those kmod-helper reads (ksplice_update.h): checked when
 * this compiles. */
#include "extract.h"
#include "ksplice_update.h"

_Static_assert(KSP_EXTRACT_R_VALUE64 == KSPLICE_R_VALUE64, "KSPLICE_R_VALUE64");
_Static_assert(KSP_EXTRACT_R_VALUE8 == KSPLICE_R_VALUE8, "KSPLICE_R_VALUE8");

int main(void)
{
	return 0;
}
