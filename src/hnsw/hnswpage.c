/*-------------------------------------------------------------------------
 * hnswpage.c
 *		Page initialization, the metapage (read, checked, its entry
 *		moved), element tuple access and new buffers.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/rel.h"

void
HnswInitPage(Page page, uint16 page_type)
{
	HnswPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(HnswPageOpaqueData));
	opaque = HnswPageGetOpaque(page);
	opaque->page_type = page_type;
	opaque->page_id = HNSW_PAGE_ID;
}

void
HnswInitMetaPage(Page page, int dims, int m, int ef_construction)
{
	HnswMetaPage meta;

	HnswInitPage(page, HNSW_PAGE_META);
	meta = HnswPageGetMeta(page);
	memset(meta, 0, sizeof(HnswMetaPageData));
	meta->magic = HNSW_MAGIC;
	meta->version = HNSW_FORMAT_VERSION;
	meta->dims = dims;
	meta->m = m;
	meta->ef_construction = ef_construction;
	ItemPointerSetInvalid(&meta->entry);
	meta->entry_level = -1;
	/* keep the contents inside pd_lower so WAL images keep them */
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(HnswMetaPageData)) - (char *) page;
}

/* Magic and format version are checked on every read of the metapage. */
void
HnswCheckMetaPage(Relation index, Page page)
{
	HnswMetaPage meta = HnswPageGetMeta(page);

	if (PageIsNew(page) || HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID ||
		HnswPageGetOpaque(page)->page_type != HNSW_PAGE_META ||
		meta->magic != HNSW_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an hnsw index, or its metapage is corrupted",
						RelationGetRelationName(index)),
				 errhint("REINDEX the index.")));
	if (meta->version != HNSW_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has on-disk format version %u, this vecext reads version %d",
						RelationGetRelationName(index), meta->version, HNSW_FORMAT_VERSION),
				 errhint("REINDEX the index.")));
}

HnswMetaPageData
HnswReadMeta(Relation index)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	Page		page;
	HnswMetaPageData meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	HnswCheckMetaPage(index, page);
	meta = *HnswPageGetMeta(page);
	UnlockReleaseBuffer(buf);
	return meta;
}

/* Point the metapage at a new entry element (WAL-logged). */
void
HnswSetEntry(Relation index, ItemPointer entry, int level)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *state;
	Page		page;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	HnswCheckMetaPage(index, page);
	meta = HnswPageGetMeta(page);
	meta->entry = *entry;
	meta->entry_level = level;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * The element tuple at off, or NULL when there is none there (a link may
 * outlive the element it pointed to: vacuum frees elements, and the slot can
 * be reused).  The caller holds a lock on the page.
 */
HnswElementTuple
HnswGetElementTuple(Page page, OffsetNumber off)
{
	ItemId		iid;
	HnswElementTuple tup;

	if (PageIsNew(page) || HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID ||
		HnswPageGetOpaque(page)->page_type != HNSW_PAGE_ELEMENT)
		return NULL;
	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid))
		return NULL;
	tup = (HnswElementTuple) PageGetItem(page, iid);
	if (tup->type != HNSW_ELEMENT_TUPLE)
		return NULL;
	return tup;
}

/* A new, pinned and exclusively locked buffer at the end of the fork. */
Buffer
HnswNewBuffer(Relation index, ForkNumber fork)
{
	Buffer		buf;
	bool		needlock = !RELATION_IS_LOCAL(index);

	if (needlock)
		LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (needlock)
		UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

/* Highest level whose element tuple still fits on a page. */
int
HnswMaxLevelForDims(int m, int dims)
{
	int			level = 0;

	while (level < HNSW_MAX_LEVEL &&
		   MAXALIGN(HnswElementTupleSize(m, level + 1, dims)) <= HNSW_MAX_TUPLE_SIZE)
		level++;
	return level;
}

void
HnswCheckDimsFit(int m, int dims)
{
	if (MAXALIGN(HnswElementTupleSize(m, 0, dims)) > HNSW_MAX_TUPLE_SIZE)
	{
		int			maxdims = dims;

		while (maxdims > 0 && MAXALIGN(HnswElementTupleSize(m, 0, maxdims)) > HNSW_MAX_TUPLE_SIZE)
			maxdims--;
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vectors of %d dimensions are too large for an hnsw index with m = %d",
						dims, m),
				 errdetail("An hnsw index with m = %d holds vectors of at most %d dimensions.",
						   m, maxdims)));
	}
}
