/*-------------------------------------------------------------------------
 * hnswtypes.c
 *		The element types of hnsw: what an index stores for a value, and
 *		the kernel that compares two of them (see "element-type seam" in
 *		hnsw.h).
 *
 * An index's type comes from its opclass's support function 3 (absent: a
 * vector opclass), its metric from support function 1, looked up in the
 * type's table of distance functions, and normalization from the presence
 * of support function 2.  All of it is read once per scan, insert or build.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

#include "fmgr.h"
#include "utils/rel.h"

#include "distance/bits.h"
#include "distance/sparse.h"
#include "types/bitvec.h"
#include "types/halfvec.h"
#include "types/sparsevec.h"
#include "types/vector.h"
#include "utils/varbit.h"

/* A distance function an opclass may name as support function 1. */
typedef struct HnswMetricOf
{
	PGFunction	fn;
	HnswMetric	metric;			/* HNSW_METRIC_IP becomes COSINE with a norm proc */
} HnswMetricOf;

static HnswMetric
metric_from_proc(Relation index, const HnswMetricOf *table, int n, bool normalize)
{
	PGFunction	fn = index_getprocinfo(index, 1, HNSW_DISTANCE_PROC)->fn_addr;

	for (int i = 0; i < n; i++)
		if (table[i].fn == fn)
			return table[i].metric == HNSW_METRIC_IP && normalize ?
				HNSW_METRIC_COSINE : table[i].metric;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("hnsw index \"%s\" has an unsupported distance function",
					RelationGetRelationName(index))));
	return HNSW_METRIC_L2;		/* keep the compiler quiet */
}

static void
no_such_metric(const HnswDistance *d, Relation index)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("hnsw index \"%s\" has a distance function that %s does not support",
					RelationGetRelationName(index), d->type->name)));
}

/* vector: float4 elements ------------------------------------------------- */

static const HnswMetricOf vector_metrics[] = {
	{vecext_vector_l2_squared_distance, HNSW_METRIC_L2},
	{vecext_vector_negative_inner_product, HNSW_METRIC_IP},
	{vecext_l1_distance, HNSW_METRIC_L1},
};

static void
vector_init(HnswDistance *d, Relation index)
{
	d->metric = metric_from_proc(index, vector_metrics, lengthof(vector_metrics), d->normalize);
	d->len = d->dims;
	d->min_payload = d->max_payload = sizeof(float) * d->dims;
	switch (d->metric)
	{
		case HNSW_METRIC_L2:
			d->kernel = (HnswPayloadKernel) VecextKernels.l2_squared;
			break;
		case HNSW_METRIC_IP:
		case HNSW_METRIC_COSINE:
			d->kernel = (HnswPayloadKernel) VecextKernels.inner;
			d->negate = true;
			break;
		case HNSW_METRIC_L1:
			d->kernel = (HnswPayloadKernel) VecextKernels.l1;
			break;
		default:
			no_such_metric(d, index);
	}
}

/*
 * in[0..n) scaled to unit length into out; false for a zero vector (no
 * direction: not indexed under cosine, and a zero query stays zero).
 */
static bool
unit_vector(const float *in, float *out, int n)
{
	double		norm = 0.0;

	for (int i = 0; i < n; i++)
		norm += (double) in[i] * in[i];
	if (norm == 0.0)
		return false;
	norm = sqrt(norm);
	for (int i = 0; i < n; i++)
		out[i] = (float) (in[i] / norm);
	return true;
}

static void *
vector_payload(const HnswDistance *d, const Vector *v)
{
	float	   *out = palloc(sizeof(float) * d->dims);

	if (!d->normalize)
		memcpy(out, v->x, sizeof(float) * d->dims);
	else if (!unit_vector(v->x, out, d->dims))
	{
		pfree(out);
		return NULL;
	}
	return out;
}

static void *
vector_form_payload(const HnswDistance *d, Datum value, Size *size)
{
	Vector	   *v = DatumGetVector(value);

	VecextCheckExpectedDims(d->dims, v->dim);
	*size = d->max_payload;
	return vector_payload(d, v);
}

static void *
vector_prepare_query(const HnswDistance *d, Datum value, Size *size)
{
	Vector	   *v = DatumGetVector(value);

	VecextCheckSameDimsCount(d->dims, v->dim);
	*size = d->max_payload;
	return vector_payload(d, v);
}

static bool
vector_payload_value(const HnswDistance *d, const void *payload, void *out)
{
	Vector	   *v = (Vector *) out;

	if (d->normalize)
		return false;
	SET_VARSIZE(v, VECTOR_SIZE(d->dims));
	v->dim = d->dims;
	v->unused = 0;
	memcpy(v->x, payload, sizeof(float) * d->dims);
	return true;
}

const HnswTypeOps HnswVectorOps = {
	"vector", HNSW_TYPE_VECTOR, vector_init, vector_form_payload, vector_prepare_query,
	vector_payload_value
};

/* halfvec: binary16 elements ----------------------------------------------- */

static const HnswMetricOf halfvec_metrics[] = {
	{vecext_halfvec_l2_squared_distance, HNSW_METRIC_L2},
	{vecext_halfvec_negative_inner_product, HNSW_METRIC_IP},
	{vecext_halfvec_l1_distance, HNSW_METRIC_L1},
};

static void
halfvec_init(HnswDistance *d, Relation index)
{
	d->metric = metric_from_proc(index, halfvec_metrics, lengthof(halfvec_metrics), d->normalize);
	d->len = d->dims;
	d->min_payload = d->max_payload = sizeof(VecextHalf) * d->dims;
	switch (d->metric)
	{
		case HNSW_METRIC_L2:
			d->kernel = (HnswPayloadKernel) VecextHalfKernels.l2_squared;
			break;
		case HNSW_METRIC_IP:
		case HNSW_METRIC_COSINE:
			d->kernel = (HnswPayloadKernel) VecextHalfKernels.inner;
			d->negate = true;
			break;
		case HNSW_METRIC_L1:
			d->kernel = (HnswPayloadKernel) VecextHalfKernels.l1;
			break;
		default:
			no_such_metric(d, index);
	}
}

static void *
halfvec_payload(const HnswDistance *d, const HalfVector *v)
{
	VecextHalf *out = palloc(d->max_payload);
	double		norm = 0.0;

	if (!d->normalize)
	{
		memcpy(out, v->x, sizeof(VecextHalf) * d->dims);
		return out;
	}
	for (int i = 0; i < d->dims; i++)
	{
		double		x = VecextHalfToFloat(v->x[i]);

		norm += x * x;
	}
	if (norm == 0.0)
	{
		pfree(out);
		return NULL;
	}
	norm = sqrt(norm);
	/* unit elements are within half's range: no overflow possible */
	for (int i = 0; i < d->dims; i++)
		out[i] = VecextFloatToHalf((float) (VecextHalfToFloat(v->x[i]) / norm));
	return out;
}

static void *
halfvec_form_payload(const HnswDistance *d, Datum value, Size *size)
{
	HalfVector *v = DatumGetHalfVector(value);

	VecextCheckExpectedDims(d->dims, v->dim);
	*size = d->max_payload;
	return halfvec_payload(d, v);
}

static void *
halfvec_prepare_query(const HnswDistance *d, Datum value, Size *size)
{
	HalfVector *v = DatumGetHalfVector(value);

	if (v->dim != d->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different halfvec dimensions %d and %d", d->dims, v->dim)));
	*size = d->max_payload;
	return halfvec_payload(d, v);
}

static bool
halfvec_payload_value(const HnswDistance *d, const void *payload, void *out)
{
	HalfVector *v = (HalfVector *) out;

	if (d->normalize)
		return false;
	SET_VARSIZE(v, HALFVEC_SIZE(d->dims));
	v->dim = d->dims;
	v->unused = 0;
	memcpy(v->x, payload, sizeof(VecextHalf) * d->dims);
	return true;
}

static const HnswTypeOps halfvec_ops = {
	"halfvec", HNSW_TYPE_HALFVEC, halfvec_init, halfvec_form_payload, halfvec_prepare_query,
	halfvec_payload_value
};

/* sparsevec: int32 nnz, int32 indices[nnz], float4 values[nnz] ------------- */

static const HnswMetricOf sparsevec_metrics[] = {
	{vecext_sparsevec_l2_squared_distance, HNSW_METRIC_L2},
	{vecext_sparsevec_negative_inner_product, HNSW_METRIC_IP},
	{vecext_sparsevec_l1_distance, HNSW_METRIC_L1},
};

#define SPARSE_NNZ(p)		(((const int32 *) (p))[0])
#define SPARSE_INDICES(p)	(((const int32 *) (p)) + 1)
#define SPARSE_VALUES(p)	((const float *) (SPARSE_INDICES(p) + SPARSE_NNZ(p)))

static float
sparse_l2_squared(const void *a, const void *b, int len)
{
	return VecextSparseL2Squared(SPARSE_INDICES(a), SPARSE_VALUES(a), SPARSE_NNZ(a),
								 SPARSE_INDICES(b), SPARSE_VALUES(b), SPARSE_NNZ(b));
}

static float
sparse_inner(const void *a, const void *b, int len)
{
	return VecextSparseInner(SPARSE_INDICES(a), SPARSE_VALUES(a), SPARSE_NNZ(a),
							 SPARSE_INDICES(b), SPARSE_VALUES(b), SPARSE_NNZ(b));
}

static float
sparse_l1(const void *a, const void *b, int len)
{
	return VecextSparseL1(SPARSE_INDICES(a), SPARSE_VALUES(a), SPARSE_NNZ(a),
						  SPARSE_INDICES(b), SPARSE_VALUES(b), SPARSE_NNZ(b));
}

static void
sparsevec_init(HnswDistance *d, Relation index)
{
	d->metric = metric_from_proc(index, sparsevec_metrics, lengthof(sparsevec_metrics),
								 d->normalize);
	d->len = 0;					/* the payloads carry their lengths */
	d->min_payload = sizeof(int32);
	/* as many non-zeros as a page holds: HnswCheckPayloadFits tells the rest */
	d->max_payload = HnswMaxPayload(d->m);
	switch (d->metric)
	{
		case HNSW_METRIC_L2:
			d->kernel = sparse_l2_squared;
			break;
		case HNSW_METRIC_IP:
		case HNSW_METRIC_COSINE:
			d->kernel = sparse_inner;
			d->negate = true;
			break;
		case HNSW_METRIC_L1:
			d->kernel = sparse_l1;
			break;
		default:
			no_such_metric(d, index);
	}
}

static void *
sparsevec_payload(const HnswDistance *d, const SparseVector *v, Size *size)
{
	Size		need = sizeof(int32) + (sizeof(int32) + sizeof(float)) * (Size) v->nnz;
	char	   *out;
	int32	   *nnz;
	int32	   *indices;
	float	   *values;
	const float *in = SPARSEVEC_VALUES(v);
	double		norm = 0.0;

	*size = need;
	if (need > d->max_payload)
		HnswCheckPayloadFits(d, need);	/* errors */
	out = palloc0(d->max_payload);
	nnz = (int32 *) out;
	indices = nnz + 1;
	values = (float *) (indices + v->nnz);
	*nnz = v->nnz;
	memcpy(indices, v->indices, sizeof(int32) * v->nnz);
	if (!d->normalize)
	{
		memcpy(values, in, sizeof(float) * v->nnz);
		return out;
	}
	for (int i = 0; i < v->nnz; i++)
		norm += (double) in[i] * in[i];
	if (norm == 0.0)
	{
		pfree(out);
		return NULL;
	}
	norm = sqrt(norm);
	for (int i = 0; i < v->nnz; i++)
		values[i] = (float) (in[i] / norm);
	return out;
}

static void *
sparsevec_form_payload(const HnswDistance *d, Datum value, Size *size)
{
	SparseVector *v = DatumGetSparseVector(value);

	VecextCheckExpectedDims(d->dims, v->dim);
	return sparsevec_payload(d, v, size);
}

static void *
sparsevec_prepare_query(const HnswDistance *d, Datum value, Size *size)
{
	SparseVector *v = DatumGetSparseVector(value);

	if (v->dim != d->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different sparsevec dimensions %d and %d", d->dims, v->dim)));
	return sparsevec_payload(d, v, size);
}

static const HnswTypeOps sparsevec_ops = {
	"sparsevec", HNSW_TYPE_SPARSEVEC, sparsevec_init, sparsevec_form_payload,
	sparsevec_prepare_query
};


/* bit: the bytes of the bit string ----------------------------------------- */

static const HnswMetricOf bit_metrics[] = {
	{vecext_hamming_distance, HNSW_METRIC_HAMMING},
	{vecext_jaccard_distance, HNSW_METRIC_JACCARD},
};

static float
bit_hamming(const void *a, const void *b, int len)
{
	return (float) VecextBitKernels.hamming(a, b, len);
}

static float
bit_jaccard(const void *a, const void *b, int len)
{
	uint64_t	ab,
				aa,
				bb;

	VecextBitKernels.jaccard_parts(a, b, len, &ab, &aa, &bb);
	return (float) VecextJaccardFromParts(ab, aa, bb);
}

static void
bit_init(HnswDistance *d, Relation index)
{
	d->metric = metric_from_proc(index, bit_metrics, lengthof(bit_metrics), false);
	d->len = (d->dims + 7) / 8;
	d->min_payload = d->max_payload = d->len;
	d->kernel = d->metric == HNSW_METRIC_HAMMING ? bit_hamming : bit_jaccard;
}

static void *
bit_payload(const HnswDistance *d, VarBit *v)
{
	char	   *out = palloc(d->max_payload);

	/* bits past the length are zero in a bit string: whole bytes compare */
	memcpy(out, VARBITS(v), d->max_payload);
	return out;
}

static void *
bit_form_payload(const HnswDistance *d, Datum value, Size *size)
{
	VarBit	   *v = DatumGetVarBitP(value);

	VecextCheckExpectedDims(d->dims, VARBITLEN(v));
	*size = d->max_payload;
	return bit_payload(d, v);
}

static void *
bit_prepare_query(const HnswDistance *d, Datum value, Size *size)
{
	VarBit	   *v = DatumGetVarBitP(value);

	if (VARBITLEN(v) != d->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", d->dims, VARBITLEN(v))));
	*size = d->max_payload;
	return bit_payload(d, v);
}

static const HnswTypeOps bit_ops = {
	"bit", HNSW_TYPE_BIT, bit_init, bit_form_payload, bit_prepare_query
};


/* the seam ------------------------------------------------------------------ */

/*
 * m is the index's: its metapage's once built (ALTER INDEX may have changed
 * the reloption since), the reloption while building.
 */
void
HnswInitDistance(HnswDistance *d, Relation index, int dims, int m)
{
	memset(d, 0, sizeof(HnswDistance));
	d->dims = dims;
	d->m = m;
	d->normalize = OidIsValid(index_getprocid(index, 1, HNSW_NORM_PROC));
	if (OidIsValid(index_getprocid(index, 1, HNSW_TYPE_PROC)))
		d->type = (const HnswTypeOps *)
			DatumGetPointer(FunctionCall1(index_getprocinfo(index, 1, HNSW_TYPE_PROC),
										  PointerGetDatum(NULL)));
	else
		d->type = &HnswVectorOps;
	d->type->init(d, index);
	/* fixed-size payloads (vector, halfvec, bit) may span pages */
	d->span = d->min_payload == d->max_payload;
	if (d->span)
	{
		d->scratch = palloc(d->max_payload);
		d->unit = d->max_payload / Max(d->len, 1);
		/* every kernel but Jaccard's (a ratio of sums) is a sum per element */
		d->additive = d->metric != HNSW_METRIC_JACCARD && d->unit * d->len == d->max_payload;
		d->prefix_bound = d->additive && !d->negate &&
			(d->metric == HNSW_METRIC_L2 || d->metric == HNSW_METRIC_L1 ||
			 d->metric == HNSW_METRIC_HAMMING);
	}
}

/*
 * The metapage says which element type and metric the graph was built with;
 * an opclass that now says otherwise (a catalog changed under the index)
 * must not be trusted with it.
 */
void
HnswCheckMetaType(Relation index, const HnswMetaPageData *meta, const HnswDistance *d)
{
	if (meta->element_type != d->type->id || meta->metric != d->metric)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" was built for another element type or distance than its operator class has",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
}

/* The dimensions an index's column declares (a build needs them). */
int
HnswIndexDims(Relation index)
{
	int			dims = TupleDescAttr(index->rd_att, 0)->atttypmod;

	if (dims < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column with its dimensions, such as vector(3).")));
	return dims;
}

/*
 * The query that orders every row alike (a NULL query, or a zero vector
 * under cosine): all-zero payload bytes, which every type reads as zero.
 */
void *
HnswZeroQuery(const HnswDistance *d)
{
	return palloc0(d->max_payload);
}

/* support functions 3: which element type an opclass indexes -------------- */

PG_FUNCTION_INFO_V1(vecext_hnsw_halfvec_support);
Datum
vecext_hnsw_halfvec_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&halfvec_ops);
}

PG_FUNCTION_INFO_V1(vecext_hnsw_sparsevec_support);
Datum
vecext_hnsw_sparsevec_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&sparsevec_ops);
}

PG_FUNCTION_INFO_V1(vecext_hnsw_bit_support);
Datum
vecext_hnsw_bit_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&bit_ops);
}
