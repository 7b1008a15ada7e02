/*-------------------------------------------------------------------------
 * palloc_shim.h
 *		ASan build only (test/asan_regress.sh): vecext's pallocs become
 *		one malloc each, so that AddressSanitizer sees their bounds.
 *
 * Given to the compiler with -include, before any other header: the
 * server's own prototypes of palloc() and friends are renamed along with
 * every call, so the calls of vecext's code go to palloc_shim.c, which
 * allocates in a child context of the asked-for one whose chunks are
 * separate mallocs.  Never part of the normal build.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_PALLOC_SHIM_H
#define VECEXT_PALLOC_SHIM_H

#define palloc(size) VecextAsanPalloc(size)
#define palloc0(size) VecextAsanPalloc0(size)
#define MemoryContextAlloc(context, size) VecextAsanAlloc(context, size)
#define MemoryContextAllocZero(context, size) VecextAsanAllocZero(context, size)
#define MemoryContextAllocHuge(context, size) VecextAsanAllocHuge(context, size)

#endif							/* VECEXT_PALLOC_SHIM_H */
