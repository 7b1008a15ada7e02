/*-------------------------------------------------------------------------
 * test_kernels.c
 *		Every SIMD kernel set this CPU runs agrees with the scalar reference
 *		on random inputs of every length 1..2000 (so every remainder of every
 *		loop width), plus length 0.  Prints TAP.
 *-------------------------------------------------------------------------
 */
#include "distance/distance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#define MAXLEN 2000

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static float
rnd(void)
{
	/* xorshift64*, uniform in [-1, 1) */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (float) ((rng_state * 2685821657736338717ULL) >> 40) / (float) (1 << 23) - 1.0f;
}

/* relative agreement, with an absolute floor scaled by the length */
static int
close_enough(double got, double want, int n)
{
	double		tol = 1e-5 * fabs(want) + 1e-6 * n;

	return fabs(got - want) <= tol;
}

int
main(void)
{
	const VecextKernelSet *sets[4];
	int			nsets = VecextAvailableKernelSets(sets, 4);
	static float a[MAXLEN + 16],
				b[MAXLEN + 16];
	int			test = 0;
	int			failed = 0;

	printf("1..%d\n", (nsets - 1) * 4 + 1);
	printf("ok %d - kernel sets on this CPU:", ++test);
	for (int s = 0; s < nsets; s++)
		printf(" %s", sets[s]->name);
	printf("\n");

	for (int s = 1; s < nsets; s++)
	{
		const VecextKernelSet *k = sets[s];
		const VecextKernelSet *ref = &VecextScalarKernels;
		int			bad[4] = {0, 0, 0, 0};
		const char *names[4] = {"l2_squared", "inner", "l1", "cosine_parts"};

		for (int n = 0; n <= MAXLEN; n++)
		{
			for (int round = 0; round < 3; round++)
			{
				float		d1,
							a1,
							b1,
							d2,
							a2,
							b2;

				/* vary scale, offset the pointers to test unaligned loads */
				float		scale = round == 0 ? 1.0f : (round == 1 ? 1000.0f : 1e-3f);
				float	   *pa = a + round,
						   *pb = b + (2 - round);

				for (int i = 0; i < n; i++)
				{
					pa[i] = rnd() * scale;
					pb[i] = rnd() * scale;
				}
				if (!close_enough(k->l2_squared(pa, pb, n), ref->l2_squared(pa, pb, n), n))
					bad[0]++;
				if (!close_enough(k->inner(pa, pb, n), ref->inner(pa, pb, n), n))
				{
					/* inner products cancel: compare against the magnitude */
					double		mag = 0;

					for (int i = 0; i < n; i++)
						mag += fabs((double) pa[i] * pb[i]);
					if (fabs(k->inner(pa, pb, n) - ref->inner(pa, pb, n)) > 1e-5 * mag + 1e-6)
						bad[1]++;
				}
				if (!close_enough(k->l1(pa, pb, n), ref->l1(pa, pb, n), n))
					bad[2]++;
				k->cosine_parts(pa, pb, n, &d1, &a1, &b1);
				ref->cosine_parts(pa, pb, n, &d2, &a2, &b2);
				if (!close_enough(a1, a2, n) || !close_enough(b1, b2, n) ||
					!close_enough(VecextCosineFromParts(d1, a1, b1) + 1.0,
								  VecextCosineFromParts(d2, a2, b2) + 1.0, n))
				{
					if (!(n == 0 && isnan(VecextCosineFromParts(d1, a1, b1)) &&
						  isnan(VecextCosineFromParts(d2, a2, b2))))
						bad[3]++;
				}
			}
		}
		for (int f = 0; f < 4; f++)
		{
			if (bad[f])
				failed++;
			printf("%s %d - %s %s agrees with scalar for lengths 0..%d (%d mismatches)\n",
				   bad[f] ? "not ok" : "ok", ++test, k->name, names[f], MAXLEN, bad[f]);
		}
	}
	return failed ? 1 : 0;
}
