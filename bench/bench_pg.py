#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench_pg.py
#     The PostgreSQL side of the benchmark, shared by bench.py,
#     filtered.py and scaleout.py: the vector wire format and binary COPY, plan checks
#     (EXPLAIN, custom and generic), prepared query runs, the round-trip
#     floor and the server settings stated with every result.
# ----------------------------------------------------------------------------
import json
import os
import struct
import time

import numpy as np
import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format

# The settings worth stating with every result.
STATED_SETTINGS = [
    "server_version", "shared_buffers", "maintenance_work_mem", "work_mem",
    "max_parallel_maintenance_workers", "max_parallel_workers_per_gather",
    "max_parallel_workers", "max_worker_processes", "effective_cache_size",
    "jit", "fsync", "synchronous_commit", "full_page_writes", "wal_level",
    "max_wal_size", "checkpoint_timeout", "autovacuum", "huge_pages", "hnsw.ef_search",
]

def latency_stats(lat_s, wall_s):
    lat = np.asarray(lat_s)
    return dict(qps=len(lat) / wall_s if wall_s > 0 else None,
                p50_ms=float(np.percentile(lat, 50) * 1e3),
                p99_ms=float(np.percentile(lat, 99) * 1e3),
                mean_ms=float(lat.mean() * 1e3))


class VecParam:
    """A vector already encoded in the binary wire format."""
    __slots__ = ("data", "arr")

    def __init__(self, arr):
        self.arr = np.asarray(arr, dtype=np.float32)
        self.data = struct.pack(">hh", self.arr.shape[0], 0) + self.arr.astype(">f4").tobytes()

    def literal(self):
        return "'[" + ",".join(repr(float(x)) for x in self.arr) + "]'::vector"


def vector_binary_dumper(oid):
    class VectorBinaryDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj):
            return obj.data
    VectorBinaryDumper.oid = oid
    return VectorBinaryDumper


def pg_connect(dsn, dbname=None):
    kw = {"dbname": dbname} if dbname else {}
    conn = psycopg.connect(psycopg.conninfo.make_conninfo(dsn, **kw), autocommit=True)
    return conn


def prepare_session(conn):
    """Load the library (so hnsw.* GUCs are real, not placeholders) and
    teach psycopg the vector binary format."""
    conn.execute("SELECT '[1]'::vector").fetchone()
    oid = conn.execute("SELECT 'vector'::regtype::oid").fetchone()[0]
    conn.adapters.register_dumper(VecParam, vector_binary_dumper(oid))


def copy_stream(ids, vecs):
    """A complete PGCOPY binary stream of (int4 id, vector v) rows."""
    n, d = vecs.shape
    row = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("id", ">i4"), ("l2", ">i4"),
                    ("dim", ">i2"), ("unused", ">i2"), ("v", ">f4", (d,))])
    arr = np.empty(n, dtype=row)
    arr["nf"] = 2
    arr["l1"] = 4
    arr["id"] = ids
    arr["l2"] = 4 + 4 * d
    arr["dim"] = d
    arr["unused"] = 0
    arr["v"] = vecs
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    return header, arr, struct.pack(">h", -1)


def copy_vectors(conn, table, ids, vecs):
    """Binary COPY of (int4 id, vector) rows into table, 8 MB at a time."""
    header, rows, trailer = copy_stream(ids, vecs)
    step = max(1, (8 << 20) // rows.dtype.itemsize)
    with conn.cursor() as cur:
        with cur.copy(f"COPY {table} (id, v) FROM STDIN WITH (FORMAT BINARY)") as cp:
            cp.write(header)
            for lo in range(0, len(rows), step):
                cp.write(rows[lo:lo + step].tobytes())
            cp.write(trailer)


def plan_nodes(plan):
    yield plan
    for sub in plan.get("Plans", []):
        yield from plan_nodes(sub)


def explain(conn, sql, param, generic=False):
    """The plan nodes of `sql` with the vector parameter, as a custom plan
    (parameter bound) or as the generic plan of a prepared statement."""
    if not generic:
        rows = conn.execute("EXPLAIN (FORMAT JSON) " + sql, (param,),
                            prepare=False).fetchone()[0]
    else:
        conn.execute("PREPARE bench_explain(vector) AS " + sql.replace("%b", "$1"))
        conn.execute("SET plan_cache_mode = force_generic_plan")
        try:
            rows = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE bench_explain("
                                f"{param.literal()})").fetchone()[0]
        finally:
            conn.execute("RESET plan_cache_mode")
            conn.execute("DEALLOCATE bench_explain")
    if isinstance(rows, str):
        rows = json.loads(rows)
    return list(plan_nodes(rows[0]["Plan"]))


def plan_summary(nodes):
    out = []
    for n in nodes:
        s = n["Node Type"]
        if "Index Name" in n:
            s += f" using {n['Index Name']}"
        if "Relation Name" in n and "Index Name" not in n:
            s += f" on {n['Relation Name']}"
        out.append(s)
    return " -> ".join(out)


class CheckFailed(Exception):
    pass


def check_uses_index(conn, sql, param, index):
    plans = {}
    for generic in (False, True):
        nodes = explain(conn, sql, param, generic)
        plans["generic" if generic else "custom"] = plan_summary(nodes)
        if not any(n.get("Index Name") == index and n["Node Type"] in
                   ("Index Scan", "Index Only Scan") for n in nodes):
            raise CheckFailed(f"the {'generic' if generic else 'custom'} plan does not use "
                              f"index {index}: {plan_summary(nodes)}")
        if any(n["Node Type"] == "Sort" for n in nodes):
            raise CheckFailed(f"plan sorts instead of reading the index in order: "
                              f"{plan_summary(nodes)}")
    return plans


def check_exact_scan(conn, sql, param):
    nodes = explain(conn, sql, param)
    if any("Index" in n["Node Type"] for n in nodes):
        raise CheckFailed(f"the exact baseline uses an index: {plan_summary(nodes)}")
    return plan_summary(nodes)


def best_of(runs, one_pass):
    """The fastest of `runs` passes (the machine may be shared: slower
    passes measure the neighbours, not us)."""
    best = None
    for _ in range(max(1, runs)):
        r = one_pass()
        if best is None or r[2] < best[2]:
            best = r
    return best


# ----------------------------------------------------------------------------
# The query loop.  By default in C (knnloop.c, built here with the machine's
# cc against libpq and loaded through ctypes) on psycopg's own connection, so
# that the session's settings apply and the latency is the server's plus the
# wire's, not this interpreter's: psycopg here is its pure-Python build, whose
# ~100 us a statement would otherwise be counted against the extension.  The
# psycopg loop remains (set_client("psycopg"), or when the C loop cannot be
# built), and the run states which one measured.
# ----------------------------------------------------------------------------
_CLIENT = {"want": "native", "lib": None, "why": None, "spin": False}
KNN_LOOP_MAX_ROWS = 1000


def set_client(name, wait=None):
    """The loop that runs the timed queries (native, psycopg), and for the
    C loop how one client waits for an answer: spin (polling the socket,
    which is non-blocking) or sleep (in poll(), woken by the server's send).
    Queries from several clients at once never spin (run_queries)."""
    if name not in ("native", "psycopg"):
        raise ValueError(f"unknown query client {name!r}")
    if wait not in (None, "spin", "sleep"):
        raise ValueError(f"unknown wait {wait!r}")
    _CLIENT["want"] = name
    if wait is not None:
        _CLIENT["spin"] = wait == "spin"


def native_loop():
    """The C query loop (a ctypes library), built once per process; None,
    with the reason in client_name(), when it cannot be built."""
    if _CLIENT["lib"] is not None or _CLIENT["why"] is not None:
        return _CLIENT["lib"]
    import ctypes
    import subprocess
    import tempfile
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "knnloop.c")
    out = os.path.join(tempfile.mkdtemp(prefix="vecext-knnloop-"), "knnloop.so")
    try:
        inc = subprocess.run([os.environ.get("PG_CONFIG") or "pg_config", "--includedir"], capture_output=True, text=True,
                             check=True).stdout.strip()
        p = subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-I" + inc, src, "-o", out,
                            "-lpq"], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.strip()[-300:])
        lib = ctypes.CDLL(out)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        _CLIENT["why"] = f"the C query loop could not be built ({e}); psycopg's loop measured"
        return None
    c = ctypes
    lib.knn_prepare.argtypes = [c.c_void_p, c.c_char_p, c.c_char_p, c.c_uint, c.c_char_p,
                                c.c_int]
    lib.knn_run.argtypes = [c.c_void_p, c.c_char_p, c.c_int, c.POINTER(c.c_char_p),
                            c.POINTER(c.c_int), c.c_int, c.POINTER(c.c_int32),
                            c.POINTER(c.c_int), c.POINTER(c.c_double),
                            c.POINTER(c.c_double), c.c_int, c.c_char_p, c.c_int]
    _CLIENT["lib"] = lib
    return lib


def client_name():
    """Which loop measures the queries, for the report."""
    if _CLIENT["want"] == "native" and native_loop() is not None:
        return ("C loop on libpq (bench/knnloop.c): binary parameters and results; " +
                ("one client polls its socket for the answer instead of sleeping in poll() "
                 "(several clients at once sleep)" if _CLIENT["spin"] else
                 "the client sleeps in poll() until the answer comes"))
    return ("psycopg (pure Python), binary parameters and results" +
            (f"; {_CLIENT['why']}" if _CLIENT["want"] == "native" else ""))


def _native_run(lib, conn, sql, oid, datas, spin):
    import ctypes
    ptr = conn.pgconn.pgconn_ptr
    # the statements this loop prepared, kept on the connection they live in
    stmts = conn.__dict__.setdefault("_vecext_knn_stmts", {})
    err = ctypes.create_string_buffer(1024)
    stmt = stmts.get((sql, oid))
    # psycopg sends DEALLOCATE ALL after a DROP or an ALTER on its connection
    if stmt is not None and conn.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s",
                                         (stmt.decode(),)).fetchone() is None:
        stmt = None
    if stmt is None:
        stmt = f"vecext_knn_{len(stmts)}_{len(_CLIENT.setdefault('names', []))}".encode()
        _CLIENT["names"].append(stmt)
        if lib.knn_prepare(ptr, stmt, sql.encode(), oid, err, len(err)) != 0:
            raise psycopg.Error(err.value.decode(errors="replace").strip())
        stmts[(sql, oid)] = stmt
    n, k = len(datas), KNN_LOOP_MAX_ROWS
    params = (ctypes.c_char_p * n)(*datas)
    lens = (ctypes.c_int * n)(*[len(d) for d in datas])
    ids = np.empty(n * k, dtype=np.int32)
    nrows = np.empty(n, dtype=np.int32)
    lat = np.empty(n, dtype=np.float64)
    wall = ctypes.c_double()
    rc = lib.knn_run(ptr, stmt, n, params, lens, k,
                     ids.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)),
                     nrows.ctypes.data_as(ctypes.POINTER(ctypes.c_int)),
                     lat.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                     ctypes.byref(wall), int(spin), err, len(err))
    if rc != 0:
        raise psycopg.Error(err.value.decode(errors="replace").strip())
    if nrows.max(initial=0) > k:
        raise CheckFailed(f"a query returned {nrows.max()} rows, more than the C loop "
                          f"keeps ({k})")
    ids = ids.reshape(n, k)
    return [ids[i, :nrows[i]].tolist() for i in range(n)], lat.tolist(), wall.value


def _type_oid(conn, name):
    return conn.execute("SELECT %s::regtype::oid", (name,)).fetchone()[0]


def run_queries(conn, sql, params, alone=True):
    """Run the prepared query (its one parameter %b or %s) once per
    parameter; (ids per query, latency s per query, wall s).  alone: no
    other client runs queries meanwhile (else the C loop does not spin:
    two spinning clients would take the cores their servers need)."""
    lib = native_loop() if _CLIENT["want"] == "native" else None
    if lib is not None and params and all(isinstance(p, VecParam) for p in params):
        return _native_run(lib, conn, sql.replace("%b", "$1").replace("%s", "$1"),
                           _type_oid(conn, "vector"), [p.data for p in params],
                           _CLIENT["spin"] and alone)
    cur = conn.cursor(binary=True)
    results, lat = [], []
    pc = time.perf_counter
    t0 = pc()
    for p in params:
        t = pc()
        cur.execute(sql, (p,), prepare=True)
        rows = cur.fetchall()
        lat.append(pc() - t)
        results.append([r[0] for r in rows])
    return results, lat, pc() - t0


def round_trip_floor(conn, n):
    """Latency of a trivial prepared statement over this connection, through
    the same loop as the queries: the floor under every latency (client,
    protocol, executor start)."""
    lib = native_loop() if _CLIENT["want"] == "native" else None
    if lib is not None:
        datas = [struct.pack(">i", i) for i in range(n)]
        oid = _type_oid(conn, "int4")
        spin = _CLIENT["spin"]
        _native_run(lib, conn, "SELECT $1::int4", oid, datas[:50], spin)
        _, lat, wall = best_of(3, lambda: _native_run(lib, conn, "SELECT $1::int4", oid, datas,
                                                      spin))
        return dict(queries=n, **latency_stats(lat, wall))
    cur = conn.cursor(binary=True)
    for i in range(min(n, 50)):
        cur.execute("SELECT %s::int4", (i,), prepare=True)
        cur.fetchall()

    def one_pass():
        lat = []
        pc = time.perf_counter
        t0 = pc()
        for i in range(n):
            t = pc()
            cur.execute("SELECT %s::int4", (i,), prepare=True)
            cur.fetchall()
            lat.append(pc() - t)
        return None, lat, pc() - t0
    _, lat, wall = best_of(3, one_pass)
    return dict(queries=n, **latency_stats(lat, wall))


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def settings(conn):
    out = {}
    for name in STATED_SETTINGS:
        row = conn.execute("SELECT setting, unit FROM pg_settings WHERE name = %s",
                           (name,)).fetchone()
        if row is None:
            continue
        val, unit = row
        if unit in ("8kB", "kB"):
            kb = int(val) * (8 if unit == "8kB" else 1)
            val = f"{kb // 2 ** 20}GB" if kb % 2 ** 20 == 0 else \
                f"{kb // 1024}MB" if kb % 1024 == 0 else f"{kb}kB"
        elif unit == "MB":
            val = f"{int(val) // 1024}GB" if int(val) % 1024 == 0 else f"{val}MB"
        elif unit:
            val = f"{val}{unit}"
        out[name] = val
    return out


def hnsw_available(conn):
    return conn.execute("SELECT 1 FROM pg_am WHERE amname = 'hnsw'").fetchone() is not None


def rel_mb(conn, rel):
    b = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (rel,)).fetchone()[0]
    return b / 2 ** 20


REFERENCE_DB = "vecext_ref"


def reference_conn(dsn, dbname=REFERENCE_DB, fresh=False):
    """A connection to a database of its own (dbname; dropped and made
    again when fresh) where the reference extension (pgvector, `CREATE
    EXTENSION vector`) is created, or (None, why not) when the cluster does
    not have it installed.  Its own database: both extensions define the
    type vector and the hnsw access method."""
    admin = pg_connect(dsn)
    try:
        if admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
                         ).fetchone() is None:
            return None, "CREATE EXTENSION vector: not installed in this cluster"
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                         (dbname,)).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{dbname}"')
    finally:
        admin.close()
    conn = pg_connect(dsn, dbname)
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as e:
        conn.close()
        return None, f"CREATE EXTENSION vector failed: {e.diag.message_primary}"
    return conn, None
