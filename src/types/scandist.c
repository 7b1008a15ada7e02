/*-------------------------------------------------------------------------
 * scandist.c
 *		Distances a scan already knows (see scandist.h).
 *
 * Each publisher keeps the last few rows its scan returned: the executor
 * evaluates the target list of a row before it asks the scan for the
 * next, so the row in question is almost always the newest.  A backend
 * rarely has more than one ordered scan open at a time; the registered
 * publishers are a short list.
 *-------------------------------------------------------------------------
 */
#include "types/scandist.h"

#include "access/detoast.h"
#include "utils/memutils.h"

#define SCANDIST_ROWS	4

typedef struct ScanDistRow
{
	Oid			toastrelid;
	Oid			valueid;
	float8		dist;
} ScanDistRow;

struct ScanDistPublisher
{
	ScanDistPublisher *next;
	MemoryContextCallback unregister;
	Oid			fn_oid;
	struct varlena *query;		/* a copy, in line with a 4-byte header */

	/*
	 * An index scan gets its query detoasted, while the target list sees
	 * the value as stored, out of line when it was read from a table (ORDER
	 * BY v <-> (SELECT ...)): the first such value met is read and compared
	 * once, and remembered by its TOAST pointer as the query or not.
	 */
	bool		alias_known;
	bool		alias_is_query;
	struct varatt_external alias;
	ScanDistRow rows[SCANDIST_ROWS];
	int			nrows;
	int			newest;
};

static ScanDistPublisher *publishers = NULL;

static void
unregister_publisher(void *arg)
{
	ScanDistPublisher *pub = (ScanDistPublisher *) arg;

	for (ScanDistPublisher **p = &publishers; *p != NULL; p = &(*p)->next)
		if (*p == pub)
		{
			*p = pub->next;
			break;
		}
}

ScanDistPublisher *
ScanDistRegister(MemoryContext ctx, Oid fn_oid, Datum query)
{
	struct varlena *q = (struct varlena *) DatumGetPointer(query);
	ScanDistPublisher *pub;

	if (!OidIsValid(fn_oid) || q == NULL || VARATT_IS_EXTENDED(q))
		return NULL;
	pub = MemoryContextAllocZero(ctx, sizeof(ScanDistPublisher));
	pub->fn_oid = fn_oid;
	pub->query = MemoryContextAlloc(ctx, VARSIZE(q));
	memcpy(pub->query, q, VARSIZE(q));
	pub->unregister.func = unregister_publisher;
	pub->unregister.arg = pub;
	/* on the context that holds pub (under test/asan's shim, a child of ctx) */
	MemoryContextRegisterResetCallback(GetMemoryChunkContext(pub), &pub->unregister);
	pub->next = publishers;
	publishers = pub;
	return pub;
}

void
ScanDistPublish(ScanDistPublisher *pub, const struct varatt_external *ptr, float8 dist)
{
	ScanDistRow *row;

	pub->newest = (pub->newest + 1) % SCANDIST_ROWS;
	row = &pub->rows[pub->newest];
	row->toastrelid = ptr->va_toastrelid;
	row->valueid = ptr->va_valueid;
	row->dist = dist;
	if (pub->nrows < SCANDIST_ROWS)
		pub->nrows++;
}

static bool
same_query(ScanDistPublisher *pub, Datum arg)
{
	struct varlena *q = (struct varlena *) DatumGetPointer(arg);

	if (VARATT_IS_EXTERNAL_ONDISK(q))
	{
		struct varatt_external ptr;

		VARATT_EXTERNAL_GET_POINTER(ptr, q);
		if (!pub->alias_known || ptr.va_valueid != pub->alias.va_valueid ||
			ptr.va_toastrelid != pub->alias.va_toastrelid)
		{
			struct varlena *value = detoast_attr(q);

			pub->alias = ptr;
			pub->alias_known = true;
			pub->alias_is_query =
				VARSIZE_ANY_EXHDR(value) == VARSIZE(pub->query) - VARHDRSZ &&
				memcmp(VARDATA_ANY(value), VARDATA(pub->query),
					   VARSIZE(pub->query) - VARHDRSZ) == 0;
			pfree(value);
		}
		return pub->alias_is_query;
	}
	if (VARATT_IS_EXTENDED(q))
		return false;
	return VARSIZE(q) == VARSIZE(pub->query) && memcmp(q, pub->query, VARSIZE(q)) == 0;
}

bool
ScanDistLookup(FunctionCallInfo fcinfo, float8 *dist)
{
	struct varlena *a;
	struct varatt_external ptr;

	if (publishers == NULL || fcinfo->flinfo == NULL || PG_NARGS() != 2 ||
		PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return false;
	a = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(0));
	if (!VARATT_IS_EXTERNAL_ONDISK(a))
		return false;
	VARATT_EXTERNAL_GET_POINTER(ptr, a);
	for (ScanDistPublisher *pub = publishers; pub != NULL; pub = pub->next)
	{
		if (pub->fn_oid != fcinfo->flinfo->fn_oid)
			continue;
		/* newest first */
		for (int i = 0; i < pub->nrows; i++)
		{
			const ScanDistRow *row =
				&pub->rows[(pub->newest - i + SCANDIST_ROWS) % SCANDIST_ROWS];

			if (row->valueid == ptr.va_valueid && row->toastrelid == ptr.va_toastrelid &&
				same_query(pub, PG_GETARG_DATUM(1)))
			{
				*dist = row->dist;
				return true;
			}
		}
	}
	return false;
}
