#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench_measure.py
#     The measurements of one data set, for bench.py and bench_scale.py:
#     the PostgreSQL side (vecext, and the reference extension in its own
#     database: load, exact scan, hnsw builds, recall/QPS per ef_search,
#     2 clients, pgbench clients, ivfflat, inserts) and the same through
#     hnswlib in this process.  bench.py's header says what each step does.
# ----------------------------------------------------------------------------
import os
import tempfile
import threading
import time

import numpy as np

from bench_data import recall_at_k
from bench_concurrency import run_concurrency
from bench_ivf import bench_ivfflat
from bench_pg import (CheckFailed, VecParam, check_exact_scan, check_uses_index, copy_vectors,
                      hnsw_available, latency_stats, pg_connect, prepare_session, rel_mb,
                      run_queries)

try:
    import hnswlib
except ImportError:  # reported by bench.py, not fatal
    hnswlib = None

K = 10                        # recall@K, LIMIT K
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
EXACT_MIN_RECALL = 0.99       # below this the exact scan disagrees with numpy

METRICS = {
    # metric: (operator, opclass, hnswlib space)
    "l2": ("<->", "vector_l2_ops", "l2"),
    "cosine": ("<=>", "vector_cosine_ops", "cosine"),
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def knn_sql(table, op):
    """The kNN query every Postgres measurement runs (%b: the query vector)."""
    return f"SELECT id FROM {table} ORDER BY v {op} %b LIMIT {K}"


def size_figures(index_mb, n, dim):
    """The index against the vectors' own bytes: raw MB (n x dim x 4), the
    ratio index / raw, and the bytes per row over the raw vector (links,
    headers, free page space)."""
    raw = n * dim * 4
    index = index_mb * 2 ** 20
    return dict(raw_mb=raw / 2 ** 20, index_raw_ratio=index / raw if raw else None,
                overhead_bytes_per_row=(index - raw) / n if n else None)


def hnsw_create(table, index, opclass):
    return (f"CREATE INDEX {index} ON {table} USING hnsw (v {opclass}) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")


def check_ef_setting(conn):
    if conn.execute("SELECT 1 FROM pg_settings WHERE name = 'hnsw.ef_search'").fetchone() is None:
        raise CheckFailed("the hnsw.ef_search setting does not exist (placeholder only)")


def build_index(conn, create, index, workers, notices, name):
    """(Re)build the index with `workers` parallel maintenance workers; a
    dict of the build time, the size and the notices the build raised."""
    conn.execute(f"DROP INDEX IF EXISTS {index}")
    conn.execute(f"SET max_parallel_maintenance_workers = {workers}")
    notices.clear()
    t = time.perf_counter()
    conn.execute(create)
    build_s = time.perf_counter() - t
    conn.execute("RESET max_parallel_maintenance_workers")
    size = conn.execute("SELECT pg_relation_size(%s::regclass)", (index,)).fetchone()[0]
    log(f"{name}: hnsw build with {workers} parallel worker(s): {build_s:.1f} s, "
        f"{size / 2 ** 20:.1f} MB" + (f"; {notices}" if notices else ""))
    return dict(workers=workers, build_s=build_s, index_mb=size / 2 ** 20,
                notices=list(notices))


def measure_ef(conn, name, label, sql, qparams, index, efs, args, gt_ids, gt_dists, idx,
               errors, partner=None):
    """Recall@K, QPS and latency at each ef_search over one connection, the
    plan checked at each ef first: fills idx["ef"] (and idx["plan"], and
    idx["forced_index"] when the planner had to be forced); a short result
    is appended to errors.

    partner, when given, is another system measured in turn with this one
    (the reference: a dict of conn, label, index, idx, errors): each pass
    at each ef runs here, then there, so that the load of a neighbour on a
    shared machine falls on both alike instead of on whichever ran in that
    minute.  Same queries, same SQL."""
    systems = [dict(conn=conn, label=label, index=index, idx=idx, errors=errors)]
    if partner is not None:
        systems.append(partner)
    # Pass r runs every ef in turn before pass r + 1 starts, so that a burst
    # of load from a neighbour cannot spoil all the passes of one ef.
    for sy in systems:
        sy["best"] = {}
    for r in range(max(1, args.runs)):
        for ef in efs:
            for sy in systems:
                p = ef_pass(sy, name, sql, qparams, ef, args, first=r == 0)
                if ef not in sy["best"] or p[2] < sy["best"][ef][2]:
                    sy["best"][ef] = p
    for sy in systems:
        sy["idx"]["ef"] = []
        if partner is not None:
            sy["idx"]["interleaved_with"] = [o["label"] for o in systems if o is not sy]
        for ef in efs:
            out, lat, wall = sy["best"][ef]
            short = sum(1 for r in out if len(r) < K)
            row = dict(ef=ef, recall=recall_at_k(out, gt_ids, gt_dists, K), short_results=short,
                       **latency_stats(lat, wall))
            sy["idx"]["ef"].append(row)
            log(f"{name}: {sy['label']} ef {ef:4d}: recall@{K} {row['recall']:.4f}, "
                f"{row['qps']:8.1f} QPS, p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms")
            if short:
                sy["errors"].append(f"ef {ef}: {short} queries returned fewer than {K} rows")
        sy["conn"].execute("RESET hnsw.ef_search")
        sy["conn"].execute("RESET enable_seqscan")


def ef_pass(sy, name, sql, qparams, ef, args, first):
    """One pass of the queries at ef for one system (see measure_ef); on the
    first pass, the plan is checked and the index warmed up first."""
    conn, idx = sy["conn"], sy["idx"]
    conn.execute(f"SET hnsw.ef_search = {int(ef)}")
    got = conn.execute("SELECT current_setting('hnsw.ef_search')").fetchone()[0]
    if int(got) != ef:
        raise CheckFailed(f"SET hnsw.ef_search = {ef} reads back {got}")
    if first:
        try:
            idx["plan"] = check_uses_index(conn, sql, qparams[0], sy["index"])
        except CheckFailed as e:
            # The planner preferred another plan.  Measure the index
            # with seq scans disabled, and say so loudly.
            if "forced_index" in idx:
                raise
            conn.execute("SET enable_seqscan = off")
            idx["plan"] = check_uses_index(conn, sql, qparams[0], sy["index"])
            idx["forced_index"] = (
                f"the planner did not choose the hnsw index at ef_search {ef} ({e}); "
                f"the index figures from there on were measured with "
                f"enable_seqscan = off")
            log(f"{name}: {sy['label']}: WARNING: {idx['forced_index']}")
        run_queries(conn, sql, qparams[:args.warmup])
    return run_queries(conn, sql, qparams)


def drop_table(conn, table, name):
    """Drop a data set's table, after a failure too: the next data set
    needs the disk.  A server gone away is logged, not raised over the error
    that matters."""
    try:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    except Exception as e:
        log(f"{name}: could not drop {table}: {e}")


# ----------------------------------------------------------------------------
# PostgreSQL side
# ----------------------------------------------------------------------------
def bench_pg(ds, gt_ids, gt_dists, args, dsn, res, label="vecext"):
    """All Postgres measurements of one data set; fills res (a dict).
    label names the extension in the log (the reference runs here too)."""
    table = "bench_" + ds.name.replace("-", "_")
    res["errors"] = []
    conn = pg_connect(dsn)
    try:
        pg_steps(conn, ds, table, gt_ids, gt_dists, args, dsn, res, label)
    finally:
        if not args.keep:
            drop_table(conn, table, ds.name)
        conn.close()


def pg_steps(conn, ds, table, gt_ids, gt_dists, args, dsn, res, label):
    op, opclass, _ = METRICS[ds.metric]
    index = table + "_hnsw"
    qparams = [VecParam(q) for q in ds.queries]
    sql = knn_sql(table, op)
    res["query"] = sql.replace("%b", "$1")
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
        return

    idx = res["index"] = dict(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, builds=[])
    check_ef_setting(conn)
    create = hnsw_create(table, index, opclass)
    idx["create"] = create
    for workers in args.build_workers:
        idx["builds"].append(build_index(conn, create, index, workers, notices, ds.name))
    b0 = idx["builds"][0]
    idx["build_s"] = b0["build_s"]
    idx["build_workers"] = b0["workers"]
    idx["index_mb"] = idx["builds"][-1]["index_mb"]
    idx.update(size_figures(idx["index_mb"], ds.n, ds.dim))

    # -- queries per ef_search ------------------------------------------------
    # (the reference's are measured in turn with vecext's: see run_pair)
    partner = getattr(args, "partner", None)
    if partner is not None:
        partner = dict(partner, index=index, conn=pg_connect(partner["dsn"]))
        prepare_session(partner["conn"])
    if not getattr(args, "measure_later", False):
        try:
            measure_ef(conn, ds.name, label, sql, qparams, index, args.ef, args, gt_ids,
                       gt_dists, idx, res["errors"], partner)
        finally:
            if partner is not None:
                partner["conn"].close()

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
                                             args.concurrency_seconds, log,
                                             forced="forced_index" in idx)

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
    insert_rows(conn, ds, table, index, args, idx)


def insert_rows(conn, ds, table, index, args, idx):
    """Single-row inserts of the data set's insert vectors into the indexed
    table (at most args.inserts of them, args.insert_seconds): idx["inserts"]."""
    if args.inserts <= 0 or not len(ds.inserts):
        return
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


def finish_later(ds, gt_ids, gt_dists, args, dsn, res, label, partner_errors):
    """The end of a system's run whose queries were measured in turn with
    another's (measure_ef's partner): its ef figures when that other run
    did not get to them, its inserts, its table dropped."""
    table = "bench_" + ds.name.replace("-", "_")
    idx = res.get("index")
    res.setdefault("errors", []).extend(partner_errors)
    conn = pg_connect(dsn)
    try:
        prepare_session(conn)
        if idx is not None and "ef" not in idx:
            sql = knn_sql(table, METRICS[ds.metric][0])
            measure_ef(conn, ds.name, label, sql, [VecParam(q) for q in ds.queries],
                       table + "_hnsw", args.ef, args, gt_ids, gt_dists, idx, res["errors"])
        if idx is not None:
            insert_rows(conn, ds, table, table + "_hnsw", args, idx)
    finally:
        drop_table(conn, table, ds.name)
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
            run_queries(conn, sql, order[:args.warmup], alone=n == 1)
        except Exception as e:  # reported by the caller
            errors.append(repr(e))
            barrier.abort()
            return
        try:
            barrier.wait()
            t = time.perf_counter()
            _, lat, wall = run_queries(conn, sql, order, alone=n == 1)
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
def bench_hnswlib(ds, gt_ids, gt_dists, args, res, efs=None, threads=1):
    """hnswlib on the same data: built with `threads` threads (1 beside a
    serial build; bench_scale.py gives it both cores, as the Postgres
    builds there), queried one query at a time on one thread at each ef
    (default args.ef), then the single-row inserts."""
    efs = efs or args.ef
    _, _, space = METRICS[ds.metric]
    index = hnswlib.Index(space=space, dim=ds.dim)
    index.init_index(max_elements=ds.n + min(args.inserts, len(ds.inserts)),
                     ef_construction=HNSW_EF_CONSTRUCTION, M=HNSW_M, random_seed=100)
    index.set_num_threads(threads)
    t = time.perf_counter()
    index.add_items(ds.base, np.arange(ds.n), num_threads=threads)
    res["build_s"] = time.perf_counter() - t
    index.set_num_threads(1)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "index.bin")
        index.save_index(p)
        res["index_mb"] = os.path.getsize(p) / 2 ** 20
    res.update(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, threads=threads,
               **size_figures(res["index_mb"], ds.n, ds.dim))
    log(f"{ds.name}: hnswlib build ({threads} thread{'s' if threads > 1 else ''}) "
        f"{res['build_s']:.1f} s, {res['index_mb']:.1f} MB")
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
        for ef in efs:
            index.set_ef(max(ef, K))
            if r == 0:
                for q in queries[:args.warmup]:
                    index.knn_query(q, k=K, num_threads=1)
            p = one_pass()
            if ef not in best or p[2] < best[ef][2]:
                best[ef] = p
    res["ef"] = []
    for ef in efs:
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
