/*-------------------------------------------------------------------------
 * bench/knnloop.c
 *		The benchmark's query loop in C, for bench_pg.run_queries: runs
 *		a prepared kNN query once per query vector on a connection that
 *		psycopg opened (and on which it SET the session's settings), and
 *		times each round trip with the client's own cost left out of it
 *		as far as a client can: no Python between the send and the
 *		answer, binary parameters and binary results.
 *
 *		Built at benchmark time by bench_pg.native_loop() with the
 *		machine's cc and libpq (libpq-dev), loaded through ctypes.
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <libpq-fe.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * knn_prepare
 *		PREPARE stmt (sql) with one parameter of type param_oid.  0 when it
 *		worked; otherwise -1 and the server's message in err.
 */
int
knn_prepare(PGconn *conn, const char *stmt, const char *sql, unsigned int param_oid,
			char *err, int errlen)
{
	Oid			types[1] = {param_oid};
	PGresult   *res = PQprepare(conn, stmt, sql, 1, types);
	int			rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		snprintf(err, errlen, "%s", PQerrorMessage(conn));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/*
 * exec_spinning
 *		PQexecPrepared's work without sleeping in poll() for the answer:
 *		libpq's socket is non-blocking, and PQconsumeInput is called until
 *		the whole answer is in.  A client that sleeps is woken by the
 *		server's send, which in a virtual machine is an interrupt sent to
 *		an idle vCPU (perf puts an eighth of the backend's time there, in
 *		sock_def_readable); one that spins is not.  NULL when the query
 *		could not be sent or read (the message is then on conn).
 */
static PGresult *
exec_spinning(PGconn *conn, const char *stmt, const char *param, int len, const int *formats)
{
	PGresult   *res = NULL;
	PGresult   *next;

	if (!PQsendQueryPrepared(conn, stmt, 1, &param, &len, formats, 1))
		return NULL;
	/* the last result is the one to keep, as PQexec does */
	for (;;)
	{
		while (PQisBusy(conn))
			if (!PQconsumeInput(conn))
			{
				PQclear(res);
				return NULL;
			}
		if ((next = PQgetResult(conn)) == NULL)
			return res;
		PQclear(res);
		res = next;
	}
}

/*
 * knn_run
 *		Execute stmt once per parameter (params[i], lens[i] bytes in the
 *		type's binary format).  The first column of each answer, an int4,
 *		goes to ids[i * k ...] (at most k of them, the rest -1), the row
 *		count to nrows[i], the round trip in seconds to lat[i], and the
 *		whole loop's wall time to *wall.  spin: wait for each answer
 *		without sleeping (exec_spinning).  0 when every query worked;
 *		otherwise -1 with the message in err.
 */
int
knn_run(PGconn *conn, const char *stmt, int n, const char *const *params,
		const int *lens, int k, int32_t *ids, int *nrows, double *lat, double *wall,
		int spin, char *err, int errlen)
{
	const int	formats[1] = {1};
	double		t0 = now_s();

	for (int i = 0; i < n; i++)
	{
		double		t = now_s();
		PGresult   *res = spin ? exec_spinning(conn, stmt, params[i], lens[i], formats) :
			PQexecPrepared(conn, stmt, 1, &params[i], &lens[i], formats, 1);
		int			rows;

		lat[i] = now_s() - t;
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			snprintf(err, errlen, "query %d: %s", i, PQerrorMessage(conn));
			PQclear(res);
			return -1;
		}
		rows = PQntuples(res);
		nrows[i] = rows;
		for (int j = 0; j < k; j++)
		{
			int32_t		v = -1;

			if (j < rows && !PQgetisnull(res, j, 0) && PQgetlength(res, j, 0) == 4)
			{
				uint32_t	be;

				memcpy(&be, PQgetvalue(res, j, 0), 4);
				v = (int32_t) ntohl(be);
			}
			ids[(size_t) i * k + j] = v;
		}
		PQclear(res);
	}
	*wall = now_s() - t0;
	return 0;
}
