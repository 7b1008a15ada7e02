/*-------------------------------------------------------------------------
 * hnswreach.c
 *		Which elements a search can reach: a breadth-first walk of layer 0
 *		from the entry point over the index pages.
 *
 * Every search ends with a best-first search of layer 0 that starts near
 * the entry point and follows layer-0 links, so an element no chain of
 * layer-0 links from the entry leads to can never be returned.  Vacuum uses
 * the walk to find and reconnect such elements, and hnsw_index_check() to
 * prove there are none.  Each element's links are copied under a share lock
 * on its page, one page at a time, as a scan reads them.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

/*
 * Mark in reached every element reachable from start (a valid element TID)
 * through layer-0 links; through_deleted says whether deleted elements pass
 * links on (a search follows them; after vacuum frees them they are gone).
 * Returns how many elements were newly reached.
 */
int64
HnswWalkLayer0(Relation index, int m, ItemPointer start, bool through_deleted,
			   HnswVisited *reached, BufferAccessStrategy bas)
{
	int			cap = 1024;
	int			head = 0;
	int			tail = 0;
	ItemPointerData *queue;
	ItemPointerData *links = palloc(sizeof(ItemPointerData) * HnswLayerCapacity(m, 0));
	int64		count = 0;

	if (!HnswVisitedAdd(reached, start))
		return 0;
	queue = palloc(sizeof(ItemPointerData) * cap);
	queue[tail++] = *start;

	while (head < tail)
	{
		ItemPointerData tid = queue[head++];
		BlockNumber blkno = ItemPointerGetBlockNumber(&tid);
		Buffer		buf;
		HnswElementTuple tup;
		int			n = 0;

		CHECK_FOR_INTERRUPTS();
		count++;
		if (blkno == HNSW_METAPAGE_BLKNO || blkno >= RelationGetNumberOfBlocks(index))
			continue;
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, bas);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		tup = HnswGetElementTuple(BufferGetPage(buf), ItemPointerGetOffsetNumber(&tid));
		if (tup != NULL && (through_deleted || !(tup->flags & HNSW_ELEMENT_DELETED)))
		{
			n = Min(HnswElementCounts(tup)[0], HnswTupleCapacity(tup, m, 0));
			memcpy(links, HnswElementLinks(tup, m, 0), sizeof(ItemPointerData) * n);
		}
		UnlockReleaseBuffer(buf);

		for (int i = 0; i < n; i++)
		{
			if (!HnswVisitedAdd(reached, &links[i]))
				continue;
			if (tail == cap)
			{
				/* compact the consumed head, or grow */
				if (head > cap / 2)
				{
					memmove(queue, queue + head, sizeof(ItemPointerData) * (tail - head));
					tail -= head;
					head = 0;
				}
				else
				{
					cap *= 2;
					queue = repalloc(queue, sizeof(ItemPointerData) * cap);
				}
			}
			queue[tail++] = links[i];
		}
	}
	pfree(queue);
	pfree(links);
	return count;
}
