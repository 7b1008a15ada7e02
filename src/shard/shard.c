/*-------------------------------------------------------------------------
 * shard.c
 *		Sharded kNN: search every partition of a table at once (foreign
 *		partitions on other servers through postgres_fdw, or local ones)
 *		and merge.  The query text comes from vecext_sharded_knn_sql
 *		(sql/parts/shard.sql); this file runs it, and carries the search
 *		settings to every shard.
 *
 * Settings.  A postgres_fdw connection is a session of its own: a SET on
 * the coordinator does not reach it.  vecext_with_settings(query, settings)
 * sets vecext's GUCs (hnsw.*, ivfflat.*) for the rest of the transaction
 * and returns query unchanged; it is IMMUTABLE, and a vecext function, so
 * postgres_fdw sends it to a shard whose server lists vecext in its
 * "extensions" option, inside the ORDER BY it pushes down:
 * ORDER BY v <-> vecext_with_settings($1, $2) LIMIT k.  The shard evaluates
 * it before its index scan starts searching (when planning, or when the
 * scan computes its order-by key), so the scan sees the settings.
 *
 * That works only if the coordinator does not evaluate the call itself: an
 * immutable function of constants is folded at planning, and a one-shot
 * plan (EXECUTE in PL/pgSQL) treats parameter values as constants, which
 * would fold the call locally and send the shards a bare vector.  So
 * vecext_sharded_knn plans the query generically, its parameters left as
 * parameters, which postgres_fdw passes on as the remote query's.
 *-------------------------------------------------------------------------
 */
#include "compat.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

/* Whether name is one of vecext's settings, the only ones this sets. */
static bool
vecext_setting(const char *name)
{
	return strncmp(name, "hnsw.", 5) == 0 || strncmp(name, "ivfflat.", 8) == 0;
}

/* The text form of a scalar setting value. */
static char *
setting_value(const char *name, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return v->val.boolean ? "on" : "off";
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of setting \"%s\" must be a string, number or boolean", name)));
	}
	return NULL;				/* keep the compiler quiet */
}

/* Set each key of the object settings to its value, until transaction end. */
static void
apply_settings(Jsonb *settings)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;

	if (!JB_ROOT_IS_OBJECT(settings))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("settings must be a JSON object of setting names and values"),
				 errhint("For example '{\"hnsw.ef_search\": 100}'.")));
	it = JsonbIteratorInit(&settings->root);
	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *name;
		char	   *value;

		if (r != WJB_KEY)
			continue;
		name = pnstrdup(v.val.string.val, v.val.string.len);
		if (!vecext_setting(name))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" is not a vecext setting", name),
					 errdetail("Only settings named hnsw.* and ivfflat.* can be given.")));
		r = JsonbIteratorNext(&it, &v, true);
		value = setting_value(name, &v);
		(void) set_config_option(name, value, superuser() ? PGC_SUSET : PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	}
}

PG_FUNCTION_INFO_V1(vecext_with_settings);
Datum
vecext_with_settings(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(1))
		apply_settings(PG_GETARG_JSONB_P(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/*
 * vecext_sharded_knn(rel anyelement, column_name name, query anycompatible,
 * k integer, settings jsonb, filter text, operator text): the k rows of
 * rel's table nearest query, nearest first, every partition searched (see
 * the top of the file).
 */
PG_FUNCTION_INFO_V1(vecext_sharded_knn);
Datum
vecext_sharded_knn(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			rowtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Oid			querytype = get_fn_expr_argtype(fcinfo->flinfo, 2);
	Oid			relid = InvalidOid;
	Datum		sqlargs[5];
	char		sqlnulls[5];
	Oid			sqltypes[5] = {REGCLASSOID, NAMEOID, INT4OID, TEXTOID, TEXTOID};
	Oid			argtypes[2];
	Datum		args[2];
	char		nulls[2];
	char	   *sql;
	bool		isnull;
	SPIPlanPtr	plan;
	TupleDesc	desc;
	Tuplestorestate *store;
	MemoryContext oldctx;
	Datum	   *values;
	bool	   *isnulls;

	if (OidIsValid(rowtype))
		relid = typeidTypeRelid(rowtype);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the first argument must be a row of the table to search"),
				 errhint("Pass NULL::tablename.")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("column_name and k must not be null")));

	/* the rows go to a tuplestore of the table's row type */
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	oldctx = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	desc = CreateTupleDescCopy(desc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldctx);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	if (PG_ARGISNULL(2))
		return (Datum) 0;		/* no query: no nearest rows */

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* the query text, from vecext_sharded_knn_sql */
	sqlargs[0] = ObjectIdGetDatum(relid);
	sqlargs[1] = PG_GETARG_DATUM(1);
	sqlargs[2] = PG_GETARG_DATUM(3);
	sqlargs[3] = PG_ARGISNULL(5) ? (Datum) 0 : PG_GETARG_DATUM(5);
	sqlargs[4] = PG_ARGISNULL(6) ? CStringGetTextDatum("<->") : PG_GETARG_DATUM(6);
	memset(sqlnulls, ' ', sizeof(sqlnulls));
	if (PG_ARGISNULL(5))
		sqlnulls[3] = 'n';
	if (SPI_execute_with_args("SELECT vecext_sharded_knn_sql($1, $2, $3, $4, $5)", 5, sqltypes,
							  sqlargs, sqlnulls, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "vecext_sharded_knn_sql returned no query");
	sql = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											&isnull));

	/*
	 * A query given as text (a driver's untyped parameter resolves to text)
	 * is read as the column's type.
	 */
	args[0] = PG_GETARG_DATUM(2);
	if (querytype == TEXTOID)
	{
		/* the column exists: vecext_sharded_knn_sql checked */
		AttrNumber	attnum = get_attnum(relid, NameStr(*PG_GETARG_NAME(1)));
		Oid			coltype;
		int32		coltypmod;
		Oid			colcoll;
		Oid			typinput;
		Oid			typioparam;

		get_atttypetypmodcoll(relid, attnum, &coltype, &coltypmod, &colcoll);
		getTypeInputInfo(coltype, &typinput, &typioparam);
		args[0] = OidInputFunctionCall(typinput, TextDatumGetCString(args[0]), typioparam,
									   coltypmod);
		querytype = coltype;
	}

	/* planned generically: $1 and $2 stay parameters, for the shards */
	argtypes[0] = querytype;
	argtypes[1] = JSONBOID;
	args[1] = PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4);
	nulls[0] = ' ';
	nulls[1] = PG_ARGISNULL(4) ? 'n' : ' ';
	plan = SPI_prepare_cursor(sql, 2, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "could not plan the sharded kNN query: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_execute_plan(plan, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "the sharded kNN query failed");

	/* the query returns the table's columns but the dropped ones, in order */
	values = palloc(sizeof(Datum) * desc->natts);
	isnulls = palloc(sizeof(bool) * desc->natts);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		int			col = 0;

		for (int a = 0; a < desc->natts; a++)
		{
			if (TupleDescAttr(desc, a)->attisdropped)
			{
				values[a] = (Datum) 0;
				isnulls[a] = true;
				continue;
			}
			values[a] = SPI_getbinval(tup, SPI_tuptable->tupdesc, ++col, &isnulls[a]);
		}
		tuplestore_putvalues(store, desc, values, isnulls);
	}
	SPI_finish();
	return (Datum) 0;
}
