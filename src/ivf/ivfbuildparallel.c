/*-------------------------------------------------------------------------
 * ivfbuildparallel.c
 *		Parallel assignment for CREATE INDEX ... USING ivfflat: the leader
 *		and max_parallel_maintenance_workers workers scan their shares of
 *		the table, assign each row to its nearest center and sort their
 *		rows into one shared tuplesort, which the leader then reads in list
 *		order.  The sample and the k-means stay in the leader.
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfbuild.h"

#include "hnsw/hnswbuild.h"

#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "miscadmin.h"
#include "storage/spin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define PARALLEL_KEY_IVF_SHARED		UINT64CONST(0xA000000000000011)
#define PARALLEL_KEY_IVF_CENTERS	UINT64CONST(0xA000000000000012)
#define PARALLEL_KEY_IVF_SORT		UINT64CONST(0xA000000000000013)

typedef struct IvfShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	int			nlists;
	int			workmem;		/* kB per participant */
	slock_t		mutex;
	double		reltuples;		/* summed over participants */
	double		indtuples;
	/* ParallelTableScanDescData follows */
} IvfShared;

#define ParallelTableScanFromIvfShared(shared) \
	((ParallelTableScanDesc) ((char *) (shared) + BUFFERALIGN(sizeof(IvfShared))))

/* One participant: its share of the table into its part of the sort. */
static void
participate(IvfShared *shared, Sharedsort *sharedsort, char *centers, Relation heap,
			Relation index, IndexInfo *indexInfo, IvfBuildState *leader)
{
	IvfBuildState bs;
	SortCoordinateData coord;
	TableScanDesc scan;
	double		reltuples;

	memset(&bs, 0, sizeof(bs));
	if (leader)
		bs.dist = leader->dist;
	else
		IvfInitDistance(&bs.dist, index, TupleDescAttr(index->rd_att, 0)->atttypmod);
	bs.nlists = shared->nlists;
	bs.centers = centers;
	bs.tmpctx = AllocSetContextCreate(CurrentMemoryContext, "ivfflat build tuple",
									  ALLOCSET_DEFAULT_SIZES);
	bs.tupdesc = IvfSortTupdesc();
	bs.slot = MakeSingleTupleTableSlot(bs.tupdesc, &TTSOpsVirtual);
	coord.isWorker = true;
	coord.nParticipants = -1;
	coord.sharedsort = sharedsort;
	bs.sort = IvfBeginSort(bs.tupdesc, shared->workmem, &coord);

	scan = table_beginscan_parallel(heap, ParallelTableScanFromIvfShared(shared));
	reltuples = table_index_build_scan(heap, index, indexInfo, true, leader != NULL,
									   IvfAssignCallback, &bs, scan);
	tuplesort_performsort(bs.sort);
	tuplesort_end(bs.sort);
	ExecDropSingleTupleTableSlot(bs.slot);
	MemoryContextDelete(bs.tmpctx);

	SpinLockAcquire(&shared->mutex);
	shared->reltuples += reltuples;
	shared->indtuples += bs.indtuples;
	SpinLockRelease(&shared->mutex);
}

void
IvfParallelBuildMain(dsm_segment *seg, shm_toc *toc)
{
	IvfShared  *shared = shm_toc_lookup(toc, PARALLEL_KEY_IVF_SHARED, false);
	char	   *centers = shm_toc_lookup(toc, PARALLEL_KEY_IVF_CENTERS, false);
	Sharedsort *sharedsort = shm_toc_lookup(toc, PARALLEL_KEY_IVF_SORT, false);
	LOCKMODE	heapLockmode = shared->isconcurrent ? ShareUpdateExclusiveLock : ShareLock;
	LOCKMODE	indexLockmode = shared->isconcurrent ? RowExclusiveLock : AccessExclusiveLock;
	Relation	heap = table_open(shared->heaprelid, heapLockmode);
	Relation	index = index_open(shared->indexrelid, indexLockmode);
	IndexInfo  *indexInfo = BuildIndexInfo(index);

	indexInfo->ii_Concurrent = shared->isconcurrent;
	tuplesort_attach_shared(sharedsort, seg);
	participate(shared, sharedsort, centers, heap, index, indexInfo, NULL);
	index_close(index, indexLockmode);
	table_close(heap, heapLockmode);
}

/*
 * Assign every row with nworkers workers plus the leader; on success
 * bs->sort is the leader's sort, performed, and bs->indtuples is set (the
 * context stays until IvfEndParallel).  False when no parallel context
 * could be had: assign serially then.
 */
bool
IvfAssignParallel(Relation heap, Relation index, IndexInfo *indexInfo, IvfBuildState *bs,
				  int nworkers)
{
	ParallelContext *pcxt;
	Size		sharedsize;
	Size		centersize = (Size) bs->nlists * bs->dist.max_payload;
	Size		sortsize = tuplesort_estimate_shared(nworkers + 1);
	Snapshot	snapshot;
	IvfShared  *shared;
	char	   *centers;
	Sharedsort *sharedsort;
	SortCoordinateData coord;

	pcxt = HnswParallelBegin("IvfParallelBuildMain", nworkers, indexInfo, &snapshot);

	sharedsize = BUFFERALIGN(sizeof(IvfShared)) + table_parallelscan_estimate(heap, snapshot);
	shm_toc_estimate_chunk(&pcxt->estimator, sharedsize);
	shm_toc_estimate_chunk(&pcxt->estimator, centersize);
	shm_toc_estimate_chunk(&pcxt->estimator, sortsize);
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		HnswParallelEnd(pcxt, snapshot);
		return false;
	}

	shared = shm_toc_allocate(pcxt->toc, sharedsize);
	shared->heaprelid = RelationGetRelid(heap);
	shared->indexrelid = RelationGetRelid(index);
	shared->isconcurrent = indexInfo->ii_Concurrent;
	shared->nlists = bs->nlists;
	shared->workmem = Max(maintenance_work_mem / (nworkers + 1), 64);
	SpinLockInit(&shared->mutex);
	shared->reltuples = 0;
	shared->indtuples = 0;
	table_parallelscan_initialize(heap, ParallelTableScanFromIvfShared(shared), snapshot);
	centers = shm_toc_allocate(pcxt->toc, centersize);
	memcpy(centers, bs->centers, centersize);
	sharedsort = shm_toc_allocate(pcxt->toc, sortsize);
	tuplesort_initialize_shared(sharedsort, nworkers + 1, pcxt->seg);

	shm_toc_insert(pcxt->toc, PARALLEL_KEY_IVF_SHARED, shared);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_IVF_CENTERS, centers);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_IVF_SORT, sharedsort);

	LaunchParallelWorkers(pcxt);
	ereport(DEBUG1,
			(errmsg_internal("ivfflat build of \"%s\" with %d parallel workers launched of %d planned",
							 RelationGetRelationName(index), pcxt->nworkers_launched, nworkers)));

	/* the leader takes part, then merges every participant's runs */
	participate(shared, sharedsort, centers, heap, index, indexInfo, bs);
	WaitForParallelWorkersToFinish(pcxt);

	coord.isWorker = false;
	coord.nParticipants = pcxt->nworkers_launched + 1;
	coord.sharedsort = sharedsort;
	bs->sort = IvfBeginSort(bs->tupdesc, maintenance_work_mem, &coord);
	tuplesort_performsort(bs->sort);
	bs->indtuples = shared->indtuples;
	bs->pcxt = pcxt;
	bs->snapshot = snapshot;
	return true;
}

/* After the leader's sort is read and ended. */
void
IvfEndParallel(IvfBuildState *bs)
{
	if (bs->pcxt == NULL)
		return;
	HnswParallelEnd(bs->pcxt, bs->snapshot);
	bs->pcxt = NULL;
}
