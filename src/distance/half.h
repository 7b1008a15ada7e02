/*-------------------------------------------------------------------------
 * half.h
 *		IEEE 754 binary16 ("half") elements: exact conversions to and from
 *		float4, and the half-precision distance kernels picked at load time.
 *
 * Plain C, no postgres.h, like distance.h: test/unit/ checks every SIMD
 * kernel against the scalar one without a server.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_HALF_H
#define VECEXT_HALF_H

#include <stdint.h>
#include <string.h>

typedef uint16_t VecextHalf;

#define VECEXT_HALF_MAX			65504.0f	/* largest finite half */
#define VECEXT_HALF_EXP_MASK	0x7C00
#define VECEXT_HALF_SIGN_MASK	0x8000

/* True for +-Infinity and NaN. */
static inline int
VecextHalfIsSpecial(VecextHalf h)
{
	return (h & VECEXT_HALF_EXP_MASK) == VECEXT_HALF_EXP_MASK;
}

/* Exact: every half is a float4. */
static inline float
VecextHalfToFloat(VecextHalf h)
{
	uint32_t	sign = (uint32_t) (h & VECEXT_HALF_SIGN_MASK) << 16;
	uint32_t	exp = (h >> 10) & 0x1F;
	uint32_t	mant = h & 0x3FF;
	uint32_t	bits;
	float		f;

	if (exp == 0)
	{
		/* zero or subnormal: mant * 2^-24, exact in float4 */
		f = (float) mant * 5.9604644775390625e-8f;
		return sign ? -f : f;
	}
	if (exp == 0x1F)
		bits = sign | 0x7F800000 | (mant << 13);
	else
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	memcpy(&f, &bits, sizeof(f));
	return f;
}

/*
 * float4 -> half, rounding to nearest, ties to even; subnormal halves are
 * produced exactly, values too small for a subnormal become (signed) zero.
 * A finite value at or above 65520 in magnitude rounds to Infinity: callers
 * check VecextHalfIsSpecial() to reject overflow (and NaN/Infinity input).
 */
static inline VecextHalf
VecextFloatToHalf(float f)
{
	uint32_t	x;
	uint32_t	sign;
	uint32_t	absx;

	memcpy(&x, &f, sizeof(x));
	sign = (x >> 16) & VECEXT_HALF_SIGN_MASK;
	absx = x & 0x7FFFFFFF;

	if (absx >= 0x7F800000)		/* Infinity or NaN */
		return (VecextHalf) (sign | VECEXT_HALF_EXP_MASK | (absx > 0x7F800000 ? 0x200 : 0));
	if (absx >= 0x477FF000)		/* >= 65520: rounds past the largest half */
		return (VecextHalf) (sign | VECEXT_HALF_EXP_MASK);
	if (absx < 0x38800000)		/* below 2^-14: subnormal half or zero */
	{
		uint32_t	e = absx >> 23;
		uint32_t	m = (absx & 0x7FFFFF) | 0x800000;
		uint32_t	shift,
					h,
					rem,
					halfway;

		if (absx <= 0x33000000) /* <= 2^-25: rounds to zero (the tie too) */
			return (VecextHalf) sign;
		shift = 126 - e;		/* 14..24 */
		h = m >> shift;
		rem = m & ((1u << shift) - 1);
		halfway = 1u << (shift - 1);
		if (rem > halfway || (rem == halfway && (h & 1)))
			h++;				/* may carry into the smallest normal: right */
		return (VecextHalf) (sign | h);
	}
	else
	{
		uint32_t	h = ((((absx >> 23) - 112) << 10) | ((absx >> 13) & 0x3FF));
		uint32_t	rem = absx & 0x1FFF;

		if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
			h++;				/* a carry into the exponent is right */
		return (VecextHalf) (sign | h);
	}
}

/* Kernels over half arrays of length n (n >= 0), accumulating in float4. */
typedef float (*VecextF16Kernel) (const VecextHalf *a, const VecextHalf *b, int n);
typedef void (*VecextF16CosineKernel) (const VecextHalf *a, const VecextHalf *b, int n,
									   float *dot, float *norma, float *normb);

typedef struct VecextHalfKernelSet
{
	const char *name;			/* "scalar", "f16c" (AVX2+F16C+FMA), "avx512" */
	VecextF16Kernel l2_squared; /* sum (a-b)^2 */
	VecextF16Kernel inner;		/* sum a*b */
	VecextF16Kernel l1;			/* sum |a-b| */
	VecextF16CosineKernel cosine_parts;
} VecextHalfKernelSet;

/* The kernels in use, chosen once by VecextHalfDistanceInit(). */
extern VecextHalfKernelSet VecextHalfKernels;
extern const VecextHalfKernelSet VecextScalarHalfKernels;

extern void VecextHalfDistanceInit(void);
extern int	VecextAvailableHalfKernelSets(const VecextHalfKernelSet **sets, int max);

/* x86 variants; NULL when the CPU (or the compiler) cannot run them. */
extern const VecextHalfKernelSet *VecextF16cHalfKernels(void);
extern const VecextHalfKernelSet *VecextAvx512HalfKernels(void);

#endif							/* VECEXT_HALF_H */
