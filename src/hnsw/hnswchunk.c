/*-------------------------------------------------------------------------
 * hnswchunk.c
 *		Payloads that go on past their element tuple (hnswpage.h): placing
 *		their chunk tuples, reading them back, checking them.
 *
 * Chunks are written before the element tuple that points at them, and
 * never change after: only vacuum's free phase removes them, with their
 * element, under a cleanup lock.  So a reader that has seen the element
 * tuple under a share lock reads its chunks with pins alone, like the
 * unlocked payload reads of a search (hnsw.h, "Pins"), and checks that
 * each chunk is the one it expects (heap row, position, size) before it
 * copies anything: a chunk freed meanwhile, its slot reused, fails that.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuffer.h"

#include "utils/rel.h"

/*
 * The chunk at off of a pinned page if it is the one expected: of the heap
 * row heaptid, starting at byte start, with at least one and at most left
 * bytes, all inside its tuple and the page.  The page may be unlocked: each
 * byte read is checked to lie inside the page first.
 */
static inline HnswChunkTuple
chunk_fast(Page page, OffsetNumber off, ItemPointer heaptid, Size start, Size left)
{
	ItemId		iid;
	HnswChunkTuple c;

	if (PageIsNew(page) || off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid) || ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ ||
		ItemIdGetLength(iid) < HNSW_CHUNK_HEADER_SIZE)
		return NULL;
	c = (HnswChunkTuple) PageGetItem(page, iid);
	if (c->type != HNSW_CHUNK_TUPLE || c->start != start || c->size == 0 || c->size > left ||
		ItemIdGetLength(iid) < HNSW_CHUNK_HEADER_SIZE + c->size ||
		!ItemPointerEquals(&c->heaptid, heaptid))
		return NULL;
	return c;
}

/*
 * The chunk at tid if it is the one expected (chunk_fast), pinned in *buf;
 * NULL, nothing pinned, when it is not.
 */
static HnswChunkTuple
pin_chunk(Relation index, RecentBuffers *hints, ItemPointer tid, ItemPointer heaptid,
		  Size start, Size left, Buffer *buf)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);
	HnswChunkTuple c;

	if (!ItemPointerIsValid(tid) || blkno == HNSW_METAPAGE_BLKNO)
		return NULL;
	*buf = read_buffer_hinted(hints, index, blkno);
	c = chunk_fast(BufferGetPage(*buf), ItemPointerGetOffsetNumber(tid), heaptid, start, left);
	if (c == NULL)
		ReleaseBuffer(*buf);
	return c;
}

/*
 * Copy bytes [from, payload_size) of the payload of the element of heap row
 * heaptid into out (at the same offsets), from the chunks chained from
 * next.  False when a chunk is not there or not the element's.
 */
bool
HnswReadChunks(Relation index, ItemPointer heaptid, ItemPointer next, Size from,
			   Size payload_size, char *out)
{
	RecentBuffers *hints = recent_hints(index);
	ItemPointerData tid = *next;

	for (Size pos = from; pos < payload_size;)
	{
		Buffer		buf;
		HnswChunkTuple c = pin_chunk(index, hints, &tid, heaptid, pos, payload_size - pos, &buf);

		if (c == NULL)
			return false;
		memcpy(out + pos, c->data, c->size);
		pos += c->size;
		tid = c->next;
		ReleaseBuffer(buf);
	}
	return true;
}

/*
 * For an additive kernel (HnswDistance.additive): add to *sum the kernel of
 * q's bytes [from, payload_size) and those bytes of the payload of the
 * element of heap row heaptid, from the chunks chained from next, compared
 * where they lie, without copying them together.  Under prefix_bound it
 * stops once *sum reaches bound (*sum is then a lower bound).  False when a
 * chunk is not there or not the element's.
 */
bool
HnswChunksKernel(Relation index, RecentBuffers *hints, const HnswDistance *d, const void *q,
				 ItemPointer heaptid, ItemPointer next, Size from, Size payload_size,
				 float bound, float *sum)
{
	ItemPointerData tid = *next;

	for (Size pos = from; pos < payload_size;)
	{
		Buffer		buf;
		HnswChunkTuple c = pin_chunk(index, hints, &tid, heaptid, pos, payload_size - pos, &buf);

		if (c == NULL)
			return false;
		if (c->size % d->unit != 0)
		{
			ReleaseBuffer(buf);
			return false;
		}
		*sum += d->kernel((const char *) q + pos, c->data, (int) (c->size / d->unit));
		pos += c->size;
		tid = c->next;
		ReleaseBuffer(buf);
		if (d->prefix_bound && *sum >= bound)
			break;
	}
	return true;
}

/*
 * The whole payload of an element tuple on a page the caller has locked,
 * into out (payload_size bytes of room).  False when a chunk is missing.
 */
bool
HnswCopyPayload(Relation index, int m, HnswElementTuple tup, char *out)
{
	memcpy(out, HnswElementPayload(tup, m), tup->head_size);
	if (!HnswTupleSpans(tup))
		return true;
	return HnswReadChunks(index, &tup->heaptid, &tup->next, tup->head_size,
						  tup->payload_size, out);
}

/*
 * Form in c the chunk of bytes [start, start + size) of payload, of the
 * element of heap row heaptid, followed by next (invalid: none).
 */
void
HnswFormChunk(HnswChunkTuple c, const char *payload, Size start, Size size,
			  ItemPointer heaptid, ItemPointer next)
{
	memset(c, 0, HNSW_CHUNK_HEADER_SIZE);
	c->type = HNSW_CHUNK_TUPLE;
	c->size = (uint16) size;
	c->start = (uint16) start;
	c->heaptid = *heaptid;
	c->next = *next;
	memcpy(c->data, payload + start, size);
}

/* Write bytes [end - size, end) of payload as a chunk on buf; returns its TID. */
static ItemPointerData
add_chunk(Relation index, Buffer buf, bool isnew, HnswChunkTuple c, const char *payload,
		  Size end, Size size, ItemPointer heaptid, ItemPointer next)
{
	HnswFormChunk(c, payload, end - size, size, heaptid, next);
	return HnswAddToPage(index, buf, isnew, c, HNSW_CHUNK_HEADER_SIZE + size);
}

/* Payload bytes a chunk on buf can hold, at most end, a multiple of 8. */
static Size
chunk_room(Buffer buf, bool isnew, Size end)
{
	Size		room = isnew ? HNSW_TUPLE_ROOM :
		TYPEALIGN_DOWN(MAXIMUM_ALIGNOF, PageGetFreeSpace(BufferGetPage(buf)));

	return TYPEALIGN_DOWN(8, Min(room - HNSW_CHUNK_HEADER_SIZE, end));
}

/*
 * Write the end of a new element's payload (of heap row heaptid; its tuple
 * without payload takes fixed bytes) as chunks, so that the element tuple
 * with the rest fits the room a page has.  Returns the first chunk's TID,
 * for the element's next (invalid when there is no chunk), in *head_size
 * the bytes left to the element tuple, and in *headbuf the exclusively
 * locked page found for it, or InvalidBuffer when a new page must take it.
 *
 * First, while the rest is too wide for any page, chunks fill the room of
 * pages with at least HNSW_MIN_CHUNK_ROOM (the FSM's, the last one, or new
 * ones).  Then, while no page has room for the element tuple, one more
 * chunk fills such a page if there is one (none is added for this): the
 * space vacuum frees is used again and pages fill up, as a build's do.
 * Chunks are placed last first, so that each one's next is known when it
 * is written and none points at a chunk not yet there (one WAL record
 * each, one page locked at a time).  A crash halfway leaves chunks no
 * element points at: their heap row never committed, and vacuum frees
 * them by it.  Chunks start at multiples of 8 bytes from the payload's
 * end, so that each one holds whole elements (HnswDistance.unit).
 */
ItemPointerData
HnswPlaceChunks(Relation index, const char *payload, Size fixed, Size payload_size,
				ItemPointer heaptid, Size *head_size, Buffer *headbuf)
{
	HnswChunkTuple c = palloc0(HNSW_TUPLE_ROOM);
	ItemPointerData next;
	Size		end = payload_size;
	bool		isnew;

	ItemPointerSetInvalid(&next);
	*headbuf = InvalidBuffer;
	while (MAXALIGN(fixed + end) > HNSW_TUPLE_ROOM)
	{
		Buffer		buf = HnswPageWithRoom(index, HNSW_MIN_CHUNK_ROOM, true, &isnew);
		Size		size = chunk_room(buf, isnew, end);

		next = add_chunk(index, buf, isnew, c, payload, end, size, heaptid, &next);
		end -= size;
	}
	while (end > 0)
	{
		Buffer		buf = HnswPageWithRoom(index, MAXALIGN(fixed + end), false, &isnew);
		Size		size;

		if (BufferIsValid(buf))
		{
			*headbuf = buf;
			break;
		}
		buf = HnswPageWithRoom(index, HNSW_MIN_CHUNK_ROOM, false, &isnew);
		if (!BufferIsValid(buf))
			break;
		size = chunk_room(buf, isnew, end);
		if (size == 0)
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		next = add_chunk(index, buf, isnew, c, payload, end, size, heaptid, &next);
		end -= size;
	}
	pfree(c);
	*head_size = end;
	return next;
}

/*
 * For hnsw_index_check: NULL when the element tuple's chunks (on a page the
 * caller has locked; the index has nblocks blocks) are all there, its own and in order, and hold exactly
 * the rest of its payload, else what is wrong.  *nchunks counts them.
 */
const char *
HnswCheckChunks(Relation index, BlockNumber nblocks, HnswElementTuple tup, int64 *nchunks)
{
	ItemPointerData tid = tup->next;
	Size		pos = tup->head_size;

	if (!HnswTupleSpans(tup))
		return ItemPointerIsValid(&tup->next) ?
			"its whole payload is in it, yet it points at a chunk" : NULL;
	while (pos < tup->payload_size)
	{
		BlockNumber blkno = ItemPointerGetBlockNumber(&tid);
		OffsetNumber off = ItemPointerGetOffsetNumber(&tid);
		Buffer		buf;
		HnswChunkTuple c;
		const char *problem = NULL;

		if (!ItemPointerIsValid(&tid))
			return psprintf("its chunks end at byte %zu of its %u-byte payload", pos,
							tup->payload_size);
		if (blkno == HNSW_METAPAGE_BLKNO || blkno >= nblocks)
			return psprintf("its payload goes on at (%u,%u), outside the element pages",
							blkno, off);
		buf = ReadBuffer(index, blkno);
		c = chunk_fast(BufferGetPage(buf), off, &tup->heaptid, pos, tup->payload_size - pos);
		if (c == NULL)
		{
			/* say why: read it as it is (the chunk does not change) */
			HnswChunkTuple other = HnswGetChunkTuple(BufferGetPage(buf), off);

			if (other == NULL)
				problem = psprintf("its payload goes on at (%u,%u), which holds no chunk",
								   blkno, off);
			else if (!ItemPointerEquals(&other->heaptid, &tup->heaptid))
				problem = psprintf("its chunk at (%u,%u) is of heap row (%u,%u)", blkno, off,
								   ItemPointerGetBlockNumber(&other->heaptid),
								   ItemPointerGetOffsetNumber(&other->heaptid));
			else
				problem = psprintf("its chunk at (%u,%u) holds %u bytes from byte %u, where byte %zu of %u was due",
								   blkno, off, other->size, other->start, pos,
								   tup->payload_size);
			ReleaseBuffer(buf);
			return problem;
		}
		pos += c->size;
		tid = c->next;
		(*nchunks)++;
		ReleaseBuffer(buf);
	}
	if (ItemPointerIsValid(&tid))
		return "its last chunk points at another";
	return NULL;
}
