/*-------------------------------------------------------------------------
 * hnswscan.c
 *		Index scans: ORDER BY col <op> constant, nearest first.
 *
 * The first amgettuple runs the whole search (greedy descent, then a
 * best-first search of layer 0 bounded by hnsw.ef_search) and keeps the
 * results sorted; later calls hand them out one by one.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "access/relscan.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "types/vector.h"

typedef struct HnswScanOpaqueData
{
	bool		searched;
	HnswCandidate *results;		/* nearest first */
	int			nresults;
	int			next;
	MemoryContext ctx;			/* per-search memory */
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque so = palloc0(sizeof(HnswScanOpaqueData));

	so->ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan",
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
	so->results = NULL;
	so->nresults = 0;
	so->next = 0;
	MemoryContextReset(so->ctx);
}

static void
search(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	HnswMetaPageData meta = HnswReadMeta(index);
	HnswDistance dist;
	float	   *q;

	if (!ItemPointerIsValid(&meta.entry))
		return;

	HnswInitDistance(&dist, index, meta.dims);
	q = palloc0(sizeof(float) * meta.dims);

	/*
	 * A NULL query orders every row alike (NULL distance); search from the
	 * zero vector so the rows still come back.  A zero query under cosine
	 * stays zero for the same reason.
	 */
	if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL))
	{
		Vector	   *v = DatumGetVector(scan->orderByData[0].sk_argument);

		VecextCheckSameDimsCount(meta.dims, v->dim);
		HnswPrepareVector(&dist, v->x, q);
	}

	so->nresults = HnswSearchDisk(index, &dist, meta.m, q, &meta.entry, meta.entry_level,
								  hnsw_ef_search, &so->results);
}

bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (!so->searched)
	{
		MemoryContext oldctx;

		/* the search state is only valid under an MVCC snapshot */
		if (!IsMVCCSnapshot(scan->xs_snapshot))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hnsw index scans need an MVCC snapshot")));
		oldctx = MemoryContextSwitchTo(so->ctx);
		search(scan);
		MemoryContextSwitchTo(oldctx);
		so->searched = true;
		pgstat_count_index_scan(scan->indexRelation);
	}

	if (so->next >= so->nresults)
		return false;

	scan->xs_heaptid = so->results[so->next++].heaptid;
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	return true;
}

void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
