/*-------------------------------------------------------------------------
 * bits_x86.c
 *		Hamming and Jaccard popcount kernels with the popcnt instruction
 *		and with AVX-512 VPOPCNTDQ.
 *
 * Each function carries its own target attribute, so this file compiles
 * with the default flags and the library runs on any x86-64; a set is
 * offered only when __builtin_cpu_supports says the CPU has it (which, for
 * AVX-512, also means the OS saves the ZMM registers).
 *
 * The AVX-512 kernels need only AVX512F and VPOPCNTDQ, not AVX512BW (which
 * some VPOPCNTDQ CPUs lack), so their tail cannot be a masked byte load: it
 * is a masked load of the remaining whole 8-byte words plus the last 0..7
 * bytes put into the next lane as a zero-filled word.  Lanes past the tail
 * are zero and count nothing; masked-off bytes are never read.
 *-------------------------------------------------------------------------
 */
#include "distance/bits.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VECEXT_HAVE_X86 1
#include <immintrin.h>

#define POPCNT __attribute__((target("popcnt")))
#define AVX512_POPCNT __attribute__((target("avx512f,avx512vpopcntdq")))

/* words are 8 bytes, vectors 64 */
#define WORD_BYTES 8
#define ZMM_BYTES 64

POPCNT static uint64_t
popcnt_hamming(const unsigned char *a, const unsigned char *b, size_t nbytes)
{
	uint64_t	c0 = 0,
				c1 = 0;
	size_t		i = 0;

	/* two accumulators, so consecutive popcnts do not wait for each other */
	for (; i + 2 * WORD_BYTES <= nbytes; i += 2 * WORD_BYTES)
	{
		c0 += __builtin_popcountll(VecextLoadBitWord(a + i, WORD_BYTES) ^
								   VecextLoadBitWord(b + i, WORD_BYTES));
		c1 += __builtin_popcountll(VecextLoadBitWord(a + i + WORD_BYTES, WORD_BYTES) ^
								   VecextLoadBitWord(b + i + WORD_BYTES, WORD_BYTES));
	}
	for (; i < nbytes; i += WORD_BYTES)
	{
		size_t		n = nbytes - i < WORD_BYTES ? nbytes - i : WORD_BYTES;

		c0 += __builtin_popcountll(VecextLoadBitWord(a + i, n) ^ VecextLoadBitWord(b + i, n));
	}
	return c0 + c1;
}

POPCNT static void
popcnt_jaccard_parts(const unsigned char *a, const unsigned char *b, size_t nbytes,
					 uint64_t *ab, uint64_t *aa, uint64_t *bb)
{
	uint64_t	cab = 0,
				caa = 0,
				cbb = 0;

	for (size_t i = 0; i < nbytes; i += WORD_BYTES)
	{
		size_t		n = nbytes - i < WORD_BYTES ? nbytes - i : WORD_BYTES;
		uint64_t	wa = VecextLoadBitWord(a + i, n);
		uint64_t	wb = VecextLoadBitWord(b + i, n);

		cab += __builtin_popcountll(wa & wb);
		caa += __builtin_popcountll(wa);
		cbb += __builtin_popcountll(wb);
	}
	*ab = cab;
	*aa = caa;
	*bb = cbb;
}

/*
 * The last rest bytes at p (0 < rest < 64) as one vector, zero beyond them:
 * the whole words by a masked load, the partial word into the lane after.
 */
AVX512_POPCNT static inline __m512i
avx512_load_tail(const unsigned char *p, size_t rest)
{
	size_t		words = rest / WORD_BYTES;
	size_t		partial = rest % WORD_BYTES;
	__m512i		v = _mm512_maskz_loadu_epi64((__mmask8) ((1u << words) - 1), p);

	if (partial > 0)
		v = _mm512_mask_set1_epi64(v, (__mmask8) (1u << words),
								   (long long) VecextLoadBitWord(p + words * WORD_BYTES, partial));
	return v;
}

AVX512_POPCNT static uint64_t
avx512_hamming(const unsigned char *a, const unsigned char *b, size_t nbytes)
{
	__m512i		acc = _mm512_setzero_si512();
	size_t		i = 0;

	for (; i + ZMM_BYTES <= nbytes; i += ZMM_BYTES)
	{
		__m512i		x = _mm512_xor_si512(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));

		acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
	}
	if (i < nbytes)
	{
		__m512i		x = _mm512_xor_si512(avx512_load_tail(a + i, nbytes - i),
										 avx512_load_tail(b + i, nbytes - i));

		acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
	}
	return (uint64_t) _mm512_reduce_add_epi64(acc);
}

AVX512_POPCNT static void
avx512_jaccard_parts(const unsigned char *a, const unsigned char *b, size_t nbytes,
					 uint64_t *ab, uint64_t *aa, uint64_t *bb)
{
	__m512i		sab = _mm512_setzero_si512(),
				saa = _mm512_setzero_si512(),
				sbb = _mm512_setzero_si512();

	for (size_t i = 0; i < nbytes; i += ZMM_BYTES)
	{
		__m512i		va,
					vb;

		if (i + ZMM_BYTES <= nbytes)
		{
			va = _mm512_loadu_si512(a + i);
			vb = _mm512_loadu_si512(b + i);
		}
		else
		{
			va = avx512_load_tail(a + i, nbytes - i);
			vb = avx512_load_tail(b + i, nbytes - i);
		}
		sab = _mm512_add_epi64(sab, _mm512_popcnt_epi64(_mm512_and_si512(va, vb)));
		saa = _mm512_add_epi64(saa, _mm512_popcnt_epi64(va));
		sbb = _mm512_add_epi64(sbb, _mm512_popcnt_epi64(vb));
	}
	*ab = (uint64_t) _mm512_reduce_add_epi64(sab);
	*aa = (uint64_t) _mm512_reduce_add_epi64(saa);
	*bb = (uint64_t) _mm512_reduce_add_epi64(sbb);
}

static const VecextBitKernelSet popcnt_set = {
	"popcnt", popcnt_hamming, popcnt_jaccard_parts
};

static const VecextBitKernelSet avx512_set = {
	"avx512", avx512_hamming, avx512_jaccard_parts
};
#endif							/* x86-64 with GCC or clang */

const VecextBitKernelSet *
VecextPopcntBitKernels(void)
{
#ifdef VECEXT_HAVE_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("popcnt"))
		return &popcnt_set;
#endif
	return NULL;
}

const VecextBitKernelSet *
VecextAvx512BitKernels(void)
{
#ifdef VECEXT_HAVE_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq"))
		return &avx512_set;
#endif
	return NULL;
}
