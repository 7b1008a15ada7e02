/*-------------------------------------------------------------------------
 * hnswcost.c
 *		Cost estimate of an hnsw index scan.
 *
 * A search reads about ef_search * (links per node) elements of layer 0,
 * whatever the table size, and does all its work before the first row.
 * Without an ORDER BY on the indexed column the index is useless: the cost
 * is infinite so the planner never picks it.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

#include "optimizer/pathnode.h"
#include "utils/float.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

/*
 * Elements a search reads, per unit of ef_search: each expanded node has up
 * to 2m links on layer 0 and about half of them are new to the search.
 */
#define HNSW_COST_VISITS_PER_EF_PER_M	1.0

void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	int			m;
	double		visits;

	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	{
		/* the reloption is not in IndexOptInfo: read it from the relation */
		Relation	index = index_open(path->indexinfo->indexoid, NoLock);

		m = HnswGetM(index);
		index_close(index, NoLock);
	}

	visits = HNSW_COST_VISITS_PER_EF_PER_M * hnsw_ef_search * m;

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = Min(visits, Max(path->indexinfo->tuples, 1));
	genericcostestimate(root, path, loop_count, &costs);

	/* every element read is a random page read */
	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
