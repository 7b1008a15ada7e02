/*-------------------------------------------------------------------------
 * typecmp.h
 *		The btree support of a vector type from one comparison: the SQL
 *		functions <prefix>_lt, _le, _eq, _ne, _ge, _gt and _cmp.
 *-------------------------------------------------------------------------
 */
#ifndef VECEXT_TYPECMP_H
#define VECEXT_TYPECMP_H

#include "fmgr.h"

#define VECEXT_CMP_BOOL_FUNC(name, ctype, getarg, cmp, test) \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	ctype	   *a = getarg(0); \
	ctype	   *b = getarg(1); \
	int			c = cmp(a, b); \
	PG_RETURN_BOOL(test); \
}

/*
 * cmp(a, b) returns <0, 0 or >0; getarg(n) the detoasted n-th argument.
 * The functions still need their PG_FUNCTION_INFO_V1 lines.
 */
#define VECEXT_CMP_FUNCS(prefix, ctype, getarg, cmp) \
VECEXT_CMP_BOOL_FUNC(prefix##_lt, ctype, getarg, cmp, c < 0) \
VECEXT_CMP_BOOL_FUNC(prefix##_le, ctype, getarg, cmp, c <= 0) \
VECEXT_CMP_BOOL_FUNC(prefix##_eq, ctype, getarg, cmp, c == 0) \
VECEXT_CMP_BOOL_FUNC(prefix##_ne, ctype, getarg, cmp, c != 0) \
VECEXT_CMP_BOOL_FUNC(prefix##_ge, ctype, getarg, cmp, c >= 0) \
VECEXT_CMP_BOOL_FUNC(prefix##_gt, ctype, getarg, cmp, c > 0) \
Datum \
prefix##_cmp(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_INT32(cmp(getarg(0), getarg(1))); \
}

#endif							/* VECEXT_TYPECMP_H */
