/*-------------------------------------------------------------------------
 * fuzz_halfvec_recv.c
 *		libFuzzer target: halfvec's binary input (vecext_halfvec_recv).
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzRecv(&FuzzHalfvec, data, size);
}
