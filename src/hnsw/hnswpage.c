/*-------------------------------------------------------------------------
 * hnswpage.c
 *		Page initialization, the metapage (read, checked, its entry
 *		moved), element tuple access and new buffers.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

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
HnswInitMetaPage(Page page, int dims, int m, int ef_construction, const HnswDistance *d)
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
	meta->element_type = d->type->id;
	meta->metric = d->metric;
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
HnswMaxLevelForPayload(int m, Size payload_size)
{
	int			level = 0;

	while (level < HNSW_MAX_LEVEL &&
		   MAXALIGN(HnswElementTupleSize(m, level + 1, payload_size)) <= HNSW_MAX_TUPLE_SIZE)
		level++;
	return level;
}

/* Room for an element tuple: PageAddItem MAXALIGNs it. */
#define HNSW_TUPLE_ROOM		TYPEALIGN_DOWN(MAXIMUM_ALIGNOF, HNSW_MAX_TUPLE_SIZE)

/*
 * Largest payload an element can carry with this m: one of level 0 whose
 * layer 0 keeps only HNSW_MIN_LINKS0(m) link slots.
 */
Size
HnswMaxPayload(int m)
{
	return HNSW_TUPLE_ROOM - HnswElementTupleSize0(HNSW_MIN_LINKS0(m), m, 0, 0);
}

/*
 * Link slots on layer 0 of an element with this payload: 2m when they fit
 * beside it on a page, else as many as fit (at least HNSW_MIN_LINKS0(m);
 * HnswCheckPayloadFits rejects larger payloads first).  Such an element
 * has level 0: a level above would need its 2m slots too.
 */
int
HnswLinks0ForPayload(int m, Size payload_size)
{
	int			links0 = HnswLayerCapacity(m, 0);

	while (links0 > HNSW_MIN_LINKS0(m) &&
		   HnswElementTupleSize0(links0, m, 0, payload_size) > HNSW_TUPLE_ROOM)
		links0--;
	return links0;
}

/*
 * An element must fit on one page.  The message speaks of dimensions for
 * the dense types (payload = dims x element size) and of bytes otherwise.
 */
void
HnswCheckPayloadFits(const HnswDistance *d, Size payload_size)
{
	int			m = d->m;
	Size		max = HnswMaxPayload(m);

	if (payload_size <= max)
		return;
	if (d->type->id == HNSW_TYPE_VECTOR || d->type->id == HNSW_TYPE_HALFVEC ||
		d->type->id == HNSW_TYPE_BIT)
	{
		/* fixed-size elements: say it in dimensions */
		/* dimensions per payload byte: 8 bits, or 1/4 and 1/2 of an element */
		bool		bits = d->type->id == HNSW_TYPE_BIT;
		int			maxdims = bits ? (int) (max * 8) : (int) (max / (d->max_payload / d->dims));
		const char *what = d->type->id == HNSW_TYPE_VECTOR ? "vectors" :
			psprintf("%s values", d->type->name);
		const char *unit = bits ? "bits" : "dimensions";

		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s of %d %s are too large for an hnsw index with m = %d",
						what, d->dims, unit, m),
				 errdetail("An hnsw index with m = %d holds %s of at most %d %s.",
						   m, what, maxdims, unit)));
	}
	if (d->type->id == HNSW_TYPE_SPARSEVEC)
	{
		/* int32 count, then an int32 index and a float4 value per non-zero */
		Size		per = sizeof(int32) + sizeof(float);

		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec with %zu non-zero elements is too large for an hnsw index with m = %d",
						(payload_size - sizeof(int32)) / per, m),
				 errdetail("An hnsw index with m = %d holds sparsevec values of at most %zu non-zero elements.",
						   m, (max - sizeof(int32)) / per)));
	}
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s value of %zu bytes is too large for an hnsw index with m = %d",
					d->type->name, payload_size, m),
			 errdetail("An hnsw index with m = %d holds elements of at most %zu bytes.",
					   m, max)));
}
