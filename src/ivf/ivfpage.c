/*-------------------------------------------------------------------------
 * ivfpage.c
 *		ivfflat pages: initializing them, reading the metapage and the
 *		centers, the element type of an index and what fits on a page.
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfflat.h"

#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

void
IvfInitPage(Page page, uint16 page_type)
{
	IvfPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(IvfPageOpaqueData));
	opaque = IvfPageGetOpaque(page);
	opaque->next = InvalidBlockNumber;
	opaque->page_type = page_type;
	opaque->page_id = IVF_PAGE_ID;
}

static void
check_page(Relation index, Page page, BlockNumber blkno, uint16 page_type)
{
	IvfPageOpaque opaque = IvfPageGetOpaque(page);

	if (PageIsNew(page) || PageGetSpecialSize(page) != MAXALIGN(sizeof(IvfPageOpaqueData)) ||
		opaque->page_id != IVF_PAGE_ID || opaque->page_type != page_type)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ivfflat index \"%s\" has a corrupted page at block %u",
						RelationGetRelationName(index), blkno),
				 errhint("REINDEX the index.")));
}

IvfMetaPageData
IvfReadMeta(Relation index)
{
	Buffer		buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	Page		page;
	IvfMetaPageData meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	check_page(index, page, IVF_METAPAGE_BLKNO, IVF_PAGE_META);
	meta = *IvfPageGetMeta(page);
	UnlockReleaseBuffer(buf);
	if (meta.magic != IVF_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an ivfflat index, or its metapage is corrupted",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
	if (meta.version != IVF_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has on-disk format version %u, this vecext reads version %d",
						RelationGetRelationName(index), meta.version, IVF_FORMAT_VERSION),
				 errhint("REINDEX the index.")));
	return meta;
}

/*
 * The element type and metric of an ivfflat index, from its opclass (the
 * seam is hnsw's).  Lists are k-means clusters: they need a metric whose
 * centroid means something, and payloads of one fixed size.
 */
void
IvfInitDistance(HnswDistance *d, Relation index, int dims)
{
	HnswInitDistance(d, index, dims, 0);
	if (d->type->id == HNSW_TYPE_SPARSEVEC || d->min_payload != d->max_payload ||
		d->metric == HNSW_METRIC_L1 || d->metric == HNSW_METRIC_JACCARD)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ivfflat does not support this operator class for type %s",
						d->type->name)));
}

void
IvfCheckMeta(Relation index, const IvfMetaPageData *meta, const HnswDistance *d)
{
	if (meta->element_type != d->type->id || meta->metric != d->metric ||
		meta->payload_size != d->max_payload)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ivfflat index \"%s\" was built for another element type or distance than its operator class has",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
}

/* A center tuple and an entry must each fit on one page. */
void
IvfCheckPayloadFits(const HnswDistance *d)
{
	Size		room = IVF_MAX_ITEM_SIZE - offsetof(IvfCenterTupleData, payload);
	bool		bits = d->type->id == HNSW_TYPE_BIT;
	int			maxdims;
	const char *what;
	const char *unit;

	if (d->max_payload <= room)
		return;
	maxdims = bits ? (int) (room * 8) : (int) (room / (d->max_payload / d->dims));
	what = d->type->id == HNSW_TYPE_VECTOR ? "vectors" : psprintf("%s values", d->type->name);
	unit = bits ? "bits" : "dimensions";
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s of %d %s are too large for an ivfflat index", what, d->dims, unit),
			 errdetail("An ivfflat index holds %s of at most %d %s.", what, maxdims, unit)));
}

/*
 * Every list of the index, with its distance from q (the center's), in
 * list order; out has room for meta->lists, and payloads, unless NULL, for
 * as many centers (copied there).  Returns how many were read.
 */
int
IvfReadLists(Relation index, const IvfMetaPageData *meta, const HnswDistance *d,
			 const void *q, IvfList *out, char *payloads)
{
	int			n = 0;

	for (BlockNumber blkno = IVF_FIRST_CENTER_BLKNO;
		 blkno < IVF_FIRST_CENTER_BLKNO + meta->center_pages; blkno++)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;
		OffsetNumber maxoff;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		check_page(index, page, blkno, IVF_PAGE_CENTER);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff && n < (int) meta->lists; off++)
		{
			IvfCenterTuple ct = (IvfCenterTuple) PageGetItem(page, PageGetItemId(page, off));

			out[n].dist = q ? HnswDist(d, q, ct->payload) : 0;
			out[n].list = n;
			out[n].start = ct->start;
			out[n].insert = ct->insert;
			out[n].center_blkno = blkno;
			out[n].center_off = off;
			if (payloads)
				memcpy(HnswPayloadAt(d, payloads, n), ct->payload, d->max_payload);
			n++;
		}
		UnlockReleaseBuffer(buf);
	}
	if (n != (int) meta->lists)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ivfflat index \"%s\" has %d centers, its metapage says %u",
						RelationGetRelationName(index), n, meta->lists),
				 errhint("REINDEX the index.")));
	return n;
}

/* Nearest center first; ties by list number, so the order is stable. */
int
IvfListCmp(const void *a, const void *b)
{
	const IvfList *x = a;
	const IvfList *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return x->list - y->list;
}

/* A list page, checked, for the reader of a list's chain. */
void
IvfCheckListPage(Relation index, Page page, BlockNumber blkno)
{
	check_page(index, page, blkno, IVF_PAGE_LIST);
}

/* Point a list's inserts at blkno (WAL-logged). */
void
IvfSetInsertPage(Relation index, const IvfList *list, BlockNumber blkno)
{
	Buffer		buf = ReadBuffer(index, list->center_blkno);
	GenericXLogState *state;
	Page		page;
	IvfCenterTuple ct;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	ct = (IvfCenterTuple) PageGetItem(page, PageGetItemId(page, list->center_off));
	ct->insert = blkno;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * The centers as a scan needs them, kept in the relcache entry
 * (rd_amcache) so that each scan compares the query with local copies
 * instead of reading every center page.  The centers never change after
 * the build, and a list's first page, once it has one, neither; a list
 * still empty is read afresh.  A REINDEX or TRUNCATE gives the index a new
 * relfilenode, which drops the relcache entry's cache with it.  Indexes
 * whose centers take more than IVF_CENTER_CACHE_BYTES are read each time.
 *
 * The cache also remembers, for each block the index had when it was made,
 * the shared buffer a scan last found it in: ReadRecentBuffer() then pins
 * it after checking that buffer's tag, without the lookup in the shared
 * buffer mapping table (a few cache misses per page, a fifth of a scan's
 * time on a large shared_buffers).  A hint only: when the buffer holds
 * another page since, the page is read the usual way.
 */
#define IVF_CENTER_CACHE_BYTES	(16 * 1024 * 1024)

typedef struct IvfCenterCache
{
	IvfMetaPageData meta;		/* of the index the cache was made from */
	IvfList    *lists;			/* in list order; dist and insert unused */
	char	   *payloads;		/* meta.lists payloads of meta.payload_size */
	Buffer	   *recent;			/* by block: the buffer it was last read into */
	BlockNumber nrecent;
} IvfCenterCache;

static IvfCenterCache *
center_cache(Relation index, const IvfMetaPageData *meta, const HnswDistance *d)
{
	IvfCenterCache *cache = (IvfCenterCache *) index->rd_amcache;
	IvfList    *lists;
	char	   *payloads;
	int			n;

	if (cache != NULL && memcmp(&cache->meta, meta, sizeof(IvfMetaPageData)) == 0)
		return cache;
	if ((double) meta->lists * (d->max_payload + sizeof(IvfList)) > IVF_CENTER_CACHE_BYTES)
		return NULL;

	/* read into scan memory first: an error on the way leaves no cache */
	lists = palloc(sizeof(IvfList) * meta->lists);
	payloads = palloc((Size) meta->lists * d->max_payload);
	n = IvfReadLists(index, meta, d, NULL, lists, payloads);

	if (cache != NULL)
	{
		pfree(cache->lists);
		pfree(cache->payloads);
		pfree(cache->recent);
		pfree(cache);
		index->rd_amcache = NULL;
	}
	cache = MemoryContextAlloc(index->rd_indexcxt, sizeof(IvfCenterCache));
	cache->meta = *meta;
	cache->lists = MemoryContextAlloc(index->rd_indexcxt, sizeof(IvfList) * n);
	memcpy(cache->lists, lists, sizeof(IvfList) * n);
	cache->payloads = MemoryContextAlloc(index->rd_indexcxt, (Size) n * d->max_payload);
	memcpy(cache->payloads, payloads, (Size) n * d->max_payload);
	cache->nrecent = Min(RelationGetNumberOfBlocks(index), IVF_CENTER_CACHE_BYTES / sizeof(Buffer));
	cache->recent = MemoryContextAllocZero(index->rd_indexcxt, sizeof(Buffer) * cache->nrecent);
	pfree(lists);
	pfree(payloads);
	index->rd_amcache = cache;
	return cache;
}

/*
 * What a scan needs of every list (its distance from q and its first
 * page; insert as it was when cached), in list order, from the cache above
 * when it can.
 * Returns how many lists there are.
 */
int
IvfScanLists(Relation index, const IvfMetaPageData *meta, const HnswDistance *d,
			 const void *q, IvfList *out)
{
	IvfCenterCache *cache = center_cache(index, meta, d);

	if (cache == NULL)
		return IvfReadLists(index, meta, d, q, out, NULL);
	for (int i = 0; i < (int) meta->lists; i++)
	{
		IvfList    *l = &cache->lists[i];

		if (!BlockNumberIsValid(l->start))
		{
			/* empty when cached: an insert may have given it a page since */
			Buffer		buf = ReadBuffer(index, l->center_blkno);
			Page		page;

			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			check_page(index, page, l->center_blkno, IVF_PAGE_CENTER);
			l->start = ((IvfCenterTuple) PageGetItem(page, PageGetItemId(page, l->center_off)))->start;
			UnlockReleaseBuffer(buf);
		}
		out[i] = *l;
		out[i].dist = q ? HnswDist(d, q, HnswPayloadAt(d, cache->payloads, i)) : 0;
	}
	return (int) meta->lists;
}

/*
 * Pin and share-lock list page blkno of an index a scan reads (after
 * IvfScanLists), through the cache's buffer hint when it has one.
 */
Buffer
IvfReadListPage(Relation index, BlockNumber blkno)
{
	IvfCenterCache *cache = (IvfCenterCache *) index->rd_amcache;
	Buffer		buf;

	if (cache == NULL || blkno >= cache->nrecent)
		buf = ReadBuffer(index, blkno);
	else if (!BufferIsValid(cache->recent[blkno]) ||
			 !VecextReadRecentBuffer(index, blkno, cache->recent[blkno]))
		buf = cache->recent[blkno] = ReadBuffer(index, blkno);
	else
		buf = cache->recent[blkno];
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	return buf;
}

/*
 * Ask for list page blkno ahead of IvfReadListPage: when the cache has no
 * buffer for it, a prefetch (an I/O hint if the page is not in shared
 * buffers; its buffer becomes the hint if it is).
 */
void
IvfPrefetchListPage(Relation index, BlockNumber blkno)
{
	IvfCenterCache *cache = (IvfCenterCache *) index->rd_amcache;
	PrefetchBufferResult r;

	if (cache != NULL && blkno < cache->nrecent && BufferIsValid(cache->recent[blkno]))
		return;
	r = PrefetchBuffer(index, MAIN_FORKNUM, blkno);
	if (cache != NULL && blkno < cache->nrecent)
		cache->recent[blkno] = r.recent_buffer;
}
