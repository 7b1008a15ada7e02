/*-------------------------------------------------------------------------
 * ivfkmeans.c
 *		The coarse quantizer of ivfflat: k-means on a sample, in float
 *		space whatever the element type, seeded by k-means++ from a fixed
 *		seed (the same sample gives the same centers).
 *
 * Payloads become floats for the arithmetic (binary16 widened, bits as 0
 * and 1) and centers go back to payloads at the end (rounded to binary16,
 * bits set where the mean is above one half).  Under L2 and Hamming this is
 * Lloyd's algorithm (for 0/1 vectors squared L2 is the Hamming distance);
 * under inner product and cosine it is spherical k-means: a point joins
 * the center of largest inner product, and centers are scaled to unit
 * length after each update, so that lists are cones around directions.
 * Elkan's bounds (below) spare most comparisons once lists settle.
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfflat.h"

#include <float.h>
#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"

#include "distance/distance.h"
#include "distance/half.h"

#define IVF_KMEANS_SEED		UINT64CONST(0x5eed1f5eed1f)

int
IvfFloatDims(const HnswDistance *d)
{
	return d->dims;
}

void
IvfPayloadToFloat(const HnswDistance *d, const void *payload, float *out)
{
	switch (d->type->id)
	{
		case HNSW_TYPE_VECTOR:
			memcpy(out, payload, sizeof(float) * d->dims);
			break;
		case HNSW_TYPE_HALFVEC:
			for (int i = 0; i < d->dims; i++)
				out[i] = VecextHalfToFloat(((const VecextHalf *) payload)[i]);
			break;
		case HNSW_TYPE_BIT:
			for (int i = 0; i < d->dims; i++)
				out[i] = (((const uint8 *) payload)[i / 8] >> (7 - i % 8)) & 1;
			break;
		default:
			elog(ERROR, "ivfflat: unsupported element type %d", d->type->id);
	}
}

void
IvfFloatToPayload(const HnswDistance *d, const float *in, void *payload)
{
	switch (d->type->id)
	{
		case HNSW_TYPE_VECTOR:
			memcpy(payload, in, sizeof(float) * d->dims);
			break;
		case HNSW_TYPE_HALFVEC:
			for (int i = 0; i < d->dims; i++)
				((VecextHalf *) payload)[i] = VecextFloatToHalf(in[i]);
			break;
		case HNSW_TYPE_BIT:
			memset(payload, 0, d->max_payload);
			for (int i = 0; i < d->dims; i++)
				if (in[i] > 0.5f)
					((uint8 *) payload)[i / 8] |= 1 << (7 - i % 8);
			break;
		default:
			elog(ERROR, "ivfflat: unsupported element type %d", d->type->id);
	}
}

static bool
spherical(const HnswDistance *d)
{
	return d->metric == HNSW_METRIC_IP || d->metric == HNSW_METRIC_COSINE;
}

/* Euclidean distance, what the bounds below are in */
static inline float
edist(const float *a, const float *b, int n)
{
	return sqrtf(VecextKernels.l2_squared(a, b, n));
}

static void
scale_to_unit(float *v, int n)
{
	double		norm = 0;

	for (int i = 0; i < n; i++)
		norm += (double) v[i] * v[i];
	if (norm > 0)
	{
		norm = sqrt(norm);
		for (int i = 0; i < n; i++)
			v[i] = (float) (v[i] / norm);
	}
}

/*
 * k-means++: the first center a sample drawn at random, each next one a
 * sample drawn with probability proportional to its squared distance from
 * the nearest center chosen so far.
 */
static void
seed_centers(float *samples, int n, int dim, int k, float *centers, pg_prng_state *rng)
{
	double	   *near = palloc(sizeof(double) * n);
	int			first = (int) pg_prng_uint64_range(rng, 0, n - 1);

	memcpy(centers, samples + (Size) first * dim, sizeof(float) * dim);
	for (int i = 0; i < n; i++)
		near[i] = VecextKernels.l2_squared(samples + (Size) i * dim, centers, dim);

	for (int c = 1; c < k; c++)
	{
		double		total = 0;
		double		r;
		int			pick = n - 1;
		float	   *center = centers + (Size) c * dim;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			total += near[i];
		r = pg_prng_double(rng) * total;
		for (int i = 0; i < n; i++)
		{
			r -= near[i];
			if (r < 0)
			{
				pick = i;
				break;
			}
		}
		memcpy(center, samples + (Size) pick * dim, sizeof(float) * dim);
		for (int i = 0; i < n; i++)
		{
			double		dd = VecextKernels.l2_squared(samples + (Size) i * dim, center, dim);

			if (dd < near[i])
				near[i] = dd;
		}
	}
	pfree(near);
}

/*
 * Elkan's bounds, per sample i: up[i] >= its distance to its own center,
 * low[i * k + c] <= its distance to center c.  A center c can take sample
 * i only if up[i] > low[i * k + c] and up[i] > half the distance between c
 * and i's center; after the centers move by delta[c], up grows by its
 * center's move and each low shrinks by that center's.  Late iterations,
 * where few samples change lists, then compare few pairs.  Distances are
 * Euclidean: under inner product and cosine the centers are unit vectors,
 * and the unit center of largest inner product with x is also the nearest
 * to x.  The bounds take n * k floats and the center gaps k * k: when they
 * do not fit the memory left, every iteration compares every pair (Lloyd).
 */

typedef struct Kmeans
{
	const float *samples;
	int			n;
	int			dim;
	int			k;
	float	   *centers;
	int		   *assign;
	float	   *up;
	float	   *low;			/* n * k, or NULL: no bounds */
	float	   *gap;			/* k * k distances between centers */
} Kmeans;

/* Sample i against every center: its nearest, and its bounds exact. */
static void
assign_exact(Kmeans *km, int i)
{
	const float *x = km->samples + (Size) i * km->dim;
	float	   *low = km->low ? km->low + (Size) i * km->k : NULL;
	float		best = FLT_MAX;
	int			bc = 0;

	for (int c = 0; c < km->k; c++)
	{
		float		dd = VecextKernels.l2_squared(x, km->centers + (Size) c * km->dim, km->dim);

		if (low)
			low[c] = sqrtf(dd);
		if (dd < best)
		{
			best = dd;
			bc = c;
		}
	}
	km->assign[i] = bc;
	km->up[i] = sqrtf(best);
}

/* Sample i, its center perhaps changed: Elkan's pruned comparison. */
static void
assign_bounded(Kmeans *km, int i)
{
	const float *x = km->samples + (Size) i * km->dim;
	float	   *low = km->low + (Size) i * km->k;
	int			a = km->assign[i];
	bool		tight = false;

	for (int c = 0; c < km->k; c++)
	{
		float		dd;

		if (c == a || km->up[i] <= low[c] || km->up[i] <= km->gap[(Size) a * km->k + c] / 2)
			continue;
		if (!tight)
		{
			km->up[i] = low[a] = edist(x, km->centers + (Size) a * km->dim, km->dim);
			tight = true;
			if (km->up[i] <= low[c] || km->up[i] <= km->gap[(Size) a * km->k + c] / 2)
				continue;
		}
		dd = low[c] = edist(x, km->centers + (Size) c * km->dim, km->dim);
		if (dd < km->up[i])
		{
			a = c;
			km->up[i] = dd;
		}
	}
	km->assign[i] = a;
}

/*
 * k centers of the n samples (n >= k) into centers (k * IvfFloatDims
 * floats).  samples are n points of IvfFloatDims floats.  room: bytes of
 * maintenance_work_mem left for the bounds.
 */
void
IvfKmeans(const HnswDistance *d, float *samples, int n, int k, float *centers, double room)
{
	int			dim = IvfFloatDims(d);
	bool		sph = spherical(d);
	pg_prng_state rng;
	Kmeans		km;
	int		   *counts = palloc(sizeof(int) * k);
	double	   *sums = palloc(sizeof(double) * (Size) k * dim);
	float	   *delta = palloc(sizeof(float) * k);
	float	   *old = palloc(sizeof(float) * dim);
	bool	   *taken = palloc0(sizeof(bool) * n);

	Assert(n >= k && k >= 1);
	pg_prng_seed(&rng, IVF_KMEANS_SEED);
	seed_centers(samples, n, dim, k, centers, &rng);
	if (sph)
		for (int c = 0; c < k; c++)
			scale_to_unit(centers + (Size) c * dim, dim);

	km.samples = samples;
	km.n = n;
	km.dim = dim;
	km.k = k;
	km.centers = centers;
	km.assign = palloc(sizeof(int) * n);
	km.up = palloc(sizeof(float) * n);
	km.low = NULL;
	km.gap = NULL;
	if (((double) n * k + (double) k * k) * sizeof(float) <= room)
	{
		km.low = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * (Size) n * k);
		km.gap = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * (Size) k * k);
	}
	for (int i = 0; i < n; i++)
	{
		if (i % 256 == 0)
			CHECK_FOR_INTERRUPTS();
		assign_exact(&km, i);
	}

	for (int iter = 0; iter < IVF_KMEANS_ITERATIONS; iter++)
	{
		int			changed = 0;

		/* every center moves to the mean of its samples */
		memset(counts, 0, sizeof(int) * k);
		memset(sums, 0, sizeof(double) * (Size) k * dim);
		for (int i = 0; i < n; i++)
		{
			const float *x = samples + (Size) i * dim;
			double	   *s = sums + (Size) km.assign[i] * dim;

			counts[km.assign[i]]++;
			for (int j = 0; j < dim; j++)
				s[j] += x[j];
		}
		for (int c = 0; c < k; c++)
		{
			float	   *center = centers + (Size) c * dim;
			bool		empty = counts[c] == 0;

			memcpy(old, center, sizeof(float) * dim);
			if (!empty)
			{
				double		norm = 0;

				for (int j = 0; j < dim; j++)
				{
					center[j] = (float) (sums[(Size) c * dim + j] / counts[c]);
					norm += (double) center[j] * center[j];
				}
				if (sph)
				{
					scale_to_unit(center, dim);
					empty = norm == 0;	/* no direction: as if empty */
				}
			}
			if (empty)
			{
				/*
				 * An empty cluster takes the sample that may be farthest from
				 * its own center (not one another took), compared afresh below.
				 */
				int			far = -1;

				for (int i = 0; i < n; i++)
					if (!taken[i] && (far < 0 || km.up[i] > km.up[far]))
						far = i;
				memcpy(center, samples + (Size) far * dim, sizeof(float) * dim);
				if (sph)
					scale_to_unit(center, dim);
				taken[far] = true;
			}
			delta[c] = edist(old, center, dim);
		}

		if (km.low == NULL)
		{
			/* no room for bounds: compare every pair */
			for (int i = 0; i < n; i++)
			{
				int			a = km.assign[i];

				if (i % 256 == 0)
					CHECK_FOR_INTERRUPTS();
				assign_exact(&km, i);
				changed += km.assign[i] != a;
			}
		}
		else
		{
			/* the bounds follow the moves */
			for (int i = 0; i < n; i++)
			{
				float	   *low = km.low + (Size) i * k;

				km.up[i] += delta[km.assign[i]];
				for (int c = 0; c < k; c++)
					low[c] = Max(low[c] - delta[c], 0);
			}
			for (int c = 0; c < k; c++)
			{
				CHECK_FOR_INTERRUPTS();
				km.gap[(Size) c * k + c] = 0;
				for (int c2 = c + 1; c2 < k; c2++)
					km.gap[(Size) c * k + c2] = km.gap[(Size) c2 * k + c] =
						edist(centers + (Size) c * dim, centers + (Size) c2 * dim, dim);
			}
			for (int i = 0; i < n; i++)
			{
				int			a = km.assign[i];

				if (i % 256 == 0)
					CHECK_FOR_INTERRUPTS();
				if (taken[i])
					assign_exact(&km, i);
				else
					assign_bounded(&km, i);
				changed += km.assign[i] != a;
			}
		}
		memset(taken, 0, sizeof(bool) * n);
		if (changed == 0)
			break;
	}
	pfree(km.assign);
	pfree(km.up);
	if (km.low)
	{
		pfree(km.low);
		pfree(km.gap);
	}
	pfree(counts);
	pfree(sums);
	pfree(delta);
	pfree(old);
	pfree(taken);
}
