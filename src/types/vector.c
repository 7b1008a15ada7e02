/*-------------------------------------------------------------------------
 * vector.c
 *		The vector type: text and binary I/O, typmod, casts, and the
 *		checks and parsers every dense type (vector, halfvec) shares.
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

const VecextDenseType VecextVectorType = {"vector", VECTOR_MAX_DIM, INFINITY, sizeof(float)};

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
VecextCheckDimsOf(const VecextDenseType *type, int dim)
{
	if (dim < VECTOR_MIN_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least %d dimension", type->name, VECTOR_MIN_DIM)));
	if (dim > type->max_dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", type->name, type->max_dim)));
}

void
VecextCheckDims(int dim)
{
	VecextCheckDimsOf(&VecextVectorType, dim);
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
VecextCheckFiniteOf(const VecextDenseType *type, float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", type->name)));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", type->name)));
}

void
VecextCheckElement(float value)
{
	VecextCheckFiniteOf(&VecextVectorType, value);
}

void
VecextCheckSameDimsOf(const VecextDenseType *type, int a, int b)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different %s dimensions %d and %d", type->name, a, b)));
}

void
VecextCheckSameDimsCount(int a, int b)
{
	VecextCheckSameDimsOf(&VecextVectorType, a, b);
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
syntax_error(const VecextDenseType *type, const char *lit, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", type->name, lit),
			 errdetail("%s", detail)));
}

/*
 * Text input of every dense type: '[' elem (',' elem)* ']' with white space
 * allowed around brackets and elements.  Elements are parsed like float4
 * (strtof) and must be finite; one whose magnitude reaches type->max_abs
 * (or overflows float4) is out of range, one too small for a float4 becomes
 * 0 (or -0).  Returns the palloc'd float4 values and their count.
 */
float *
VecextParseElements(const VecextDenseType *type, const char *lit, int *ndim)
{
	float	   *values;
	int			dim = 0;
	int			cap = 16;
	const char *p = lit;

	while (vector_isspace(*p))
		p++;
	if (*p != '[')
		syntax_error(type, lit, "Vector contents must start with \"[\".");
	p++;
	while (vector_isspace(*p))
		p++;
	if (*p == ']')
		VecextCheckDimsOf(type, 0);

	values = palloc(sizeof(float) * cap);
	for (;;)
	{
		char	   *end;
		float		val;

		while (vector_isspace(*p))
			p++;
		if (*p == '\0' || *p == ',' || *p == ']')
			syntax_error(type, lit, "Each element must be a number.");
		if (dim == type->max_dim)
			VecextCheckDimsOf(type, dim + 1);

		errno = 0;
		val = strtof(p, &end);
		if (end == p)
			syntax_error(type, lit, "Each element must be a number.");
		/* float4 overflow, or too large for the element type */
		if ((errno == ERANGE && isinf(val)) || (!isinf(val) && fabsf(val) >= type->max_abs))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type %s",
							pnstrdup(p, end - p), type->name)));
		/* a literal that underflows (ERANGE with 0 or a subnormal) is kept */
		VecextCheckFiniteOf(type, val);

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
		syntax_error(type, lit, "Elements must be separated by \",\" and the vector closed by \"]\".");
	}

	while (vector_isspace(*p))
		p++;
	if (*p != '\0')
		syntax_error(type, lit, "Junk after closing right bracket.");

	*ndim = dim;
	return values;
}

/* A vector of the n values (palloc'd, freed here) that must fit typmod. */
static Vector *
vector_from_floats(float *values, int n, int32 typmod)
{
	Vector	   *result;

	VecextCheckDims(n);
	VecextCheckExpectedDims(typmod, n);
	result = VecextInitVector(n);
	memcpy(result->x, values, sizeof(float) * n);
	pfree(values);
	return result;
}

Datum
vecext_vector_in(PG_FUNCTION_ARGS)
{
	int			dim;
	float	   *values = VecextParseElements(&VecextVectorType, PG_GETARG_CSTRING(0), &dim);

	PG_RETURN_VECTOR_P(vector_from_floats(values, dim, PG_GETARG_INT32(2)));
}

/*
 * Text output of every dense type: the dim float4 values, each as the
 * shortest text that reads back as the same float4.
 */
char *
VecextFormatElements(const float *x, int dim)
{
	/* at most FLOAT_SHORTEST_DECIMAL_LEN - 1 chars per element + separator */
	char	   *buf = palloc(FLOAT_SHORTEST_DECIMAL_LEN * dim + 2);
	char	   *p = buf;

	*p++ = '[';
	for (int i = 0; i < dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(x[i], p);
	}
	*p++ = ']';
	*p = '\0';
	return buf;
}

Datum
vecext_vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	char	   *buf = VecextFormatElements(vec->x, vec->dim);

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

int32
VecextTypmodIn(const VecextDenseType *type, ArrayType *ta)
{
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type %s takes one modifier, its number of dimensions.", type->name)));
	if (*tl < VECTOR_MIN_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s must be at least %d", type->name, VECTOR_MIN_DIM)));
	if (*tl > type->max_dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s cannot exceed %d", type->name, type->max_dim)));
	return *tl;
}

Datum
vecext_vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VecextTypmodIn(&VecextVectorType, PG_GETARG_ARRAYTYPE_P(0)));
}

/*
 * Binary input header of every dense type: int16 dims, int16 unused (must
 * be 0), big-endian, then exactly dims elements of type->elem_size bytes.
 * A short message errors in pq_getmsg*; bytes left over are an error too.
 * Returns the dimensions; the caller reads the elements.
 */
int
VecextRecvHeader(const VecextDenseType *type, StringInfo buf, int32 typmod)
{
	int16		dim;
	int16		unused;
	int			want;

	dim = (int16) pq_getmsgint(buf, sizeof(int16));
	unused = (int16) pq_getmsgint(buf, sizeof(int16));

	VecextCheckDimsOf(type, dim);
	VecextCheckExpectedDims(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("expected unused to be 0, not %d", unused)));
	want = type->elem_size * dim;
	if (buf->len - buf->cursor != want)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("incorrect binary data format for type %s", type->name),
				 errdetail("Expected %d bytes of elements for %d dimensions, got %d.",
						   want, dim, buf->len - buf->cursor)));
	return dim;
}

Datum
vecext_vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			dim = VecextRecvHeader(&VecextVectorType, buf, PG_GETARG_INT32(2));
	Vector	   *result = VecextInitVector(dim);

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

/*
 * A double as a float4: overflow is an error, a non-zero value too small
 * for a float4 becomes 0 (or -0), like the reference.
 */
static float
checked_float4(const VecextDenseType *type, double value, bool infinite_source)
{
	float		f = (float) value;

	if (isinf(f) && !infinite_source)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow")));
	VecextCheckFiniteOf(type, f);
	return f;
}

/*
 * The elements of a 1-D array without NULLs (integer[], real[], double
 * precision[] or numeric[]) as float4, for the casts to every dense type.
 * Elements must be finite; overflow is an error, underflow gives 0.
 * Returns the palloc'd values and their count (dimensions are the caller's
 * to check).
 */
float *
VecextArrayToFloats(const VecextDenseType *type, ArrayType *array, int *count)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	float	   *result;

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

	result = palloc(sizeof(float) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				result[i] = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				result[i] = DatumGetFloat4(elems[i]);
				VecextCheckFiniteOf(type, result[i]);
				break;
			case FLOAT8OID:
				result[i] = checked_float4(type, DatumGetFloat8(elems[i]),
										   isinf(DatumGetFloat8(elems[i])));
				break;
			case NUMERICOID:
				/* no error for a numeric too small (or large) for a float8 */
				result[i] = checked_float4(type,
										   DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
																			  elems[i])),
										   numeric_is_inf(DatumGetNumeric(elems[i])));
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
	*count = n;
	return result;
}

/* Casts from integer[], real[], double precision[] and numeric[]. */
Datum
vecext_array_to_vector(PG_FUNCTION_ARGS)
{
	int			n;
	float	   *values = VecextArrayToFloats(&VecextVectorType, PG_GETARG_ARRAYTYPE_P(0), &n);

	PG_RETURN_VECTOR_P(vector_from_floats(values, n, PG_GETARG_INT32(1)));
}

/* A real[] of the dim values (casts from every dense type). */
ArrayType *
VecextFloatsToArray(const float *x, int dim)
{
	Datum	   *d = palloc(sizeof(Datum) * dim);

	for (int i = 0; i < dim; i++)
		d[i] = Float4GetDatum(x[i]);
	return construct_array(d, dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

Datum
vecext_vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	PG_RETURN_ARRAYTYPE_P(VecextFloatsToArray(vec->x, vec->dim));
}
