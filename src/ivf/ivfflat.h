/*-------------------------------------------------------------------------
 * ivfflat.h
 *		The ivfflat index access method: an inverted file of lists, one per
 *		k-means center, whose entries hold the vectors themselves.  Limits,
 *		on-disk format, prototypes.
 *
 * Elements are the same payloads as hnsw's (the element-type seam in
 * hnsw/hnsw.h: an opclass's support function 3 names the type, 1 the
 * metric, 2 normalization), compared by the same kernels.
 *
 * On disk:
 *	block 0			metapage (IvfMetaPageData)
 *	blocks 1..C		center pages: one IvfCenterTuple per list, in list order
 *	the rest		list pages: IvfEntryTuple items, each list a chain of
 *					pages linked by their special space's next, written
 *					contiguously by the build
 * Every change after the build goes through GenericXLog.  Bump
 * IVF_FORMAT_VERSION whenever a struct here changes.
 *
 * Locking: only buffer content locks, one at a time, except that an insert
 * holds a list's last page while it adds and links a new one, and the
 * center's page while it gives an empty list its first page.  Scans read
 * pages under share locks.  Vacuum takes a cleanup lock on each list page
 * it changes.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_IVFFLAT_H
#define VECEXT_IVFFLAT_H

#include "hnsw/hnsw.h"

#define IVF_MAGIC				0x58465649	/* "IVFX" */
#define IVF_FORMAT_VERSION		1
#define IVF_PAGE_ID				0xFF92

#define IVF_METAPAGE_BLKNO		0
#define IVF_FIRST_CENTER_BLKNO	1

#define IVF_PAGE_META			1
#define IVF_PAGE_CENTER			2
#define IVF_PAGE_LIST			3

/* Reloptions and GUCs. */
#define IVF_MIN_LISTS			1
#define IVF_DEFAULT_LISTS		100
#define IVF_MAX_LISTS			32768
#define IVF_DEFAULT_PROBES		1
#define IVF_MAX_PROBES			IVF_MAX_LISTS

/* k-means: rows sampled per list, at most, and iterations. */
#define IVF_SAMPLES_PER_LIST	50
#define IVF_KMEANS_ITERATIONS	20

/* Progress subphases of CREATE INDEX. */
#define IVF_PROGRESS_PHASE_KMEANS	2
#define IVF_PROGRESS_PHASE_ASSIGN	3
#define IVF_PROGRESS_PHASE_LOAD		4

/* Special space of every ivfflat page. */
typedef struct IvfPageOpaqueData
{
	BlockNumber next;			/* list pages: the next of the list, or Invalid */
	uint16		page_type;		/* IVF_PAGE_* */
	uint16		page_id;		/* IVF_PAGE_ID, last, as in other AMs */
} IvfPageOpaqueData;

typedef IvfPageOpaqueData *IvfPageOpaque;

#define IvfPageGetOpaque(page) ((IvfPageOpaque) PageGetSpecialPointer(page))

typedef struct IvfMetaPageData
{
	uint32		magic;			/* IVF_MAGIC */
	uint32		version;		/* IVF_FORMAT_VERSION */
	uint32		dims;
	uint32		lists;			/* number of lists (centers) */
	uint16		element_type;	/* HNSW_TYPE_* of the payloads */
	uint16		metric;			/* HnswMetric of the lists */
	uint32		payload_size;	/* bytes of every payload */
	uint32		center_pages;	/* blocks 1..center_pages hold the centers */
} IvfMetaPageData;

#define IvfPageGetMeta(page) ((IvfMetaPageData *) PageGetContents(page))

/* One list: its center, its first page and the page inserts try first. */
typedef struct IvfCenterTupleData
{
	BlockNumber start;			/* first page of the list, Invalid when empty */
	BlockNumber insert;			/* page with room, or the last; Invalid when empty */
	char		payload[FLEXIBLE_ARRAY_MEMBER];
} IvfCenterTupleData;

typedef IvfCenterTupleData *IvfCenterTuple;

#define IvfCenterTupleSize(psize) MAXALIGN(offsetof(IvfCenterTupleData, payload) + (psize))

/* One indexed row: its heap TID and its payload (4-byte aligned). */
typedef struct IvfEntryTupleData
{
	ItemPointerData heaptid;
	uint16		unused;			/* 0; aligns the payload */
	char		payload[FLEXIBLE_ARRAY_MEMBER];
} IvfEntryTupleData;

typedef IvfEntryTupleData *IvfEntryTuple;

#define IvfEntryTupleSize(psize)	(offsetof(IvfEntryTupleData, payload) + (psize))

/* The largest item a page holds (one, with its line pointer). */
#define IVF_MAX_ITEM_SIZE \
	MAXALIGN_DOWN(BLCKSZ - MAXALIGN(SizeOfPageHeaderData + sizeof(ItemIdData)) - \
				  MAXALIGN(sizeof(IvfPageOpaqueData)))

typedef struct IvfOptions
{
	int32		vl_len_;
	int			lists;
} IvfOptions;

/* ivfflat.iterative_scan */
typedef enum IvfIterativeScan
{
	IVF_ITERATIVE_SCAN_OFF,
	IVF_ITERATIVE_SCAN_RELAXED
} IvfIterativeScan;

extern int	ivf_probes;
extern int	ivf_iterative_scan;
extern int	ivf_max_probes;

/* A list as a scan or an insert sees it. */
typedef struct IvfList
{
	float		dist;			/* from the query */
	int			list;
	BlockNumber start;
	BlockNumber insert;
	BlockNumber center_blkno;	/* where its center tuple is */
	OffsetNumber center_off;
} IvfList;

/* ivfflat.c */
extern void IvfInitReloptions(void);
extern void IvfDefineGucs(void);
extern int	IvfGetLists(Relation index);
PGDLLEXPORT extern Datum ivfflathandler(PG_FUNCTION_ARGS);

/* ivfpage.c */
extern void IvfInitPage(Page page, uint16 page_type);
extern IvfMetaPageData IvfReadMeta(Relation index);
extern void IvfInitDistance(HnswDistance *d, Relation index, int dims);
extern void IvfCheckMeta(Relation index, const IvfMetaPageData *meta, const HnswDistance *d);
extern void IvfCheckPayloadFits(const HnswDistance *d);
extern int	IvfReadLists(Relation index, const IvfMetaPageData *meta, const HnswDistance *d,
						 const void *q, IvfList *out, char *payloads);
extern int	IvfScanLists(Relation index, const IvfMetaPageData *meta, const HnswDistance *d,
						 const void *q, IvfList *out);
extern Buffer IvfReadListPage(Relation index, BlockNumber blkno);
extern void IvfPrefetchListPage(Relation index, BlockNumber blkno);
extern int	IvfListCmp(const void *a, const void *b);
extern void IvfCheckListPage(Relation index, Page page, BlockNumber blkno);
extern void IvfSetInsertPage(Relation index, const IvfList *list, BlockNumber blkno);

/* ivfkmeans.c */
extern void IvfPayloadToFloat(const HnswDistance *d, const void *payload, float *out);
extern void IvfFloatToPayload(const HnswDistance *d, const float *in, void *payload);
extern int	IvfFloatDims(const HnswDistance *d);
extern void IvfKmeans(const HnswDistance *d, float *samples, int nsamples, int k,
					  float *centers, double room);

/* ivfbuild.c */
extern IndexBuildResult *ivfflatbuild(Relation heap, Relation index, IndexInfo *indexInfo);
extern void ivfflatbuildempty(Relation index);

/* ivfinsert.c */
extern bool ivfflatinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
						  Relation heap, IndexUniqueCheck checkUnique
						  VECEXT_AMINSERT_EXTRA_ARGS, IndexInfo *indexInfo);

/* ivfscan.c */
extern IndexScanDesc ivfflatbeginscan(Relation index, int nkeys, int norderbys);
extern void ivfflatrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
						  int norderbys);
extern bool ivfflatgettuple(IndexScanDesc scan, ScanDirection dir);
extern void ivfflatendscan(IndexScanDesc scan);

/* ivfvacuum.c */
extern IndexBulkDeleteResult *ivfflatbulkdelete(IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats,
												IndexBulkDeleteCallback callback,
												void *callback_state);
extern IndexBulkDeleteResult *ivfflatvacuumcleanup(IndexVacuumInfo *info,
												   IndexBulkDeleteResult *stats);

/* ivfcost.c */
extern void ivfflatcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
								Cost *indexStartupCost, Cost *indexTotalCost,
								Selectivity *indexSelectivity, double *indexCorrelation,
								double *indexPages);

#endif							/* VECEXT_IVFFLAT_H */
