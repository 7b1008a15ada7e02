/*-------------------------------------------------------------------------
 * hnswbuild.c
 *		CREATE INDEX for hnsw: the graph is built in memory, then written
 *		to pages in one sequential pass and WAL-logged as whole pages.
 *
 * Design.  The graph lives in one arena: a header, a table of node offsets
 * and the nodes themselves (level, heap TID, a lock, neighbour lists as node
 * numbers, and the vector).  Nothing in it is a pointer, so the same arena
 * works in local memory for a serial build and in a dynamic shared memory
 * segment that the leader and the workers of a parallel build all insert
 * into.  Each node's lists are guarded by its own LWLock; the entry point by
 * a spinlock, and an insert that may raise it holds entry_lock throughout.
 *
 * Writing: a first pass gives every node its on-disk TID by laying the
 * tuples out page by page in node order; a second pass forms the tuples,
 * with links translated from node numbers to TIDs, and writes full pages
 * through a bulk-write buffer ring.  All pages are then WAL-logged with
 * log_newpage_range, as the sorted btree build does.
 *
 * When the arena is full (maintenance_work_mem), a serial build says so in
 * a NOTICE, writes what it has, and inserts the remaining tuples one at a
 * time on disk.  A parallel build whose arena fills up starts over as a
 * serial build.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

#include "access/parallel.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "types/vector.h"

/* keys of the parallel build's shared memory table of contents */
#define PARALLEL_KEY_HNSW_SHARED	UINT64CONST(0xA000000000000001)
#define PARALLEL_KEY_HNSW_GRAPH		UINT64CONST(0xA000000000000002)

/* seed of the level generator: builds are reproducible */
#define HNSW_BUILD_SEED				UINT64CONST(0x853C49E6748FEA9B)

/* room for the header and rounding when sizing an arena from an estimate */
#define HNSW_ARENA_SLACK			(1024 * 1024)

/* maintenance_work_mem each participant of a parallel build needs, as for btree */
#define HNSW_PARALLEL_MIN_MEM_KB	32768

/* progress is reported every this many tuples */
#define HNSW_PROGRESS_INTERVAL		1000

typedef struct BuildGraph
{
	slock_t		mutex;			/* guards the fields up to "used" */
	int32		entry;			/* entry node, -1 when empty */
	int32		entry_level;
	int32		nnodes;
	bool		full;			/* an allocation failed */
	Size		used;			/* bytes of the node area in use */

	/* set at creation, read-only after */
	LWLock		entry_lock;		/* held by an insert that may raise the entry */
	bool		concurrent;		/* shared by several processes */
	int			tranche;
	int			dims;
	int			m;
	int			efc;
	int32		max_nodes;
	Size		offsets_off;	/* uint64 offsets[max_nodes], from the arena start */
	Size		nodes_off;		/* node area, from the arena start */
	Size		size;			/* bytes of the node area */
} BuildGraph;

typedef struct BuildNode
{
	ItemPointerData heaptid;
	uint8		level;
	ItemPointerData itid;		/* on-disk TID, set before writing */
	LWLock		lock;			/* guards the neighbour lists */
	/* uint16 counts[level+1], int32 links[], float vector[dims] follow */
} BuildNode;

#define NODE_HEADER_SIZE		MAXALIGN(sizeof(BuildNode))

static inline Size
node_size(int m, int level, int dims)
{
	return MAXALIGN(NODE_HEADER_SIZE + HnswCountsSize(level) +
					sizeof(int32) * HnswTotalLinks(m, level) + sizeof(float) * dims);
}

static inline BuildNode *
graph_node(BuildGraph *g, int32 n)
{
	uint64	   *offsets = (uint64 *) ((char *) g + g->offsets_off);

	return (BuildNode *) ((char *) g + g->nodes_off + offsets[n]);
}

static inline uint16 *
node_counts(BuildNode *node)
{
	return (uint16 *) ((char *) node + NODE_HEADER_SIZE);
}

static inline int32 *
node_links(BuildGraph *g, BuildNode *node, int layer)
{
	int32	   *links = (int32 *) ((char *) node_counts(node) + HnswCountsSize(node->level));

	return links + (layer == 0 ? 0 : 2 * g->m + (layer - 1) * g->m);
}

static inline float *
node_vector(BuildGraph *g, BuildNode *node)
{
	return (float *) ((char *) node_counts(node) + HnswCountsSize(node->level) +
					  sizeof(int32) * HnswTotalLinks(g->m, node->level));
}

/* Lay out an arena of size bytes at g. */
static void
graph_init(BuildGraph *g, Size size, int dims, int m, int efc, bool concurrent)
{
	Size		header = MAXALIGN(sizeof(BuildGraph));
	Size		minnode = node_size(m, 0, dims);

	memset(g, 0, sizeof(BuildGraph));
	SpinLockInit(&g->mutex);
	g->entry = -1;
	g->entry_level = -1;
	g->concurrent = concurrent;
	g->dims = dims;
	g->m = m;
	g->efc = efc;
	g->max_nodes = (int32) Min((size - header) / (minnode + sizeof(uint64)), PG_INT32_MAX);
	g->offsets_off = header;
	g->nodes_off = MAXALIGN(header + sizeof(uint64) * g->max_nodes);
	g->size = size > g->nodes_off ? size - g->nodes_off : 0;
	if (concurrent)
	{
		g->tranche = LWLockNewTrancheId();
		LWLockRegisterTranche(g->tranche, "hnsw build");
		LWLockInitialize(&g->entry_lock, g->tranche);
	}
}

/* A new node, or -1 when the arena is full. */
static int32
graph_alloc_node(BuildGraph *g, int level)
{
	Size		size = node_size(g->m, level, g->dims);
	uint64	   *offsets = (uint64 *) ((char *) g + g->offsets_off);
	int32		n = -1;

	SpinLockAcquire(&g->mutex);
	if (!g->full && g->nnodes < g->max_nodes && g->used + size <= g->size)
	{
		n = g->nnodes++;
		offsets[n] = g->used;
		g->used += size;
	}
	else
		g->full = true;
	SpinLockRelease(&g->mutex);

	if (n >= 0)
	{
		BuildNode  *node = graph_node(g, n);

		memset(node, 0, size);
		node->level = level;
		if (g->concurrent)
			LWLockInitialize(&node->lock, g->tranche);
	}
	return n;
}

static inline void
node_lock(BuildGraph *g, BuildNode *node, LWLockMode mode)
{
	if (g->concurrent)
		LWLockAcquire(&node->lock, mode);
}

static inline void
node_unlock(BuildGraph *g, BuildNode *node)
{
	if (g->concurrent)
		LWLockRelease(&node->lock);
}

/* Per-process state of inserting into the graph. */
typedef struct BuildLocal
{
	BuildGraph *g;
	HnswDistance dist;
	uint32	   *visited;		/* epoch tag per node */
	int32		visited_cap;
	uint32		epoch;
	int32	   *linkbuf;
	uint64		rng;
	int			maxlevel;
} BuildLocal;

static void
local_init(BuildLocal *bl, BuildGraph *g, Relation index, uint64 seed)
{
	memset(bl, 0, sizeof(BuildLocal));
	bl->g = g;
	HnswInitDistance(&bl->dist, index, g->dims);
	bl->visited_cap = 1024;
	bl->visited = palloc0(sizeof(uint32) * bl->visited_cap);
	bl->linkbuf = palloc(sizeof(int32) * HnswLayerCapacity(g->m, 0));
	bl->rng = seed;
	bl->maxlevel = HnswMaxLevelForDims(g->m, g->dims);
}

static inline bool
visit(BuildLocal *bl, int32 n)
{
	if (n >= bl->visited_cap)
	{
		int32		cap = bl->visited_cap;

		while (cap <= n)
			cap *= 2;
		bl->visited = repalloc(bl->visited, sizeof(uint32) * cap);
		memset(bl->visited + bl->visited_cap, 0, sizeof(uint32) * (cap - bl->visited_cap));
		bl->visited_cap = cap;
	}
	if (bl->visited[n] == bl->epoch)
		return false;
	bl->visited[n] = bl->epoch;
	return true;
}

static void
new_epoch(BuildLocal *bl)
{
	if (++bl->epoch == 0)
	{
		memset(bl->visited, 0, sizeof(uint32) * bl->visited_cap);
		bl->epoch = 1;
	}
}

/* Best-first search of one layer in memory; result gets the ef nearest. */
static void
mem_search_layer(BuildLocal *bl, const float *q, HnswCandidate *entries, int nentries,
				 int ef, int layer, HnswHeap *cand, HnswHeap *result)
{
	BuildGraph *g = bl->g;

	new_epoch(bl);
	cand->size = 0;
	result->size = 0;
	for (int i = 0; i < nentries; i++)
	{
		visit(bl, entries[i].idx);
		HnswHeapPush(cand, &entries[i]);
		HnswHeapPush(result, &entries[i]);
	}
	while (result->size > ef)
		HnswHeapPop(result);

	while (cand->size > 0)
	{
		HnswCandidate c = HnswHeapPop(cand);
		BuildNode  *node = graph_node(g, c.idx);
		int			n;

		if (result->size >= ef && c.dist > HnswHeapTop(result)->dist)
			break;

		node_lock(g, node, LW_SHARED);
		n = node_counts(node)[layer];
		memcpy(bl->linkbuf, node_links(g, node, layer), sizeof(int32) * n);
		node_unlock(g, node);

		for (int i = 0; i < n; i++)
		{
			int32		e = bl->linkbuf[i];
			HnswCandidate ec;

			if (i + 1 < n)
				__builtin_prefetch(node_vector(g, graph_node(g, bl->linkbuf[i + 1])));
			if (!visit(bl, e))
				continue;
			ec.dist = HnswDist(&bl->dist, q, node_vector(g, graph_node(g, e)));
			if (result->size < ef || ec.dist < HnswHeapTop(result)->dist)
			{
				ec.idx = e;
				HnswHeapPush(cand, &ec);
				HnswHeapPush(result, &ec);
				if (result->size > ef)
					HnswHeapPop(result);
			}
		}
	}
}

static int
candidate_cmp(const void *a, const void *b)
{
	float		da = ((const HnswCandidate *) a)->dist;
	float		db = ((const HnswCandidate *) b)->dist;

	return da < db ? -1 : (da > db ? 1 : 0);
}

/* Pick up to keep of cands (sorted nearest first) with the heuristic. */
static int
mem_select(BuildLocal *bl, HnswCandidate *cands, int ncands, int keep, int32 *out)
{
	const float **vecs = palloc(sizeof(float *) * ncands);
	bool	   *selected = palloc(sizeof(bool) * ncands);
	int			nsel = 0;

	for (int i = 0; i < ncands; i++)
		vecs[i] = node_vector(bl->g, graph_node(bl->g, cands[i].idx));
	HnswSelectNeighbors(&bl->dist, cands, ncands, vecs, keep, selected);
	for (int i = 0; i < ncands; i++)
		if (selected[i])
			out[nsel++] = cands[i].idx;
	pfree(vecs);
	pfree(selected);
	return nsel;
}

/* Make node s link to n on a layer, re-selecting its links when full. */
static void
mem_add_backlink(BuildLocal *bl, int32 s, int32 n, int layer)
{
	BuildGraph *g = bl->g;
	BuildNode  *node = graph_node(g, s);
	int			cap = HnswLayerCapacity(g->m, layer);
	uint16	   *counts = node_counts(node);
	int32	   *links = node_links(g, node, layer);

	node_lock(g, node, LW_EXCLUSIVE);
	if (counts[layer] < cap)
		links[counts[layer]++] = n;
	else
	{
		HnswCandidate *cands = palloc(sizeof(HnswCandidate) * (cap + 1));
		const float *svec = node_vector(g, node);

		for (int i = 0; i < cap; i++)
		{
			cands[i].idx = links[i];
			cands[i].dist = HnswDist(&bl->dist, svec, node_vector(g, graph_node(g, links[i])));
		}
		cands[cap].idx = n;
		cands[cap].dist = HnswDist(&bl->dist, svec, node_vector(g, graph_node(g, n)));
		qsort(cands, cap + 1, sizeof(HnswCandidate), candidate_cmp);
		counts[layer] = mem_select(bl, cands, cap + 1, cap, links);
		pfree(cands);
	}
	node_unlock(g, node);
}

/* Insert node n (vector and level already set) into the graph. */
static void
mem_insert(BuildLocal *bl, int32 n)
{
	BuildGraph *g = bl->g;
	BuildNode  *node = graph_node(g, n);
	const float *q = node_vector(g, node);
	int			level = node->level;
	int32		ep;
	int			eplevel;
	bool		holds_entry_lock = false;
	HnswCandidate cur;
	HnswCandidate *entries;
	int			nentries;
	HnswHeap	cand;
	HnswHeap	result;
	int32	   *sel = palloc(sizeof(int32) * HnswLayerCapacity(g->m, 0) * (level + 1));
	int		   *nsel = palloc0(sizeof(int) * (level + 1));
	int			toplayer;

	SpinLockAcquire(&g->mutex);
	ep = g->entry;
	eplevel = g->entry_level;
	SpinLockRelease(&g->mutex);

	if (ep < 0 || level > eplevel)
	{
		/* may become the entry: serialize with other such inserts */
		if (g->concurrent)
		{
			LWLockAcquire(&g->entry_lock, LW_EXCLUSIVE);
			holds_entry_lock = true;
		}
		SpinLockAcquire(&g->mutex);
		ep = g->entry;
		eplevel = g->entry_level;
		if (ep < 0)
		{
			g->entry = n;
			g->entry_level = level;
		}
		SpinLockRelease(&g->mutex);
		if (ep < 0)
		{
			if (holds_entry_lock)
				LWLockRelease(&g->entry_lock);
			return;
		}
		if (level <= eplevel && holds_entry_lock)
		{
			LWLockRelease(&g->entry_lock);
			holds_entry_lock = false;
		}
	}

	/* greedy descent above the node's level, but for the last layer */
	cur.idx = ep;
	cur.dist = HnswDist(&bl->dist, q, node_vector(g, graph_node(g, ep)));
	for (int layer = eplevel; layer > level + 1; layer--)
	{
		bool		changed = true;

		while (changed)
		{
			BuildNode  *cn = graph_node(g, cur.idx);
			int			cnt;

			changed = false;
			node_lock(g, cn, LW_SHARED);
			cnt = node_counts(cn)[layer];
			memcpy(bl->linkbuf, node_links(g, cn, layer), sizeof(int32) * cnt);
			node_unlock(g, cn);
			for (int i = 0; i < cnt; i++)
			{
				float		dd = HnswDist(&bl->dist, q,
										  node_vector(g, graph_node(g, bl->linkbuf[i])));

				if (dd < cur.dist)
				{
					cur.dist = dd;
					cur.idx = bl->linkbuf[i];
					changed = true;
				}
			}
		}
	}

	HnswHeapInit(&cand, g->efc * 2, false);
	HnswHeapInit(&result, g->efc + 1, true);
	entries = palloc(sizeof(HnswCandidate) * (g->efc + 1));
	entries[0] = cur;
	nentries = 1;

	/*
	 * Search the last layer above the node's level with a small beam (see
	 * hnsw.h), then every layer of the node with ef_construction.  Choose the
	 * links of every layer first and write them all before any other node
	 * links back: until then nothing can reach this node, so no concurrent
	 * insert finds it with empty lists, and no backlink another process adds
	 * to it can be overwritten by its own lists.
	 */
	toplayer = Min(level, eplevel);
	for (int layer = Min(level + 1, eplevel); layer >= 0; layer--)
	{
		int			nres;

		mem_search_layer(bl, q, entries, nentries,
						 layer > level ? HNSW_DESCENT_BEAM : g->efc, layer, &cand, &result);
		nres = result.size;
		for (int i = nres - 1; i >= 0; i--)
			entries[i] = HnswHeapPop(&result);
		nentries = nres;
		if (layer <= level)
			nsel[layer] = mem_select(bl, entries, nentries, HnswLayerCapacity(g->m, layer),
									 sel + layer * HnswLayerCapacity(g->m, 0));
	}

	node_lock(g, node, LW_EXCLUSIVE);
	for (int layer = toplayer; layer >= 0; layer--)
	{
		memcpy(node_links(g, node, layer), sel + layer * HnswLayerCapacity(g->m, 0),
			   sizeof(int32) * nsel[layer]);
		node_counts(node)[layer] = nsel[layer];
	}
	node_unlock(g, node);

	for (int layer = toplayer; layer >= 0; layer--)
		for (int i = 0; i < nsel[layer]; i++)
			mem_add_backlink(bl, sel[layer * HnswLayerCapacity(g->m, 0) + i], n, layer);

	if (level > eplevel)
	{
		SpinLockAcquire(&g->mutex);
		if (level > g->entry_level)
		{
			g->entry = n;
			g->entry_level = level;
		}
		SpinLockRelease(&g->mutex);
	}
	if (holds_entry_lock)
		LWLockRelease(&g->entry_lock);

	pfree(entries);
	pfree(cand.items);
	pfree(result.items);
	pfree(sel);
	pfree(nsel);
}

/* build state ----------------------------------------------------------- */

typedef struct HnswBuildState
{
	Relation	heap;
	Relation	index;
	IndexInfo  *indexInfo;
	int			dims;
	int			m;
	int			efc;
	BuildLocal	local;
	BuildGraph *graph;
	bool		parallel;		/* a participant of a parallel build */
	bool		flushed;		/* graph written: insert the rest on disk */
	double		indtuples;
	float	   *vecbuf;
	MemoryContext tmpctx;
} HnswBuildState;

static void write_graph(HnswBuildState *bs);

static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext oldctx;
	Vector	   *vec;
	int			level;

	if (isnull[0])
		return;
	if (bs->parallel && bs->graph->full)
		return;					/* the leader starts over serially */

	oldctx = MemoryContextSwitchTo(bs->tmpctx);
	vec = DatumGetVector(values[0]);
	VecextCheckExpectedDims(bs->dims, vec->dim);
	if (HnswPrepareVector(&bs->local.dist, vec->x, bs->vecbuf))
	{
		/* one draw: Min() evaluates its arguments twice */
		level = HnswRandomLevel(bs->m, HnswRandomUniform(&bs->local.rng));
		level = Min(level, bs->local.maxlevel);
		if (!bs->flushed)
		{
			int32		n = graph_alloc_node(bs->graph, level);

			if (n >= 0)
			{
				BuildNode  *node = graph_node(bs->graph, n);

				node->heaptid = *tid;
				memcpy(node_vector(bs->graph, node), bs->vecbuf, sizeof(float) * bs->dims);
				mem_insert(&bs->local, n);
			}
			else if (!bs->parallel)
			{
				ereport(NOTICE,
						(errmsg("hnsw graph outgrew maintenance_work_mem after %.0f tuples",
								bs->indtuples),
						 errdetail("The remaining tuples are inserted into the index pages one at a time, which is much slower."),
						 errhint("Raise maintenance_work_mem (now %d kB) to build the whole graph in memory.",
								 maintenance_work_mem)));
				write_graph(bs);
				bs->flushed = true;
			}
		}
		if (bs->flushed)
			HnswInsertOnDisk(bs->index, &bs->local.dist, bs->m, bs->efc, bs->vecbuf, tid,
							 level);
		if (!bs->parallel || !bs->graph->full)
			bs->indtuples++;
	}
	MemoryContextSwitchTo(oldctx);
	MemoryContextReset(bs->tmpctx);

	/* the leader reports; in a parallel build, the shared graph's count */
	if (!IsParallelWorker() && (uint64) bs->indtuples % HNSW_PROGRESS_INTERVAL == 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 bs->parallel && !bs->flushed ?
									 (int64) bs->graph->nnodes : (int64) bs->indtuples);
}

/* writing --------------------------------------------------------------- */

static Size
form_tuple(HnswBuildState *bs, BuildNode *node, HnswElementTuple tup)
{
	BuildGraph *g = bs->graph;
	Size		size = HnswElementTupleSize(bs->m, node->level, bs->dims);

	memset(tup, 0, size);
	tup->type = HNSW_ELEMENT_TUPLE;
	tup->level = node->level;
	tup->heaptid = node->heaptid;
	tup->dims = bs->dims;
	for (int layer = 0; layer <= node->level; layer++)
	{
		int			n = node_counts(node)[layer];
		int32	   *links = node_links(g, node, layer);
		ItemPointerData *out = HnswElementLinks(tup, bs->m, layer);

		HnswElementCounts(tup)[layer] = n;
		for (int i = 0; i < n; i++)
			out[i] = graph_node(g, links[i])->itid;
	}
	memcpy(HnswElementVector(tup, bs->m), node_vector(g, node), sizeof(float) * bs->dims);
	return size;
}

static void
flush_page(Relation index, Page page, BlockNumber expect, BufferAccessStrategy bas)
{
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, bas);

	if (BufferGetBlockNumber(buf) != expect)
		elog(ERROR, "hnsw build expected to write block %u, got %u",
			 expect, BufferGetBlockNumber(buf));
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	memcpy(BufferGetPage(buf), page, BLCKSZ);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* Write the in-memory graph after the metapage, then WAL-log every page. */
static void
write_graph(HnswBuildState *bs)
{
	BuildGraph *g = bs->graph;
	PGAlignedBlock scratch;
	PGAlignedBlock pagebuf;
	Page		page = (Page) pagebuf.data;
	char	   *tupbuf = palloc0(HNSW_MAX_TUPLE_SIZE);
	BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO;
	BufferAccessStrategy bas = GetAccessStrategy(BAS_BULKWRITE);
	Buffer		metabuf;
	HnswMetaPage meta;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PROGRESS_PHASE_WRITE);

	/* pass 1: the TID of every node */
	HnswInitPage((Page) scratch.data, HNSW_PAGE_ELEMENT);
	for (int32 n = 0; n < g->nnodes; n++)
	{
		BuildNode  *node = graph_node(g, n);
		Size		size = HnswElementTupleSize(bs->m, node->level, bs->dims);
		OffsetNumber off;

		off = PageAddItem((Page) scratch.data, tupbuf, size, InvalidOffsetNumber, false, false);
		if (off == InvalidOffsetNumber)
		{
			blkno++;
			HnswInitPage((Page) scratch.data, HNSW_PAGE_ELEMENT);
			off = PageAddItem((Page) scratch.data, tupbuf, size, InvalidOffsetNumber, false, false);
			if (off == InvalidOffsetNumber)
				elog(ERROR, "hnsw element of %zu bytes does not fit on a page", size);
		}
		ItemPointerSet(&node->itid, blkno, off);
	}

	/* pass 2: the pages, in order */
	blkno = HNSW_FIRST_ELEMENT_BLKNO;
	HnswInitPage(page, HNSW_PAGE_ELEMENT);
	for (int32 n = 0; n < g->nnodes; n++)
	{
		BuildNode  *node = graph_node(g, n);
		Size		size;

		CHECK_FOR_INTERRUPTS();
		if (ItemPointerGetBlockNumber(&node->itid) != blkno)
		{
			flush_page(bs->index, page, blkno, bas);
			blkno++;
			HnswInitPage(page, HNSW_PAGE_ELEMENT);
		}
		size = form_tuple(bs, node, (HnswElementTuple) tupbuf);
		if (PageAddItem(page, tupbuf, size, InvalidOffsetNumber, false, false) !=
			ItemPointerGetOffsetNumber(&node->itid))
			elog(ERROR, "hnsw build laid out an element at an unexpected offset");
	}
	if (g->nnodes > 0)
		flush_page(bs->index, page, blkno, bas);
	FreeAccessStrategy(bas);

	/* the entry point */
	metabuf = ReadBuffer(bs->index, HNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = HnswPageGetMeta(BufferGetPage(metabuf));
	if (g->entry >= 0)
	{
		meta->entry = graph_node(g, g->entry)->itid;
		meta->entry_level = g->entry_level;
	}
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

	if (RelationNeedsWAL(bs->index))
		log_newpage_range(bs->index, MAIN_FORKNUM, 0,
						  RelationGetNumberOfBlocks(bs->index), true);
	pfree(tupbuf);
}

/* parallel build -------------------------------------------------------- */

typedef struct HnswShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	uint64		seed;
	slock_t		mutex;
	double		reltuples;		/* summed over participants */
	double		indtuples;
	/* ParallelTableScanDescData follows */
} HnswShared;

#define ParallelTableScanFromHnswShared(shared) \
	((ParallelTableScanDesc) ((char *) (shared) + BUFFERALIGN(sizeof(HnswShared))))

static void
init_state(HnswBuildState *bs, Relation heap, Relation index, IndexInfo *indexInfo,
		   BuildGraph *graph, uint64 seed)
{
	memset(bs, 0, sizeof(HnswBuildState));
	bs->heap = heap;
	bs->index = index;
	bs->indexInfo = indexInfo;
	bs->graph = graph;
	bs->dims = graph->dims;
	bs->m = graph->m;
	bs->efc = graph->efc;
	local_init(&bs->local, graph, index, seed);
	bs->vecbuf = palloc(sizeof(float) * bs->dims);
	bs->tmpctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw build tuple",
									   ALLOCSET_DEFAULT_SIZES);
}

/* Scan this participant's share of the heap into the shared graph. */
static void
parallel_scan_and_build(HnswShared *shared, BuildGraph *graph, Relation heap,
						Relation index, IndexInfo *indexInfo, uint64 seed)
{
	HnswBuildState bs;
	TableScanDesc scan;
	double		reltuples;

	init_state(&bs, heap, index, indexInfo, graph, seed);
	bs.parallel = true;
	scan = table_beginscan_parallel(heap, ParallelTableScanFromHnswShared(shared));
	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   build_callback, &bs, scan);
	SpinLockAcquire(&shared->mutex);
	shared->reltuples += reltuples;
	shared->indtuples += bs.indtuples;
	SpinLockRelease(&shared->mutex);
	MemoryContextDelete(bs.tmpctx);
}

void
HnswParallelBuildMain(dsm_segment *seg, shm_toc *toc)
{
	HnswShared *shared = shm_toc_lookup(toc, PARALLEL_KEY_HNSW_SHARED, false);
	BuildGraph *graph = shm_toc_lookup(toc, PARALLEL_KEY_HNSW_GRAPH, false);
	LOCKMODE	heapLockmode = shared->isconcurrent ? ShareUpdateExclusiveLock : ShareLock;
	LOCKMODE	indexLockmode = shared->isconcurrent ? RowExclusiveLock : AccessExclusiveLock;
	Relation	heap = table_open(shared->heaprelid, heapLockmode);
	Relation	index = index_open(shared->indexrelid, indexLockmode);
	IndexInfo  *indexInfo = BuildIndexInfo(index);

	indexInfo->ii_Concurrent = shared->isconcurrent;
	LWLockRegisterTranche(graph->tranche, "hnsw build");
	parallel_scan_and_build(shared, graph, heap, index, indexInfo,
							shared->seed ^ ((uint64) (ParallelWorkerNumber + 1) << 32));
	index_close(index, indexLockmode);
	table_close(heap, heapLockmode);
}

/* Arena bytes for a parallel build: the estimate, within maintenance_work_mem. */
static Size
parallel_arena_size(Relation heap, int dims, int m)
{
	double		ntuples = heap->rd_rel->reltuples;
	double		avgnode = node_size(m, 0, dims) + sizeof(uint64) +
		(double) sizeof(int32) * m / (m - 1) * m;	/* expected upper-layer links */
	double		want;

	if (ntuples <= 0)
		ntuples = (double) RelationGetNumberOfBlocks(heap) *
			(BLCKSZ / (sizeof(float) * dims + MAXALIGN(SizeofHeapTupleHeader) + 8));
	want = ntuples * avgnode * 1.1 + HNSW_ARENA_SLACK;
	return (Size) Min(want, (double) maintenance_work_mem * 1024.0);
}

/*
 * Run the graph build with nworkers workers plus the leader.  Returns false
 * when the arena filled up (nothing written; build serially instead).
 */
static bool
build_parallel(Relation heap, Relation index, IndexInfo *indexInfo, int nworkers,
			   int dims, int m, int efc, double *reltuples, double *indtuples)
{
	ParallelContext *pcxt;
	Size		sharedsize;
	Size		arenasize = parallel_arena_size(heap, dims, m);
	Snapshot	snapshot;
	HnswShared *shared;
	BuildGraph *graph;
	HnswBuildState bs;
	bool		ok;

	EnterParallelMode();
	pcxt = CreateParallelContext("vecext", "HnswParallelBuildMain", nworkers);

	if (!indexInfo->ii_Concurrent)
		snapshot = SnapshotAny;
	else
		snapshot = RegisterSnapshot(GetTransactionSnapshot());

	sharedsize = BUFFERALIGN(sizeof(HnswShared)) + table_parallelscan_estimate(heap, snapshot);
	shm_toc_estimate_chunk(&pcxt->estimator, sharedsize);
	shm_toc_estimate_chunk(&pcxt->estimator, arenasize);
	shm_toc_estimate_keys(&pcxt->estimator, 2);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no dynamic shared memory to be had: build serially */
		if (IsMVCCSnapshot(snapshot))
			UnregisterSnapshot(snapshot);
		DestroyParallelContext(pcxt);
		ExitParallelMode();
		return false;
	}

	shared = shm_toc_allocate(pcxt->toc, sharedsize);
	shared->heaprelid = RelationGetRelid(heap);
	shared->indexrelid = RelationGetRelid(index);
	shared->isconcurrent = indexInfo->ii_Concurrent;
	shared->seed = HNSW_BUILD_SEED;
	SpinLockInit(&shared->mutex);
	shared->reltuples = 0;
	shared->indtuples = 0;
	table_parallelscan_initialize(heap, ParallelTableScanFromHnswShared(shared), snapshot);

	graph = shm_toc_allocate(pcxt->toc, arenasize);
	graph_init(graph, arenasize, dims, m, efc, true);

	shm_toc_insert(pcxt->toc, PARALLEL_KEY_HNSW_SHARED, shared);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_HNSW_GRAPH, graph);

	LaunchParallelWorkers(pcxt);
	ereport(DEBUG1,
			(errmsg_internal("hnsw build of \"%s\" with %d parallel workers launched of %d planned",
							 RelationGetRelationName(index), pcxt->nworkers_launched, nworkers)));

	/* the leader takes part too */
	parallel_scan_and_build(shared, graph, heap, index, indexInfo, shared->seed);
	WaitForParallelWorkersToFinish(pcxt);

	ok = !graph->full;
	if (ok)
	{
		init_state(&bs, heap, index, indexInfo, graph, shared->seed);
		write_graph(&bs);
		*reltuples = shared->reltuples;
		*indtuples = shared->indtuples;
	}

	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	DestroyParallelContext(pcxt);
	ExitParallelMode();
	return ok;
}

/*
 * How many workers to ask for.  PostgreSQL plans them from the heap's own
 * size, but vectors over about 2 kB live in its TOAST table: a table of
 * 60000 784-dimensional vectors has a 3 MB heap and 190 MB of TOAST.  When
 * the planner says none, count the TOAST pages too, under the planner's
 * other conditions (no temporary table, no index expression or predicate,
 * HNSW_PARALLEL_MIN_MEM_KB of maintenance_work_mem per participant).
 */
static int
plan_workers(Relation heap, Relation index, IndexInfo *indexInfo)
{
	int			nworkers = plan_create_index_workers(RelationGetRelid(heap),
													 RelationGetRelid(index));
	BlockNumber pages;
	Oid			toastrelid = heap->rd_rel->reltoastrelid;

	if (nworkers > 0 || max_parallel_maintenance_workers == 0 || !IsUnderPostmaster ||
		heap->rd_rel->relpersistence == RELPERSISTENCE_TEMP ||
		indexInfo->ii_Expressions != NIL || indexInfo->ii_Predicate != NIL ||
		!OidIsValid(toastrelid))
		return nworkers;

	pages = RelationGetNumberOfBlocks(heap);
	{
		Relation	toast = table_open(toastrelid, AccessShareLock);

		pages += RelationGetNumberOfBlocks(toast);
		table_close(toast, AccessShareLock);
	}
	if ((double) pages < (double) min_parallel_table_scan_size)
		return 0;

	nworkers = max_parallel_maintenance_workers;
	while (nworkers > 0 && maintenance_work_mem / (nworkers + 1) < HNSW_PARALLEL_MIN_MEM_KB)
		nworkers--;
	return nworkers;
}

/* CREATE INDEX ---------------------------------------------------------- */

/*
 * The metapage, block 0 of a fork.  In the main fork it is WAL-logged with
 * the rest of the build by log_newpage_range.  The init fork of an unlogged
 * index is logged here, explicitly: GenericXLog writes no WAL for unlogged
 * relations, and crash recovery must find the init fork intact to reset the
 * index from it.
 */
static void
create_metapage(Relation index, ForkNumber fork, int dims, int m, int efc)
{
	Buffer		buf = HnswNewBuffer(index, fork);

	START_CRIT_SECTION();
	HnswInitMetaPage(BufferGetPage(buf), dims, m, efc);
	MarkBufferDirty(buf);
	if (fork == INIT_FORKNUM)
		log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}

static int
index_dims(Relation index)
{
	int			dims = TupleDescAttr(index->rd_att, 0)->atttypmod;

	if (dims < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column with its dimensions, such as vector(3).")));
	return dims;
}

IndexBuildResult *
hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result = palloc(sizeof(IndexBuildResult));
	int			dims = index_dims(index);
	int			m = HnswGetM(index);
	int			efc = HnswGetEfConstruction(index);
	double		reltuples = 0;
	double		indtuples = 0;
	int			nworkers;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	if (efc < 2 * m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be at least 2 * m"),
				 errdetail("ef_construction is %d and m is %d.", efc, m)));
	HnswCheckDimsFit(m, dims);

	create_metapage(index, MAIN_FORKNUM, dims, m, efc);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PROGRESS_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 (int64) Max(heap->rd_rel->reltuples, 0));

	nworkers = plan_workers(heap, index, indexInfo);
	if (nworkers <= 0 ||
		!build_parallel(heap, index, indexInfo, nworkers, dims, m, efc,
						&reltuples, &indtuples))
	{
		HnswBuildState bs;
		Size		arenasize = (Size) maintenance_work_mem * 1024;
		BuildGraph *graph = MemoryContextAllocHuge(CurrentMemoryContext, arenasize);

		graph_init(graph, arenasize, dims, m, efc, false);
		init_state(&bs, heap, index, indexInfo, graph, HNSW_BUILD_SEED);
		reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
										   build_callback, &bs, NULL);
		if (!bs.flushed)
			write_graph(&bs);
		indtuples = bs.indtuples;
		MemoryContextDelete(bs.tmpctx);
		pfree(graph);
	}

	result->heap_tuples = reltuples;
	result->index_tuples = indtuples;
	return result;
}

/* The init fork of an unlogged index: an empty metapage. */
void
hnswbuildempty(Relation index)
{
	int			m = HnswGetM(index);

	create_metapage(index, INIT_FORKNUM, index_dims(index), m, HnswGetEfConstruction(index));
}
