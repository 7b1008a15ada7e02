/*-------------------------------------------------------------------------
 * palloc_shim.c
 *		ASan build only: a memory context whose chunks are mallocs, for
 *		the pallocs of vecext's own code (see palloc_shim.h).
 *
 * The server's allocator carves chunks out of 8 kB blocks, so an overrun
 * of a small palloc'd vector lands in its neighbour and no sanitizer sees
 * it.  Here every chunk is malloc(header + size): ASan's redzone starts at
 * the first byte past the request, and a pfree'd or reset chunk goes to
 * ASan's quarantine, so a later use is reported too.  The context is a
 * child of the one the caller asked for, found among its children or
 * made on first use: resetting or deleting the parent frees it with its
 * chunks, and the server's pfree/repalloc/GetMemoryChunkSpace find it
 * through the context pointer before each chunk, as for any context.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "nodes/memnodes.h"
#include "utils/memutils.h"

/* A chunk: its list links, its size, then (right before the data) its context. */
typedef struct ShimChunk
{
	struct ShimChunk *prev;
	struct ShimChunk *next;
	Size		size;
	MemoryContext context;
} ShimChunk;

typedef struct ShimContext
{
	MemoryContextData header;
	ShimChunk  *chunks;
	Size		nchunks;
} ShimContext;

#define CHUNK_OF(pointer) (((ShimChunk *) (pointer)) - 1)
#define DATA_OF(chunk) ((void *) ((chunk) + 1))

static void *ShimAllocChunk(MemoryContext context, Size size);
static void ShimFree(MemoryContext context, void *pointer);
static void *ShimRealloc(MemoryContext context, void *pointer, Size size);
static void ShimReset(MemoryContext context);
static void ShimDelete(MemoryContext context);
static Size ShimGetChunkSpace(MemoryContext context, void *pointer);
static bool ShimIsEmpty(MemoryContext context);
static void ShimStats(MemoryContext context, MemoryStatsPrintFunc printfunc,
					  void *passthru, MemoryContextCounters *totals,
					  bool print_to_stderr);

static const MemoryContextMethods ShimMethods = {
	ShimAllocChunk, ShimFree, ShimRealloc, ShimReset, ShimDelete,
	ShimGetChunkSpace, ShimIsEmpty, ShimStats
};

static void
link_chunk(ShimContext *set, ShimChunk *chunk, Size size)
{
	chunk->size = size;
	chunk->context = &set->header;
	chunk->prev = NULL;
	chunk->next = set->chunks;
	if (set->chunks)
		set->chunks->prev = chunk;
	set->chunks = chunk;
	set->nchunks++;
	set->header.mem_allocated += sizeof(ShimChunk) + size;
}

static void
unlink_chunk(ShimContext *set, ShimChunk *chunk)
{
	if (chunk->prev)
		chunk->prev->next = chunk->next;
	else
		set->chunks = chunk->next;
	if (chunk->next)
		chunk->next->prev = chunk->prev;
	set->nchunks--;
	set->header.mem_allocated -= sizeof(ShimChunk) + chunk->size;
}

static void *
ShimAllocChunk(MemoryContext context, Size size)
{
	ShimChunk  *chunk = malloc(sizeof(ShimChunk) + size);

	if (chunk == NULL)
		return NULL;
	link_chunk((ShimContext *) context, chunk, size);
	return DATA_OF(chunk);
}

static void
ShimFree(MemoryContext context, void *pointer)
{
	ShimChunk  *chunk = CHUNK_OF(pointer);

	unlink_chunk((ShimContext *) context, chunk);
	free(chunk);
}

static void *
ShimRealloc(MemoryContext context, void *pointer, Size size)
{
	ShimChunk  *old = CHUNK_OF(pointer);
	ShimChunk  *chunk = malloc(sizeof(ShimChunk) + size);

	if (chunk == NULL)
		return NULL;
	memcpy(DATA_OF(chunk), pointer, Min(size, old->size));
	unlink_chunk((ShimContext *) context, old);
	free(old);
	link_chunk((ShimContext *) context, chunk, size);
	return DATA_OF(chunk);
}

static void
ShimReset(MemoryContext context)
{
	ShimContext *set = (ShimContext *) context;

	while (set->chunks)
	{
		ShimChunk  *chunk = set->chunks;

		unlink_chunk(set, chunk);
		free(chunk);
	}
}

static void
ShimDelete(MemoryContext context)
{
	ShimReset(context);
	free(context);
}

static Size
ShimGetChunkSpace(MemoryContext context, void *pointer)
{
	return sizeof(ShimChunk) + CHUNK_OF(pointer)->size;
}

static bool
ShimIsEmpty(MemoryContext context)
{
	return ((ShimContext *) context)->chunks == NULL;
}

static void
ShimStats(MemoryContext context, MemoryStatsPrintFunc printfunc,
		  void *passthru, MemoryContextCounters *totals, bool print_to_stderr)
{
	ShimContext *set = (ShimContext *) context;

	if (printfunc)
	{
		char		stats[100];

		snprintf(stats, sizeof(stats), "%zu total in %zu mallocs",
				 set->header.mem_allocated, set->nchunks);
		printfunc(context, passthru, stats, print_to_stderr);
	}
	if (totals)
	{
		totals->nblocks += set->nchunks;
		totals->totalspace += set->header.mem_allocated;
	}
}

/* The malloc-chunk child of parent (parent itself if it is one). */
static MemoryContext
shim_context(MemoryContext parent)
{
	MemoryContext child;
	ShimContext *set;

	if (parent->methods == &ShimMethods)
		return parent;
	for (child = parent->firstchild; child != NULL; child = child->nextchild)
		if (child->methods == &ShimMethods)
			return child;
	set = malloc(sizeof(ShimContext));
	if (set == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	set->chunks = NULL;
	set->nchunks = 0;
	MemoryContextCreate(&set->header, T_AllocSetContext, &ShimMethods,
						parent, "vecext asan");
	set->header.allowInCritSection = parent->allowInCritSection;
	return &set->header;
}

static void *
shim_alloc(MemoryContext parent, Size size, bool huge, bool zero)
{
	MemoryContext context;
	void	   *pointer;

	if (huge ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	context = shim_context(parent);
	pointer = ShimAllocChunk(context, size);
	if (pointer == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu in memory context \"%s\".",
						   size, context->name)));
	context->isReset = false;
	if (zero)
		memset(pointer, 0, size);
	return pointer;
}

void *
VecextAsanPalloc(Size size)
{
	return shim_alloc(CurrentMemoryContext, size, false, false);
}

void *
VecextAsanPalloc0(Size size)
{
	return shim_alloc(CurrentMemoryContext, size, false, true);
}

void *
VecextAsanAlloc(MemoryContext context, Size size)
{
	return shim_alloc(context, size, false, false);
}

void *
VecextAsanAllocZero(MemoryContext context, Size size)
{
	return shim_alloc(context, size, false, true);
}

void *
VecextAsanAllocHuge(MemoryContext context, Size size)
{
	return shim_alloc(context, size, true, false);
}
