/*-------------------------------------------------------------------------
 * fuzz_vector_text.c
 *		libFuzzer target: vector's text input (vecext_vector_in).
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzText(&FuzzVector, data, size);
}
