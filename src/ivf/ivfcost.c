/*-------------------------------------------------------------------------
 * ivfcost.c
 *		Cost estimate of an ivfflat index scan.
 *
 * A scan compares the query with every center, then reads every entry of
 * the ivfflat.probes nearest lists: probes / lists of the index's tuples
 * and pages (a list's pages are contiguous, so they are charged as
 * sequential reads), all before the first row.  It hands out those rows
 * only: as for hnsw (hnswcost.c), a filter that leaves fewer than the
 * query needs makes the path disabled.  With iterative scans each further
 * row costs what it takes to read it, and the scan reaches at most
 * ivfflat.max_probes lists.
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfflat.h"

#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/selfuncs.h"

void
ivfflatcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
					Cost *indexStartupCost, Cost *indexTotalCost,
					Selectivity *indexSelectivity, double *indexCorrelation,
					double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *info = path->indexinfo;
	double		tuples = Max(info->tuples, 1);
	int			lists;
	double		fraction;
	double		reachable;

	if (HnswCostUnordered(path, indexStartupCost, indexTotalCost, indexSelectivity,
						  indexCorrelation, indexPages))
		return;

	{
		Relation	index = index_open(info->indexoid, NoLock);

		lists = IvfGetLists(index);
		index_close(index, NoLock);
	}
	fraction = Min(1.0, (double) ivf_probes / lists);

	HnswCostSequential(root, path, loop_count, fraction * tuples, &costs);
	/* every center is compared, and the rows found are ordered (charged as a sort) */
	costs.indexTotalCost += lists * cpu_operator_cost +
		costs.numIndexTuples * log2(Max(costs.numIndexTuples, 2)) * cpu_operator_cost;

	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;

	if (ivf_iterative_scan == IVF_ITERATIVE_SCAN_OFF)
	{
		reachable = fraction * tuples;
		*indexSelectivity = Min(1.0, reachable / Max(info->rel->tuples, 1));
	}
	else
	{
		reachable = Min(1.0, (double) Max(ivf_max_probes, ivf_probes) / lists) * tuples;
		*indexTotalCost += (costs.indexTotalCost / Max(costs.numIndexTuples, 1)) *
			(reachable - costs.numIndexTuples);
		*indexSelectivity = Min(1.0, reachable / Max(info->rel->tuples, 1));
	}
	HnswCostShortfall(root, path, reachable, tuples, indexStartupCost, indexTotalCost);
}
