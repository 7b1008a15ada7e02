/*-------------------------------------------------------------------------
 * hnswpage.c
 *		Page initialization, the metapage (read, checked, its entry
 *		moved), element tuple access, what fits an element, new buffers
 *		and placing a tuple on a page with room.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
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
 * The tuple at off of an element page, or NULL when the page is no element
 * page or holds nothing there (a link may outlive the element it pointed
 * to: vacuum frees elements, and the slot can be reused).  The caller holds
 * a lock on the page.
 */
static char *
element_page_item(Page page, OffsetNumber off)
{
	ItemId		iid;

	if (PageIsNew(page) || HnswPageGetOpaque(page)->page_id != HNSW_PAGE_ID ||
		HnswPageGetOpaque(page)->page_type != HNSW_PAGE_ELEMENT)
		return NULL;
	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid))
		return NULL;
	return (char *) PageGetItem(page, iid);
}

/* The element tuple at off of a locked page, or NULL. */
HnswElementTuple
HnswGetElementTuple(Page page, OffsetNumber off)
{
	HnswElementTuple tup = (HnswElementTuple) element_page_item(page, off);

	return tup != NULL && tup->type == HNSW_ELEMENT_TUPLE ? tup : NULL;
}

/*
 * Form in tup (room for it) an element tuple of the given level and
 * layer-0 slots, with head_size bytes of payload (of payload_size) and next
 * its first chunk (invalid when there is none); its link counts are 0, for
 * the caller to fill with the lists.  Returns the tuple's size.
 */
Size
HnswFormElement(HnswElementTuple tup, int m, int level, int links0, ItemPointer heaptid,
				const void *payload, Size payload_size, Size head_size, ItemPointer next)
{
	Size		size = HnswElementTupleSize0(links0, m, level, head_size);

	memset(tup, 0, size);
	tup->type = HNSW_ELEMENT_TUPLE;
	tup->level = level;
	tup->links0 = links0;
	tup->heaptid = *heaptid;
	tup->payload_size = payload_size;
	tup->head_size = head_size;
	tup->next = *next;
	memcpy(HnswElementPayload(tup, m), payload, head_size);
	return size;
}

/* The chunk tuple at off of a locked page, or NULL. */
HnswChunkTuple
HnswGetChunkTuple(Page page, OffsetNumber off)
{
	HnswChunkTuple c = (HnswChunkTuple) element_page_item(page, off);

	return c != NULL && c->type == HNSW_CHUNK_TUPLE ? c : NULL;
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

/*
 * Highest level whose element tuple still fits on a page: with its whole
 * payload, or for a payload that may span pages (span) with its first
 * HNSW_SPAN_MIN_HEAD bytes.
 */
int
HnswMaxLevelForPayload(int m, bool span, Size payload_size)
{
	int			level = 0;

	if (span)
		payload_size = Min(payload_size, HNSW_SPAN_MIN_HEAD);
	while (level < HNSW_MAX_LEVEL &&
		   MAXALIGN(HnswElementTupleSize(m, level + 1, payload_size)) <= HNSW_MAX_TUPLE_SIZE)
		level++;
	return level;
}

/*
 * Largest payload an element that must fit on a page (no span) can carry
 * with this m: one of level 0 whose layer 0 keeps only HNSW_MIN_LINKS0(m)
 * link slots.
 */
Size
HnswMaxPayload(int m)
{
	return HNSW_TUPLE_ROOM - HnswElementTupleSize0(HNSW_MIN_LINKS0(m), m, 0, 0);
}

/*
 * Link slots on layer 0 of an element with this payload: 2m when they fit
 * beside it on a page or the payload may span pages, else as many as fit
 * (at least HNSW_MIN_LINKS0(m); HnswCheckPayloadFits rejects larger
 * payloads first).  Such an element has level 0: a level above would need
 * its 2m slots too.
 */
int
HnswLinks0ForPayload(int m, bool span, Size payload_size)
{
	int			links0 = HnswLayerCapacity(m, 0);

	if (span)
		return links0;
	while (links0 > HNSW_MIN_LINKS0(m) &&
		   HnswElementTupleSize0(links0, m, 0, payload_size) > HNSW_TUPLE_ROOM)
		links0--;
	return links0;
}

/*
 * A payload must fit what the index can hold: HNSW_MAX_SPAN_PAYLOAD bytes
 * for the types whose payloads span pages, one page otherwise.  The message
 * speaks of dimensions for the dense types (payload = dims x element size)
 * and of bytes otherwise.
 */
void
HnswCheckPayloadFits(const HnswDistance *d, Size payload_size)
{
	int			m = d->m;
	Size		max = d->span ? HNSW_MAX_SPAN_PAYLOAD : HnswMaxPayload(m);

	if (payload_size <= max)
		return;
	if (d->span)
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
				 errmsg("%s of %d %s are too large for an hnsw index",
						what, d->dims, unit),
				 errdetail("An hnsw index holds %s of at most %d %s.",
						   what, maxdims, unit)));
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

/*
 * What the free space map can be asked for: it keeps free space in steps
 * of BLCKSZ / 256 bytes, rounding what a page has down and what a request
 * needs up, so a request for the room of an empty page would never match.
 * Ask for at most what it records for one; the page itself says the rest.
 */
static Size
fsm_request(Size need)
{
	Size		empty = HNSW_MAX_TUPLE_SIZE;	/* PageGetFreeSpace of an empty page */

	return Min(need, empty - empty % (BLCKSZ / 256));
}

/*
 * An exclusively locked element page with room for a tuple of need bytes
 * (MAXALIGNed, at most HNSW_TUPLE_ROOM): one the FSM knows, the last one,
 * or, when extend, a new one (*isnew: the caller initializes it, in its
 * WAL record); else InvalidBuffer.
 */
Buffer
HnswPageWithRoom(Relation index, Size need, bool extend, bool *isnew)
{
	BlockNumber blkno;
	Buffer		buf;
	BlockNumber nblocks;

	*isnew = false;
	blkno = GetPageWithFreeSpace(index, fsm_request(need + sizeof(ItemIdData)));
	nblocks = RelationGetNumberOfBlocks(index);
	if (blkno == InvalidBlockNumber && nblocks > HNSW_FIRST_ELEMENT_BLKNO)
		blkno = nblocks - 1;

	while (blkno != InvalidBlockNumber && blkno >= HNSW_FIRST_ELEMENT_BLKNO &&
		   blkno < nblocks)
	{
		Page		page;
		Size		freespace;

		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (!PageIsNew(page) && HnswPageGetOpaque(page)->page_type == HNSW_PAGE_ELEMENT &&
			PageGetFreeSpace(page) >= need)
			return buf;
		freespace = PageIsNew(page) ? 0 : PageGetFreeSpace(page);
		UnlockReleaseBuffer(buf);
		/* tell the FSM what is really there, and ask again */
		blkno = RecordAndGetPageWithFreeSpace(index, blkno, freespace,
											  fsm_request(need + sizeof(ItemIdData)));
	}
	if (!extend)
		return InvalidBuffer;
	*isnew = true;
	return HnswNewBuffer(index, MAIN_FORKNUM);
}

/*
 * Add item (size bytes) to buf, locked by HnswPageWithRoom, in one WAL
 * record, and let go of the page; returns the item's TID.  What a new page
 * has left goes to the FSM, for the next tuples.
 */
ItemPointerData
HnswAddToPage(Relation index, Buffer buf, bool isnew, const void *item, Size size)
{
	GenericXLogState *state = GenericXLogStart(index);
	Page		page;
	OffsetNumber off;
	ItemPointerData tid;

	if (isnew)
	{
		page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
		HnswInitPage(page, HNSW_PAGE_ELEMENT);
	}
	else
		page = GenericXLogRegisterBuffer(state, buf, 0);
	off = PageAddItem(page, (Item) item, size, InvalidOffsetNumber, false, false);
	if (off == InvalidOffsetNumber)
		elog(ERROR, "failed to add a tuple of %zu bytes to hnsw index \"%s\"",
			 size, RelationGetRelationName(index));
	GenericXLogFinish(state);
	ItemPointerSet(&tid, BufferGetBlockNumber(buf), off);
	/* (an FSM entry of a page it found is corrected when next found short) */
	if (isnew)
		RecordPageWithFreeSpace(index, BufferGetBlockNumber(buf),
								PageGetFreeSpace(BufferGetPage(buf)));
	UnlockReleaseBuffer(buf);
	return tid;
}

/* Add a tuple (at most HNSW_TUPLE_ROOM bytes) to a page with room; returns its TID. */
ItemPointerData
HnswPlaceTuple(Relation index, const void *tup, Size size)
{
	bool		isnew;
	Buffer		buf = HnswPageWithRoom(index, MAXALIGN(size), true, &isnew);

	return HnswAddToPage(index, buf, isnew, tup, size);
}
