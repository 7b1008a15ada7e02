/*-------------------------------------------------------------------------
 * compat.h
 *		Every difference between the PostgreSQL major versions vecext
 *		supports (13 to 17), and nothing else.  No other file tests
 *		PG_VERSION_NUM.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_COMPAT_H
#define VECEXT_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "vecext needs PostgreSQL 13 or later"
#endif

/* PG 16 moved the varatt macros into varatt.h */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* PG 14 added the indexUnchanged argument to aminsert */
#if PG_VERSION_NUM >= 140000
#define VECEXT_AMINSERT_EXTRA_ARGS , bool indexUnchanged
#else
#define VECEXT_AMINSERT_EXTRA_ARGS
#endif

/* PG 17 added amcanbuildparallel and an explicit parallel build flag */
#if PG_VERSION_NUM >= 170000
#define VECEXT_SET_AMCANBUILDPARALLEL(amroutine) ((amroutine)->amcanbuildparallel = true)
#else
#define VECEXT_SET_AMCANBUILDPARALLEL(amroutine) ((void) 0)
#endif

/* PG 15 renamed EmitWarningsOnPlaceholders */
#if PG_VERSION_NUM >= 150000
#define VECEXT_MARK_GUC_PREFIX_RESERVED(prefix) MarkGUCPrefixReserved(prefix)
#else
#define VECEXT_MARK_GUC_PREFIX_RESERVED(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * A relation's physical identity, and pinning a buffer by a remembered
 * buffer number without a buffer-table lookup: PG 16 renamed RelFileNode
 * to RelFileLocator; PG 14 added ReadRecentBuffer (before it the hint is
 * never used and every read goes through ReadBuffer).  On PG 15 (measured)
 * it pins under the buffer header's spinlock: a backend preempted there makes
 * others wait, yet it stays far cheaper than ReadBuffer's buffer-table
 * lookup (README, Benchmarks).
 */
#if PG_VERSION_NUM >= 160000
#include "storage/relfilelocator.h"
typedef RelFileLocator VecextRelFileId;
#define VECEXT_REL_FILE_ID(rel) ((rel)->rd_locator)
#define VecextRelFileIdEquals(a, b) RelFileLocatorEquals(a, b)
#else
#include "storage/relfilenode.h"
typedef RelFileNode VecextRelFileId;
#define VECEXT_REL_FILE_ID(rel) ((rel)->rd_node)
#define VecextRelFileIdEquals(a, b) RelFileNodeEquals(a, b)
#endif

#if PG_VERSION_NUM >= 140000
#define VecextReadRecentBuffer(rel, blkno, buf) \
	ReadRecentBuffer(VECEXT_REL_FILE_ID(rel), MAIN_FORKNUM, (blkno), (buf))
#else
#define VecextReadRecentBuffer(rel, blkno, buf) false
#endif

#endif							/* VECEXT_COMPAT_H */
