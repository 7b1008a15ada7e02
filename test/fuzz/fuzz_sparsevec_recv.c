/*-------------------------------------------------------------------------
 * fuzz_sparsevec_recv.c
 *		libFuzzer target: sparsevec's binary input (vecext_sparsevec_recv).
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzRecv(&FuzzSparsevec, data, size);
}
