/*-------------------------------------------------------------------------
 * hnswpage.h
 *		The on-disk format of an hnsw index, and only that.
 *
 * Block 0 is the metapage.  Every other block is an element page holding
 * element tuples and chunk tuples.  An element tuple carries everything a
 * search needs about one graph node: its heap TID, level, deleted flag, its
 * neighbour lists for every layer and its payload, or the first part of
 * it, so one buffer read serves one hop.  The payload is what the index's
 * element type (hnsw.h, HnswTypeOps) makes of the indexed value: float4 or
 * binary16 elements, a sparse vector's indices and values, or a bit
 * string's bytes.  Neighbour links are element TIDs (block, offset) in the
 * index itself.
 *
 * A payload of a fixed-size type (vector, halfvec, bit) may go on past its
 * element tuple (head_size < payload_size): the rest is in chunk tuples,
 * chained from the element's next, each on another page.  A build lays
 * elements out back to back and splits a large one across the end of a
 * page and the start of the next, so pages are full; a payload larger than
 * a page spans as many as it needs.  A chunk names its element's heap row
 * and where in the payload it starts, so a reader can tell it belongs.
 *
 * Element tuple layout (each part starts 4-byte aligned; the tuple itself
 * is MAXALIGNed by PageAddItem):
 *
 *	HnswElementTupleData	header (type, level, flags, heap TID, payload
 *							size, bytes of it here, the first chunk)
 *	uint16 counts[level+1]	number of used links per layer, padded to 4
 *	ItemPointerData links[]	links0 slots for layer 0 (2m, or fewer for a
 *							sparsevec element whose payload leaves less
 *							room), m for each layer above, padded to 4
 *	char payload[head_size]	the (for cosine: normalized) value, or its
 *							first head_size bytes
 *
 * Chunk tuple: HnswChunkTupleData, then its size bytes of the payload.
 *
 * Bump HNSW_FORMAT_VERSION whenever any struct here changes.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_HNSWPAGE_H
#define VECEXT_HNSWPAGE_H

#include "storage/block.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"

#define HNSW_MAGIC				0x56584E48	/* "HNXV" */
#define HNSW_FORMAT_VERSION		3	/* 2: element types (payload, links0, metapage type);
									 * 3: payloads continued in chunk tuples */
#define HNSW_PAGE_ID			0xFF91	/* identifies hnsw pages, like nbtree's */

#define HNSW_METAPAGE_BLKNO		0
#define HNSW_FIRST_ELEMENT_BLKNO 1

/* page types, in HnswPageOpaqueData.page_type */
#define HNSW_PAGE_META			1
#define HNSW_PAGE_ELEMENT		2

/* Special space of every hnsw page. */
typedef struct HnswPageOpaqueData
{
	uint16		page_type;		/* HNSW_PAGE_META or HNSW_PAGE_ELEMENT */
	uint16		unused;			/* reserved, 0 */
	uint32		unused2;		/* reserved, 0 */
	uint16		unused3;		/* reserved, 0 */
	uint16		page_id;		/* HNSW_PAGE_ID, last, as in other AMs */
} HnswPageOpaqueData;

typedef HnswPageOpaqueData *HnswPageOpaque;

#define HnswPageGetOpaque(page) ((HnswPageOpaque) PageGetSpecialPointer(page))

/* Metapage contents, right after the page header. */
typedef struct HnswMetaPageData
{
	uint32		magic;			/* HNSW_MAGIC */
	uint32		version;		/* HNSW_FORMAT_VERSION */
	uint32		dims;			/* dimensions of every indexed vector */
	uint16		m;				/* max links per layer above 0 (2m on layer 0) */
	uint16		ef_construction;	/* candidate list size while building */
	uint16		element_type;	/* HNSW_TYPE_* of the payloads (hnsw.h) */
	uint16		metric;			/* HnswMetric the graph was built with (hnsw.h) */
	ItemPointerData entry;		/* entry element, invalid when the index is empty */
	int16		entry_level;	/* level of the entry element, -1 when empty */
} HnswMetaPageData;

typedef HnswMetaPageData *HnswMetaPage;

#define HnswPageGetMeta(page) ((HnswMetaPage) PageGetContents(page))

/* HnswElementTupleData.type, HnswChunkTupleData.type */
#define HNSW_ELEMENT_TUPLE		0x45	/* 'E' */
#define HNSW_CHUNK_TUPLE		0x43	/* 'C' */

/* HnswElementTupleData.flags, HnswChunkTupleData.flags */
#define HNSW_ELEMENT_DELETED	0x01	/* its heap row is dead: skip, but follow
										 * (a chunk: free it with its element) */

typedef struct HnswElementTupleData
{
	uint8		type;			/* HNSW_ELEMENT_TUPLE */
	uint8		level;			/* top layer of this node */
	uint8		flags;			/* HNSW_ELEMENT_* */
	uint8		links0;			/* link slots of layer 0: 2m, or fewer (>= m) when
								 * the payload leaves no room for 2m */
	ItemPointerData heaptid;	/* the heap row */
	uint16		payload_size;	/* bytes of the payload */
	ItemPointerData next;		/* the chunk with the payload's next bytes;
								 * invalid when they are all here */
	uint16		head_size;		/* bytes of the payload in this tuple */
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* counts, links, payload */
} HnswElementTupleData;

typedef HnswElementTupleData *HnswElementTuple;

#define HNSW_ELEMENT_HEADER_SIZE	offsetof(HnswElementTupleData, data)

/* More of an element's payload, which goes on past its element tuple. */
typedef struct HnswChunkTupleData
{
	uint8		type;			/* HNSW_CHUNK_TUPLE */
	uint8		flags;			/* HNSW_ELEMENT_DELETED */
	uint16		size;			/* bytes of the payload here */
	uint16		start;			/* where they start in the payload */
	ItemPointerData heaptid;	/* the element's heap row */
	ItemPointerData next;		/* the next chunk, invalid for the last */
	uint16		unused;			/* reserved, 0 */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} HnswChunkTupleData;

typedef HnswChunkTupleData *HnswChunkTuple;

#define HNSW_CHUNK_HEADER_SIZE		offsetof(HnswChunkTupleData, data)

/* Link slots of a layer at most: 2m on layer 0, m above. */
#define HnswLayerCapacity(m, layer) ((layer) == 0 ? 2 * (m) : (m))

/* Total link slots of a node of the given level, with links0 on layer 0. */
#define HnswTotalLinks0(links0, m, level)	((links0) + (level) * (m))
#define HnswTotalLinks(m, level)	HnswTotalLinks0(2 * (m), m, level)

#define HNSW_ALIGN4(x)				(((x) + 3) & ~((Size) 3))

#define HnswCountsSize(level)		HNSW_ALIGN4(sizeof(uint16) * ((level) + 1))
#define HnswLinksSize0(links0, m, level) \
	HNSW_ALIGN4(sizeof(ItemPointerData) * HnswTotalLinks0(links0, m, level))

#define HnswElementTupleSize0(links0, m, level, payload_size) \
	(HNSW_ELEMENT_HEADER_SIZE + HnswCountsSize(level) + HnswLinksSize0(links0, m, level) + \
	 (payload_size))
#define HnswElementTupleSize(m, level, payload_size) \
	HnswElementTupleSize0(2 * (m), m, level, payload_size)

/* The size of an element tuple as it is (with the part of its payload it holds). */
#define HnswTupleSize(tup, m) \
	HnswElementTupleSize0((tup)->links0, m, (tup)->level, (tup)->head_size)

/* Whether an element's payload goes on in chunk tuples. */
#define HnswTupleSpans(tup)			((tup)->head_size < (tup)->payload_size)

/* Link slots of a layer of an element. */
#define HnswTupleCapacity(tup, m, layer) ((layer) == 0 ? (int) (tup)->links0 : (m))

#define HnswElementCounts(tup) ((uint16 *) (tup)->data)

/* First link slot of a layer. */
#define HnswElementLinks(tup, m, layer) \
	((ItemPointerData *) ((tup)->data + HnswCountsSize((tup)->level)) + \
	 ((layer) == 0 ? 0 : (tup)->links0 + ((layer) - 1) * (m)))

#define HnswElementPayload(tup, m) \
	((char *) ((tup)->data + HnswCountsSize((tup)->level) + \
			   HnswLinksSize0((tup)->links0, m, (tup)->level)))

/* Largest element tuple a page holds (one tuple, its line pointer). */
#define HNSW_MAX_TUPLE_SIZE \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(HnswPageOpaqueData)) - \
	 sizeof(ItemIdData))

/* Room for one tuple on an empty page: PageAddItem MAXALIGNs it. */
#define HNSW_TUPLE_ROOM		TYPEALIGN_DOWN(MAXIMUM_ALIGNOF, HNSW_MAX_TUPLE_SIZE)

/* Most payload bytes one chunk tuple holds (a whole page). */
#define HNSW_CHUNK_ROOM		(HNSW_TUPLE_ROOM - HNSW_CHUNK_HEADER_SIZE)

#endif							/* VECEXT_HNSWPAGE_H */
