/*-------------------------------------------------------------------------
 * fuzz_sparsevec_text.c
 *		libFuzzer target: sparsevec's text input (vecext_sparsevec_in).
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzText(&FuzzSparsevec, data, size);
}
