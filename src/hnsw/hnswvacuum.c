/*-------------------------------------------------------------------------
 * hnswvacuum.c
 *		Vacuum for hnsw: mark, repair, free.
 *
 * 1. Mark: every element whose heap row is dead gets the deleted flag.
 *    From then on searches follow it but never return it, and inserts
 *    never link to it.
 * 2. Repair (under the exclusive update lock, so no insert runs): every
 *    live element that links to a deleted one keeps its live links and
 *    fills the freed slots from the live elements the deleted ones lead to
 *    (repair_layer) — a local repair, no graph search.  If the entry point
 *    was deleted, the live element of the highest level found in this pass
 *    replaces it.
 * 3. Free: the deleted elements' line pointers are set unused (offsets of
 *    the others do not move) and their pages' free space goes to the free
 *    space map, where inserts look first.
 * 4. Reconnect orphans: a live element that no live element links to any
 *    more is linked from the nearest elements a search for it finds.
 *
 * A link may still point at a freed slot (a search or repair raced, or the
 * slot was reused); readers check every link and skip what is not an
 * element, so such a link costs a read, never a wrong answer.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuffer.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/*
 * Repair's reach (repair_layer): how many deleted elements deep it looks for
 * replacements, how many live links of each deleted one it offers (and how
 * many offers it weighs per free slot), and how many kept links it weighs
 * them against.
 */
#define HNSW_REPAIR_HOPS			2
#define HNSW_REPAIR_TRIES			4
#define HNSW_REPAIR_WEIGHED			8

/* What repair_graph copies out of each element of a page that needs repair. */
typedef struct PageElement
{
	OffsetNumber off;
	int			level;
	int			links0;
	uint16		counts[HNSW_MAX_LEVEL + 1];
	uint32		stale;			/* bit l: layer l links to a deleted element */
	ItemPointerData *links;		/* every layer's, as on the page */
	char	   *vec;
} PageElement;

/* One repaired list: what write_lists writes, and the back-links after. */
typedef struct RepairedList
{
	OffsetNumber off;			/* the element, on the page being repaired */
	int			layer;
	int			n;
	ItemPointerData *links;		/* the new list */
	int			nnew;
	ItemPointerData *news;		/* the links in it that are new */
	const char *evec;			/* the element's vector */
} RepairedList;

/*
 * repair_layer's working arrays, sized once for the largest list: a vacuum
 * repairs most elements, and allocating these per repair (tens of kB to
 * half a MB with its vectors) cost more than the repair's reads.
 */
typedef struct RepairScratch
{
	HnswCandidate *cands;
	char	   *vecs;
	bool	   *kept;
	int		   *chosen;
	ItemPointerData *frontier;
	ItemPointerData *next;
	ItemPointerData *dlinks;
	ItemPointerData *newlinks;
	ItemPointerData *forced;
} RepairScratch;

typedef struct VacuumState
{
	Relation	index;
	IndexBulkDeleteResult *stats;
	BufferAccessStrategy bas;
	HnswMetaPageData meta;
	HnswDistance dist;
	HnswVisited deleted;		/* TIDs of deleted elements */
	int64		dead_chunks;	/* chunk tuples flagged for freeing */
	RepairScratch rs;
	MemoryContext tmpctx;		/* per element; reset once it passes
								 * HNSW_VACUUM_TMP_BYTES */
} VacuumState;

#define HNSW_VACUUM_TMP_BYTES		(4 * 1024 * 1024)

/* The most candidates repair_layer weighs for a list of cap links. */
#define REPAIR_MAX_CANDS(cap)		((cap) * HNSW_REPAIR_TRIES + (cap))

static void
repair_scratch_init(RepairScratch *rs, const HnswDistance *d, int m)
{
	int			lcap = HnswLayerCapacity(m, 0);
	int			maxcands = REPAIR_MAX_CANDS(lcap);

	rs->cands = palloc(sizeof(HnswCandidate) * maxcands);
	rs->vecs = palloc(d->max_payload * maxcands);
	rs->kept = palloc(sizeof(bool) * maxcands);
	rs->chosen = palloc(sizeof(int) * maxcands);
	rs->frontier = palloc(sizeof(ItemPointerData) * lcap * (lcap + 1));
	rs->next = palloc(sizeof(ItemPointerData) * lcap * (lcap + 1));
	rs->dlinks = palloc(sizeof(ItemPointerData) * lcap);
	rs->newlinks = palloc(sizeof(ItemPointerData) * lcap);
	rs->forced = palloc(sizeof(ItemPointerData) * lcap);
}

/*
 * Prefetch what reading each of n elements touches first (its buffer's
 * header, its page's header, special space and line pointer), through the
 * blocks' hints: repair reads tens of scattered elements per list, each a
 * chain of cache misses when taken one at a time.
 */
static void
prefetch_elements(VacuumState *vs, const ItemPointerData *tids, int n)
{
	RecentBuffers *r = recent_hints(vs->index);

	for (int i = 0; i < n; i++)
		prefetch_hint(r, ItemPointerGetBlockNumber(&tids[i]),
					  ItemPointerGetOffsetNumber(&tids[i]));
}

/* Let go of what one element's repair allocated, once it adds up. */
static void
tmp_release(VacuumState *vs)
{
	if (MemoryContextMemAllocated(vs->tmpctx, true) > HNSW_VACUUM_TMP_BYTES)
		MemoryContextReset(vs->tmpctx);
}

static inline bool
is_deleted(VacuumState *vs, ItemPointer tid)
{
	return HnswVisitedContains(&vs->deleted, tid);
}

/* Phase 1: flag elements whose heap rows are dead. */
static void
mark_deleted(VacuumState *vs, IndexBulkDeleteCallback callback, void *callback_state)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);

	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber dead[MaxOffsetNumber];
		int			ndead = 0;
		OffsetNumber maxoff;

		vacuum_delay_point();
		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL, vs->bas);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		maxoff = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple tup = HnswGetElementTuple(page, off);
			HnswChunkTuple c;
			ItemPointerData tid;

			if (tup == NULL)
			{
				/*
				 * A chunk goes with its heap row: with its element, or with
				 * none when an insert died before placing it (hnswchunk.c).
				 */
				c = HnswGetChunkTuple(page, off);
				if (c == NULL)
					continue;
				if (c->flags & HNSW_ELEMENT_DELETED)
					vs->dead_chunks++;	/* left by an earlier vacuum */
				else if (callback(&c->heaptid, callback_state))
				{
					dead[ndead++] = off;
					vs->dead_chunks++;
				}
				continue;
			}
			ItemPointerSet(&tid, blkno, off);
			if (tup->flags & HNSW_ELEMENT_DELETED)
				HnswVisitedAdd(&vs->deleted, &tid); /* left by an earlier vacuum */
			else if (callback(&tup->heaptid, callback_state))
			{
				dead[ndead++] = off;
				HnswVisitedAdd(&vs->deleted, &tid);
			}
			else
				vs->stats->num_index_tuples++;
		}
		if (ndead > 0)
		{
			GenericXLogState *state = GenericXLogStart(vs->index);
			Page		wpage = GenericXLogRegisterBuffer(state, buf, 0);

			int			nelements = 0;

			for (int i = 0; i < ndead; i++)
			{
				HnswElementTuple tup = HnswGetElementTuple(wpage, dead[i]);

				if (tup != NULL)
				{
					tup->flags |= HNSW_ELEMENT_DELETED;
					nelements++;
				}
				else
					HnswGetChunkTuple(wpage, dead[i])->flags |= HNSW_ELEMENT_DELETED;
			}
			GenericXLogFinish(state);
			vs->stats->tuples_removed += nelements;
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Copy into out[] the links on a layer of the element at tid, if it is
 * still there; returns how many.
 */
static int
read_links(VacuumState *vs, ItemPointer tid, int layer, ItemPointerData *out)
{
	int			n = 0;

	HnswReadElement(vs->index, &vs->dist, vs->meta.m, tid, layer, NULL, out, &n, NULL);
	return n;
}

/*
 * Whether the element at tid has a free link slot on a layer (and is not
 * deleted): a back-link to it is then a plain append.
 */
static bool
has_room(VacuumState *vs, ItemPointer tid, int layer)
{
	Buffer		buf = read_buffer(vs->index, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup;
	bool		room;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	room = tup != NULL && tup->level >= layer && !(tup->flags & HNSW_ELEMENT_DELETED) &&
		HnswElementCounts(tup)[layer] < HnswTupleCapacity(tup, vs->meta.m, layer);
	UnlockReleaseBuffer(buf);
	return room;
}

/*
 * Repair one layer's list of the live element etid (vector evec), which
 * links to deleted elements.  Local, without a search: the live links stay
 * (the heuristic chose them, and nothing they lead to has gone), and each
 * slot a deleted link frees is offered to the live elements the deleted
 * ones lead to, directly or through other deleted ones (HNSW_REPAIR_HOPS
 * deep: with most of a neighbourhood deleted, one hop finds too few).  The
 * offers are taken nearest first with the selection heuristic against the
 * links kept nearer than them.  What it reads bounds its cost: the first
 * HNSW_REPAIR_WEIGHED live links (a list is kept nearest first, but for the
 * back-links appended since; the others stay unweighed), HNSW_REPAIR_TRIES
 * live links of each deleted one, and as many offers weighed per free
 * slot.  Each
 * new neighbour is offered a link back, as an insert would do: the element
 * may have lost its in-links with the deleted ones, and with one left a
 * later insert's re-selection could take it (reconnect_orphans() catches
 * only what has none left when vacuum ends).
 */
static void
repair_layer(VacuumState *vs, ItemPointer etid, const void *evec, int layer, int cap,
			 const ItemPointerData *links, int nlinks, RepairedList *out)
{
	RepairScratch *rs = &vs->rs;
	int			m = vs->meta.m;
	int			lcap = HnswLayerCapacity(m, 0);
	int			maxcands;
	HnswCandidate *cands = rs->cands;
	char	   *vecs = rs->vecs;
	bool	   *kept = rs->kept;
	int		   *chosen = rs->chosen;
	ItemPointerData *frontier = rs->frontier;
	ItemPointerData *next = rs->next;
	ItemPointerData *dlinks = rs->dlinks;
	ItemPointerData *newlinks = rs->newlinks;
	ItemPointerData *forced = rs->forced;
	HnswVisited seenset;
	HnswVisited *seen = &seenset;
	int			nfrontier = 0;
	int			ncands = 0;
	int			nkept = 0;
	int			nsel = 0;
	int			nnew = 0;
	int			tries = 0;
	int			nweighed = 0;
	int			nforced = 0;

	Assert(cap <= lcap);
	nlinks = Min(nlinks, cap);
	maxcands = cap * HNSW_REPAIR_TRIES + nlinks;	/* at most REPAIR_MAX_CANDS(lcap) */
	/* small enough for the context's blocks (it grows if need be) */
	HnswVisitedInit(seen, maxcands);
	HnswVisitedAdd(seen, etid);

	/* the live links, and the first ring of deleted ones */
	prefetch_elements(vs, links, nlinks);
	for (int i = 0; i < nlinks; i++)
	{
		ItemPointer t = (ItemPointer) &links[i];

		if (!HnswVisitedAdd(seen, t))
			continue;
		if (is_deleted(vs, t))
			frontier[nfrontier++] = *t;
		else if (nweighed >= HNSW_REPAIR_WEIGHED)
			forced[nforced++] = *t;
		else if (HnswReadElementPayload(vs->index, &vs->dist, m, t,
										HnswPayloadAt(&vs->dist, vecs, ncands)))
		{
			kept[ncands] = true;
			cands[ncands++].tid = *t;
			nweighed++;
		}
	}

	nkept = nweighed + nforced;

	/* what the deleted ones lead to, through at most HNSW_REPAIR_HOPS of them */
	for (int hop = 0; hop < HNSW_REPAIR_HOPS && nfrontier > 0 && ncands < maxcands; hop++)
	{
		int			nnext = 0;

		prefetch_elements(vs, frontier, nfrontier);
		for (int f = 0; f < nfrontier && ncands < maxcands; f++)
		{
			int			nd = read_links(vs, &frontier[f], layer, dlinks);
			int			taken = 0;

			prefetch_elements(vs, dlinks, Min(nd, 2 * HNSW_REPAIR_TRIES));

			for (int j = 0; j < nd && ncands < maxcands && taken < HNSW_REPAIR_TRIES; j++)
			{
				if (!HnswVisitedAdd(seen, &dlinks[j]))
					continue;
				if (is_deleted(vs, &dlinks[j]))
				{
					if (nnext < lcap * (lcap + 1))
						next[nnext++] = dlinks[j];
				}
				else if (HnswReadElementPayload(vs->index, &vs->dist, m, &dlinks[j],
												HnswPayloadAt(&vs->dist, vecs, ncands)))
				{
					kept[ncands] = false;
					cands[ncands++].tid = dlinks[j];
					taken++;
				}
			}
		}
		memcpy(frontier, next, sizeof(ItemPointerData) * nnext);
		nfrontier = nnext;
	}

	/* nearest first, each knowing its vector */
	for (int i = 0; i < ncands; i++)
	{
		cands[i].idx = i;
		cands[i].dist = HnswDist(&vs->dist, evec, HnswPayloadAt(&vs->dist, vecs, i));
	}
	qsort(cands, ncands, sizeof(HnswCandidate), HnswCandidateCmp);

	for (int i = 0; i < ncands; i++)
	{
		int			ci = cands[i].idx;
		bool		good = true;

		if (!kept[ci])
		{
			if (nkept + nnew >= cap || tries >= (cap - nkept) * HNSW_REPAIR_TRIES)
				continue;
			tries++;
			for (int j = 0; j < nsel && good; j++)
				good = HnswDist(&vs->dist, HnswPayloadAt(&vs->dist, vecs, ci),
								HnswPayloadAt(&vs->dist, vecs, cands[chosen[j]].idx)) >=
					cands[i].dist;
			if (!good)
				continue;
			nnew++;
		}
		chosen[nsel] = i;
		newlinks[nsel++] = cands[i].tid;
	}

	/* the links kept unweighed go last, as they came */
	for (int i = 0; i < nforced; i++)
		newlinks[nsel + i] = forced[i];

	/* the page's lists are written together (write_lists), then the back-links */
	out->layer = layer;
	out->n = nsel + nforced;
	out->links = palloc(sizeof(ItemPointerData) * out->n);
	memcpy(out->links, newlinks, sizeof(ItemPointerData) * out->n);
	out->news = palloc(sizeof(ItemPointerData) * Max(nnew, 1));
	out->nnew = 0;
	for (int j = 0; j < nsel; j++)
		if (!kept[cands[chosen[j]].idx])
			out->news[out->nnew++] = newlinks[j];
}

/*
 * Write the repaired lists of one page's elements in one WAL record.  No
 * insert runs now (exclusive update lock) and the repairs only read, so
 * the lists are written as computed; an element gone meanwhile is skipped.
 */
static void
write_lists(VacuumState *vs, BlockNumber blkno, const RepairedList *lists, int n)
{
	Buffer		buf = read_buffer(vs->index, blkno);
	GenericXLogState *state;
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	for (int i = 0; i < n; i++)
	{
		HnswElementTuple tup = HnswGetElementTuple(page, lists[i].off);

		if (tup == NULL || tup->level < lists[i].layer ||
			lists[i].n > HnswTupleCapacity(tup, vs->meta.m, lists[i].layer))
			continue;
		HnswElementCounts(tup)[lists[i].layer] = lists[i].n;
		memcpy(HnswElementLinks(tup, vs->meta.m, lists[i].layer), lists[i].links,
			   sizeof(ItemPointerData) * lists[i].n);
	}
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Phase 2: repair every live element that links to a deleted one.  Returns
 * in *best the live element of the highest level seen (entry candidate).
 */
static void
repair_graph(VacuumState *vs, ItemPointer best, int *bestlevel)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	int			m = vs->meta.m;
	int			maxlists = MaxOffsetNumber * 2;
	RepairedList *lists = palloc(sizeof(RepairedList) * maxlists);
	PageElement *elems = palloc(sizeof(PageElement) * MaxOffsetNumber);

	ItemPointerSetInvalid(best);
	*bestlevel = -1;

	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
	{
		OffsetNumber maxoff;
		Buffer		buf;
		Page		page;
		MemoryContext oldctx;
		int			nlists = 0;
		int			nelems = 0;

		vacuum_delay_point();
		oldctx = MemoryContextSwitchTo(vs->tmpctx);
		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL, vs->bas);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		maxoff = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);

		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple tup = HnswGetElementTuple(page, off);
			int			level;
			uint32		stale = 0;
			PageElement *pe = &elems[nelems];

			if (tup == NULL || (tup->flags & HNSW_ELEMENT_DELETED))
				continue;
			level = tup->level;
			if (level > *bestlevel)
			{
				ItemPointerSet(best, blkno, off);
				*bestlevel = level;
			}
			for (int layer = 0; layer <= level; layer++)
				for (int i = 0; i < HnswElementCounts(tup)[layer]; i++)
					if (is_deleted(vs, &HnswElementLinks(tup, m, layer)[i]))
					{
						stale |= (uint32) 1 << layer;
						break;
					}
			if (stale == 0)
				continue;
			pe->off = off;
			pe->stale = stale;
			pe->level = level;
			pe->links0 = tup->links0;
			memcpy(pe->counts, HnswElementCounts(tup), sizeof(uint16) * (level + 1));
			pe->links = palloc(sizeof(ItemPointerData) * HnswTotalLinks0(tup->links0, m, level));
			memcpy(pe->links, HnswElementLinks(tup, m, 0),
				   sizeof(ItemPointerData) * HnswTotalLinks0(tup->links0, m, level));
			pe->vec = palloc(vs->dist.max_payload);
			if (tup->payload_size > vs->dist.max_payload ||
				!HnswCopyPayload(vs->index, m, tup, pe->vec))
				continue;		/* not whole: searches skip it too */
			nelems++;
		}
		UnlockReleaseBuffer(buf);

		/* repair each list that links to a deleted element: reads only */
		for (int e = 0; e < nelems; e++)
		{
			PageElement *pe = &elems[e];
			ItemPointerData etid;

			ItemPointerSet(&etid, blkno, pe->off);
			for (int layer = 0; layer <= pe->level; layer++)
			{
				ItemPointerData *ll = pe->links + (layer == 0 ? 0 : pe->links0 + (layer - 1) * m);

				if (!(pe->stale & ((uint32) 1 << layer)))
					continue;
				if (nlists == maxlists)
				{
					maxlists *= 2;
					lists = repalloc(lists, sizeof(RepairedList) * maxlists);
				}
				lists[nlists].off = pe->off;
				lists[nlists].evec = pe->vec;
				repair_layer(vs, &etid, pe->vec, layer, layer == 0 ? pe->links0 : m,
							 ll, pe->counts[layer], &lists[nlists]);
				nlists++;
			}
		}

		/* write them, then offer each new neighbour a link back */
		if (nlists > 0)
			write_lists(vs, blkno, lists, nlists);
		for (int i = 0; i < nlists; i++)
		{
			ItemPointerData etid;

			ItemPointerSet(&etid, blkno, lists[i].off);
			for (int j = 0; j < lists[i].nnew; j++)
				HnswAddBacklink(vs->index, &vs->dist, m, &lists[i].news[j], lists[i].layer,
								&etid, lists[i].evec, false);
		}
		MemoryContextSwitchTo(oldctx);
		tmp_release(vs);
	}
}

/*
 * Reconnect what no search can reach: a live element that no chain of
 * layer-0 links between live elements leads to from the entry point (its
 * in-links came from deleted elements, or the selection heuristic dropped
 * them).  Walk layer 0 from the entry through live elements only (the
 * deleted ones are about to be freed), then search for each element the
 * walk missed by its own vector and have the nearest elements found link to
 * it, the nearest even against the heuristic, as an insert would.  What the
 * new link makes reachable is walked at once; the walk is repeated until it
 * misses nothing (at most HNSW_REACH_ROUNDS times).
 */
static void
reconnect_orphans(VacuumState *vs)
{
	int			m = vs->meta.m;
	char	   *vec = palloc(vs->dist.max_payload);

	for (int round = 0; round < HNSW_REACH_ROUNDS; round++)
	{
		HnswMetaPageData meta = HnswReadMeta(vs->index);
		BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
		HnswVisited reached;
		int64		relinked = 0;

		if (!ItemPointerIsValid(&meta.entry))
			return;
		HnswVisitedInit(&reached, 1024);
		HnswWalkLayer0(vs->index, m, &meta.entry, false, &reached, vs->bas);

		for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
		{
			Buffer		buf;
			Page		page;
			OffsetNumber maxoff;

			vacuum_delay_point();
			buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL, vs->bas);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			maxoff = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			{
				HnswElementTuple tup = HnswGetElementTuple(page, off);
				ItemPointerData tid;
				HnswCandidate *found;
				int			nfound;
				bool		linked = false;
				MemoryContext oldctx;

				if (tup == NULL || (tup->flags & HNSW_ELEMENT_DELETED))
					continue;
				ItemPointerSet(&tid, blkno, off);
				if (HnswVisitedContains(&reached, &tid))
					continue;

				/* unreachable: find its neighbours by its own vector */
				if (tup->payload_size > vs->dist.max_payload ||
					!HnswCopyPayload(vs->index, m, tup, vec))
					continue;
				LockBuffer(buf, BUFFER_LOCK_UNLOCK);
				oldctx = MemoryContextSwitchTo(vs->tmpctx);
				nfound = HnswSearchDisk(vs->index, &vs->dist, m, vec, &meta.entry,
										meta.entry_level, meta.ef_construction, &found);
				/*
				 * Linked first from those of the nearest with a free slot: an
				 * append takes no link from anyone.  Failing that, from the
				 * nearest even against the heuristic, but for inner product,
				 * where that would cost the hubs' links (see hnsw_index_check
				 * in README.md); re-selecting a full list can drop another
				 * element's last in-link, and the next round must catch it.
				 */
				for (int i = 0; i < Min(nfound, m); i++)
					if (!ItemPointerEquals(&found[i].tid, &tid) && has_room(vs, &found[i].tid, 0))
						linked |= HnswAddBacklink(vs->index, &vs->dist, m, &found[i].tid, 0,
												  &tid, vec, false);
				for (int i = 0; i < Min(nfound, m) && !linked; i++)
					if (!ItemPointerEquals(&found[i].tid, &tid))
						linked |= HnswAddBacklink(vs->index, &vs->dist, m, &found[i].tid, 0,
												  &tid, vec,
												  !linked && vs->dist.metric != HNSW_METRIC_IP);
				MemoryContextSwitchTo(oldctx);
				tmp_release(vs);
				if (linked)
				{
					relinked++;
					HnswWalkLayer0(vs->index, m, &tid, false, &reached, vs->bas);
				}
				LockBuffer(buf, BUFFER_LOCK_SHARE);
				page = BufferGetPage(buf);
				maxoff = PageGetMaxOffsetNumber(page);
			}
			UnlockReleaseBuffer(buf);
		}
		pfree(reached.keys);
		if (relinked == 0)
			break;
	}
}

/* Phase 3: free the deleted elements' space, and their chunks'. */
static void
free_deleted(VacuumState *vs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);

	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber dead[MaxOffsetNumber];
		int			ndead = 0;
		OffsetNumber maxoff;

		vacuum_delay_point();
		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL, vs->bas);
		/* removing tuples moves others: wait out every pin (hnsw.h, "Pins") */
		LockBufferForCleanup(buf);
		page = BufferGetPage(buf);
		maxoff = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple tup = HnswGetElementTuple(page, off);
			HnswChunkTuple c = tup == NULL ? HnswGetChunkTuple(page, off) : NULL;

			if ((tup != NULL && (tup->flags & HNSW_ELEMENT_DELETED)) ||
				(c != NULL && (c->flags & HNSW_ELEMENT_DELETED)))
				dead[ndead++] = off;
		}
		if (ndead > 0)
		{
			GenericXLogState *state = GenericXLogStart(vs->index);
			Page		wpage = GenericXLogRegisterBuffer(state, buf, 0);

			/* highest offset first: keeps the other line pointers in place */
			for (int i = ndead - 1; i >= 0; i--)
				PageIndexTupleDeleteNoCompact(wpage, dead[i]);
			GenericXLogFinish(state);
		}
		if (!PageIsNew(page) && HnswPageGetOpaque(page)->page_type == HNSW_PAGE_ELEMENT)
			RecordPageWithFreeSpace(vs->index, blkno, PageGetFreeSpace(page));
		UnlockReleaseBuffer(buf);
	}
	FreeSpaceMapVacuum(vs->index);
}

IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	VacuumState vs;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	vs.index = info->index;
	vs.stats = stats;
	vs.bas = GetAccessStrategy(BAS_BULKREAD);
	vs.meta = HnswReadMeta(info->index);
	HnswInitDistance(&vs.dist, info->index, vs.meta.dims, vs.meta.m);
	HnswCheckMetaType(info->index, &vs.meta, &vs.dist);
	HnswVisitedInit(&vs.deleted, 1024);
	vs.dead_chunks = 0;
	vs.tmpctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw vacuum",
									  ALLOCSET_DEFAULT_SIZES);
	repair_scratch_init(&vs.rs, &vs.dist, vs.meta.m);

	stats->num_index_tuples = 0;
	mark_deleted(&vs, callback, callback_state);

	if (vs.deleted.count > 0)
	{
		ItemPointerData best;
		int			bestlevel;

		instr_time	t0,
					t1,
					t2,
					t3;

		LockPage(info->index, HNSW_UPDATE_LOCK, ExclusiveLock);
		vs.meta = HnswReadMeta(info->index);
		INSTR_TIME_SET_CURRENT(t0);
		repair_graph(&vs, &best, &bestlevel);
		if (ItemPointerIsValid(&vs.meta.entry) && is_deleted(&vs, &vs.meta.entry))
			HnswSetEntry(info->index, &best, bestlevel);
		INSTR_TIME_SET_CURRENT(t1);
		free_deleted(&vs);
		INSTR_TIME_SET_CURRENT(t2);
		reconnect_orphans(&vs);
		INSTR_TIME_SET_CURRENT(t3);
		UnlockPage(info->index, HNSW_UPDATE_LOCK, ExclusiveLock);
		INSTR_TIME_SUBTRACT(t3, t2);
		INSTR_TIME_SUBTRACT(t2, t1);
		INSTR_TIME_SUBTRACT(t1, t0);
		elog(DEBUG1, "hnsw vacuum of \"%s\": %lld deleted; repair %.0f ms, free %.0f ms, reconnect %.0f ms",
			 RelationGetRelationName(info->index), (long long) vs.deleted.count,
			 INSTR_TIME_GET_MILLISEC(t1), INSTR_TIME_GET_MILLISEC(t2),
			 INSTR_TIME_GET_MILLISEC(t3));
	}
	else if (vs.dead_chunks > 0)
	{
		/* only chunks of inserts that died before placing their element */
		LockPage(info->index, HNSW_UPDATE_LOCK, ExclusiveLock);
		free_deleted(&vs);
		UnlockPage(info->index, HNSW_UPDATE_LOCK, ExclusiveLock);
	}

	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	MemoryContextDelete(vs.tmpctx);
	FreeAccessStrategy(vs.bas);
	return stats;
}

IndexBulkDeleteResult *
hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		/* no bulkdelete ran: report the heap's count as an estimate */
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = info->num_heap_tuples;
		stats->estimated_count = info->estimated_count;
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
