/*-------------------------------------------------------------------------
 * distance.c
 *		Scalar reference kernels and the load-time choice of kernel set.
 *
 * The scalar kernels are the reference every SIMD kernel is tested against.
 * They keep four independent accumulators so that the compiler can
 * vectorize them at its default target and so that their rounding is close
 * to the SIMD versions'.
 *-------------------------------------------------------------------------
 */
#include "distance/distance.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float
scalar_l2_squared(const float *a, const float *b, int n)
{
	float		s = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		d = a[i] - b[i];

		s += d * d;
	}
	return s;
}

static float
scalar_inner(const float *a, const float *b, int n)
{
	float		s = 0.0f;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static float
scalar_l1(const float *a, const float *b, int n)
{
	float		s = 0.0f;

	for (int i = 0; i < n; i++)
		s += fabsf(a[i] - b[i]);
	return s;
}

static void
scalar_cosine_parts(const float *a, const float *b, int n,
					float *dot, float *norma, float *normb)
{
	float		d = 0.0f,
				na = 0.0f,
				nb = 0.0f;

	for (int i = 0; i < n; i++)
	{
		d += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}
	*dot = d;
	*norma = na;
	*normb = nb;
}

const VecextKernelSet VecextScalarKernels = {
	"scalar", scalar_l2_squared, scalar_inner, scalar_l1, scalar_cosine_parts
};

VecextKernelSet VecextKernels = {
	"scalar", scalar_l2_squared, scalar_inner, scalar_l1, scalar_cosine_parts
};

int
VecextAvailableKernelSets(const VecextKernelSet **sets, int max)
{
	int			n = 0;
	const VecextKernelSet *k;

	if (n < max)
		sets[n++] = &VecextScalarKernels;
	if ((k = VecextAvx2Kernels()) != NULL && n < max)
		sets[n++] = k;
	if ((k = VecextAvx512Kernels()) != NULL && n < max)
		sets[n++] = k;
	return n;
}

/*
 * Pick the widest kernel set the CPU supports.  The environment variable
 * VECEXT_KERNELS=scalar|avx2|avx512 narrows the choice (for benchmarks and
 * for testing a fallback path on a wide machine).
 */
void
VecextDistanceInit(void)
{
	const VecextKernelSet *sets[4];
	int			n = VecextAvailableKernelSets(sets, 4);
	const VecextKernelSet *choice = sets[n - 1];
	const char *want = getenv("VECEXT_KERNELS");

	if (want != NULL)
	{
		for (int i = 0; i < n; i++)
			if (strcmp(sets[i]->name, want) == 0)
				choice = sets[i];
	}
	VecextKernels = *choice;
}
