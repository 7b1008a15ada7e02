/*-------------------------------------------------------------------------
 * hnswbuffer.h
 *		Page access on the search path: buffer hints (ReadRecentBuffer),
 *		pins kept between hops, prefetches, and the unlocked element read.
 *		Inline, because a search does this a thousand times a query.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_HNSWBUFFER_H
#define VECEXT_HNSWBUFFER_H

#include "hnsw/hnsw.h"

#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* reading elements ------------------------------------------------------- */

/*
 * A prefetch the compiler cannot drop: GCC 12 was seen to delete
 * __builtin_prefetch calls under a condition as dead code (their result is
 * unused), silently.
 */
static inline void
prefetch(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetcht0 %0"::"m"(*(const char *) p));
#else
	__builtin_prefetch(p);
#endif
}

/*
 * Where each index block was found last time, per backend, for a few
 * indexes: ReadRecentBuffer pins a buffer by number after checking its tag,
 * without the shared buffer-table lookup that ReadBuffer does (a search
 * reads a thousand or more elements, and that lookup was its largest single
 * cost).  A stale hint is harmless: the tag check fails and ReadBuffer runs.
 */
#define HNSW_RECENT_RELS		4
#define HNSW_RECENT_MAX_BLOCKS	((BlockNumber) 1 << 22) /* 32 GB of index */

typedef struct RecentBuffers
{
	VecextRelFileId id;
	Buffer	   *bufs;			/* by block number; InvalidBuffer: unknown */
	BlockNumber size;
	uint64		used;			/* clock of the last use, for eviction */
} RecentBuffers;

/* The hints of an index, evicting the least recently used (hnswbuffer.c). */
extern RecentBuffers *HnswRecentFor(Relation index);

/*
 * The hints of an index, or NULL for a temporary one (local buffers: no
 * hints for them).
 */
static inline RecentBuffers *
recent_hints(Relation index)
{
	return RelationUsesLocalBuffers(index) ? NULL : HnswRecentFor(index);
}

/* The buffer a block was found in last time, or InvalidBuffer. */
static inline Buffer
hint_of(const RecentBuffers *r, BlockNumber blkno)
{
	return (r != NULL && blkno < r->size) ? r->bufs[blkno] : InvalidBuffer;
}

/*
 * Prefetch what pinning and reading the element at (blkno, off) will touch
 * first, through the buffer its block had last time: the buffer header,
 * the page header, the element's line pointer, and the page's special
 * space, which the locked read of the element's links checks when it is
 * expanded (2-4% faster, 128 and 784 dims).  Nothing is pinned, so
 * the buffer may hold another page by now; a prefetch of the wrong
 * address is harmless.
 */
static inline void
prefetch_hint(RecentBuffers *r, BlockNumber blkno, OffsetNumber off)
{
	Buffer		hint = hint_of(r, blkno);
	char	   *page;

	if (hint == InvalidBuffer)
		return;
	prefetch(GetBufferDescriptor(hint - 1));
	page = (char *) BufferGetBlock(hint);
	prefetch(page);
	prefetch(page + SizeOfPageHeaderData + sizeof(ItemIdData) * (off - 1));
	prefetch(page + BLCKSZ - MAXALIGN(sizeof(HnswPageOpaqueData)));
}


/*
 * Neighbours pinned at once while a search reads them: below the eight
 * pins a backend tracks without a hash table (one more is the pin of the
 * node being expanded).
 */
#define HNSW_READ_BATCH			6

/* ReadBuffer of a main-fork block of an index, through the hints above. */
static inline Buffer
read_buffer_hinted(RecentBuffers *r, Relation index, BlockNumber blkno)
{
	Buffer		buf = hint_of(r, blkno);

	if (r == NULL)
		return ReadBuffer(index, blkno);
	if (buf != InvalidBuffer && VecextReadRecentBuffer(index, blkno, buf))
		return buf;

	buf = ReadBuffer(index, blkno);
	if (blkno >= HNSW_RECENT_MAX_BLOCKS)
		return buf;
	if (blkno >= r->size)
	{
		BlockNumber newsize = Max(Max(blkno + 1, r->size * 2), 1024);

		newsize = Min(newsize, HNSW_RECENT_MAX_BLOCKS);
		if (r->bufs == NULL)
			r->bufs = MemoryContextAllocZero(TopMemoryContext, sizeof(Buffer) * newsize);
		else
		{
			r->bufs = repalloc(r->bufs, sizeof(Buffer) * newsize);
			MemSet(r->bufs + r->size, 0, sizeof(Buffer) * (newsize - r->size));
		}
		r->size = newsize;
	}
	r->bufs[blkno] = buf;
	return buf;
}

static inline Buffer
read_buffer(Relation index, BlockNumber blkno)
{
	return read_buffer_hinted(recent_hints(index), index, blkno);
}

/* A buffer kept pinned between reads, so hops within one page cost no lookup. */
typedef struct PinCache
{
	Buffer		buf;
	BlockNumber blkno;
} PinCache;

static inline Page
pin_and_lock(Relation index, PinCache *pc, BlockNumber blkno)
{
	if (pc->blkno != blkno)
	{
		if (BufferIsValid(pc->buf))
			ReleaseBuffer(pc->buf);
		pc->buf = read_buffer(index, blkno);
		pc->blkno = blkno;
	}
	LockBuffer(pc->buf, BUFFER_LOCK_SHARE);
	return BufferGetPage(pc->buf);
}

static inline void
pin_release(PinCache *pc)
{
	if (BufferIsValid(pc->buf))
		ReleaseBuffer(pc->buf);
	pc->buf = InvalidBuffer;
	pc->blkno = InvalidBlockNumber;
}

/*
 * The element tuple at off of a pinned page known to be
 * an element page (any block but the metapage), or NULL.  The hot path of
 * a search: it skips the special-space check, which would cost one more
 * cache miss per page, and relies on the bounds, the tuple's type byte and
 * its length instead.  The page may be unlocked (see "Pins" in hnsw.h), so
 * every byte the caller will read is first checked to lie inside the page
 * and the tuple.
 */
static inline HnswElementTuple
element_fast(Page page, OffsetNumber off, int m, const HnswDistance *d)
{
	ItemId		iid;
	HnswElementTuple tup;

	if (PageIsNew(page) || off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid) || ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ)
		return NULL;
	tup = (HnswElementTuple) PageGetItem(page, iid);
	if (tup->type != HNSW_ELEMENT_TUPLE || tup->payload_size > d->max_payload ||
		tup->head_size > tup->payload_size ||
		tup->links0 > HnswLayerCapacity(m, 0) || ItemIdGetLength(iid) < HnswTupleSize(tup, m))
		return NULL;
	return tup;
}

/*
 * Prefetch the start of the element at off of a pinned page: its header,
 * links and the first bytes of its vector.  Whole vectors asked for here, a
 * batch at a time, were measured slower; the rest of each is asked for one
 * neighbour ahead of its kernel instead (prefetch_tuple_rest), which was
 * measured faster than leaving it to the hardware prefetcher.  The line
 * pointer is read without the content lock: only an address comes of it,
 * and a prefetch of a wrong address is harmless.
 */
static inline void
prefetch_tuple(Page page, OffsetNumber off)
{
	ItemId		iid = PageGetItemId(page, off);
	char	   *tup = (char *) page + ItemIdGetOffset(iid);

	for (int line = 0; line < 4; line++)
		prefetch(tup + 64 * line);
}

/*
 * Prefetch the rest of the tuple at off of a page, past the lines
 * prefetch_tuple asked for: the payload, for a kernel that is about to
 * read it.  The page may be unpinned (read_spanning's chunk, through its
 * hint): its line pointer is read without a lock or a pin, only addresses
 * come of it, and they are kept inside the page.
 */
static inline void
prefetch_tuple_rest(Page page, OffsetNumber off)
{
	ItemId		iid;
	Size		start,
				end;

	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return;
	iid = PageGetItemId(page, off);
	start = ItemIdGetOffset(iid);
	end = Min(start + ItemIdGetLength(iid), BLCKSZ);
	for (Size o = start + 64 * 4; o < end; o += 64)
		prefetch((char *) page + o);
}

/*
 * Prefetch the element tuple at tid through its block's hint, unpinned:
 * its line pointer is read racily, and only an address comes of it.
 */
static inline void
prefetch_hinted_tuple(RecentBuffers *r, ItemPointer tid)
{
	Buffer		hint = hint_of(r, ItemPointerGetBlockNumber(tid));

	if (hint != InvalidBuffer)
		prefetch_tuple((Page) BufferGetBlock(hint), ItemPointerGetOffsetNumber(tid));
}

/*
 * Where the payload of the element at off of a pinned page goes on, when it
 * goes on in a chunk; NULL otherwise.  The element's header is read
 * unlocked: only an address comes of it (the prefetches below).
 */
static inline ItemPointer
chunk_link(Page page, OffsetNumber off)
{
	ItemId		iid;
	HnswElementTuple tup;

	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid) || ItemIdGetOffset(iid) + HNSW_ELEMENT_HEADER_SIZE > BLCKSZ)
		return NULL;
	tup = (HnswElementTuple) PageGetItem(page, iid);
	if (tup->head_size >= tup->payload_size ||
		ItemPointerGetOffsetNumber(&tup->next) < FirstOffsetNumber ||
		ItemPointerGetOffsetNumber(&tup->next) > MaxOffsetNumber)
		return NULL;
	return &tup->next;
}

/*
 * Prefetch, for the element at off of a pinned page whose payload goes on
 * in a chunk, what reading that chunk touches first (prefetch_hint).
 */
static inline void
prefetch_chunk_hint(RecentBuffers *r, Page page, OffsetNumber off)
{
	ItemPointer next = r != NULL ? chunk_link(page, off) : NULL;

	if (next != NULL)
		prefetch_hint(r, ItemPointerGetBlockNumber(next), ItemPointerGetOffsetNumber(next));
}

/*
 * Prefetch all of the chunk tuple at off of buffer hint, which is not
 * pinned: its line pointer is read racily (off is kept inside the page),
 * and only addresses come of it.
 */
static inline void
prefetch_chunk_tuple(Buffer hint, OffsetNumber off)
{
	if (off < FirstOffsetNumber || off > MaxOffsetNumber)
		return;
	prefetch_tuple((Page) BufferGetBlock(hint), off);
	prefetch_tuple_rest((Page) BufferGetBlock(hint), off);
}

/*
 * Prefetch the whole chunk of that element through its block's hint, for
 * the kernel that reads it next: asked for with the rest of the element's
 * own tuple, one neighbour ahead, instead of just before the chunk is
 * read.
 */
static inline void
prefetch_chunk(RecentBuffers *r, Page page, OffsetNumber off)
{
	ItemPointer next = r != NULL ? chunk_link(page, off) : NULL;
	Buffer		hint = next != NULL ? hint_of(r, ItemPointerGetBlockNumber(next)) : InvalidBuffer;

	if (hint != InvalidBuffer)
		prefetch_chunk_tuple(hint, ItemPointerGetOffsetNumber(next));
}

/* hnswchunk.c: an additive kernel over the chunks of a payload */
extern bool HnswChunksKernel(Relation index, RecentBuffers *hints, const HnswDistance *d,
							 const void *q, ItemPointer heaptid, ItemPointer next, Size from,
							 Size payload_size, float bound, float *sum);

/* hnswsearch.c: distance from q to the element at tid; false when there is none */
extern bool HnswLoadCandidate(Relation index, PinCache *pc, const HnswDistance *d, int m,
							  const void *q, ItemPointer tid, HnswCandidate *out);

#endif							/* VECEXT_HNSWBUFFER_H */
