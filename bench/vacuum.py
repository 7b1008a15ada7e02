#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/vacuum.py
#     What deleting 10% of the rows costs an hnsw index (`make bench-vacuum`):
#     recall@k at one ef_search before the delete, after VACUUM and after a
#     REINDEX, and the time of the VACUUM against a serial and a parallel
#     REINDEX.  Two data sets: Fashion-MNIST (60000 x 784, the first test
#     images as queries) and the clustered set of issue 11 (100000 x 128,
#     64 Gaussian clusters of sigma 0.35, then 3000 single-row inserts).
#     Recall is against the exact answer over the rows left, computed here
#     with numpy.
#
#     The reference extension (pgvector, `CREATE EXTENSION vector`) is
#     measured beside vecext, in a database of its own, when the cluster has
#     it installed; otherwise the report says so and measures vecext alone.
#     The tables have autovacuum off: the VACUUM measured is the only one.
#     --smoke (test/run) runs a 5000-row clustered set and checks what it
#     measured (rows gone, recall near its level before the delete).
# ----------------------------------------------------------------------------
import argparse
import json
import os
import sys
import time
import types

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_data import (FASHION_DIR, GT_K, compute_ground_truth, read_idx_images,  # noqa: E402
                        recall_at_k)
from bench_pg import (copy_vectors, pg_connect, prepare_session, reference_conn,  # noqa: E402
                      rel_mb, run_queries, settings, VecParam)


def fashion(nq):
    base = read_idx_images(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz"))
    q = read_idx_images(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"))[:nq]
    return dict(name="fashion", base=base, inserts=np.empty((0, 784), np.float32), queries=q)


def clustered(nq, n=100000, inserts=3000, dim=128):
    """The data of issue 11's vacuum row, seeded."""
    rng = np.random.default_rng(42)
    centres = rng.uniform(-1, 1, (64, dim)).astype(np.float32)

    def points(k):
        return (centres[rng.integers(0, 64, k)] + rng.normal(0, 0.35, (k, dim))).astype(np.float32)
    x = points(n + inserts)
    return dict(name="clustered", base=x[:n], inserts=x[n:], queries=points(nq))


def exact(vecs, ids, queries):
    """The exact ground truth of queries over the rows (ids, vecs) under L2,
    as bench_data computes it: (ids, distances) of the nearest GT_K."""
    ds = types.SimpleNamespace(base=vecs, queries=queries, n=len(vecs), metric="l2")
    idx, dists = compute_ground_truth(ds, min(GT_K, len(vecs)))
    return ids[idx], dists


def recall(conn, table, queries, truth, k, ef):
    """recall@k (bench_data.recall_at_k: ties at the k-th distance count)
    and QPS at ef_search ef."""
    conn.execute(f"SET hnsw.ef_search = {ef}")
    sql = f"SELECT id FROM {table} ORDER BY v <-> %s LIMIT {k}"
    got, lat, wall = run_queries(conn, sql, [VecParam(q) for q in queries])
    return recall_at_k(got, truth[0], truth[1], k), len(queries) / wall


def timed(conn, sql):
    t = time.perf_counter()
    conn.execute(sql)
    return time.perf_counter() - t


def measure(conn, ds, a, label):
    """One system's run on one data set: a dict of figures."""
    prepare_session(conn)
    t, dim = f"vac_{ds['name']}", ds["base"].shape[1]
    conn.execute(f"DROP TABLE IF EXISTS {t}")
    conn.execute(f"CREATE TABLE {t} (id int, v vector({dim})) WITH (autovacuum_enabled = off)")
    copy_vectors(conn, t, np.arange(len(ds["base"]), dtype=np.int32), ds["base"])
    conn.execute(f"VACUUM ANALYZE {t}")
    conn.execute(f"SET max_parallel_maintenance_workers = {a.build_workers}")
    build = timed(conn, f"CREATE INDEX {t}_v ON {t} USING hnsw (v vector_l2_ops)"
                  f" WITH (m = {a.m}, ef_construction = {a.efc})")
    with conn.cursor(binary=True) as cur:
        for i, v in enumerate(ds["inserts"]):
            cur.execute(f"INSERT INTO {t} VALUES (%s, %s)", (len(ds["base"]) + i, VecParam(v)))
    allv = np.concatenate([ds["base"], ds["inserts"]])
    ids = np.arange(len(allv))
    r = dict(system=label, build_s=build, rows=len(allv), index_mb=rel_mb(conn, f"{t}_v"))
    r["recall_before"], r["qps_before"] = recall(
        conn, t, ds["queries"], exact(allv, ids, ds["queries"]), a.k, a.ef)

    keep = ids % 10 != 3
    conn.execute(f"DELETE FROM {t} WHERE id % 10 = 3")
    r["rows_left"] = int(keep.sum())
    truth = exact(allv[keep], ids[keep], ds["queries"])
    # vecext says what each of the vacuum's phases took at DEBUG1
    phases = []
    conn.add_notice_handler(lambda d: phases.append(d.message_primary)
                            if d.message_primary.startswith("hnsw vacuum of") else None)
    conn.execute("SET client_min_messages = debug1")
    r["vacuum_s"] = timed(conn, f"VACUUM {t}")
    conn.execute("RESET client_min_messages")
    r["vacuum_phases"] = phases
    r["recall_vacuum"], r["qps_vacuum"] = recall(conn, t, ds["queries"], truth, a.k, a.ef)
    r["index_mb_vacuum"] = rel_mb(conn, f"{t}_v")
    conn.execute("SET enable_seqscan = off")
    conn.execute("SET hnsw.iterative_scan = relaxed_order")
    r["rows_scanned"] = conn.execute(
        f"SELECT count(*) FROM (SELECT id FROM {t} ORDER BY v <-> %s LIMIT {r['rows']}) x",
        (VecParam(ds["queries"][0]),)).fetchone()[0] if a.smoke else None
    conn.execute("RESET enable_seqscan")
    conn.execute("RESET hnsw.iterative_scan")
    r["reindex_s"] = timed(conn, f"REINDEX INDEX {t}_v")
    r["recall_reindex"], _ = recall(conn, t, ds["queries"], truth, a.k, a.ef)
    conn.execute(f"SET max_parallel_maintenance_workers = {a.workers}")
    r["reindex_parallel_s"] = timed(conn, f"REINDEX INDEX {t}_v")
    r["reindex_workers"] = a.workers
    if not a.keep:
        conn.execute(f"DROP TABLE {t}")
    return r


def report(ds, rows, a):
    print(f"\n{ds['name']}: {rows[0]['rows']} rows x {ds['base'].shape[1]}, hnsw m {a.m}"
          f" ef_construction {a.efc}; 10% deleted (id % 10 = 3); recall@{a.k} at ef_search"
          f" {a.ef} over {len(ds['queries'])} queries")
    print(f"{'system':10} {'build s':>8} {'recall before':>14} {'after VACUUM':>13}"
          f" {'after REINDEX':>14} {'VACUUM s':>9} {'REINDEX s':>10} {'parallel':>9}"
          f" {'x REINDEX':>10} {'x parallel':>11}")
    for r in rows:
        print(f"{r['system']:10} {r['build_s']:8.1f} {r['recall_before']:14.3f}"
              f" {r['recall_vacuum']:13.3f} {r['recall_reindex']:14.3f} {r['vacuum_s']:9.2f}"
              f" {r['reindex_s']:10.2f} {r['reindex_parallel_s']:9.2f}"
              f" {r['reindex_s'] / r['vacuum_s']:10.1f} {r['reindex_parallel_s'] / r['vacuum_s']:11.1f}",
              flush=True)
    for r in rows:
        for ph in r["vacuum_phases"]:
            print(f"  {r['system']}: {ph}")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dsn", default=os.environ.get("VECEXT_BENCH_DSN", ""))
    p.add_argument("--datasets", default="fashion,clustered")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--ef", type=int, default=40)
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--efc", type=int, default=64)
    p.add_argument("--workers", type=int, default=2, help="workers of the parallel REINDEX")
    p.add_argument("--build-workers", type=int, default=0, help="workers of the build")
    p.add_argument("--no-reference", action="store_true", help="measure vecext alone")
    p.add_argument("--keep", action="store_true", help="keep the tables")
    p.add_argument("--out", default=None, help="write the figures (JSON) here")
    p.add_argument("--smoke", action="store_true",
                   help="tiny clustered data, vecext alone, and check the figures")
    a = p.parse_args(argv)
    if a.smoke:
        a.datasets, a.no_reference = "clustered", True

    conn = pg_connect(a.dsn)
    conn.execute("CREATE EXTENSION IF NOT EXISTS vecext")
    ref, why = (None, "not asked for") if a.no_reference else reference_conn(a.dsn)
    print("reference extension:", "measured beside vecext" if ref else f"not measured ({why})")
    out = dict(settings=settings(conn), reference=why if ref is None else "measured", runs=[])
    for name in a.datasets.split(","):
        if a.smoke:
            ds = clustered(50, n=5000, inserts=200, dim=32)
        elif name == "fashion":
            ds = fashion(a.queries)
        else:
            ds = clustered(a.queries)
        rows = [measure(conn, ds, a, "vecext")]
        if ref is not None:
            rows.append(measure(ref, ds, a, "reference"))
        report(ds, rows, a)
        out["runs"].append(dict(dataset=name, queries=len(ds["queries"]), k=a.k, ef=a.ef,
                                m=a.m, ef_construction=a.efc, results=rows))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f, indent=1)
    if a.smoke:
        smoke_check(out["runs"][0]["results"][0])


def smoke_check(r):
    """What --smoke asserts: the index holds what the table does, and the
    vacuum kept the index's recall (no timing)."""
    fails = []
    if r["rows_scanned"] != r["rows_left"]:
        fails.append(f"an index scan returned {r['rows_scanned']} rows of {r['rows_left']}")
    if r["recall_vacuum"] < r["recall_before"] - 0.05:
        fails.append(f"recall fell from {r['recall_before']:.3f} to {r['recall_vacuum']:.3f}")
    if not r["vacuum_phases"]:
        fails.append("the VACUUM reported no hnsw phases at DEBUG1")
    for f in fails:
        print("smoke check failed:", f)
    if fails:
        sys.exit(1)
    print("smoke check passed")


if __name__ == "__main__":
    main(sys.argv[1:])
