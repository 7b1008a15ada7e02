/*-------------------------------------------------------------------------
 * sparsevec.h
 *		The in-memory form of the sparsevec type: dimensions, then the
 *		non-zero elements as sorted 0-based indices and their float4 values.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_SPARSEVEC_H
#define VECEXT_SPARSEVEC_H

#include "compat.h"

#include "fmgr.h"

#include "types/vector.h"

#define SPARSEVEC_MIN_DIM 1
#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

/*
 * A sparsevec value.  The varlena body mirrors the binary wire format:
 * int32 dim, int32 nnz, int32 unused (always 0), nnz int32 indices
 * (0-based, strictly increasing), then nnz float4 values (none zero).
 */
typedef struct SparseVector
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of non-zero elements */
	int32		unused;			/* reserved, always 0 */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* then float4 values[nnz] */
} SparseVector;

#define SPARSEVEC_SIZE(_nnz) \
	(offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (_nnz))
#define SPARSEVEC_VALUES(_v)	((float *) ((_v)->indices + (_v)->nnz))
#define DatumGetSparseVector(x) ((SparseVector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_SPARSEVEC_P(x) DatumGetSparseVector(PG_GETARG_DATUM(x))
#define PG_RETURN_SPARSEVEC_P(x) PG_RETURN_POINTER(x)

extern SparseVector *VecextInitSparseVector(int dim, int nnz);

/* name and limits for the checks shared with the dense types */
extern const VecextDenseType VecextSparsevecType;

/* Distance functions the hnsw opclasses name as support functions. */
extern PGDLLEXPORT Datum vecext_sparsevec_l2_squared_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_sparsevec_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_sparsevec_l1_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_sparsevec_l2_norm(PG_FUNCTION_ARGS);

#endif							/* VECEXT_SPARSEVEC_H */
