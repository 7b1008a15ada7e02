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
    """(system name, build s, index MB, per-ef rows, the system's dict) for
    one data set (or one size of the scale data set)."""
    out = []
    pg = d.get("vecext") or {}
    idx = pg.get("index")
    out.append(("vecext", idx.get("build_s") if idx else None,
                idx.get("index_mb") if idx else None, idx.get("ef") if idx else None, pg))
    r = (d.get("reference") or {}).get("index")
    if r:
        out.append(("reference", r.get("build_s"), r.get("index_mb"), r.get("ef"),
                    d["reference"]))
    h = d.get("hnswlib")
    if h:
        out.append(("hnswlib", h.get("build_s"), h.get("index_mb"), h.get("ef"), h))
    return out


def raw_mb(n, dim):
    """The vectors' own bytes, rows x dims x 4, in MB."""
    return n * dim * 4 / 2 ** 20 if n and dim else None


def ratio(size, raw):
    return size / raw if size is not None and raw else None


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
             f"(passes interleaved across ef values, and vecext's and the reference's "
             f"in turn: each pass at each ef runs on one, then on the other, so that a "
             f"neighbour's load on the shared machine falls on both). "
             f"Cells: recall@{K} / QPS. \"build s\" is the build with "
             f"max_parallel_maintenance_workers={workers[0]} for vecext, one thread for "
             f"hnswlib.")
    ref = run.get("reference") or {}
    L.append("")
    L.append(f"Reference extension (pgvector): vector {ref['version']}, same cluster, data, "
             f"settings and queries, in a database of its own; its rows are \"reference\"."
             if "version" in ref else
             f"Reference extension (pgvector): not measured ({ref.get('missing', 'no record')}).")
    if run.get("huge_pages"):
        L.append("")
        L.append(f"Huge pages: {run['huge_pages']}.")
    if run.get("client"):
        L.append("")
        L.append(f"Queries run through: {run['client']}, one query at a time, over one "
                 f"connection per client.")
    rt = run.get("round_trip")
    if rt:
        rtp = run.get("round_trip_psycopg")
        L.append("")
        L.append(f"Floor under every vecext latency: a trivial prepared statement "
                 f"(`SELECT $1::int4`) over the same connection takes p50 "
                 f"{rt['p50_ms'] * 1e3:.0f} µs ({rt['qps']:.0f} per second)" +
                 (f"; through psycopg it takes {rtp['p50_ms'] * 1e3:.0f} µs" if rtp else "") +
                 "".join(f"; with the C loop's client {how} for the answer, "
                         f"{run[f'round_trip_{w}']['p50_ms'] * 1e3:.0f} µs"
                         for w, how in (("spin", "spinning"), ("sleep", "sleeping"))
                         if run.get(f"round_trip_{w}")) +
                 ". "
                 f"Load average (1/5/15 min) at start {run.get('load_average_start')}, "
                 f"at end {run.get('load_average_end')}: the machine is shared, so compare "
                 f"figures of one run, not across runs.")
    for note in run.get("notes", []):
        L.append("")
        L.append(f"**{note}**")
    L.append("")
    L.append("| data | n × dim | system | build s | index MB | raw MB | index / raw | " +
             " | ".join(f"ef {e}" for e in run["summary_ef"]) + " |")
    L.append("|---|---|---|---:|---:|---:|---:|" + "---:|" * len(run["summary_ef"]))
    for d in run["datasets"]:
        raw = raw_mb(d.get("n"), d.get("dim"))
        for name, build, size, rows, _ in systems_of(d):
            L.append(f"| {d['name']} | {d.get('n')} × {d.get('dim')} | {name} | "
                     f"{fmt(build, '.1f')} | {fmt(size, '.1f')} | {fmt(raw, '.1f')} | "
                     f"{fmt(ratio(size, raw), '.2f')} | " +
                     " | ".join(cell(by_ef(rows, e)) for e in run["summary_ef"]) + " |")
    L.append("")
    L.append("raw MB: rows × dims × 4 bytes, the vectors alone; index / raw: the index's "
             "size (`pg_relation_size`; hnswlib: its saved file) over that.")
    for d in run["datasets"]:
        if d.get("kind") == "scale":
            b = d.get("build") or {}
            L.append(f"The {d['name']} rows are its largest size, {d['n']} rows (the table "
                     f"below has the others), built with max_parallel_maintenance_workers="
                     f"{b.get('max_parallel_maintenance_workers')} and maintenance_work_mem="
                     f"{b.get('maintenance_work_mem')}; hnswlib with "
                     f"{b.get('hnswlib_threads')} threads.")
    L.append("")
    for d in run["datasets"]:
        sy = {name: (build, rows) for name, build, _, rows, _ in systems_of(d)}
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
        for name, _, _, rows, _ in systems_of(d):
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
        L.append("| data | system | " + " | ".join(f"{c}" for c in counts) +
                 f" | {counts[-1]} / peak |")
        L.append("|---|---|" + "---:|" * (len(counts) + 1))
        floor = run.get("concurrency_floor") or []
        for label, sysname, rows in ([(d["name"], name, rows) for d, name, rows in conc] +
                                     ([("—", "`SELECT 1` (the floor)", floor)] if floor else [])):
            by = {r["clients"]: r for r in rows}
            peak = max(r["qps"] for r in rows)
            last = by.get(counts[-1])
            L.append(f"| {label} | {sysname} | " +
                     " | ".join(f"{by[c]['qps']:.0f}" if c in by else "—" for c in counts) +
                     f" | {fmt(last['qps'] / peak * 100 if last else None, '.0f')}% |")
        L.append("")
        L.append(f"(last column: QPS at {counts[-1]} clients as a share of the row's peak; the "
                 "`SELECT 1` row is the same pgbench on the same cluster with no search, what "
                 "the machine and pgbench lose by themselves as clients outnumber the cores)")
        L.append("")
    L.append("## Load, build, exact scan, clients, inserts (vecext)")
    L.append("")
    wcols = [f"build s, {w} worker{'' if w == 1 else 's'}" for w in workers]
    L.append("| data | n × dim | load s (COPY) | table MB | " + " | ".join(wcols) +
             " | index MB | index − raw, bytes/row | exact scan QPS (recall) | "
             "2-client QPS (ef) | inserts/s | hnswlib inserts/s |")
    L.append("|---|---|---:|---:|" + "---:|" * len(wcols) + "---:|---:|---:|---:|---:|---:|")
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
            f"{fmt(idx.get('index_mb'), '.1f')} | {fmt(overhead(idx, d), '.0f')} | "
            + (f"{ex['qps']:.2f} ({ex['recall']:.3f}, {ex['queries']} q)" if ex else "—") + " | "
            + (f"{cl['qps']:.0f} ({cl['ef']})" if cl else "—") + " | "
            + (f"{ins['rows_per_s']:.0f}" if ins else "—") + " | "
            + (f"{hins['rows_per_s']:.0f}" if hins else "—") + " |")
    for d in run["datasets"]:
        for step in d.get("by_rows") or [d]:
            for name in ("vecext", "reference"):
                forced = ((step.get(name) or {}).get("index") or {}).get("forced_index")
                if forced:
                    at = f" at {step['rows']} rows" if "rows" in step else ""
                    L.append("")
                    L.append(f"**{d['name']}{at}, {name}: {forced}.**")
    L.extend(scale_markdown(run, K))
    L.extend(ivf_markdown(run, K))
    errs = [(d["name"], e) for d in run["datasets"] for e in d.get("errors", [])]
    if errs:
        L.append("")
        L.append("Errors:")
        for name, e in errs:
            L.append(f"- {name}: {e}")
    L.append("")
    return "\n".join(L)


def overhead(part, d):
    """Index bytes per row over the raw vector's (links, headers, free page
    space), from the size and the data set's n x dim."""
    size, n, dim = part.get("index_mb"), d.get("n"), d.get("dim")
    if size is None or not n or not dim:
        return None
    return (size * 2 ** 20 - n * dim * 4) / n


def scale_markdown(run, k):
    """The scale data set's section (lines): every size, every system, and
    the growth from the smallest size to the largest."""
    L = []
    for d in run["datasets"]:
        if d.get("kind") != "scale" or not d.get("by_rows"):
            continue
        b = d.get("build") or {}
        efs = d.get("ef") or []
        w = b.get("max_parallel_maintenance_workers")
        sizes = [str(step["rows"]) for step in d["by_rows"]]
        L += ["", f"## Scale (data set `{d['name']}`): clustered, {d['dim']} dimensions, "
                  f"{d['metric']}, at {', '.join(sizes[:-1])} and {sizes[-1]} rows"
              if len(sizes) > 1 else f"## Scale (data set `{d['name']}`): clustered, "
                                     f"{d['dim']} dimensions, {d['metric']}, {sizes[0]} rows",
              ""]
        L.append(f"The smaller sizes are the first rows of the largest; the same {d['queries']} "
                 f"queries and the exact ground truth of each size. Postgres builds in a "
                 f"session with maintenance_work_mem={b.get('maintenance_work_mem')} and "
                 f"max_parallel_maintenance_workers={w} (the leader and {w} worker"
                 f"{'' if w == 1 else 's'}); hnswlib builds with {b.get('hnswlib_threads')} "
                 f"threads. Queries: one connection (hnswlib: one thread), one at a time. "
                 f"\"load s\": binary COPY of all the rows up to that size. "
                 f"Cells: recall@{k} / QPS.")
        L.append("")
        L.append("| rows | system | load s | build s | index MB | raw MB | index / raw | " +
                 " | ".join(f"ef {e}" for e in efs) + " |")
        L.append("|---:|---|---:|---:|---:|---:|---:|" + "---:|" * len(efs))
        for step in d["by_rows"]:
            raw = raw_mb(step["rows"], d["dim"])
            for name, build, size, rows, part in systems_of(step):
                L.append(f"| {step['rows']} | {name} | {fmt(part.get('load_s'), '.1f')} | "
                         f"{fmt(build, '.1f')} | {fmt(size, '.1f')} | {fmt(raw, '.1f')} | "
                         f"{fmt(ratio(size, raw), '.2f')} | " +
                         " | ".join(cell(by_ef(rows, e)) for e in efs) + " |")
        # a build that outgrew maintenance_work_mem says so in a notice
        for step in d["by_rows"]:
            for name in ("vecext", "reference"):
                for b in ((step.get(name) or {}).get("index") or {}).get("builds", []):
                    if b.get("notices"):
                        L.append(f"\nBuild notices, {name} at {step['rows']} rows: " +
                                 "; ".join(b["notices"]))
        L.append("")
        for name, g in (d.get("growth") or {}).items():
            L.append(f"- **{name}**, {g['from_rows']} → {g['to_rows']} rows "
                     f"(×{g['rows_ratio']:.0f}): build time ×{g['build_ratio']:.2f}, index size "
                     f"×{fmt(g['index_mb_ratio'], '.2f')}; QPS " +
                     ", ".join(f"×{e['qps_ratio']:.2f} at ef {e['ef']}" for e in g["ef"]) +
                     f"; recall@{k} " +
                     ", ".join(f"{e['recall_from']:.3f} → {e['recall_to']:.3f} at ef {e['ef']}"
                               for e in g["ef"]))
    return L


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
    # at most 3 panels a row: 5 data sets side by side would be too narrow
    ncols = min(3, len(ds))
    nrows = (len(ds) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.6 * nrows), squeeze=False)
    colors = {"vecext": "tab:blue", "hnswlib": "tab:orange", "reference": "tab:green"}
    for ax in axes.flat[len(ds):]:
        ax.set_visible(False)
    for ax, d in zip(axes.flat, ds):
        # the scale data set's smaller sizes, dashed, beside its largest
        lines = [(f"{name}, {step['rows']} rows", rows, "--", name)
                 for step in (d.get("by_rows") or [])[:-1]
                 for name, _, _, rows, _ in systems_of(step)]
        lines += [(f"{name}, {d['n']} rows" if d.get("by_rows") else name, rows, "-", name)
                  for name, _, _, rows, _ in systems_of(d)]
        for label, rows, ls, name in lines:
            if not rows:
                continue
            ax.plot([r["recall"] for r in rows], [r["qps"] for r in rows], marker="o",
                    ms=3, ls=ls, label=label, color=colors.get(name),
                    alpha=0.6 if ls == "--" else 1.0)
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
