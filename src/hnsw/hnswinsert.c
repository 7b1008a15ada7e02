/*-------------------------------------------------------------------------
 * hnswinsert.c
 *		aminsert for hnsw: one new row, inserted into the graph on disk.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "types/vector.h"

static uint64 insert_rng_state = 0;

bool
hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique
		   VECEXT_AMINSERT_EXTRA_ARGS, IndexInfo *indexInfo)
{
	MemoryContext ctx = AllocSetContextCreate(CurrentMemoryContext, "hnsw insert",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldctx = MemoryContextSwitchTo(ctx);
	HnswMetaPageData meta;
	HnswDistance dist;
	void	   *payload;
	Size		size;

	/* NULLs are not indexed */
	if (isnull[0])
		goto done;

	meta = HnswReadMeta(index);
	HnswInitDistance(&dist, index, meta.dims, meta.m);
	HnswCheckMetaType(index, &meta, &dist);
	payload = dist.type->form_payload(&dist, values[0], &size);

	/* zero vectors have no direction: not indexed under cosine */
	if (payload != NULL)
	{
		int			level;

		HnswCheckPayloadFits(&dist, size);

		if (insert_rng_state == 0)
			insert_rng_state = ((uint64) MyProcPid << 32) ^ (uint64) GetCurrentTimestamp() ^ 1;
		/* one draw: Min() evaluates its arguments twice */
		level = HnswRandomLevel(meta.m, HnswRandomUniform(&insert_rng_state));
		level = Min(level, HnswMaxLevelForPayload(meta.m, dist.span, size));
		HnswInsertOnDisk(index, &dist, meta.m, meta.ef_construction, payload, size, heap_tid,
						 level);
	}

done:
	MemoryContextSwitchTo(oldctx);
	MemoryContextDelete(ctx);
	return false;
}
