/*-------------------------------------------------------------------------
 * hnswsearch.c
 *		The layer search over index pages, and a whole search for a query:
 *		greedy descent with a beam on its last layer, then best-first on
 *		layer 0 (Malkov & Yashunin).
 *
 * A reader copies what it needs out of a page under a share lock and lets
 * go before it follows a link; candidates' payloads are compared straight
 * from the page bytes, pinned but unlocked (see "Pins" in hnsw.h), with no
 * copy and no fmgr call.  The results are read again under the lock.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuffer.h"

#include "miscadmin.h"
#include "utils/float.h"


/* Whether tup is an element whose payload sizes are within what d holds. */
static inline bool
payload_in_bounds(HnswElementTuple tup, const HnswDistance *d)
{
	return tup != NULL && tup->payload_size <= d->max_payload &&
		tup->head_size <= tup->payload_size;
}

/* An element's distance from q and what a search keeps of it. */
static inline void
candidate_of(HnswElementTuple tup, ItemPointer tid, HnswCandidate *out)
{
	out->tid = *tid;
	out->heaptid = tup->heaptid;
	out->level = tup->level;
	out->deleted = (tup->flags & HNSW_ELEMENT_DELETED) != 0;
}

static inline void
fill_candidate(HnswElementTuple tup, const HnswDistance *d, int m, const void *q,
			   ItemPointer tid, HnswCandidate *out)
{
	out->dist = HnswDist(d, q, HnswElementPayload(tup, m));
	candidate_of(tup, tid, out);
}


/*
 * Copy the payload of tup, on buf, which the caller has share-locked, into
 * out: its first part under the lock, which is then let go, and the chunks
 * with pins alone (hnswchunk.c).  False when a chunk is missing.
 */
static bool
copy_payload_unlocking(Relation index, Buffer buf, HnswElementTuple tup, int m, char *out)
{
	ItemPointerData heaptid = tup->heaptid;
	ItemPointerData next = tup->next;
	Size		head_size = tup->head_size;
	Size		payload_size = tup->payload_size;

	memcpy(out, HnswElementPayload(tup, m), head_size);
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return head_size == payload_size ||
		HnswReadChunks(index, &heaptid, &next, head_size, payload_size, out);
}

/*
 * Distance from q to tup, an element whose payload goes on in chunks, on
 * buf, which the caller has share-locked and this lets go of: the payload
 * is put together (copy_payload_unlocking), then compared.
 */
static bool
read_spanning_locked(Relation index, Buffer buf, HnswElementTuple tup, const HnswDistance *d,
					 int m, const void *q, ItemPointer tid, HnswCandidate *out)
{
	candidate_of(tup, tid, out);
	if (!copy_payload_unlocking(index, buf, tup, m, d->scratch))
		return false;
	out->dist = HnswDist(d, q, d->scratch);
	return true;
}

/*
 * The same from the unlocked tuple tup (element_fast checked its bounds),
 * when what it needs of the rest can be had cheaply:
 *
 * - An additive kernel compares the part in the element tuple and each
 *   chunk where they lie (HnswChunksKernel), with no copy.  Under a metric
 *   whose terms are >= 0 (prefix_bound), the sum so far is at most the
 *   distance: once it reaches bound, the element cannot make the result,
 *   the rest is not read, and out->dist is that lower bound.
 * - A chunk is read unlocked only when its block has a buffer hint, which
 *   proves the block exists: an unlocked read of a slot being reused can
 *   yield any next, and a read past the end of the index would fail.  A
 *   wrong chunk is then refused by its heap row and position.
 *
 * Otherwise the element is read again under the lock.
 */
static bool
read_spanning(Relation index, RecentBuffers *hints, Buffer buf, HnswElementTuple tup,
			  const HnswDistance *d, int m, const void *q, ItemPointer tid, float bound,
			  HnswCandidate *out)
{
	ItemPointerData next = tup->next;
	Buffer		hint = hint_of(hints, ItemPointerGetBlockNumber(&next));
	float		sum;

	if (!d->additive || tup->head_size % d->unit != 0 || hint == InvalidBuffer)
	{
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
		if (!payload_in_bounds(tup, d))
		{
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
			return false;
		}
		return read_spanning_locked(index, buf, tup, d, m, q, tid, out);
	}
	/*
	 * The chunk comes in while the first part is compared (already asked
	 * for one neighbour ahead, prefetch_rest, on layers whose elements span).
	 */
	prefetch_chunk_tuple(hint, ItemPointerGetOffsetNumber(&next));
	candidate_of(tup, tid, out);
	sum = d->kernel(q, HnswElementPayload(tup, m), (int) (tup->head_size / d->unit));
	if (!(d->prefix_bound && sum >= bound) &&
		!HnswChunksKernel(index, hints, d, q, &out->heaptid, &next, tup->head_size,
						  tup->payload_size, bound, &sum))
		return false;
	out->dist = d->negate ? -sum : sum;
	return true;
}

/*
 * Distance from q to the element at tid on its pinned, unlocked page (see
 * "Pins" in hnsw.h), or, when that distance is at least bound, perhaps
 * only a lower bound of it that is (read_spanning).
 */
static inline bool
read_candidate(Relation index, RecentBuffers *hints, Buffer buf, const HnswDistance *d, int m,
			   const void *q, ItemPointer tid, float bound, HnswCandidate *out)
{
	HnswElementTuple tup = element_fast(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid),
										m, d);

	if (tup == NULL)
		return false;
	if (HnswTupleSpans(tup))
		return read_spanning(index, hints, buf, tup, d, m, q, tid, bound, out);
	fill_candidate(tup, d, m, q, tid, out);
	return true;
}

/* Distance from q to the element at tid; false when there is none. */
bool
HnswLoadCandidate(Relation index, PinCache *pc, const HnswDistance *d, int m,
			   const void *q, ItemPointer tid, HnswCandidate *out)
{
	Page		page = pin_and_lock(index, pc, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup = HnswGetElementTuple(page, ItemPointerGetOffsetNumber(tid));
	bool		found = payload_in_bounds(tup, d);

	if (found && HnswTupleSpans(tup))
		return read_spanning_locked(index, pc->buf, tup, d, m, q, tid, out);
	if (found)
		fill_candidate(tup, d, m, q, tid, out);
	LockBuffer(pc->buf, BUFFER_LOCK_UNLOCK);
	return found;
}

/* Copy the links of an element on one layer; returns their number. */
static int
copy_links(Relation index, PinCache *pc, int m, ItemPointer tid, int layer,
		   ItemPointerData *links)
{
	Page		page = pin_and_lock(index, pc, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup = HnswGetElementTuple(page, ItemPointerGetOffsetNumber(tid));
	int			n = 0;

	if (tup != NULL && tup->level >= layer)
	{
		n = Min(HnswElementCounts(tup)[layer], HnswTupleCapacity(tup, m, layer));
		memcpy(links, HnswElementLinks(tup, m, layer), sizeof(ItemPointerData) * n);
	}
	LockBuffer(pc->buf, BUFFER_LOCK_UNLOCK);
	return n;
}

/*
 * What is copied of the element at tid under a share lock: its payload
 * (unless payload is NULL; max_payload bytes of room), its list on a layer
 * (unless links is NULL) and its deleted flag (unless deleted is NULL).
 * False when there is no such element.
 */
bool
HnswReadElement(Relation index, const HnswDistance *d, int m, ItemPointer tid, int layer,
				void *payload, ItemPointerData *links, int *nlinks, bool *deleted)
{
	Buffer		buf = read_buffer(index, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup;
	bool		found;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	found = payload_in_bounds(tup, d);
	if (deleted)
		*deleted = found && (tup->flags & HNSW_ELEMENT_DELETED);
	if (links != NULL)
	{
		*nlinks = 0;
		if (found && tup->level >= layer)
		{
			*nlinks = Min(HnswElementCounts(tup)[layer], HnswTupleCapacity(tup, m, layer));
			memcpy(links, HnswElementLinks(tup, m, layer), sizeof(ItemPointerData) * *nlinks);
		}
	}
	if (found && payload != NULL)
	{
		found = copy_payload_unlocking(index, buf, tup, m, payload);
		ReleaseBuffer(buf);
		return found;
	}
	UnlockReleaseBuffer(buf);
	return found;
}

/*
 * Copy into payload (max_payload bytes) the payload of the element at tid,
 * when it is still the live element of heap row heaptid; false otherwise.
 */
bool
HnswReadRowPayload(Relation index, const HnswDistance *d, int m, ItemPointer tid,
				   ItemPointer heaptid, void *payload)
{
	Buffer		buf = read_buffer(index, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	if (!payload_in_bounds(tup, d) || tup->payload_size != d->max_payload ||
		(tup->flags & HNSW_ELEMENT_DELETED) || !ItemPointerEquals(&tup->heaptid, heaptid))
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	if (!copy_payload_unlocking(index, buf, tup, m, payload))
	{
		ReleaseBuffer(buf);
		return false;
	}
	ReleaseBuffer(buf);
	return true;
}

/* layer search ----------------------------------------------------------- */

/*
 * Keep c in result (a max-heap of at most ef); what it pushes out goes to
 * spill when there is one.
 */
static inline void
keep_result(HnswHeap *result, int ef, const HnswCandidate *c, HnswHeap *spill)
{
	HnswHeapPush(result, c);
	if (result->size > ef)
	{
		HnswCandidate out = HnswHeapPop(result);

		if (spill)
			HnswHeapPush(spill, &out);
	}
}

/*
 * Prefetch the rest of the element at tid on its pinned buffer, and its
 * chunk when its payload goes on in one: what its kernel reads, asked for
 * one neighbour ahead (+4% QPS on 784 dimensions, where two elements in
 * five go on in a chunk, than the chunk asked for just before it is read).
 */
static inline void
prefetch_rest(RecentBuffers *hints, bool chunked, Buffer buf, ItemPointer tid)
{
	prefetch_tuple_rest(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	if (chunked)
		prefetch_chunk(hints, BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
}

/*
 * The best-first loop: expand the nearest of entries (a min-heap of visited
 * elements not yet expanded) until the nearest left is farther than the
 * farthest of a full result.  result may already hold elements.
 *
 * Without spill, what the loop does not keep is forgotten, as in the paper.
 * With spill (a resumable search), nothing is: an element too far for
 * result stays in entries, still to be expanded, and in spill when it is
 * live, as do the elements result pushes out; the element the loop stops
 * at goes back to entries.  A later call can then go on from there.
 */
static void
search_layer(Relation index, const HnswDistance *d, int m, const void *q,
			 HnswHeap *entries, int ef, int layer, HnswVisited *visited,
			 HnswHeap *result, HnswHeap *spill)
{
	PinCache	pc = {InvalidBuffer, InvalidBlockNumber};
	RecentBuffers *hints = recent_hints(index);
	int			cap = HnswLayerCapacity(m, 0);
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * cap);
	ItemPointerData *fresh = palloc(sizeof(ItemPointerData) * cap);
	Buffer	   *bufs = palloc(sizeof(Buffer) * cap);
	int			nnew;

	/* elements of level 0 may go on in chunks (else only rare high ones) */
	bool		chunked = d->span &&
		HnswElementTupleSize(m, 0, d->max_payload) > HNSW_SPAN_MIN_TUPLE;

	while (entries->size > 0)
	{
		HnswCandidate c = HnswHeapPop(entries);
		int			n;

		if (result->size >= ef && c.dist > HnswHeapTop(result)->dist)
		{
			if (spill)
				HnswHeapPush(entries, &c);
			break;
		}

		CHECK_FOR_INTERRUPTS();
		n = copy_links(index, &pc, m, &c.tid, layer, links);

		/*
		 * Reaching a neighbour's vector takes a chain of dependent reads:
		 * its block's buffer hint, then that buffer's header and page
		 * header and the element's line pointer, then the element tuple.
		 * Each link of the chain is prefetched for all the unvisited
		 * neighbours in one pass, so that their cache misses overlap
		 * instead of coming one after another (unpinned: only addresses
		 * come of these reads).  Measured 9% faster than one pass.
		 */
		nnew = 0;
		for (int i = 0; i < n; i++)
		{
			BlockNumber blkno = ItemPointerGetBlockNumber(&links[i]);

			if (!HnswVisitedAdd(visited, &links[i]) || blkno == HNSW_METAPAGE_BLKNO)
				continue;
			fresh[nnew++] = links[i];
			if (hints != NULL && blkno < hints->size)
				prefetch(&hints->bufs[blkno]);
		}
		for (int i = 0; i < nnew; i++)
			prefetch_hint(hints, ItemPointerGetBlockNumber(&fresh[i]),
						  ItemPointerGetOffsetNumber(&fresh[i]));
		for (int i = 0; i < nnew; i++)
			prefetch_hinted_tuple(hints, &fresh[i]);

		/*
		 * Then, a batch at a time: pin, prefetch the element tuples, read
		 * them, and drop the pins newest first.  A backend tracks its first
		 * few pins in a small array and the rest in a hash table, and a
		 * resource owner finds the newest pin first: small batches released
		 * in reverse keep both cheap.
		 */
		for (int base = 0; base < nnew; base += HNSW_READ_BATCH)
		{
			int			cnt = Min(HNSW_READ_BATCH, nnew - base);

			for (int i = base; i < base + cnt; i++)
				bufs[i] = read_buffer_hinted(hints, index,
											 ItemPointerGetBlockNumber(&fresh[i]));
			for (int i = base; i < base + cnt; i++)
				prefetch_tuple(BufferGetPage(bufs[i]), ItemPointerGetOffsetNumber(&fresh[i]));
			/* (elements read for their chunks also) */
			if (chunked)
				for (int i = base; i < base + cnt; i++)
					prefetch_chunk_hint(hints, BufferGetPage(bufs[i]),
										ItemPointerGetOffsetNumber(&fresh[i]));
			prefetch_rest(hints, chunked, bufs[base], &fresh[base]);
			for (int i = base; i < base + cnt; i++)
			{
				HnswCandidate e;
				bool		found;

				/* what a candidate must beat (a resumable search keeps all) */
				float		bound = spill == NULL && result->size >= ef ?
					HnswHeapTop(result)->dist : get_float4_infinity();

				if (i + 1 < base + cnt)
					prefetch_rest(hints, chunked, bufs[i + 1], &fresh[i + 1]);

				/* the pin keeps the tuple in place: see "Pins" in hnsw.h */
				found = read_candidate(index, hints, bufs[i], d, m, q, &fresh[i], bound, &e);
				if (!found)
					continue;
				if (result->size < ef || e.dist < HnswHeapTop(result)->dist)
				{
					HnswHeapPush(entries, &e);
					if (!e.deleted)
						keep_result(result, ef, &e, spill);
				}
				else if (spill)
				{
					HnswHeapPush(entries, &e);
					if (!e.deleted)
						HnswHeapPush(spill, &e);
				}
			}
			for (int i = base + cnt - 1; i >= base; i--)
				ReleaseBuffer(bufs[i]);
		}
	}
	pin_release(&pc);
	pfree(links);
	pfree(fresh);
	pfree(bufs);
}

/*
 * Best-first search of one layer from the candidates in entries (a min-heap,
 * already marked visited), keeping the ef nearest live elements in result
 * (a max-heap).  Deleted elements are followed but never returned.
 * entries is consumed.
 */
void
HnswSearchLayerDisk(Relation index, const HnswDistance *d, int m, const void *q,
					HnswHeap *entries, int ef, int layer, HnswVisited *visited,
					HnswHeap *result)
{
	for (int i = 0; i < entries->size; i++)
		if (!entries->items[i].deleted)
			keep_result(result, ef, &entries->items[i], NULL);
	search_layer(index, d, m, q, entries, ef, layer, visited, result, NULL);
}

/*
 * Start the next layer of a descent from what this layer's search found
 * (result, which is emptied), or, when it found nothing live, from the
 * nstart elements it started from.
 */
void
HnswCarryDown(HnswHeap *result, HnswHeap *entries, const HnswCandidate *start, int nstart)
{
	entries->size = 0;
	if (result->size == 0)
		for (int i = 0; i < nstart; i++)
			HnswHeapPush(entries, &start[i]);
	while (result->size > 0)
	{
		HnswCandidate c = HnswHeapPop(result);

		HnswHeapPush(entries, &c);
	}
}

/*
 * The greedy descent from the entry point to layer 1: *entries gets the
 * elements that start layer 0.  False when the entry point cannot be read.
 */
static bool
descend(Relation index, const HnswDistance *d, int m, const void *q, ItemPointer entry,
		int entry_level, int ef, HnswHeap *entries)
{
	HnswVisited upper;
	HnswHeap	result;
	HnswCandidate ep;
	PinCache	pc = {InvalidBuffer, InvalidBlockNumber};
	bool		found;

	found = HnswLoadCandidate(index, &pc, d, m, q, entry, &ep);
	pin_release(&pc);
	if (!found)
		return false;

	HnswHeapInit(entries, Max(ef, HNSW_DESCENT_BEAM) * 2, false);
	HnswHeapInit(&result, Max(ef, HNSW_DESCENT_BEAM) + 1, true);

	/*
	 * The greedy descent through the upper layers visits a few dozen
	 * elements per layer: a small visited set, cleared between layers,
	 * serves it.  Layer 1 is searched with a beam (HNSW_DESCENT_BEAM), all of
	 * whose results start layer 0.
	 */
	HnswHeapPush(entries, &ep);
	if (entry_level > 0)
		HnswVisitedInit(&upper, HnswLayerCapacity(m, 1) * 8);
	for (int layer = entry_level; layer > 0; layer--)
	{
		int			beam = layer == 1 ? HNSW_DESCENT_BEAM : 1;
		HnswCandidate saved[HNSW_DESCENT_BEAM];
		int			nsaved = entries->size;

		/* the entries are consumed: keep them in case nothing live is found */
		Assert(nsaved <= HNSW_DESCENT_BEAM);
		memcpy(saved, entries->items, sizeof(HnswCandidate) * nsaved);
		HnswVisitedReset(&upper);
		for (int i = 0; i < nsaved; i++)
			HnswVisitedAdd(&upper, &saved[i].tid);
		result.size = 0;
		HnswSearchLayerDisk(index, d, m, q, entries, beam, layer, &upper, &result);
		/* only deleted elements on the way: go on from the entries */
		HnswCarryDown(&result, entries, saved, nsaved);
	}
	return true;
}

/*
 * Hand out what a layer-0 search kept in result (a max-heap, emptied) into
 * out, nearest first; returns how many.
 *
 * The search read candidates without content locks: every one is read
 * again under the share lock, so that only elements seen whole are
 * returned, with their heap TID and distance from that reading.
 */
static int
finish_results(Relation index, const HnswDistance *d, int m, const void *q,
			   HnswHeap *result, HnswCandidate *out)
{
	PinCache	pc = {InvalidBuffer, InvalidBlockNumber};
	int			n = 0;

	while (result->size > 0)
	{
		HnswCandidate c = HnswHeapPop(result);
		HnswCandidate again;

		if (HnswLoadCandidate(index, &pc, d, m, q, &c.tid, &again) && !again.deleted)
			out[n++] = again;
	}
	pin_release(&pc);

	/*
	 * Nearest first.  They came out farthest first and in order, unless a
	 * distance changed on the second reading: reverse, then an insertion
	 * sort, which is stable and linear on sorted input.
	 */
	for (int i = 0; i < n / 2; i++)
	{
		HnswCandidate t = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	for (int i = 1; i < n; i++)
	{
		HnswCandidate t = out[i];
		int			j = i;

		for (; j > 0 && out[j - 1].dist > t.dist; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	return n;
}

/*
 * A whole search for a query: greedy descent from the entry point, then a
 * best-first search of layer 0 keeping ef.  Returns how many live elements
 * were found; *out gets them nearest first.
 */
int
HnswSearchDisk(Relation index, const HnswDistance *d, int m, const void *q,
			   ItemPointer entry, int entry_level, int ef, HnswCandidate **out)
{
	HnswVisited visited;
	HnswHeap	entries;
	HnswHeap	result;

	*out = NULL;
	if (!descend(index, d, m, q, entry, entry_level, ef, &entries))
		return 0;

	HnswVisitedInit(&visited, ef * m * 4);
	for (int i = 0; i < entries.size; i++)
		HnswVisitedAdd(&visited, &entries.items[i].tid);
	HnswHeapInit(&result, ef + 1, true);
	HnswSearchLayerDisk(index, d, m, q, &entries, ef, 0, &visited, &result);

	*out = palloc(sizeof(HnswCandidate) * Max(result.size, 1));
	return finish_results(index, d, m, q, &result, *out);
}

/* resumable searches ----------------------------------------------------- */

/*
 * Start a resumable search: the descent, and the state layer 0 goes on
 * from (see HnswStream in hnsw.h).  False when the index has nothing to
 * search from.
 */
bool
HnswStreamStart(Relation index, const HnswDistance *d, int m, const void *q,
				ItemPointer entry, int entry_level, int ef, HnswStream *s)
{
	memset(s, 0, sizeof(HnswStream));
	if (!descend(index, d, m, q, entry, entry_level, ef, &s->pending))
		return false;
	HnswVisitedInit(&s->visited, ef * m * 4);
	HnswHeapInit(&s->spare, ef * 2, false);
	HnswHeapInit(&s->result, ef + 1, true);
	for (int i = 0; i < s->pending.size; i++)
	{
		HnswVisitedAdd(&s->visited, &s->pending.items[i].tid);
		if (!s->pending.items[i].deleted)
			keep_result(&s->result, ef, &s->pending.items[i], &s->spare);
	}
	return true;
}

/*
 * The next batch of a resumable search: the ef nearest of the live elements
 * it has seen and not handed out yet, after going on with the best-first
 * search of layer 0 from where the last batch stopped (unless expand is
 * false: then only what was seen already is handed out).  The first batch
 * is exactly the result of a whole search with this ef.  out gets them
 * nearest first (room for ef); returns how many, 0 when the search has
 * nothing left.
 */
int
HnswStreamNext(Relation index, const HnswDistance *d, int m, const void *q, HnswStream *s,
			   int ef, bool expand, HnswCandidate *out)
{
	int			n = 0;

	while (n == 0 && (s->result.size > 0 || s->spare.size > 0 ||
					  (expand && s->pending.size > 0)))
	{
		/* the batch starts from the nearest elements seen and not returned */
		while (s->result.size < ef && s->spare.size > 0)
		{
			HnswCandidate c = HnswHeapPop(&s->spare);

			HnswHeapPush(&s->result, &c);
		}
		if (expand)
			search_layer(index, d, m, q, &s->pending, ef, 0, &s->visited, &s->result,
						 &s->spare);
		/* (all of them may have been deleted since: then go on) */
		n = finish_results(index, d, m, q, &s->result, out);
	}
	return n;
}
