/*-------------------------------------------------------------------------
 * hnswcandidates.h
 *		The search structures: binary heaps of candidates and the visited
 *		set of element TIDs, inline because every hop of a search uses them.
 *		(Their types are in hnsw.h; hnswcandidates.c holds what allocates.)
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_HNSWCANDIDATES_H
#define VECEXT_HNSWCANDIDATES_H

/* heaps ---------------------------------------------------------------- */

static inline bool
heap_before(const HnswHeap *h, const HnswCandidate *a, const HnswCandidate *b)
{
	return h->max ? a->dist > b->dist : a->dist < b->dist;
}

static inline void
HnswHeapPush(HnswHeap *h, const HnswCandidate *c)
{
	int			i;

	if (h->size == h->capacity)
	{
		h->capacity *= 2;
		h->items = repalloc(h->items, sizeof(HnswCandidate) * h->capacity);
	}
	i = h->size++;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!heap_before(h, c, &h->items[parent]))
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = *c;
}

static inline HnswCandidate
HnswHeapPop(HnswHeap *h)
{
	HnswCandidate top = h->items[0];
	HnswCandidate last = h->items[--h->size];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= h->size)
			break;
		if (child + 1 < h->size && heap_before(h, &h->items[child + 1], &h->items[child]))
			child++;
		if (!heap_before(h, &h->items[child], &last))
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->size > 0)
		h->items[i] = last;
	return top;
}

/* visited set ----------------------------------------------------------- */


static inline uint64
tid_key(ItemPointer tid)
{
	/* offset numbers start at 1, so no TID maps to 0 (the empty slot) */
	return ((uint64) ItemPointerGetBlockNumber(tid) << 16) | ItemPointerGetOffsetNumber(tid);
}

static inline uint32
key_hash(uint64 k)
{
	/* the finalizer of MurmurHash3: cheap and well mixed */
	k ^= k >> 33;
	k *= UINT64CONST(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return (uint32) k;
}

extern void HnswVisitedGrow(HnswVisited *v);


/* The slot holding key k, or the empty slot where it would go. */
static inline uint32
visited_slot(const HnswVisited *v, uint64 k)
{
	uint32		j = key_hash(k) & v->mask;

	while (v->keys[j] != 0 && v->keys[j] != k)
		j = (j + 1) & v->mask;
	return j;
}

static inline bool
HnswVisitedContains(HnswVisited *v, ItemPointer tid)
{
	return v->keys[visited_slot(v, tid_key(tid))] != 0;
}

/* Add tid; true when it was not there yet. */
static inline bool
HnswVisitedAdd(HnswVisited *v, ItemPointer tid)
{
	uint64		k = tid_key(tid);
	uint32		j = visited_slot(v, k);

	if (v->keys[j] != 0)
		return false;
	v->keys[j] = k;
	if (++v->count * 2 > v->mask)
		HnswVisitedGrow(v);
	return true;
}

#endif							/* VECEXT_HNSWCANDIDATES_H */
