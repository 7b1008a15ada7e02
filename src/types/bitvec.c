/*-------------------------------------------------------------------------
 * bitvec.c
 *		Hamming and Jaccard distance between bit strings (bit(n) as a
 *		binary vector).  The counting is done by the kernels in
 *		distance/bits.c; nothing here counts on its own.
 *-------------------------------------------------------------------------
 */
#include "types/bitvec.h"

#include "distance/bits.h"

PG_FUNCTION_INFO_V1(vecext_hamming_distance);
PG_FUNCTION_INFO_V1(vecext_jaccard_distance);

/* Two bit strings of different lengths have no distance. */
void
VecextCheckSameBitLengths(const VarBit *a, const VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
}

/* The number of positions where the bits differ. */
Datum
vecext_hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	VecextCheckSameBitLengths(a, b);
	PG_RETURN_FLOAT8((double) VecextBitKernels.hamming(VARBITS(a), VARBITS(b),
													   (size_t) VARBITBYTES(a)));
}

/* 1 - |a AND b| / |a OR b|; 1 when no bit is set in both (see bits.h). */
Datum
vecext_jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	uint64_t	ab,
				aa,
				bb;

	VecextCheckSameBitLengths(a, b);
	VecextBitKernels.jaccard_parts(VARBITS(a), VARBITS(b), (size_t) VARBITBYTES(a),
								   &ab, &aa, &bb);
	PG_RETURN_FLOAT8(VecextJaccardFromParts(ab, aa, bb));
}
