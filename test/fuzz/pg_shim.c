/*-------------------------------------------------------------------------
 * pg_shim.c
 *		The few backend symbols the type sources link against, for the
 *		fuzz targets that run them outside the server.
 *
 * Honest and minimal: memory is plain malloc, each chunk tracked so that
 * pfree of a pointer palloc did not return aborts and FuzzShimReset frees
 * what an input left behind (as a memory context reset would); ereport
 * formats every message (so its arguments are really read) and an ERROR
 * longjmps to the innermost PG_TRY, as pg_re_throw does; the pq_getmsg*
 * readers check the message's length as the backend's do.  StringInfo comes
 * from PostgreSQL's own libpgcommon.  Every other backend function the
 * sources name but the fuzzed paths never reach aborts when called.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pg_shim.h"

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

FuzzError	FuzzLastError;

static pg_attribute_noreturn() void
shim_die(const char *what)
{
	fprintf(stderr, "pg_shim: unexpected call: %s\n", what);
	abort();
}

/* memory ----------------------------------------------------------------- */

static void **chunks;
static int	nchunks;
static int	chunks_cap;

static void
track(void *p)
{
	if (nchunks == chunks_cap)
	{
		chunks_cap = chunks_cap ? chunks_cap * 2 : 256;
		chunks = realloc(chunks, sizeof(void *) * chunks_cap);
		if (chunks == NULL)
			shim_die("out of memory");
	}
	chunks[nchunks++] = p;
}

/* The slot of a tracked chunk; a pointer palloc did not hand out aborts. */
static int
find_chunk(void *p)
{
	for (int i = nchunks - 1; i >= 0; i--)
		if (chunks[i] == p)
			return i;
	fprintf(stderr, "pg_shim: pfree/repalloc of %p, which palloc did not return\n", p);
	abort();
}

static void
check_size(Size size)
{
	/* the backend's check: elog(ERROR), an internal error */
	if (!AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
}

void *
palloc(Size size)
{
	void	   *p;

	check_size(size);
	/* malloc(0) may return NULL; palloc(0) returns a chunk */
	p = malloc(size ? size : 1);
	if (p == NULL)
		shim_die("malloc failed");
	track(p);
	return p;
}

void *
palloc0(Size size)
{
	void	   *p = palloc(size);

	memset(p, 0, size);
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	int			i = find_chunk(pointer);
	void	   *p;

	check_size(size);
	p = realloc(pointer, size ? size : 1);
	if (p == NULL)
		shim_die("realloc failed");
	chunks[i] = p;
	return p;
}

void
pfree(void *pointer)
{
	int			i = find_chunk(pointer);

	free(pointer);
	chunks[i] = chunks[--nchunks];
}

char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

void
FuzzShimReset(void)
{
	for (int i = 0; i < nchunks; i++)
		free(chunks[i]);
	nchunks = 0;
}

/* errors ----------------------------------------------------------------- */

static int	err_depth;

bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;			/* not logged: like a DEBUG message */
	if (elevel > ERROR)
		shim_die("ereport(FATAL or PANIC)");
	if (err_depth++ > 0)
		shim_die("ereport inside ereport");
	memset(&FuzzLastError, 0, sizeof(FuzzLastError));
	FuzzLastError.sqlerrcode = ERRCODE_INTERNAL_ERROR;	/* elog's default */
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	err_depth = 0;
	FuzzLastError.filename = filename;
	FuzzLastError.lineno = lineno;
	if (PG_exception_stack == NULL)
		shim_die("ERROR outside PG_TRY");
	siglongjmp(*PG_exception_stack, 1);
}

int
errcode(int sqlerrcode)
{
	FuzzLastError.sqlerrcode = sqlerrcode;
	return 0;
}

#define FORMAT_INTO(field, fmt) \
	do { \
		va_list		ap; \
		va_start(ap, fmt); \
		vsnprintf(FuzzLastError.field, sizeof(FuzzLastError.field), fmt, ap); \
		va_end(ap); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	FORMAT_INTO(message, fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	FORMAT_INTO(message, fmt);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	FORMAT_INTO(detail, fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	FORMAT_INTO(hint, fmt);
	return 0;
}

/* fmgr ------------------------------------------------------------------- */

/* Values the targets build are plain 4-byte-header varlenas. */
struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_EXTENDED(datum))
		shim_die("pg_detoast_datum of a toasted value");
	return datum;
}

/* numutils.c's contract: the decimal text of value, NUL-terminated. */
int
pg_ltoa(int32 value, char *a)
{
	return sprintf(a, "%d", value);
}

/* pqformat.c ------------------------------------------------------------- */

void
pq_begintypsend(StringInfo buf)
{
	initStringInfo(buf);
	/* room for the varlena header */
	appendStringInfoSpaces(buf, VARHDRSZ);
}

bytea *
pq_endtypsend(StringInfo buf)
{
	bytea	   *result = (bytea *) buf->data;

	SET_VARSIZE(result, buf->len);
	return result;
}

void
pq_sendfloat4(StringInfo buf, float4 f)
{
	union
	{
		float4		f;
		uint32		i;
	}			swap;

	swap.f = f;
	pq_sendint32(buf, swap.i);
}

void
pq_copymsgbytes(StringInfo msg, char *buf, int datalen)
{
	if (datalen < 0 || datalen > (msg->len - msg->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	memcpy(buf, &msg->data[msg->cursor], datalen);
	msg->cursor += datalen;
}

unsigned int
pq_getmsgint(StringInfo msg, int b)
{
	uint8		n8;
	uint16		n16;
	uint32		n32;

	switch (b)
	{
		case 1:
			pq_copymsgbytes(msg, (char *) &n8, 1);
			return n8;
		case 2:
			pq_copymsgbytes(msg, (char *) &n16, 2);
			return pg_ntoh16(n16);
		case 4:
			pq_copymsgbytes(msg, (char *) &n32, 4);
			return pg_ntoh32(n32);
		default:
			elog(ERROR, "unsupported integer size %d", b);
	}
	return 0;
}

float4
pq_getmsgfloat4(StringInfo msg)
{
	union
	{
		float4		f;
		uint32		i;
	}			swap;

	swap.i = pq_getmsgint(msg, 4);
	return swap.f;
}

/* reached only by the casts and typmod input, never fuzzed ---------------- */

int32 *
ArrayGetIntegerTypmods(ArrayType *arr, int *n)
{
	shim_die("ArrayGetIntegerTypmods");
}

bool
array_contains_nulls(ArrayType *array)
{
	shim_die("array_contains_nulls");
}

ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen, bool elmbyval,
				char elmalign)
{
	shim_die("construct_array");
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval,
				  char elmalign, Datum **elemsp, bool **nullsp, int *nelemsp)
{
	shim_die("deconstruct_array");
}

char *
format_type_be(Oid type_oid)
{
	shim_die("format_type_be");
}

void
get_typlenbyvalalign(Oid typid, int16 *typlen, bool *typbyval, char *typalign)
{
	shim_die("get_typlenbyvalalign");
}

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	shim_die("DirectFunctionCall1Coll");
}

Datum
numeric_float8_no_overflow(PG_FUNCTION_ARGS)
{
	shim_die("numeric_float8_no_overflow");
}

bool
numeric_is_inf(Numeric num)
{
	shim_die("numeric_is_inf");
}
