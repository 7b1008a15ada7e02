/*-------------------------------------------------------------------------
 * hnswcandidates.c
 *		Allocation of the search structures (hnswcandidates.h): candidate
 *		heaps and the visited set.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

void
HnswHeapInit(HnswHeap *h, int capacity, bool max)
{
	h->capacity = Max(capacity, 8);
	h->items = palloc(sizeof(HnswCandidate) * h->capacity);
	h->size = 0;
	h->max = max;
}

void
HnswVisitedInit(HnswVisited *v, int expected)
{
	uint32		size = 64;

	while (size < (uint32) expected * 2)
		size <<= 1;
	v->keys = palloc0(sizeof(uint64) * size);
	v->mask = size - 1;
	v->count = 0;
}

void
HnswVisitedReset(HnswVisited *v)
{
	memset(v->keys, 0, sizeof(uint64) * (v->mask + 1));
	v->count = 0;
}

void
HnswVisitedGrow(HnswVisited *v)
{
	uint64	   *old = v->keys;
	uint32		oldsize = v->mask + 1;

	v->keys = palloc0(sizeof(uint64) * oldsize * 2);
	v->mask = oldsize * 2 - 1;
	for (uint32 i = 0; i < oldsize; i++)
	{
		if (old[i] != 0)
		{
			uint32		j = key_hash(old[i]) & v->mask;

			while (v->keys[j] != 0)
				j = (j + 1) & v->mask;
			v->keys[j] = old[i];
		}
	}
	pfree(old);
}
