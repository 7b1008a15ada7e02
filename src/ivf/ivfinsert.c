/*-------------------------------------------------------------------------
 * ivfinsert.c
 *		aminsert for ivfflat: a new row goes to its nearest center's list.
 *
 * The entry goes on the list's insert page (the page with room that vacuum
 * or an earlier insert pointed the center at), or the first page after it
 * with room; at the end of the chain a new page is added and linked while
 * the old last page stays locked, so two inserts never both extend a list.
 * An empty list gets its first page under the lock of its center's page.
 * Every change is WAL-logged with GenericXLog.  Only buffer content locks
 * are taken, one list page at a time (plus the new page while linking it).
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfflat.h"

#include "access/generic_xlog.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

static void
add_entry(Relation index, Page page, const char *entry, Size size)
{
	if (PageAddItem(page, (Item) entry, size, InvalidOffsetNumber, false, false) ==
		InvalidOffsetNumber)
		elog(ERROR, "ivfflat: failed to add an entry to index \"%s\"",
			 RelationGetRelationName(index));
}

/*
 * The first page of an empty list, holding entry.  False when another
 * insert gave the list its first page meanwhile (then *list is updated).
 */
static bool
start_list(Relation index, IvfList *list, const char *entry, Size size)
{
	Buffer		cbuf = ReadBuffer(index, list->center_blkno);
	Buffer		buf;
	GenericXLogState *state;
	IvfCenterTuple ct;
	Page		cpage;
	Page		page;

	LockBuffer(cbuf, BUFFER_LOCK_EXCLUSIVE);
	ct = (IvfCenterTuple) PageGetItem(BufferGetPage(cbuf),
									  PageGetItemId(BufferGetPage(cbuf), list->center_off));
	if (BlockNumberIsValid(ct->start))
	{
		list->start = ct->start;
		list->insert = ct->insert;
		UnlockReleaseBuffer(cbuf);
		return false;
	}
	buf = HnswNewBuffer(index, MAIN_FORKNUM);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	IvfInitPage(page, IVF_PAGE_LIST);
	add_entry(index, page, entry, size);
	cpage = GenericXLogRegisterBuffer(state, cbuf, 0);
	ct = (IvfCenterTuple) PageGetItem(cpage, PageGetItemId(cpage, list->center_off));
	ct->start = ct->insert = BufferGetBlockNumber(buf);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	UnlockReleaseBuffer(cbuf);
	return true;
}

static void
insert_entry(Relation index, IvfList *list, const char *entry, Size size)
{
	BlockNumber blkno;

	for (;;)
	{
		if (BlockNumberIsValid(list->insert))
			break;
		if (start_list(index, list, entry, size))
			return;
	}

	blkno = list->insert;
	for (;;)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;
		GenericXLogState *state;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		IvfCheckListPage(index, BufferGetPage(buf), blkno);
		if (PageGetFreeSpace(BufferGetPage(buf)) >= MAXALIGN(size))
		{
			state = GenericXLogStart(index);
			page = GenericXLogRegisterBuffer(state, buf, 0);
			add_entry(index, page, entry, size);
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			break;
		}
		if (BlockNumberIsValid(IvfPageGetOpaque(BufferGetPage(buf))->next))
		{
			blkno = IvfPageGetOpaque(BufferGetPage(buf))->next;
			UnlockReleaseBuffer(buf);
			continue;
		}

		/* the last page is full: add one and link it, still holding this one */
		{
			Buffer		nbuf = HnswNewBuffer(index, MAIN_FORKNUM);
			Page		npage;

			state = GenericXLogStart(index);
			page = GenericXLogRegisterBuffer(state, buf, 0);
			npage = GenericXLogRegisterBuffer(state, nbuf, GENERIC_XLOG_FULL_IMAGE);
			IvfInitPage(npage, IVF_PAGE_LIST);
			add_entry(index, npage, entry, size);
			blkno = BufferGetBlockNumber(nbuf);
			IvfPageGetOpaque(page)->next = blkno;
			GenericXLogFinish(state);
			UnlockReleaseBuffer(nbuf);
			UnlockReleaseBuffer(buf);
			break;
		}
	}
	/* later inserts start where this one found room */
	if (blkno != list->insert)
		IvfSetInsertPage(index, list, blkno);
}

bool
ivfflatinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
			  Relation heap, IndexUniqueCheck checkUnique
			  VECEXT_AMINSERT_EXTRA_ARGS, IndexInfo *indexInfo)
{
	MemoryContext ctx = AllocSetContextCreate(CurrentMemoryContext, "ivfflat insert",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldctx = MemoryContextSwitchTo(ctx);
	IvfMetaPageData meta;
	HnswDistance dist;
	void	   *payload;
	Size		size;

	/* NULLs are not indexed, nor zero vectors under cosine (no direction) */
	if (!isnull[0])
	{
		meta = IvfReadMeta(index);
		IvfInitDistance(&dist, index, meta.dims);
		IvfCheckMeta(index, &meta, &dist);
		payload = dist.type->form_payload(&dist, values[0], &size);
		if (payload != NULL)
		{
			IvfList    *lists = palloc(sizeof(IvfList) * meta.lists);
			int			n = IvfReadLists(index, &meta, &dist, payload, lists, NULL);
			int			best = 0;
			Size		esize = IvfEntryTupleSize(dist.max_payload);
			IvfEntryTuple et = palloc0(esize);

			for (int i = 1; i < n; i++)
				if (lists[i].dist < lists[best].dist)
					best = i;
			et->heaptid = *heap_tid;
			memcpy(et->payload, payload, dist.max_payload);
			insert_entry(index, &lists[best], (char *) et, esize);
		}
	}
	MemoryContextSwitchTo(oldctx);
	MemoryContextDelete(ctx);
	return false;
}
