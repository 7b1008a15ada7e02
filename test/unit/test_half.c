/*-------------------------------------------------------------------------
 * test_half.c
 *		The float4 <-> half conversions of distance/half.h, checked
 *		exhaustively and against the F16C instructions, and every half
 *		kernel set this CPU runs against the scalar reference on random
 *		inputs of every length 0..2000.  Prints TAP.
 *-------------------------------------------------------------------------
 */
#include "distance/half.h"
#include "distance/distance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#define MAXLEN 2000
#define HW_SAMPLES 4000000

static int	test_no = 0;
static int	failures = 0;

static void
check(int ok, const char *what, long bad)
{
	if (!ok)
		failures++;
	printf("%s %d - %s", ok ? "ok" : "not ok", ++test_no, what);
	if (!ok)
		printf(" (%ld mismatches)", bad);
	printf("\n");
}

static uint64_t rng_state = 0x243F6A8885A308D3ULL;

static uint64_t
rnd64(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* uniform in [-1, 1) */
static float
rnd(void)
{
	return (float) (rnd64() >> 40) / (float) (1 << 23) - 1.0f;
}

static float
bits_to_float(uint32_t u)
{
	float		f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static int
is_nan_half(VecextHalf h)
{
	return VecextHalfIsSpecial(h) && (h & 0x3FF) != 0;
}

/* every non-NaN half (both infinities too) survives half -> float -> half */
static void
test_round_trip(void)
{
	long		bad = 0;

	for (uint32_t h = 0; h <= 0xFFFF; h++)
	{
		if (is_nan_half((VecextHalf) h))
			continue;
		if (VecextFloatToHalf(VecextHalfToFloat((VecextHalf) h)) != h)
			bad++;
	}
	check(bad == 0, "every non-NaN half: FloatToHalf(HalfToFloat(h)) == h", bad);

	bad = 0;
	for (uint32_t h = 0; h <= 0xFFFF; h++)
		if (is_nan_half((VecextHalf) h) != isnan(VecextHalfToFloat((VecextHalf) h)))
			bad++;
	check(bad == 0, "HalfToFloat gives NaN exactly for the NaN halves", bad);
}

/*
 * Ties between consecutive finite halves round to the even one; a float
 * just past the midpoint rounds to the nearer half.  Covers subnormals,
 * the subnormal/normal boundary and both signs.  Midpoints are exact floats.
 */
static void
test_ties(void)
{
	long		bad_tie = 0,
				bad_near = 0;

	for (uint32_t sign = 0; sign <= 0x8000; sign += 0x8000)
	{
		for (uint32_t h = 0; h < 0x7BFF; h++)
		{
			VecextHalf	lo = (VecextHalf) (sign | h);
			VecextHalf	hi = (VecextHalf) (sign | (h + 1));
			float		mid = (VecextHalfToFloat(lo) + VecextHalfToFloat(hi)) / 2.0f;
			VecextHalf	even = (h & 1) ? hi : lo;

			if (VecextFloatToHalf(mid) != even)
				bad_tie++;
			if (VecextFloatToHalf(nextafterf(mid, 0.0f)) != lo ||
				VecextFloatToHalf(nextafterf(mid, sign ? -INFINITY : INFINITY)) != hi)
				bad_near++;
		}
	}
	check(bad_tie == 0, "ties between consecutive halves round to even (both signs, subnormals too)", bad_tie);
	check(bad_near == 0, "one float4 ulp either side of a tie rounds to the nearer half", bad_near);
}

static void
test_edges(void)
{
	const float min_sub = 5.9604644775390625e-8f;	/* 2^-24 */
	const float min_normal = 6.103515625e-5f;	/* 2^-14 */

	check(VecextFloatToHalf(65504.0f) == 0x7BFF, "65504 is the largest half", 0);
	check(VecextFloatToHalf(65519.99f) == 0x7BFF, "65519.99 rounds down to 65504", 0);
	check(VecextFloatToHalf(nextafterf(65520.0f, 0.0f)) == 0x7BFF, "the float4 below 65520 rounds to 65504", 0);
	check(VecextFloatToHalf(65520.0f) == 0x7C00, "65520 rounds to Infinity (the caller's overflow)", 0);
	check(VecextFloatToHalf(-65520.0f) == 0xFC00, "-65520 rounds to -Infinity", 0);
	check(VecextFloatToHalf(1e10f) == 0x7C00 && VecextFloatToHalf(3.4e38f) == 0x7C00,
		  "huge float4 values become Infinity", 0);
	check(VecextFloatToHalf(INFINITY) == 0x7C00 && VecextFloatToHalf(-INFINITY) == 0xFC00,
		  "Infinity stays Infinity", 0);
	check(is_nan_half(VecextFloatToHalf(NAN)) && is_nan_half(VecextFloatToHalf(-NAN)),
		  "NaN stays NaN", 0);
	check(VecextFloatToHalf(1e-9f) == 0x0000 && VecextFloatToHalf(-1e-9f) == 0x8000,
		  "1e-9 becomes 0, -1e-9 becomes -0", 0);
	check(VecextFloatToHalf(0.0f) == 0x0000 && VecextFloatToHalf(-0.0f) == 0x8000,
		  "0 and -0 keep their sign", 0);
	check(VecextFloatToHalf(1.4e-45f) == 0x0000 && VecextFloatToHalf(-1.4e-45f) == 0x8000,
		  "the smallest float4 subnormal becomes a signed zero", 0);
	check(VecextFloatToHalf(min_sub) == 0x0001 && VecextHalfToFloat(0x0001) == min_sub,
		  "2^-24 is the smallest subnormal half, exactly", 0);
	check(VecextFloatToHalf(min_sub / 2) == 0x0000 &&
		  VecextFloatToHalf(nextafterf(min_sub / 2, 1.0f)) == 0x0001 &&
		  VecextFloatToHalf(-nextafterf(min_sub / 2, 1.0f)) == 0x8001,
		  "2^-25 ties to 0, anything above it rounds to the smallest subnormal", 0);
	check(VecextFloatToHalf(min_sub * 1.5f) == 0x0002 && VecextFloatToHalf(min_sub * 2.5f) == 0x0002,
		  "subnormal ties round to even (1.5 -> 2, 2.5 -> 2 units of 2^-24)", 0);
	check(VecextFloatToHalf(min_normal) == 0x0400 && VecextHalfToFloat(0x03FF) == min_normal - min_sub,
		  "2^-14 is the smallest normal half; 0x03FF is the largest subnormal", 0);
	check(VecextFloatToHalf(min_normal - min_sub / 2) == 0x0400,
		  "the tie between the largest subnormal and 2^-14 rounds up to the even 0x0400", 0);
	check(VecextFloatToHalf(1.0f) == 0x3C00 && VecextFloatToHalf(-2.0f) == 0xC000 &&
		  VecextFloatToHalf(0.1f) == 0x2E66 && VecextFloatToHalf(1.5f) == 0x3E00,
		  "1, -2, 0.1, 1.5 have their known half bits", 0);
	check(VecextFloatToHalf(2049.0f) == 0x6800 && VecextFloatToHalf(2051.0f) == 0x6802,
		  "integer ties above 2048 round to even", 0);
}

#ifdef HAVE_X86
__attribute__((target("f16c"))) static VecextHalf
hw_float_to_half(float f)
{
	return (VecextHalf) _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}

__attribute__((target("f16c"))) static float
hw_half_to_float(VecextHalf h)
{
	return _cvtsh_ss(h);
}
#endif

/* VecextFloatToHalf agrees with the hardware on random floats */
static void
test_hardware(void)
{
#ifdef HAVE_X86
	long		bad = 0;

	unsigned int eax,
				ebx,
				ecx,
				edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_F16C))
	{
		printf("ok %d - # SKIP no F16C on this CPU\n", ++test_no);
		printf("ok %d - # SKIP no F16C on this CPU\n", ++test_no);
		return;
	}
	for (long i = 0; i < HW_SAMPLES; i++)
	{
		/* half of them any bit pattern, half of them near the half range */
		float		f = (i & 1) ? bits_to_float((uint32_t) (rnd64() >> 32))
			: ldexpf(rnd(), (int) (rnd64() >> 59) - 26);
		VecextHalf	sw = VecextFloatToHalf(f);
		VecextHalf	hw = hw_float_to_half(f);

		if (isnan(f) ? !(is_nan_half(sw) && is_nan_half(hw)) : sw != hw)
			bad++;
	}
	check(bad == 0, "VecextFloatToHalf agrees with _cvtss_sh on 4 million random floats", bad);

	bad = 0;
	for (uint32_t h = 0; h <= 0xFFFF; h++)
	{
		float		sw = VecextHalfToFloat((VecextHalf) h);
		float		hw = hw_half_to_float((VecextHalf) h);

		if (isnan(sw) ? !isnan(hw) : memcmp(&sw, &hw, sizeof(sw)) != 0)
			bad++;
	}
	check(bad == 0, "VecextHalfToFloat agrees with _cvtsh_ss on every half", bad);
#else
	printf("ok %d - # SKIP not x86-64\n", ++test_no);
	printf("ok %d - # SKIP not x86-64\n", ++test_no);
#endif
}

/* relative agreement, with an absolute floor scaled by the length */
static int
close_enough(double got, double want, int n, double scale)
{
	return fabs(got - want) <= 1e-5 * fabs(want) + 1e-6 * n * scale;
}

static void
test_kernels(void)
{
	const VecextHalfKernelSet *sets[4];
	int			nsets = VecextAvailableHalfKernelSets(sets, 4);
	static VecextHalf a[MAXLEN + 16],
				b[MAXLEN + 16];

	printf("ok %d - half kernel sets on this CPU:", ++test_no);
	for (int s = 0; s < nsets; s++)
		printf(" %s", sets[s]->name);
	printf("\n");

	for (int s = 1; s < nsets; s++)
	{
		const VecextHalfKernelSet *k = sets[s];
		const VecextHalfKernelSet *ref = &VecextScalarHalfKernels;
		long		bad[4] = {0, 0, 0, 0};
		const char *names[4] = {"l2_squared", "inner", "l1", "cosine_parts"};
		char		what[128];

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
				/* vary the scale; offset the pointers to test unaligned loads */
				float		scale = round == 0 ? 1.0f : (round == 1 ? 100.0f : 1e-3f);
				VecextHalf *pa = a + round,
						   *pb = b + (2 - round);
				double		mag = 0;

				for (int i = 0; i < n; i++)
				{
					pa[i] = VecextFloatToHalf(rnd() * scale);
					pb[i] = VecextFloatToHalf(rnd() * scale);
					mag += fabs((double) VecextHalfToFloat(pa[i]) * VecextHalfToFloat(pb[i]));
				}
				if (!close_enough(k->l2_squared(pa, pb, n), ref->l2_squared(pa, pb, n), n, scale * scale))
					bad[0]++;
				/* inner products cancel: compare against the magnitude */
				if (fabs(k->inner(pa, pb, n) - ref->inner(pa, pb, n)) > 1e-5 * mag + 1e-30)
					bad[1]++;
				if (!close_enough(k->l1(pa, pb, n), ref->l1(pa, pb, n), n, scale))
					bad[2]++;
				k->cosine_parts(pa, pb, n, &d1, &a1, &b1);
				ref->cosine_parts(pa, pb, n, &d2, &a2, &b2);
				if (!close_enough(a1, a2, n, scale * scale) || !close_enough(b1, b2, n, scale * scale) ||
					fabs(d1 - d2) > 1e-5 * mag + 1e-30 ||
					!(isnan(VecextCosineFromParts(d1, a1, b1)) == isnan(VecextCosineFromParts(d2, a2, b2))) ||
					(!isnan(VecextCosineFromParts(d1, a1, b1)) &&
					 fabs(VecextCosineFromParts(d1, a1, b1) - VecextCosineFromParts(d2, a2, b2)) > 1e-4))
					bad[3]++;
			}
		}
		for (int f = 0; f < 4; f++)
		{
			snprintf(what, sizeof(what), "%s %s agrees with scalar for lengths 0..%d",
					 k->name, names[f], MAXLEN);
			check(bad[f] == 0, what, bad[f]);
		}
	}

	/* the scalar kernels themselves, on values checked by hand */
	{
		VecextHalf	x[3] = {VecextFloatToHalf(1.0f), VecextFloatToHalf(2.0f), VecextFloatToHalf(3.0f)};
		VecextHalf	y[3] = {VecextFloatToHalf(4.0f), VecextFloatToHalf(-5.0f), VecextFloatToHalf(6.0f)};
		float		d,
					na,
					nb;

		VecextScalarHalfKernels.cosine_parts(x, y, 3, &d, &na, &nb);
		check(VecextScalarHalfKernels.l2_squared(x, y, 3) == 9.0f + 49.0f + 9.0f &&
			  VecextScalarHalfKernels.inner(x, y, 3) == 4.0f - 10.0f + 18.0f &&
			  VecextScalarHalfKernels.l1(x, y, 3) == 3.0f + 7.0f + 3.0f &&
			  d == 12.0f && na == 14.0f && nb == 77.0f,
			  "scalar kernels on [1,2,3] and [4,-5,6]: 67, 12, 13, (12, 14, 77)", 0);
	}
}

/* VECEXT_KERNELS narrows the load-time choice; avx2 means f16c here */
static void
test_dispatch(const VecextHalfKernelSet **sets, int nsets)
{
	const char *widest = sets[nsets - 1]->name;
	const char *want[5][2] = {
		{"scalar", "scalar"}, {"f16c", nsets > 1 ? "f16c" : widest},
		{"avx2", nsets > 1 ? "f16c" : widest}, {"avx512", widest}, {"no-such-set", widest}
	};
	long		bad = 0;

	unsetenv("VECEXT_KERNELS");
	VecextHalfDistanceInit();
	if (strcmp(VecextHalfKernels.name, widest) != 0)
		bad++;
	for (int i = 0; i < 5; i++)
	{
		setenv("VECEXT_KERNELS", want[i][0], 1);
		VecextHalfDistanceInit();
		if (strcmp(VecextHalfKernels.name, want[i][1]) != 0)
			bad++;
	}
	unsetenv("VECEXT_KERNELS");
	check(bad == 0, "VecextHalfDistanceInit picks the widest set, narrowed by VECEXT_KERNELS", bad);
}

int
main(void)
{
	const VecextHalfKernelSet *sets[4];
	int			nsets = VecextAvailableHalfKernelSets(sets, 4);

	printf("1..%d\n", 2 + 2 + 18 + 2 + 1 + (nsets - 1) * 4 + 1 + 1);
	test_round_trip();
	test_ties();
	test_edges();
	test_hardware();
	test_kernels();
	test_dispatch(sets, nsets);
	return failures ? 1 : 0;
}
