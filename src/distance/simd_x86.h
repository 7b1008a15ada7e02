/*-------------------------------------------------------------------------
 * simd_x86.h
 *		Helpers shared by the x86 kernel files (include after
 *		<immintrin.h>, inside their x86-64 guard).
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_SIMD_X86_H
#define VECEXT_SIMD_X86_H

/* horizontal sum of 8 floats (inlined into any AVX2-or-wider kernel) */
__attribute__((target("avx2"))) static inline float
VecextHsum256(__m256 v)
{
	__m128		lo = _mm256_castps256_ps128(v);
	__m128		hi = _mm256_extractf128_ps(v, 1);

	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
	return _mm_cvtss_f32(lo);
}

#endif							/* VECEXT_SIMD_X86_H */
