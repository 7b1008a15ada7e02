/*-------------------------------------------------------------------------
 * distance.h
 *		The one home of distance arithmetic: kernel signatures, the table
 *		of kernels picked at load time, and the scalar reference kernels.
 *
 * This header does not include postgres.h: the kernels are plain C so that
 * test/unit/test_kernels.c can check every SIMD variant against the scalar
 * one without a server.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_DISTANCE_H
#define VECEXT_DISTANCE_H

/* Kernels over float4 arrays of length n (n >= 0). */
typedef float (*VecextF32Kernel) (const float *a, const float *b, int n);

/* Dot product and both squared norms in one pass, for cosine distance. */
typedef void (*VecextF32CosineKernel) (const float *a, const float *b, int n,
									   float *dot, float *norma, float *normb);

typedef struct VecextKernelSet
{
	const char *name;			/* "scalar", "avx2", "avx512" */
	VecextF32Kernel l2_squared; /* sum (a-b)^2 */
	VecextF32Kernel inner;		/* sum a*b */
	VecextF32Kernel l1;			/* sum |a-b| */
	VecextF32CosineKernel cosine_parts;
} VecextKernelSet;

/* The kernels in use, chosen once by VecextDistanceInit(). */
extern VecextKernelSet VecextKernels;

extern void VecextDistanceInit(void);

/*
 * Every kernel set this CPU can run, scalar first; returns how many were
 * written to sets[] (at most max).  For tests and diagnostics.
 */
extern int	VecextAvailableKernelSets(const VecextKernelSet **sets, int max);

extern const VecextKernelSet VecextScalarKernels;

/* x86 variants; NULL members when the compiler cannot build them. */
extern const VecextKernelSet *VecextAvx2Kernels(void);
extern const VecextKernelSet *VecextAvx512Kernels(void);

/* Cosine distance from the three sums; NaN when a side has zero norm. */
static inline double
VecextCosineFromParts(float dot, float norma, float normb)
{
	double		sim;

	if (norma == 0.0f || normb == 0.0f)
		return (double) (0.0f / 0.0f);

	sim = (double) dot / __builtin_sqrt((double) norma * (double) normb);
	/* keep rounding error from leaving [-1, 1] */
	if (sim > 1.0)
		sim = 1.0;
	else if (sim < -1.0)
		sim = -1.0;
	return 1.0 - sim;
}

#endif							/* VECEXT_DISTANCE_H */
