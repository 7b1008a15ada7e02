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

/* Jaccard distance from the three counts (two empty vectors: 0). */
static inline double
VecextJaccardFromParts(uint64_t ab, uint64_t aa, uint64_t bb)
{
	uint64_t	uni = aa + bb - ab;

	if (uni == 0)
		return 0.0;
	return 1.0 - (double) ab / (double) uni;
}

#endif							/* VECEXT_BITS_H */
