/*-------------------------------------------------------------------------
 * pg_shim.h
 *		What the fuzz targets see of pg_shim.c: the last ERROR raised and
 *		the reset that frees an input's allocations.
 *-------------------------------------------------------------------------
 */
#ifndef FUZZ_PG_SHIM_H
#define FUZZ_PG_SHIM_H

/* The ERROR that an ereport/elog last raised (errcode XX000 unless set). */
typedef struct FuzzError
{
	int			sqlerrcode;
	char		message[512];
	char		detail[512];
	char		hint[512];
	const char *filename;
	int			lineno;
} FuzzError;

extern FuzzError FuzzLastError;

/* Free every chunk palloc handed out since the last reset. */
extern void FuzzShimReset(void);

#endif							/* FUZZ_PG_SHIM_H */
