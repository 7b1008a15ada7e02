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
#include "ivf/ivfflat.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_SCAN_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_SCAN_STRICT, false},
	{NULL, 0, false}
};

static const struct config_enum_entry ivf_iterative_scan_options[] = {
	{"off", IVF_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", IVF_ITERATIVE_SCAN_RELAXED, false},
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
							 "strict_order go on with the search when a filter or a join "
							 "asks for more rows; strict_order never returns a row "
							 "nearer than one already returned.",
							 &hnsw_iterative_scan, HNSW_ITERATIVE_SCAN_OFF,
							 iterative_scan_options, PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Sets how many index elements an iterative hnsw scan may visit.",
							"Past this many, the scan returns the rows it saw and ends.",
							&hnsw_max_scan_tuples, HNSW_DEFAULT_MAX_SCAN_TUPLES, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
							 "Sets the memory of an iterative hnsw scan as a multiple of work_mem.",
							 "Past this much, the scan returns the rows it saw and ends.",
							 &hnsw_scan_mem_multiplier, HNSW_DEFAULT_SCAN_MEM_MULTIPLIER, 1,
							 HNSW_MAX_SCAN_MEM_MULTIPLIER, PGC_USERSET, 0, NULL, NULL, NULL);

	VECEXT_MARK_GUC_PREFIX_RESERVED("hnsw");

	DefineCustomEnumVariable("ivfflat.iterative_scan",
							 "Lets an ivfflat scan probe more lists when a filter or a join asks for more rows.",
							 "relaxed_order probes the next ivfflat.probes lists, up to "
							 "ivfflat.max_probes in all; rows of later lists may be "
							 "nearer than rows already returned.",
							 &ivf_iterative_scan, IVF_ITERATIVE_SCAN_OFF,
							 ivf_iterative_scan_options, PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("ivfflat.max_probes",
							"Sets how many lists an iterative ivfflat scan may probe in all.",
							NULL,
							&ivf_max_probes, IVF_MAX_PROBES, 1, IVF_MAX_PROBES,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("ivfflat.probes",
							"Sets how many lists an ivfflat scan probes.",
							"More probes give better recall and slower queries.",
							&ivf_probes, IVF_DEFAULT_PROBES, 1, IVF_MAX_PROBES,
							PGC_USERSET, 0, NULL, NULL, NULL);

	VECEXT_MARK_GUC_PREFIX_RESERVED("ivfflat");
}

void
_PG_init(void)
{
	VecextDistanceInit();
	VecextBitDistanceInit();
	VecextHalfDistanceInit();
	HnswInitReloptions();
	IvfInitReloptions();
	define_gucs();
}
