/*-------------------------------------------------------------------------
 * ivfvacuum.c
 *		VACUUM for ivfflat: remove the entries of dead rows, and point each
 *		list's inserts at its first page with room again.
 *
 * Each list is walked from its first page; a page with dead entries is
 * rewritten under a cleanup lock (no scan is reading it) and WAL-logged
 * with GenericXLog.  Emptied pages stay in their list and fill up again.
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfflat.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

IndexBulkDeleteResult *
ivfflatbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				  IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	IvfMetaPageData meta = IvfReadMeta(index);
	IvfList    *lists = palloc(sizeof(IvfList) * meta.lists);
	int			nlists;
	Size		esize = MAXALIGN(IvfEntryTupleSize(meta.payload_size));
	OffsetNumber *dead = palloc(sizeof(OffsetNumber) * MaxOffsetNumber);

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	nlists = IvfReadLists(index, &meta, NULL, NULL, lists, NULL);

	for (int l = 0; l < nlists; l++)
	{
		BlockNumber blkno = lists[l].start;
		BlockNumber room = InvalidBlockNumber;	/* first page with room */
		bool		before_insert = true;

		while (BlockNumberIsValid(blkno))
		{
			Buffer		buf;
			Page		page;
			OffsetNumber maxoff;
			int			ndead = 0;
			BlockNumber next;

			vacuum_delay_point();
			buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, info->strategy);
			LockBufferForCleanup(buf);
			page = BufferGetPage(buf);
			IvfCheckListPage(index, page, blkno);
			maxoff = PageGetMaxOffsetNumber(page);
			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
			{
				IvfEntryTuple et = (IvfEntryTuple) PageGetItem(page, PageGetItemId(page, off));

				if (callback(&et->heaptid, callback_state))
					dead[ndead++] = off;
				else
					stats->num_index_tuples++;
			}
			if (ndead > 0)
			{
				GenericXLogState *state = GenericXLogStart(index);

				page = GenericXLogRegisterBuffer(state, buf, 0);
				PageIndexMultiDelete(page, dead, ndead);
				GenericXLogFinish(state);
				stats->tuples_removed += ndead;
			}
			if (!BlockNumberIsValid(room) && before_insert &&
				PageGetFreeSpace(BufferGetPage(buf)) >= esize)
				room = blkno;
			if (blkno == lists[l].insert)
				before_insert = false;
			next = IvfPageGetOpaque(BufferGetPage(buf))->next;
			UnlockReleaseBuffer(buf);
			blkno = next;
		}
		/* a page before the insert page got room: inserts go there now */
		if (BlockNumberIsValid(room) && room != lists[l].insert)
			IvfSetInsertPage(index, &lists[l], room);
	}
	pfree(lists);
	pfree(dead);
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

IndexBulkDeleteResult *
ivfflatvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		/* no bulkdelete ran: count the entries, page by page */
		BlockNumber nblocks = RelationGetNumberOfBlocks(index);

		stats = palloc0(sizeof(IndexBulkDeleteResult));
		for (BlockNumber blkno = IVF_FIRST_CENTER_BLKNO; blkno < nblocks; blkno++)
		{
			Buffer		buf;
			Page		page;

			vacuum_delay_point();
			buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, info->strategy);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			if (!PageIsNew(page) && IvfPageGetOpaque(page)->page_type == IVF_PAGE_LIST)
				stats->num_index_tuples += PageGetMaxOffsetNumber(page);
			UnlockReleaseBuffer(buf);
		}
	}
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}
