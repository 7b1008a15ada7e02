/*-------------------------------------------------------------------------
 * hnswbuild.h
 *		The in-memory graph of CREATE INDEX (an arena of nodes without
 *		pointers, shared by the workers of a parallel build) and the build
 *		state; private to hnswbuild*.c.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_HNSWBUILD_H
#define VECEXT_HNSWBUILD_H

#include "hnsw/hnsw.h"

#include "access/parallel.h"
#include "storage/spin.h"

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
	float		max_sqnorm;		/* inner product: largest |v|^2 inserted (read unlocked) */

	/* set at creation, read-only after */
	LWLock		entry_lock;		/* held by an insert that may raise the entry */
	bool		concurrent;		/* shared by several processes */
	int			tranche;
	int			dims;
	Size		max_payload;	/* bytes of the largest payload */
	bool		span;			/* payloads may span pages (HnswDistance.span) */
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
	uint8		links0;			/* link slots on layer 0 (HnswLinks0ForPayload) */
	uint16		payload_size;	/* bytes of the payload */
	uint16		reserve0;		/* first slot of the layer-0 reserve (hnswbuildgraph.c) */
	ItemPointerData itid;		/* on-disk TID, set before writing */
	LWLock		lock;			/* guards the neighbour lists */
	/* uint16 counts[level+1], int32 links[], float sqnorm, the payload follow */
} BuildNode;

#define NODE_HEADER_SIZE		MAXALIGN(sizeof(BuildNode))

static inline Size
node_size(int m, int level, Size payload_size)
{
	return MAXALIGN(NODE_HEADER_SIZE + HnswCountsSize(level) +
					sizeof(int32) * HnswTotalLinks(m, level) + sizeof(float) + payload_size);
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

/*
 * The payload; the float just before it holds its squared norm under inner
 * product (the construction distance reads it from the payload's address).
 */
static inline char *
node_payload(BuildGraph *g, BuildNode *node)
{
	return (char *) node_counts(node) + HnswCountsSize(node->level) +
		sizeof(int32) * HnswTotalLinks(g->m, node->level) + sizeof(float);
}

/* Ask for all the lines of a node's payload, ahead of a kernel reading it. */
static inline void
prefetch_node_payload(BuildGraph *g, BuildNode *node)
{
	const char *p = node_payload(g, node);

	for (Size off = 0; off < node->payload_size; off += 64)
		__builtin_prefetch(p + off);
}

/* Per-process state of inserting into the graph. */
typedef struct BuildLocal
{
	BuildGraph *g;
	HnswDistance dist;			/* the index's distance (for pages) */
	HnswDistance cdist;			/* the construction distance (in memory) */
	uint32	   *visited;		/* epoch tag per node */
	int32		visited_cap;
	uint32		epoch;
	int32	   *linkbuf;
	uint64		rng;
} BuildLocal;

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
	MemoryContext tmpctx;
} HnswBuildState;

/* hnswbuildgraph.c: the graph in memory */
extern void HnswGraphInit(BuildGraph *g, Size size, const HnswDistance *d, int m, int efc,
						  bool concurrent);
extern int32 HnswGraphAllocNode(BuildGraph *g, int level, Size payload_size);
extern void HnswLocalInit(BuildLocal *bl, BuildGraph *g, Relation index, uint64 seed);
extern void HnswMemInsert(BuildLocal *bl, int32 n);
extern int	HnswGraphConnect(BuildLocal *bl);
extern int32 HnswGraphWalk(BuildGraph *g, int32 start, bool *reached, int32 *queue,
						   int32 tail);

/* hnswbuildwrite.c: the graph to pages */
extern void HnswWriteGraph(HnswBuildState *bs);

/* hnswbuild.c */
extern void HnswBuildInitState(HnswBuildState *bs, Relation heap, Relation index,
							   IndexInfo *indexInfo, BuildGraph *graph, uint64 seed);
extern void HnswBuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
							  bool tupleIsAlive, void *state);

/* hnswbuildparallel.c */
extern bool HnswBuildParallel(Relation heap, Relation index, IndexInfo *indexInfo,
							  int nworkers, const HnswDistance *d, int m, int efc,
							  double *reltuples, double *indtuples);
extern int	HnswPlanWorkers(Relation heap, Relation index, IndexInfo *indexInfo);
extern ParallelContext *HnswParallelBegin(const char *function, int nworkers,
										  IndexInfo *indexInfo, Snapshot *snapshot);
extern void HnswParallelEnd(ParallelContext *pcxt, Snapshot snapshot);

#endif							/* VECEXT_HNSWBUILD_H */
