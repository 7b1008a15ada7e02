/*-------------------------------------------------------------------------
 * scandist.h
 *		Distances a scan already knows.  An ordered index scan returns a
 *		row, and the executor then evaluates the ORDER BY expression on it
 *		(it is in the target list): for a vector stored out of line, that
 *		means reading it back from the TOAST table, a B-tree descent and
 *		a page per 2 kB, to compute a distance the scan computed a moment
 *		ago from the index's own copy of the same bytes.
 *
 * So a scan may publish, for each row it returns, the distance of its
 * column value from its query under its ORDER BY operator, keyed by the
 * value's TOAST pointer; the distance functions ask before they detoast.
 * A TOAST pointer names one immutable value, and the entry names the
 * function and the query: a hit returns exactly what the function would
 * compute from the bytes.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_SCANDIST_H
#define VECEXT_SCANDIST_H

#include "postgres.h"

#include "fmgr.h"

typedef struct ScanDistPublisher ScanDistPublisher;

/*
 * A publisher for a scan ordering by function fn_oid from query, living in
 * ctx (it unregisters itself when ctx is reset or deleted, an error's
 * cleanup included); NULL when the query is not a plain in-line value.
 */
extern ScanDistPublisher *ScanDistRegister(MemoryContext ctx, Oid fn_oid, Datum query);

/* The distance of the value at *ptr from the publisher's query. */
extern void ScanDistPublish(ScanDistPublisher *pub, const struct varatt_external *ptr,
							float8 dist);

/*
 * What a distance function called as fcinfo would return, when arg 0 is a
 * value stored out of line that a scan published for this function and
 * arg 1 is that scan's query.
 */
extern bool ScanDistLookup(FunctionCallInfo fcinfo, float8 *dist);

#define SCANDIST_RETURN_IF_KNOWN(fcinfo) \
	do { \
		float8		known_; \
		if (ScanDistLookup(fcinfo, &known_)) \
			PG_RETURN_FLOAT8(known_); \
	} while (0)

#endif
