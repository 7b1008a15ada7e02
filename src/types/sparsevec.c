/*-------------------------------------------------------------------------
 * sparsevec.c
 *		The sparsevec type: text and binary I/O, typmod, and the casts to
 *		and from vector, halfvec and arrays.
 *
 * A value keeps only its non-zero elements, as strictly increasing 0-based
 * indices with their float4 values (see sparsevec.h).  The text form counts
 * indices from 1: '{1:1.5,3:2}/5'.  Every constructor drops zeros (and -0),
 * so two equal vectors have the same bytes.
 *-------------------------------------------------------------------------
 */
#include "types/sparsevec.h"

#include <limits.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "types/halfvec.h"
#include "types/vector.h"

PG_FUNCTION_INFO_V1(vecext_sparsevec_in);
PG_FUNCTION_INFO_V1(vecext_sparsevec_out);
PG_FUNCTION_INFO_V1(vecext_sparsevec_typmod_in);
PG_FUNCTION_INFO_V1(vecext_sparsevec_recv);
PG_FUNCTION_INFO_V1(vecext_sparsevec_send);
PG_FUNCTION_INFO_V1(vecext_sparsevec);
PG_FUNCTION_INFO_V1(vecext_vector_to_sparsevec);
PG_FUNCTION_INFO_V1(vecext_sparsevec_to_vector);
PG_FUNCTION_INFO_V1(vecext_array_to_sparsevec);
PG_FUNCTION_INFO_V1(vecext_halfvec_to_sparsevec);
PG_FUNCTION_INFO_V1(vecext_sparsevec_to_halfvec);

/* Allocate a sparse vector with room for nnz elements, all fields zeroed. */
SparseVector *
VecextInitSparseVector(int dim, int nnz)
{
	Size		size = SPARSEVEC_SIZE(nnz);
	SparseVector *result = (SparseVector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	result->nnz = nnz;
	return result;
}

/* checks ----------------------------------------------------------------- */

/*
 * sparsevec borrows the dense types' checks (their messages name the type
 * and its limits); only the element count is its own.
 */
const VecextDenseType VecextSparsevecType = {"sparsevec", SPARSEVEC_MAX_DIM, INFINITY, sizeof(float)};

static void
check_dims(int dim)
{
	VecextCheckDimsOf(&VecextSparsevecType, dim);
}

static void
check_element(float value)
{
	VecextCheckFiniteOf(&VecextSparsevecType, value);
}

static void
too_many_nonzeros(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("sparsevec cannot have more than %d non-zero elements",
					SPARSEVEC_MAX_NNZ)));
}

static void
check_nnz(int nnz, int dim)
{
	if (nnz < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec cannot have negative number of elements")));
	if (nnz > SPARSEVEC_MAX_NNZ)
		too_many_nonzeros();
	if (nnz > dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more elements than dimensions")));
}

static void
index_out_of_bounds(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("sparsevec index out of bounds")));
}

static void
duplicate_index(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("sparsevec indices must not contain duplicates")));
}

/* conversions shared by the casts ---------------------------------------- */

/* The sparse form of dim dense values (palloc'd, freed here) that fits typmod. */
static SparseVector *
sparse_from_dense(float *x, int dim, int32 typmod)
{
	SparseVector *result;
	float	   *values;
	int			nnz = 0;

	check_dims(dim);
	VecextCheckExpectedDims(typmod, dim);
	for (int i = 0; i < dim; i++)
	{
		if (x[i] != 0.0f)
		{
			check_element(x[i]);
			nnz++;
		}
	}
	check_nnz(nnz, dim);

	result = VecextInitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < dim; i++)
	{
		if (x[i] != 0.0f)
		{
			result->indices[nnz] = i;
			values[nnz++] = x[i];
		}
	}
	pfree(x);
	return result;
}

/* text I/O --------------------------------------------------------------- */

/* One element as written in the text, index already 0-based. */
typedef struct SparseEntry
{
	int32		index;
	float		value;
} SparseEntry;

static int
entry_cmp(const void *a, const void *b)
{
	int32		ia = ((const SparseEntry *) a)->index;
	int32		ib = ((const SparseEntry *) b)->index;

	return (ia > ib) - (ia < ib);
}

static inline bool
sparsevec_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\v' || ch == '\f';
}

static char *
skip_space(char *p)
{
	while (sparsevec_isspace(*p))
		p++;
	return p;
}

static void
syntax_error(const char *lit, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit),
			 errdetail("%s", detail)));
}

/* An integer (index or dimensions) like int4in, clamped to [lo, INT_MAX]. */
static int32
parse_int(const char *lit, char **p, long lo, const char *detail)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(*p, &end, 10);
	if (end == *p)
		syntax_error(lit, detail);
	*p = end;
	/* out of int range: keep the sign, the range checks name the problem */
	if (v > INT_MAX)
		v = INT_MAX;
	else if (v < lo)
		v = lo;
	return (int32) v;
}

/*
 * Text input: '{' [index ':' value (',' index ':' value)*] '}' '/' dims,
 * with white space allowed between tokens.  Indices are 1-based and may
 * come in any order; values are parsed like float4 (strtof).  A value too
 * small for a float4 reads as 0, and zeros are dropped, but their indices
 * are still checked (in range, no duplicates).
 */
Datum
vecext_sparsevec_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	const char *elem_detail = "Each element must be an index, \":\" and a number.";
	char	   *p = lit;
	SparseEntry *entries;
	int			n = 0;
	int			cap = 16;
	int			nnz = 0;
	int32		dim;
	SparseVector *result;
	float	   *values;

	p = skip_space(p);
	if (*p != '{')
		syntax_error(lit, "Vector contents must start with \"{\".");
	p = skip_space(p + 1);

	entries = palloc(sizeof(SparseEntry) * cap);
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			int32		index;
			float		value;
			char	   *end;

			p = skip_space(p);
			/* 0-based from here on; INT_MIN + 1 keeps index - 1 in range */
			index = parse_int(lit, &p, (long) INT_MIN + 1, elem_detail) - 1;
			p = skip_space(p);
			if (*p != ':')
				syntax_error(lit, elem_detail);
			p = skip_space(p + 1);

			errno = 0;
			value = strtof(p, &end);
			if (end == p)
				syntax_error(lit, elem_detail);
			if (errno == ERANGE && isinf(value))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("\"%s\" is out of range for type sparsevec",
								pnstrdup(p, end - p))));
			check_element(value);
			p = end;

			if (value != 0.0f && ++nnz > SPARSEVEC_MAX_NNZ)
				too_many_nonzeros();
			if (n == cap)
			{
				/* zeros are listed too: only the text's length bounds them */
				if ((Size) cap * 2 * sizeof(SparseEntry) > MaxAllocSize)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("sparsevec text lists too many elements")));
				cap *= 2;
				entries = repalloc(entries, sizeof(SparseEntry) * cap);
			}
			entries[n].index = index;
			entries[n].value = value;
			n++;

			p = skip_space(p);
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			syntax_error(lit, "Elements must be separated by \",\" and closed by \"}\".");
		}
	}

	p = skip_space(p);
	if (*p != '/')
		syntax_error(lit, "Unexpected end of input.");
	p = skip_space(p + 1);
	dim = parse_int(lit, &p, INT_MIN, "The dimensions must follow \"/\".");
	p = skip_space(p);
	if (*p != '\0')
		syntax_error(lit, "Junk after closing.");

	check_dims(dim);
	VecextCheckExpectedDims(typmod, dim);

	qsort(entries, n, sizeof(SparseEntry), entry_cmp);
	if (n > 0 && (entries[0].index < 0 || entries[n - 1].index >= dim))
		index_out_of_bounds();
	for (int i = 1; i < n; i++)
		if (entries[i].index == entries[i - 1].index)
			duplicate_index();

	result = VecextInitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < n; i++)
	{
		if (entries[i].value != 0.0f)
		{
			result->indices[nnz] = entries[i].index;
			values[nnz++] = entries[i].value;
		}
	}
	pfree(entries);
	PG_RETURN_SPARSEVEC_P(result);
}

/* Text output: indices 1-based, values as the shortest round-trip text. */
Datum
vecext_sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	char	   *buf;
	char	   *p;

	/* per element: up to 11 chars of index, ':', a float, ','; then "{}/", dims, NUL */
	buf = palloc((Size) svec->nnz * (13 + FLOAT_SHORTEST_DECIMAL_LEN) + 16);
	p = buf;
	*p++ = '{';
	for (int i = 0; i < svec->nnz; i++)
	{
		if (i > 0)
			*p++ = ',';
		pg_ltoa(svec->indices[i] + 1, p);
		p += strlen(p);
		*p++ = ':';
		p += float_to_shortest_decimal_bufn(values[i], p);
	}
	*p++ = '}';
	*p++ = '/';
	pg_ltoa(svec->dim, p);

	PG_FREE_IF_COPY(svec, 0);
	PG_RETURN_CSTRING(buf);
}

Datum
vecext_sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VecextTypmodIn(&VecextSparsevecType, PG_GETARG_ARRAYTYPE_P(0)));
}

/* binary I/O ------------------------------------------------------------- */

/*
 * Binary input: int32 dims, int32 nnz, int32 unused (must be 0), nnz int32
 * 0-based indices (strictly increasing, below dims), nnz float4 values
 * (finite, non-zero), all big-endian, and nothing after them.
 */
Datum
vecext_sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int32		dim;
	int32		nnz;
	int32		unused;
	SparseVector *result;
	float	   *values;

	dim = (int32) pq_getmsgint(buf, sizeof(int32));
	nnz = (int32) pq_getmsgint(buf, sizeof(int32));
	unused = (int32) pq_getmsgint(buf, sizeof(int32));

	check_dims(dim);
	check_nnz(nnz, dim);
	VecextCheckExpectedDims(typmod, dim);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("expected unused to be 0, not %d", unused)));
	if (buf->len - buf->cursor != (int) ((sizeof(int32) + sizeof(float)) * nnz))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("incorrect binary data format for type sparsevec"),
				 errdetail("Expected %d bytes of indices and values (nnz %d), got %d.",
						   (int) ((sizeof(int32) + sizeof(float)) * nnz), nnz,
						   buf->len - buf->cursor)));

	result = VecextInitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < nnz; i++)
	{
		int32		index = (int32) pq_getmsgint(buf, sizeof(int32));

		if (index < 0 || index >= dim)
			index_out_of_bounds();
		if (i > 0 && index == result->indices[i - 1])
			duplicate_index();
		if (i > 0 && index < result->indices[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec indices must be in ascending order")));
		result->indices[i] = index;
	}
	for (int i = 0; i < nnz; i++)
	{
		values[i] = pq_getmsgfloat4(buf);
		check_element(values[i]);
		if (values[i] == 0.0f)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("binary representation of sparsevec cannot contain zero values")));
	}
	PG_RETURN_SPARSEVEC_P(result);
}

Datum
vecext_sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) svec->dim);
	pq_sendint32(&buf, (uint32) svec->nnz);
	pq_sendint32(&buf, (uint32) svec->unused);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendint32(&buf, (uint32) svec->indices[i]);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* casts ------------------------------------------------------------------ */

/* Cast to a typmod: checks the dimension. */
Datum
vecext_sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	VecextCheckExpectedDims(typmod, svec->dim);
	PG_RETURN_SPARSEVEC_P(svec);
}

Datum
vecext_vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	float	   *x = palloc(sizeof(float) * vec->dim);

	memcpy(x, vec->x, sizeof(float) * vec->dim);
	PG_RETURN_SPARSEVEC_P(sparse_from_dense(x, vec->dim, PG_GETARG_INT32(1)));
}

/* To vector: the dims must fit a vector (at most 16000). */
Datum
vecext_sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *values = SPARSEVEC_VALUES(svec);
	Vector	   *result;

	VecextCheckDims(svec->dim);
	VecextCheckExpectedDims(typmod, svec->dim);
	result = VecextInitVector(svec->dim);
	for (int i = 0; i < svec->nnz; i++)
		result->x[svec->indices[i]] = values[i];
	PG_RETURN_VECTOR_P(result);
}

/*
 * Casts from integer[], real[], double precision[] and numeric[], with the
 * dense types' conversion: finite values, overflow an error, underflow 0.
 */
Datum
vecext_array_to_sparsevec(PG_FUNCTION_ARGS)
{
	int			n;
	float	   *x = VecextArrayToFloats(&VecextSparsevecType, PG_GETARG_ARRAYTYPE_P(0), &n);

	PG_RETURN_SPARSEVEC_P(sparse_from_dense(x, n, PG_GETARG_INT32(1)));
}

/* halfvec <-> sparsevec -------------------------------------------------- */

Datum
vecext_halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);

	/* exact: every half is a float4 */
	PG_RETURN_SPARSEVEC_P(sparse_from_dense(VecextHalfvecToFloats(vec), vec->dim,
											PG_GETARG_INT32(1)));
}

/*
 * To halfvec: the dims must fit a halfvec (at most 16000), each value is
 * rounded to the nearest half; one too large for a half is an error, one
 * too small becomes 0.
 */
Datum
vecext_sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector *svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *values = SPARSEVEC_VALUES(svec);
	HalfVector *result;

	VecextCheckDimsOf(&VecextHalfvecType, svec->dim);
	VecextCheckExpectedDims(typmod, svec->dim);
	result = VecextInitHalfVector(svec->dim);
	for (int i = 0; i < svec->nnz; i++)
		result->x[svec->indices[i]] = VecextHalfFromFloat(values[i]);
	PG_RETURN_HALFVEC_P(result);
}
