/*-------------------------------------------------------------------------
 * hnswscan.c
 *		Index scans: ORDER BY col <op> constant, nearest first.
 *
 * The first amgettuple runs the whole search (greedy descent, then a
 * best-first search of layer 0 bounded by hnsw.ef_search) and keeps the
 * results sorted; later calls hand them out one by one.  With
 * hnsw.iterative_scan on, the search is a resumable one (HnswStream): once
 * its rows are used up and the executor still asks, it goes on expanding
 * layer 0 from where it stopped and hands out the next ef_search rows,
 * until nothing reachable is left, hnsw.max_scan_tuples elements were
 * visited or its memory passed work_mem * hnsw.scan_mem_multiplier; then
 * it hands out what it saw and had not returned, and ends.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "access/detoast.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "types/scandist.h"
#include "types/vector.h"

typedef struct HnswScanOpaqueData
{
	bool		searched;
	bool		done;			/* no further batch will come */
	HnswCandidate *results;		/* the current batch, nearest first */
	int			nresults;
	int			next;
	int			ef;
	int			mode;			/* hnsw.iterative_scan when the scan began */
	float		last_dist;		/* of the last row returned */
	bool		any_returned;
	HnswStream	stream;			/* iterative scans */
	void	   *query;			/* prepared query */
	HnswDistance dist;
	HnswMetaPageData meta;
	MemoryContext ctx;			/* the scan's memory, reset by rescan */
	MemoryContext searchctx;	/* the search's memory (not a child of ctx:
								 * resetting a context deletes its children) */

	/* the distances of the rows returned, for the distance functions */
	ScanDistPublisher *pub;		/* NULL: not published */
	AttrNumber	heap_attno;		/* the indexed column */
	char	   *payload;		/* a row's payload ... */
	char	   *value;			/* ... and the value it was formed from */
	int			pub_rows;		/* rows looked at, */
	int			pub_toasted;	/* of which stored out of line */
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque so = palloc0(sizeof(HnswScanOpaqueData));

	so->ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan",
									ALLOCSET_DEFAULT_SIZES);
	so->searchctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw search",
										  ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

void
hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	so->searched = false;
	so->done = false;
	so->results = NULL;
	so->nresults = 0;
	so->next = 0;
	so->any_returned = false;
	so->query = NULL;
	so->pub = NULL;
	MemoryContextReset(so->searchctx);
	MemoryContextReset(so->ctx);
}

/*
 * Rows whose column values are in line are not worth publishing (the
 * distance function reads them for free): the scan stops after this many
 * rows when none was out of line.
 */
#define HNSW_PUBLISH_PROBE_ROWS	3

/*
 * Publish the distances of the rows this scan returns (types/scandist.h)
 * when it can: an ORDER BY on a plain column of a heap table that has a
 * TOAST table, whose payloads are the column's values byte for byte.  The
 * distance is the ORDER BY operator's own function applied to the value
 * the payload came from, so a hit is what the executor would compute.
 */
static void
setup_publisher(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	heap = scan->heapRelation;
	ScanKey		sk = &scan->orderByData[0];
	AttrNumber	attno = scan->indexRelation->rd_index->indkey.values[0];

	so->pub = NULL;
	so->pub_rows = so->pub_toasted = 0;
	if (heap == NULL || heap->rd_rel->relam != HEAP_TABLE_AM_OID ||
		!OidIsValid(heap->rd_rel->reltoastrelid) || scan->numberOfOrderBys != 1 ||
		(sk->sk_flags & SK_ISNULL) || attno <= 0 ||
		so->dist.type->payload_value == NULL || so->dist.normalize ||
		so->dist.min_payload != so->dist.max_payload)
		return;
	so->heap_attno = attno;
	so->payload = palloc(so->dist.max_payload);
	so->value = palloc(so->dist.max_payload + VARHDRSZ + 2 * sizeof(int16));
	so->pub = ScanDistRegister(so->ctx, sk->sk_func.fn_oid, sk->sk_argument);
}

/*
 * The TOAST pointer of the indexed column of the heap tuple at tid (the
 * root of its HOT chain: the members share the column, which is indexed);
 * false when the value is in line or there is no tuple.
 */
static bool
heap_value_pointer(Relation heap, AttrNumber attno, ItemPointer tid,
				   struct varatt_external *out)
{
	Buffer		buf = ReadBuffer(heap, ItemPointerGetBlockNumber(tid));
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);
	Page		page;
	bool		found = false;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page))
	{
		ItemId		lp = PageGetItemId(page, off);

		if (ItemIdIsRedirected(lp))
		{
			off = ItemIdGetRedirect(lp);
			lp = off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page) ?
				PageGetItemId(page, off) : NULL;
		}
		if (lp != NULL && ItemIdIsNormal(lp))
		{
			HeapTupleData tup;
			bool		isnull;
			Datum		value;

			tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
			tup.t_len = ItemIdGetLength(lp);
			tup.t_tableOid = RelationGetRelid(heap);
			ItemPointerSet(&tup.t_self, ItemPointerGetBlockNumber(tid), off);
			value = heap_getattr(&tup, attno, RelationGetDescr(heap), &isnull);
			if (!isnull && VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(value)))
			{
				VARATT_EXTERNAL_GET_POINTER(*out, DatumGetPointer(value));
				found = true;
			}
		}
	}
	UnlockReleaseBuffer(buf);
	return found;
}

/* Publish the distance of c, the row about to be returned. */
static void
publish_row(IndexScanDesc scan, const HnswCandidate *c)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	ScanKey		sk = &scan->orderByData[0];
	struct varatt_external ptr;
	Datum		dist;

	so->pub_rows++;
	if (!heap_value_pointer(scan->heapRelation, so->heap_attno, (ItemPointer) &c->heaptid,
							&ptr))
	{
		if (so->pub_toasted == 0 && so->pub_rows >= HNSW_PUBLISH_PROBE_ROWS)
			so->pub = NULL;
		return;
	}
	so->pub_toasted++;
	if (!HnswReadRowPayload(scan->indexRelation, &so->dist, so->meta.m,
							(ItemPointer) &c->tid, (ItemPointer) &c->heaptid, so->payload) ||
		!so->dist.type->payload_value(&so->dist, so->payload, so->value))
		return;
	dist = FunctionCall2Coll(&sk->sk_func, sk->sk_collation, PointerGetDatum(so->value),
							 sk->sk_argument);
	ScanDistPublish(so->pub, &ptr, DatumGetFloat8(dist));
}

/*
 * The first search: read the metapage, prepare the query vector, search.
 */
static void
first_search(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	MemoryContext oldctx = MemoryContextSwitchTo(so->ctx);

	so->meta = HnswReadMeta(index);
	if (!ItemPointerIsValid(&so->meta.entry))
	{
		so->done = true;
		MemoryContextSwitchTo(oldctx);
		return;
	}

	HnswInitDistance(&so->dist, index, so->meta.dims, so->meta.m);
	HnswCheckMetaType(index, &so->meta, &so->dist);
	so->query = NULL;

	/*
	 * A NULL query orders every row alike (NULL distance); search from the
	 * zero vector so the rows still come back.  A zero query under cosine
	 * stays zero for the same reason.
	 */
	if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL))
	{
		Size		size;

		so->query = so->dist.type->prepare_query(&so->dist,
												 scan->orderByData[0].sk_argument, &size);
	}
	if (so->query == NULL)
		so->query = HnswZeroQuery(&so->dist);
	so->ef = hnsw_ef_search;
	so->mode = hnsw_iterative_scan;
	setup_publisher(scan);
	MemoryContextSwitchTo(oldctx);

	oldctx = MemoryContextSwitchTo(so->searchctx);
	if (so->mode == HNSW_ITERATIVE_SCAN_OFF)
	{
		so->nresults = HnswSearchDisk(index, &so->dist, so->meta.m, so->query,
									  &so->meta.entry, so->meta.entry_level, so->ef,
									  &so->results);
		so->done = true;
	}
	else
	{
		so->results = palloc(sizeof(HnswCandidate) * so->ef);
		if (!HnswStreamStart(index, &so->dist, so->meta.m, so->query, &so->meta.entry,
							 so->meta.entry_level, so->ef, &so->stream))
			so->done = true;
	}
	MemoryContextSwitchTo(oldctx);
}

/*
 * Iterative scans: the next batch of rows.  The search expands further
 * while it has visited fewer than hnsw.max_scan_tuples elements and its
 * memory (all of it: visited set, heaps, batch) is within work_mem *
 * hnsw.scan_mem_multiplier; past either bound it only hands out the rows
 * it saw and had not returned.  Returns false at the end.
 */
static bool
next_batch(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	double		mem_limit = (double) work_mem * 1024.0 * hnsw_scan_mem_multiplier;
	bool		expand;
	MemoryContext oldctx;

	if (so->done)
		return false;
	expand = so->stream.visited.count < (uint32) hnsw_max_scan_tuples &&
		(double) MemoryContextMemAllocated(so->searchctx, true) <= mem_limit;
	oldctx = MemoryContextSwitchTo(so->searchctx);
	so->nresults = HnswStreamNext(scan->indexRelation, &so->dist, so->meta.m, so->query,
								  &so->stream, so->ef, expand, so->results);
	MemoryContextSwitchTo(oldctx);
	so->next = 0;
	if (so->nresults == 0)
		so->done = true;
	return so->nresults > 0;
}

bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (!so->searched)
	{
		/* the search state is only valid under an MVCC snapshot */
		if (!IsMVCCSnapshot(scan->xs_snapshot))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hnsw index scans need an MVCC snapshot")));
		so->searched = true;
		first_search(scan);
		pgstat_count_index_scan(scan->indexRelation);
	}

	for (;;)
	{
		while (so->next < so->nresults)
		{
			HnswCandidate *c = &so->results[so->next++];

			/* a later batch may find a row nearer than one returned */
			if (so->mode == HNSW_ITERATIVE_SCAN_STRICT && so->any_returned &&
				c->dist < so->last_dist)
				continue;
			so->last_dist = c->dist;
			so->any_returned = true;
			scan->xs_heaptid = c->heaptid;
			if (so->pub != NULL)
				publish_row(scan, c);
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			return true;
		}
		if (!next_batch(scan))
			return false;
		CHECK_FOR_INTERRUPTS();
	}
}

void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	MemoryContextDelete(so->searchctx);
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
