#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench_scale.py
#     The scale measurement (bench.py's data set `scale`): one seeded
#     clustered Gaussian set, by default 1,000,000 x 128 (l2), measured at
#     its first 100,000 rows and then at all of them, with the same queries
#     and the exact ground truth of each size.  For vecext, the reference
#     extension (when installed) and hnswlib: build time and index size with
#     `SET maintenance_work_mem = '4GB'` and `max_parallel_maintenance_workers
#     = 1` (the leader and one worker: both cores of the benchmark machine;
#     hnswlib builds with as many threads), recall@10 and QPS at ef_search
#     10, 20, 40, 80, 200, 400 (one connection, or one hnswlib thread, one
#     query at a time), and how build time, size and QPS grew from the
#     smaller size to the larger.
#
# Each Postgres system loads one table in steps with binary COPY: the rows
# of the smaller size, measured, its index dropped, then the rest; so both
# sizes are the same rows in the same physical order.  At each size both
# systems load and build first, then their queries are measured in turn
# (bench_measure.measure_ef's partner), as on the other data sets.  No exact scan,
# clients, ivfflat or inserts here: the other data sets measure those.
# ----------------------------------------------------------------------------
import time
import traceback

import numpy as np

from bench_data import ground_truth, make_synthetic
from bench_measure import (HNSW_EF_CONSTRUCTION, HNSW_M, METRICS, bench_hnswlib, build_index,
                           check_ef_setting, drop_table, hnsw_create, knn_sql, log, measure_ef,
                           size_figures)
from bench_pg import (CheckFailed, VecParam, copy_vectors, hnsw_available, pg_connect,
                      prepare_session, rel_mb)
from bench_report import systems_of

SCALE_TABLE = "bench_scale"
COPY_ROWS = 131072            # rows per COPY: the binary stream is built in memory
DEFAULT_SIZES = [100000, 1000000]
DEFAULT_EF = [10, 20, 40, 80, 200, 400]
POINTS_PER_CLUSTER = 200      # as synthetic: clusters = largest size / this


def make_scale(args):
    """The largest size's vectors and the queries; smaller sizes are its head."""
    n = max(args.scale_sizes)
    clusters = args.scale_clusters or max(10, n // POINTS_PER_CLUSTER)
    return make_synthetic("l2", n, args.scale_dim, args.queries, 0, args.seed, clusters,
                          name="scale")


def run_scale(d, args, dsn, ref_dsn, cache, with_hnswlib):
    """Fills d (already in the run's list, with an errors list): the data
    set's description, d["by_rows"] (one entry per size, with each system's
    figures), d["growth"], and d["vecext"], d["reference"], d["hnswlib"] =
    the largest size's, which stand for the data set in the report's common
    tables and plot."""
    sizes = args.scale_sizes
    t = time.perf_counter()
    full = make_scale(args)
    log(f"scale: {full.n} x {full.dim} ({full.metric}), {len(full.queries)} queries, "
        f"made in {time.perf_counter() - t:.1f} s; measured at {sizes} rows")
    errors = d["errors"]
    d.update(full.describe(), kind="scale", sizes=sizes, ef=args.scale_ef,
             build=dict(maintenance_work_mem=args.scale_maintenance_work_mem,
                        max_parallel_maintenance_workers=args.scale_workers,
                        hnswlib_threads=args.scale_workers + 1))
    steps = d["by_rows"] = []
    truths = []
    for n in sizes:
        ds = full.head(n)
        gt_ids, gt_dists, path, gt_s = ground_truth(ds, cache)
        log(f"scale {n}: exact ground truth " +
            (f"computed in {gt_s:.1f} s, cached in {path}" if gt_s is not None
             else f"from the cache {path}"))
        truths.append((gt_ids, gt_dists))
        steps.append(dict(rows=n, raw_mb=ds.raw_mb, ground_truth=path))
    d["ground_truth"] = steps[-1]["ground_truth"]

    systems = [("vecext", dsn)] + ([("reference", ref_dsn)] if ref_dsn else [])
    gens = [(label, scale_pg(full, args, sdsn, steps, label)) for label, sdsn in systems]
    try:
        for step, (gt_ids, gt_dists) in zip(steps, truths):
            ready = [sy for sy in (advance(g, label, errors) for label, g in gens)
                     if sy is not None]
            if not ready:
                continue
            # Measured in turn, as bench.py's other data sets: each pass at
            # each ef on vecext, then on the reference.
            a = ready[0]
            try:
                measure_ef(a["conn"], f"scale {step['rows']}", a["label"], a["sql"],
                           a["qparams"], a["index"], args.scale_ef, args, gt_ids, gt_dists,
                           a["idx"], a["errors"], ready[1] if len(ready) > 1 else None)
            except Exception as e:
                for sy in ready:
                    sy["errors"].append(f"{type(e).__name__}: {e}")
                traceback.print_exc()
                break
    finally:
        for _, g in gens:
            g.close()
    for label, _ in systems:
        for step in steps:
            errors.extend(f"{label} at {step['rows']} rows: {e}"
                          for e in (step.get(label) or {}).pop("errors", []))

    if with_hnswlib:
        threads = args.scale_workers + 1
        for step, (gt_ids, gt_dists) in zip(steps, truths):
            res = step["hnswlib"] = {}
            try:
                bench_hnswlib(full.head(step["rows"]), gt_ids, gt_dists, args, res,
                              efs=args.scale_ef, threads=threads)
            except Exception as e:
                errors.append(f"hnswlib at {step['rows']} rows: {type(e).__name__}: {e}")
                traceback.print_exc()
                break

    for name in ("vecext", "reference", "hnswlib"):
        if name in steps[-1]:
            d[name] = steps[-1][name]
    d["growth"] = growth(steps)
    for name, g in d["growth"].items():
        log(f"scale: {name} {g['from_rows']} -> {g['to_rows']} rows: build time "
            f"x{g['build_ratio']:.2f}, QPS " +
            ", ".join(f"x{e['qps_ratio']:.2f} at ef {e['ef']}" for e in g["ef"]))


def advance(gen, label, errors):
    """The next step of a system's generator (scale_pg): what measure_ef
    needs, or None when it has no more steps, no index, or failed."""
    try:
        return next(gen, None)
    except Exception as e:
        errors.append(f"{label}: {type(e).__name__}: {e}")
        traceback.print_exc()
        return None


def scale_pg(full, args, dsn, steps, label):
    """One system's steps, into steps[i][label], as a generator: for each
    size, load the rows up to it and build, then yield what measure_ef needs
    for this system (conn, label, index, idx, errors, sql, qparams), or
    None when the server has no hnsw; the next step drops the index first
    (the last goes with the table, or stays with it under --keep).
    A failure is recorded in that size's errors and ends this system's run:
    the table is then in no known state.  Closing the generator drops the
    table (unless --keep) and the connection."""
    op, opclass, _ = METRICS[full.metric]
    table = SCALE_TABLE
    index = table + "_hnsw"
    qparams = [VecParam(q) for q in full.queries]
    sql = knn_sql(table, op)
    create = hnsw_create(table, index, opclass)
    conn = pg_connect(dsn)
    notices = []
    conn.add_notice_handler(lambda d: notices.append(f"{d.severity}: {d.message_primary}"))
    try:
        prepare_session(conn)
        # The build memory, for this session only (run.sh's server
        # has 2GB); a server that will not take it fails here, not later.
        conn.execute(f"SET maintenance_work_mem = '{args.scale_maintenance_work_mem}'")
        mwm = conn.execute("SHOW maintenance_work_mem").fetchone()[0]
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (id int4, v vector({full.dim}))")
        have_hnsw = hnsw_available(conn)
        if have_hnsw:
            check_ef_setting(conn)
        loaded, load_s, built = 0, 0.0, False
        for step in steps:
            n = step["rows"]
            name = f"scale {n}"
            res = step[label] = dict(query=sql.replace("%b", "$1"), errors=[])
            try:
                if built:
                    conn.execute(f"DROP INDEX {index}")
                    built = False
                t = time.perf_counter()
                for lo in range(loaded, n, COPY_ROWS):
                    hi = min(n, lo + COPY_ROWS)
                    copy_vectors(conn, table, np.arange(lo, hi, dtype=np.int32), full.base[lo:hi])
                load_s += time.perf_counter() - t
                loaded = n
                res["load_s"] = load_s      # COPY seconds of all the rows so far
                t = time.perf_counter()
                conn.execute(f"VACUUM (ANALYZE) {table}")
                res["vacuum_analyze_s"] = time.perf_counter() - t
                res["table_mb"] = rel_mb(conn, table)
                count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if count != n:
                    raise CheckFailed(f"loaded {count} rows, expected {n}")
                log(f"{name}: {label}: {n} rows loaded, {load_s:.1f} s of binary COPY in all, "
                    f"table {res['table_mb']:.1f} MB")
                if not have_hnsw:
                    res["index"] = None
                    res["index_missing"] = ("the hnsw access method does not exist in this "
                                            "server: no index figures")
                    yield None
                    continue
                idx = res["index"] = dict(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION,
                                          create=create, maintenance_work_mem=mwm, builds=[])
                b = build_index(conn, create, index, args.scale_workers, notices,
                                f"{name}: {label}")
                idx["builds"].append(b)
                idx.update(build_s=b["build_s"], build_workers=b["workers"],
                           index_mb=b["index_mb"], **size_figures(b["index_mb"], n, full.dim))
            except Exception as e:
                res["errors"].append(f"{type(e).__name__}: {e}")
                traceback.print_exc()
                break
            built = True
            yield dict(conn=conn, label=label, index=index, idx=idx, errors=res["errors"],
                       sql=sql, qparams=qparams)
    finally:
        if not args.keep:
            drop_table(conn, table, "scale")
        conn.close()


def growth(steps):
    """Per system, the ratios from the smallest size to the largest: rows,
    build time, index size and QPS at each ef (recall at both ends)."""
    if len(steps) < 2:
        return {}
    a, b = steps[0], steps[-1]
    fa = {name: (build, size, rows) for name, build, size, rows, _ in systems_of(a)}
    fb = {name: (build, size, rows) for name, build, size, rows, _ in systems_of(b)}
    out = {}
    for name in fa:
        if name not in fb or not fa[name][0] or not fb[name][0]:
            continue
        (ba, sa, ra), (bb, sb, rb) = fa[name], fb[name]
        g = dict(from_rows=a["rows"], to_rows=b["rows"], rows_ratio=b["rows"] / a["rows"],
                 build_ratio=bb / ba, index_mb_ratio=sb / sa if sa and sb else None, ef=[])
        at_b = {r["ef"]: r for r in rb or []}
        for r in ra or []:
            if r["ef"] in at_b and r["qps"] and at_b[r["ef"]]["qps"]:
                g["ef"].append(dict(ef=r["ef"], qps_ratio=at_b[r["ef"]]["qps"] / r["qps"],
                                    recall_from=r["recall"], recall_to=at_b[r["ef"]]["recall"]))
        out[name] = g
    return out
