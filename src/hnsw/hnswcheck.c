/*-------------------------------------------------------------------------
 * hnswcheck.c
 *		hnsw_index_check(index, heapallindexed): verify an hnsw index, in
 *		the spirit of amcheck's bt_index_check.
 *
 * Checks, in order: the metapage (magic, format version, element type and
 * metric against the opclass, entry point); every page's special space and
 * type; every element's bounds, level, link counts and payload size, and
 * that the chunks its payload goes on in are there, its own and in order; that
 * every link of a live element points at an element of a level that has
 * the layer; that every element not flagged deleted is reachable from the
 * entry point through layer 0 (hnswreach.c; under inner product only counted), unless a fresh
 * snapshot does not see its table row (an insert that never committed, a
 * row deleted since); and, with heapallindexed, that every row of the table
 * a fresh MVCC snapshot sees, with an indexable value, has an element, and
 * that no live element points at an unused heap slot (run it without a
 * concurrent VACUUM of the table for that part: vacuum frees heap slots
 * right after it flags their elements deleted).  The first problem found is
 * an ERROR (SQLSTATE XX002) naming the block and offset; otherwise one row
 * of counts is returned.
 *
 * It takes the locks a scan takes (AccessShareLock, then a share lock on
 * one page at a time), so it runs beside inserts and vacuum.  An element an
 * insert has just placed has no in-link until the insert's back-links land:
 * elements the first walk misses are walked again before being reported.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(vecext_hnsw_index_check);

#define CHECK_COLUMNS	6

typedef struct CheckState
{
	Relation	index;
	HnswMetaPageData meta;
	HnswDistance dist;
	BlockNumber nblocks;
	HnswVisited heaptids;		/* heap TIDs of the elements (heapallindexed) */
	int64		nelements;
	int64		ndeleted;
	int64		nlinks;
	int64		nreached;
	int64		nunreached_dead;	/* unreachable, of rows a snapshot does not see */
	int64		nheap;
	int64		nchunks;		/* chunk tuples not flagged deleted */
	int64		nchained;		/* chunks reached from elements not flagged */
} CheckState;

static void
corrupt(CheckState *cs, BlockNumber blkno, OffsetNumber off, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("hnsw index \"%s\" is corrupted at block %u, offset %u: %s",
					RelationGetRelationName(cs->index), blkno, off, what)));
}

/* The element at tid, if there is one, with its page share-locked in *buf. */
static HnswElementTuple
lock_element(CheckState *cs, ItemPointer tid, Buffer *buf)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);

	*buf = InvalidBuffer;
	if (blkno == HNSW_METAPAGE_BLKNO || blkno >= cs->nblocks)
		return NULL;
	*buf = ReadBuffer(cs->index, blkno);
	LockBuffer(*buf, BUFFER_LOCK_SHARE);
	return HnswGetElementTuple(BufferGetPage(*buf), ItemPointerGetOffsetNumber(tid));
}

/* One element's own bounds: level, links0, counts, size, payload. */
static void
check_element(CheckState *cs, Page page, BlockNumber blkno, OffsetNumber off,
			  HnswElementTuple tup)
{
	int			m = cs->meta.m;
	ItemId		iid = PageGetItemId(page, off);

	if (tup->level > HNSW_MAX_LEVEL)
		corrupt(cs, blkno, off, psprintf("level %d is above the highest, %d",
										 tup->level, HNSW_MAX_LEVEL));
	if (tup->links0 < HNSW_MIN_LINKS0(m) || tup->links0 > HnswLayerCapacity(m, 0) ||
		(tup->level > 0 && tup->links0 != HnswLayerCapacity(m, 0)))
		corrupt(cs, blkno, off, psprintf("%d layer-0 link slots at level %d with m = %d",
										 tup->links0, tup->level, m));
	if (ItemIdGetLength(iid) < HnswTupleSize(tup, m))
		corrupt(cs, blkno, off, psprintf("tuple of %u bytes, its fields need %zu",
										 ItemIdGetLength(iid), (Size) HnswTupleSize(tup, m)));
	if (tup->payload_size < cs->dist.min_payload || tup->payload_size > cs->dist.max_payload)
		corrupt(cs, blkno, off, psprintf("payload of %u bytes, the index's are %zu to %zu",
										 tup->payload_size, cs->dist.min_payload,
										 cs->dist.max_payload));
	if (tup->head_size > tup->payload_size ||
		(HnswTupleSpans(tup) && !cs->dist.span))
		corrupt(cs, blkno, off, psprintf("%u bytes of its %u-byte payload in it, for a type whose payloads %s",
										 tup->head_size, tup->payload_size,
										 cs->dist.span ? "may span pages" : "do not span pages"));
	else if (!(tup->flags & HNSW_ELEMENT_DELETED))
	{
		/* (a deleted element's chunks may be freed already, as its links) */
		const char *problem = HnswCheckChunks(cs->index, cs->nblocks, tup, &cs->nchained);

		if (problem != NULL)
			corrupt(cs, blkno, off, problem);
	}
	if (!ItemPointerIsValid(&tup->heaptid))
		corrupt(cs, blkno, off, "invalid heap TID");
	for (int layer = 0; layer <= tup->level; layer++)
		if (HnswElementCounts(tup)[layer] > HnswTupleCapacity(tup, m, layer))
			corrupt(cs, blkno, off, psprintf("%d links on layer %d, which has %d slots",
											 HnswElementCounts(tup)[layer], layer,
											 HnswTupleCapacity(tup, m, layer)));
	if (tup->flags & ~HNSW_ELEMENT_DELETED)
		corrupt(cs, blkno, off, psprintf("unknown flags 0x%02x", tup->flags));
}

/* A chunk tuple's own bounds (its element checks that it belongs). */
static void
check_chunk(CheckState *cs, Page page, BlockNumber blkno, OffsetNumber off, HnswChunkTuple c)
{
	ItemId		iid = PageGetItemId(page, off);

	if (!cs->dist.span)
		corrupt(cs, blkno, off, "a chunk, in an index whose payloads do not span pages");
	if (ItemIdGetLength(iid) < HNSW_CHUNK_HEADER_SIZE + c->size)
		corrupt(cs, blkno, off, psprintf("chunk tuple of %u bytes holding %u payload bytes",
										 ItemIdGetLength(iid), c->size));
	if (c->size == 0 || (Size) c->start + c->size > cs->dist.max_payload)
		corrupt(cs, blkno, off, psprintf("chunk of bytes %u to %u of a %zu-byte payload",
										 c->start, c->start + c->size, cs->dist.max_payload));
	if (c->flags & ~HNSW_ELEMENT_DELETED)
		corrupt(cs, blkno, off, psprintf("unknown flags 0x%02x", c->flags));
	if (!(c->flags & HNSW_ELEMENT_DELETED))
		cs->nchunks++;
}

/* Pass 1: pages, special spaces, elements and chunks; counts them. */
static void
check_pages(CheckState *cs, bool heaptids)
{
	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < cs->nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (PageIsNew(page))
		{
			/* extended but not yet initialized (a crash, or an insert in flight) */
			UnlockReleaseBuffer(buf);
			continue;
		}
		if (PageGetSpecialSize(page) != MAXALIGN(sizeof(HnswPageOpaqueData)) ||
			HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID)
			corrupt(cs, blkno, 0, "the page's special space is not an hnsw one");
		if (HnswPageGetOpaque(page)->page_type != HNSW_PAGE_ELEMENT)
			corrupt(cs, blkno, 0, psprintf("page type %u where an element page belongs",
										   HnswPageGetOpaque(page)->page_type));
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			HnswElementTuple tup;

			if (!ItemIdIsUsed(iid))
				continue;		/* freed by vacuum */
			if (!ItemIdIsNormal(iid) ||
				ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ - PageGetSpecialSize(page) ||
				ItemIdGetLength(iid) < HNSW_ELEMENT_HEADER_SIZE)
				corrupt(cs, blkno, off, "line pointer out of the page's bounds");
			tup = (HnswElementTuple) PageGetItem(page, iid);
			if (tup->type == HNSW_CHUNK_TUPLE)
			{
				check_chunk(cs, page, blkno, off, (HnswChunkTuple) tup);
				continue;
			}
			if (tup->type != HNSW_ELEMENT_TUPLE)
				corrupt(cs, blkno, off, psprintf("tuple type 0x%02x is neither an element nor a chunk",
												 tup->type));
			check_element(cs, page, blkno, off, tup);
			cs->nelements++;
			if (tup->flags & HNSW_ELEMENT_DELETED)
				cs->ndeleted++;
			else if (heaptids)
				HnswVisitedAdd(&cs->heaptids, &tup->heaptid);
		}
		UnlockReleaseBuffer(buf);
	}
}

/* Pass 2: every link points at an element whose level has the layer. */
static void
check_links(CheckState *cs)
{
	int			m = cs->meta.m;
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * HnswTotalLinks(m, HNSW_MAX_LEVEL));

	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < cs->nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;
		OffsetNumber maxoff;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		maxoff = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswElementTuple tup = HnswGetElementTuple(page, off);
			int			level;
			uint16		counts[HNSW_MAX_LEVEL + 1];
			int			links0;

			CHECK_FOR_INTERRUPTS();
			if (tup == NULL)
				continue;
			/*
			 * A deleted element's links may point at slots its vacuum has
			 * freed already (a crash in the middle of freeing leaves that):
			 * searches skip such links, and the element goes next.
			 */
			if (tup->flags & HNSW_ELEMENT_DELETED)
				continue;
			/* copy the lists, let go of the page, then look at the targets */
			level = tup->level;
			links0 = tup->links0;
			memcpy(counts, HnswElementCounts(tup), sizeof(uint16) * (level + 1));
			memcpy(links, HnswElementLinks(tup, m, 0),
				   sizeof(ItemPointerData) * HnswTotalLinks0(links0, m, level));
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
			for (int layer = 0; layer <= level; layer++)
			{
				ItemPointerData *ll = links + (layer == 0 ? 0 : links0 + (layer - 1) * m);

				for (int i = 0; i < counts[layer]; i++)
				{
					Buffer		tbuf;
					HnswElementTuple target = lock_element(cs, &ll[i], &tbuf);
					bool		ok = target != NULL && target->level >= layer;

					if (BufferIsValid(tbuf))
						UnlockReleaseBuffer(tbuf);
					if (!ok)
						corrupt(cs, blkno, off,
								psprintf("link %d of layer %d points at (%u,%u), %s", i, layer,
										 ItemPointerGetBlockNumber(&ll[i]),
										 ItemPointerGetOffsetNumber(&ll[i]),
										 target == NULL ? "which holds no element" :
										 "an element of a lower level"));
					for (int j = 0; j < i; j++)
						if (ItemPointerEquals(&ll[j], &ll[i]))
						{
							corrupt(cs, blkno, off,
									psprintf("links %d and %d of layer %d both point at (%u,%u)",
											 j, i, layer, ItemPointerGetBlockNumber(&ll[i]),
											 ItemPointerGetOffsetNumber(&ll[i])));
							break;
						}
					cs->nlinks++;
				}
			}
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			maxoff = PageGetMaxOffsetNumber(page);
		}
		UnlockReleaseBuffer(buf);
	}
	pfree(links);
}

/*
 * Whether some version of the heap row tid points at is visible to a fresh
 * MVCC snapshot.  An insert killed between placing its element and linking
 * it in (a crash cuts the WAL anywhere) leaves an element no list points
 * at, but its transaction never committed: that row is nobody's to find.
 */
static bool
heap_row_visible(Relation heap, ItemPointer heaptid)
{
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	ItemPointerData tid = *heaptid;
	bool		all_dead = false;
	bool		visible = table_index_fetch_tuple_check(heap, &tid, snapshot, &all_dead);

	UnregisterSnapshot(snapshot);
	return visible;
}

/*
 * Pass 3: every element not flagged deleted is reachable from the entry, or
 * else a fresh snapshot does not see its heap row (counted in
 * cs->nunreached_dead, and said in a NOTICE).
 */
static void
check_reachable(CheckState *cs, Relation heap)
{
	ItemPointerData unreached[MaxOffsetNumber];	/* one page's, and their rows */
	ItemPointerData unreached_heap[MaxOffsetNumber];

	for (int attempt = 0; attempt < 2; attempt++)
	{
		HnswVisited reached;
		ItemPointerData missing;
		int64		nmissing = 0;

		HnswVisitedInit(&reached, (int) Min(cs->nelements + 16, PG_INT32_MAX / 4));
		cs->meta = HnswReadMeta(cs->index);
		if (ItemPointerIsValid(&cs->meta.entry))
			HnswWalkLayer0(cs->index, cs->meta.m, &cs->meta.entry, true, &reached,
						   NULL);
		cs->nreached = 0;
		cs->nunreached_dead = 0;
		for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < cs->nblocks; blkno++)
		{
			Buffer		buf = ReadBuffer(cs->index, blkno);
			Page		page;
			OffsetNumber maxoff;

			int			nunreached = 0;

			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			maxoff = PageIsNew(page) ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			{
				HnswElementTuple tup = HnswGetElementTuple(page, off);

				if (tup == NULL)
					continue;
				ItemPointerSet(&unreached[nunreached], blkno, off);
				if (HnswVisitedContains(&reached, &unreached[nunreached]))
					cs->nreached++;
				else if (!(tup->flags & HNSW_ELEMENT_DELETED))
					unreached_heap[nunreached++] = tup->heaptid;
			}
			UnlockReleaseBuffer(buf);
			/* the heap is read with no index page locked */
			for (int i = 0; i < nunreached; i++)
			{
				if (attempt == 1 && heap != NULL && !heap_row_visible(heap, &unreached_heap[i]))
					cs->nunreached_dead++;
				else if (nmissing++ == 0)
					missing = unreached[i];
			}
		}
		pfree(reached.keys);
		/*
		 * Under inner product, which is no metric, vectors of small norm are
		 * nobody's nearest and keep no in-link: they are counted, not an error.
		 */
		if (nmissing == 0 || cs->dist.metric == HNSW_METRIC_IP)
			break;
		if (attempt == 1)
			corrupt(cs, ItemPointerGetBlockNumber(&missing), ItemPointerGetOffsetNumber(&missing),
					psprintf("the element is not reachable from the entry point through layer 0 (%lld unreachable in all)",
							 (long long) nmissing));
		/* perhaps an insert's back-links had not landed: walk once more */
	}
	if (cs->nunreached_dead > 0)
		ereport(NOTICE,
				(errmsg_plural("hnsw index \"%s\": %lld element is not reachable, of a table row a fresh snapshot does not see",
							   "hnsw index \"%s\": %lld elements are not reachable, all of them of table rows a fresh snapshot does not see",
							   cs->nunreached_dead,
							   RelationGetRelationName(cs->index), (long long) cs->nunreached_dead),
				 errdetail("An insert that did not commit (rolled back, or cut off by a crash) can leave its element without an in-link."),
				 errhint("VACUUM removes them.")));
}

/* heapallindexed: each row the snapshot sees, with an indexable value, has an element */
static void
heap_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *state)
{
	CheckState *cs = (CheckState *) state;
	Size		size;
	void	   *payload;

	if (isnull[0])
		return;
	payload = cs->dist.type->form_payload(&cs->dist, values[0], &size);
	if (payload == NULL)
		return;					/* not indexed (no direction under cosine) */
	pfree(payload);
	cs->nheap++;
	if (!HnswVisitedContains(&cs->heaptids, tid))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" has no element for heap row (%u,%u)",
						RelationGetRelationName(index), ItemPointerGetBlockNumber(tid),
						ItemPointerGetOffsetNumber(tid))));
}

/* no live element points at a heap slot that is unused (vacuumed away) */
static void
check_heap_slots(CheckState *cs, Relation heap)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(heap);

	for (uint32 i = 0; i <= cs->heaptids.mask; i++)
	{
		uint64		k = cs->heaptids.keys[i];
		BlockNumber blkno = (BlockNumber) (k >> 16);
		OffsetNumber off = (OffsetNumber) (k & 0xFFFF);
		Buffer		buf;
		bool		used;

		if (k == 0)
			continue;
		CHECK_FOR_INTERRUPTS();
		used = blkno < nblocks;
		if (used)
		{
			Page		page;

			buf = ReadBuffer(heap, blkno);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			used = !PageIsNew(page) && off <= PageGetMaxOffsetNumber(page) &&
				ItemIdIsUsed(PageGetItemId(page, off));
			UnlockReleaseBuffer(buf);
		}
		if (!used)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("hnsw index \"%s\" has a live element for heap row (%u,%u), which is not there",
							RelationGetRelationName(cs->index), blkno, off)));
	}
}

static void
check_heap(CheckState *cs, Relation heap)
{
	IndexInfo  *indexInfo = BuildIndexInfo(cs->index);
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	TableScanDesc scan;

	/* as amcheck: an MVCC scan sees what was committed before it began */
	indexInfo->ii_Concurrent = true;
	scan = table_beginscan_strat(heap, snapshot, 0, NULL, true, false);
	table_index_build_scan(heap, cs->index, indexInfo, true, false, heap_callback, cs, scan);
	UnregisterSnapshot(snapshot);
	check_heap_slots(cs, heap);
}

Datum
vecext_hnsw_index_check(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	bool		heapallindexed = PG_GETARG_BOOL(1);
	Oid			heapoid = IndexGetRelation(indexoid, true);
	Relation	heap = NULL;
	CheckState	cs;
	TupleDesc	tupdesc;
	Datum		values[CHECK_COLUMNS];
	bool		nulls[CHECK_COLUMNS] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	/* the table first, as every reader locks them */
	if (OidIsValid(heapoid))
		heap = table_open(heapoid, AccessShareLock);
	memset(&cs, 0, sizeof(cs));
	cs.index = index_open(indexoid, AccessShareLock);
	if (cs.index->rd_rel->relkind != RELKIND_INDEX ||
		cs.index->rd_rel->relam != get_index_am_oid("hnsw", false))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an hnsw index", RelationGetRelationName(cs.index))));

	cs.meta = HnswReadMeta(cs.index);	/* magic and version */
	HnswInitDistance(&cs.dist, cs.index, cs.meta.dims, cs.meta.m);
	HnswCheckMetaType(cs.index, &cs.meta, &cs.dist);
	cs.nblocks = RelationGetNumberOfBlocks(cs.index);
	if (heapallindexed)
		HnswVisitedInit(&cs.heaptids, 1024);

	check_pages(&cs, heapallindexed);
	if (ItemPointerIsValid(&cs.meta.entry))
	{
		Buffer		buf;
		HnswElementTuple tup = lock_element(&cs, &cs.meta.entry, &buf);
		int			level = tup != NULL ? tup->level : -1;

		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
		if (tup == NULL || level != cs.meta.entry_level)
			corrupt(&cs, HNSW_METAPAGE_BLKNO, 0,
					psprintf("the entry point (%u,%u) of level %d is %s",
							 ItemPointerGetBlockNumber(&cs.meta.entry),
							 ItemPointerGetOffsetNumber(&cs.meta.entry), cs.meta.entry_level,
							 tup == NULL ? "not an element" :
							 psprintf("an element of level %d", level)));
	}
	else if (cs.nelements > cs.ndeleted)
		corrupt(&cs, HNSW_METAPAGE_BLKNO, 0,
				psprintf("no entry point, but %lld live elements",
						 (long long) (cs.nelements - cs.ndeleted)));
	/*
	 * Chunks no element leads to: an insert that died (or is still running)
	 * between placing its chunks and its element.
	 */
	if (cs.nchunks > cs.nchained)
		ereport(NOTICE,
				(errmsg_plural("hnsw index \"%s\": %lld chunk tuple belongs to no element",
							   "hnsw index \"%s\": %lld chunk tuples belong to no element",
							   cs.nchunks - cs.nchained,
							   RelationGetRelationName(cs.index),
							   (long long) (cs.nchunks - cs.nchained)),
				 errdetail("An insert that did not finish leaves the chunks of its payload behind."),
				 errhint("VACUUM removes them.")));
	check_links(&cs);
	check_reachable(&cs, heap);
	if (heapallindexed && heap != NULL)
		check_heap(&cs, heap);

	values[0] = Int64GetDatum((int64) cs.nblocks);
	values[1] = Int64GetDatum(cs.nelements);
	values[2] = Int64GetDatum(cs.ndeleted);
	values[3] = Int64GetDatum(cs.nlinks);
	values[4] = Int64GetDatum(cs.nreached);
	if (heapallindexed)
		values[5] = Int64GetDatum(cs.nheap);
	else
		nulls[5] = true;

	index_close(cs.index, AccessShareLock);
	if (heap != NULL)
		table_close(heap, AccessShareLock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
