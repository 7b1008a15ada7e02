/*-------------------------------------------------------------------------
 * vecext.c
 *		Library entry point: picks the distance kernels and registers the
 *		GUCs (in one place, alphabetically).
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "fmgr.h"

#include "distance/distance.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	VecextDistanceInit();
}
