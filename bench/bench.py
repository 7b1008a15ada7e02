#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench.py
#     The vecext benchmark: recall, speed, size and build time of the hnsw
#     index, beside hnswlib run on the same data in the same process.
#
# For each data set (Fashion-MNIST, a seeded clustered-Gaussian synthetic set
# and its cosine variant) it:
#   1. computes the exact top-100 ground truth once and caches it outside the
#      checkout (~/.cache/vecext-bench/, keyed by a hash of the data);
#   2. loads the vectors with binary COPY and times it;
#   3. times an exact scan (no index) on a sample of queries;
#   4. builds `hnsw (m = 16, ef_construction = 64)` with 0 and with 1 parallel
#      maintenance worker, timing both and measuring the index size;
#   5. for each ef_search: recall@10, QPS, p50/p99 latency over one connection
#      with a prepared `ORDER BY v <op> $1 LIMIT 10`, after EXPLAIN has shown
#      that the hnsw index is used (custom and generic plan) -- a silently
#      unused index would otherwise give a fast, wrong figure;
#   6. 2-client query throughput, throughput at 1 to 32 clients through
#      pgbench (bench_concurrency.py) and single-row insert throughput;
#   7. steps 4 to 6 for the reference extension (pgvector) when the cluster
#      has it installed (`CREATE EXTENSION vector` works), in a database of
#      its own (<db>_ref); otherwise the report says it was not measured;
#   8. the same through hnswlib (M = 16, ef_construction = 64, one thread,
#      one query at a time, k = 10).
# It writes one JSON file per run, a markdown report and a recall-vs-QPS plot.
# Data sets and ground truth: bench_data.py; report and plot: bench_report.py;
# the PostgreSQL helpers (wire format, plan checks, query runs): bench_pg.py;
# ivfflat: bench_ivf.py.
#
# It asserts no timing.  It exits non-zero when a step failed (an error, a
# plan without the index, a short result); a missing `hnsw` access method is
# not a failure: the index figures are then reported as missing.
#
# Run through bench/run.sh (which installs packages and starts a private
# cluster), or directly against a running server with --dsn.  Needs
# /usr/bin/python3 with numpy and psycopg 3; hnswlib and matplotlib are used
# when present.
# ----------------------------------------------------------------------------
import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import numpy as np
import psycopg

sys.dont_write_bytecode = True    # no __pycache__ in the checkout
from bench_data import GT_K, ground_truth, load_fashion, make_synthetic, recall_at_k  # noqa: E402
from bench_report import markdown, plot  # noqa: E402
from bench_concurrency import run_concurrency  # noqa: E402
from bench_ivf import bench_ivfflat  # noqa: E402
from bench_pg import (CheckFailed, VecParam, check_exact_scan, check_uses_index,  # noqa: E402
                      copy_vectors, hnsw_available, latency_stats, loadavg, pg_connect,
                      prepare_session, reference_conn, rel_mb, round_trip_floor, run_queries,
                      settings)

try:
    import hnswlib
except ImportError:  # reported, not fatal
    hnswlib = None

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)

K = 10                        # recall@K, LIMIT K
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
DEFAULT_EF = [10, 20, 40, 80, 120, 200, 400]
SUMMARY_EF = [10, 40, 200]   # columns of the summary table
TARGET_RECALL = 0.95
DEFAULT_CLIENTS_EF = 40       # ef_search of the 2-client throughput run
POINTS_PER_CLUSTER = 200      # synthetic: default clusters = n / this
EXACT_MIN_RECALL = 0.99       # below this the exact scan disagrees with numpy

METRICS = {
    # metric: (operator, opclass, hnswlib space)
    "l2": ("<->", "vector_l2_ops", "l2"),
    "cosine": ("<=>", "vector_cosine_ops", "cosine"),
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def cache_dir(args):
    d = args.cache_dir or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vecext-bench")
    os.makedirs(d, exist_ok=True)
    return d


def bench_pg(ds, gt_ids, gt_dists, args, dsn, res, label="vecext"):
    """All Postgres measurements of one data set; fills res (a dict).
    label names the extension in the log (the reference runs here too)."""
    op, opclass, _ = METRICS[ds.metric]
    table = "bench_" + ds.name.replace("-", "_")
    index = table + "_hnsw"
    qparams = [VecParam(q) for q in ds.queries]
    sql = f"SELECT id FROM {table} ORDER BY v {op} %b LIMIT {K}"
    res["query"] = sql.replace("%b", "$1")
    res["errors"] = []

    conn = pg_connect(dsn)
    notices = []
    conn.add_notice_handler(lambda d: notices.append(
        f"{d.severity}: {d.message_primary}"))
    prepare_session(conn)

    # -- load --------------------------------------------------------------
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} (id int4 PRIMARY KEY, v vector({ds.dim}))"
                 if args.primary_key else
                 f"CREATE TABLE {table} (id int4, v vector({ds.dim}))")
    t = time.perf_counter()
    copy_vectors(conn, table, np.arange(ds.n, dtype=np.int32), ds.base)
    res["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute(f"VACUUM (ANALYZE) {table}")
    res["vacuum_analyze_s"] = time.perf_counter() - t
    res["table_mb"] = rel_mb(conn, table)
    count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if count != ds.n:
        raise CheckFailed(f"loaded {count} rows, expected {ds.n}")
    log(f"{ds.name}: loaded {ds.n} rows in {res['load_s']:.1f} s (binary COPY), "
        f"table {res['table_mb']:.1f} MB")

    # -- exact scan baseline -----------------------------------------------
    ne = min(args.exact_queries, len(qparams))
    if ne > 0:
        plan = check_exact_scan(conn, sql, qparams[0])
        run_queries(conn, sql, qparams[:1])
        out, lat, wall = run_queries(conn, sql, qparams[:ne])
        res["exact"] = dict(queries=ne, plan=plan,
                            recall=recall_at_k(out, gt_ids[:ne], gt_dists[:ne], K),
                            **latency_stats(lat, wall))
        log(f"{ds.name}: exact scan, {ne} queries: recall {res['exact']['recall']:.4f}, "
            f"{res['exact']['qps']:.2f} QPS, p50 {res['exact']['p50_ms']:.1f} ms")
        # An exact scan must agree with the ground truth: otherwise the
        # distances, the data or this script are wrong, and so is every
        # recall figure below.
        if res["exact"]["recall"] < EXACT_MIN_RECALL:
            res["errors"].append(f"the exact scan's recall@{K} is {res['exact']['recall']:.4f}: "
                                 f"it disagrees with the ground truth")

    # -- index ---------------------------------------------------------------
    if not hnsw_available(conn):
        res["index"] = None
        res["index_missing"] = ("the hnsw access method does not exist in this server: "
                                "no index figures")
        log(f"{ds.name}: {res['index_missing']}")
        if not args.keep:
            conn.execute(f"DROP TABLE {table}")
        conn.close()
        return

    idx = res["index"] = dict(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, builds=[])
    if conn.execute("SELECT 1 FROM pg_settings WHERE name = 'hnsw.ef_search'").fetchone() is None:
        raise CheckFailed("the hnsw.ef_search setting does not exist (placeholder only)")
    create = (f"CREATE INDEX {index} ON {table} USING hnsw (v {opclass}) "
              f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
    idx["create"] = create
    for workers in args.build_workers:
        conn.execute(f"DROP INDEX IF EXISTS {index}")
        conn.execute(f"SET max_parallel_maintenance_workers = {workers}")
        notices.clear()
        t = time.perf_counter()
        conn.execute(create)
        build_s = time.perf_counter() - t
        conn.execute("RESET max_parallel_maintenance_workers")
        size = conn.execute("SELECT pg_relation_size(%s::regclass)", (index,)).fetchone()[0]
        idx["builds"].append(dict(workers=workers, build_s=build_s, index_mb=size / 2 ** 20,
                                  notices=list(notices)))
        log(f"{ds.name}: hnsw build with {workers} parallel worker(s): {build_s:.1f} s, "
            f"{size / 2 ** 20:.1f} MB" + (f"; {notices}" if notices else ""))
    b0 = idx["builds"][0]
    idx["build_s"] = b0["build_s"]
    idx["build_workers"] = b0["workers"]
    idx["index_mb"] = idx["builds"][-1]["index_mb"]

    # -- queries per ef_search ------------------------------------------------
    # Pass r runs every ef in turn before pass r + 1 starts, so that a burst
    # of load from a neighbour cannot spoil all the passes of one ef.
    best = {}
    for r in range(max(1, args.runs)):
        for ef in args.ef:
            conn.execute(f"SET hnsw.ef_search = {int(ef)}")
            got = conn.execute("SELECT current_setting('hnsw.ef_search')").fetchone()[0]
            if int(got) != ef:
                raise CheckFailed(f"SET hnsw.ef_search = {ef} reads back {got}")
            if r == 0:
                try:
                    idx["plan"] = check_uses_index(conn, sql, qparams[0], index)
                except CheckFailed as e:
                    # The planner preferred another plan.  Measure the index
                    # with seq scans disabled, and say so loudly.
                    if "forced_index" in idx:
                        raise
                    conn.execute("SET enable_seqscan = off")
                    idx["plan"] = check_uses_index(conn, sql, qparams[0], index)
                    idx["forced_index"] = (
                        f"the planner did not choose the hnsw index at ef_search {ef} ({e}); "
                        f"the index figures from there on were measured with "
                        f"enable_seqscan = off")
                    log(f"{ds.name}: WARNING: {idx['forced_index']}")
                run_queries(conn, sql, qparams[:args.warmup])
            p = run_queries(conn, sql, qparams)
            if ef not in best or p[2] < best[ef][2]:
                best[ef] = p
    idx["ef"] = []
    for ef in args.ef:
        out, lat, wall = best[ef]
        short = sum(1 for r in out if len(r) < K)
        row = dict(ef=ef, recall=recall_at_k(out, gt_ids, gt_dists, K), short_results=short,
                   **latency_stats(lat, wall))
        idx["ef"].append(row)
        log(f"{ds.name}: {label} ef {ef:4d}: recall@{K} {row['recall']:.4f}, "
            f"{row['qps']:8.1f} QPS, p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms")
        if short:
            res["errors"].append(f"ef {ef}: {short} queries returned fewer than {K} rows")
    conn.execute("RESET hnsw.ef_search")
    conn.execute("RESET enable_seqscan")

    # -- 2 clients -----------------------------------------------------------
    if args.clients > 1:
        idx["clients"] = bench_clients(dsn, sql, qparams, args,
                                       ["SET enable_seqscan = off"] if "forced_index" in idx
                                       else [])
        c = idx["clients"]
        log(f"{ds.name}: {c['clients']} clients at ef {c['ef']}: {c['qps']:.1f} QPS total")

    # -- 1 to 32 clients: pgbench ----------------------------------------------
    if args.concurrency:
        idx["concurrency"] = run_concurrency(conn, dsn, table, index, op, ds.queries,
                                             args.clients_ef, K, args.concurrency,
                                             args.concurrency_seconds, log)

    # -- ivfflat on the same table, the hnsw index set aside ---------------------
    if args.probes:
        conn.execute(f"DROP INDEX {index}")
        try:
            res["ivfflat"] = bench_ivfflat(conn, ds, table, opclass, sql, qparams, gt_ids,
                                           gt_dists, args, K, run_queries, check_uses_index,
                                           recall_at_k, log)
        finally:
            conn.execute(create)

    # -- single-row inserts ----------------------------------------------------
    if args.inserts > 0 and len(ds.inserts):
        ins = [VecParam(v) for v in ds.inserts[:args.inserts]]
        isql = f"INSERT INTO {table} (id, v) VALUES (%s, %b)"
        cur = conn.cursor()
        t0 = time.perf_counter()
        done = 0
        for i, v in enumerate(ins):
            cur.execute(isql, (ds.n + i, v), prepare=True)
            done += 1
            if time.perf_counter() - t0 > args.insert_seconds:
                break
        wall = time.perf_counter() - t0
        idx["inserts"] = dict(rows=done, seconds=wall, rows_per_s=done / wall,
                              index_mb_after=rel_mb(conn, index))
        log(f"{ds.name}: {done} single-row inserts into the indexed table: "
            f"{done / wall:.1f} rows/s")

    if not args.keep:
        conn.execute(f"DROP TABLE {table}")
    conn.close()


def bench_clients(dsn, sql, qparams, args, session_sql):
    """`args.clients` connections, each running every query (in a different
    order), started together; total throughput."""
    ef = args.clients_ef
    n = args.clients
    barrier = threading.Barrier(n + 1)
    stats = [None] * n
    errors = []

    def client(i):
        try:
            conn = pg_connect(dsn)
            prepare_session(conn)
            conn.execute(f"SET hnsw.ef_search = {int(ef)}")
            for stmt in session_sql:
                conn.execute(stmt)
            k = i * len(qparams) // n
            order = qparams[k:] + qparams[:k]
            run_queries(conn, sql, order[:args.warmup])
        except Exception as e:  # reported by the caller
            errors.append(repr(e))
            barrier.abort()
            return
        try:
            barrier.wait()
            t = time.perf_counter()
            _, lat, wall = run_queries(conn, sql, order)
            stats[i] = (t, t + wall, lat)
        except Exception as e:
            errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    for th in threads:
        th.join()
    if errors or any(s is None for s in stats):
        raise CheckFailed(f"client run failed: {errors}")
    start = min(s[0] for s in stats)
    end = max(s[1] for s in stats)
    lat = [x for s in stats for x in s[2]]
    st = latency_stats(lat, end - start)
    return dict(clients=n, ef=ef, queries=len(lat), **st)


# ----------------------------------------------------------------------------
# hnswlib side
# ----------------------------------------------------------------------------
def bench_hnswlib(ds, gt_ids, gt_dists, args, res):
    _, _, space = METRICS[ds.metric]
    index = hnswlib.Index(space=space, dim=ds.dim)
    index.init_index(max_elements=ds.n + min(args.inserts, len(ds.inserts)),
                     ef_construction=HNSW_EF_CONSTRUCTION, M=HNSW_M, random_seed=100)
    index.set_num_threads(1)
    t = time.perf_counter()
    index.add_items(ds.base, np.arange(ds.n), num_threads=1)
    res["build_s"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "index.bin")
        index.save_index(p)
        res["index_mb"] = os.path.getsize(p) / 2 ** 20
    res.update(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, threads=1)
    log(f"{ds.name}: hnswlib build {res['build_s']:.1f} s, {res['index_mb']:.1f} MB")
    queries = list(ds.queries)

    def one_pass():
        out, lat = [], []
        pc = time.perf_counter
        t0 = pc()
        for q in queries:
            t = pc()
            labels, _ = index.knn_query(q, k=K, num_threads=1)
            lat.append(pc() - t)
            out.append(labels[0])
        return out, lat, pc() - t0

    best = {}
    for r in range(max(1, args.runs)):       # passes interleaved as for vecext
        for ef in args.ef:
            index.set_ef(max(ef, K))
            if r == 0:
                for q in queries[:args.warmup]:
                    index.knn_query(q, k=K, num_threads=1)
            p = one_pass()
            if ef not in best or p[2] < best[ef][2]:
                best[ef] = p
    res["ef"] = []
    for ef in args.ef:
        out, lat, wall = best[ef]
        row = dict(ef=ef, recall=recall_at_k(out, gt_ids, gt_dists, K), **latency_stats(lat, wall))
        res["ef"].append(row)
        log(f"{ds.name}: hnswlib ef {ef:4d}: recall@{K} {row['recall']:.4f}, "
            f"{row['qps']:8.1f} QPS, p50 {row['p50_ms']:.3f} ms")
    if args.inserts > 0 and len(ds.inserts):
        ins = ds.inserts[:args.inserts]
        t0 = time.perf_counter()
        for i, v in enumerate(ins):
            index.add_items(v[None, :], np.array([ds.n + i]), num_threads=1)
        wall = time.perf_counter() - t0
        res["inserts"] = dict(rows=len(ins), seconds=wall, rows_per_s=len(ins) / wall)


# ----------------------------------------------------------------------------
# What the run ran on
# ----------------------------------------------------------------------------
def machine_info():
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "psycopg": psycopg.__version__, "kernel": platform.release(),
            "cores": os.cpu_count()}
    try:
        import importlib.metadata as md
        info["hnswlib"] = md.version("hnswlib") if hnswlib else None
    except Exception:
        info["hnswlib"] = "unknown" if hnswlib else None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            info["memory_gb"] = round(kb / 2 ** 20, 1)
        with open("/etc/debian_version") as f:
            info["debian"] = f.read().strip()
    except OSError:
        pass
    return info


def installed_library(conn):
    """sha1 and mtime of the vecext.so the server loads (when this machine
    can read it), to tie the figures to a build."""
    try:
        libdir = conn.execute("SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'"
                              ).fetchone()[0]
        path = os.path.join(libdir, "vecext.so")
        with open(path, "rb") as f:
            digest = hashlib.sha1(f.read()).hexdigest()[:12]
        mtime = dt.datetime.fromtimestamp(os.path.getmtime(path)).astimezone()
        return dict(path=path, sha1=digest, mtime=mtime.isoformat(timespec="seconds"))
    except Exception as e:
        return dict(error=str(e))


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO_DIR, "status", "--porcelain", "--",
                                "src", "sql", "Makefile", "vecext.control"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except Exception:
        return None


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------
def parse_args(argv):
    p = argparse.ArgumentParser(
        description="vecext hnsw benchmark (recall, QPS, latency, build time, size) "
                    "beside hnswlib")
    p.add_argument("--dsn", default=os.environ.get("VECEXT_BENCH_DSN", ""),
                   help="libpq connection string of a running server (default: libpq env)")
    p.add_argument("--db", default="vecext_bench",
                   help="database to (re)create for the run (default vecext_bench)")
    p.add_argument("--datasets", help="comma list of fashion, fashion-cosine, synthetic, "
                                      "synthetic-cosine (default fashion,synthetic,"
                                      "synthetic-cosine)")
    p.add_argument("--n", type=int, help="synthetic base size (default 200000)")
    p.add_argument("--dim", type=int, help="synthetic dimension (default 128)")
    p.add_argument("--clusters", type=int, help="synthetic clusters (default n / 200, at "
                                                "least 10)")
    p.add_argument("--seed", type=int, default=42, help="synthetic seed (default 42)")
    p.add_argument("--fashion-n", type=int, help="Fashion-MNIST base size (default 60000)")
    p.add_argument("--queries", type=int, help="queries per data set (default 1000)")
    p.add_argument("--ef", help="comma list of ef_search values (default "
                                + ",".join(map(str, DEFAULT_EF)) + ")")
    p.add_argument("--exact-queries", type=int, help="queries of the exact-scan baseline "
                                                     "(default 50)")
    p.add_argument("--inserts", type=int, help="single-row inserts (default 1000)")
    p.add_argument("--insert-seconds", type=float, default=60.0,
                   help="stop the insert run after this many seconds (default 60)")
    p.add_argument("--clients", type=int, default=2, help="clients of the throughput run "
                                                          "(default 2; 1 = skip)")
    p.add_argument("--clients-ef", type=int, default=DEFAULT_CLIENTS_EF,
                   help=f"ef_search of the throughput run (default {DEFAULT_CLIENTS_EF})")
    p.add_argument("--build-workers", default="0,1",
                   help="max_parallel_maintenance_workers values to build with (default 0,1; "
                        "the index of the last one is queried)")
    p.add_argument("--warmup", type=int, help="warm-up queries per ef (default 50)")
    p.add_argument("--runs", type=int, help="passes over the queries per ef; the fastest "
                                            "is reported (default 3; --quick 2)")
    p.add_argument("--no-hnswlib", action="store_true", help="skip hnswlib")
    p.add_argument("--probes", default="1,2,4,8,16,32",
                   help="comma list of ivfflat.probes values; empty: no ivfflat "
                        "(default 1,2,4,8,16,32)")
    p.add_argument("--ivf-lists", type=int, help="ivfflat lists (default sqrt(rows))")
    p.add_argument("--primary-key", action="store_true", help="give the table a primary key")
    p.add_argument("--keep", action="store_true", help="keep the tables")
    p.add_argument("--quick", action="store_true",
                   help="small sizes for a check in a few minutes: fashion 10000, synthetic "
                        "20000 x 64, 200 queries")
    p.add_argument("--concurrency", default=None,
                   help="comma list of client counts for the pgbench throughput run (at "
                        "--clients-ef; default 1,2,4,8,16,32, --quick 1,2,4, --smoke 1,2); "
                        "empty: none")
    p.add_argument("--concurrency-seconds", type=int, default=None,
                   help="seconds of each pgbench run (default 10, --quick 3, --smoke 1)")
    p.add_argument("--no-reference", action="store_true",
                   help="do not measure the reference extension even when it is installed")
    p.add_argument("--smoke", action="store_true",
                   help="tiny self-check of this script (synthetic 2000 x 16, one ef, a few "
                        "queries); output to a temp dir unless --out")
    p.add_argument("--out", help="output directory (default bench/results; --quick: "
                                 "~/.cache/vecext-bench/quick)")
    p.add_argument("--cache-dir", help="ground-truth cache (default ~/.cache/vecext-bench)")
    a = p.parse_args(argv)

    if a.smoke:
        defaults = dict(datasets="synthetic", n=2000, dim=16, fashion_n=2000,
                        queries=20, ef="40", exact_queries=5, inserts=20, warmup=2,
                        runs=1, concurrency="1,2", concurrency_seconds=1)
    elif a.quick:
        defaults = dict(n=20000, dim=64, fashion_n=10000, queries=200, exact_queries=20,
                        inserts=200, warmup=20, runs=2, concurrency="1,2,4",
                        concurrency_seconds=3)
    else:
        defaults = dict(n=200000, dim=128, fashion_n=60000, queries=1000, exact_queries=50,
                        inserts=1000, warmup=50, runs=3, concurrency="1,2,4,8,16,32",
                        concurrency_seconds=10)
    common = dict(datasets="fashion,synthetic,synthetic-cosine",
                  ef=",".join(map(str, DEFAULT_EF)))
    for k, v in {**common, **defaults}.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.clusters is None:
        a.clusters = max(10, a.n // POINTS_PER_CLUSTER)
    a.ef = [int(x) for x in str(a.ef).split(",") if x.strip()]
    a.concurrency = [int(x) for x in str(a.concurrency).split(",") if x.strip()]
    a.probes = [int(x) for x in str(a.probes).split(",") if x.strip()]
    a.build_workers = [int(x) for x in a.build_workers.split(",") if x.strip()]
    a.datasets = [x.strip() for x in a.datasets.split(",") if x.strip()]
    for d in a.datasets:
        if d not in ("fashion", "fashion-cosine", "synthetic", "synthetic-cosine"):
            p.error(f"unknown data set {d}")
    if not a.build_workers:
        p.error("--build-workers needs at least one value")
    return a


def make_dataset(name, args):
    ninsert = args.inserts
    if name.startswith("fashion"):
        metric = "cosine" if name.endswith("cosine") else "l2"
        return load_fashion(metric, args.fashion_n, args.queries, ninsert)
    metric = "cosine" if name.endswith("cosine") else "l2"
    return make_synthetic(metric, args.n, args.dim, args.queries, ninsert, args.seed,
                          args.clusters)


def main(argv):
    args = parse_args(argv)
    tmp = None
    if args.out is None:
        if args.smoke:
            tmp = tempfile.TemporaryDirectory(prefix="vecext-bench-smoke-")
            args.out = tmp.name
        elif args.quick:
            args.out = os.path.join(cache_dir(args), "quick")
        else:
            args.out = os.path.join(BENCH_DIR, "results")
    if args.smoke and args.cache_dir is None:
        if tmp is None:
            tmp = tempfile.TemporaryDirectory(prefix="vecext-bench-smoke-")
        args.cache_dir = os.path.join(tmp.name, "cache")
    os.makedirs(args.out, exist_ok=True)
    if hnswlib is None and not args.no_hnswlib:
        log("hnswlib is not installed (apt-get install python3-hnswlib): no reference figures")

    # (Re)create the benchmark database and the extension in it.
    admin = pg_connect(args.dsn)
    admin.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
    admin.execute(f'CREATE DATABASE "{args.db}"')
    admin.close()
    dsn = psycopg.conninfo.make_conninfo(args.dsn, dbname=args.db)
    conn = pg_connect(dsn)
    conn.execute("CREATE EXTENSION vecext")
    prepare_session(conn)
    run = dict(started=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
               argv=argv, mode="smoke" if args.smoke else "quick" if args.quick else "full",
               machine=machine_info(), settings=settings(conn), git=git_revision(),
               library=installed_library(conn),
               built_by_run_sh=os.environ.get("VECEXT_BENCH_BUILT") == "1",
               vecext_version=conn.execute(
                   "SELECT extversion FROM pg_extension WHERE extname = 'vecext'").fetchone()[0],
               hnsw_available=hnsw_available(conn), summary_ef=[e for e in SUMMARY_EF
                                                                if e in args.ef] or args.ef[:3],
               ef=args.ef, k=K, runs=args.runs, target_recall=TARGET_RECALL,
               hnsw=dict(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION),
               args=vars(args).copy(), datasets=[], notes=[])
    # The reference extension, when installed, in a database of its own:
    # hnsw only (its exact scan is the same seq scan; no ivfflat).
    ref_dsn = None
    if args.smoke or args.no_reference:
        run["reference"] = dict(missing="not asked for")
    else:
        rconn, why = reference_conn(args.dsn, args.db + "_ref", fresh=True)
        if rconn is None:
            run["reference"] = dict(missing=why)
            log(f"reference extension not measured: {why}")
        else:
            run["reference"] = dict(version=rconn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0])
            rconn.close()
            ref_dsn = psycopg.conninfo.make_conninfo(args.dsn, dbname=args.db + "_ref")
            log(f"reference extension: vector {run['reference']['version']}, measured beside")
    ref_args = argparse.Namespace(**{**vars(args), "exact_queries": 0, "probes": []})
    run["load_average_start"] = loadavg()
    run["round_trip"] = round_trip_floor(conn, 200 if args.smoke else 2000)
    log(f"round trip of a trivial prepared statement: p50 "
        f"{run['round_trip']['p50_ms'] * 1e3:.0f} us")
    if not run["hnsw_available"]:
        run["notes"].append("The hnsw access method does not exist in this server: the vecext "
                            "index figures are missing (exact scan and hnswlib only).")
    conn.close()
    log(f"settings: {run['settings']}")

    failed = False
    for name in args.datasets:
        d = None
        try:
            t = time.perf_counter()
            ds = make_dataset(name, args)
            log(f"{ds.name}: {ds.n} x {ds.dim} ({ds.metric}), {len(ds.queries)} queries, "
                f"made in {time.perf_counter() - t:.1f} s")
            gt_ids, gt_dists, gt_path, gt_s = ground_truth(ds, cache_dir(args))
            log(f"{ds.name}: exact top-{GT_K} ground truth " +
                (f"computed in {gt_s:.1f} s, cached in {gt_path}" if gt_s is not None
                 else f"from the cache {gt_path}"))
            d = dict(ds.describe(), ground_truth=gt_path, errors=[])
            run["datasets"].append(d)
            d["vecext"] = {}
            try:
                bench_pg(ds, gt_ids, gt_dists, args, dsn, d["vecext"])
            except Exception as e:
                d["vecext"].setdefault("errors", []).append(f"{type(e).__name__}: {e}")
                traceback.print_exc()
            d["errors"] += [f"vecext: {e}" for e in d["vecext"].pop("errors", [])]
            if ref_dsn is not None:
                d["reference"] = {}
                try:
                    bench_pg(ds, gt_ids, gt_dists, ref_args, ref_dsn, d["reference"],
                             label="reference")
                except Exception as e:
                    d["reference"].setdefault("errors", []).append(f"{type(e).__name__}: {e}")
                    traceback.print_exc()
                d["errors"] += [f"reference: {e}" for e in d["reference"].pop("errors", [])]
            if hnswlib is not None and not args.no_hnswlib:
                d["hnswlib"] = {}
                try:
                    bench_hnswlib(ds, gt_ids, gt_dists, args, d["hnswlib"])
                except Exception as e:
                    d["errors"].append(f"hnswlib: {type(e).__name__}: {e}")
                    traceback.print_exc()
            del ds
        except Exception as e:
            traceback.print_exc()
            if d is None:
                run["datasets"].append(dict(name=name, errors=[f"setup: {e}"], n=0, dim=0,
                                            metric="?"))
            else:
                d["errors"].append(repr(e))
        if run["datasets"][-1]["errors"]:
            failed = True

    run["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    run["load_average_end"] = loadavg()
    try:
        conn = pg_connect(dsn)
        if installed_library(conn) != run["library"]:
            run["notes"].append("vecext.so was replaced while this run went on: figures of "
                                "different data sets may come from different builds.")
        conn.close()
    except Exception as e:
        log(f"could not check the library at the end: {e}")
    # results.json beside the report; every run is also kept in the cache.
    jpath = os.path.join(args.out, "results.json")
    text = json.dumps(run, indent=1)
    with open(jpath, "w") as f:
        f.write(text + "\n")
    if not args.smoke:
        archive = os.path.join(cache_dir(args), "runs")
        os.makedirs(archive, exist_ok=True)
        with open(os.path.join(archive, f"run-{time.strftime('%Y%m%d-%H%M%S')}-"
                                        f"{run['mode']}.json"), "w") as f:
            f.write(text + "\n")
    md = markdown(run)
    mpath = os.path.join(args.out, "results.md")
    with open(mpath, "w") as f:
        f.write(md)
    ppath = os.path.join(args.out, "recall-qps.png")
    plotted = plot(run, ppath)
    if not plotted:
        log("no plot: matplotlib is not installed (apt-get install python3-matplotlib)")
    print()
    print(md)
    log(f"wrote {jpath}, {mpath}" + (f", {ppath}" if plotted else "")
        + (" (a temp dir, now removed)" if tmp is not None and args.out == tmp.name else ""))
    if tmp is not None:
        tmp.cleanup()
    if failed:
        log("FAILED: see the errors above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
