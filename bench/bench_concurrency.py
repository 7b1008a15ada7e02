# ----------------------------------------------------------------------------
# bench/bench_concurrency.py
#     Throughput by number of clients (`bench.py --concurrency 1,2,4,...`):
#     pgbench with a custom script, prepared, one kNN query per transaction,
#     its query vector drawn at random from a table of the data set's
#     queries.  The same for vecext and for the reference extension.
# ----------------------------------------------------------------------------
import os
import re
import subprocess
import tempfile

import numpy as np

from bench_pg import copy_vectors, plan_nodes


def pgbench_path(conn):
    """pgbench beside the server's binaries (same machine), else on PATH."""
    bindir = conn.execute("SELECT setting FROM pg_config WHERE name = 'BINDIR'").fetchone()[0]
    path = os.path.join(bindir, "pgbench")
    return path if os.access(path, os.X_OK) else "pgbench"


def run_concurrency(conn, dsn, table, index, op, queries, ef, k, clients, seconds, log,
                    forced=False):
    """QPS at each number of clients; a list of dicts.  forced: the planner
    had to be kept off seq scans for the one-client figures (a small table),
    so pgbench's sessions are too."""
    qt = table + "_queries"
    conn.execute(f"DROP TABLE IF EXISTS {qt}")
    # (a primary key: without it each transaction's subquery reads the whole
    # table of queries, which cost as much as the kNN search at ef 40)
    conn.execute(f"CREATE TABLE {qt} (id int4 PRIMARY KEY, v vector({queries.shape[1]}))")
    copy_vectors(conn, qt, np.arange(1, len(queries) + 1, dtype=np.int32), queries)
    conn.execute(f"ANALYZE {qt}")
    query = (f"SELECT id FROM {table} ORDER BY v {op} (SELECT v FROM {qt} WHERE id = :q) "
             f"LIMIT {k}")
    # the plan pgbench's query gets must be the index scan
    conn.execute(f"SET hnsw.ef_search = {int(ef)}")
    if forced:
        conn.execute("SET enable_seqscan = off")
    plan = conn.execute("EXPLAIN (FORMAT JSON) " + query.replace(":q", "1")).fetchone()[0]
    conn.execute("RESET hnsw.ef_search")
    conn.execute("RESET enable_seqscan")
    if not any(n.get("Index Name") == index for n in plan_nodes(plan[0]["Plan"])):
        raise RuntimeError(f"the pgbench query does not use {index}")
    env = dict(os.environ, PGOPTIONS=f"-c hnsw.ef_search={int(ef)}" +
               (" -c enable_seqscan=off" if forced else ""))
    out = pgbench_series(conn, dsn, f"\\set q random(1, {len(queries)})\n{query};\n", clients,
                         seconds, env, log, f"{table}: {{c:2d}} clients (pgbench, ef {ef})")
    conn.execute(f"DROP TABLE {qt}")
    return out


def pgbench_run(pgbench, script, c, seconds, dsn, env):
    """One pgbench run of script (prepared) by c clients: a dict."""
    p = subprocess.run([pgbench, "-n", "-M", "prepared", "-c", str(c),
                        "-j", str(min(c, 4)), "-T", str(seconds), "-f", script, dsn],
                       capture_output=True, text=True, env=env)
    tps = re.search(r"^tps = ([0-9.]+)", p.stdout, re.M)
    lat = re.search(r"^latency average = ([0-9.]+) ms", p.stdout, re.M)
    failed = re.search(r"^number of failed transactions: ([0-9]+)", p.stdout, re.M)
    if p.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench -c {c} failed: {p.stderr.strip()[-500:]}")
    return dict(clients=c, qps=float(tps.group(1)),
                latency_ms=float(lat.group(1)) if lat else None,
                failed=int(failed.group(1)) if failed else 0)


def pgbench_series(conn, dsn, text, clients, seconds, env, log, what):
    """pgbench runs of the script text (prepared), one per number of clients,
    each logged as what (a format string of c) with its QPS: a list of dicts."""
    out = []
    with tempfile.TemporaryDirectory(prefix="vecext-pgbench-") as tmp:
        script = os.path.join(tmp, "script.sql")
        with open(script, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o755)
        pgbench = pgbench_path(conn)
        for c in clients:
            row = pgbench_run(pgbench, script, c, seconds, dsn, env)
            out.append(row)
            log(what.format(c=c) + f": {row['qps']:.0f} QPS")
    return out


def run_floor(conn, dsn, clients, seconds, log):
    """The same pgbench runs of a trivial prepared `SELECT 1`: how much of the
    fall past the cores is the machine's and pgbench's own, in the same run."""
    return pgbench_series(conn, dsn, "SELECT 1;\n", clients, seconds, dict(os.environ), log,
                          "SELECT 1: {c:2d} clients (pgbench)")
