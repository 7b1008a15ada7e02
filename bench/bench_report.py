#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench_report.py
#     The markdown report and the recall-vs-QPS plot of one benchmark run,
#     made from the run's results.json alone, so that either can be redone:
#         /usr/bin/python3 bench/bench_report.py bench/results/results.json
# ----------------------------------------------------------------------------
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_ivf import ivf_markdown  # noqa: E402


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def cell(row):
    if row is None:
        return "—"
    return f"{row['recall']:.3f} / {row['qps']:.0f}"


def first_reaching(rows, target):
    for r in rows or []:
        if r["recall"] >= target:
            return r
    return None


def systems_of(d):
    """(system name, build s, index MB, per-ef rows) for one data set."""
    out = []
    pg = d.get("vecext") or {}
    idx = pg.get("index")
    out.append(("vecext", idx.get("build_s") if idx else None,
                idx.get("index_mb") if idx else None, idx.get("ef") if idx else None))
    r = (d.get("reference") or {}).get("index")
    if r:
        out.append(("reference", r.get("build_s"), r.get("index_mb"), r.get("ef")))
    h = d.get("hnswlib")
    if h:
        out.append(("hnswlib", h.get("build_s"), h.get("index_mb"), h.get("ef")))
    return out


def by_ef(rows, ef):
    for r in rows or []:
        if r["ef"] == ef:
            return r
    return None


def library(run):
    """Which vecext build ran: built from the checkout by run.sh, or an
    installed library used as is (then the checkout's revision may differ)."""
    lib = run.get("library") or {}
    so = f"vecext.so sha1 {lib['sha1']}, {lib['mtime']}" if "sha1" in lib else None
    if run.get("built_by_run_sh"):
        text = f"built by run.sh from git {run.get('git')}"
    else:
        text = f"the installed library; checkout at git {run.get('git')}"
    return text + (f"; {so}" if so else "")


def markdown(run):
    """The report of one run (the dict written to results.json)."""
    L = []
    m = run["machine"]
    s = run["settings"]
    K = run["k"]
    hnsw = run.get("hnsw") or {"m": 16, "ef_construction": 64}
    hm, hefc = hnsw["m"], hnsw["ef_construction"]
    target = run.get("target_recall", 0.95)
    workers = (run.get("args") or {}).get("build_workers") or [0, 1]
    L.append(f"# vecext benchmark — {run['started']}")
    L.append("")
    L.append(f"Machine: {m.get('cpu', '?')}, {m.get('cores')} cores, {m.get('memory_gb')} GB, "
             f"Debian {m.get('debian', '?')}, Linux {m.get('kernel')}. "
             f"PostgreSQL {s.get('server_version')}, vecext {run.get('vecext_version')} "
             f"({library(run)}), hnswlib {m.get('hnswlib')}, numpy {m.get('numpy')}, "
             f"psycopg {m.get('psycopg')}, Python {m.get('python')}.")
    L.append("")
    L.append("Settings: " + ", ".join(f"{k}={v}" for k, v in s.items()
                                       if k != "server_version") + ".")
    L.append("")
    L.append(f"Index: hnsw m={hm}, ef_construction={hefc}; hnswlib M={hm}, "
             f"ef_construction={hefc}, one thread. Queries: one connection, "
             f"prepared `ORDER BY v <op> $1 LIMIT {K}` (EXPLAIN checked: the index is used); "
             f"hnswlib `knn_query` one query at a time, k={K}. Recall@{K} against exact "
             f"ground truth (ties at the {K}th distance count as hits). "
             f"QPS and latency: the fastest of {run['runs']} pass(es) over the queries "
             f"(passes interleaved across ef values). "
             f"Cells: recall@{K} / QPS. \"build s\" is the build with "
             f"max_parallel_maintenance_workers={workers[0]} for vecext, one thread for "
             f"hnswlib.")
    ref = run.get("reference") or {}
    L.append("")
    L.append(f"Reference extension (pgvector): vector {ref['version']}, same cluster, data, "
             f"settings and queries, in a database of its own; its rows are \"reference\"."
             if "version" in ref else
             f"Reference extension (pgvector): not measured ({ref.get('missing', 'no record')}).")
    rt = run.get("round_trip")
    if rt:
        L.append("")
        L.append(f"Floor under every vecext latency: a trivial prepared statement "
                 f"(`SELECT $1::int4`) over the same connection takes p50 "
                 f"{rt['p50_ms'] * 1e3:.0f} µs ({rt['qps']:.0f} per second). "
                 f"Load average (1/5/15 min) at start {run.get('load_average_start')}, "
                 f"at end {run.get('load_average_end')}: the machine is shared, so compare "
                 f"figures of one run, not across runs.")
    for note in run.get("notes", []):
        L.append("")
        L.append(f"**{note}**")
    L.append("")
    L.append("| data | system | build s | index MB | " +
             " | ".join(f"ef {e}" for e in run["summary_ef"]) + " |")
    L.append("|---|---|---:|---:|" + "---:|" * len(run["summary_ef"]))
    for d in run["datasets"]:
        for name, build, size, rows in systems_of(d):
            L.append(f"| {d['name']} | {name} | {fmt(build, '.1f')} | {fmt(size, '.1f')} | " +
                     " | ".join(cell(by_ef(rows, e)) for e in run["summary_ef"]) + " |")
    L.append("")
    for d in run["datasets"]:
        sy = {name: (build, rows) for name, build, _, rows in systems_of(d)}
        parts = []
        firsts = {}
        for name in ("vecext", "reference", "hnswlib"):
            if name not in sy:
                continue
            r = first_reaching(sy[name][1], target)
            firsts[name] = r
            parts.append(f"{name} " + (f"ef {r['ef']} ({r['recall']:.3f}, {r['qps']:.0f} QPS)"
                                       if r else "none" if sy[name][1] else "—"))
        line = (f"- **{d['name']}**: first ef reaching recall@{K} ≥ {target}: "
                + "; ".join(parts))
        a, b, c = firsts.get("vecext"), firsts.get("hnswlib"), firsts.get("reference")
        if a and c:
            line += f"; QPS ratio vecext/reference {a['qps'] / c['qps']:.2f}"
        if a and b:
            line += f"; QPS ratio vecext/hnswlib {a['qps'] / b['qps']:.2f}"
        bv, bh = sy.get("vecext", (None,))[0], sy.get("hnswlib", (None,))[0]
        if bv and bh:
            line += f"; build-time ratio vecext/hnswlib {bv / bh:.2f}"
        L.append(line)
    L.append("")
    L.append("## Per ef_search")
    L.append("")
    L.append(f"| data | system | ef | recall@{K} | QPS | p50 ms | p99 ms |")
    L.append("|---|---|---:|---:|---:|---:|---:|")
    for d in run["datasets"]:
        for name, _, _, rows in systems_of(d):
            for r in rows or []:
                L.append(f"| {d['name']} | {name} | {r['ef']} | {r['recall']:.4f} | "
                         f"{r['qps']:.1f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} |")
    L.append("")
    conc = [(d, name, ((d.get(key) or {}).get("index") or {}).get("concurrency"))
            for d in run["datasets"] for name, key in (("vecext", "vecext"),
                                                       ("reference", "reference"))]
    conc = [c for c in conc if c[2]]
    if conc:
        counts = sorted({r["clients"] for _, _, rows in conc for r in rows})
        L.append(f"## Clients (pgbench, prepared, one kNN query per transaction, "
                 f"ef_search {(run.get('args') or {}).get('clients_ef')}): QPS")
        L.append("")
        L.append("| data | system | " + " | ".join(f"{c}" for c in counts) + " |")
        L.append("|---|---|" + "---:|" * len(counts))
        for d, name, rows in conc:
            by = {r["clients"]: r for r in rows}
            L.append(f"| {d['name']} | {name} | " +
                     " | ".join(f"{by[c]['qps']:.0f}" if c in by else "—" for c in counts) + " |")
        L.append("")
    L.append("## Load, build, exact scan, clients, inserts (vecext)")
    L.append("")
    wcols = [f"build s, {w} worker{'' if w == 1 else 's'}" for w in workers]
    L.append("| data | n × dim | load s (COPY) | table MB | " + " | ".join(wcols) +
             " | index MB | exact scan QPS (recall) | "
             "2-client QPS (ef) | inserts/s | hnswlib inserts/s |")
    L.append("|---|---|---:|---:|" + "---:|" * len(wcols) + "---:|---:|---:|---:|---:|")
    for d in run["datasets"]:
        pg = d.get("vecext") or {}
        idx = pg.get("index") or {}
        builds = {b["workers"]: b["build_s"] for b in idx.get("builds", [])}
        ex = pg.get("exact")
        cl = idx.get("clients")
        ins = idx.get("inserts")
        hins = (d.get("hnswlib") or {}).get("inserts")
        L.append(
            f"| {d['name']} | {d['n']} × {d['dim']} | {fmt(pg.get('load_s'), '.1f')} | "
            f"{fmt(pg.get('table_mb'), '.0f')} | "
            + " | ".join(fmt(builds.get(w), '.1f') for w in workers) + " | "
            f"{fmt(idx.get('index_mb'), '.1f')} | "
            + (f"{ex['qps']:.2f} ({ex['recall']:.3f}, {ex['queries']} q)" if ex else "—") + " | "
            + (f"{cl['qps']:.0f} ({cl['ef']})" if cl else "—") + " | "
            + (f"{ins['rows_per_s']:.0f}" if ins else "—") + " | "
            + (f"{hins['rows_per_s']:.0f}" if hins else "—") + " |")
    for d in run["datasets"]:
        forced = ((d.get("vecext") or {}).get("index") or {}).get("forced_index")
        if forced:
            L.append("")
            L.append(f"**{d['name']}: {forced}.**")
    L.extend(ivf_markdown(run, K))
    errs = [(d["name"], e) for d in run["datasets"] for e in d.get("errors", [])]
    if errs:
        L.append("")
        L.append("Errors:")
        for name, e in errs:
            L.append(f"- {name}: {e}")
    L.append("")
    return "\n".join(L)


def plot(run, path):
    """recall@k against QPS, one panel per data set, one line per system.
    False when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    K = run["k"]
    ds = [d for d in run["datasets"] if d.get("n")]
    if not ds:
        return False
    fig, axes = plt.subplots(1, len(ds), figsize=(4.2 * len(ds), 3.6), squeeze=False)
    colors = {"vecext": "tab:blue", "hnswlib": "tab:orange", "reference": "tab:green"}
    for ax, d in zip(axes[0], ds):
        for name, _, _, rows in systems_of(d):
            if not rows:
                continue
            ax.plot([r["recall"] for r in rows], [r["qps"] for r in rows], marker="o",
                    ms=3, label=name, color=colors.get(name))
            for r in rows:
                ax.annotate(str(r["ef"]), (r["recall"], r["qps"]), fontsize=6,
                            textcoords="offset points", xytext=(2, 3))
        ex = (d.get("vecext") or {}).get("exact")
        if ex:
            ax.plot([ex["recall"]], [ex["qps"]], marker="x", ls="", color="gray",
                    label="exact scan")
        ax.set_yscale("log")
        ax.set_title(f"{d['name']} ({d['n']}×{d['dim']}, {d['metric']})", fontsize=9)
        ax.set_xlabel(f"recall@{K}", fontsize=8)
        ax.set_ylabel("queries per second (1 client)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        if (d.get("vecext") or {}).get("index_missing"):
            ax.text(0.5, 0.5, "vecext hnsw: not available", transform=ax.transAxes,
                    fontsize=8, color="red", ha="center")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(argv):
    p = argparse.ArgumentParser(description="results.md and recall-qps.png from a "
                                            "benchmark run's JSON")
    p.add_argument("json", help="results.json of a run")
    p.add_argument("--out", help="output directory (default: the JSON's)")
    a = p.parse_args(argv)
    with open(a.json) as f:
        run = json.load(f)
    out = a.out or os.path.dirname(os.path.abspath(a.json))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(markdown(run))
    if not plot(run, os.path.join(out, "recall-qps.png")):
        print("matplotlib is not installed: no plot", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
