/*-------------------------------------------------------------------------
 * hnswgraph.c
 *		The pieces of the HNSW algorithm that build, insert, vacuum and
 *		scan share: the random level of a new node and the neighbour
 *		selection heuristic.
 *
 * The levels follow the paper's distribution (mL = 1 / ln m).  Neighbours
 * are chosen with its heuristic: a candidate is kept only when it is closer
 * to the new node than to every neighbour kept before it, which keeps
 * links spread in all directions.  The search is in hnswsearch.c, link
 * maintenance on disk in hnswlinks.c, the in-memory build in
 * hnswbuildgraph.c.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

/* random levels -------------------------------------------------------- */

/* xorshift64*: a fixed seed makes a serial build reproducible */
double
HnswRandomUniform(uint64 *state)
{
	uint64		x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	/* 53 random bits in (0, 1] */
	return ((double) ((x * UINT64CONST(2685821657736338717)) >> 11) + 1.0) / 9007199254740992.0;
}

/* Level from the paper's distribution, with mL = 1 / ln(m). */
int
HnswRandomLevel(int m, double u)
{
	int			level = (int) floor(-log(u) / log((double) m));

	return Min(level, HNSW_MAX_LEVEL);
}

/* neighbour selection --------------------------------------------------- */

/*
 * The paper's heuristic.  cands[] is sorted nearest first, dist being the
 * distance to the new node; vecs[i] is the vector of cands[i].  Marks up to
 * keep candidates in selected[] and returns how many.
 */
int
HnswSelectNeighbors(const HnswDistance *d, HnswCandidate *cands, int ncands,
					const void **vecs, int keep, bool *selected)
{
	int			count = 0;
	int		   *chosen = palloc(sizeof(int) * Max(keep, 1));

	/* no more candidates than room: keep them all, as the paper's variant does */
	for (int i = 0; i < ncands; i++)
		selected[i] = ncands <= keep;
	if (ncands <= keep)
	{
		pfree(chosen);
		return ncands;
	}
	for (int i = 0; i < ncands && count < keep; i++)
	{
		bool		good = true;

		for (int j = 0; j < count; j++)
		{
			if (HnswDist(d, vecs[i], vecs[chosen[j]]) < cands[i].dist)
			{
				good = false;
				break;
			}
		}
		if (good)
		{
			selected[i] = true;
			chosen[count++] = i;
		}
	}
	pfree(chosen);
	return count;
}

/* qsort order of candidates: nearest first */
int
HnswCandidateCmp(const void *a, const void *b)
{
	float		da = ((const HnswCandidate *) a)->dist;
	float		db = ((const HnswCandidate *) b)->dist;

	return da < db ? -1 : (da > db ? 1 : 0);
}
