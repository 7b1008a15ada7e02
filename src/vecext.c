/*-------------------------------------------------------------------------
 * vecext.c
 *		Library entry point: picks the distance kernels, registers the
 *		index reloptions and the GUCs (in one place, alphabetically).
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "distance/bits.h"
#include "distance/distance.h"
#include "distance/half.h"
#include "hnsw/hnsw.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_SCAN_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_SCAN_STRICT, false},
	{NULL, 0, false}
};

static void
define_gucs(void)
{
	DefineCustomIntVariable("hnsw.ef_search",
							"Sets the size of the candidate list of an hnsw search.",
							"Larger values give better recall and slower queries.",
							&hnsw_ef_search,
							HNSW_DEFAULT_EF_SEARCH, HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "Lets an hnsw scan go on past its first ef_search rows.",
							 "off returns at most ef_search rows; relaxed_order and "
							 "strict_order search again, wider, when a filter or a join "
							 "asks for more rows; strict_order never returns a row "
							 "nearer than one already returned.",
							 &hnsw_iterative_scan, HNSW_ITERATIVE_SCAN_OFF,
							 iterative_scan_options, PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Sets how many index elements an iterative hnsw scan may visit.",
							"The scan ends once a search has visited this many.",
							&hnsw_max_scan_tuples, HNSW_DEFAULT_MAX_SCAN_TUPLES, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
							 "Sets the memory of an iterative hnsw scan as a multiple of work_mem.",
							 "The scan ends when a wider search would need more.",
							 &hnsw_scan_mem_multiplier, HNSW_DEFAULT_SCAN_MEM_MULTIPLIER, 1,
							 HNSW_MAX_SCAN_MEM_MULTIPLIER, PGC_USERSET, 0, NULL, NULL, NULL);

	VECEXT_MARK_GUC_PREFIX_RESERVED("hnsw");
}

void
_PG_init(void)
{
	VecextDistanceInit();
	VecextBitDistanceInit();
	VecextHalfDistanceInit();
	HnswInitReloptions();
	define_gucs();
}
