/*-------------------------------------------------------------------------
 * vecext.c
 *		Library entry point: picks the distance kernels, registers the
 *		index reloptions and the GUCs (in one place, alphabetically).
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "distance/distance.h"
#include "hnsw/hnsw.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static void
define_gucs(void)
{
	DefineCustomIntVariable("hnsw.ef_search",
							"Sets the size of the candidate list of an hnsw search.",
							"Larger values give better recall and slower queries.",
							&hnsw_ef_search,
							HNSW_DEFAULT_EF_SEARCH, HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);

	VECEXT_MARK_GUC_PREFIX_RESERVED("hnsw");
}

void
_PG_init(void)
{
	VecextDistanceInit();
	HnswInitReloptions();
	define_gucs();
}
