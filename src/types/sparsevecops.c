/*-------------------------------------------------------------------------
 * sparsevecops.c
 *		Distance functions, norm, normalization and btree comparison of
 *		the sparsevec type.  Distances come from the merges in
 *		distance/sparse.c; nothing here computes one on its own.
 *-------------------------------------------------------------------------
 */
#include "types/sparsevec.h"
#include "types/typecmp.h"

#include <limits.h>
#include <math.h>

#include "distance/distance.h"
#include "distance/sparse.h"

PG_FUNCTION_INFO_V1(vecext_sparsevec_l2_distance);
PG_FUNCTION_INFO_V1(vecext_sparsevec_l2_squared_distance);
PG_FUNCTION_INFO_V1(vecext_sparsevec_inner_product);
PG_FUNCTION_INFO_V1(vecext_sparsevec_negative_inner_product);
PG_FUNCTION_INFO_V1(vecext_sparsevec_cosine_distance);
PG_FUNCTION_INFO_V1(vecext_sparsevec_l1_distance);
PG_FUNCTION_INFO_V1(vecext_sparsevec_l2_norm);
PG_FUNCTION_INFO_V1(vecext_sparsevec_l2_normalize);
PG_FUNCTION_INFO_V1(vecext_sparsevec_lt);
PG_FUNCTION_INFO_V1(vecext_sparsevec_le);
PG_FUNCTION_INFO_V1(vecext_sparsevec_eq);
PG_FUNCTION_INFO_V1(vecext_sparsevec_ne);
PG_FUNCTION_INFO_V1(vecext_sparsevec_ge);
PG_FUNCTION_INFO_V1(vecext_sparsevec_gt);
PG_FUNCTION_INFO_V1(vecext_sparsevec_cmp);

/* The arguments of a merge kernel: both sides' indices, values and counts. */
#define SPARSE_ARGS(a, b) \
	(a)->indices, SPARSEVEC_VALUES(a), (a)->nnz, \
	(b)->indices, SPARSEVEC_VALUES(b), (b)->nnz

/* distances ---------------------------------------------------------- */

typedef float (*SparseKernel) (const int32_t *ai, const float *av, int an,
							   const int32_t *bi, const float *bv, int bn);

/* The kernel on the two arguments, after checking their dimensions. */
static float
merge(FunctionCallInfo fcinfo, SparseKernel kernel)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	VecextCheckSameDimsOf(&VecextSparsevecType, a->dim, b->dim);
	return kernel(SPARSE_ARGS(a, b));
}

Datum
vecext_sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(sqrt((double) merge(fcinfo, VecextSparseL2Squared)));
}

Datum
vecext_sparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8((double) merge(fcinfo, VecextSparseL2Squared));
}

Datum
vecext_sparsevec_inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8((double) merge(fcinfo, VecextSparseInner));
}

Datum
vecext_sparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(-(double) merge(fcinfo, VecextSparseInner));
}

Datum
vecext_sparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8((double) merge(fcinfo, VecextSparseL1));
}

/* From the inner product and both squared norms, like vector's: NaN for a zero side. */
Datum
vecext_sparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);
	float	   *ax = SPARSEVEC_VALUES(a);
	float	   *bx = SPARSEVEC_VALUES(b);
	float		dot;

	VecextCheckSameDimsOf(&VecextSparsevecType, a->dim, b->dim);
	dot = VecextSparseInner(SPARSE_ARGS(a, b));
	PG_RETURN_FLOAT8(VecextCosineFromParts(dot,
										   VecextKernels.inner(ax, ax, a->nnz),
										   VecextKernels.inner(bx, bx, b->nnz)));
}

/* norm and normalization ----------------------------------------------- */

/* In float8, so that the squares of large float4 values do not overflow. */
static double
norm_internal(const SparseVector *a)
{
	const float *ax = SPARSEVEC_VALUES((SparseVector *) a);
	double		s = 0.0;

	for (int i = 0; i < a->nnz; i++)
		s += (double) ax[i] * (double) ax[i];
	return sqrt(s);
}

Datum
vecext_sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(norm_internal(PG_GETARG_SPARSEVEC_P(0)));
}

/*
 * The vector scaled to norm 1; a zero vector stays zero.  Every quotient
 * is at most 1 in magnitude, so none overflows, but one can underflow to 0
 * next to much larger elements: such elements are dropped.
 */
Datum
vecext_sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	float	   *ax = SPARSEVEC_VALUES(a);
	double		norm = norm_internal(a);
	float	   *q = palloc(sizeof(float) * Max(a->nnz, 1));
	int			nnz = 0;
	SparseVector *result;
	float	   *rx;

	for (int i = 0; i < a->nnz; i++)
	{
		q[i] = (float) ((double) ax[i] / norm);
		if (q[i] != 0.0f)
			nnz++;
	}
	result = VecextInitSparseVector(a->dim, nnz);
	rx = SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < a->nnz; i++)
	{
		if (q[i] != 0.0f)
		{
			result->indices[nnz] = a->indices[i];
			rx[nnz++] = q[i];
		}
	}
	pfree(q);
	PG_RETURN_SPARSEVEC_P(result);
}

/* comparison ----------------------------------------------------------- */

/*
 * The order of the dense vectors: element-wise lexicographic over the
 * dimensions both have, then the one with fewer dimensions first (like
 * vector's).  The merge visits only the indices where either side is
 * non-zero; everywhere else both are 0 and equal.
 */
static int
sparsevec_cmp_internal(const SparseVector *a, const SparseVector *b)
{
	const float *ax = SPARSEVEC_VALUES((SparseVector *) a);
	const float *bx = SPARSEVEC_VALUES((SparseVector *) b);
	int			limit = Min(a->dim, b->dim);
	int			i = 0,
				j = 0;

	for (;;)
	{
		int32		ia = i < a->nnz ? a->indices[i] : INT_MAX;
		int32		ib = j < b->nnz ? b->indices[j] : INT_MAX;
		int32		index = Min(ia, ib);
		float		x = 0.0f,
					y = 0.0f;

		if (index >= limit)
			break;
		if (ia == index)
			x = ax[i++];
		if (ib == index)
			y = bx[j++];
		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}
	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

VECEXT_CMP_FUNCS(vecext_sparsevec, SparseVector, PG_GETARG_SPARSEVEC_P, sparsevec_cmp_internal)
