/*-------------------------------------------------------------------------
 * ivfflat.c
 *		The ivfflat access method handler, its reloption and GUC variables
 *		(defined with the others in vecext.c).
 *-------------------------------------------------------------------------
 */
#include "ivf/ivfflat.h"

#include "access/reloptions.h"
#include "commands/progress.h"
#include "commands/vacuum.h"

int			ivf_probes = IVF_DEFAULT_PROBES;
int			ivf_iterative_scan = IVF_ITERATIVE_SCAN_OFF;
int			ivf_max_probes = IVF_MAX_PROBES;

static relopt_kind ivf_relopt_kind;

void
IvfInitReloptions(void)
{
	ivf_relopt_kind = add_reloption_kind();
	add_int_reloption(ivf_relopt_kind, "lists", "Number of inverted lists",
					  IVF_DEFAULT_LISTS, IVF_MIN_LISTS, IVF_MAX_LISTS, AccessExclusiveLock);
}

static bytea *
ivfflatoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ivf_relopt_kind,
									  sizeof(IvfOptions), tab, lengthof(tab));
}

int
IvfGetLists(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;

	return opts ? opts->lists : IVF_DEFAULT_LISTS;
}

static char *
ivfflatbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case IVF_PROGRESS_PHASE_KMEANS:
			return "performing k-means";
		case IVF_PROGRESS_PHASE_ASSIGN:
			return "assigning tuples";
		case IVF_PROGRESS_PHASE_LOAD:
			return "loading tuples";
		default:
			return NULL;
	}
}

static bool
ivfflatvalidate(Oid opclassoid)
{
	return HnswValidateOpclass(opclassoid, "ivfflat");
}

PG_FUNCTION_INFO_V1(ivfflathandler);

Datum
ivfflathandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = HNSW_TYPE_PROC;	/* the same support functions as hnsw */
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = ivfflatbuild;
	amroutine->ambuildempty = ivfflatbuildempty;
	amroutine->aminsert = ivfflatinsert;
	amroutine->ambulkdelete = ivfflatbulkdelete;
	amroutine->amvacuumcleanup = ivfflatvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = ivfflatcostestimate;
	amroutine->amoptions = ivfflatoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = ivfflatbuildphasename;
	amroutine->amvalidate = ivfflatvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = ivfflatbeginscan;
	amroutine->amrescan = ivfflatrescan;
	amroutine->amgettuple = ivfflatgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = ivfflatendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
