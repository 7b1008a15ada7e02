/*-------------------------------------------------------------------------
 * test_bits.c
 *		The bit kernels: the scalar one counts what a bit-by-bit count
 *		counts, every other set this CPU runs agrees with it on random
 *		inputs of every byte length 0..2000 at every alignment offset 0..7,
 *		and all of them give exact counts on known patterns.  Prints TAP.
 *-------------------------------------------------------------------------
 */
#include "distance/bits.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXBYTES 2000
#define MAXOFFSET 8
#define MAXSETS 4

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

/* xorshift64* */
static uint64_t
rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* random bytes; density picks sparse, dense or even bits */
static void
fill_random(unsigned char *p, size_t n, int density)
{
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	r = rnd64();
		unsigned char x = (unsigned char) (r >> 56);

		if (density == 0)
			x &= (unsigned char) (r >> 48) & (unsigned char) (r >> 40);
		else if (density == 2)
			x |= (unsigned char) (r >> 48) | (unsigned char) (r >> 40);
		p[i] = x;
	}
}

/* The plainest count there is: bit by bit. */
static uint64_t
naive_ones(const unsigned char *p, size_t n)
{
	uint64_t	c = 0;

	for (size_t i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit++)
			c += (p[i] >> bit) & 1;
	return c;
}

static uint64_t
naive_hamming(const unsigned char *a, const unsigned char *b, size_t n)
{
	uint64_t	c = 0;

	for (size_t i = 0; i < n; i++)
	{
		unsigned char x = a[i] ^ b[i];

		c += naive_ones(&x, 1);
	}
	return c;
}

static uint64_t
naive_and(const unsigned char *a, const unsigned char *b, size_t n)
{
	uint64_t	c = 0;

	for (size_t i = 0; i < n; i++)
	{
		unsigned char x = a[i] & b[i];

		c += naive_ones(&x, 1);
	}
	return c;
}

static int	test = 0;
static int	failed = 0;

static void
report(int ok, const char *fmt,...)
{
	va_list		args;

	printf("%s %d - ", ok ? "ok" : "not ok", ++test);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf("\n");
	if (!ok)
		failed++;
}

/* Does set k give exactly (ham, ab, aa, bb) on a, b? */
static int
counts_are(const VecextBitKernelSet *k, const unsigned char *a, const unsigned char *b, size_t n,
		   uint64_t ham, uint64_t ab, uint64_t aa, uint64_t bb)
{
	uint64_t	gab,
				gaa,
				gbb;

	k->jaccard_parts(a, b, n, &gab, &gaa, &gbb);
	return k->hamming(a, b, n) == ham && gab == ab && gaa == aa && gbb == bb;
}

/* Random inputs: set k against the reference (the naive count for scalar). */
static void
check_random(const VecextBitKernelSet *k)
{
	static unsigned char abuf[MAXBYTES + MAXOFFSET],
				bbuf[MAXBYTES + MAXOFFSET];
	long		bad = 0;
	int			is_scalar = (k == &VecextScalarBitKernels);

	for (size_t n = 0; n <= MAXBYTES; n++)
	{
		for (int off = 0; off < MAXOFFSET; off++)
		{
			/* a and b at different offsets: every pair of alignments shows up */
			const unsigned char *a = abuf + off;
			const unsigned char *b = bbuf + (MAXOFFSET - 1 - off);
			int			density = (int) ((n + off) % 3);
			uint64_t	ham,
						ab,
						aa,
						bb;

			fill_random(abuf, n + MAXOFFSET, density);
			fill_random(bbuf, n + MAXOFFSET, 2 - density);
			if (is_scalar)
			{
				ham = naive_hamming(a, b, n);
				ab = naive_and(a, b, n);
				aa = naive_ones(a, n);
				bb = naive_ones(b, n);
			}
			else
			{
				ham = VecextScalarBitKernels.hamming(a, b, n);
				VecextScalarBitKernels.jaccard_parts(a, b, n, &ab, &aa, &bb);
			}
			if (!counts_are(k, a, b, n, ham, ab, aa, bb))
				bad++;
		}
	}
	report(bad == 0, "%s agrees with %s, byte lengths 0..%d x offsets 0..%d (%ld mismatches)",
		   k->name, is_scalar ? "a bit-by-bit count" : "scalar", MAXBYTES, MAXOFFSET - 1, bad);
}

/* Known patterns, exact counts. */
static void
check_patterns(const VecextBitKernelSet *k)
{
	static unsigned char a[MAXBYTES + MAXOFFSET],
				b[MAXBYTES + MAXOFFSET];
	static const size_t lengths[] = {0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 127, 128, 129, 1000, MAXBYTES};
	long		bad = 0;
	long		single_bad = 0;

	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++)
	{
		size_t		n = lengths[li];

		for (int off = 0; off < MAXOFFSET; off++)
		{
			unsigned char *pa = a + off;
			unsigned char *pb = b + (MAXOFFSET - 1 - off);

			/* all ones against itself and against all zeros */
			memset(a, 0xFF, sizeof(a));
			memset(b, 0x00, sizeof(b));
			if (!counts_are(k, pa, pa, n, 0, 8 * n, 8 * n, 8 * n) ||
				!counts_are(k, pa, pb, n, 8 * n, 0, 8 * n, 0))
				bad++;

			/* 1010... against 0101...: every bit differs, none shared */
			memset(a, 0xAA, sizeof(a));
			memset(b, 0x55, sizeof(b));
			if (!counts_are(k, pa, pb, n, 8 * n, 0, 4 * n, 4 * n))
				bad++;

			/* 1010... against all ones: half differ, half shared */
			memset(b, 0xFF, sizeof(b));
			if (!counts_are(k, pa, pb, n, 4 * n, 4 * n, 4 * n, 8 * n))
				bad++;

			/* all zeros against all zeros */
			memset(a, 0x00, sizeof(a));
			memset(b, 0x00, sizeof(b));
			if (!counts_are(k, pa, pb, n, 0, 0, 0, 0))
				bad++;

			/* a single bit in each position, against zeros and against itself */
			for (size_t bit = 0; bit < 8 * n && off < 2; bit++)
			{
				pa[bit / 8] = (unsigned char) (1u << (bit % 8));
				if (!counts_are(k, pa, pb, n, 1, 0, 1, 0) ||
					!counts_are(k, pa, pa, n, 0, 1, 1, 1))
					single_bad++;
				pa[bit / 8] = 0;
			}
		}
	}
	report(bad == 0, "%s exact on all-ones, all-zeros and alternating patterns (%ld mismatches)",
		   k->name, bad);
	report(single_bad == 0, "%s counts every single set bit exactly once (%ld mismatches)",
		   k->name, single_bad);
}

/*
 * No kernel reads a byte past the end: the inputs end where an inaccessible
 * page begins, so such a read faults.
 */
static void
check_bounds(const VecextBitKernelSet *k)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		span = ((MAXBYTES + page - 1) / page) * page;
	unsigned char *region = mmap(NULL, 2 * (span + page), PROT_READ | PROT_WRITE,
								 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *aend,
			   *bend;
	long		bad = 0;

	if (region == MAP_FAILED ||
		mprotect(region + span, page, PROT_NONE) != 0 ||
		mprotect(region + 2 * span + page, page, PROT_NONE) != 0)
	{
		report(0, "%s bounds check: mmap or mprotect failed", k->name);
		return;
	}
	aend = region + span;
	bend = region + 2 * span + page;
	memset(region, 0xFF, span);
	memset(region + span + page, 0x00, span);
	for (size_t n = 0; n <= MAXBYTES; n++)
		if (!counts_are(k, aend - n, bend - n, n, 8 * n, 0, 8 * n, 0))
			bad++;
	munmap(region, 2 * (span + page));
	report(bad == 0, "%s reads no byte past the end, lengths 0..%d (%ld mismatches)",
		   k->name, MAXBYTES, bad);
}

static void
check_init(const VecextBitKernelSet **sets, int nsets)
{
	long		bad = 0;

	/* unset: the widest set */
	unsetenv("VECEXT_KERNELS");
	VecextBitDistanceInit();
	if (strcmp(VecextBitKernels.name, sets[nsets - 1]->name) != 0)
		bad++;
	/* each name picks its set */
	for (int s = 0; s < nsets; s++)
	{
		setenv("VECEXT_KERNELS", sets[s]->name, 1);
		VecextBitDistanceInit();
		if (strcmp(VecextBitKernels.name, sets[s]->name) != 0 ||
			VecextBitKernels.hamming != sets[s]->hamming)
			bad++;
	}
	/* a name that is no bit set (a float set's name): the widest */
	setenv("VECEXT_KERNELS", "avx2", 1);
	VecextBitDistanceInit();
	if (strcmp(VecextBitKernels.name, sets[nsets - 1]->name) != 0)
		bad++;
	unsetenv("VECEXT_KERNELS");
	report(bad == 0, "%s by default, VECEXT_KERNELS picks each set by name (%ld mismatches)",
		   sets[nsets - 1]->name, bad);
}

static void
check_jaccard_from_parts(void)
{
	int			ok = VecextJaccardFromParts(0, 0, 0) == 1.0 &&	/* two all-zero vectors */
		VecextJaccardFromParts(0, 3, 4) == 1.0 &&	/* nothing shared */
		VecextJaccardFromParts(4, 4, 4) == 0.0 &&	/* the same bits */
		VecextJaccardFromParts(1, 2, 2) == 1.0 - 1.0 / 3.0 &&
		VecextJaccardFromParts(3, 4, 3) == 0.25;

	report(ok, "VecextJaccardFromParts: 1 with no common bit (all-zero pairs too), "
		   "else 1 - |a&b| / |a|b|");
}

int
main(void)
{
	const VecextBitKernelSet *sets[MAXSETS];
	int			nsets = VecextAvailableBitKernelSets(sets, MAXSETS);

	/* a kernel that faults must not take the lines already printed with it */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%d\n", 3 + nsets * 4);
	printf("ok %d - bit kernel sets on this CPU:", ++test);
	for (int s = 0; s < nsets; s++)
		printf(" %s", sets[s]->name);
	printf("\n");

	for (int s = 0; s < nsets; s++)
	{
		check_random(sets[s]);
		check_patterns(sets[s]);
		check_bounds(sets[s]);
	}
	check_init(sets, nsets);
	check_jaccard_from_parts();
	return failed ? 1 : 0;
}
