/*-------------------------------------------------------------------------
 * fuzz_common.h
 *		The checks every fuzz target runs on one input, by type.
 *-------------------------------------------------------------------------
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "postgres.h"

#include <stddef.h>
#include <stdint.h>

#include "fmgr.h"

/* One type's SQL-callable I/O functions and what a valid value looks like. */
typedef struct FuzzType
{
	const char *name;
	PGFunction	in;
	PGFunction	out;
	PGFunction	recv;
	PGFunction	send;
	/* NULL if the value is well formed, else what is wrong with it */
	const char *(*invalid) (const struct varlena *value);
	/* the value's number of dimensions */
	int			(*dims) (const struct varlena *value);
} FuzzType;

extern const FuzzType FuzzVector;
extern const FuzzType FuzzHalfvec;
extern const FuzzType FuzzSparsevec;

/* The input as text (up to its first NUL) to type->in. */
extern int	FuzzText(const FuzzType *type, const uint8_t *data, size_t size);

/* The input as a binary message to type->recv. */
extern int	FuzzRecv(const FuzzType *type, const uint8_t *data, size_t size);

#endif							/* FUZZ_COMMON_H */
