/*-------------------------------------------------------------------------
 * fuzz_halfvec_text.c
 *		libFuzzer target: halfvec's text input (vecext_halfvec_in).
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzText(&FuzzHalfvec, data, size);
}
