/*-------------------------------------------------------------------------
 * halfvecops.c
 *		Operators, distance functions, comparison and hash support, and the
 *		avg/sum aggregates of the halfvec type.  Distances come from the
 *		half kernels (VecextHalfKernels); nothing here computes one on its
 *		own.  Arithmetic is done in float4 and rounded to half.
 *-------------------------------------------------------------------------
 */
#include "types/halfvec.h"
#include "types/typecmp.h"

#include <math.h>

#include "common/hashfn.h"

#include "distance/distance.h"
#include "types/scandist.h"

PG_FUNCTION_INFO_V1(vecext_halfvec_l2_distance);
PG_FUNCTION_INFO_V1(vecext_halfvec_l2_squared_distance);
PG_FUNCTION_INFO_V1(vecext_halfvec_inner_product);
PG_FUNCTION_INFO_V1(vecext_halfvec_negative_inner_product);
PG_FUNCTION_INFO_V1(vecext_halfvec_cosine_distance);
PG_FUNCTION_INFO_V1(vecext_halfvec_spherical_distance);
PG_FUNCTION_INFO_V1(vecext_halfvec_l1_distance);
PG_FUNCTION_INFO_V1(vecext_halfvec_vector_dims);
PG_FUNCTION_INFO_V1(vecext_halfvec_l2_norm);
PG_FUNCTION_INFO_V1(vecext_halfvec_l2_normalize);
PG_FUNCTION_INFO_V1(vecext_halfvec_binary_quantize);
PG_FUNCTION_INFO_V1(vecext_halfvec_subvector);
PG_FUNCTION_INFO_V1(vecext_halfvec_add);
PG_FUNCTION_INFO_V1(vecext_halfvec_sub);
PG_FUNCTION_INFO_V1(vecext_halfvec_mul);
PG_FUNCTION_INFO_V1(vecext_halfvec_concat);
PG_FUNCTION_INFO_V1(vecext_halfvec_lt);
PG_FUNCTION_INFO_V1(vecext_halfvec_le);
PG_FUNCTION_INFO_V1(vecext_halfvec_eq);
PG_FUNCTION_INFO_V1(vecext_halfvec_ne);
PG_FUNCTION_INFO_V1(vecext_halfvec_ge);
PG_FUNCTION_INFO_V1(vecext_halfvec_gt);
PG_FUNCTION_INFO_V1(vecext_halfvec_cmp);
PG_FUNCTION_INFO_V1(vecext_halfvec_hash);
PG_FUNCTION_INFO_V1(vecext_halfvec_accum);
PG_FUNCTION_INFO_V1(vecext_halfvec_combine);
PG_FUNCTION_INFO_V1(vecext_halfvec_avg);

/* Both arguments, detoasted, checked to have the same dimensions. */
#define HALFVEC_GET_SAME_DIMS(a, b) \
	a = PG_GETARG_HALFVEC_P(0); \
	b = PG_GETARG_HALFVEC_P(1); \
	VecextCheckSameDimsOf(&VecextHalfvecType, a->dim, b->dim)
#define HALFVEC_ARGS_SAME_DIMS(a, b) \
	HalfVector *a = PG_GETARG_HALFVEC_P(0); \
	HalfVector *b = PG_GETARG_HALFVEC_P(1); \
	VecextCheckSameDimsOf(&VecextHalfvecType, a->dim, b->dim)

/* distances ---------------------------------------------------------- */

Datum
vecext_halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a;
	HalfVector *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	HALFVEC_GET_SAME_DIMS(a, b);
	PG_RETURN_FLOAT8(sqrt((double) VecextHalfKernels.l2_squared(a->x, b->x, a->dim)));
}

Datum
vecext_halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a;
	HalfVector *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	HALFVEC_GET_SAME_DIMS(a, b);
	PG_RETURN_FLOAT8((double) VecextHalfKernels.l2_squared(a->x, b->x, a->dim));
}

Datum
vecext_halfvec_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector *a;
	HalfVector *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	HALFVEC_GET_SAME_DIMS(a, b);
	PG_RETURN_FLOAT8((double) VecextHalfKernels.inner(a->x, b->x, a->dim));
}

Datum
vecext_halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector *a;
	HalfVector *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	HALFVEC_GET_SAME_DIMS(a, b);
	PG_RETURN_FLOAT8(-(double) VecextHalfKernels.inner(a->x, b->x, a->dim));
}

Datum
vecext_halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	float		dot,
				na,
				nb;
	HalfVector *a;
	HalfVector *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	HALFVEC_GET_SAME_DIMS(a, b);
	VecextHalfKernels.cosine_parts(a->x, b->x, a->dim, &dot, &na, &nb);
	PG_RETURN_FLOAT8(VecextCosineFromParts(dot, na, nb));
}

/*
 * The angle between two unit vectors as a fraction of pi (for ivfflat's
 * inner-product clustering): acos of the inner product, clamped to [-1, 1].
 */
Datum
vecext_halfvec_spherical_distance(PG_FUNCTION_ARGS)
{
	double		dot;

	HALFVEC_ARGS_SAME_DIMS(a, b);
	dot = (double) VecextHalfKernels.inner(a->x, b->x, a->dim);
	if (dot > 1.0)
		dot = 1.0;
	else if (dot < -1.0)
		dot = -1.0;
	PG_RETURN_FLOAT8(acos(dot) / M_PI);
}

Datum
vecext_halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a;
	HalfVector *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	HALFVEC_GET_SAME_DIMS(a, b);
	PG_RETURN_FLOAT8((double) VecextHalfKernels.l1(a->x, b->x, a->dim));
}

/* other functions ------------------------------------------------------ */

Datum
vecext_halfvec_vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_HALFVEC_P(0)->dim);
}

/* Euclidean norm, summed in float8 like vector_norm. */
static double
halfvec_norm(const HalfVector *a)
{
	double		s = 0.0;

	for (int i = 0; i < a->dim; i++)
	{
		double		x = (double) VecextHalfToFloat(a->x[i]);

		s += x * x;
	}
	return sqrt(s);
}

Datum
vecext_halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(halfvec_norm(PG_GETARG_HALFVEC_P(0)));
}

/* A zero vector stays zero (there is no direction to keep). */
Datum
vecext_halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	double		norm = halfvec_norm(a);
	HalfVector *result = VecextInitHalfVector(a->dim);

	if (norm > 0)
	{
		for (int i = 0; i < a->dim; i++)
			result->x[i] = VecextHalfFromFloat((float) ((double) VecextHalfToFloat(a->x[i]) / norm));
	}
	PG_RETURN_HALFVEC_P(result);
}

Datum
vecext_halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_VARBIT_P(VecextQuantizeElements(VecextHalfvecToFloats(a), a->dim));
}

Datum
vecext_halfvec_subvector(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	int			first;
	int			n = VecextSubvectorRange(&VecextHalfvecType, a->dim, PG_GETARG_INT32(1),
										 PG_GETARG_INT32(2), &first);
	HalfVector *result = VecextInitHalfVector(n);

	memcpy(result->x, a->x + first, sizeof(VecextHalf) * n);
	PG_RETURN_HALFVEC_P(result);
}

/* arithmetic ------------------------------------------------------------ */

typedef enum
{
	HALF_ADD,
	HALF_SUB,
	HALF_MUL
} HalfOp;

/*
 * Element-wise a op b, computed in float4 (exact for + and -, one rounding
 * for *) and rounded to half.  A result past the largest half is an error,
 * as is a product of non-zeros that rounds to 0 (like real * real).
 */
static HalfVector *
halfvec_arith(const HalfVector *a, const HalfVector *b, HalfOp op)
{
	HalfVector *result;

	VecextCheckSameDimsOf(&VecextHalfvecType, a->dim, b->dim);
	result = VecextInitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		float		x = VecextHalfToFloat(a->x[i]);
		float		y = VecextHalfToFloat(b->x[i]);
		float		r = op == HALF_ADD ? x + y : (op == HALF_SUB ? x - y : x * y);
		VecextHalf	h = VecextFloatToHalf(r);

		if (VecextHalfIsSpecial(h))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
		if (op == HALF_MUL && (h & ~VECEXT_HALF_SIGN_MASK) == 0 && x != 0.0f && y != 0.0f)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: underflow")));
		result->x[i] = h;
	}
	return result;
}

Datum
vecext_halfvec_add(PG_FUNCTION_ARGS)
{
	PG_RETURN_HALFVEC_P(halfvec_arith(PG_GETARG_HALFVEC_P(0), PG_GETARG_HALFVEC_P(1), HALF_ADD));
}

Datum
vecext_halfvec_sub(PG_FUNCTION_ARGS)
{
	PG_RETURN_HALFVEC_P(halfvec_arith(PG_GETARG_HALFVEC_P(0), PG_GETARG_HALFVEC_P(1), HALF_SUB));
}

Datum
vecext_halfvec_mul(PG_FUNCTION_ARGS)
{
	PG_RETURN_HALFVEC_P(halfvec_arith(PG_GETARG_HALFVEC_P(0), PG_GETARG_HALFVEC_P(1), HALF_MUL));
}

Datum
vecext_halfvec_concat(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	int			dim = a->dim + b->dim;
	HalfVector *result;

	VecextCheckDimsOf(&VecextHalfvecType, dim);
	result = VecextInitHalfVector(dim);
	memcpy(result->x, a->x, sizeof(VecextHalf) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(VecextHalf) * b->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* comparison and hashing ----------------------------------------------- */

/* Element-wise lexicographic by value (-0 = 0), then the shorter first. */
static int
halfvec_cmp_internal(const HalfVector *a, const HalfVector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		float		x = VecextHalfToFloat(a->x[i]);
		float		y = VecextHalfToFloat(b->x[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->dim < b->dim ? -1 : (a->dim > b->dim ? 1 : 0);
}

VECEXT_CMP_FUNCS(vecext_halfvec, HalfVector, PG_GETARG_HALFVEC_P, halfvec_cmp_internal)

/* Equal halfvecs hash equal: -0 and +0 compare equal, so hash as +0. */
Datum
vecext_halfvec_hash(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	uint32		h = hash_uint32((uint32) a->dim);

	for (int i = 0; i < a->dim; i++)
	{
		VecextHalf	x = a->x[i] == VECEXT_HALF_SIGN_MASK ? 0 : a->x[i];

		h = hash_combine(h, hash_uint32((uint32) x));
	}
	PG_RETURN_INT32((int32) h);
}

/* aggregates ----------------------------------------------------------- */

/* avg(halfvec) shares vector's float8[] state {count, sum_1 .. sum_n}. */
Datum
vecext_halfvec_accum(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(1);

	PG_RETURN_ARRAYTYPE_P(VecextAccumAggState(&VecextHalfvecType, PG_GETARG_ARRAYTYPE_P(0),
											  VecextHalfvecToFloats(v), v->dim));
}

Datum
vecext_halfvec_combine(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(VecextCombineAggStates(&VecextHalfvecType, PG_GETARG_ARRAYTYPE_P(0),
												 PG_GETARG_ARRAYTYPE_P(1)));
}

Datum
vecext_halfvec_avg(PG_FUNCTION_ARGS)
{
	int			n;
	float8	   *state = VecextCheckAggState(PG_GETARG_ARRAYTYPE_P(0), &n);
	HalfVector *result;

	/* no rows: the SQL standard says NULL */
	if (state[0] == 0.0)
		PG_RETURN_NULL();

	VecextCheckDimsOf(&VecextHalfvecType, n - 1);
	result = VecextInitHalfVector(n - 1);
	for (int i = 0; i < n - 1; i++)
		result->x[i] = VecextHalfFromFloat((float) (state[i + 1] / state[0]));
	PG_RETURN_HALFVEC_P(result);
}
