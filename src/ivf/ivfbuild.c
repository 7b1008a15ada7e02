/*-------------------------------------------------------------------------
 * ivfbuild.c
 *		CREATE INDEX ... USING ivfflat: sample, k-means, assign, load.
 *
 * 1. A scan of the table keeps a uniform sample (reservoir, fixed seed, no
 *    synchronized scan: a rebuild of the same table gets the same sample)
 *    of at most IVF_SAMPLES_PER_LIST rows per list, within
 *    maintenance_work_mem after the centers.
 * 2. k-means on the sample gives the centers (ivfkmeans.c).
 * 3. A second scan assigns every row to its nearest center and feeds
 *    (list, heap TID, payload) to a tuplesort on the list.
 * 4. The sorted rows are written list after list, each list on pages of
 *    its own in a row, then the centers; the whole fork is WAL-logged at
 *    the end with log_newpage_range, as the sorted btree build does.
 *
 * A table with fewer rows than lists gets as many lists as rows (at least
 * one, whose center is zero, for an empty table), with a NOTICE.
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfbuild.h"
#include "hnsw/hnswbuild.h"

#include <math.h>

#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplesort.h"

#define IVF_SAMPLE_SEED		UINT64CONST(0x1f5a3b1e)

/* The payload of a row's value, in tmpctx; NULL when it is not indexed. */
static void *
row_payload(IvfBuildState *bs, Datum value, bool isnull)
{
	Size		size;

	if (isnull)
		return NULL;
	return bs->dist.type->form_payload(&bs->dist, value, &size);
}

static void
sample_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = state;
	MemoryContext oldctx = MemoryContextSwitchTo(bs->tmpctx);
	void	   *payload = row_payload(bs, values[0], isnull[0]);
	int			slot = -1;

	if (payload != NULL)
	{
		/* reservoir sampling: row number seen replaces a random sample */
		if (bs->nsamples < bs->maxsamples)
			slot = bs->nsamples++;
		else
		{
			uint64		j = pg_prng_uint64_range(&bs->rng, 0, (uint64) bs->seen);

			if (j < (uint64) bs->maxsamples)
				slot = (int) j;
		}
		bs->seen++;
		if (slot >= 0)
			IvfPayloadToFloat(&bs->dist, payload, bs->samples + (Size) slot * bs->fdim);
	}
	MemoryContextSwitchTo(oldctx);
	MemoryContextReset(bs->tmpctx);
}

/* The list of a payload: the nearest center. */
static int
nearest_list(IvfBuildState *bs, const void *payload)
{
	float		best = 0;
	int			list = 0;

	for (int i = 0; i < bs->nlists; i++)
	{
		float		dd = HnswDist(&bs->dist, payload, HnswPayloadAt(&bs->dist, bs->centers, i));

		if (i == 0 || dd < best)
		{
			best = dd;
			list = i;
		}
	}
	return list;
}

void
IvfAssignCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = state;
	MemoryContext oldctx = MemoryContextSwitchTo(bs->tmpctx);
	void	   *payload = row_payload(bs, values[0], isnull[0]);

	if (payload != NULL)
	{
		bytea	   *p = palloc(VARHDRSZ + bs->dist.max_payload);

		SET_VARSIZE(p, VARHDRSZ + bs->dist.max_payload);
		memcpy(VARDATA(p), payload, bs->dist.max_payload);
		ExecClearTuple(bs->slot);
		bs->slot->tts_values[0] = Int32GetDatum(nearest_list(bs, payload));
		bs->slot->tts_isnull[0] = false;
		bs->slot->tts_values[1] = PointerGetDatum(tid);
		bs->slot->tts_isnull[1] = false;
		bs->slot->tts_values[2] = PointerGetDatum(p);
		bs->slot->tts_isnull[2] = false;
		ExecStoreVirtualTuple(bs->slot);
		tuplesort_puttupleslot(bs->sort, bs->slot);
		bs->indtuples++;
		if ((int64) bs->indtuples % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) bs->indtuples);
	}
	MemoryContextSwitchTo(oldctx);
	MemoryContextReset(bs->tmpctx);
}

/*
 * The sort of (list, heap TID, payload) rows on the list: a serial one
 * (coordinate NULL), a participant's or the leader's of a parallel build.
 */
Tuplesortstate *
IvfBeginSort(TupleDesc tupdesc, int workmem, SortCoordinate coordinate)
{
	AttrNumber	sortcol = 1;
	Oid			sortop = Int4LessOperator;
	Oid			collation = InvalidOid;
	bool		nullsfirst = false;

	return tuplesort_begin_heap(tupdesc, 1, &sortcol, &sortop, &collation, &nullsfirst,
								workmem, coordinate, TUPLESORT_NONE);
}

TupleDesc
IvfSortTupdesc(void)
{
	TupleDesc	tupdesc = CreateTemplateTupleDesc(3);

	TupleDescInitEntry(tupdesc, 1, "list", INT4OID, -1, 0);
	TupleDescInitEntry(tupdesc, 2, "tid", TIDOID, -1, 0);
	TupleDescInitEntry(tupdesc, 3, "payload", BYTEAOID, -1, 0);
	return tupdesc;
}

/* A new page at the end of the fork, initialized and exclusively locked. */
static Buffer
new_page(Relation index, ForkNumber fork, uint16 page_type)
{
	Buffer		buf = HnswNewBuffer(index, fork);

	IvfInitPage(BufferGetPage(buf), page_type);
	return buf;
}

static void
finish_page(Buffer buf)
{
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

static int
centers_per_page(const HnswDistance *d)
{
	return (int) ((IVF_MAX_ITEM_SIZE + sizeof(ItemIdData)) /
				  (IvfCenterTupleSize(d->max_payload) + sizeof(ItemIdData)));
}

/*
 * Write a whole index into fork: metapage, center pages, then the lists
 * from sort (sorted on the list; NULL: every list empty; read through
 * slot, a minimal-tuple slot), then fill in the centers.  centers holds
 * nlists payloads.
 */
static void
write_index(Relation index, ForkNumber fork, const HnswDistance *d, int nlists,
			const char *centers, Tuplesortstate *sort, TupleTableSlot *slot)
{
	int			per_page = centers_per_page(d);
	int			center_pages = (nlists + per_page - 1) / per_page;
	BlockNumber *start = palloc(sizeof(BlockNumber) * nlists);
	BlockNumber *last = palloc(sizeof(BlockNumber) * nlists);
	Buffer		buf;
	Buffer		cur = InvalidBuffer;
	int			curlist = -1;
	Size		entry_size = IvfEntryTupleSize(d->max_payload);
	char	   *entry = palloc0(entry_size);
	IvfMetaPageData *meta;
	int64		loaded = 0;

	for (int i = 0; i < nlists; i++)
		start[i] = last[i] = InvalidBlockNumber;

	/* block 0 and the center pages first, filled in at the end */
	finish_page(new_page(index, fork, IVF_PAGE_META));
	for (int i = 0; i < center_pages; i++)
		finish_page(new_page(index, fork, IVF_PAGE_CENTER));

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PROGRESS_PHASE_LOAD);
	while (sort && tuplesort_gettupleslot(sort, true, false, slot, NULL))
	{
		bool		isnull;
		int			list = DatumGetInt32(slot_getattr(slot, 1, &isnull));
		ItemPointer tid = (ItemPointer) DatumGetPointer(slot_getattr(slot, 2, &isnull));
		bytea	   *p = DatumGetByteaPP(slot_getattr(slot, 3, &isnull));
		IvfEntryTuple et = (IvfEntryTuple) entry;

		CHECK_FOR_INTERRUPTS();
		et->heaptid = *tid;
		memcpy(et->payload, VARDATA_ANY(p), d->max_payload);

		if (list != curlist || PageGetFreeSpace(BufferGetPage(cur)) < MAXALIGN(entry_size))
		{
			Buffer		next = new_page(index, fork, IVF_PAGE_LIST);

			if (list == curlist)
				IvfPageGetOpaque(BufferGetPage(cur))->next = BufferGetBlockNumber(next);
			else
				start[list] = BufferGetBlockNumber(next);
			if (BufferIsValid(cur))
				finish_page(cur);
			cur = next;
			curlist = list;
			last[list] = BufferGetBlockNumber(cur);
		}
		if (PageAddItem(BufferGetPage(cur), (Item) entry, entry_size, InvalidOffsetNumber,
						false, false) == InvalidOffsetNumber)
			elog(ERROR, "ivfflat: failed to add an entry to index \"%s\"",
				 RelationGetRelationName(index));
		if (++loaded % 1000 == 0)
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, loaded);
	}
	if (BufferIsValid(cur))
		finish_page(cur);

	/* the centers, with where their lists start and end */
	for (int p = 0; p < center_pages; p++)
	{
		buf = ReadBufferExtended(index, fork, IVF_FIRST_CENTER_BLKNO + p, RBM_NORMAL, NULL);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		for (int i = p * per_page; i < Min(nlists, (p + 1) * per_page); i++)
		{
			Size		size = IvfCenterTupleSize(d->max_payload);
			IvfCenterTuple ct = palloc0(size);

			ct->start = start[i];
			ct->insert = last[i];
			memcpy(ct->payload, centers + (Size) i * d->max_payload, d->max_payload);
			if (PageAddItem(BufferGetPage(buf), (Item) ct, size, InvalidOffsetNumber,
							false, false) == InvalidOffsetNumber)
				elog(ERROR, "ivfflat: failed to add a center to index \"%s\"",
					 RelationGetRelationName(index));
			pfree(ct);
		}
		finish_page(buf);
	}

	buf = ReadBufferExtended(index, fork, IVF_METAPAGE_BLKNO, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = IvfPageGetMeta(BufferGetPage(buf));
	meta->magic = IVF_MAGIC;
	meta->version = IVF_FORMAT_VERSION;
	meta->dims = d->dims;
	meta->lists = nlists;
	meta->element_type = d->type->id;
	meta->metric = d->metric;
	meta->payload_size = d->max_payload;
	meta->center_pages = center_pages;
	((PageHeader) BufferGetPage(buf))->pd_lower =
		((char *) meta + sizeof(IvfMetaPageData)) - (char *) BufferGetPage(buf);
	finish_page(buf);

	/* an unlogged index's init fork is always logged: recovery resets from it */
	if (RelationNeedsWAL(index) || fork == INIT_FORKNUM)
		log_newpage_range(index, fork, 0, RelationGetNumberOfBlocksInFork(index, fork), true);
	pfree(start);
	pfree(last);
	pfree(entry);
}

/* Bytes of maintenance_work_mem the build may use, in MB for messages. */
static double
mwm_bytes(void)
{
	return (double) maintenance_work_mem * 1024.0;
}

IndexBuildResult *
ivfflatbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result = palloc(sizeof(IndexBuildResult));
	IvfBuildState bs;
	int			lists = IvfGetLists(index);
	double		reltuples;
	double		center_bytes;
	double		sample_room;
	float	   *fcenters;
	int			nworkers;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	memset(&bs, 0, sizeof(bs));
	IvfInitDistance(&bs.dist, index, HnswIndexDims(index));
	IvfCheckPayloadFits(&bs.dist);
	bs.fdim = IvfFloatDims(&bs.dist);
	bs.tmpctx = AllocSetContextCreate(CurrentMemoryContext, "ivfflat build tuple",
									  ALLOCSET_DEFAULT_SIZES);

	/* the centers as floats and as payloads must fit, and leave room to sample */
	center_bytes = (double) lists * (bs.fdim * sizeof(float) + bs.dist.max_payload);
	sample_room = mwm_bytes() - center_bytes;
	if (sample_room < (double) lists * bs.fdim * sizeof(float))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("memory required is %.0f MB, maintenance_work_mem is %d MB",
						ceil((center_bytes + (double) lists * bs.fdim * sizeof(float)) /
							 (1024.0 * 1024.0)), maintenance_work_mem / 1024),
				 errdetail("The %d centers and a sample of at least one row per list must fit in maintenance_work_mem.",
						   lists)));
	bs.maxsamples = (int) Min((double) lists * IVF_SAMPLES_PER_LIST,
							  sample_room / (bs.fdim * sizeof(float)));
	bs.samples = MemoryContextAllocHuge(CurrentMemoryContext,
										(Size) bs.maxsamples * bs.fdim * sizeof(float));
	pg_prng_seed(&bs.rng, IVF_SAMPLE_SEED);

	/* 1. sample */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 (int64) Max(heap->rd_rel->reltuples, 0));
	reltuples = table_index_build_scan(heap, index, indexInfo, false, true,
									   sample_callback, &bs, NULL);

	/* 2. k-means */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PROGRESS_PHASE_KMEANS);
	bs.nlists = Max(1, Min(lists, bs.nsamples));
	if (bs.nsamples < lists)
		ereport(NOTICE,
				(errmsg("ivfflat index created with little data"),
				 errdetail("The table has %d rows to index, fewer than the %d lists asked for: the index has %d list(s).",
						   bs.nsamples, lists, bs.nlists),
				 errhint("REINDEX once the table has more rows.")));
	fcenters = palloc0(sizeof(float) * (Size) bs.nlists * bs.fdim);
	if (bs.nsamples > 0)
		IvfKmeans(&bs.dist, bs.samples, bs.nsamples, bs.nlists, fcenters,
				  sample_room - (double) bs.maxsamples * bs.fdim * sizeof(float));
	pfree(bs.samples);
	bs.centers = palloc0((Size) bs.nlists * bs.dist.max_payload);
	for (int i = 0; i < bs.nlists; i++)
		IvfFloatToPayload(&bs.dist, fcenters + (Size) i * bs.fdim,
						  HnswPayloadAt(&bs.dist, bs.centers, i));
	pfree(fcenters);

	/* 3. assign */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PROGRESS_PHASE_ASSIGN);
	bs.tupdesc = IvfSortTupdesc();
	bs.slot = MakeSingleTupleTableSlot(bs.tupdesc, &TTSOpsVirtual);
	nworkers = bs.nsamples > 0 ? HnswPlanWorkers(heap, index, indexInfo) : 0;
	if (nworkers <= 0 || !IvfAssignParallel(heap, index, indexInfo, &bs, nworkers))
	{
		bs.sort = IvfBeginSort(bs.tupdesc, maintenance_work_mem, NULL);
		if (bs.nsamples > 0)
			table_index_build_scan(heap, index, indexInfo, false, true, IvfAssignCallback, &bs,
								   NULL);
		tuplesort_performsort(bs.sort);
	}

	/* 4. load */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) bs.indtuples);
	{
		TupleTableSlot *rslot = MakeSingleTupleTableSlot(bs.tupdesc, &TTSOpsMinimalTuple);

		write_index(index, MAIN_FORKNUM, &bs.dist, bs.nlists, bs.centers, bs.sort, rslot);
		ExecDropSingleTupleTableSlot(rslot);
	}

	tuplesort_end(bs.sort);
	IvfEndParallel(&bs);
	ExecDropSingleTupleTableSlot(bs.slot);
	MemoryContextDelete(bs.tmpctx);

	result->heap_tuples = reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/* The init fork of an unlogged index: one empty list, its center zero. */
void
ivfflatbuildempty(Relation index)
{
	HnswDistance d;
	char	   *centers;

	IvfInitDistance(&d, index, HnswIndexDims(index));
	IvfCheckPayloadFits(&d);
	centers = palloc0(d.max_payload);
	write_index(index, INIT_FORKNUM, &d, 1, centers, NULL, NULL);
}
