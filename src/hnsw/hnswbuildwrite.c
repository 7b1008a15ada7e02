/*-------------------------------------------------------------------------
 * hnswbuildwrite.c
 *		Writing the in-memory graph of CREATE INDEX to pages in one
 *		sequential pass, WAL-logged as whole pages.
 *
 * A first pass gives every node its on-disk TID by laying the tuples out
 * page by page, back to back, in an order that keeps linked nodes on the
 * same pages (layout_order): an element too large for what a page has
 * left goes on in chunks on the next pages when its payload may span pages
 * (hnswpage.h), so that pages are full.  A second pass lays them out
 * again, forms the tuples, with links translated from node numbers to
 * TIDs, and writes full pages through a bulk-write buffer ring.  All pages
 * are then WAL-logged with log_newpage_range, as the sorted btree build
 * does.  A layer-0 list is written with what is left of its reserve after
 * the links the build searched (hnswbuildgraph.c, mem_select).
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnswbuild.h"

#include "access/xloginsert.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

/*
 * The element tuple of a node, with head_size bytes of its payload and next
 * its first chunk (invalid when there is none).
 */
static Size
form_tuple(HnswBuildState *bs, BuildNode *node, HnswElementTuple tup, Size head_size,
		   ItemPointer next)
{
	BuildGraph *g = bs->graph;
	Size		size = HnswFormElement(tup, bs->m, node->level, node->links0, &node->heaptid,
									   node_payload(g, node), node->payload_size, head_size,
									   next);

	for (int layer = 0; layer <= node->level; layer++)
	{
		int			n = node_counts(node)[layer];
		int32	   *links = node_links(g, node, layer);
		ItemPointerData *out = HnswElementLinks(tup, bs->m, layer);

		int			nsel = n;

		for (int i = 0; i < n; i++)
			out[i] = graph_node(g, links[i])->itid;
		/* layer 0: then what is left of the reserve, unless already linked */
		for (int i = Max(nsel, node->reserve0); layer == 0 && i < node->links0; i++)
		{
			bool		dup = false;

			for (int j = 0; j < nsel && !dup; j++)
				dup = links[j] == links[i];
			if (!dup)
				out[n] = graph_node(g, links[i])->itid;
			n += !dup;
		}
		HnswElementCounts(tup)[layer] = n;
	}
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

/*
 * The pages being laid out.  Both passes lay the nodes out alike: the
 * first (write false) only to learn every node's TID, on a scratch page,
 * the second to form the tuples and write the pages.
 */
typedef struct PageWriter
{
	HnswBuildState *bs;
	bool		write;
	Page		page;
	BlockNumber blkno;
	BufferAccessStrategy bas;
	char	   *tupbuf;			/* HNSW_TUPLE_ROOM bytes */
} PageWriter;

static void
next_page(PageWriter *w)
{
	if (w->write)
		flush_page(w->bs->index, w->page, w->blkno, w->bas);
	w->blkno++;
	HnswInitPage(w->page, HNSW_PAGE_ELEMENT);
}

/* Room for one more tuple on the page. */
static Size
page_room(Page page)
{
	return TYPEALIGN_DOWN(MAXIMUM_ALIGNOF, PageGetFreeSpace(page));
}

static OffsetNumber
add_item(PageWriter *w, Size size)
{
	OffsetNumber off = PageAddItem(w->page, w->tupbuf, size, InvalidOffsetNumber, false, false);

	if (off == InvalidOffsetNumber)
		elog(ERROR, "hnsw build could not add a tuple of %zu bytes to block %u", size,
			 w->blkno);
	return off;
}

/*
 * Lay one node out: its element tuple where the page has room for it
 * whole, else at the start of the next page; or, for a large payload that
 * may span pages (hnswpage.h), its links and the first part of its payload
 * in what the page has left, and the rest in chunks at the start of the
 * pages that follow, each but the last a whole page.
 */
static void
lay_out_node(PageWriter *w, BuildNode *node)
{
	HnswBuildState *bs = w->bs;
	Size		whole = HnswElementTupleSize0(node->links0, bs->m, node->level,
											  node->payload_size);
	Size		fixed = HnswElementTupleSize0(node->links0, bs->m, node->level, 0);
	Size		head_size = node->payload_size;
	Size		pos;
	ItemPointerData next;
	OffsetNumber off;

	if (MAXALIGN(whole) > page_room(w->page))
	{
		bool		split = bs->graph->span && whole > HNSW_SPAN_MIN_TUPLE &&
			page_room(w->page) >= fixed + HNSW_SPAN_MIN_HEAD;

		if (!split)
			next_page(w);
		if (MAXALIGN(whole) > page_room(w->page))
			head_size = page_room(w->page) - fixed;
	}

	/* the chunks go at the start of the next pages */
	ItemPointerSetInvalid(&next);
	if (head_size < node->payload_size)
		ItemPointerSet(&next, w->blkno + 1, FirstOffsetNumber);
	if (w->write)
		form_tuple(bs, node, (HnswElementTuple) w->tupbuf, head_size, &next);
	off = add_item(w, HnswElementTupleSize0(node->links0, bs->m, node->level, head_size));
	if (w->write && off != ItemPointerGetOffsetNumber(&node->itid))
		elog(ERROR, "hnsw build laid out an element at an unexpected offset");
	ItemPointerSet(&node->itid, w->blkno, off);

	for (pos = head_size; pos < node->payload_size;)
	{
		Size		size = Min(HNSW_CHUNK_ROOM, node->payload_size - pos);

		next_page(w);
		if (w->write)
		{
			ItemPointerSetInvalid(&next);
			if (pos + size < node->payload_size)
				ItemPointerSet(&next, w->blkno + 1, FirstOffsetNumber);
			HnswFormChunk((HnswChunkTuple) w->tupbuf, node_payload(bs->graph, node), pos, size,
						  &node->heaptid, &next);
		}
		if (add_item(w, HNSW_CHUNK_HEADER_SIZE + size) != FirstOffsetNumber)
			elog(ERROR, "hnsw build laid out a chunk at an unexpected offset");
		pos += size;
	}
}

/*
 * The order the nodes are laid out in: a page at a time, each page filled
 * with nodes linked to what it already holds.  The next node of a page is
 * the one that the most layer-0 links of its nodes point at (the earliest
 * such found on a tie); a page starts with the next node not laid out of a
 * breadth-first walk of layer 0 from the entry point (then from each node
 * not reached, in node order), as does a page whose nodes link only to
 * nodes laid out already.  A search that expands a node reads its
 * neighbours' vectors next, and they are then mostly on the node's own
 * page or on a few around it, where in the order the rows came in they
 * would be anywhere in the index.  per_page is about how many nodes a page
 * holds; order gets every node once (nnodes slots).
 */
static void
layout_order(BuildGraph *g, int per_page, int32 *order)
{
	int32		nnodes = g->nnodes;
	int32	   *walk = palloc(sizeof(int32) * Max(nnodes, 1));
	bool	   *placed = palloc0(sizeof(bool) * Max(nnodes, 1));
	uint16	   *score = palloc0(sizeof(uint16) * Max(nnodes, 1));
	int32	   *cand = palloc(sizeof(int32) * (per_page * HnswLayerCapacity(g->m, 0) + 1));
	int32		tail = 0;
	int32		nextwalk = 0;
	int32		count = 0;

	/* the walk's own reached flags: placed is all false until the pages */
	if (g->entry >= 0)
		tail = HnswGraphWalk(g, g->entry, placed, walk, tail);
	for (int32 n = 0; n < nnodes; n++)
		tail = HnswGraphWalk(g, n, placed, walk, tail);
	Assert(tail == nnodes);
	memset(placed, 0, sizeof(bool) * Max(nnodes, 1));

	while (count < nnodes)
	{
		int			ncand = 0;

		CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < per_page && count < nnodes; k++)
		{
			int32		best = -1;
			BuildNode  *node;

			for (int i = 0; i < ncand; i++)
				if (!placed[cand[i]] && (best < 0 || score[cand[i]] > score[best]))
					best = cand[i];
			if (best < 0)
			{
				while (placed[walk[nextwalk]])
					nextwalk++;
				best = walk[nextwalk];
			}
			placed[best] = true;
			order[count++] = best;
			node = graph_node(g, best);
			for (int i = 0; i < node_counts(node)[0]; i++)
			{
				int32		t = node_links(g, node, 0)[i];

				if (placed[t])
					continue;
				if (score[t]++ == 0)
					cand[ncand++] = t;
			}
		}
		for (int i = 0; i < ncand; i++)
			score[cand[i]] = 0;
	}
	pfree(walk);
	pfree(placed);
	pfree(score);
	pfree(cand);
}

/* Write the in-memory graph after the metapage, then WAL-log every page. */
void
HnswWriteGraph(HnswBuildState *bs)
{
	BuildGraph *g = bs->graph;
	PGAlignedBlock scratch;
	PGAlignedBlock pagebuf;
	Page		page = (Page) pagebuf.data;
	char	   *tupbuf = palloc0(HNSW_TUPLE_ROOM);
	PageWriter	w;
	BufferAccessStrategy bas = GetAccessStrategy(BAS_BULKWRITE);
	Buffer		metabuf;
	HnswMetaPage meta;
	int			nconnect;
	int32	   *order = palloc(sizeof(int32) * Max(g->nnodes, 1));
	Size		node_room = MAXALIGN(HnswElementTupleSize(bs->m, 0, g->max_payload)) +
		sizeof(ItemIdData);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PROGRESS_PHASE_WRITE);

	/*
	 * Every node reachable.  (Not inside elog(): its arguments are evaluated
	 * only when the level is logged.  DEBUG2 keeps DEBUG1 output stable.)
	 */
	nconnect = HnswGraphConnect(&bs->local);
	elog(DEBUG2, "hnsw build added %d links to make every node reachable", nconnect);
	layout_order(g, Max(1, (int) ((HNSW_MAX_TUPLE_SIZE + sizeof(ItemIdData)) / node_room)),
				 order);

	/* pass 1: the TID of every node */
	w.bs = bs;
	w.write = false;
	w.page = (Page) scratch.data;
	w.blkno = HNSW_FIRST_ELEMENT_BLKNO;
	w.bas = bas;
	w.tupbuf = tupbuf;
	HnswInitPage(w.page, HNSW_PAGE_ELEMENT);
	for (int32 i = 0; i < g->nnodes; i++)
		lay_out_node(&w, graph_node(g, order[i]));

	/* pass 2: the pages, in order */
	w.write = true;
	w.page = page;
	w.blkno = HNSW_FIRST_ELEMENT_BLKNO;
	HnswInitPage(w.page, HNSW_PAGE_ELEMENT);
	for (int32 i = 0; i < g->nnodes; i++)
	{
		CHECK_FOR_INTERRUPTS();
		lay_out_node(&w, graph_node(g, order[i]));
	}
	if (g->nnodes > 0)
		flush_page(bs->index, page, w.blkno, bas);
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
	pfree(order);
}
