/*-------------------------------------------------------------------------
 * hnswgraph.c
 *		The pieces of the HNSW algorithm that build, insert, vacuum and
 *		scan share: the random level of a new node and the neighbour
 *		selection heuristic.
 *
 * The levels follow the paper's distribution (mL = 1 / ln m).  Neighbours
 * are chosen with its heuristic: a candidate is kept only when it is closer
 * to the new node than to every neighbour kept before it, which keeps
 * links spread in all directions; copies of one vector and inner product
 * get the changes told at HnswSelectNeighbors.  The search is in
 * hnswsearch.c, link maintenance on disk in hnswlinks.c, the in-memory
 * build in hnswbuildgraph.c.
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
 * Whether candidates i and j are copies of one vector.  Copies are at the
 * same distance from anything, q included, so the distances are compared
 * first and the payloads only on a tie: bytes when payloads have one size,
 * else by distance (a copy is as far from c as c is from itself).
 */
static bool
same_point(const HnswDistance *d, const HnswCandidate *cands, const void **vecs, int i, int j,
		   float dij)
{
	if (cands[i].dist != cands[j].dist)
		return false;
	if (d->min_payload == d->max_payload)
		return memcmp(vecs[i], vecs[j], d->max_payload) == 0;
	return dij == HnswDist(d, vecs[i], vecs[i]);
}

/* The order spread_ties gives a candidate among those at its distance. */
static inline uint32
tie_rank(const HnswCandidate *c, uint64 salt, bool by_tid)
{
	uint64		id = by_tid ? tid_key((ItemPointer) &c->tid) : (uint64) (uint32) c->idx;

	return key_hash(id ^ (salt * UINT64CONST(0x9e3779b97f4a7c15)));
}

/*
 * Reorder each run of candidates at one distance (copies of one vector, in
 * practice) by a hash of the candidate and of salt, the list's owner: the
 * copies a list keeps under the cap are then its own pseudo-random few.
 * Nearest first with ties by age, as sorted, every list of a group kept the
 * same oldest copies, and the rest of the group had no way in from another
 * copy: a scan for that vector, which stops once its result is full of
 * copies, missed some of them.  cands[] and vecs[] move together.
 */
static void
spread_ties(HnswCandidate *cands, const void **vecs, int ncands, uint64 salt, bool by_tid)
{
	for (int a = 0; a < ncands;)
	{
		int			b = a + 1;

		while (b < ncands && cands[b].dist == cands[a].dist)
			b++;
		/* insertion sort of the run by rank: runs are short */
		for (int i = a + 1; i < b; i++)
		{
			HnswCandidate c = cands[i];
			const void *v = vecs[i];
			uint32		r = tie_rank(&c, salt, by_tid);
			int			j = i;

			while (j > a && tie_rank(&cands[j - 1], salt, by_tid) > r)
			{
				cands[j] = cands[j - 1];
				vecs[j] = vecs[j - 1];
				j--;
			}
			cands[j] = c;
			vecs[j] = v;
		}
		a = b;
	}
}

/*
 * The paper's heuristic, with two changes.  cands[] is sorted nearest
 * first, dist being the distance to the new node q; vecs[i] is the vector
 * of cands[i].  Marks up to keep candidates in selected[] and returns how
 * many.
 *
 * Copies: a candidate that is a copy of a kept one is kept only while the
 * list holds fewer than Max(1, keep / 4) such extra copies (m / 2 on layer
 * 0).  When q is itself a copy, its copies are at distance 0 (or the
 * metric's least) and prune nothing (ties keep a candidate), so without the
 * cap a group of copies would fill each other's lists and cut itself off
 * from the rest of the graph.  Which copies a list keeps depends on its
 * owner (salt: a node number when by_tid is false, else a TID; spread_ties),
 * so that the copies of a group link among themselves in all directions.
 *
 * Inner product: the rule "keep c only if it is nearer to q than to every
 * kept s" assumes a metric.  Under negative inner product dist(c, s) is
 * -c.s, which a kept neighbour of large norm makes smaller than -c.q for
 * nearly every c, so a list ends with one or two links, all to the few
 * vectors of largest norm.  There the slots the rule leaves empty are
 * filled with the nearest candidates it pruned (copies still capped).  The
 * build does not come here with inner product: it selects under a metric
 * (hnswbuildgraph.c, "construction distance").
 */
int
HnswSelectNeighbors(const HnswDistance *d, HnswCandidate *cands, int ncands,
					const void **vecs, int keep, bool *selected, uint64 salt, bool by_tid)
{
	int			count = 0;
	int			ncopies = 0;
	int			maxcopies = Max(1, keep / 4);
	int		   *chosen = palloc(sizeof(int) * Max(keep, 1));

	spread_ties(cands, vecs, ncands, salt, by_tid);

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
		bool		copy = false;

		for (int j = 0; j < count && good; j++)
		{
			float		dd = HnswDist(d, vecs[i], vecs[chosen[j]]);

			if (dd < cands[i].dist)
				good = false;
			else if (!copy)
				copy = same_point(d, cands, vecs, i, chosen[j], dd);
		}
		if (good && copy && ncopies >= maxcopies)
			good = false;
		if (good)
		{
			selected[i] = true;
			chosen[count++] = i;
			ncopies += copy;
		}
	}
	if (d->metric == HNSW_METRIC_IP)
		count = HnswFillNeighbors(d, cands, ncands, vecs, keep, selected, count);
	pfree(chosen);
	return count;
}

/*
 * Fill the slots the heuristic left empty (count of keep marked in
 * selected[]) with the nearest candidates it pruned, copies of a kept one
 * still capped as HnswSelectNeighbors caps them; returns the new count.
 */
int
HnswFillNeighbors(const HnswDistance *d, const HnswCandidate *cands, int ncands,
				  const void **vecs, int keep, bool *selected, int count)
{
	int			maxcopies = Max(1, keep / 4);
	int			ncopies = 0;
	int			nchosen = 0;
	int		   *chosen = palloc(sizeof(int) * Max(keep, 1));

	for (int i = 0; i < ncands && nchosen < keep; i++)
		if (selected[i])
			chosen[nchosen++] = i;
	/* the copies the heuristic kept count against the cap */
	for (int i = 1; i < nchosen; i++)
		for (int j = 0; j < i; j++)
			if (cands[chosen[i]].dist == cands[chosen[j]].dist &&
				same_point(d, cands, vecs, chosen[i], chosen[j],
						   HnswDist(d, vecs[chosen[i]], vecs[chosen[j]])))
			{
				ncopies++;
				break;
			}
	for (int i = 0; i < ncands && count < keep; i++)
	{
		bool		copy = false;

		if (selected[i])
			continue;
		for (int j = 0; j < nchosen && !copy; j++)
			copy = cands[i].dist == cands[chosen[j]].dist &&
				same_point(d, cands, vecs, i, chosen[j],
						   HnswDist(d, vecs[i], vecs[chosen[j]]));
		if (copy && ncopies >= maxcopies)
			continue;
		selected[i] = true;
		chosen[nchosen++] = i;
		count++;
		ncopies += copy;
	}
	pfree(chosen);
	return count;
}

/*
 * qsort order of candidates: nearest first, ties by idx (every caller sets
 * it: a node number, or the candidate's place before sorting), so that the
 * order is total.  Which of several tied copies a list keeps is
 * HnswSelectNeighbors's choice (spread_ties), not this order's.
 */
int
HnswCandidateCmp(const void *a, const void *b)
{
	const HnswCandidate *ca = (const HnswCandidate *) a;
	const HnswCandidate *cb = (const HnswCandidate *) b;

	if (ca->dist != cb->dist)
		return ca->dist < cb->dist ? -1 : 1;
	return ca->idx < cb->idx ? -1 : (ca->idx > cb->idx ? 1 : 0);
}
