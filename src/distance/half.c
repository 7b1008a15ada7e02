/*-------------------------------------------------------------------------
 * half.c
 *		Scalar reference kernels over half-precision elements and the
 *		load-time choice of half kernel set.
 *
 * Each element is widened exactly to float4 (VecextHalfToFloat) and the
 * sums are accumulated in float4, as the float4 kernels do, so a halfvec
 * distance equals the vector distance of the same values up to summation
 * order.  The SIMD sets in half_x86.c are tested against these.
 *-------------------------------------------------------------------------
 */
#include "distance/half.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float
scalar_half_l2_squared(const VecextHalf *a, const VecextHalf *b, int n)
{
	float		s = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		d = VecextHalfToFloat(a[i]) - VecextHalfToFloat(b[i]);

		s += d * d;
	}
	return s;
}

static float
scalar_half_inner(const VecextHalf *a, const VecextHalf *b, int n)
{
	float		s = 0.0f;

	for (int i = 0; i < n; i++)
		s += VecextHalfToFloat(a[i]) * VecextHalfToFloat(b[i]);
	return s;
}

static float
scalar_half_l1(const VecextHalf *a, const VecextHalf *b, int n)
{
	float		s = 0.0f;

	for (int i = 0; i < n; i++)
		s += fabsf(VecextHalfToFloat(a[i]) - VecextHalfToFloat(b[i]));
	return s;
}

static void
scalar_half_cosine_parts(const VecextHalf *a, const VecextHalf *b, int n,
						 float *dot, float *norma, float *normb)
{
	float		d = 0.0f,
				na = 0.0f,
				nb = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		x = VecextHalfToFloat(a[i]);
		float		y = VecextHalfToFloat(b[i]);

		d += x * y;
		na += x * x;
		nb += y * y;
	}
	*dot = d;
	*norma = na;
	*normb = nb;
}

const VecextHalfKernelSet VecextScalarHalfKernels = {
	"scalar", scalar_half_l2_squared, scalar_half_inner, scalar_half_l1,
	scalar_half_cosine_parts
};

VecextHalfKernelSet VecextHalfKernels = {
	"scalar", scalar_half_l2_squared, scalar_half_inner, scalar_half_l1,
	scalar_half_cosine_parts
};

/* Every half kernel set this CPU can run, scalar first. */
int
VecextAvailableHalfKernelSets(const VecextHalfKernelSet **sets, int max)
{
	int			n = 0;
	const VecextHalfKernelSet *k;

	if (n < max)
		sets[n++] = &VecextScalarHalfKernels;
	if ((k = VecextF16cHalfKernels()) != NULL && n < max)
		sets[n++] = k;
	if ((k = VecextAvx512HalfKernels()) != NULL && n < max)
		sets[n++] = k;
	return n;
}

/*
 * Pick the widest half kernel set the CPU supports.  VECEXT_KERNELS narrows
 * the choice as for the float4 kernels; here its names are scalar, f16c and
 * avx512, and avx2 (the float4 name for "no AVX-512") means f16c.
 */
void
VecextHalfDistanceInit(void)
{
	const VecextHalfKernelSet *sets[4];
	int			n = VecextAvailableHalfKernelSets(sets, 4);
	const VecextHalfKernelSet *choice = sets[n - 1];
	const char *want = getenv("VECEXT_KERNELS");

	if (want != NULL && strcmp(want, "avx2") == 0)
		want = "f16c";
	if (want != NULL)
	{
		for (int i = 0; i < n; i++)
			if (strcmp(sets[i]->name, want) == 0)
				choice = sets[i];
	}
	VecextHalfKernels = *choice;
}
