/*-------------------------------------------------------------------------
 * ivfbuild.h
 *		What the serial and the parallel ivfflat builds share.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_IVFBUILD_H
#define VECEXT_IVFBUILD_H

#include "ivf/ivfflat.h"

#include "access/parallel.h"
#include "common/pg_prng.h"
#include "executor/tuptable.h"
#include "utils/tuplesort.h"

typedef struct IvfBuildState
{
	HnswDistance dist;
	int			fdim;			/* floats per sample */
	/* sampling */
	float	   *samples;
	int			nsamples;
	int			maxsamples;
	double		seen;
	pg_prng_state rng;
	/* assigning */
	int			nlists;
	char	   *centers;		/* nlists payloads */
	Tuplesortstate *sort;
	TupleDesc	tupdesc;
	TupleTableSlot *slot;
	double		indtuples;
	MemoryContext tmpctx;
	/* a parallel assignment's context, ended after the sort is read */
	ParallelContext *pcxt;
	Snapshot	snapshot;
} IvfBuildState;

extern void IvfAssignCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
							  bool tupleIsAlive, void *state);
extern Tuplesortstate *IvfBeginSort(TupleDesc tupdesc, int workmem, SortCoordinate coordinate);
extern TupleDesc IvfSortTupdesc(void);

/* ivfbuildparallel.c */
extern bool IvfAssignParallel(Relation heap, Relation index, IndexInfo *indexInfo,
							  IvfBuildState *bs, int nworkers);
extern void IvfEndParallel(IvfBuildState *bs);
PGDLLEXPORT extern void IvfParallelBuildMain(dsm_segment *seg, shm_toc *toc);

#endif							/* VECEXT_IVFBUILD_H */
