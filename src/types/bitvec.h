/*-------------------------------------------------------------------------
 * bitvec.h
 *		Binary vectors: PostgreSQL's built-in bit(n) used as a vector of
 *		bits, one bit per dimension.
 *
 * There is no type of our own: a binary vector is a VarBit, whose bytes
 * hold the bits most significant first and whose unused bits in the last
 * byte are always zero (PostgreSQL pads on input, receive and every
 * operation), so distances count whole bytes.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_BITVEC_H
#define VECEXT_BITVEC_H

#include "compat.h"

#include "fmgr.h"
#include "utils/varbit.h"

extern void VecextCheckSameBitLengths(const VarBit *a, const VarBit *b);

/* Distance functions an index opclass may name as support functions. */
extern PGDLLEXPORT Datum vecext_hamming_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vecext_jaccard_distance(PG_FUNCTION_ARGS);

#endif							/* VECEXT_BITVEC_H */
