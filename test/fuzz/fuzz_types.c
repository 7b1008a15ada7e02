/*-------------------------------------------------------------------------
 * fuzz_types.c
 *		The fuzzed types: their I/O functions and what makes a value of
 *		each well formed.
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include <math.h>

#include "types/halfvec.h"
#include "types/sparsevec.h"
#include "types/vector.h"

extern Datum vecext_vector_in(PG_FUNCTION_ARGS);
extern Datum vecext_vector_out(PG_FUNCTION_ARGS);
extern Datum vecext_vector_recv(PG_FUNCTION_ARGS);
extern Datum vecext_vector_send(PG_FUNCTION_ARGS);
extern Datum vecext_halfvec_in(PG_FUNCTION_ARGS);
extern Datum vecext_halfvec_out(PG_FUNCTION_ARGS);
extern Datum vecext_halfvec_recv(PG_FUNCTION_ARGS);
extern Datum vecext_halfvec_send(PG_FUNCTION_ARGS);
extern Datum vecext_sparsevec_in(PG_FUNCTION_ARGS);
extern Datum vecext_sparsevec_out(PG_FUNCTION_ARGS);
extern Datum vecext_sparsevec_recv(PG_FUNCTION_ARGS);
extern Datum vecext_sparsevec_send(PG_FUNCTION_ARGS);

/* vector: 1..16000 finite float4 values, unused 0, exact size */
static const char *
vector_invalid(const struct varlena *value)
{
	const Vector *v = (const Vector *) value;

	if (v->dim < VECTOR_MIN_DIM || v->dim > VECTOR_MAX_DIM)
		return "vector dimensions out of range";
	if (VARSIZE(v) != VECTOR_SIZE(v->dim))
		return "vector varlena size does not match its dimensions";
	if (v->unused != 0)
		return "vector unused field is not 0";
	for (int i = 0; i < v->dim; i++)
		if (!isfinite(v->x[i]))
			return "vector holds a NaN or an infinity";
	return NULL;
}

static int
vector_dims(const struct varlena *value)
{
	return ((const Vector *) value)->dim;
}

/* halfvec: 1..16000 finite halves, unused 0, exact size */
static const char *
halfvec_invalid(const struct varlena *value)
{
	const HalfVector *v = (const HalfVector *) value;

	if (v->dim < HALFVEC_MIN_DIM || v->dim > HALFVEC_MAX_DIM)
		return "halfvec dimensions out of range";
	if (VARSIZE(v) != HALFVEC_SIZE(v->dim))
		return "halfvec varlena size does not match its dimensions";
	if (v->unused != 0)
		return "halfvec unused field is not 0";
	for (int i = 0; i < v->dim; i++)
		if (VecextHalfIsSpecial(v->x[i]))
			return "halfvec holds a NaN or an infinity";
	return NULL;
}

static int
halfvec_dims(const struct varlena *value)
{
	return ((const HalfVector *) value)->dim;
}

/*
 * sparsevec: 1..1e9 dims, at most 16000 (and dims) entries with strictly
 * increasing indices below dims and finite non-zero values (no -0 either),
 * unused 0, exact size.
 */
static const char *
sparsevec_invalid(const struct varlena *value)
{
	const SparseVector *v = (const SparseVector *) value;
	const float *values;

	if (v->dim < SPARSEVEC_MIN_DIM || v->dim > SPARSEVEC_MAX_DIM)
		return "sparsevec dimensions out of range";
	if (v->nnz < 0 || v->nnz > SPARSEVEC_MAX_NNZ || v->nnz > v->dim)
		return "sparsevec nnz out of range";
	if (VARSIZE(v) != SPARSEVEC_SIZE(v->nnz))
		return "sparsevec varlena size does not match its nnz";
	if (v->unused != 0)
		return "sparsevec unused field is not 0";
	values = SPARSEVEC_VALUES(v);
	for (int i = 0; i < v->nnz; i++)
	{
		if (v->indices[i] < 0 || v->indices[i] >= v->dim)
			return "sparsevec index out of range";
		if (i > 0 && v->indices[i] <= v->indices[i - 1])
			return "sparsevec indices not strictly increasing";
		if (!isfinite(values[i]) || values[i] == 0.0f)
			return "sparsevec holds a zero, a NaN or an infinity";
	}
	return NULL;
}

static int
sparsevec_dims(const struct varlena *value)
{
	return ((const SparseVector *) value)->dim;
}

const FuzzType FuzzVector = {
	"vector", vecext_vector_in, vecext_vector_out, vecext_vector_recv,
	vecext_vector_send, vector_invalid, vector_dims
};

const FuzzType FuzzHalfvec = {
	"halfvec", vecext_halfvec_in, vecext_halfvec_out, vecext_halfvec_recv,
	vecext_halfvec_send, halfvec_invalid, halfvec_dims
};

const FuzzType FuzzSparsevec = {
	"sparsevec", vecext_sparsevec_in, vecext_sparsevec_out, vecext_sparsevec_recv,
	vecext_sparsevec_send, sparsevec_invalid, sparsevec_dims
};
