/*-------------------------------------------------------------------------
 * fuzz_common.c
 *		The checks every fuzz target runs on one input.
 *
 * An input is parsed with typmod -1 and with typmod FUZZ_TYPMOD, through
 * the real SQL-callable functions.  An ERROR is a fine answer to a bad
 * input, unless it is an internal error (elog's XX000: a state the code
 * says cannot happen) or has no message.  A value that parses must be well
 * formed (the type's own invariants), must parse alike under the typmod
 * that names its dimensions and only then, and must round-trip: its text
 * output reads back to the same bytes, and so does what send writes; for
 * recv, send must give back exactly the bytes that were read.  Any
 * failure prints what happened and aborts, which libFuzzer reports as a
 * crash with the input saved.
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pg_shim.h"

/* the "small typmod" every input is also parsed with */
#define FUZZ_TYPMOD 3

/* The SQLSTATE's five characters (elog.c's unpack_sql_state). */
static const char *
unpack_sqlstate(int code)
{
	static char buf[6];

	for (int i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(code);
		code >>= 6;
	}
	buf[5] = '\0';
	return buf;
}

static pg_attribute_noreturn() void
fail(const FuzzType *type, const char *what)
{
	fprintf(stderr, "fuzz %s: %s\n", type->name, what);
	abort();
}

static pg_attribute_noreturn() void
fail_error(const FuzzType *type, const char *what)
{
	fprintf(stderr, "fuzz %s: %s: ERROR %s: %s (%s) at %s:%d\n", type->name, what,
			unpack_sqlstate(FuzzLastError.sqlerrcode), FuzzLastError.message,
			FuzzLastError.detail, FuzzLastError.filename ? FuzzLastError.filename : "?",
			FuzzLastError.lineno);
	abort();
}

/* Call an I/O function as fmgr would: (arg, typioparam 0, typmod). */
static Datum
call3(PGFunction fn, Datum arg, int32 typmod)
{
	LOCAL_FCINFO(fcinfo, 3);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 3, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = arg;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = ObjectIdGetDatum(InvalidOid);
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = Int32GetDatum(typmod);
	fcinfo->args[2].isnull = false;
	result = fn(fcinfo);
	if (fcinfo->isnull)
		abort();				/* STRICT I/O functions never return NULL */
	return result;
}

static Datum
call1(PGFunction fn, Datum arg)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = arg;
	fcinfo->args[0].isnull = false;
	result = fn(fcinfo);
	if (fcinfo->isnull)
		abort();
	return result;
}

/* A message over a copy of the bytes (NUL after them, as StringInfo keeps). */
static void
make_msg(StringInfo msg, const void *data, int len)
{
	msg->data = palloc(len + 1);
	memcpy(msg->data, data, len);
	msg->data[len] = '\0';
	msg->len = len;
	msg->maxlen = len + 1;
	msg->cursor = 0;
}

/*
 * Parse with fn under typmod: true and *result on success, false on an
 * ERROR (which must be a proper one).  binary: arg is the message bytes.
 */
static bool
try_parse(const FuzzType *type, bool binary, const void *arg, int len, int32 typmod,
		  struct varlena **result)
{
	volatile bool ok = true;
	StringInfoData msg;

	if (binary)
		make_msg(&msg, arg, len);
	PG_TRY();
	{
		if (binary)
			*result = (struct varlena *) DatumGetPointer(call3(type->recv, PointerGetDatum(&msg), typmod));
		else
			*result = (struct varlena *) DatumGetPointer(call3(type->in, CStringGetDatum(arg), typmod));
	}
	PG_CATCH();
	{
		ok = false;
	}
	PG_END_TRY();
	if (!ok)
	{
		if (FuzzLastError.sqlerrcode == ERRCODE_INTERNAL_ERROR)
			fail_error(type, "an internal error (elog) on input");
		if (FuzzLastError.message[0] == '\0')
			fail_error(type, "an ERROR without a message");
		return false;
	}
	if (binary && msg.cursor != msg.len)
		fail(type, "recv succeeded without reading the whole message");
	return true;
}

static bool
same_value(const struct varlena *a, const struct varlena *b)
{
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

/* Call a function that must not fail on a valid value. */
static Datum
must_call(const FuzzType *type, const char *what, PGFunction fn, Datum arg)
{
	volatile bool ok = true;
	Datum		result = (Datum) 0;

	PG_TRY();
	{
		result = call1(fn, arg);
	}
	PG_CATCH();
	{
		ok = false;
	}
	PG_END_TRY();
	if (!ok)
		fail_error(type, what);
	return result;
}

/*
 * A parsed value (from text or binary, as binary says; raw, len the
 * input) against its invariants, the small typmod's verdict (ok3, v3) and
 * both round trips.
 */
static void
check_value(const FuzzType *type, bool binary, const void *raw, int len,
			struct varlena *v, bool ok3, struct varlena *v3)
{
	const char *bad = type->invalid(v);
	int			dim;
	char	   *text;
	bytea	   *bytes;
	bytea	   *bytes2;
	struct varlena *back;

	if (bad != NULL)
		fail(type, bad);
	dim = type->dims(v);
	if (ok3 != (dim == FUZZ_TYPMOD))
		fail(type, ok3 ? "typmod 3 accepted a value of other dimensions"
			 : "typmod 3 refused a value of 3 dimensions");
	if (ok3 && !same_value(v, v3))
		fail(type, "typmod 3 gave another value");
	if (!try_parse(type, binary, raw, len, dim, &back) || !same_value(v, back))
		fail(type, "the typmod of the value's own dimensions changed the answer");

	/* text round trip */
	text = DatumGetCString(must_call(type, "output failed", type->out, PointerGetDatum(v)));
	if (!try_parse(type, false, text, 0, -1, &back))
		fail_error(type, "output does not read back");
	if (!same_value(v, back))
	{
		fprintf(stderr, "fuzz %s: output \"%.200s\" reads back as another value\n", type->name, text);
		abort();
	}

	/* binary round trip */
	bytes = (bytea *) DatumGetPointer(must_call(type, "send failed", type->send, PointerGetDatum(v)));
	if (binary && (VARSIZE(bytes) - VARHDRSZ != len || memcmp(VARDATA(bytes), raw, len) != 0))
		fail(type, "send did not give back the bytes recv read");
	if (!try_parse(type, true, VARDATA(bytes), VARSIZE(bytes) - VARHDRSZ, -1, &back))
		fail_error(type, "send's bytes do not read back");
	if (!same_value(v, back))
		fail(type, "send's bytes read back as another value");
	bytes2 = (bytea *) DatumGetPointer(must_call(type, "send failed", type->send, PointerGetDatum(back)));
	if (!same_value((struct varlena *) bytes, (struct varlena *) bytes2))
		fail(type, "send of the read-back value differs");
}

/* Both typmods on one input, then the value's checks. */
static int
fuzz_one(const FuzzType *type, bool binary, const void *raw, int len)
{
	struct varlena *v = NULL;
	struct varlena *v3 = NULL;
	bool		ok = try_parse(type, binary, raw, len, -1, &v);
	bool		ok3 = try_parse(type, binary, raw, len, FUZZ_TYPMOD, &v3);

	if (ok)
		check_value(type, binary, raw, len, v, ok3, v3);
	else if (ok3)
		fail(type, "typmod 3 accepted what typmod -1 refused");
	FuzzShimReset();
	return 0;
}

int
FuzzText(const FuzzType *type, const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	int			rc;

	memcpy(text, data, size);
	text[size] = '\0';
	rc = fuzz_one(type, false, text, 0);
	free(text);
	return rc;
}

int
FuzzRecv(const FuzzType *type, const uint8_t *data, size_t size)
{
	/* a datum's bytes never reach 1 GB; libFuzzer's inputs are far smaller */
	if (size > MaxAllocSize / 2)
		return 0;
	return fuzz_one(type, true, data, (int) size);
}
