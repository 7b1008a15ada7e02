/*-------------------------------------------------------------------------
 * hnsw.h
 *		The hnsw index access method: limits, in-memory state, prototypes.
 *		The on-disk format is in hnswpage.h.
 *
 * Locking (the order in which locks may be taken, and what each guards):
 *
 * 1. The update lock: a heavyweight page lock on the pseudo block
 *    HNSW_UPDATE_LOCK.  Inserts take it in ShareLock; an insert that may
 *    change the entry point (the index is empty, or the new node's level is
 *    above the entry's) and vacuum's repair phase take ExclusiveLock.  Scans
 *    never take it.
 * 2. Buffer content locks.  Build, insert, scan and vacuum hold at most one
 *    at a time, with one exception: the relation-extension lock may be
 *    held while initializing a new page.  A reader copies what it needs out
 *    of a page and releases the lock before following links, so no two
 *    content locks are ever held together and no deadlock between them is
 *    possible.  A neighbour list is rewritten read-compute-recheck: the new
 *    list is computed without the lock, then written only if the list is
 *    unchanged under the exclusive lock.
 * 3. In a build, each in-memory node has an LWLock guarding its neighbour
 *    lists, and the graph has one guarding the entry point.  A node's lock
 *    is held only to copy or replace its lists, never while taking another.
 * 4. Pins.  Element tuples never move or disappear while a backend holds a
 *    pin on their page: only vacuum's free phase removes tuples (and moves
 *    others to close the gap), and it takes a cleanup lock, which waits for
 *    every other pin to go.  A search therefore reads a candidate's vector,
 *    heap TID and flags with the pin alone, without the content lock: the
 *    vector and heap TID of an element never change, and a link (read
 *    under the share lock) to a slot freed and reused since can at worst
 *    give a torn read of the new element, whose bounds are checked.  Such
 *    a read can only steer the search; the rows a search returns are read
 *    again under the share lock before they are returned.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_HNSW_H
#define VECEXT_HNSW_H

#include "compat.h"

#include "access/amapi.h"
#include "access/genam.h"
#include "access/generic_xlog.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/dsm.h"
#include "storage/shm_toc.h"
#include "storage/lwlock.h"
#include "utils/relcache.h"
#include "utils/selfuncs.h"

#include "distance/distance.h"
#include "hnsw/hnswpage.h"

/* Reloptions and GUCs: every bound used by code, messages and README. */
#define HNSW_MIN_M					2
#define HNSW_DEFAULT_M				16
#define HNSW_MAX_M					100
#define HNSW_MIN_EF_CONSTRUCTION	4
#define HNSW_DEFAULT_EF_CONSTRUCTION 64
#define HNSW_MAX_EF_CONSTRUCTION	1000
#define HNSW_MIN_EF_SEARCH			1
#define HNSW_DEFAULT_EF_SEARCH		40
#define HNSW_MAX_EF_SEARCH			1000
#define HNSW_DEFAULT_MAX_SCAN_TUPLES 20000
#define HNSW_DEFAULT_SCAN_MEM_MULTIPLIER 1.0
#define HNSW_MAX_SCAN_MEM_MULTIPLIER 1000.0

/*
 * The last layer of the greedy descent (the one just above the layers a
 * search or an insert fills) is searched with this beam instead of 1, and
 * all of its results seed the next layer.  With clustered data a single
 * greedy path often ends in a neighbouring cluster, from where a layer-0
 * search at the default ef cannot get out; a beam of 4 costs a few percent
 * more visits and finds the right cluster (README.md, "Internals").
 */
#define HNSW_DESCENT_BEAM			4

/*
 * Fewest layer-0 link slots an element keeps to make room for a large
 * payload (2m when there is room; see HnswLinks0ForPayload).
 */
#define HNSW_MIN_LINKS0(m)			(m)

/* Highest layer a node may have (also bounded by what fits on a page). */
#define HNSW_MAX_LEVEL				16

/*
 * Payloads that may span pages (HnswDistance.span; see hnswpage.h): at most
 * this many bytes (payload_size is a uint16), so 16000 float4 dimensions.
 * A build splits an element across the end of a page only when its tuple
 * is larger than HNSW_SPAN_MIN_TUPLE (a smaller one costs little room to
 * move to the next page whole, and keeps one buffer read per hop) and the
 * page has room for its links and HNSW_SPAN_MIN_HEAD payload bytes.
 */
#define HNSW_MAX_SPAN_PAYLOAD		PG_UINT16_MAX
#define HNSW_SPAN_MIN_TUPLE			1024
#define HNSW_SPAN_MIN_HEAD			64

/*
 * An insert puts a chunk on a page only where it has room for this many
 * bytes (so a payload is not cut into many small pieces).
 */
#define HNSW_MIN_CHUNK_ROOM			1024

/* Support function numbers of the opclasses. */
#define HNSW_DISTANCE_PROC			1
#define HNSW_NORM_PROC				2	/* present: vectors are normalized */
#define HNSW_TYPE_PROC				3	/* present: the element type (HnswTypeOps) */

/* Pseudo block number of the update lock (see the lock order above). */
#define HNSW_UPDATE_LOCK			((BlockNumber) 0xFFFFFFFE)

/* Progress subphase of CREATE INDEX. */
#define HNSW_PROGRESS_PHASE_LOAD	2
#define HNSW_PROGRESS_PHASE_WRITE	3

/* Rounds of vacuum's reachability repair (walk, reconnect what it missed). */
#define HNSW_REACH_ROUNDS			3

/* Retries of an optimistic neighbour-list rewrite before settling. */
#define HNSW_UPDATE_RETRIES			3

/* How deep re-selections that restore a link lost to a race may nest. */
#define HNSW_RESTORE_DEPTH			3

typedef struct HnswOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int			m;
	int			ef_construction;
} HnswOptions;

/* hnsw.iterative_scan: what a scan does once its first ef results are used */
typedef enum HnswIterativeScan
{
	HNSW_ITERATIVE_SCAN_OFF,	/* stop: at most ef_search rows */
	HNSW_ITERATIVE_SCAN_RELAXED,	/* go on; later rows may be a little out of order */
	HNSW_ITERATIVE_SCAN_STRICT	/* go on, never returning a row out of order */
} HnswIterativeScan;

extern int	hnsw_ef_search;
extern int	hnsw_iterative_scan;
extern int	hnsw_max_scan_tuples;
extern double hnsw_scan_mem_multiplier;

/*
 * The element-type seam.  The graph code never looks inside an element: it
 * stores a payload (bytes) per element and compares payloads with one
 * kernel, called directly (no fmgr).  What a payload is, and which kernel
 * compares two, is the index's element type, chosen once per index from its
 * opclass: support function HNSW_TYPE_PROC returns the HnswTypeOps (an
 * opclass without it is a vector one), and the metric comes from the
 * opclass's ordering operator.  A prepared query is a payload too; keeping
 * form_payload and prepare_query apart leaves room for payloads that are
 * compressed codes compared against a full-precision query.
 */
typedef enum HnswMetric
{
	HNSW_METRIC_L2 = 1,			/* squared L2, ordered like L2 */
	HNSW_METRIC_IP,				/* negative inner product */
	HNSW_METRIC_COSINE,			/* negative inner product of unit vectors */
	HNSW_METRIC_L1,
	HNSW_METRIC_HAMMING,		/* differing bits */
	HNSW_METRIC_JACCARD			/* 1 - |a & b| / |a | b| */
} HnswMetric;

/* Element types, as stored in the metapage. */
#define HNSW_TYPE_VECTOR			1
#define HNSW_TYPE_HALFVEC			2
#define HNSW_TYPE_SPARSEVEC			3
#define HNSW_TYPE_BIT				4

/* Distance between two payloads; len is HnswDistance.len. */
typedef float (*HnswPayloadKernel) (const void *a, const void *b, int len);

typedef struct HnswTypeOps HnswTypeOps;

typedef struct HnswDistance
{
	const HnswTypeOps *type;
	HnswMetric	metric;
	HnswPayloadKernel kernel;
	int			len;			/* the kernel's length argument */
	bool		negate;			/* the kernel computes -distance */
	bool		normalize;		/* payloads are unit vectors */
	int			dims;			/* dimensions of the indexed column */
	int			m;				/* the index's m (what fits on a page) */
	Size		min_payload;	/* bytes of the smallest payload */
	Size		max_payload;	/* bytes of the largest (min = max: all the same) */
	bool		span;			/* payloads may go on in chunk tuples (hnswpage.h) */
	char	   *scratch;		/* span: max_payload bytes where a payload read
								 * from several pages is put together */
	Size		unit;			/* span: payload bytes per unit of len */
	bool		additive;		/* span: the kernel sums a term per unit, so the
								 * parts of a payload can be compared apart */
	bool		prefix_bound;	/* span: and the terms are >= 0: the kernel of
								 * a prefix is at most the whole's */
} HnswDistance;

struct HnswTypeOps
{
	const char *name;			/* the SQL type, for messages */
	uint16		id;				/* HNSW_TYPE_* */

	/* Set metric, kernel, len, negate, min_ and max_payload of d for d->dims. */
	void		(*init) (HnswDistance *d, Relation index);

	/*
	 * The payload of a (possibly toasted) value of the indexed type, in a
	 * palloc'd buffer of max_payload bytes (so payloads can be copied
	 * without their sizes), its size in *size; NULL when the value cannot
	 * be indexed (no direction under cosine).  Errors when the value does
	 * not match the index.
	 */
	void	   *(*form_payload) (const HnswDistance *d, Datum value, Size *size);

	/* The query a search compares payloads with (today: its payload). */
	void	   *(*prepare_query) (const HnswDistance *d, Datum value, Size *size);

	/*
	 * The value of the indexed type a payload was formed from, byte for
	 * byte, in out (room for the largest); false when the payload is not
	 * that value (normalized).  NULL for types that do not say.
	 */
	bool		(*payload_value) (const HnswDistance *d, const void *payload, void *out);
};

static inline float
HnswDist(const HnswDistance *d, const void *a, const void *b)
{
	float		r = d->kernel(a, b, d->len);

	return d->negate ? -r : r;
}

/* The i-th payload of an array of payloads spaced max_payload apart. */
static inline char *
HnswPayloadAt(const HnswDistance *d, void *base, int i)
{
	return (char *) base + (Size) i * d->max_payload;
}

/*
 * A search candidate.  On-disk searches use tid/heaptid; the in-memory
 * build uses idx.
 */
typedef struct HnswCandidate
{
	float		dist;
	int32		idx;			/* build: node number */
	ItemPointerData tid;		/* disk: element TID */
	ItemPointerData heaptid;	/* disk: heap row */
	uint8		level;			/* disk: node level */
	bool		deleted;		/* disk: its heap row is dead */
} HnswCandidate;

/* Binary heap of candidates, min- or max-ordered by dist. */
typedef struct HnswHeap
{
	HnswCandidate *items;
	int			size;
	int			capacity;
	bool		max;			/* largest first */
} HnswHeap;

extern void HnswHeapInit(HnswHeap *h, int capacity, bool max);

static inline HnswCandidate *
HnswHeapTop(HnswHeap *h)
{
	return h->size > 0 ? &h->items[0] : NULL;
}

/* Set of visited element TIDs (disk searches): open addressing. */
typedef struct HnswVisited
{
	uint64	   *keys;
	uint32		mask;
	uint32		count;
} HnswVisited;

extern void HnswVisitedInit(HnswVisited *v, int expected);
extern void HnswVisitedReset(HnswVisited *v);

/*
 * A resumable search of layer 0 (iterative scans): it keeps everything it
 * saw, so that each batch goes on from where the last one stopped instead
 * of starting again.  Every element it visits is in visited; pending holds
 * those not yet expanded, and every live one is handed out exactly once:
 * it is in result (the batch being formed) or spare until then.
 */
typedef struct HnswStream
{
	HnswVisited visited;
	HnswHeap	pending;		/* min-heap: visited, not expanded yet */
	HnswHeap	spare;			/* min-heap: visited, live, not handed out */
	HnswHeap	result;			/* max-heap: the batch being formed */
} HnswStream;

/* HnswHeapPush/Pop, HnswVisitedAdd/Contains: inline */
#include "hnsw/hnswcandidates.h"

/* hnsw.c */
extern void HnswInitReloptions(void);
extern void HnswDefineGucs(void);
extern int	HnswGetM(Relation index);
extern int	HnswGetEfConstruction(Relation index);
PGDLLEXPORT extern Datum hnswhandler(PG_FUNCTION_ARGS);

/* hnswpage.c */
extern void HnswInitPage(Page page, uint16 page_type);
extern void HnswInitMetaPage(Page page, int dims, int m, int ef_construction,
							 const HnswDistance *d);
extern HnswMetaPageData HnswReadMeta(Relation index);
extern void HnswSetEntry(Relation index, ItemPointer entry, int level);
extern void HnswCheckMetaPage(Relation index, Page page);
extern HnswElementTuple HnswGetElementTuple(Page page, OffsetNumber off);
extern Size HnswFormElement(HnswElementTuple tup, int m, int level, int links0,
							ItemPointer heaptid, const void *payload, Size payload_size,
							Size head_size, ItemPointer next);
extern HnswChunkTuple HnswGetChunkTuple(Page page, OffsetNumber off);
extern Buffer HnswNewBuffer(Relation index, ForkNumber fork);
extern int	HnswMaxLevelForPayload(int m, bool span, Size payload_size);
extern Size HnswMaxPayload(int m);
extern int	HnswLinks0ForPayload(int m, bool span, Size payload_size);
extern void HnswCheckPayloadFits(const HnswDistance *d, Size payload_size);
extern Buffer HnswPageWithRoom(Relation index, Size need, bool extend, bool *isnew);
extern ItemPointerData HnswAddToPage(Relation index, Buffer buf, bool isnew, const void *item,
									 Size size);
extern ItemPointerData HnswPlaceTuple(Relation index, const void *tup, Size size);

/* hnswchunk.c: payloads that go on past their element tuple */
extern bool HnswReadChunks(Relation index, ItemPointer heaptid, ItemPointer next,
						   Size from, Size payload_size, char *out);
extern bool HnswCopyPayload(Relation index, int m, HnswElementTuple tup, char *out);
extern void HnswFormChunk(HnswChunkTuple c, const char *payload, Size start, Size size,
						  ItemPointer heaptid, ItemPointer next);
extern ItemPointerData HnswPlaceChunks(Relation index, const char *payload, Size fixed,
									   Size payload_size, ItemPointer heaptid,
									   Size *head_size, Buffer *headbuf);
extern const char *HnswCheckChunks(Relation index, BlockNumber nblocks, HnswElementTuple tup,
								   int64 *nchunks);

/* hnswtypes.c: the element types */
extern void HnswInitDistance(HnswDistance *d, Relation index, int dims, int m);
extern void HnswCheckMetaType(Relation index, const HnswMetaPageData *meta,
							  const HnswDistance *d);
extern void *HnswZeroQuery(const HnswDistance *d);
extern int	HnswIndexDims(Relation index);
extern const HnswTypeOps HnswVectorOps;

/* hnswgraph.c: the pieces of the algorithm shared by build, insert and scan */
extern int	HnswRandomLevel(int m, double u);
extern double HnswRandomUniform(uint64 *state);
extern int	HnswSelectNeighbors(const HnswDistance *d, HnswCandidate *cands, int ncands,
								const void **vecs, int keep, bool *selected, uint64 salt,
								bool by_tid);
extern int	HnswFillNeighbors(const HnswDistance *d, const HnswCandidate *cands, int ncands,
							  const void **vecs, int keep, bool *selected, int count);
extern int	HnswCandidateCmp(const void *a, const void *b);

/* hnswsearch.c */
extern void HnswSearchLayerDisk(Relation index, const HnswDistance *d, int m,
								const void *q, HnswHeap *entries, int ef, int layer,
								HnswVisited *visited, HnswHeap *result);
extern int	HnswSearchDisk(Relation index, const HnswDistance *d, int m, const void *q,
						   ItemPointer entry, int entry_level, int ef, HnswCandidate **out);
extern bool HnswStreamStart(Relation index, const HnswDistance *d, int m, const void *q,
							ItemPointer entry, int entry_level, int ef, HnswStream *s);
extern int	HnswStreamNext(Relation index, const HnswDistance *d, int m, const void *q,
						   HnswStream *s, int ef, bool expand, HnswCandidate *out);
extern void HnswCarryDown(HnswHeap *result, HnswHeap *entries, const HnswCandidate *start,
						  int nstart);
extern bool HnswReadElement(Relation index, const HnswDistance *d, int m, ItemPointer tid,
							int layer, void *payload, ItemPointerData *links, int *nlinks,
							bool *deleted);
extern bool HnswReadRowPayload(Relation index, const HnswDistance *d, int m, ItemPointer tid,
							   ItemPointer heaptid, void *payload);

/* Copy the payload of the element at tid into out (max_payload bytes). */
static inline bool
HnswReadElementPayload(Relation index, const HnswDistance *d, int m, ItemPointer tid,
					   void *out)
{
	return HnswReadElement(index, d, m, tid, 0, out, NULL, NULL, NULL);
}

/* hnswreach.c */
extern int64 HnswWalkLayer0(Relation index, int m, ItemPointer start, bool through_deleted,
							HnswVisited *reached, BufferAccessStrategy bas);

/* hnswlinks.c */
extern bool HnswReplaceLinks(Relation index, int m, ItemPointer tid, int layer,
							 const ItemPointerData *expect, int nexpect,
							 const ItemPointerData *links, int n);
extern void HnswInsertOnDisk(Relation index, const HnswDistance *d, int m, int efc,
							 const void *payload, Size payload_size, ItemPointer heaptid,
							 int level);

/* hnswreselect.c */
extern bool HnswAddBacklink(Relation index, const HnswDistance *d, int m, ItemPointer tid,
							int layer, ItemPointer newtid, const void *newpayload, bool force);
extern bool HnswEnsureInlink(Relation index, const HnswDistance *d, int m, ItemPointer tid,
							 const void *vec, ItemPointerData *hosts, int n, int depth);

/* hnswbuild.c */
extern IndexBuildResult *hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo);
extern void hnswbuildempty(Relation index);
PGDLLEXPORT extern void HnswParallelBuildMain(dsm_segment *seg, shm_toc *toc);

/* hnswinsert.c */
extern bool hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
					   Relation heap, IndexUniqueCheck checkUnique
					   VECEXT_AMINSERT_EXTRA_ARGS, IndexInfo *indexInfo);

/* hnswscan.c */
extern IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
extern void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
					   int norderbys);
extern bool hnswgettuple(IndexScanDesc scan, ScanDirection dir);
extern void hnswendscan(IndexScanDesc scan);

/* hnswvacuum.c */
extern IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback,
											 void *callback_state);
extern IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats);

/* hnswcost.c */
extern void HnswCostSequential(PlannerInfo *root, IndexPath *path, double loop_count,
							   double ntuples, GenericCosts *costs);
extern double HnswRowsNeeded(PlannerInfo *root, double matching);
extern bool HnswCostUnordered(IndexPath *path, Cost *indexStartupCost, Cost *indexTotalCost,
							  Selectivity *indexSelectivity, double *indexCorrelation,
							  double *indexPages);
extern void HnswCostShortfall(PlannerInfo *root, IndexPath *path, double reachable,
							  double tuples, Cost *indexStartupCost, Cost *indexTotalCost);
extern void hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
							 Cost *indexStartupCost, Cost *indexTotalCost,
							 Selectivity *indexSelectivity, double *indexCorrelation,
							 double *indexPages);

/* hnswvalidate.c */
extern bool hnswvalidate(Oid opclassoid);
extern bool HnswValidateOpclass(Oid opclassoid, const char *amname);

#endif							/* VECEXT_HNSW_H */
