/*-------------------------------------------------------------------------
 * hnswgraph.c
 *		The HNSW algorithm shared by build, insert and scan: distances,
 *		candidate heaps, the visited set, neighbour selection, the layer
 *		search over index pages, and inserting one element on disk.
 *
 * The search is the one of Malkov & Yashunin: a greedy descent through the
 * layers above the new node's (or the query's) level, then a best-first
 * search bounded by ef.  Neighbours are chosen with the paper's heuristic:
 * a candidate is kept only when it is closer to the new node than to every
 * neighbour kept before it, which keeps links spread in all directions.
 *
 * On disk, a reader copies what it needs out of a page under a share lock
 * and lets go before it follows a link: distances are computed straight from
 * the page bytes, with no copy of the vector and no fmgr call.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "miscadmin.h"
#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "types/vector.h"

/* distances ---------------------------------------------------------- */

void
HnswInitDistance(HnswDistance *d, Relation index, int dims)
{
	FmgrInfo   *proc = index_getprocinfo(index, 1, HNSW_DISTANCE_PROC);
	PGFunction	fn = proc->fn_addr;

	d->dims = dims;
	d->normalize = OidIsValid(index_getprocid(index, 1, HNSW_NORM_PROC));
	d->negate = false;
	if (fn == vecext_vector_l2_squared_distance)
	{
		d->metric = HNSW_METRIC_L2;
		d->kernel = VecextKernels.l2_squared;
	}
	else if (fn == vecext_vector_negative_inner_product)
	{
		d->metric = d->normalize ? HNSW_METRIC_COSINE : HNSW_METRIC_IP;
		d->kernel = VecextKernels.inner;
		d->negate = true;
	}
	else if (fn == vecext_l1_distance)
	{
		d->metric = HNSW_METRIC_L1;
		d->kernel = VecextKernels.l1;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hnsw index \"%s\" has an unsupported distance function",
						RelationGetRelationName(index))));
}

/*
 * Copy in to out, normalizing when the metric asks for it.  Returns false
 * for a vector that cannot be indexed (zero norm under cosine).
 */
bool
HnswPrepareVector(const HnswDistance *d, const float *in, float *out)
{
	double		norm = 0.0;

	if (in != out)
		memcpy(out, in, sizeof(float) * d->dims);
	if (!d->normalize)
		return true;
	for (int i = 0; i < d->dims; i++)
		norm += (double) in[i] * in[i];
	if (norm == 0.0)
		return false;
	norm = sqrt(norm);
	for (int i = 0; i < d->dims; i++)
		out[i] = (float) (out[i] / norm);
	return true;
}

/* random levels -------------------------------------------------------- */

/* xorshift64*: a fixed seed makes a serial build reproducible */
double
HnswRandomUniform(uint64 *state)
{
	uint64		x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	/* 53 random bits in (0, 1] */
	return ((double) ((x * UINT64CONST(2685821657736338717)) >> 11) + 1.0) / 9007199254740992.0;
}

/* Level from the paper's distribution, with mL = 1 / ln(m). */
int
HnswRandomLevel(int m, double u)
{
	int			level = (int) floor(-log(u) / log((double) m));

	return Min(level, HNSW_MAX_LEVEL);
}

/* heaps ---------------------------------------------------------------- */

void
HnswHeapInit(HnswHeap *h, int capacity, bool max)
{
	h->capacity = Max(capacity, 8);
	h->items = palloc(sizeof(HnswCandidate) * h->capacity);
	h->size = 0;
	h->max = max;
}

static inline bool
heap_before(const HnswHeap *h, const HnswCandidate *a, const HnswCandidate *b)
{
	return h->max ? a->dist > b->dist : a->dist < b->dist;
}

static inline void
heap_push(HnswHeap *h, const HnswCandidate *c)
{
	int			i;

	if (h->size == h->capacity)
	{
		h->capacity *= 2;
		h->items = repalloc(h->items, sizeof(HnswCandidate) * h->capacity);
	}
	i = h->size++;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!heap_before(h, c, &h->items[parent]))
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = *c;
}

static inline HnswCandidate
heap_pop(HnswHeap *h)
{
	HnswCandidate top = h->items[0];
	HnswCandidate last = h->items[--h->size];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= h->size)
			break;
		if (child + 1 < h->size && heap_before(h, &h->items[child + 1], &h->items[child]))
			child++;
		if (!heap_before(h, &h->items[child], &last))
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->size > 0)
		h->items[i] = last;
	return top;
}

/* The same, out of line, for the other files (the search inlines them). */
void
HnswHeapPush(HnswHeap *h, const HnswCandidate *c)
{
	heap_push(h, c);
}

HnswCandidate
HnswHeapPop(HnswHeap *h)
{
	return heap_pop(h);
}

/* visited set ----------------------------------------------------------- */

static inline uint64
tid_key(ItemPointer tid)
{
	/* offset numbers start at 1, so no TID maps to 0 (the empty slot) */
	return ((uint64) ItemPointerGetBlockNumber(tid) << 16) | ItemPointerGetOffsetNumber(tid);
}

static inline uint32
key_hash(uint64 k)
{
	/* the finalizer of MurmurHash3: cheap and well mixed */
	k ^= k >> 33;
	k *= UINT64CONST(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return (uint32) k;
}

void
HnswVisitedInit(HnswVisited *v, int expected)
{
	uint32		size = 64;

	while (size < (uint32) expected * 2)
		size <<= 1;
	v->keys = palloc0(sizeof(uint64) * size);
	v->mask = size - 1;
	v->count = 0;
}

void
HnswVisitedReset(HnswVisited *v)
{
	memset(v->keys, 0, sizeof(uint64) * (v->mask + 1));
	v->count = 0;
}

static void
visited_grow(HnswVisited *v)
{
	uint64	   *old = v->keys;
	uint32		oldsize = v->mask + 1;

	v->keys = palloc0(sizeof(uint64) * oldsize * 2);
	v->mask = oldsize * 2 - 1;
	for (uint32 i = 0; i < oldsize; i++)
	{
		if (old[i] != 0)
		{
			uint32		j = key_hash(old[i]) & v->mask;

			while (v->keys[j] != 0)
				j = (j + 1) & v->mask;
			v->keys[j] = old[i];
		}
	}
	pfree(old);
}

/* The slot holding key k, or the empty slot where it would go. */
static inline uint32
visited_slot(const HnswVisited *v, uint64 k)
{
	uint32		j = key_hash(k) & v->mask;

	while (v->keys[j] != 0 && v->keys[j] != k)
		j = (j + 1) & v->mask;
	return j;
}

bool
HnswVisitedContains(HnswVisited *v, ItemPointer tid)
{
	return v->keys[visited_slot(v, tid_key(tid))] != 0;
}

static inline bool
visited_add(HnswVisited *v, ItemPointer tid)
{
	uint64		k = tid_key(tid);
	uint32		j = visited_slot(v, k);

	if (v->keys[j] != 0)
		return false;
	v->keys[j] = k;
	if (++v->count * 2 > v->mask)
		visited_grow(v);
	return true;
}

bool
HnswVisitedAdd(HnswVisited *v, ItemPointer tid)
{
	return visited_add(v, tid);
}

/* neighbour selection --------------------------------------------------- */

/*
 * The paper's heuristic.  cands[] is sorted nearest first, dist being the
 * distance to the new node; vecs[i] is the vector of cands[i].  Marks up to
 * keep candidates in selected[] and returns how many.
 */
int
HnswSelectNeighbors(const HnswDistance *d, HnswCandidate *cands, int ncands,
					const float **vecs, int keep, bool *selected)
{
	int			count = 0;
	int		   *chosen = palloc(sizeof(int) * Max(keep, 1));

	/* no more candidates than room: keep them all, as the paper's variant does */
	for (int i = 0; i < ncands; i++)
		selected[i] = ncands <= keep;
	if (ncands <= keep)
	{
		pfree(chosen);
		return ncands;
	}
	for (int i = 0; i < ncands && count < keep; i++)
	{
		bool		good = true;

		for (int j = 0; j < count; j++)
		{
			if (HnswDist(d, vecs[i], vecs[chosen[j]]) < cands[i].dist)
			{
				good = false;
				break;
			}
		}
		if (good)
		{
			selected[i] = true;
			chosen[count++] = i;
		}
	}
	pfree(chosen);
	return count;
}

static int
candidate_cmp(const void *a, const void *b)
{
	float		da = ((const HnswCandidate *) a)->dist;
	float		db = ((const HnswCandidate *) b)->dist;

	return da < db ? -1 : (da > db ? 1 : 0);
}

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

static RecentBuffers recent[HNSW_RECENT_RELS];
static uint64 recent_clock;

static RecentBuffers *
recent_for(Relation index)
{
	VecextRelFileId id = VECEXT_REL_FILE_ID(index);
	RecentBuffers *victim = &recent[0];

	for (int i = 0; i < HNSW_RECENT_RELS; i++)
	{
		if (recent[i].bufs != NULL && VecextRelFileIdEquals(recent[i].id, id))
		{
			recent[i].used = ++recent_clock;
			return &recent[i];
		}
		if (recent[i].used < victim->used)
			victim = &recent[i];
	}
	if (victim->bufs != NULL)
		MemSet(victim->bufs, 0, sizeof(Buffer) * victim->size);	/* InvalidBuffer is 0 */
	victim->id = id;
	victim->used = ++recent_clock;
	return victim;
}

/*
 * The hints of an index, or NULL for a temporary one (local buffers: no
 * hints for them).
 */
static inline RecentBuffers *
recent_hints(Relation index)
{
	return RelationUsesLocalBuffers(index) ? NULL : recent_for(index);
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
 * the page header and the element's line pointer.  Nothing is pinned, so
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
 * The element tuple of dims dimensions at off of a pinned page known to be
 * an element page (any block but the metapage), or NULL.  The hot path of
 * a search: it skips the special-space check, which would cost one more
 * cache miss per page, and relies on the bounds, the tuple's type byte and
 * its length instead.  The page may be unlocked (see "Pins" in hnsw.h), so
 * every byte the caller will read is first checked to lie inside the page
 * and the tuple.
 */
static inline HnswElementTuple
element_fast(Page page, OffsetNumber off, int m, int dims)
{
	ItemId		iid;
	HnswElementTuple tup;

	if (PageIsNew(page) || off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	iid = PageGetItemId(page, off);
	if (!ItemIdIsNormal(iid) || ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ)
		return NULL;
	tup = (HnswElementTuple) PageGetItem(page, iid);
	if (tup->type != HNSW_ELEMENT_TUPLE || tup->dims != dims ||
		ItemIdGetLength(iid) < HnswElementTupleSize(m, tup->level, dims))
		return NULL;
	return tup;
}

/* An element's distance from q and what a search keeps of it. */
static inline void
fill_candidate(HnswElementTuple tup, const HnswDistance *d, int m, const float *q,
			   ItemPointer tid, HnswCandidate *out)
{
	out->dist = HnswDist(d, q, HnswElementVector(tup, m));
	out->tid = *tid;
	out->heaptid = tup->heaptid;
	out->level = tup->level;
	out->deleted = (tup->flags & HNSW_ELEMENT_DELETED) != 0;
}

/*
 * Prefetch the start of the element at off of a pinned page: its header,
 * links and the first bytes of its vector; the hardware prefetcher follows
 * the rest of the vector once the distance kernel streams through it.
 * (Prefetching the whole vector explicitly was measured slower.)  The line
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
 * Distance from q to the element at tid on its pinned page, locked or not
 * (see "Pins" in hnsw.h).
 */
static inline bool
read_candidate(Page page, const HnswDistance *d, int m, const float *q, ItemPointer tid,
			   HnswCandidate *out)
{
	HnswElementTuple tup = element_fast(page, ItemPointerGetOffsetNumber(tid), m, d->dims);

	if (tup == NULL)
		return false;
	fill_candidate(tup, d, m, q, tid, out);
	return true;
}

/* Distance from q to the element at tid; false when there is none. */
static bool
load_candidate(Relation index, PinCache *pc, const HnswDistance *d, int m,
			   const float *q, ItemPointer tid, HnswCandidate *out)
{
	Page		page = pin_and_lock(index, pc, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup = HnswGetElementTuple(page, ItemPointerGetOffsetNumber(tid));
	bool		found = tup != NULL && tup->dims == d->dims;

	if (found)
		fill_candidate(tup, d, m, q, tid, out);
	LockBuffer(pc->buf, BUFFER_LOCK_UNLOCK);
	return found;
}

/* Copy the links of an element on one layer; returns their number. */
static int
copy_links(Relation index, PinCache *pc, int m, ItemPointer tid, int layer,
		   ItemPointerData *links)
{
	Page		page = pin_and_lock(index, pc, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup = HnswGetElementTuple(page, ItemPointerGetOffsetNumber(tid));
	int			n = 0;

	if (tup != NULL && tup->level >= layer)
	{
		n = Min(HnswElementCounts(tup)[layer], HnswLayerCapacity(m, layer));
		memcpy(links, HnswElementLinks(tup, m, layer), sizeof(ItemPointerData) * n);
	}
	LockBuffer(pc->buf, BUFFER_LOCK_UNLOCK);
	return n;
}

bool
HnswReadElementVector(Relation index, int m, ItemPointer tid, float *out, int dims)
{
	Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(tid));
	HnswElementTuple tup;
	bool		found;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	found = tup != NULL && tup->dims == dims;
	if (found)
		memcpy(out, HnswElementVector(tup, m), sizeof(float) * dims);
	UnlockReleaseBuffer(buf);
	return found;
}

/* layer search ----------------------------------------------------------- */

/*
 * Best-first search of one layer from the candidates in entries (a min-heap,
 * already marked visited), keeping the ef nearest live elements in result
 * (a max-heap).  Deleted elements are followed but never returned.
 * entries is consumed.
 */
void
HnswSearchLayerDisk(Relation index, const HnswDistance *d, int m, const float *q,
					HnswHeap *entries, int ef, int layer, HnswVisited *visited,
					HnswHeap *result)
{
	PinCache	pc = {InvalidBuffer, InvalidBlockNumber};
	RecentBuffers *hints = recent_hints(index);
	int			cap = HnswLayerCapacity(m, 0);
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * cap);
	ItemPointerData *fresh = palloc(sizeof(ItemPointerData) * cap);
	Buffer	   *bufs = palloc(sizeof(Buffer) * cap);
	int			nnew;

	for (int i = 0; i < entries->size; i++)
		if (!entries->items[i].deleted)
			heap_push(result, &entries->items[i]);
	while (result->size > ef)
		heap_pop(result);

	while (entries->size > 0)
	{
		HnswCandidate c = heap_pop(entries);
		int			n;

		if (result->size >= ef && c.dist > HnswHeapTop(result)->dist)
			break;

		CHECK_FOR_INTERRUPTS();
		n = copy_links(index, &pc, m, &c.tid, layer, links);

		/*
		 * Reaching a neighbour's vector takes a chain of dependent reads:
		 * its block's buffer hint, then that buffer's header and page
		 * header and the element's line pointer, then the element tuple.
		 * Each link of the chain is prefetched for all the unvisited
		 * neighbours in one pass, so that their cache misses overlap
		 * instead of coming one after another (unpinned: only addresses
		 * come of these reads).  Measured 9% faster than one pass.
		 */
		nnew = 0;
		for (int i = 0; i < n; i++)
		{
			BlockNumber blkno = ItemPointerGetBlockNumber(&links[i]);

			if (!visited_add(visited, &links[i]) || blkno == HNSW_METAPAGE_BLKNO)
				continue;
			fresh[nnew++] = links[i];
			if (hints != NULL && blkno < hints->size)
				prefetch(&hints->bufs[blkno]);
		}
		for (int i = 0; i < nnew; i++)
			prefetch_hint(hints, ItemPointerGetBlockNumber(&fresh[i]),
						  ItemPointerGetOffsetNumber(&fresh[i]));
		for (int i = 0; i < nnew; i++)
			prefetch_hinted_tuple(hints, &fresh[i]);

		/*
		 * Then, a batch at a time: pin, prefetch the element tuples, read
		 * them, and drop the pins newest first.  A backend tracks its first
		 * few pins in a small array and the rest in a hash table, and a
		 * resource owner finds the newest pin first: small batches released
		 * in reverse keep both cheap.
		 */
		for (int base = 0; base < nnew; base += HNSW_READ_BATCH)
		{
			int			cnt = Min(HNSW_READ_BATCH, nnew - base);

			for (int i = base; i < base + cnt; i++)
				bufs[i] = read_buffer_hinted(hints, index,
											 ItemPointerGetBlockNumber(&fresh[i]));
			for (int i = base; i < base + cnt; i++)
				prefetch_tuple(BufferGetPage(bufs[i]), ItemPointerGetOffsetNumber(&fresh[i]));
			for (int i = base; i < base + cnt; i++)
			{
				HnswCandidate e;
				bool		found;

				/* the pin keeps the tuple in place: see "Pins" in hnsw.h */
				found = read_candidate(BufferGetPage(bufs[i]), d, m, q, &fresh[i], &e);
				if (!found)
					continue;
				if (result->size < ef || e.dist < HnswHeapTop(result)->dist)
				{
					heap_push(entries, &e);
					if (!e.deleted)
					{
						heap_push(result, &e);
						if (result->size > ef)
							heap_pop(result);
					}
				}
			}
			for (int i = base + cnt - 1; i >= base; i--)
				ReleaseBuffer(bufs[i]);
		}
	}
	pin_release(&pc);
	pfree(links);
	pfree(fresh);
	pfree(bufs);
}

/* inserting on disk ------------------------------------------------------ */

/* Add tup to a page with room: one the FSM knows, the last one, or a new one. */
static ItemPointerData
place_tuple(Relation index, HnswElementTuple tup, Size size)
{
	ItemPointerData tid;
	BlockNumber blkno;
	Buffer		buf = InvalidBuffer;
	GenericXLogState *state;
	Page		page;
	OffsetNumber off;
	BlockNumber nblocks;
	Size		need = MAXALIGN(size);	/* what PageAddItem will take */

	blkno = GetPageWithFreeSpace(index, need + sizeof(ItemIdData));
	nblocks = RelationGetNumberOfBlocks(index);
	if (blkno == InvalidBlockNumber && nblocks > HNSW_FIRST_ELEMENT_BLKNO)
		blkno = nblocks - 1;

	while (blkno != InvalidBlockNumber && blkno >= HNSW_FIRST_ELEMENT_BLKNO &&
		   blkno < nblocks)
	{
		Size		freespace;

		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (!PageIsNew(page) && HnswPageGetOpaque(page)->page_type == HNSW_PAGE_ELEMENT &&
			PageGetFreeSpace(page) >= need)
			break;
		freespace = PageIsNew(page) ? 0 : PageGetFreeSpace(page);
		UnlockReleaseBuffer(buf);
		buf = InvalidBuffer;
		/* tell the FSM what is really there, and ask again */
		blkno = RecordAndGetPageWithFreeSpace(index, blkno, freespace,
											  need + sizeof(ItemIdData));
	}

	state = GenericXLogStart(index);
	if (BufferIsValid(buf))
		page = GenericXLogRegisterBuffer(state, buf, 0);
	else
	{
		buf = HnswNewBuffer(index, MAIN_FORKNUM);
		page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
		HnswInitPage(page, HNSW_PAGE_ELEMENT);
	}
	off = PageAddItem(page, (Item) tup, size, InvalidOffsetNumber, false, false);
	if (off == InvalidOffsetNumber)
		elog(ERROR, "failed to add element to hnsw index \"%s\"",
			 RelationGetRelationName(index));
	GenericXLogFinish(state);
	ItemPointerSet(&tid, BufferGetBlockNumber(buf), off);
	UnlockReleaseBuffer(buf);
	return tid;
}

/*
 * Write links[0..n) as the layer's list of the element at tid, provided the
 * list still equals expect (no check when expect is NULL).  False when it
 * changed meanwhile.
 */
bool
HnswReplaceLinks(Relation index, int m, ItemPointer tid, int layer,
			  const ItemPointerData *expect, int nexpect,
			  const ItemPointerData *links, int n)
{
	Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(tid));
	GenericXLogState *state;
	Page		page;
	HnswElementTuple tup;
	bool		done = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
	if (tup == NULL || tup->level < layer)
	{
		UnlockReleaseBuffer(buf);
		return true;			/* gone: nothing to update */
	}
	if (expect != NULL &&
		(HnswElementCounts(tup)[layer] != nexpect ||
		 memcmp(HnswElementLinks(tup, m, layer), expect, sizeof(ItemPointerData) * nexpect) != 0))
	{
		UnlockReleaseBuffer(buf);
		return false;			/* changed under us */
	}

	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	tup = HnswGetElementTuple(page, ItemPointerGetOffsetNumber(tid));
	HnswElementCounts(tup)[layer] = n;
	memcpy(HnswElementLinks(tup, m, layer), links, sizeof(ItemPointerData) * n);
	GenericXLogFinish(state);
	done = true;
	UnlockReleaseBuffer(buf);
	return done;
}

/*
 * Make the element at tid link back to newtid on a layer.  With room,
 * append; when full, re-select its links among the old ones and the new one.
 * The vectors are read without holding the page, and the result written only
 * if the list did not change meanwhile.  With force, newtid is kept even when
 * the heuristic would drop it (it replaces the farthest link): the caller
 * uses that to make sure a new element has at least one way in.  Returns
 * whether the list now links to newtid.
 */
bool
HnswAddBacklink(Relation index, const HnswDistance *d, int m, ItemPointer tid, int layer,
				ItemPointer newtid, const float *newvec, bool force)
{
	bool		linked = false;

	int			cap = HnswLayerCapacity(m, layer);
	ItemPointerData *old = palloc(sizeof(ItemPointerData) * (cap + 1));
	float	   *vecs = palloc(sizeof(float) * d->dims * (cap + 2));
	float	   *tvec = vecs + (Size) d->dims * (cap + 1);

	for (int attempt = 0; attempt < HNSW_UPDATE_RETRIES; attempt++)
	{
		Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(tid));
		HnswElementTuple tup;
		int			n;
		HnswCandidate *cands;
		const float **cvecs;
		bool	   *selected;
		int			ncands = 0;
		int			nsel;
		ItemPointerData *links;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(tid));
		if (tup == NULL || tup->level < layer || (tup->flags & HNSW_ELEMENT_DELETED))
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		n = HnswElementCounts(tup)[layer];
		for (int i = 0; i < n; i++)
			if (ItemPointerEquals(&HnswElementLinks(tup, m, layer)[i], newtid))
				n = -1;
		if (n < 0)
		{
			UnlockReleaseBuffer(buf);
			linked = true;		/* already there */
			break;
		}
		if (n < cap)
		{
			GenericXLogState *state = GenericXLogStart(index);
			Page		page = GenericXLogRegisterBuffer(state, buf, 0);

			tup = HnswGetElementTuple(page, ItemPointerGetOffsetNumber(tid));
			HnswElementLinks(tup, m, layer)[n] = *newtid;
			HnswElementCounts(tup)[layer] = n + 1;
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			linked = true;
			break;
		}

		/* full: copy what we need and let go of the page */
		memcpy(old, HnswElementLinks(tup, m, layer), sizeof(ItemPointerData) * n);
		memcpy(tvec, HnswElementVector(tup, m), sizeof(float) * d->dims);
		UnlockReleaseBuffer(buf);

		cands = palloc(sizeof(HnswCandidate) * (n + 1));
		cvecs = palloc(sizeof(float *) * (n + 1));
		selected = palloc(sizeof(bool) * (n + 1));
		for (int i = 0; i < n; i++)
		{
			float	   *v = vecs + (Size) d->dims * ncands;

			if (!HnswReadElementVector(index, m, &old[i], v, d->dims))
				continue;		/* a dangling link: drop it */
			cands[ncands].tid = old[i];
			cands[ncands].dist = HnswDist(d, tvec, v);
			ncands++;
		}
		memcpy(vecs + (Size) d->dims * ncands, newvec, sizeof(float) * d->dims);
		cands[ncands].tid = *newtid;
		cands[ncands].dist = HnswDist(d, tvec, newvec);
		ncands++;

		/* sort candidates together with their vectors */
		for (int i = 0; i < ncands; i++)
			cands[i].idx = i;
		qsort(cands, ncands, sizeof(HnswCandidate), candidate_cmp);
		for (int i = 0; i < ncands; i++)
			cvecs[i] = vecs + (Size) d->dims * cands[i].idx;

		nsel = HnswSelectNeighbors(d, cands, ncands, cvecs, cap, selected);
		links = palloc(sizeof(ItemPointerData) * cap);
		nsel = 0;
		linked = false;
		for (int i = 0; i < ncands; i++)
			if (selected[i])
			{
				links[nsel++] = cands[i].tid;
				linked |= ItemPointerEquals(&cands[i].tid, newtid);
			}
		if (!linked && force)
		{
			/* keep the new one in place of the farthest kept link */
			if (nsel == cap)
				nsel--;
			links[nsel++] = *newtid;
			linked = true;
		}

		if (HnswReplaceLinks(index, m, tid, layer, old, n, links, nsel))
			break;
		linked = false;
	}
	return linked;
}

/*
 * Start the next layer of a descent from what this layer's search found
 * (result, which is emptied), or, when it found nothing live, from the
 * nstart elements it started from.
 */
static void
carry_down(HnswHeap *result, HnswHeap *entries, const HnswCandidate *start, int nstart)
{
	entries->size = 0;
	if (result->size == 0)
		for (int i = 0; i < nstart; i++)
			HnswHeapPush(entries, &start[i]);
	while (result->size > 0)
	{
		HnswCandidate c = HnswHeapPop(result);

		HnswHeapPush(entries, &c);
	}
}

/*
 * Insert one prepared vector as a new element of the given level.  Holds
 * the update lock throughout (see hnsw.h), in exclusive mode only when the
 * entry point may change.
 */
void
HnswInsertOnDisk(Relation index, const HnswDistance *d, int m, int efc,
				 const float *vec, ItemPointer heaptid, int level)
{
	LOCKMODE	lockmode = ShareLock;
	HnswMetaPageData meta;
	int			toplayer;
	ItemPointerData **layerlinks;
	int		   *nlinks;
	Size		size;
	HnswElementTuple tup;
	ItemPointerData tid;

	LockPage(index, HNSW_UPDATE_LOCK, lockmode);
	meta = HnswReadMeta(index);
	if (!ItemPointerIsValid(&meta.entry) || level > meta.entry_level)
	{
		UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
		lockmode = ExclusiveLock;
		LockPage(index, HNSW_UPDATE_LOCK, lockmode);
		meta = HnswReadMeta(index);
	}

	layerlinks = palloc0(sizeof(ItemPointerData *) * (level + 1));
	nlinks = palloc0(sizeof(int) * (level + 1));
	toplayer = Min(level, meta.entry_level);

	if (ItemPointerIsValid(&meta.entry))
	{
		HnswVisited visited;
		HnswHeap	entries;
		HnswCandidate ep;
		PinCache	pc = {InvalidBuffer, InvalidBlockNumber};
		float	   *cvec = palloc(sizeof(float) * d->dims * efc);

		HnswVisitedInit(&visited, efc * m * 4);
		HnswHeapInit(&entries, efc * 2, false);
		if (load_candidate(index, &pc, d, m, vec, &meta.entry, &ep))
		{
			HnswVisitedAdd(&visited, &ep.tid);
			HnswHeapPush(&entries, &ep);
		}
		pin_release(&pc);

		for (int layer = meta.entry_level; layer >= 0 && entries.size > 0; layer--)
		{
			int			ef = layer > level + 1 ? 1 : layer > level ? HNSW_DESCENT_BEAM : efc;
			HnswHeap	result;
			HnswHeap	all;

			HnswHeapInit(&result, ef + 1, true);
			/* remember every entry, deleted or not, to seed the next layer */
			HnswHeapInit(&all, entries.size, false);
			for (int i = 0; i < entries.size; i++)
				HnswHeapPush(&all, &entries.items[i]);

			HnswSearchLayerDisk(index, d, m, vec, &entries, ef, layer, &visited, &result);

			if (layer <= level && result.size > 0)
			{
				int			n = result.size;
				HnswCandidate *cands = palloc(sizeof(HnswCandidate) * n);
				const float **vecs = palloc(sizeof(float *) * n);
				bool	   *selected = palloc(sizeof(bool) * n);
				int			cap = HnswLayerCapacity(m, layer);
				int			ncands = 0;
				int			nsel;

				/* nearest first, each with its vector */
				for (int i = n - 1; i >= 0; i--)
					cands[i] = HnswHeapPop(&result);
				for (int i = 0; i < n; i++)
				{
					float	   *v = cvec + (Size) d->dims * ncands;

					if (!HnswReadElementVector(index, m, &cands[i].tid, v, d->dims))
						continue;
					cands[ncands] = cands[i];
					vecs[ncands] = v;
					ncands++;
				}
				nsel = HnswSelectNeighbors(d, cands, ncands, vecs, cap, selected);
				layerlinks[layer] = palloc(sizeof(ItemPointerData) * Max(nsel, 1));
				for (int i = 0; i < ncands; i++)
					if (selected[i])
						layerlinks[layer][nlinks[layer]++] = cands[i].tid;

				/* the next layer starts from all of this layer's nearest */
				HnswHeapInit(&entries, ncands * 2, false);
				for (int i = 0; i < ncands; i++)
					HnswHeapPush(&entries, &cands[i]);
			}
			else
			{
				/* the descent: carry what it found on, or else the nearest entry */
				carry_down(&result, &entries, all.items, Min(all.size, 1));
			}
			/* each layer is searched afresh, starting from the entries */
			HnswVisitedReset(&visited);
			for (int i = 0; i < entries.size; i++)
				HnswVisitedAdd(&visited, &entries.items[i].tid);
		}
	}

	/* the new element, with its links */
	size = HnswElementTupleSize(m, level, d->dims);
	tup = palloc0(size);
	tup->type = HNSW_ELEMENT_TUPLE;
	tup->level = level;
	tup->heaptid = *heaptid;
	tup->dims = d->dims;
	for (int layer = 0; layer <= level; layer++)
	{
		HnswElementCounts(tup)[layer] = nlinks[layer];
		if (nlinks[layer] > 0)
			memcpy(HnswElementLinks(tup, m, layer), layerlinks[layer],
				   sizeof(ItemPointerData) * nlinks[layer]);
	}
	memcpy(HnswElementVector(tup, m), vec, sizeof(float) * d->dims);
	tid = place_tuple(index, tup, size);

	/* a new top: it becomes the entry point (we hold the exclusive lock) */
	if (!ItemPointerIsValid(&meta.entry) || level > meta.entry_level)
		HnswSetEntry(index, &tid, level);

	/*
	 * Links back from the new neighbours.  If every one of them drops the new
	 * element, the nearest must keep it: an element nothing links to could
	 * never be found.
	 */
	for (int layer = toplayer; layer >= 0; layer--)
	{
		bool		linked = false;

		for (int i = 0; i < nlinks[layer]; i++)
			linked |= HnswAddBacklink(index, d, m, &layerlinks[layer][i], layer, &tid, vec,
									  false);
		if (!linked && nlinks[layer] > 0)
			HnswAddBacklink(index, d, m, &layerlinks[layer][0], layer, &tid, vec, true);
	}

	UnlockPage(index, HNSW_UPDATE_LOCK, lockmode);
}

/*
 * A whole search for a query: greedy descent from the entry point, then a
 * best-first search of layer 0 keeping ef.  Returns how many live elements
 * were found; *out gets them nearest first.
 */
int
HnswSearchDisk(Relation index, const HnswDistance *d, int m, const float *q,
			   ItemPointer entry, int entry_level, int ef, HnswCandidate **out,
			   int *nvisited)
{
	HnswVisited upper;
	HnswVisited visited;
	HnswHeap	entries;
	HnswHeap	result;
	HnswCandidate ep;
	PinCache	pc = {InvalidBuffer, InvalidBlockNumber};
	bool		found;
	int			n;

	*out = NULL;
	if (nvisited)
		*nvisited = 0;
	found = load_candidate(index, &pc, d, m, q, entry, &ep);
	pin_release(&pc);
	if (!found)
		return 0;

	HnswHeapInit(&entries, Max(ef, HNSW_DESCENT_BEAM) * 2, false);
	HnswHeapInit(&result, Max(ef, HNSW_DESCENT_BEAM) + 1, true);

	/*
	 * The greedy descent through the upper layers visits a few dozen
	 * elements per layer: a small visited set, cleared between layers,
	 * serves it.  Layer 1 is searched with a beam (HNSW_DESCENT_BEAM), all of
	 * whose results start layer 0.  Layer 0 gets a fresh set sized for ef.
	 */
	entries.size = 0;
	HnswHeapPush(&entries, &ep);
	if (entry_level > 0)
		HnswVisitedInit(&upper, HnswLayerCapacity(m, 1) * 8);
	for (int layer = entry_level; layer > 0; layer--)
	{
		int			beam = layer == 1 ? HNSW_DESCENT_BEAM : 1;
		HnswCandidate saved[HNSW_DESCENT_BEAM];
		int			nsaved = entries.size;

		/* the entries are consumed: keep them in case nothing live is found */
		Assert(nsaved <= HNSW_DESCENT_BEAM);
		memcpy(saved, entries.items, sizeof(HnswCandidate) * nsaved);
		HnswVisitedReset(&upper);
		for (int i = 0; i < nsaved; i++)
			HnswVisitedAdd(&upper, &saved[i].tid);
		result.size = 0;
		HnswSearchLayerDisk(index, d, m, q, &entries, beam, layer, &upper, &result);
		/* only deleted elements on the way: go on from the entries */
		carry_down(&result, &entries, saved, nsaved);
	}

	HnswVisitedInit(&visited, ef * m * 4);
	for (int i = 0; i < entries.size; i++)
		HnswVisitedAdd(&visited, &entries.items[i].tid);
	result.size = 0;
	HnswSearchLayerDisk(index, d, m, q, &entries, ef, 0, &visited, &result);

	if (nvisited)
		*nvisited = visited.count;

	/*
	 * The search read candidates without content locks: read every result
	 * again under the share lock, so that only elements seen whole are
	 * returned, with their heap TID and distance from that reading.
	 */
	n = 0;
	*out = palloc(sizeof(HnswCandidate) * Max(result.size, 1));
	while (result.size > 0)
	{
		HnswCandidate c = HnswHeapPop(&result);
		HnswCandidate again;

		if (load_candidate(index, &pc, d, m, q, &c.tid, &again) && !again.deleted)
			(*out)[n++] = again;
	}
	pin_release(&pc);
	/*
	 * Nearest first.  They came out farthest first and in order, unless a
	 * distance changed on the second reading: reverse, then an insertion
	 * sort, which is stable and linear on sorted input.
	 */
	for (int i = 0; i < n / 2; i++)
	{
		HnswCandidate t = (*out)[i];

		(*out)[i] = (*out)[n - 1 - i];
		(*out)[n - 1 - i] = t;
	}
	for (int i = 1; i < n; i++)
	{
		HnswCandidate t = (*out)[i];
		int			j = i;

		for (; j > 0 && (*out)[j - 1].dist > t.dist; j--)
			(*out)[j] = (*out)[j - 1];
		(*out)[j] = t;
	}
	return n;
}
