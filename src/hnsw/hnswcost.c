/*-------------------------------------------------------------------------
 * hnswcost.c
 *		Cost estimate of an hnsw index scan.
 *
 * A search visits a number of elements that depends on ef_search and m,
 * hardly on the table size, and does all its work before the first row.
 * Visits were counted on Fashion-MNIST (60000 x 784) and a clustered
 * 200000 x 128 set at m = 16: about 160 at ef 10, 250-500 at ef 40, 1900-
 * 2500 at ef 400 and 4900-6100 at ef 1000, i.e. roughly m * (0.35 ef + 10):
 * neighbour lists overlap, so most of the 2m links of an expanded node
 * have been seen already.
 *
 * Each visit reads an element on some page of the index.  Those pages are
 * the hot region of the graph, almost always in shared buffers, so they are
 * charged as sequential reads rather than random ones: at random_page_cost
 * an index with two 784-dim elements per page looked costlier than a
 * sequential scan from ef_search 100 on, while it is 30 to 70 times faster
 * there (the scan's cost does not count fetching TOASTed vectors).
 *
 * Without an ORDER BY on the indexed column the index is useless: the cost
 * is infinite so the planner never picks it.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

#include "optimizer/cost.h"
#include "optimizer/pathnode.h"
#include "utils/float.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

/* Elements a search visits: m * (PER_EF * ef_search + BASE). */
#define HNSW_COST_VISITS_PER_EF		0.35
#define HNSW_COST_VISITS_BASE		10.0

void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *info = path->indexinfo;
	int			m;
	double		visits;
	double		random_page_cost;
	double		seq_page_cost;

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
		Relation	index = index_open(info->indexoid, NoLock);

		m = HnswGetM(index);
		index_close(index, NoLock);
	}

	visits = m * (HNSW_COST_VISITS_PER_EF * hnsw_ef_search + HNSW_COST_VISITS_BASE);

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = Min(visits, Max(info->tuples, 1));
	genericcostestimate(root, path, loop_count, &costs);

	/* the pages it read at random_page_cost, again at seq_page_cost */
	get_tablespace_page_costs(info->reltablespace, &random_page_cost, &seq_page_cost);
	if (random_page_cost > seq_page_cost)
		costs.indexTotalCost -= costs.numIndexPages * (random_page_cost - seq_page_cost);

	/* every row comes after the whole search */
	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}
