/*-------------------------------------------------------------------------
 * bits.c
 *		Scalar reference popcount kernels for binary vectors and the
 *		load-time choice of bit kernel set.
 *
 * The scalar kernels are the reference the x86 ones are tested against.
 * They count 64-bit words with a branch-free SWAR popcount (no popcnt
 * instruction at the default target) and the last 0..7 bytes through a
 * zero-filled word, so every byte length is handled by the same count.
 *-------------------------------------------------------------------------
 */
#include "distance/bits.h"

#include <stdlib.h>
#include <string.h>

/* Number of one bits in x, by adding neighbouring fields of doubling width. */
static inline uint64_t
swar_popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

static uint64_t
scalar_hamming(const unsigned char *a, const unsigned char *b, size_t nbytes)
{
	uint64_t	count = 0;

	for (size_t i = 0; i < nbytes; i += 8)
	{
		size_t		n = nbytes - i < 8 ? nbytes - i : 8;

		count += swar_popcount64(VecextLoadBitWord(a + i, n) ^ VecextLoadBitWord(b + i, n));
	}
	return count;
}

static void
scalar_jaccard_parts(const unsigned char *a, const unsigned char *b, size_t nbytes,
					 uint64_t *ab, uint64_t *aa, uint64_t *bb)
{
	uint64_t	cab = 0,
				caa = 0,
				cbb = 0;

	for (size_t i = 0; i < nbytes; i += 8)
	{
		size_t		n = nbytes - i < 8 ? nbytes - i : 8;
		uint64_t	wa = VecextLoadBitWord(a + i, n);
		uint64_t	wb = VecextLoadBitWord(b + i, n);

		cab += swar_popcount64(wa & wb);
		caa += swar_popcount64(wa);
		cbb += swar_popcount64(wb);
	}
	*ab = cab;
	*aa = caa;
	*bb = cbb;
}

const VecextBitKernelSet VecextScalarBitKernels = {
	"scalar", scalar_hamming, scalar_jaccard_parts
};

VecextBitKernelSet VecextBitKernels = {
	"scalar", scalar_hamming, scalar_jaccard_parts
};

int
VecextAvailableBitKernelSets(const VecextBitKernelSet **sets, int max)
{
	int			n = 0;
	const VecextBitKernelSet *k;

	if (n < max)
		sets[n++] = &VecextScalarBitKernels;
	if ((k = VecextPopcntBitKernels()) != NULL && n < max)
		sets[n++] = k;
	if ((k = VecextAvx512BitKernels()) != NULL && n < max)
		sets[n++] = k;
	return n;
}

/*
 * Pick the widest bit kernel set the CPU supports.  VECEXT_KERNELS (the
 * variable VecextDistanceInit reads) narrows the choice when it names a bit
 * kernel set: scalar, popcnt or avx512.  Other values leave the widest.
 */
void
VecextBitDistanceInit(void)
{
	const VecextBitKernelSet *sets[4];
	int			n = VecextAvailableBitKernelSets(sets, 4);
	const VecextBitKernelSet *choice = sets[n - 1];
	const char *want = getenv("VECEXT_KERNELS");

	if (want != NULL)
	{
		for (int i = 0; i < n; i++)
			if (strcmp(sets[i]->name, want) == 0)
				choice = sets[i];
	}
	VecextBitKernels = *choice;
}
