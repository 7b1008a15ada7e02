/*-------------------------------------------------------------------------
 * vector.h
 *		The in-memory form of the vector type and its helpers.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_VECTOR_H
#define VECEXT_VECTOR_H

#include "compat.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/varbit.h"

#define VECTOR_MIN_DIM 1
#define VECTOR_MAX_DIM 16000

/*
 * A vector value.  The varlena body mirrors the binary wire format:
 * int16 dims, int16 unused (always 0), then dims float4 values.
 */
typedef struct Vector
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved, always 0 */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

#define VECTOR_SIZE(_dim)		(offsetof(Vector, x) + sizeof(float) * (_dim))
#define DatumGetVector(x)		((Vector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_VECTOR_P(x)	DatumGetVector(PG_GETARG_DATUM(x))
#define PG_RETURN_VECTOR_P(x)	PG_RETURN_POINTER(x)

/*
 * What the shared parsers and checks of the dense types (vector, halfvec)
 * need to know about one of them; its name goes into their messages.
 */
typedef struct VecextDenseType
{
	const char *name;			/* "vector", "halfvec" */
	int			max_dim;		/* most dimensions */
	float		max_abs;		/* a text element this large is out of range */
	int			elem_size;		/* bytes per element in the binary format */
} VecextDenseType;

extern const VecextDenseType VecextVectorType;

extern void VecextCheckDimsOf(const VecextDenseType *type, int dim);
extern void VecextCheckFiniteOf(const VecextDenseType *type, float value);
extern void VecextCheckSameDimsOf(const VecextDenseType *type, int a, int b);
extern float *VecextParseElements(const VecextDenseType *type, const char *lit, int *ndim);
extern int32 VecextTypmodIn(const VecextDenseType *type, ArrayType *ta);
extern int	VecextRecvHeader(const VecextDenseType *type, StringInfo buf, int32 typmod);
extern float *VecextArrayToFloats(const VecextDenseType *type, ArrayType *array, int *count);
extern char *VecextFormatElements(const float *x, int dim);
extern ArrayType *VecextFloatsToArray(const float *x, int dim);
extern VarBit *VecextQuantizeElements(const float *x, int dim);

/* avg's float8[] state {count, sum_1 .. sum_n}, shared by vector and halfvec */
extern float8 *VecextCheckAggState(ArrayType *statearray, int *n);
extern ArrayType *VecextAccumAggState(const VecextDenseType *type, ArrayType *statearray,
									  const float *values, int dim);
extern ArrayType *VecextCombineAggStates(const VecextDenseType *type, ArrayType *sa,
										 ArrayType *sb);
extern int	VecextSubvectorRange(const VecextDenseType *type, int dim, int32 start,
								 int32 count, int *first);

extern Vector *VecextInitVector(int dim);
extern void VecextCheckDims(int dim);
extern void VecextCheckExpectedDims(int typmod, int dim);
extern void VecextCheckElement(float value);
extern void VecextCheckSameDims(const Vector *a, const Vector *b);
extern void VecextCheckSameDimsCount(int a, int b);
extern int	VecextVectorCmp(const Vector *a, const Vector *b);


/* Distance functions the hnsw opclasses name as support functions. */
extern PGDLLEXPORT Datum vecext_vector_l2_squared_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_vector_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_l1_distance(PG_FUNCTION_ARGS);

#endif							/* VECEXT_VECTOR_H */
