/*-------------------------------------------------------------------------
 * bits.h
 *		Binary vectors (the bytes of a bit(n) value): popcount kernels for
 *		Hamming and Jaccard distance, picked at load time.
 *
 * Plain C, no postgres.h, like distance.h.  Inputs are byte arrays of the
 * same length; bits past the end of a bit(n) value are zero in PostgreSQL's
 * representation, so whole bytes can be counted.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_BITS_H
#define VECEXT_BITS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct VecextBitKernelSet
{
	const char *name;			/* "scalar", "popcnt", "avx512" (VPOPCNTDQ) */
	/* popcount(a XOR b) */
	uint64_t	(*hamming) (const unsigned char *a, const unsigned char *b, size_t nbytes);
	/* popcount(a AND b), popcount(a), popcount(b) in one pass */
	void		(*jaccard_parts) (const unsigned char *a, const unsigned char *b, size_t nbytes,
								  uint64_t *ab, uint64_t *aa, uint64_t *bb);
} VecextBitKernelSet;

extern VecextBitKernelSet VecextBitKernels;
extern const VecextBitKernelSet VecextScalarBitKernels;

extern void VecextBitDistanceInit(void);
extern int	VecextAvailableBitKernelSets(const VecextBitKernelSet **sets, int max);

/* x86 variants; NULL when the CPU (or the compiler) cannot run them. */
extern const VecextBitKernelSet *VecextPopcntBitKernels(void);
extern const VecextBitKernelSet *VecextAvx512BitKernels(void);

/*
 * Bytes [0, n) of p (n <= 8) as a 64-bit word, the rest zero; any alignment.
 * Kernels count whole words and this gives them the last partial one.
 */
static inline uint64_t
VecextLoadBitWord(const unsigned char *p, size_t n)
{
	uint64_t	w = 0;

	memcpy(&w, p, n);
	return w;
}

/*
 * Jaccard distance 1 - |a AND b| / |a OR b| from the three counts.  With no
 * bit in common it is 1, also for two all-zero (or empty) vectors, whose
 * union is empty: pgvector defines it so.
 */
static inline double
VecextJaccardFromParts(uint64_t ab, uint64_t aa, uint64_t bb)
{
	if (ab == 0)
		return 1.0;
	return 1.0 - (double) ab / (double) (aa + bb - ab);
}

#endif							/* VECEXT_BITS_H */
