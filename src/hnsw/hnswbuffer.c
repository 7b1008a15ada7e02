/*-------------------------------------------------------------------------
 * hnswbuffer.c
 *		The per-backend table of buffer hints (hnswbuffer.h).
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuffer.h"

#include "utils/memutils.h"

static RecentBuffers recent[HNSW_RECENT_RELS];
static uint64 recent_clock;

RecentBuffers *
HnswRecentFor(Relation index)
{
	VecextRelFileId id = VECEXT_REL_FILE_ID(index);
	RecentBuffers *victim = &recent[0];

	for (int i = 0; i < HNSW_RECENT_RELS; i++)
	{
		if (recent[i].bufs != NULL && VecextRelFileIdEquals(recent[i].id, id))
		{
			recent[i].used = ++recent_clock;
			return &recent[i];
		}
		if (recent[i].used < victim->used)
			victim = &recent[i];
	}
	if (victim->bufs != NULL)
		MemSet(victim->bufs, 0, sizeof(Buffer) * victim->size);	/* InvalidBuffer is 0 */
	victim->id = id;
	victim->used = ++recent_clock;
	return victim;
}

