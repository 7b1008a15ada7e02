/*-------------------------------------------------------------------------
 * vectorops.c
 *		Operators, distance functions, comparison and hash support, and the
 *		avg/sum aggregates of the vector type.  Distances come from the
 *		kernels in distance/; nothing here computes one on its own.
 *-------------------------------------------------------------------------
 */
#include "types/vector.h"
#include "types/typecmp.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/varbit.h"

#include "distance/distance.h"
#include "types/scandist.h"

PG_FUNCTION_INFO_V1(vecext_l2_distance);
PG_FUNCTION_INFO_V1(vecext_vector_l2_squared_distance);
PG_FUNCTION_INFO_V1(vecext_inner_product);
PG_FUNCTION_INFO_V1(vecext_vector_negative_inner_product);
PG_FUNCTION_INFO_V1(vecext_cosine_distance);
PG_FUNCTION_INFO_V1(vecext_l1_distance);
PG_FUNCTION_INFO_V1(vecext_vector_dims);
PG_FUNCTION_INFO_V1(vecext_vector_norm);
PG_FUNCTION_INFO_V1(vecext_l2_normalize);
PG_FUNCTION_INFO_V1(vecext_binary_quantize);
PG_FUNCTION_INFO_V1(vecext_subvector);
PG_FUNCTION_INFO_V1(vecext_vector_add);
PG_FUNCTION_INFO_V1(vecext_vector_sub);
PG_FUNCTION_INFO_V1(vecext_vector_mul);
PG_FUNCTION_INFO_V1(vecext_vector_concat);
PG_FUNCTION_INFO_V1(vecext_vector_lt);
PG_FUNCTION_INFO_V1(vecext_vector_le);
PG_FUNCTION_INFO_V1(vecext_vector_eq);
PG_FUNCTION_INFO_V1(vecext_vector_ne);
PG_FUNCTION_INFO_V1(vecext_vector_ge);
PG_FUNCTION_INFO_V1(vecext_vector_gt);
PG_FUNCTION_INFO_V1(vecext_vector_cmp);
PG_FUNCTION_INFO_V1(vecext_vector_hash);
PG_FUNCTION_INFO_V1(vecext_vector_accum);
PG_FUNCTION_INFO_V1(vecext_vector_combine);
PG_FUNCTION_INFO_V1(vecext_vector_avg);

/* distances ---------------------------------------------------------- */

Datum
vecext_l2_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a;
	Vector	   *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	a = PG_GETARG_VECTOR_P(0);
	b = PG_GETARG_VECTOR_P(1);
	VecextCheckSameDims(a, b);
	PG_RETURN_FLOAT8(sqrt((double) VecextKernels.l2_squared(a->x, b->x, a->dim)));
}

Datum
vecext_vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a;
	Vector	   *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	a = PG_GETARG_VECTOR_P(0);
	b = PG_GETARG_VECTOR_P(1);
	VecextCheckSameDims(a, b);
	PG_RETURN_FLOAT8((double) VecextKernels.l2_squared(a->x, b->x, a->dim));
}

Datum
vecext_inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a;
	Vector	   *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	a = PG_GETARG_VECTOR_P(0);
	b = PG_GETARG_VECTOR_P(1);
	VecextCheckSameDims(a, b);
	PG_RETURN_FLOAT8((double) VecextKernels.inner(a->x, b->x, a->dim));
}

Datum
vecext_vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	Vector	   *a;
	Vector	   *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	a = PG_GETARG_VECTOR_P(0);
	b = PG_GETARG_VECTOR_P(1);
	VecextCheckSameDims(a, b);
	PG_RETURN_FLOAT8(-(double) VecextKernels.inner(a->x, b->x, a->dim));
}

Datum
vecext_cosine_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a;
	Vector	   *b;
	float		dot,
				na,
				nb;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	a = PG_GETARG_VECTOR_P(0);
	b = PG_GETARG_VECTOR_P(1);
	VecextCheckSameDims(a, b);
	VecextKernels.cosine_parts(a->x, b->x, a->dim, &dot, &na, &nb);
	PG_RETURN_FLOAT8(VecextCosineFromParts(dot, na, nb));
}

Datum
vecext_l1_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a;
	Vector	   *b;

	SCANDIST_RETURN_IF_KNOWN(fcinfo);
	a = PG_GETARG_VECTOR_P(0);
	b = PG_GETARG_VECTOR_P(1);
	VecextCheckSameDims(a, b);
	PG_RETURN_FLOAT8((double) VecextKernels.l1(a->x, b->x, a->dim));
}

/* other functions ------------------------------------------------------ */

Datum
vecext_vector_dims(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(a->dim);
}

static double
vector_norm_internal(const Vector *a)
{
	double		s = 0.0;

	for (int i = 0; i < a->dim; i++)
		s += (double) a->x[i] * (double) a->x[i];
	return sqrt(s);
}

Datum
vecext_vector_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(vector_norm_internal(PG_GETARG_VECTOR_P(0)));
}

/* A zero vector stays zero (there is no direction to keep). */
Datum
vecext_l2_normalize(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	double		norm = vector_norm_internal(a);
	Vector	   *result = VecextInitVector(a->dim);

	if (norm > 0)
	{
		for (int i = 0; i < a->dim; i++)
			result->x[i] = (float) ((double) a->x[i] / norm);
	}
	PG_RETURN_VECTOR_P(result);
}

/* A bit string with 1 where the element is > 0 (every dense type). */
VarBit *
VecextQuantizeElements(const float *x, int dim)
{
	int			len = VARBITTOTALLEN(dim);
	VarBit	   *result = (VarBit *) palloc0(len);
	bits8	   *bits = VARBITS(result);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = dim;
	for (int i = 0; i < dim; i++)
		if (x[i] > 0)
			bits[i / 8] |= (bits8) (1 << (7 - (i % 8)));
	return result;
}

Datum
vecext_binary_quantize(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);

	PG_RETURN_VARBIT_P(VecextQuantizeElements(a->x, a->dim));
}

/*
 * subvector(v, start, count): elements start .. start+count-1 (1-based).
 * The window is clipped to the vector; an empty result is an error.
 * Returns the window's length and sets *first to its 0-based start.
 */
int
VecextSubvectorRange(const VecextDenseType *type, int dim, int32 start, int32 count,
					 int *first)
{
	int64		lo;
	int64		end;

	if (count < 1)
		VecextCheckDimsOf(type, 0);

	end = (int64) start + count;	/* one past the last, 1-based; no overflow */
	lo = start < 1 ? 1 : start;
	if (end > (int64) dim + 1)
		end = (int64) dim + 1;
	if (lo > dim || end <= lo)
		VecextCheckDimsOf(type, 0);

	*first = (int) (lo - 1);
	return (int) (end - lo);
}

Datum
vecext_subvector(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	int			first;
	int			n = VecextSubvectorRange(&VecextVectorType, a->dim, PG_GETARG_INT32(1),
										 PG_GETARG_INT32(2), &first);
	Vector	   *result = VecextInitVector(n);

	memcpy(result->x, a->x + first, sizeof(float) * n);
	PG_RETURN_VECTOR_P(result);
}

/* arithmetic ------------------------------------------------------------ */

static void
check_overflow(float value)
{
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow")));
}

Datum
vecext_vector_add(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VecextCheckSameDims(a, b);
	result = VecextInitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] + b->x[i];
	for (int i = 0; i < a->dim; i++)
		check_overflow(result->x[i]);
	PG_RETURN_VECTOR_P(result);
}

Datum
vecext_vector_sub(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VecextCheckSameDims(a, b);
	result = VecextInitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] - b->x[i];
	for (int i = 0; i < a->dim; i++)
		check_overflow(result->x[i]);
	PG_RETURN_VECTOR_P(result);
}

Datum
vecext_vector_mul(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	VecextCheckSameDims(a, b);
	result = VecextInitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] * b->x[i];
	for (int i = 0; i < a->dim; i++)
	{
		check_overflow(result->x[i]);
		/* like real * real: a product of non-zeros that rounds to 0 */
		if (result->x[i] == 0.0f && a->x[i] != 0.0f && b->x[i] != 0.0f)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: underflow")));
	}
	PG_RETURN_VECTOR_P(result);
}

Datum
vecext_vector_concat(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	int			dim = a->dim + b->dim;
	Vector	   *result;

	VecextCheckDims(dim);
	result = VecextInitVector(dim);
	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);
	PG_RETURN_VECTOR_P(result);
}

/* comparison and hashing ----------------------------------------------- */

/* Element-wise lexicographic, then the shorter vector first. */
int
VecextVectorCmp(const Vector *a, const Vector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

VECEXT_CMP_FUNCS(vecext_vector, Vector, PG_GETARG_VECTOR_P, VecextVectorCmp)

/* Equal vectors hash equal: -0 and +0 compare equal, so hash as +0. */
Datum
vecext_vector_hash(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	uint32		h = hash_uint32((uint32) a->dim);

	for (int i = 0; i < a->dim; i++)
	{
		float		v = a->x[i] == 0.0f ? 0.0f : a->x[i];
		uint32		bits;

		memcpy(&bits, &v, sizeof(bits));
		h = hash_combine(h, hash_uint32(bits));
	}
	PG_RETURN_INT32((int32) h);
}

/* aggregates ----------------------------------------------------------- */

/*
 * avg(vector) keeps a float8[] state {count, sum_1 .. sum_n}; the initial
 * state '{0}' has no dimension yet.
 */
float8 *
VecextCheckAggState(ArrayType *statearray, int *n)
{
	float8	   *state;

	if (ARR_NDIM(statearray) != 1 || ARR_DIMS(statearray)[0] < 1 ||
		ARR_HASNULL(statearray) || ARR_ELEMTYPE(statearray) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid vector aggregate state"),
				 errdetail("The state must be a one-dimensional float8 array without nulls.")));
	*n = ARR_DIMS(statearray)[0];
	state = (float8 *) ARR_DATA_PTR(statearray);

	/* {count, sum_1, ..., sum_n}: a whole count, finite sums */
	if (!(state[0] >= 0) || isinf(state[0]) || state[0] != floor(state[0]) ||
		(*n > 1 && state[0] == 0) || (*n == 1 && state[0] != 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid vector aggregate state"),
				 errdetail("The count %g does not fit %d sums.", state[0], *n - 1)));
	for (int i = 1; i < *n; i++)
		if (isnan(state[i]) || isinf(state[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid vector aggregate state"),
					 errdetail("Sums must be finite.")));
	return state;
}

static ArrayType *
make_state(const float8 *values, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(values[i]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						   TYPALIGN_DOUBLE);
}

/* The state after one more row of dim values. */
ArrayType *
VecextAccumAggState(const VecextDenseType *type, ArrayType *statearray,
					const float *values, int dim)
{
	int			n;
	float8	   *state = VecextCheckAggState(statearray, &n);
	float8	   *next;

	if (n > 1)
		VecextCheckSameDimsOf(type, n - 1, dim);

	next = palloc0(sizeof(float8) * (dim + 1));
	next[0] = state[0] + 1.0;
	for (int i = 0; i < dim; i++)
	{
		next[i + 1] = (n > 1 ? state[i + 1] : 0.0) + (double) values[i];
		if (isinf(next[i + 1]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
	}
	return make_state(next, dim + 1);
}

Datum
vecext_vector_accum(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(1);

	PG_RETURN_ARRAYTYPE_P(VecextAccumAggState(&VecextVectorType, PG_GETARG_ARRAYTYPE_P(0),
											  v->x, v->dim));
}

/* Two partial states as one. */
ArrayType *
VecextCombineAggStates(const VecextDenseType *type, ArrayType *sa, ArrayType *sb)
{
	int			na,
				nb;
	float8	   *a = VecextCheckAggState(sa, &na);
	float8	   *b = VecextCheckAggState(sb, &nb);
	float8	   *next;

	if (na == 1)
		return sb;
	if (nb == 1)
		return sa;
	VecextCheckSameDimsOf(type, na - 1, nb - 1);

	next = palloc(sizeof(float8) * na);
	for (int i = 0; i < na; i++)
	{
		next[i] = a[i] + b[i];
		if (isinf(next[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
	}
	return make_state(next, na);
}

Datum
vecext_vector_combine(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(VecextCombineAggStates(&VecextVectorType, PG_GETARG_ARRAYTYPE_P(0),
												 PG_GETARG_ARRAYTYPE_P(1)));
}

Datum
vecext_vector_avg(PG_FUNCTION_ARGS)
{
	ArrayType  *statearray = PG_GETARG_ARRAYTYPE_P(0);
	int			n;
	float8	   *state = VecextCheckAggState(statearray, &n);
	Vector	   *result;

	/* no rows: the SQL standard says NULL */
	if (state[0] == 0.0)
		PG_RETURN_NULL();

	VecextCheckDims(n - 1);
	result = VecextInitVector(n - 1);
	for (int i = 0; i < n - 1; i++)
	{
		result->x[i] = (float) (state[i + 1] / state[0]);
		check_overflow(result->x[i]);
	}
	PG_RETURN_VECTOR_P(result);
}
