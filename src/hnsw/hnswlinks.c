/*-------------------------------------------------------------------------
 * hnswlinks.c
 *		Link maintenance on disk: replacing a neighbour list, and inserting
 *		one element into the graph (its back-links are hnswreselect.c's).
 *
 * Every change is WAL-logged through GenericXLog.  A list is rewritten
 * read-compute-recheck (hnsw.h, "Locking"): the new list is computed
 * without the page lock and written only if the list did not change.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuffer.h"

#include "access/generic_xlog.h"
#include "storage/lmgr.h"

/*
 * Write links[0..n) as the layer's list of the element at tid, provided the
 * list still equals expect (no check when expect is NULL).  False when it
 * changed meanwhile.
 */
bool
HnswReplaceLinks(Relation index, int m, ItemPointer tid, int layer,
			  const ItemPointerData *expect, int nexpect,
			  const ItemPointerData *links, int n)
{
	Buffer		buf = read_buffer(index, ItemPointerGetBlockNumber(tid));
	GenericXLogState *state;
	Page		page;
	HnswElementTuple tup;
	bool		done = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	if (tup == NULL || tup->level < layer)
	{
		UnlockReleaseBuffer(buf);
		return true;			/* gone: nothing to update */
	}
	if (n > HnswTupleCapacity(tup, m, layer))
		elog(ERROR, "hnsw element (%u,%u) has %d link slots on layer %d, not %d",
			 ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
			 HnswTupleCapacity(tup, m, layer), layer, n);
	if (expect != NULL &&
		(HnswElementCounts(tup)[layer] != nexpect ||
		 memcmp(HnswElementLinks(tup, m, layer), expect, sizeof(ItemPointerData) * nexpect) != 0))
	{
		UnlockReleaseBuffer(buf);
		return false;			/* changed under us */
	}

	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	tup = HnswGetElementTuple(page, ItemPointerGetOffsetNumber(tid));
	HnswElementCounts(tup)[layer] = n;
	memcpy(HnswElementLinks(tup, m, layer), links, sizeof(ItemPointerData) * n);
	GenericXLogFinish(state);
	done = true;
	UnlockReleaseBuffer(buf);
	return done;
}

/*
 * Insert one prepared vector as a new element of the given level.  Holds
 * the update lock throughout (see hnsw.h), in exclusive mode only when the
 * entry point may change.
 */
void
HnswInsertOnDisk(Relation index, const HnswDistance *d, int m, int efc,
				 const void *vec, Size payload_size, ItemPointer heaptid, int level)
{
	/* a large payload leaves room for fewer links on layer 0 (level 0 then) */
	int			links0 = HnswLinks0ForPayload(m, d->span, payload_size);
	LOCKMODE	lockmode = ShareLock;
	HnswMetaPageData meta;
	int			toplayer;
	ItemPointerData **layerlinks;
	int		   *nlinks;
	ItemPointerData *hosts = NULL;	/* layer 0's nearest, nearest first */
	int			nhosts = 0;
	Size		size;
	Size		head_size;
	ItemPointerData next;
	Buffer		headbuf = InvalidBuffer;
	HnswElementTuple tup;
	ItemPointerData tid;

	LockPage(index, HNSW_UPDATE_LOCK, lockmode);
	meta = HnswReadMeta(index);
	if (!ItemPointerIsValid(&meta.entry) || level > meta.entry_level)
	{
		UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
		lockmode = ExclusiveLock;
		LockPage(index, HNSW_UPDATE_LOCK, lockmode);
		meta = HnswReadMeta(index);
	}

	layerlinks = palloc0(sizeof(ItemPointerData *) * (level + 1));
	nlinks = palloc0(sizeof(int) * (level + 1));
	toplayer = Min(level, meta.entry_level);

	if (ItemPointerIsValid(&meta.entry))
	{
		HnswVisited visited;
		HnswHeap	entries;
		HnswCandidate ep;
		PinCache	pc = {InvalidBuffer, InvalidBlockNumber};
		char	   *cvec = palloc(d->max_payload * efc);

		HnswVisitedInit(&visited, efc * m * 4);
		HnswHeapInit(&entries, efc * 2, false);
		if (HnswLoadCandidate(index, &pc, d, m, vec, &meta.entry, &ep))
		{
			HnswVisitedAdd(&visited, &ep.tid);
			HnswHeapPush(&entries, &ep);
		}
		pin_release(&pc);

		for (int layer = meta.entry_level; layer >= 0 && entries.size > 0; layer--)
		{
			int			ef = layer > level + 1 ? 1 : layer > level ? HNSW_DESCENT_BEAM : efc;
			HnswHeap	result;
			HnswHeap	all;

			HnswHeapInit(&result, ef + 1, true);
			/* remember every entry, deleted or not, to seed the next layer */
			HnswHeapInit(&all, entries.size, false);
			for (int i = 0; i < entries.size; i++)
				HnswHeapPush(&all, &entries.items[i]);

			HnswSearchLayerDisk(index, d, m, vec, &entries, ef, layer, &visited, &result);

			if (layer <= level && result.size > 0)
			{
				int			n = result.size;
				HnswCandidate *cands = palloc(sizeof(HnswCandidate) * n);
				const void **vecs = palloc(sizeof(void *) * n);
				bool	   *selected = palloc(sizeof(bool) * n);
				int			cap = layer == 0 ? links0 : m;
				int			ncands = 0;
				int			nsel;

				/* nearest first, each with its vector */
				for (int i = n - 1; i >= 0; i--)
					cands[i] = HnswHeapPop(&result);
				for (int i = 0; i < n; i++)
				{
					char	   *v = HnswPayloadAt(d, cvec, ncands);

					if (!HnswReadElementPayload(index, d, m, &cands[i].tid, v))
						continue;
					cands[ncands] = cands[i];
					vecs[ncands] = v;
					ncands++;
				}
				nsel = HnswSelectNeighbors(d, cands, ncands, vecs, cap, selected,
										   tid_key(heaptid), true);
				layerlinks[layer] = palloc(sizeof(ItemPointerData) * Max(nsel, 1));
				for (int i = 0; i < ncands; i++)
					if (selected[i])
						layerlinks[layer][nlinks[layer]++] = cands[i].tid;
				if (layer == 0)
				{
					/* the selected first, then the others */
					hosts = palloc(sizeof(ItemPointerData) * Max(ncands, 1));
					for (int i = 0; i < ncands; i++)
						if (selected[i])
							hosts[nhosts++] = cands[i].tid;
					for (int i = 0; i < ncands; i++)
						if (!selected[i])
							hosts[nhosts++] = cands[i].tid;
				}

				/* the next layer starts from all of this layer's nearest */
				HnswHeapInit(&entries, ncands * 2, false);
				for (int i = 0; i < ncands; i++)
					HnswHeapPush(&entries, &cands[i]);
			}
			else
			{
				/* the descent: carry what it found on, or else the nearest entry */
				HnswCarryDown(&result, &entries, all.items, Min(all.size, 1));
			}
			/* each layer is searched afresh, starting from the entries */
			HnswVisitedReset(&visited);
			for (int i = 0; i < entries.size; i++)
				HnswVisitedAdd(&visited, &entries.items[i].tid);
		}
	}

	/*
	 * The new element, with its links.  A large payload goes on in chunks
	 * where no page has room for it whole, placed first (HnswPlaceChunks),
	 * so that the element tuple, placed last, never points at a chunk not
	 * yet written.
	 */
	head_size = payload_size;
	ItemPointerSetInvalid(&next);
	if (d->span && HnswElementTupleSize0(links0, m, level, payload_size) > HNSW_SPAN_MIN_TUPLE)
		next = HnswPlaceChunks(index, vec, HnswElementTupleSize0(links0, m, level, 0),
							   payload_size, heaptid, &head_size, &headbuf);
	tup = palloc(HnswElementTupleSize0(links0, m, level, head_size));
	size = HnswFormElement(tup, m, level, links0, heaptid, vec, payload_size, head_size, &next);
	for (int layer = 0; layer <= level; layer++)
	{
		HnswElementCounts(tup)[layer] = nlinks[layer];
		if (nlinks[layer] > 0)
			memcpy(HnswElementLinks(tup, m, layer), layerlinks[layer],
				   sizeof(ItemPointerData) * nlinks[layer]);
	}
	if (BufferIsValid(headbuf))
		tid = HnswAddToPage(index, headbuf, false, tup, size);
	else
		tid = HnswPlaceTuple(index, tup, size);

	/* a new top: it becomes the entry point (we hold the exclusive lock) */
	if (!ItemPointerIsValid(&meta.entry) || level > meta.entry_level)
		HnswSetEntry(index, &tid, level);

	/*
	 * Links back from the new neighbours.  If every one of them drops the new
	 * element, the nearest that can must keep it (force: in place of a link
	 * whose target stays reachable): an element nothing links to could
	 * never be found.  On layer 0, where that is what makes it findable,
	 * HnswEnsureInlink goes on to the rest of the nearest found.
	 */
	for (int layer = toplayer; layer >= 0; layer--)
	{
		bool		linked = false;

		for (int i = 0; i < nlinks[layer]; i++)
			linked |= HnswAddBacklink(index, d, m, &layerlinks[layer][i], layer, &tid, vec,
									  false);
		if (layer == 0 && !linked)
			HnswEnsureInlink(index, d, m, &tid, vec, hosts, nhosts, 0);
		for (int i = 0; layer > 0 && !linked && i < nlinks[layer]; i++)
			linked = HnswAddBacklink(index, d, m, &layerlinks[layer][i], layer, &tid, vec, true);
	}

	UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
}
