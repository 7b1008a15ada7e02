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

/* Smaller is nearer: squared L2, or the negative inner product. */
static inline float
kdist(bool sph, const float *a, const float *b, int n)
{
	return sph ? -VecextKernels.inner(a, b, n) : VecextKernels.l2_squared(a, b, n);
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
 * k centers of the n samples (n >= k) into centers (k * IvfFloatDims
 * floats).  samples are n points of IvfFloatDims floats.
 */
void
IvfKmeans(const HnswDistance *d, float *samples, int n, int k, float *centers)
{
	int			dim = IvfFloatDims(d);
	bool		sph = spherical(d);
	pg_prng_state rng;
	int		   *assign = palloc(sizeof(int) * n);
	float	   *best = palloc(sizeof(float) * n);
	int		   *counts = palloc(sizeof(int) * k);
	double	   *sums = palloc(sizeof(double) * (Size) k * dim);

	Assert(n >= k && k >= 1);
	pg_prng_seed(&rng, IVF_KMEANS_SEED);
	seed_centers(samples, n, dim, k, centers, &rng);
	if (sph)
		for (int c = 0; c < k; c++)
			scale_to_unit(centers + (Size) c * dim, dim);
	for (int i = 0; i < n; i++)
		assign[i] = -1;

	for (int iter = 0; iter < IVF_KMEANS_ITERATIONS; iter++)
	{
		int			changed = 0;

		/* assign every sample to its nearest center */
		for (int i = 0; i < n; i++)
		{
			const float *x = samples + (Size) i * dim;
			float		bd = FLT_MAX;
			int			bc = 0;

			if (i % 256 == 0)
				CHECK_FOR_INTERRUPTS();
			for (int c = 0; c < k; c++)
			{
				float		dd = kdist(sph, x, centers + (Size) c * dim, dim);

				if (dd < bd)
				{
					bd = dd;
					bc = c;
				}
			}
			if (assign[i] != bc)
				changed++;
			assign[i] = bc;
			best[i] = bd;
		}
		if (changed == 0)
			break;

		/* every center moves to the mean of its samples */
		memset(counts, 0, sizeof(int) * k);
		memset(sums, 0, sizeof(double) * (Size) k * dim);
		for (int i = 0; i < n; i++)
		{
			const float *x = samples + (Size) i * dim;
			double	   *s = sums + (Size) assign[i] * dim;

			counts[assign[i]]++;
			for (int j = 0; j < dim; j++)
				s[j] += x[j];
		}
		for (int c = 0; c < k; c++)
		{
			float	   *center = centers + (Size) c * dim;

			if (counts[c] == 0)
			{
				/*
				 * An empty cluster takes the sample farthest from its own
				 * center, which then counts as taken.
				 */
				int			far = 0;

				for (int i = 1; i < n; i++)
					if (best[i] > best[far])
						far = i;
				memcpy(center, samples + (Size) far * dim, sizeof(float) * dim);
				best[far] = -FLT_MAX;
			}
			else
				for (int j = 0; j < dim; j++)
					center[j] = (float) (sums[(Size) c * dim + j] / counts[c]);
			if (sph)
				scale_to_unit(center, dim);
		}
	}
	pfree(assign);
	pfree(best);
	pfree(counts);
	pfree(sums);
}
