/*-------------------------------------------------------------------------
 * sparse.h
 *		Sparse vectors (sorted 0-based indices with float4 values): the
 *		distance kernels, merges over the two index lists.
 *
 * Plain C, no postgres.h, like distance.h.  Indices are strictly increasing
 * within each side.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_SPARSE_H
#define VECEXT_SPARSE_H

#include <stdint.h>

/* sum (a-b)^2 over the union of the indices */
extern float VecextSparseL2Squared(const int32_t *ai, const float *av, int an,
								   const int32_t *bi, const float *bv, int bn);
/* sum a*b over the common indices */
extern float VecextSparseInner(const int32_t *ai, const float *av, int an,
							   const int32_t *bi, const float *bv, int bn);
/* sum |a-b| over the union of the indices */
extern float VecextSparseL1(const int32_t *ai, const float *av, int an,
							const int32_t *bi, const float *bv, int bn);

#endif							/* VECEXT_SPARSE_H */
