#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench_ivf.py
#     The ivfflat part of the benchmark: on the table bench.py loaded (its
#     hnsw index dropped), build an ivfflat index with `lists` lists and
#     measure recall@k and QPS at each ivfflat.probes, the same queries and
#     ground truth as hnsw's.
# ----------------------------------------------------------------------------
import math
import time


def default_lists(n):
    """sqrt(n), the usual choice (245 for 60000 rows, 447 for 200000)."""
    return max(1, int(round(math.sqrt(n))))


def bench_ivfflat(conn, ds, table, opclass, sql, qparams, gt_ids, gt_dists, args, k,
                  run_queries, check_uses_index, recall_at_k, log):
    """Fills and returns a dict: lists, build_s, index_mb, probes rows."""
    lists = args.ivf_lists or default_lists(ds.n)
    index = table + "_ivfflat"
    out = dict(lists=lists, probes=[])
    conn.execute(f"DROP INDEX IF EXISTS {index}")
    create = f"CREATE INDEX {index} ON {table} USING ivfflat (v {opclass}) WITH (lists = {lists})"
    out["create"] = create
    t = time.perf_counter()
    conn.execute(create)
    out["build_s"] = time.perf_counter() - t
    out["index_mb"] = conn.execute("SELECT pg_relation_size(%s::regclass)",
                                   (index,)).fetchone()[0] / 2 ** 20
    log(f"{ds.name}: ivfflat build, lists {lists}: {out['build_s']:.1f} s, "
        f"{out['index_mb']:.1f} MB")
    best = {}
    for r in range(max(1, args.runs)):
        for p in args.probes:
            conn.execute(f"SET ivfflat.probes = {int(p)}")
            if r == 0:
                try:
                    plan = check_uses_index(conn, sql, qparams[0], index)
                except Exception as e:  # the planner preferred another plan
                    if "forced_index" in out:
                        raise
                    conn.execute("SET enable_seqscan = off")
                    plan = check_uses_index(conn, sql, qparams[0], index)
                    out["forced_index"] = (f"the planner did not choose the ivfflat index at "
                                           f"probes {p} ({e}); measured from there on with "
                                           f"enable_seqscan = off")
                    log(f"{ds.name}: WARNING: {out['forced_index']}")
                out.setdefault("plans", {})[p] = plan
                run_queries(conn, sql, qparams[:args.warmup])
            res = run_queries(conn, sql, qparams)
            if p not in best or res[2] < best[p][2]:
                best[p] = res
    for p in args.probes:
        got, lat, wall = best[p]
        lat = sorted(lat)
        row = dict(probes=p, recall=recall_at_k(got, gt_ids, gt_dists, k),
                   qps=len(got) / wall, p50_ms=lat[len(lat) // 2] * 1e3,
                   p99_ms=lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3)
        out["probes"].append(row)
        log(f"{ds.name}: ivfflat probes {p:3d}: recall@{k} {row['recall']:.4f}, "
            f"{row['qps']:8.1f} QPS, p50 {row['p50_ms']:.2f} ms")
    conn.execute("RESET ivfflat.probes")
    conn.execute("RESET enable_seqscan")
    conn.execute(f"DROP INDEX {index}")
    return out


def ivf_markdown(run, k):
    """The report's ivfflat section (lines), empty when none was measured."""
    rows = [(d["name"], (d.get("vecext") or {}).get("ivfflat")) for d in run["datasets"]]
    rows = [(n, i) for n, i in rows if i]
    if not rows:
        return []
    L = ["", "## ivfflat", "",
         f"| data | lists | build s | index MB | hnsw build s | "
         f"probes: recall@{k} / QPS |", "|---|---:|---:|---:|---:|---|"]
    for d in run["datasets"]:
        ivf = (d.get("vecext") or {}).get("ivfflat")
        if not ivf:
            continue
        hnsw = ((d.get("vecext") or {}).get("index") or {}).get("build_s")
        cells = "; ".join(f"{r['probes']}: {r['recall']:.3f} / {r['qps']:.0f}"
                          for r in ivf["probes"])
        L.append(f"| {d['name']} | {ivf['lists']} | {ivf['build_s']:.1f} | "
                 f"{ivf['index_mb']:.1f} | {hnsw:.1f} | {cells} |" if hnsw else
                 f"| {d['name']} | {ivf['lists']} | {ivf['build_s']:.1f} | "
                 f"{ivf['index_mb']:.1f} | — | {cells} |")
    return L
