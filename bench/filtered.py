#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/filtered.py
#     Filtered kNN on Fashion-MNIST (`make bench-filtered`): recall@k, rows
#     returned and latency of `WHERE <filter> ORDER BY v <-> $1 LIMIT k` for
#     filters keeping 10% (the query's own label), 1% and 0.1% (a seeded
#     random column) of the rows, with iterative scans off (the index
#     forced), relaxed_order and strict_order, beside the exact answer
#     (the index disabled) and the plan the planner picks by itself.
#     Recall is against the exact answer computed here with numpy.
# ----------------------------------------------------------------------------
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_data import FASHION_DIR, read_idx_images  # noqa: E402
from bench_pg import copy_vectors, pg_connect, plan_nodes  # noqa: E402


def read_idx_labels(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">ii", raw[:8])
    if magic != 0x801:
        raise ValueError(f"{path}: not an IDX1 uint8 file (magic {magic:#x})")
    return np.frombuffer(raw, dtype=np.uint8, count=n, offset=8).astype(np.int32)


FILTERS = [
    # name, SQL (parameter 2: the query's label), numpy mask of the base
    ("none", "true", lambda d, lab: np.ones(len(d["r"]), dtype=bool)),
    ("10% (label)", "label = %(label)s", lambda d, lab: d["label"] == lab),
    ("1% (r < 10)", "r < 10", lambda d, lab: d["r"] < 10),
    ("0.1% (r = 0)", "r = 0", lambda d, lab: d["r"] == 0),
]
# name, hnsw.iterative_scan, index forced (seq and bitmap scans disabled)
MODES = [
    ("off", "off", False),
    ("relaxed_order", "relaxed_order", False),
    ("relaxed_order", "relaxed_order", True),
    ("strict_order", "strict_order", True),
]
FORCE = "SET enable_seqscan = off; SET enable_bitmapscan = off"


def load(conn, base, labels, r):
    conn.execute("DROP TABLE IF EXISTS fm_filtered")
    conn.execute("CREATE TABLE fm_filtered (id int, v vector(784), label int, r int)")
    conn.execute("CREATE TEMP TABLE fm_load (id int, v vector(784))")
    copy_vectors(conn, "fm_load", np.arange(len(base), dtype=np.int32), base)
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE fm_attr (id int, label int, r int)")
        with cur.copy("COPY fm_attr FROM STDIN") as cp:
            for i in range(len(base)):
                cp.write_row((i, int(labels[i]), int(r[i])))
    conn.execute("INSERT INTO fm_filtered SELECT l.id, l.v, a.label, a.r "
                 "FROM fm_load l JOIN fm_attr a USING (id)")
    t = time.perf_counter()
    conn.execute("CREATE INDEX fm_filtered_v ON fm_filtered USING hnsw (v vector_l2_ops)")
    build = time.perf_counter() - t
    conn.execute("VACUUM ANALYZE fm_filtered")
    return build


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dsn", default=os.environ.get("VECEXT_BENCH_DSN", ""))
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--ef", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", action="store_true", help="keep the table (fm_filtered)")
    p.add_argument("--no-load", action="store_true", help="use the table kept by --keep")
    a = p.parse_args(argv)

    base = read_idx_images(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz"))
    labels = read_idx_labels(os.path.join(FASHION_DIR, "train-labels-idx1-ubyte.gz"))
    queries = read_idx_images(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"))[:a.queries]
    qlabels = read_idx_labels(os.path.join(FASHION_DIR, "t10k-labels-idx1-ubyte.gz"))[:a.queries]
    r = np.random.default_rng(a.seed).integers(0, 1000, len(base)).astype(np.int32)
    data = {"label": labels, "r": r}

    conn = pg_connect(a.dsn)
    # no server-side prepared statements: a cached plan would outlive the
    # settings of the mode it was planned under
    conn.prepare_threshold = None
    conn.execute("CREATE EXTENSION IF NOT EXISTS vecext")
    build = 0.0 if a.no_load else load(conn, base, labels, r)
    print(f"Fashion-MNIST {len(base)} x 784, hnsw m 16 ef_construction 64, built in {build:.1f} s;"
          f" {len(queries)} queries, LIMIT {a.k}, ef_search {a.ef}")
    print(f"{'filter':14} {'iterative':14} {'plan':18} {'rows':>6} {'recall':>7}"
          f" {'p50 ms':>8} {'mean ms':>8}")
    for fname, fsql, fmask in FILTERS:
        sql = (f"SELECT id FROM fm_filtered WHERE {fsql} "
               f"ORDER BY v <-> %(q)s::vector LIMIT {a.k}")
        runs = [("exact", "SET enable_indexscan = off", "exact")]
        for mname, it, forced in MODES:
            setting = f"SET hnsw.iterative_scan = {it}"
            if forced:
                setting += "; " + FORCE
            runs.append((mname, setting, "index forced" if forced else None))
        for mname, setting, plan in runs:
            conn.execute("RESET ALL")
            conn.execute(f"SET hnsw.ef_search = {a.ef}")
            for stmt in setting.split(";"):
                conn.execute(stmt)
            if plan is None:
                q0 = "[" + ",".join(str(float(x)) for x in queries[0]) + "]"
                ex = conn.execute("EXPLAIN (FORMAT JSON) " + sql,
                                  {"q": q0, "label": int(qlabels[0])}).fetchone()[0]
                nodes = plan_nodes(ex[0]["Plan"])
                plan = "planner: hnsw" if any(n.get("Index Name") == "fm_filtered_v"
                                              for n in nodes) else "planner: not hnsw"
            rows, hits, lat = 0, 0, []
            for qi in range(len(queries)):
                q = queries[qi]
                qs = "[" + ",".join(str(float(x)) for x in q) + "]"
                t = time.perf_counter()
                got = [x[0] for x in conn.execute(sql, {"q": qs, "label": int(qlabels[qi])})]
                lat.append(time.perf_counter() - t)
                mask = fmask(data, qlabels[qi])
                ids = np.nonzero(mask)[0]
                d = ((base[ids] - q) ** 2).sum(axis=1)
                want = set(ids[np.argsort(d, kind="stable")[:a.k]].tolist())
                rows += len(got)
                hits += len(want.intersection(got))
            lat_ms = np.array(lat) * 1000
            print(f"{fname:14} {mname:14} {plan:18} {rows / len(queries):6.2f}"
                  f" {hits / (a.k * len(queries)):7.3f} {np.median(lat_ms):8.2f}"
                  f" {lat_ms.mean():8.2f}", flush=True)
    if not a.keep:
        conn.execute("DROP TABLE fm_filtered")


if __name__ == "__main__":
    main(sys.argv[1:])
