/*-------------------------------------------------------------------------
 * hnswbuildwrite.c
 *		Writing the in-memory graph of CREATE INDEX to pages in one
 *		sequential pass, WAL-logged as whole pages.
 *
 * A first pass gives every node its on-disk TID by laying the tuples out
 * page by page in node order; a second pass forms the tuples, with links
 * translated from node numbers to TIDs, and writes full pages through a
 * bulk-write buffer ring.  All pages are then WAL-logged with
 * log_newpage_range, as the sorted btree build does.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuild.h"

#include "access/xloginsert.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

static Size
form_tuple(HnswBuildState *bs, BuildNode *node, HnswElementTuple tup)
{
	BuildGraph *g = bs->graph;
	Size		size = HnswElementTupleSize0(node->links0, bs->m, node->level,
											 node->payload_size);

	memset(tup, 0, size);
	tup->type = HNSW_ELEMENT_TUPLE;
	tup->level = node->level;
	tup->links0 = node->links0;
	tup->heaptid = node->heaptid;
	tup->payload_size = node->payload_size;
	for (int layer = 0; layer <= node->level; layer++)
	{
		int			n = node_counts(node)[layer];
		int32	   *links = node_links(g, node, layer);
		ItemPointerData *out = HnswElementLinks(tup, bs->m, layer);

		HnswElementCounts(tup)[layer] = n;
		for (int i = 0; i < n; i++)
			out[i] = graph_node(g, links[i])->itid;
	}
	memcpy(HnswElementPayload(tup, bs->m), node_payload(g, node), node->payload_size);
	return size;
}

static void
flush_page(Relation index, Page page, BlockNumber expect, BufferAccessStrategy bas)
{
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, bas);

	if (BufferGetBlockNumber(buf) != expect)
		elog(ERROR, "hnsw build expected to write block %u, got %u",
			 expect, BufferGetBlockNumber(buf));
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	memcpy(BufferGetPage(buf), page, BLCKSZ);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* Write the in-memory graph after the metapage, then WAL-log every page. */
void
HnswWriteGraph(HnswBuildState *bs)
{
	BuildGraph *g = bs->graph;
	PGAlignedBlock scratch;
	PGAlignedBlock pagebuf;
	Page		page = (Page) pagebuf.data;
	char	   *tupbuf = palloc0(HNSW_MAX_TUPLE_SIZE);
	BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO;
	BufferAccessStrategy bas = GetAccessStrategy(BAS_BULKWRITE);
	Buffer		metabuf;
	HnswMetaPage meta;
	int			nconnect;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PROGRESS_PHASE_WRITE);

	/*
	 * Every node reachable.  (Not inside elog(): its arguments are evaluated
	 * only when the level is logged.  DEBUG2 keeps DEBUG1 output stable.)
	 */
	nconnect = HnswGraphConnect(&bs->local);
	elog(DEBUG2, "hnsw build added %d links to make every node reachable", nconnect);

	/* pass 1: the TID of every node */
	HnswInitPage((Page) scratch.data, HNSW_PAGE_ELEMENT);
	for (int32 n = 0; n < g->nnodes; n++)
	{
		BuildNode  *node = graph_node(g, n);
		Size		size = HnswElementTupleSize0(node->links0, bs->m, node->level,
											 node->payload_size);
		OffsetNumber off;

		off = PageAddItem((Page) scratch.data, tupbuf, size, InvalidOffsetNumber, false, false);
		if (off == InvalidOffsetNumber)
		{
			blkno++;
			HnswInitPage((Page) scratch.data, HNSW_PAGE_ELEMENT);
			off = PageAddItem((Page) scratch.data, tupbuf, size, InvalidOffsetNumber, false, false);
			if (off == InvalidOffsetNumber)
				elog(ERROR, "hnsw element of %zu bytes does not fit on a page", size);
		}
		ItemPointerSet(&node->itid, blkno, off);
	}

	/* pass 2: the pages, in order */
	blkno = HNSW_FIRST_ELEMENT_BLKNO;
	HnswInitPage(page, HNSW_PAGE_ELEMENT);
	for (int32 n = 0; n < g->nnodes; n++)
	{
		BuildNode  *node = graph_node(g, n);
		Size		size;

		CHECK_FOR_INTERRUPTS();
		if (ItemPointerGetBlockNumber(&node->itid) != blkno)
		{
			flush_page(bs->index, page, blkno, bas);
			blkno++;
			HnswInitPage(page, HNSW_PAGE_ELEMENT);
		}
		size = form_tuple(bs, node, (HnswElementTuple) tupbuf);
		if (PageAddItem(page, tupbuf, size, InvalidOffsetNumber, false, false) !=
			ItemPointerGetOffsetNumber(&node->itid))
			elog(ERROR, "hnsw build laid out an element at an unexpected offset");
	}
	if (g->nnodes > 0)
		flush_page(bs->index, page, blkno, bas);
	FreeAccessStrategy(bas);

	/* the entry point */
	metabuf = ReadBuffer(bs->index, HNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = HnswPageGetMeta(BufferGetPage(metabuf));
	if (g->entry >= 0)
	{
		meta->entry = graph_node(g, g->entry)->itid;
		meta->entry_level = g->entry_level;
	}
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

	if (RelationNeedsWAL(bs->index))
		log_newpage_range(bs->index, MAIN_FORKNUM, 0,
						  RelationGetNumberOfBlocks(bs->index), true);
	pfree(tupbuf);
}
