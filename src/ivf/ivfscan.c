/*-------------------------------------------------------------------------
 * ivfscan.c
 *		ivfflat index scans: ORDER BY col <op> constant, nearest first.
 *
 * The first amgettuple compares the query with every center, probes the
 * ivfflat.probes nearest lists (every entry of each, compared straight
 * from the page bytes, the next page of the list prefetched while one is
 * read) and keeps what it found in a min-heap, popped a row at a time.  With ivfflat.iterative_scan =
 * relaxed_order, once those rows are used up and the executor still asks,
 * the scan probes the next ivfflat.probes lists, and so on up to
 * ivfflat.max_probes lists in all; each batch comes in distance order, so
 * a row of a later batch may be nearer than one already returned.
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfflat.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

typedef struct IvfHit
{
	float		dist;
	ItemPointerData heaptid;
} IvfHit;

typedef struct IvfScanOpaqueData
{
	bool		started;
	bool		done;
	int			mode;			/* ivfflat.iterative_scan when the scan began */
	int			probes;
	int			max_probes;
	IvfMetaPageData meta;
	HnswDistance dist;
	void	   *query;
	IvfList    *lists;			/* every list, nearest center first */
	int			nlists;
	int			probed;			/* lists probed so far */
	IvfHit	   *hits;			/* the current batch: a min-heap */
	int			nhits;
	int			cap;
	MemoryContext ctx;
} IvfScanOpaqueData;

typedef IvfScanOpaqueData *IvfScanOpaque;

IndexScanDesc
ivfflatbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque so = palloc0(sizeof(IvfScanOpaqueData));

	so->ctx = AllocSetContextCreate(CurrentMemoryContext, "ivfflat scan",
									ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

void
ivfflatrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	so->started = false;
	so->done = false;
	so->nhits = 0;
	so->hits = NULL;
	so->cap = 0;
	MemoryContextReset(so->ctx);
}

/* a before b: nearer, or as near and a lower heap TID (a stable order) */
static inline bool
hit_before(const IvfHit *a, const IvfHit *b)
{
	if (a->dist != b->dist)
		return a->dist < b->dist;
	return ItemPointerCompare((ItemPointer) &a->heaptid, (ItemPointer) &b->heaptid) < 0;
}

/* Restore the min-heap order of hits[0..n) below slot i. */
static void
sift_down(IvfHit *hits, int n, int i)
{
	IvfHit		x = hits[i];

	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && hit_before(&hits[c + 1], &hits[c]))
			c++;
		if (!hit_before(&hits[c], &x))
			break;
		hits[i] = hits[c];
		i = c;
	}
	hits[i] = x;
}

/* Every entry of one list, appended to so->hits. */
static void
probe_list(IndexScanDesc scan, const IvfList *list)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	BlockNumber blkno = list->start;
	Size		esize = IvfEntryTupleSize(so->dist.max_payload);

	while (BlockNumberIsValid(blkno))
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		buf = IvfReadListPage(index, blkno);
		page = BufferGetPage(buf);
		IvfCheckListPage(index, page, blkno);
		next = IvfPageGetOpaque(page)->next;
		if (BlockNumberIsValid(next))
			IvfPrefetchListPage(index, next);
		maxoff = PageGetMaxOffsetNumber(page);
		if (so->nhits + maxoff > so->cap)
		{
			so->cap = Max(so->cap * 2, so->nhits + maxoff + 64);
			so->hits = repalloc_huge(so->hits, sizeof(IvfHit) * so->cap);
		}
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			IvfEntryTuple et;

			if (!ItemIdIsUsed(iid) || ItemIdGetLength(iid) != esize)
				continue;
			et = (IvfEntryTuple) PageGetItem(page, iid);
			so->hits[so->nhits].dist = HnswDist(&so->dist, so->query, et->payload);
			so->hits[so->nhits].heaptid = et->heaptid;
			so->nhits++;
		}
		UnlockReleaseBuffer(buf);
		blkno = next;
	}
}

/* The next batch: the next lists by center distance. False at the end. */
static bool
next_batch(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	MemoryContext oldctx;
	int			n;

	if (so->done)
		return false;
	oldctx = MemoryContextSwitchTo(so->ctx);
	so->nhits = 0;
	while (so->nhits == 0 && !so->done)
	{
		n = Min(so->probes, so->max_probes - so->probed);
		n = Min(n, so->nlists - so->probed);
		for (int i = 0; i < n; i++)
			probe_list(scan, &so->lists[so->probed + i]);
		so->probed += n;
		if (so->mode == IVF_ITERATIVE_SCAN_OFF || so->probed >= so->max_probes ||
			so->probed >= so->nlists)
			so->done = true;
	}
	MemoryContextSwitchTo(oldctx);
	/* a min-heap, popped a row at a time: under LIMIT k, O(n + k log n) */
	for (int i = so->nhits / 2 - 1; i >= 0; i--)
		sift_down(so->hits, so->nhits, i);
	return so->nhits > 0;
}

/* The first call: the metapage, the query, every center's distance. */
static void
start_scan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	MemoryContext oldctx = MemoryContextSwitchTo(so->ctx);

	so->meta = IvfReadMeta(index);
	IvfInitDistance(&so->dist, index, so->meta.dims);
	IvfCheckMeta(index, &so->meta, &so->dist);
	so->mode = ivf_iterative_scan;
	so->probes = ivf_probes;
	so->max_probes = so->mode == IVF_ITERATIVE_SCAN_OFF ? ivf_probes : Max(ivf_max_probes,
																		   ivf_probes);

	/* a NULL query (NULL distances: any order) searches from zero */
	so->query = NULL;
	if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL))
	{
		Size		size;

		so->query = so->dist.type->prepare_query(&so->dist, scan->orderByData[0].sk_argument,
												 &size);
	}
	if (so->query == NULL)
		so->query = HnswZeroQuery(&so->dist);

	so->lists = palloc(sizeof(IvfList) * so->meta.lists);
	so->nlists = IvfScanLists(index, &so->meta, &so->dist, so->query, so->lists);
	qsort(so->lists, so->nlists, sizeof(IvfList), IvfListCmp);
	so->probed = 0;
	so->hits = palloc(sizeof(IvfHit) * 64);
	so->cap = 64;
	MemoryContextSwitchTo(oldctx);
}

bool
ivfflatgettuple(IndexScanDesc scan, ScanDirection dir)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	if (!so->started)
	{
		if (!IsMVCCSnapshot(scan->xs_snapshot))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ivfflat index scans need an MVCC snapshot")));
		so->started = true;
		start_scan(scan);
		pgstat_count_index_scan(scan->indexRelation);
	}
	for (;;)
	{
		if (so->nhits > 0)
		{
			scan->xs_heaptid = so->hits[0].heaptid;
			so->hits[0] = so->hits[--so->nhits];
			if (so->nhits > 1)
				sift_down(so->hits, so->nhits, 0);
			scan->xs_recheck = false;
			scan->xs_recheckorderby = false;
			return true;
		}
		if (!next_batch(scan))
			return false;
	}
}

void
ivfflatendscan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
