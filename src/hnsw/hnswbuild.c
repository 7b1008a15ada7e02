/*-------------------------------------------------------------------------
 * hnswbuild.c
 *		CREATE INDEX for hnsw: the graph is built in memory, then written
 *		to pages in one sequential pass and WAL-logged as whole pages.
 *
 * Design.  The graph lives in one arena: a header, a table of node offsets
 * and the nodes themselves (level, heap TID, a lock, neighbour lists as node
 * numbers, and the payload).  Nothing in it is a pointer, so the same arena
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
#include "hnsw/hnswbuild.h"

#include "access/parallel.h"
#include "access/tableam.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* build state ----------------------------------------------------------- */


void
HnswBuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext oldctx;
	void	   *payload;
	Size		size;
	int			level;

	if (isnull[0])
		return;
	if (bs->parallel && bs->graph->full)
		return;					/* the leader starts over serially */

	oldctx = MemoryContextSwitchTo(bs->tmpctx);
	payload = bs->local.dist.type->form_payload(&bs->local.dist, values[0], &size);
	if (payload != NULL)
	{
		HnswCheckPayloadFits(&bs->local.dist, size);
		/* one draw: Min() evaluates its arguments twice */
		level = HnswRandomLevel(bs->m, HnswRandomUniform(&bs->local.rng));
		level = Min(level, HnswMaxLevelForPayload(bs->m, bs->local.dist.span, size));
		if (!bs->flushed)
		{
			int32		n = HnswGraphAllocNode(bs->graph, level, size);

			if (n >= 0)
			{
				BuildNode  *node = graph_node(bs->graph, n);

				node->heaptid = *tid;
				memcpy(node_payload(bs->graph, node), payload, size);
				HnswMemInsert(&bs->local, n);
			}
			else if (!bs->parallel)
			{
				ereport(NOTICE,
						(errmsg("hnsw graph outgrew maintenance_work_mem after %.0f tuples",
								bs->indtuples),
						 errdetail("The remaining tuples are inserted into the index pages one at a time, which is much slower."),
						 errhint("Raise maintenance_work_mem (now %d kB) to build the whole graph in memory.",
								 maintenance_work_mem)));
				HnswWriteGraph(bs);
				bs->flushed = true;
			}
		}
		if (bs->flushed)
			HnswInsertOnDisk(bs->index, &bs->local.dist, bs->m, bs->efc, payload, size, tid,
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

void
HnswBuildInitState(HnswBuildState *bs, Relation heap, Relation index, IndexInfo *indexInfo,
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
	HnswLocalInit(&bs->local, graph, index, seed);
	bs->tmpctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw build tuple",
									   ALLOCSET_DEFAULT_SIZES);
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
create_metapage(Relation index, ForkNumber fork, const HnswDistance *d, int m, int efc)
{
	Buffer		buf = HnswNewBuffer(index, fork);

	START_CRIT_SECTION();
	HnswInitMetaPage(BufferGetPage(buf), d->dims, m, efc, d);
	MarkBufferDirty(buf);
	if (fork == INIT_FORKNUM)
		log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}

IndexBuildResult *
hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result = palloc(sizeof(IndexBuildResult));
	int			m = HnswGetM(index);
	int			efc = HnswGetEfConstruction(index);
	HnswDistance d;
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
	HnswInitDistance(&d, index, HnswIndexDims(index), HnswGetM(index));
	/* fixed-size elements are checked once, the others one by one */
	if (d.min_payload == d.max_payload)
		HnswCheckPayloadFits(&d, d.max_payload);

	create_metapage(index, MAIN_FORKNUM, &d, m, efc);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PROGRESS_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 (int64) Max(heap->rd_rel->reltuples, 0));

	nworkers = HnswPlanWorkers(heap, index, indexInfo);
	if (nworkers <= 0 ||
		!HnswBuildParallel(heap, index, indexInfo, nworkers, &d, m, efc,
						&reltuples, &indtuples))
	{
		HnswBuildState bs;
		Size		arenasize = (Size) maintenance_work_mem * 1024;
		BuildGraph *graph = MemoryContextAllocHuge(CurrentMemoryContext, arenasize);

		HnswGraphInit(graph, arenasize, &d, m, efc, false);
		HnswBuildInitState(&bs, heap, index, indexInfo, graph, HNSW_BUILD_SEED);
		reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
										   HnswBuildCallback, &bs, NULL);
		if (!bs.flushed)
			HnswWriteGraph(&bs);
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
	HnswDistance d;

	HnswInitDistance(&d, index, HnswIndexDims(index), HnswGetM(index));
	create_metapage(index, INIT_FORKNUM, &d, HnswGetM(index), HnswGetEfConstruction(index));
}
