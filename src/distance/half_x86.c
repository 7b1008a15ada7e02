/*-------------------------------------------------------------------------
 * half_x86.c
 *		F16C+AVX2+FMA and AVX-512 kernels over half-precision elements.
 *
 * Halves are widened to float4 in registers (vcvtph2ps, exact) and the sums
 * kept in float4 lanes, like distance_x86.c.  Each function carries its own
 * target attribute, so this file compiles with the default flags; a set is
 * offered only when __builtin_cpu_supports says the CPU has it.
 *-------------------------------------------------------------------------
 */
#include "distance/half.h"

#include <math.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VECEXT_HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>

#include "distance/simd_x86.h"

#define F16C __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

/* 8 halves from p, widened */
F16C static inline __m256
load8(const VecextHalf *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
}

/* the last n < 8 halves from p, widened, zero in the other lanes */
F16C static inline __m256
load_tail8(const VecextHalf *p, int n)
{
	VecextHalf	buf[8] = {0};

	for (int i = 0; i < n; i++)
		buf[i] = p[i];
	return load8(buf);
}

F16C static float
f16c_l2_squared(const VecextHalf *a, const VecextHalf *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		__m256		d0 = _mm256_sub_ps(load8(a + i), load8(b + i));
		__m256		d1 = _mm256_sub_ps(load8(a + i + 8), load8(b + i + 8));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m256		d = _mm256_sub_ps(load8(a + i), load8(b + i));

		s0 = _mm256_fmadd_ps(d, d, s0);
	}
	if (i < n)
	{
		__m256		d = _mm256_sub_ps(load_tail8(a + i, n - i), load_tail8(b + i, n - i));

		s1 = _mm256_fmadd_ps(d, d, s1);
	}
	return VecextHsum256(_mm256_add_ps(s0, s1));
}

F16C static float
f16c_inner(const VecextHalf *a, const VecextHalf *b, int n)
{
	__m256		s0 = _mm256_setzero_ps(),
				s1 = _mm256_setzero_ps();
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		s0 = _mm256_fmadd_ps(load8(a + i), load8(b + i), s0);
		s1 = _mm256_fmadd_ps(load8(a + i + 8), load8(b + i + 8), s1);
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(load8(a + i), load8(b + i), s0);
	if (i < n)
		s1 = _mm256_fmadd_ps(load_tail8(a + i, n - i), load_tail8(b + i, n - i), s1);
	return VecextHsum256(_mm256_add_ps(s0, s1));
}

F16C static float
f16c_l1(const VecextHalf *a, const VecextHalf *b, int n)
{
	const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	__m256		s0 = _mm256_setzero_ps();
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		__m256		d = _mm256_sub_ps(load8(a + i), load8(b + i));

		s0 = _mm256_add_ps(s0, _mm256_and_ps(d, absmask));
	}
	if (i < n)
	{
		__m256		d = _mm256_sub_ps(load_tail8(a + i, n - i), load_tail8(b + i, n - i));

		s0 = _mm256_add_ps(s0, _mm256_and_ps(d, absmask));
	}
	return VecextHsum256(s0);
}

F16C static void
f16c_cosine_parts(const VecextHalf *a, const VecextHalf *b, int n,
				  float *dot, float *norma, float *normb)
{
	__m256		sd = _mm256_setzero_ps(),
				sa = _mm256_setzero_ps(),
				sb = _mm256_setzero_ps();

	for (int i = 0; i < n; i += 8)
	{
		__m256		va = n - i >= 8 ? load8(a + i) : load_tail8(a + i, n - i);
		__m256		vb = n - i >= 8 ? load8(b + i) : load_tail8(b + i, n - i);

		sd = _mm256_fmadd_ps(va, vb, sd);
		sa = _mm256_fmadd_ps(va, va, sa);
		sb = _mm256_fmadd_ps(vb, vb, sb);
	}
	*dot = VecextHsum256(sd);
	*norma = VecextHsum256(sa);
	*normb = VecextHsum256(sb);
}

/* AVX-512: 16 halves per step, a masked load (zeros) for the tail. */
AVX512 static inline __m512
load16(const VecextHalf *p, int left)
{
	__mmask16	m = left >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << left) - 1);

	return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

AVX512 static float
avx512_half_l2_squared(const VecextHalf *a, const VecextHalf *b, int n)
{
	__m512		s0 = _mm512_setzero_ps(),
				s1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= n; i += 32)
	{
		__m512		d0 = _mm512_sub_ps(load16(a + i, 16), load16(b + i, 16));
		__m512		d1 = _mm512_sub_ps(load16(a + i + 16, 16), load16(b + i + 16, 16));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
	}
	for (; i < n; i += 16)
	{
		__m512		d = _mm512_sub_ps(load16(a + i, n - i), load16(b + i, n - i));

		s0 = _mm512_fmadd_ps(d, d, s0);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

AVX512 static float
avx512_half_inner(const VecextHalf *a, const VecextHalf *b, int n)
{
	__m512		s0 = _mm512_setzero_ps(),
				s1 = _mm512_setzero_ps();
	int			i = 0;

	for (; i + 32 <= n; i += 32)
	{
		s0 = _mm512_fmadd_ps(load16(a + i, 16), load16(b + i, 16), s0);
		s1 = _mm512_fmadd_ps(load16(a + i + 16, 16), load16(b + i + 16, 16), s1);
	}
	for (; i < n; i += 16)
		s0 = _mm512_fmadd_ps(load16(a + i, n - i), load16(b + i, n - i), s0);
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

AVX512 static float
avx512_half_l1(const VecextHalf *a, const VecextHalf *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();

	for (int i = 0; i < n; i += 16)
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(load16(a + i, n - i),
														   load16(b + i, n - i))));
	return _mm512_reduce_add_ps(s0);
}

AVX512 static void
avx512_half_cosine_parts(const VecextHalf *a, const VecextHalf *b, int n,
						 float *dot, float *norma, float *normb)
{
	__m512		sd = _mm512_setzero_ps(),
				sa = _mm512_setzero_ps(),
				sb = _mm512_setzero_ps();

	for (int i = 0; i < n; i += 16)
	{
		__m512		va = load16(a + i, n - i);
		__m512		vb = load16(b + i, n - i);

		sd = _mm512_fmadd_ps(va, vb, sd);
		sa = _mm512_fmadd_ps(va, va, sa);
		sb = _mm512_fmadd_ps(vb, vb, sb);
	}
	*dot = _mm512_reduce_add_ps(sd);
	*norma = _mm512_reduce_add_ps(sa);
	*normb = _mm512_reduce_add_ps(sb);
}

/* CPUID leaf 1, ECX bit 29 (__builtin_cpu_supports has no "f16c" in clang) */
static int
cpu_has_f16c(void)
{
	unsigned int eax,
				ebx,
				ecx,
				edx;

	return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

static const VecextHalfKernelSet f16c_set = {
	"f16c", f16c_l2_squared, f16c_inner, f16c_l1, f16c_cosine_parts
};

static const VecextHalfKernelSet avx512_half_set = {
	"avx512", avx512_half_l2_squared, avx512_half_inner, avx512_half_l1,
	avx512_half_cosine_parts
};
#endif							/* x86-64 with GCC or clang */

const VecextHalfKernelSet *
VecextF16cHalfKernels(void)
{
#ifdef VECEXT_HAVE_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		cpu_has_f16c())
		return &f16c_set;
#endif
	return NULL;
}

const VecextHalfKernelSet *
VecextAvx512HalfKernels(void)
{
#ifdef VECEXT_HAVE_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		__builtin_cpu_supports("avx512vl") && cpu_has_f16c())
		return &avx512_half_set;
#endif
	return NULL;
}
