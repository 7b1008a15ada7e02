/*-------------------------------------------------------------------------
 * halfvec.h
 *		The in-memory form of the halfvec type (IEEE binary16 elements).
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_HALFVEC_H
#define VECEXT_HALFVEC_H

#include "compat.h"

#include "fmgr.h"

#include "distance/half.h"
#include "types/vector.h"

#define HALFVEC_MIN_DIM 1
#define HALFVEC_MAX_DIM 16000

/* the smallest magnitude that rounds past the largest half (65504) */
#define HALFVEC_OVERFLOW 65520.0f

/*
 * A halfvec value.  The varlena body mirrors the binary wire format:
 * int16 dims, int16 unused (always 0), then dims binary16 values.
 */
typedef struct HalfVector
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved, always 0 */
	VecextHalf	x[FLEXIBLE_ARRAY_MEMBER];
} HalfVector;

#define HALFVEC_SIZE(_dim)		(offsetof(HalfVector, x) + sizeof(VecextHalf) * (_dim))
#define DatumGetHalfVector(x)	((HalfVector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_HALFVEC_P(x)	DatumGetHalfVector(PG_GETARG_DATUM(x))
#define PG_RETURN_HALFVEC_P(x)	PG_RETURN_POINTER(x)

/* name, limits and element size for the checks shared with vector */
extern const VecextDenseType VecextHalfvecType;

extern HalfVector *VecextInitHalfVector(int dim);
extern VecextHalf VecextHalfFromFloat(float value);
extern float *VecextHalfvecToFloats(const HalfVector *vec);

/* Distance functions the hnsw opclasses name as support functions. */
extern PGDLLEXPORT Datum vecext_halfvec_l2_squared_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_halfvec_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_halfvec_l1_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_halfvec_l2_norm(PG_FUNCTION_ARGS);

#endif							/* VECEXT_HALFVEC_H */
