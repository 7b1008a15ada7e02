/*-------------------------------------------------------------------------
 * hnswscan.c
 *		Index scans: ORDER BY col <op> constant, nearest first.
 *
 * The first amgettuple runs the whole search (greedy descent, then a
 * best-first search of layer 0 bounded by hnsw.ef_search) and keeps the
 * results sorted; later calls hand them out one by one.  With
 * hnsw.iterative_scan on, a scan whose rows are used up searches again,
 * wider, and hands out the rows it had not returned yet.
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
	bool		done;			/* no further search will be run */
	HnswCandidate *results;		/* of the last search, nearest first */
	int			nresults;
	int			next;
	int			ef;				/* of the last search */
	int			nvisited;		/* elements the last search visited */
	float		last_dist;		/* of the last row returned */
	HnswVisited returned;		/* heap TIDs returned (iterative scans) */
	bool		tracking;		/* returned is in use */
	void	   *query;			/* prepared query, NULL: the entry has none */
	HnswDistance dist;
	HnswMetaPageData meta;
	MemoryContext ctx;			/* the scan's memory, reset by rescan */
	MemoryContext searchctx;	/* one search's memory (not a child of ctx:
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
	so->tracking = false;
	so->query = NULL;
	MemoryContextReset(so->searchctx);
	MemoryContextReset(so->ctx);
}

/* One search with so->ef, its results replacing the last ones. */
static void
run_search(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext oldctx;

	MemoryContextReset(so->searchctx);
	oldctx = MemoryContextSwitchTo(so->searchctx);
	so->nresults = HnswSearchDisk(scan->indexRelation, &so->dist, so->meta.m, so->query,
								  &so->meta.entry, so->meta.entry_level, so->ef,
								  &so->results, &so->nvisited);
	MemoryContextSwitchTo(oldctx);
	so->next = 0;
}

/*
 * The first search: read the metapage, prepare the query vector.
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

	HnswInitDistance(&so->dist, index, so->meta.dims);
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
	MemoryContextSwitchTo(oldctx);

	so->ef = hnsw_ef_search;
	run_search(scan);
	if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF)
		so->done = true;
}

/*
 * Bytes a search with this ef sets aside up front: the visited set (eight
 * bytes a slot, at least 8 * ef * m slots) and the candidate heaps.
 */
static double
search_memory(int ef, int m)
{
	return 64.0 * ef * m + 4.0 * ef * sizeof(HnswCandidate);
}

/*
 * Iterative scans: the rows of the last search are used up and the
 * executor wants more (a filter or a join threw rows away).  Search again
 * with twice the ef; rows already returned are skipped, and under
 * strict_order so are rows nearer than the last one returned.  The scan
 * ends when a search has visited hnsw.max_scan_tuples elements, when the
 * next one would need more than work_mem * hnsw.scan_mem_multiplier, or
 * when widening no longer reaches new elements.  Returns false at the end.
 */
static bool
next_search(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	double		mem_limit = (double) work_mem * 1024.0 * hnsw_scan_mem_multiplier;
	int			ef;
	int			prev_visited = so->nvisited;

	if (so->done || so->nvisited >= hnsw_max_scan_tuples)
		return false;
	ef = so->ef > INT_MAX / 2 ? INT_MAX : so->ef * 2;
	if (search_memory(ef, so->meta.m) > mem_limit)
		return false;

	so->ef = ef;
	run_search(scan);
	if (so->nvisited <= prev_visited)
		so->done = true;		/* the whole reachable graph was seen */
	return true;
}

/* Remember a returned row, for the searches that may follow. */
static void
remember(HnswScanOpaque so, HnswCandidate *c)
{
	MemoryContext oldctx;

	so->last_dist = c->dist;
	if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF || so->done)
		return;
	oldctx = MemoryContextSwitchTo(so->ctx);
	if (!so->tracking)
	{
		HnswVisitedInit(&so->returned, so->ef * 2);
		so->tracking = true;
	}
	HnswVisitedAdd(&so->returned, &c->heaptid);
	MemoryContextSwitchTo(oldctx);
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

			if (so->tracking)
			{
				if (HnswVisitedContains(&so->returned, &c->heaptid))
					continue;
				if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_STRICT &&
					c->dist < so->last_dist)
					continue;
			}
			remember(so, c);
			scan->xs_heaptid = c->heaptid;
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			return true;
		}
		if (!next_search(scan))
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
