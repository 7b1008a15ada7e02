#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench.py
#     The vecext benchmark: recall, speed, size and build time of the hnsw
#     index, beside hnswlib run on the same data in the same process.
#
# For each data set (Fashion-MNIST; a seeded clustered-Gaussian synthetic set;
# `wide`, the same generator at 1536 dimensions; and the synthetic set's
# cosine variant) it:
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
# The data set `scale` is measured apart (bench_scale.py): 1,000,000 x 128
# clustered rows and their first 100,000, builds with 4GB of
# maintenance_work_mem on both cores, recall/QPS per ef and the growth from
# the one size to the other, for the three systems.
# Every data set's figures state the raw vector bytes (rows x dims x 4) and
# the index size over them.
# It writes one JSON file per run, a markdown report and a recall-vs-QPS plot.
# Steps 2 to 8: bench_measure.py; data sets and ground truth: bench_data.py;
# report and plot: bench_report.py; the PostgreSQL helpers (wire format, plan
# checks, query runs): bench_pg.py; ivfflat: bench_ivf.py.
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
import time
import traceback

import numpy as np
import psycopg

sys.dont_write_bytecode = True    # no __pycache__ in the checkout
from bench_data import GT_K, ground_truth, load_fashion, make_synthetic  # noqa: E402
from bench_report import markdown, plot  # noqa: E402
from bench_measure import (HNSW_EF_CONSTRUCTION, HNSW_M, K, bench_hnswlib,  # noqa: E402
                           bench_pg, finish_later, hnswlib, log)
from bench_pg import (hnsw_available, loadavg, pg_connect, prepare_session,  # noqa: E402
                      reference_conn, round_trip_floor, settings, set_client,
                      client_name, native_loop)
import bench_scale  # noqa: E402
from bench_concurrency import run_floor  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)

DEFAULT_EF = [10, 20, 40, 80, 120, 200, 400]
SUMMARY_EF = [10, 40, 200]   # columns of the summary table
TARGET_RECALL = 0.95
DEFAULT_CLIENTS_EF = 40       # ef_search of the 2-client throughput run
POINTS_PER_CLUSTER = 200      # synthetic, wide: clusters = n / this
DATASETS = ["fashion", "fashion-cosine", "synthetic", "synthetic-cosine", "wide", "scale"]
DEFAULT_DATASETS = "fashion,synthetic,wide,scale,synthetic-cosine"
WIDE_DIM = 1536               # the width of common text-embedding models


def cache_dir(args):
    d = args.cache_dir or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vecext-bench")
    os.makedirs(d, exist_ok=True)
    return d


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
    p.add_argument("--datasets", help="comma list of " + ", ".join(DATASETS) +
                                      f" (default {DEFAULT_DATASETS}; --smoke "
                                      f"synthetic,wide,scale)")
    p.add_argument("--n", type=int, help="synthetic base size (default 200000)")
    p.add_argument("--dim", type=int, help="synthetic dimension (default 128)")
    p.add_argument("--clusters", type=int, help="synthetic clusters (default n / 200, at "
                                                "least 10)")
    p.add_argument("--seed", type=int, default=42, help="synthetic seed (default 42)")
    p.add_argument("--fashion-n", type=int, help="Fashion-MNIST base size (default 60000)")
    p.add_argument("--wide-n", type=int, help="wide (clustered, as synthetic) base size "
                                              "(default 20000, --quick 5000, --smoke 500)")
    p.add_argument("--wide-dim", type=int, default=WIDE_DIM,
                   help=f"wide dimension (default {WIDE_DIM})")
    p.add_argument("--scale-sizes", help="comma list of the scale data set's sizes: the "
                                         "largest is generated, the others are its first rows "
                                         "(default 100000,1000000; --quick 10000,100000; "
                                         "--smoke 2000,20000)")
    p.add_argument("--scale-dim", type=int, help="scale dimension (default 128, --smoke 16)")
    p.add_argument("--scale-clusters", type=int, help="scale clusters (default largest size "
                                                      "/ 200, at least 10)")
    p.add_argument("--scale-ef", help="comma list of ef_search values at scale (default " +
                                      ",".join(map(str, bench_scale.DEFAULT_EF)) +
                                      "; --smoke 10,40)")
    p.add_argument("--scale-maintenance-work-mem", default="4GB",
                   help="maintenance_work_mem SET for the scale builds (default 4GB)")
    p.add_argument("--scale-workers", type=int, default=1,
                   help="max_parallel_maintenance_workers of the scale builds (default 1: "
                        "the leader and one worker; hnswlib builds with this + 1 threads)")
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
    p.add_argument("--client", choices=("native", "psycopg"), default="native",
                   help="the loop that runs the timed queries: native (default; bench/knnloop.c "
                        "on libpq, built here with cc) or psycopg")
    p.add_argument("--client-wait", choices=("spin", "sleep"), default="spin",
                   help="how the C loop waits for each answer when one client runs: spin "
                        "(default; polls its socket, so a vCPU's wake-up is not timed) or "
                        "sleep (in poll(), as most applications)")
    p.add_argument("--no-hnswlib", action="store_true", help="skip hnswlib")
    p.add_argument("--probes", default="1,2,4,8,16,32",
                   help="comma list of ivfflat.probes values; empty: no ivfflat "
                        "(default 1,2,4,8,16,32)")
    p.add_argument("--ivf-lists", type=int, help="ivfflat lists (default sqrt(rows))")
    p.add_argument("--primary-key", action="store_true", help="give the table a primary key")
    p.add_argument("--keep", action="store_true", help="keep the tables")
    p.add_argument("--quick", action="store_true",
                   help="small sizes for a check in a few minutes: fashion 10000, synthetic "
                        "20000 x 64, wide 5000, scale 10000 and 100000 rows, 200 queries")
    p.add_argument("--concurrency", default=None,
                   help="comma list of client counts for the pgbench throughput run (at "
                        "--clients-ef; default 1,2,4,8,16,32, --quick 1,2,4, --smoke 1,2); "
                        "empty: none")
    p.add_argument("--concurrency-seconds", type=int, default=None,
                   help="seconds of each pgbench run (default 10, --quick 3, --smoke 1)")
    p.add_argument("--no-reference", action="store_true",
                   help="do not measure the reference extension even when it is installed")
    p.add_argument("--smoke", action="store_true",
                   help="tiny self-check of this script (synthetic 2000 x 16, wide 500 x "
                        f"{WIDE_DIM}, scale 2000 and 20000 x 16, one ef (scale: two), a few "
                        "queries); output to a temp dir unless --out")
    p.add_argument("--out", help="output directory (default bench/results; --quick: "
                                 "~/.cache/vecext-bench/quick)")
    p.add_argument("--cache-dir", help="ground-truth cache (default ~/.cache/vecext-bench)")
    a = p.parse_args(argv)

    if a.smoke:
        defaults = dict(datasets="synthetic,wide,scale", n=2000, dim=16, fashion_n=2000,
                        wide_n=500, scale_sizes="2000,20000", scale_dim=16, scale_ef="10,40",
                        queries=20, ef="40", exact_queries=5, inserts=20, warmup=2,
                        runs=1, concurrency="1,2", concurrency_seconds=1)
    elif a.quick:
        defaults = dict(n=20000, dim=64, fashion_n=10000, wide_n=5000,
                        scale_sizes="10000,100000", queries=200, exact_queries=20,
                        inserts=200, warmup=20, runs=2, concurrency="1,2,4",
                        concurrency_seconds=3)
    else:
        defaults = dict(n=200000, dim=128, fashion_n=60000, wide_n=20000,
                        queries=1000, exact_queries=50,
                        inserts=1000, warmup=50, runs=3, concurrency="1,2,4,8,16,32",
                        concurrency_seconds=10)
    common = dict(datasets=DEFAULT_DATASETS, ef=",".join(map(str, DEFAULT_EF)),
                  scale_sizes=",".join(map(str, bench_scale.DEFAULT_SIZES)), scale_dim=128,
                  scale_ef=",".join(map(str, bench_scale.DEFAULT_EF)))
    for k, v in {**common, **defaults}.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.clusters is None:
        a.clusters = max(10, a.n // POINTS_PER_CLUSTER)
    a.ef = [int(x) for x in str(a.ef).split(",") if x.strip()]
    a.concurrency = [int(x) for x in str(a.concurrency).split(",") if x.strip()]
    a.probes = [int(x) for x in str(a.probes).split(",") if x.strip()]
    a.build_workers = [int(x) for x in a.build_workers.split(",") if x.strip()]
    a.scale_ef = [int(x) for x in str(a.scale_ef).split(",") if x.strip()]
    a.scale_sizes = sorted({int(x) for x in str(a.scale_sizes).split(",") if x.strip()})
    a.datasets = [x.strip() for x in a.datasets.split(",") if x.strip()]
    for d in a.datasets:
        if d not in DATASETS:
            p.error(f"unknown data set {d}")
    if not a.build_workers:
        p.error("--build-workers needs at least one value")
    if "scale" in a.datasets and (not a.scale_sizes or a.scale_sizes[0] < K or not a.scale_ef):
        p.error(f"--scale-sizes needs sizes of at least {K} rows, --scale-ef a value")
    return a


def make_dataset(name, args):
    ninsert = args.inserts
    if name.startswith("fashion"):
        metric = "cosine" if name.endswith("cosine") else "l2"
        return load_fashion(metric, args.fashion_n, args.queries, ninsert)
    if name == "wide":
        return make_synthetic("l2", args.wide_n, args.wide_dim, args.queries, ninsert,
                              args.seed, max(10, args.wide_n // POINTS_PER_CLUSTER), name="wide")
    metric = "cosine" if name.endswith("cosine") else "l2"
    return make_synthetic(metric, args.n, args.dim, args.queries, ninsert, args.seed,
                          args.clusters)


def run_dataset(name, args, dsn, ref_dsn, ref_args, datasets):
    """Measure one data set with every system; its dict is appended to
    datasets first, so that what was measured before a failure is kept, and
    every failure lands in its errors."""
    d = None
    try:
        if name == "scale":
            d = dict(name=name, errors=[], n=0, dim=0, metric="l2")
            datasets.append(d)
            bench_scale.run_scale(d, args, dsn, ref_dsn, cache_dir(args),
                                  hnswlib is not None and not args.no_hnswlib)
            return
        t = time.perf_counter()
        ds = make_dataset(name, args)
        log(f"{ds.name}: {ds.n} x {ds.dim} ({ds.metric}), {len(ds.queries)} queries, "
            f"made in {time.perf_counter() - t:.1f} s")
        gt_ids, gt_dists, gt_path, gt_s = ground_truth(ds, cache_dir(args))
        log(f"{ds.name}: exact top-{GT_K} ground truth " +
            (f"computed in {gt_s:.1f} s, cached in {gt_path}" if gt_s is not None
             else f"from the cache {gt_path}"))
        d = dict(ds.describe(), ground_truth=gt_path, errors=[])
        datasets.append(d)
        # The reference first, kept, its queries measured in turn with
        # vecext's (bench_measure.measure_ef's partner), its inserts after.
        vargs = args
        if ref_dsn is not None:
            d["reference"] = {}
            rargs = argparse.Namespace(**{**vars(ref_args), "keep": True,
                                          "measure_later": True, "inserts": 0})
            try:
                bench_pg(ds, gt_ids, gt_dists, rargs, ref_dsn, d["reference"],
                         label="reference")
            except Exception as e:
                d["reference"].setdefault("errors", []).append(f"{type(e).__name__}: {e}")
                traceback.print_exc()
            partner_errors = []
            if d["reference"].get("index"):
                vargs = argparse.Namespace(**{**vars(args), "partner": dict(
                    dsn=ref_dsn, label="reference", idx=d["reference"]["index"],
                    errors=partner_errors)})
        d["vecext"] = {}
        try:
            bench_pg(ds, gt_ids, gt_dists, vargs, dsn, d["vecext"])
        except Exception as e:
            d["vecext"].setdefault("errors", []).append(f"{type(e).__name__}: {e}")
            traceback.print_exc()
        d["errors"] += [f"vecext: {e}" for e in d["vecext"].pop("errors", [])]
        if ref_dsn is not None:
            try:
                finish_later(ds, gt_ids, gt_dists, ref_args, ref_dsn, d["reference"],
                             "reference", partner_errors)
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
    except Exception as e:
        traceback.print_exc()
        if d is None:
            datasets.append(dict(name=name, errors=[f"setup: {e}"], n=0, dim=0, metric="?"))
        else:
            d["errors"].append(repr(e))


def main(argv):
    args = parse_args(argv)
    set_client(args.client, args.client_wait)
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
               huge_pages=os.environ.get("VECEXT_BENCH_HUGE_PAGES",
                                         "not set up (bench.py run without bench/run.sh)"),
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
    run["client"] = client_name()
    log(f"queries measured through: {run['client']}")
    run["round_trip"] = round_trip_floor(conn, 200 if args.smoke else 2000)
    log(f"round trip of a trivial prepared statement: p50 "
        f"{run['round_trip']['p50_ms'] * 1e3:.0f} us")
    if args.client == "native" and native_loop() is not None:
        set_client("psycopg")
        run["round_trip_psycopg"] = round_trip_floor(conn, 200 if args.smoke else 2000)
        set_client("native")
        log(f"the same through psycopg: p50 "
            f"{run['round_trip_psycopg']['p50_ms'] * 1e3:.0f} us")
        other = "sleep" if args.client_wait == "spin" else "spin"
        set_client("native", other)
        run["round_trip_" + other] = round_trip_floor(conn, 200 if args.smoke else 2000)
        set_client("native", args.client_wait)
        log(f"the same with the client's wait {other}: p50 "
            f"{run['round_trip_' + other]['p50_ms'] * 1e3:.0f} us")
    if args.concurrency:
        run["concurrency_floor"] = run_floor(conn, args.dsn, args.concurrency,
                                             args.concurrency_seconds, log)
    if not run["hnsw_available"]:
        run["notes"].append("The hnsw access method does not exist in this server: the vecext "
                            "index figures are missing (exact scan and hnswlib only).")
    conn.close()
    log(f"settings: {run['settings']}")

    failed = False
    for name in args.datasets:
        t = time.perf_counter()
        run_dataset(name, args, dsn, ref_dsn, ref_args, run["datasets"])
        d = run["datasets"][-1]
        d["seconds"] = time.perf_counter() - t   # what the data set adds to a run
        if d["errors"]:
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
