/*-------------------------------------------------------------------------
 * sparse.c
 *		Scalar distance kernels over sparse vectors: merges of the two
 *		sorted index lists.
 *
 * Each kernel walks both index lists once, in increasing index order, and
 * adds one term per index it meets, in float4 like the dense scalar kernels.
 * Summed in that order, a sparse result is the dense scalar kernel's result
 * on the same values: the indices a merge skips would only add exact zeros.
 *-------------------------------------------------------------------------
 */
#include "distance/sparse.h"

#include <math.h>

/*
 * sum term(a[k] - b[k]) over the union k of both index lists, 0 standing in
 * for a side that has no element at k.  Inlined with a constant term, so
 * each caller compiles to its own plain loop.
 */
static inline float
union_sum(const int32_t *ai, const float *av, int an,
		  const int32_t *bi, const float *bv, int bn, float (*term) (float))
{
	float		s = 0.0f;
	int			i = 0,
				j = 0;

	while (i < an || j < bn)
	{
		if (j >= bn || (i < an && ai[i] < bi[j]))
			s += term(av[i++]);
		else if (i >= an || bi[j] < ai[i])
			s += term(-bv[j++]);
		else
		{
			/* the same index on both sides */
			s += term(av[i] - bv[j]);
			i++;
			j++;
		}
	}
	return s;
}

static inline float
square(float d)
{
	return d * d;
}

float
VecextSparseL2Squared(const int32_t *ai, const float *av, int an,
					  const int32_t *bi, const float *bv, int bn)
{
	return union_sum(ai, av, an, bi, bv, bn, square);
}

float
VecextSparseL1(const int32_t *ai, const float *av, int an,
			   const int32_t *bi, const float *bv, int bn)
{
	return union_sum(ai, av, an, bi, bv, bn, fabsf);
}

/* Only the common indices contribute: skip ahead on whichever side is behind. */
float
VecextSparseInner(const int32_t *ai, const float *av, int an,
				  const int32_t *bi, const float *bv, int bn)
{
	float		s = 0.0f;
	int			i = 0,
				j = 0;

	while (i < an && j < bn)
	{
		if (ai[i] < bi[j])
			i++;
		else if (ai[i] > bi[j])
			j++;
		else
			s += av[i++] * bv[j++];
	}
	return s;
}
