/*-------------------------------------------------------------------------
 * vector.c
 *		The vector type: text and binary I/O, typmod, casts, and the
 *		checks every constructor shares.
 *-------------------------------------------------------------------------
 */
#include "types/vector.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(vecext_vector_in);
PG_FUNCTION_INFO_V1(vecext_vector_out);
PG_FUNCTION_INFO_V1(vecext_vector_typmod_in);
PG_FUNCTION_INFO_V1(vecext_vector_recv);
PG_FUNCTION_INFO_V1(vecext_vector_send);
PG_FUNCTION_INFO_V1(vecext_vector);
PG_FUNCTION_INFO_V1(vecext_array_to_vector);
PG_FUNCTION_INFO_V1(vecext_vector_to_float4);

/* Allocate a zeroed vector of dim dimensions. */
Vector *
VecextInitVector(int dim)
{
	Size		size = VECTOR_SIZE(dim);
	Vector	   *result = (Vector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

void
VecextCheckDims(int dim)
{
	if (dim < VECTOR_MIN_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least %d dimension", VECTOR_MIN_DIM)));
	if (dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vector cannot have more than %d dimensions", VECTOR_MAX_DIM)));
}

/* typmod -1 means "any dimension" */
void
VecextCheckExpectedDims(int typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

void
VecextCheckElement(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in vector")));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in vector")));
}

void
VecextCheckSameDimsCount(int a, int b)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", a, b)));
}

void
VecextCheckSameDims(const Vector *a, const Vector *b)
{
	VecextCheckSameDimsCount(a->dim, b->dim);
}

static inline bool
vector_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\v' || ch == '\f';
}

static void
syntax_error(const char *lit, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type vector: \"%s\"", lit),
			 errdetail("%s", detail)));
}

/*
 * Text input: '[' elem (',' elem)* ']' with white space allowed around
 * brackets and elements.  Elements are parsed like float4 (strtof), and
 * must be finite and not underflow to zero.
 */
Datum
vecext_vector_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	float	   *values;
	int			dim = 0;
	int			cap = 16;
	char	   *p = lit;
	Vector	   *result;

	while (vector_isspace(*p))
		p++;
	if (*p != '[')
		syntax_error(lit, "Vector contents must start with \"[\".");
	p++;
	while (vector_isspace(*p))
		p++;
	if (*p == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least %d dimension", VECTOR_MIN_DIM)));

	values = palloc(sizeof(float) * cap);
	for (;;)
	{
		char	   *end;
		float		val;

		while (vector_isspace(*p))
			p++;
		if (*p == '\0' || *p == ',' || *p == ']')
			syntax_error(lit, "Each element must be a number.");
		if (dim == VECTOR_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("vector cannot have more than %d dimensions", VECTOR_MAX_DIM)));

		errno = 0;
		val = strtof(p, &end);
		if (end == p)
			syntax_error(lit, "Each element must be a number.");
		if (errno == ERANGE && (isinf(val) || val == 0.0f))
		{
			/* overflow, or a non-zero literal that underflows to zero */
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type vector",
							pnstrdup(p, end - p))));
		}
		VecextCheckElement(val);

		if (dim == cap)
		{
			cap *= 2;
			values = repalloc(values, sizeof(float) * cap);
		}
		values[dim++] = val;

		p = end;
		while (vector_isspace(*p))
			p++;
		if (*p == ',')
		{
			p++;
			continue;
		}
		if (*p == ']')
		{
			p++;
			break;
		}
		syntax_error(lit, "Elements must be separated by \",\" and the vector closed by \"]\".");
	}

	while (vector_isspace(*p))
		p++;
	if (*p != '\0')
		syntax_error(lit, "Junk after closing right bracket.");

	VecextCheckExpectedDims(typmod, dim);

	result = VecextInitVector(dim);
	memcpy(result->x, values, sizeof(float) * dim);
	pfree(values);
	PG_RETURN_VECTOR_P(result);
}

/* Text output: the shortest text that reads back as the same float4. */
Datum
vecext_vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int			dim = vec->dim;
	char	   *buf;
	char	   *p;

	/* at most FLOAT_SHORTEST_DECIMAL_LEN - 1 chars per element + separator */
	buf = palloc(FLOAT_SHORTEST_DECIMAL_LEN * dim + 2);
	p = buf;
	*p++ = '[';
	for (int i = 0; i < dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(vec->x[i], p);
	}
	*p++ = ']';
	*p = '\0';

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

Datum
vecext_vector_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type vector takes one modifier, its number of dimensions.")));
	if (*tl < VECTOR_MIN_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector must be at least %d", VECTOR_MIN_DIM)));
	if (*tl > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector cannot exceed %d", VECTOR_MAX_DIM)));
	PG_RETURN_INT32(*tl);
}

/*
 * Binary input: int16 dims, int16 unused (must be 0), dims × float4, all
 * big-endian.  A short message errors in pq_getmsg*; bytes left over are an
 * error too.
 */
Datum
vecext_vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim;
	int16		unused;
	Vector	   *result;

	dim = (int16) pq_getmsgint(buf, sizeof(int16));
	unused = (int16) pq_getmsgint(buf, sizeof(int16));

	VecextCheckDims(dim);
	VecextCheckExpectedDims(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("expected unused to be 0, not %d", unused)));
	if (buf->len - buf->cursor != (int) (sizeof(float) * dim))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("incorrect binary data format for type vector"),
				 errdetail("Expected %d bytes of elements for %d dimensions, got %d.",
						   (int) (sizeof(float) * dim), dim, buf->len - buf->cursor)));

	result = VecextInitVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		VecextCheckElement(result->x[i]);
	}
	PG_RETURN_VECTOR_P(result);
}

Datum
vecext_vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint(&buf, vec->dim, sizeof(int16));
	pq_sendint(&buf, vec->unused, sizeof(int16));
	for (int i = 0; i < vec->dim; i++)
		pq_sendfloat4(&buf, vec->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Cast to a typmod: checks the dimension. */
Datum
vecext_vector(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	VecextCheckExpectedDims(typmod, vec->dim);
	PG_RETURN_VECTOR_P(vec);
}

static float
checked_float4(double value)
{
	float		f = (float) value;

	if (isinf(f) && !isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow")));
	if (f == 0.0f && value != 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: underflow")));
	VecextCheckElement(f);
	return f;
}

/* Casts from integer[], real[], double precision[] and numeric[]. */
Datum
vecext_array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Vector	   *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &n);

	VecextCheckDims(n);
	VecextCheckExpectedDims(typmod, n);

	result = VecextInitVector(n);
	for (int i = 0; i < n; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				result->x[i] = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				result->x[i] = DatumGetFloat4(elems[i]);
				VecextCheckElement(result->x[i]);
				break;
			case FLOAT8OID:
				result->x[i] = checked_float4(DatumGetFloat8(elems[i]));
				break;
			case NUMERICOID:
				result->x[i] = checked_float4(DatumGetFloat8(DirectFunctionCall1(numeric_float8,
																			  elems[i])));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("unsupported array element type %s",
								format_type_be(elemtype))));
		}
	}
	pfree(elems);
	pfree(nulls);
	PG_RETURN_VECTOR_P(result);
}

Datum
vecext_vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	Datum	   *d = palloc(sizeof(Datum) * vec->dim);

	for (int i = 0; i < vec->dim; i++)
		d[i] = Float4GetDatum(vec->x[i]);
	PG_RETURN_POINTER(construct_array(d, vec->dim, FLOAT4OID, sizeof(float4),
									  true, TYPALIGN_INT));
}
