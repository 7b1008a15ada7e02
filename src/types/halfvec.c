/*-------------------------------------------------------------------------
 * halfvec.c
 *		The halfvec type (IEEE binary16 elements): text and binary I/O,
 *		typmod, and the casts to and from arrays and vector.
 *
 * Every element enters as a float4 and is rounded to the nearest half
 * (ties to even, subnormal halves exact, too small becomes a signed zero);
 * a value that rounds past 65504, NaN and Infinity are errors.
 *-------------------------------------------------------------------------
 */
#include "types/halfvec.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"

PG_FUNCTION_INFO_V1(vecext_halfvec_in);
PG_FUNCTION_INFO_V1(vecext_halfvec_out);
PG_FUNCTION_INFO_V1(vecext_halfvec_typmod_in);
PG_FUNCTION_INFO_V1(vecext_halfvec_recv);
PG_FUNCTION_INFO_V1(vecext_halfvec_send);
PG_FUNCTION_INFO_V1(vecext_halfvec);
PG_FUNCTION_INFO_V1(vecext_array_to_halfvec);
PG_FUNCTION_INFO_V1(vecext_halfvec_to_float4);
PG_FUNCTION_INFO_V1(vecext_vector_to_halfvec);
PG_FUNCTION_INFO_V1(vecext_halfvec_to_vector);

const VecextDenseType VecextHalfvecType = {
	"halfvec", HALFVEC_MAX_DIM, HALFVEC_OVERFLOW, sizeof(VecextHalf)
};

/* Allocate a zeroed halfvec of dim dimensions. */
HalfVector *
VecextInitHalfVector(int dim)
{
	Size		size = HALFVEC_SIZE(dim);
	HalfVector *result = (HalfVector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/*
 * A float4 as a half: NaN, Infinity and a value that rounds past the
 * largest half are errors (never clamped); too small becomes 0 or -0.
 */
VecextHalf
VecextHalfFromFloat(float value)
{
	VecextHalf	h = VecextFloatToHalf(value);

	if (VecextHalfIsSpecial(h))
	{
		char		buf[FLOAT_SHORTEST_DECIMAL_LEN];

		VecextCheckFiniteOf(&VecextHalfvecType, value);
		float_to_shortest_decimal_buf(value, buf);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%s\" is out of range for type halfvec", buf)));
	}
	return h;
}

/* A halfvec of the n float4 values (palloc'd, freed here) that fits typmod. */
static HalfVector *
halfvec_from_floats(float *values, int n, int32 typmod)
{
	HalfVector *result;

	VecextCheckDimsOf(&VecextHalfvecType, n);
	VecextCheckExpectedDims(typmod, n);
	result = VecextInitHalfVector(n);
	for (int i = 0; i < n; i++)
		result->x[i] = VecextHalfFromFloat(values[i]);
	pfree(values);
	return result;
}

/* Text input: the grammar and messages of vector (elements read as float4). */
Datum
vecext_halfvec_in(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *values = VecextParseElements(&VecextHalfvecType, PG_GETARG_CSTRING(0), &dim);

	PG_RETURN_HALFVEC_P(halfvec_from_floats(values, dim, PG_GETARG_INT32(2)));
}

/* The elements widened to float4 (exact), palloc'd. */
float *
VecextHalfvecToFloats(const HalfVector *vec)
{
	float	   *x = palloc(sizeof(float) * Max(vec->dim, 1));

	for (int i = 0; i < vec->dim; i++)
		x[i] = VecextHalfToFloat(vec->x[i]);
	return x;
}

/*
 * Text output: each element's float4 value in the shortest text that reads
 * back as that float4 (so as the same half too), like the reference.
 */
Datum
vecext_halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	char	   *buf = VecextFormatElements(VecextHalfvecToFloats(vec), vec->dim);

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

Datum
vecext_halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VecextTypmodIn(&VecextHalfvecType, PG_GETARG_ARRAYTYPE_P(0)));
}

/*
 * Binary input: int16 dims, int16 unused (0), dims x uint16 half bits, all
 * big-endian; NaN and Infinity bits are rejected.
 */
Datum
vecext_halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			dim = VecextRecvHeader(&VecextHalfvecType, buf, PG_GETARG_INT32(2));
	HalfVector *result = VecextInitHalfVector(dim);

	for (int i = 0; i < dim; i++)
	{
		result->x[i] = (VecextHalf) pq_getmsgint(buf, sizeof(VecextHalf));
		if (VecextHalfIsSpecial(result->x[i]))
			VecextCheckFiniteOf(&VecextHalfvecType, VecextHalfToFloat(result->x[i]));
	}
	PG_RETURN_HALFVEC_P(result);
}

Datum
vecext_halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint(&buf, vec->dim, sizeof(int16));
	pq_sendint(&buf, vec->unused, sizeof(int16));
	for (int i = 0; i < vec->dim; i++)
		pq_sendint(&buf, vec->x[i], sizeof(VecextHalf));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Cast to a typmod: checks the dimension. */
Datum
vecext_halfvec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	VecextCheckExpectedDims(PG_GETARG_INT32(1), vec->dim);
	PG_RETURN_HALFVEC_P(vec);
}

/* Casts from integer[], real[], double precision[] and numeric[]. */
Datum
vecext_array_to_halfvec(PG_FUNCTION_ARGS)
{
	int			n;
	float	   *values = VecextArrayToFloats(&VecextHalfvecType, PG_GETARG_ARRAYTYPE_P(0), &n);

	PG_RETURN_HALFVEC_P(halfvec_from_floats(values, n, PG_GETARG_INT32(1)));
}

Datum
vecext_halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_ARRAYTYPE_P(VecextFloatsToArray(VecextHalfvecToFloats(vec), vec->dim));
}

/* vector -> halfvec rounds each element to the nearest half. */
Datum
vecext_vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	float	   *values = palloc(sizeof(float) * vec->dim);

	memcpy(values, vec->x, sizeof(float) * vec->dim);
	PG_RETURN_HALFVEC_P(halfvec_from_floats(values, vec->dim, PG_GETARG_INT32(1)));
}

/* halfvec -> vector is exact. */
Datum
vecext_halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	float	   *x = VecextHalfvecToFloats(vec);
	Vector	   *result;

	VecextCheckDims(vec->dim);
	VecextCheckExpectedDims(PG_GETARG_INT32(1), vec->dim);
	result = VecextInitVector(vec->dim);
	memcpy(result->x, x, sizeof(float) * vec->dim);
	PG_RETURN_VECTOR_P(result);
}
