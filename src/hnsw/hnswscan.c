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

#include "access/relscan.h"
#include "pgstat.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

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
	MemoryContextReset(so->searchctx);
	MemoryContextReset(so->ctx);
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
