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
 * What a filter costs.  The executor applies a WHERE clause (or a join)
 * to the rows the scan hands out.  With iterative scans off, a scan hands
 * out at most ef_search rows, so a filter of selectivity s leaves about
 * ef_search * s: when that is fewer than the query needs (its LIMIT, or
 * every matching row without one), the scan would come up short, and it
 * is costed as disabled so the planner takes another path.  With iterative
 * scans on it goes on until hnsw.max_scan_tuples visits, each visit
 * handing out about one row: the needed LIMIT / s rows must fit in that.
 * Within the bound, the cost past the first batch is charged per row of
 * the index, so the LIMIT's fraction of it (LIMIT / rows of the filtered
 * relation) is what those LIMIT / s visits cost, and a selective filter
 * makes a seq scan, another index or a partial hnsw index whose predicate
 * implies the filter (whose rows need no filtering) the cheaper plan.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <math.h>

#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "utils/float.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

/* Elements a search visits: m * (PER_EF * ef_search + BASE). */
#define HNSW_COST_VISITS_PER_EF		0.35
#define HNSW_COST_VISITS_BASE		10.0

/*
 * Rows of the relation the query needs from the scan: its LIMIT (plus
 * OFFSET) when the planner knows it, one when the LIMIT is a parameter
 * (a generic plan: assume the scan suffices), all matching rows without a
 * LIMIT.  (Also ivfflat's.)
 */
double
HnswRowsNeeded(PlannerInfo *root, double matching)
{
	if (root->limit_tuples > 0)
		return Min(root->limit_tuples, matching);
	if (root->parse->limitCount != NULL)
		return Min(1.0, matching);
	return matching;
}

/*
 * genericcostestimate's costs of reading ntuples index tuples, with the
 * pages they are on charged at seq_page_cost rather than random_page_cost
 * (the hot pages of a graph stay in shared buffers; an ivfflat list's
 * pages are contiguous).  (Also ivfflat's.)
 */
void
HnswCostSequential(PlannerInfo *root, IndexPath *path, double loop_count, double ntuples,
				   GenericCosts *costs)
{
	double		random_page_cost;
	double		seq_page_cost;

	MemSet(costs, 0, sizeof(GenericCosts));
	costs->numIndexTuples = ntuples;
	genericcostestimate(root, path, loop_count, costs);
	get_tablespace_page_costs(path->indexinfo->reltablespace, &random_page_cost,
							  &seq_page_cost);
	if (random_page_cost > seq_page_cost)
		costs->indexTotalCost -= costs->numIndexPages * (random_page_cost - seq_page_cost);
}

/*
 * What a seq scan's cost leaves out.  Wide vectors are stored out of line,
 * so the table's own pages are few (a TOAST pointer a row) and a seq scan
 * that compares every row is costed at those pages, not at the TOAST pages
 * it really reads; the search's element pages hold the vectors themselves
 * and are all charged.  At 1536 dimensions the planner took a seq scan
 * from ef_search 200 on, 100 to 200 times slower than the index there.
 * When the pages a search visits outnumber the table's and the search
 * visits under half of the index (fraction), the pages past the table's
 * count are not charged (the reference extension does the same).  Returns
 * the cost to take off.
 */
static Cost
toast_credit(IndexOptInfo *info, const GenericCosts *costs, double fraction)
{
	double		seq_page_cost;
	double		table_pages = info->rel->pages;

	if (fraction >= 0.5 || costs->numIndexPages <= table_pages)
		return 0;
	get_tablespace_page_costs(info->reltablespace, NULL, &seq_page_cost);
	return (costs->numIndexPages - table_pages) * seq_page_cost;
}

/*
 * Without an ORDER BY on the indexed column a vector index is useless:
 * infinite costs, so the planner never picks it.  True when so.
 */
bool
HnswCostUnordered(IndexPath *path, Cost *indexStartupCost, Cost *indexTotalCost,
				  Selectivity *indexSelectivity, double *indexCorrelation,
				  double *indexPages)
{
	if (path->indexorderbys != NIL)
		return false;
	*indexStartupCost = get_float8_infinity();
	*indexTotalCost = get_float8_infinity();
	*indexSelectivity = 0;
	*indexCorrelation = 0;
	*indexPages = 0;
	return true;
}

/*
 * A scan that can hand out at most reachable of the index's tuples: when,
 * after the filters the executor applies to its rows (those of the
 * relation less what a partial index's predicate implies), that is fewer
 * than the query needs, the path is costed as disabled.
 */
void
HnswCostShortfall(PlannerInfo *root, IndexPath *path, double reachable, double tuples,
				  Cost *indexStartupCost, Cost *indexTotalCost)
{
	IndexOptInfo *info = path->indexinfo;
	Selectivity filter = clauselist_selectivity(root, info->indrestrictinfo, info->rel->relid,
												JOIN_INNER, NULL);

	if (reachable * filter < HnswRowsNeeded(root, tuples * filter) * 0.999)
	{
		*indexStartupCost += disable_cost;
		*indexTotalCost += disable_cost;
	}
}

void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *info = path->indexinfo;
	double		tuples = Max(info->tuples, 1);
	int			m;
	double		visits;
	double		reachable;
	double		per_visit;

	if (HnswCostUnordered(path, indexStartupCost, indexTotalCost, indexSelectivity,
						  indexCorrelation, indexPages))
		return;

	{
		/* the reloption is not in IndexOptInfo: read it from the relation */
		Relation	index = index_open(info->indexoid, NoLock);

		m = HnswGetM(index);
		index_close(index, NoLock);
	}

	visits = m * (HNSW_COST_VISITS_PER_EF * hnsw_ef_search + HNSW_COST_VISITS_BASE);

	HnswCostSequential(root, path, loop_count, Min(visits, tuples), &costs);

	/* the first batch comes after its whole search */
	*indexStartupCost = costs.indexTotalCost - toast_credit(info, &costs, visits / tuples);
	*indexTotalCost = *indexStartupCost;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;

	if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF)
	{
		reachable = Min(hnsw_ef_search, tuples);
		*indexSelectivity = Min(1.0, reachable / Max(info->rel->tuples, 1));
	}
	else
	{
		reachable = Min(hnsw_max_scan_tuples, tuples);
		/* past the first batch, as before the credit: filters keep their price */
		per_visit = costs.indexTotalCost / Max(costs.numIndexTuples, 1);
		*indexTotalCost += per_visit * tuples;
		*indexSelectivity = Min(1.0, tuples / Max(info->rel->tuples, 1));
	}
	HnswCostShortfall(root, path, reachable, tuples, indexStartupCost, indexTotalCost);
}
