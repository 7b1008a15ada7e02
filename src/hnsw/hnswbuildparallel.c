/*-------------------------------------------------------------------------
 * hnswbuildparallel.c
 *		Parallel CREATE INDEX: the leader and the workers scan their shares
 *		of the heap into one graph in a dynamic shared memory segment.
 *
 * When the shared arena fills up nothing is written and the leader starts
 * over as a serial build, which can spill to on-disk inserts.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuild.h"

#include "access/parallel.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/* keys of the parallel build's shared memory table of contents */
#define PARALLEL_KEY_HNSW_SHARED	UINT64CONST(0xA000000000000001)
#define PARALLEL_KEY_HNSW_GRAPH		UINT64CONST(0xA000000000000002)

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


/* Scan this participant's share of the heap into the shared graph. */
static void
parallel_scan_and_build(HnswShared *shared, BuildGraph *graph, Relation heap,
						Relation index, IndexInfo *indexInfo, uint64 seed)
{
	HnswBuildState bs;
	TableScanDesc scan;
	double		reltuples;

	HnswBuildInitState(&bs, heap, index, indexInfo, graph, seed);
	bs.parallel = true;
	scan = table_beginscan_parallel(heap, ParallelTableScanFromHnswShared(shared));
	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   HnswBuildCallback, &bs, scan);
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
parallel_arena_size(Relation heap, const HnswDistance *d, int m)
{
	double		ntuples = heap->rd_rel->reltuples;
	double		avgnode = node_size(m, 0, d->max_payload) + sizeof(uint64) +
		(double) sizeof(int32) * m / (m - 1) * m;	/* expected upper-layer links */
	double		want;

	if (ntuples <= 0)
		ntuples = (double) RelationGetNumberOfBlocks(heap) *
			Max(1.0, (double) BLCKSZ / (d->max_payload + MAXALIGN(SizeofHeapTupleHeader) + 8));
	want = ntuples * avgnode * 1.1 + HNSW_ARENA_SLACK;
	return (Size) Min(want, (double) maintenance_work_mem * 1024.0);
}

/*
 * Run the graph build with nworkers workers plus the leader.  Returns false
 * when the arena filled up (nothing written; build serially instead).
 */
bool
HnswBuildParallel(Relation heap, Relation index, IndexInfo *indexInfo, int nworkers,
			   const HnswDistance *d, int m, int efc, double *reltuples, double *indtuples)
{
	ParallelContext *pcxt;
	Size		sharedsize;
	Size		arenasize = parallel_arena_size(heap, d, m);
	Snapshot	snapshot;
	HnswShared *shared;
	BuildGraph *graph;
	HnswBuildState bs;
	bool		ok;

	pcxt = HnswParallelBegin("HnswParallelBuildMain", nworkers, indexInfo, &snapshot);

	sharedsize = BUFFERALIGN(sizeof(HnswShared)) + table_parallelscan_estimate(heap, snapshot);
	shm_toc_estimate_chunk(&pcxt->estimator, sharedsize);
	shm_toc_estimate_chunk(&pcxt->estimator, arenasize);
	shm_toc_estimate_keys(&pcxt->estimator, 2);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no dynamic shared memory to be had: build serially */
		HnswParallelEnd(pcxt, snapshot);
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
	HnswGraphInit(graph, arenasize, d, m, efc, true);

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
		HnswBuildInitState(&bs, heap, index, indexInfo, graph, shared->seed);
		HnswWriteGraph(&bs);
		*reltuples = shared->reltuples;
		*indtuples = shared->indtuples;
	}

	HnswParallelEnd(pcxt, snapshot);
	return ok;
}

/*
 * Enter parallel mode with a context whose workers run function, and the
 * snapshot their scan of the table uses: SnapshotAny, or for CREATE INDEX
 * CONCURRENTLY a registered MVCC snapshot.  Shared by hnsw's and ivfflat's
 * parallel builds; HnswParallelEnd undoes it.
 */
ParallelContext *
HnswParallelBegin(const char *function, int nworkers, IndexInfo *indexInfo, Snapshot *snapshot)
{
	ParallelContext *pcxt;

	EnterParallelMode();
	pcxt = CreateParallelContext("vecext", function, nworkers);
	*snapshot = indexInfo->ii_Concurrent ? RegisterSnapshot(GetTransactionSnapshot()) : SnapshotAny;
	return pcxt;
}

void
HnswParallelEnd(ParallelContext *pcxt, Snapshot snapshot)
{
	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	DestroyParallelContext(pcxt);
	ExitParallelMode();
}

/*
 * How many workers to ask for.  PostgreSQL plans them from the heap's own
 * size, but vectors over about 2 kB live in its TOAST table: a table of
 * 60000 784-dimensional vectors has a 3 MB heap and 190 MB of TOAST.  When
 * the planner says none, count the TOAST pages too, under the planner's
 * other conditions (no temporary table, no index expression or predicate,
 * HNSW_PARALLEL_MIN_MEM_KB of maintenance_work_mem per participant).
 */
int
HnswPlanWorkers(Relation heap, Relation index, IndexInfo *indexInfo)
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
