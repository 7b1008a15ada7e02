/*-------------------------------------------------------------------------
 * hnswvalidate.c
 *		amvalidate for hnsw: checks an opclass's members really are what an
 *		hnsw index can use, and reports each problem it finds.
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

/*
 * Shared with ivfflat, whose opclasses have the same support functions:
 * amname is the access method, for the messages.
 */
bool
HnswValidateOpclass(Oid opclassoid, const char *amname)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	Oid			opfamilyoid;
	Oid			opcintype;
	char	   *opclassname;
	CatCList   *proclist;
	CatCList   *oprlist;
	bool		has_distance = false;
	bool		has_order_op = false;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	opclassname = NameStr(classform->opcname);

	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));
	for (int i = 0; i < proclist->n_members; i++)
	{
		Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(&proclist->members[i]->tuple);
		bool		ok;

		if (procform->amproclefttype != opcintype || procform->amprocrighttype != opcintype)
			continue;
		switch (procform->amprocnum)
		{
			case HNSW_DISTANCE_PROC:
				ok = check_amproc_signature(procform->amproc, FLOAT8OID, true,
											2, 2, opcintype, opcintype);
				has_distance = true;
				break;
			case HNSW_NORM_PROC:
				ok = check_amproc_signature(procform->amproc, FLOAT8OID, true,
											1, 1, opcintype);
				break;
			case HNSW_TYPE_PROC:
				ok = check_amproc_signature(procform->amproc, INTERNALOID, true,
											1, 1, INTERNALOID);
				break;
			default:
				ereport(INFO,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("%s operator class \"%s\" has function %s with invalid support number %d",
								amname, opclassname, format_procedure(procform->amproc),
								procform->amprocnum)));
				result = false;
				continue;
		}
		if (!ok)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s operator class \"%s\" has function %s with wrong signature for support number %d",
							amname, opclassname, format_procedure(procform->amproc),
							procform->amprocnum)));
			result = false;
		}
	}

	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));
	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amopstrategy != 1 || oprform->amoppurpose != AMOP_ORDER ||
			oprform->amopsortfamily == InvalidOid ||
			!check_amop_signature(oprform->amopopr, FLOAT8OID,
								  oprform->amoplefttype, oprform->amoprighttype))
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s operator class \"%s\" has operator %s that is not an ordering operator 1 returning double precision",
							amname, opclassname, format_operator(oprform->amopopr))));
			result = false;
		}
		else if (oprform->amoplefttype == opcintype && oprform->amoprighttype == opcintype)
			has_order_op = true;
	}

	if (!has_distance)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s operator class \"%s\" is missing its distance function (support number %d)",
						amname, opclassname, HNSW_DISTANCE_PROC)));
		result = false;
	}
	if (!has_order_op)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s operator class \"%s\" is missing its ordering operator",
						amname, opclassname)));
		result = false;
	}

	ReleaseCatCacheList(oprlist);
	ReleaseCatCacheList(proclist);
	ReleaseSysCache(classtup);
	return result;
}

bool
hnswvalidate(Oid opclassoid)
{
	return HnswValidateOpclass(opclassoid, "hnsw");
}
