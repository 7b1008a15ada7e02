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
 * list order; out has room for meta->lists.  Returns how many were read.
 */
int
IvfReadLists(Relation index, const IvfMetaPageData *meta, const HnswDistance *d,
			 const void *q, IvfList *out)
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
