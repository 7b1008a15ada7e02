/*-------------------------------------------------------------------------
 * fuzz_vector_recv.c
 *		libFuzzer target: vector's binary input (vecext_vector_recv).
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzRecv(&FuzzVector, data, size);
}
