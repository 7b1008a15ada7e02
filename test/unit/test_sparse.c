/*-------------------------------------------------------------------------
 * test_sparse.c
 *		The sparse merges of distance/sparse.c agree with the dense scalar
 *		reference kernels on the same values: random sparse vectors of many
 *		dimensions, densities and overlaps (disjoint, identical and random
 *		index sets, empty sides), plus hand-computed cases.  Prints TAP.
 *-------------------------------------------------------------------------
 */
#include "distance/distance.h"
#include "distance/sparse.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXDIM 3000

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t
rnd_u64(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* uniform in [0, 1) */
static double
rnd_unit(void)
{
	return (double) (rnd_u64() >> 11) / 9007199254740992.0;
}

/* a non-zero value in [-1, 1) */
static float
rnd_value(void)
{
	float		v;

	do
		v = (float) (rnd_unit() * 2.0 - 1.0);
	while (v == 0.0f);
	return v;
}

static int
close_enough(double got, double want, double mag)
{
	return fabs(got - want) <= 1e-5 * mag + 1e-6;
}

/* Overlap of the two index sets. */
enum overlap
{
	OVERLAP_RANDOM,				/* each side picks its own indices */
	OVERLAP_SAME,				/* b has exactly a's indices */
	OVERLAP_DISJOINT,			/* b only where a is zero */
	OVERLAP_B_EMPTY,			/* b is all zero */
	N_OVERLAPS
};

/* The sparse form of a dense array: indices and values of its non-zeros. */
static int
sparsify(const float *x, int dim, int32_t *idx, float *val)
{
	int			n = 0;

	for (int i = 0; i < dim; i++)
	{
		if (x[i] != 0.0f)
		{
			idx[n] = i;
			val[n++] = x[i];
		}
	}
	return n;
}

int
main(void)
{
	static float a[MAXDIM],
				b[MAXDIM];
	static float av[MAXDIM],
				bv[MAXDIM];
	static int32_t ai[MAXDIM],
				bi[MAXDIM];
	const VecextKernelSet *ref = &VecextScalarKernels;
	const double densities[] = {0.0, 0.001, 0.01, 0.1, 0.5, 1.0};
	int			ndens = sizeof(densities) / sizeof(densities[0]);
	int			bad[4] = {0, 0, 0, 0};
	int			cases = 0;
	int			test = 0;
	int			hand_ok;

	printf("1..5\n");

	/* a hand-computed case: a = {0:1, 2:2}, b = {1:2, 2:1} (dims 3) */
	{
		int32_t		hi[] = {0, 2},
					hj[] = {1, 2};
		float		hv[] = {1, 2},
					hw[] = {2, 1};

		hand_ok = VecextSparseL2Squared(hi, hv, 2, hj, hw, 2) == 6.0f &&
			VecextSparseInner(hi, hv, 2, hj, hw, 2) == 2.0f &&
			VecextSparseL1(hi, hv, 2, hj, hw, 2) == 4.0f &&
			VecextSparseL2Squared(hi, hv, 2, hj, hw, 0) == 5.0f &&
			VecextSparseL2Squared(hi, hv, 0, hj, hw, 2) == 5.0f &&
			VecextSparseInner(hi, hv, 0, hj, hw, 0) == 0.0f &&
			VecextSparseL1(hi, hv, 2, hi, hv, 2) == 0.0f;
		printf("%s %d - hand-computed distances of {0:1,2:2} and {1:2,2:1}\n",
			   hand_ok ? "ok" : "not ok", ++test);
	}

	for (int dim = 1; dim <= MAXDIM; dim += (dim < 100 ? 1 : 37))
	{
		for (int d = 0; d < ndens; d++)
		{
			for (int ov = 0; ov < N_OVERLAPS; ov++)
			{
				int			an,
							bn;
				float		dot,
							na,
							nb;
				double		mag_l2 = 0,
							mag_ip = 0,
							mag_l1 = 0;
				double		want_cos,
							got_cos;

				for (int i = 0; i < dim; i++)
				{
					a[i] = rnd_unit() < densities[d] ? rnd_value() : 0.0f;
					switch (ov)
					{
						case OVERLAP_RANDOM:
							b[i] = rnd_unit() < densities[d] ? rnd_value() : 0.0f;
							break;
						case OVERLAP_SAME:
							b[i] = a[i] != 0.0f ? rnd_value() : 0.0f;
							break;
						case OVERLAP_DISJOINT:
							b[i] = a[i] == 0.0f && rnd_unit() < densities[d] ? rnd_value() : 0.0f;
							break;
						default:
							b[i] = 0.0f;
					}
					mag_l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
					mag_ip += fabs((double) a[i] * b[i]);
					mag_l1 += fabs((double) a[i] - b[i]);
				}
				an = sparsify(a, dim, ai, av);
				bn = sparsify(b, dim, bi, bv);
				cases++;

				/* both argument orders */
				for (int swap = 0; swap < 2; swap++)
				{
					const int32_t *xi = swap ? bi : ai,
							   *yi = swap ? ai : bi;
					const float *xv = swap ? bv : av,
							   *yv = swap ? av : bv,
							   *xd = swap ? b : a,
							   *yd = swap ? a : b;
					int			xn = swap ? bn : an,
								yn = swap ? an : bn;

					if (!close_enough(VecextSparseL2Squared(xi, xv, xn, yi, yv, yn),
									  ref->l2_squared(xd, yd, dim), mag_l2))
						bad[0]++;
					if (!close_enough(VecextSparseInner(xi, xv, xn, yi, yv, yn),
									  ref->inner(xd, yd, dim), mag_ip))
						bad[1]++;
					if (!close_enough(VecextSparseL1(xi, xv, xn, yi, yv, yn),
									  ref->l1(xd, yd, dim), mag_l1))
						bad[2]++;
				}

				/* cosine: the merge's inner product with norms of the values alone */
				ref->cosine_parts(a, b, dim, &dot, &na, &nb);
				want_cos = VecextCosineFromParts(dot, na, nb);
				got_cos = VecextCosineFromParts(VecextSparseInner(ai, av, an, bi, bv, bn),
												ref->inner(av, av, an),
												ref->inner(bv, bv, bn));
				if (isnan(want_cos) ? !isnan(got_cos) : !close_enough(got_cos, want_cos, 1.0))
					bad[3]++;
			}
		}
	}

	printf("%s %d - l2_squared merge agrees with the dense scalar kernel (%d cases, %d mismatches)\n",
		   bad[0] ? "not ok" : "ok", ++test, cases, bad[0]);
	printf("%s %d - inner merge agrees with the dense scalar kernel (%d cases, %d mismatches)\n",
		   bad[1] ? "not ok" : "ok", ++test, cases, bad[1]);
	printf("%s %d - l1 merge agrees with the dense scalar kernel (%d cases, %d mismatches)\n",
		   bad[2] ? "not ok" : "ok", ++test, cases, bad[2]);
	printf("%s %d - cosine from the merge and the value norms agrees with dense (%d cases, %d mismatches)\n",
		   bad[3] ? "not ok" : "ok", ++test, cases, bad[3]);
	return (!hand_ok || bad[0] || bad[1] || bad[2] || bad[3]) ? 1 : 0;
}
