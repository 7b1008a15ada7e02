#-------------------------------------------------------------------------
# evaluate.py
#	precision@10 of image retrieval: raw pixels vs learned embeddings,
#	exact scan vs the HNSW index, printed as a table.
#
#	/usr/bin/python3 evaluate.py --db image_search --queries 1000
#
# The queries are the first N test images stored; the gallery is every
# stored training image (table images for the embeddings, image_pixels for
# the raw pixels).  precision@10 is the share of the 10
# neighbours that have the query's label, averaged over the queries.
# "recall" is the share of the exact answer's 10 ids that the HNSW answer
# also returns (how approximate the index is); both count a missing
# neighbour as a miss.
#
# Exact rows run with enable_indexscan = off (a sequential scan and a
# top-N sort); HNSW rows let the planner pick the index.  Both are checked
# twice, so that an exact scan can never pass for the index or the other
# way round: the plan with EXPLAIN, and the index's scan counter
# (pg_stat_user_indexes.idx_scan) must go up by one per query, or not at all.
#-------------------------------------------------------------------------
import argparse
import json
import re
import sys
import time

from psycopg import sql

import db

K = 10
DEFAULT_QUERIES = 1000
DEFAULT_EF_SEARCH = 40
MAX_HNSW_GAP = 0.02         # |precision(hnsw) - precision(exact)| allowed

# (vectors, table, column, metric, operator, hnsw index or None = exact only)
CONFIGS = [
    ("raw pixels", "image_pixels", "pixels", "L2", "<->", "image_pixels_hnsw"),
    ("learned (CNN)", "images", "embedding", "cosine", "<=>", "images_embedding_hnsw"),
    # Not indexed: shows what the opclass choice is worth.
    ("learned (CNN)", "images", "embedding", "L2", "<->", None),
]


def knn_sql(table, column, op, k=K):
    """The kNN query, as the query tool and a psql user write it."""
    return sql.SQL("SELECT id, label FROM {} WHERE split = 'train' "
                   "ORDER BY {} {} %s LIMIT {}").format(
        sql.Identifier(table), sql.Identifier(column), sql.SQL(op), sql.Literal(k))


def plan_of(conn, stmt, vec):
    rows = conn.execute(sql.SQL("EXPLAIN (COSTS OFF) ") + stmt, (vec,)).fetchall()
    return "\n".join(r[0] for r in rows)


def run_config(conn, queries, table, column, op, mode, index_name, ef_search):
    """Run every query once in one mode; return (answers, seconds)."""
    conn.execute("RESET enable_seqscan")
    if mode == "exact":
        conn.execute("SET enable_indexscan = off")
    else:
        conn.execute("RESET enable_indexscan")
        conn.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(ef_search)))
    stmt = knn_sql(table, column, op)
    plan = plan_of(conn, stmt, queries[0][column])
    forced = False
    if mode == "hnsw" and f"Index Scan using {index_name}" not in plan:
        # On a small gallery a sequential scan is cheaper and the planner
        # is right to take it; to measure the index all the same, forbid
        # sequential scans (as pgvector's own tests do).
        conn.execute("SET enable_seqscan = off")
        forced = True
        plan = plan_of(conn, stmt, queries[0][column])
        if f"Index Scan using {index_name}" not in plan:
            raise RuntimeError(f"the planner did not use {index_name}:\n{_short(plan)}")
    if mode == "exact" and "Index Scan" in plan:
        raise RuntimeError(f"the exact query uses an index:\n{_short(plan)}")
    # Not prepared: a cached plan would outlive the SET above (a generic
    # plan made with enable_indexscan = off stays a sequential scan).
    scans_before = index_scans(conn, index_name)
    answers = []
    t0 = time.monotonic()
    for q in queries:
        answers.append(conn.execute(stmt, (q[column],), prepare=False).fetchall())
    seconds = time.monotonic() - t0
    # The index's own counter says which path really ran.
    scans = index_scans(conn, index_name) - scans_before
    want = len(queries) if mode == "hnsw" else 0
    if index_name and scans != want:
        raise RuntimeError(f"{mode}: {index_name} was scanned {scans} times "
                           f"for {len(queries)} queries, not {want}")
    return answers, seconds, forced


def index_scans(conn, index_name):
    """pg_stat_user_indexes.idx_scan of one index, flushed and fresh."""
    if not index_name:
        return 0
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.execute("SELECT pg_stat_clear_snapshot()")
    row = conn.execute("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = %s",
                       (index_name,)).fetchone()
    return row[0] if row else 0


def _short(plan):
    """A plan with its long vector literals cut."""
    return re.sub(r"'\[([^]]{40})[^]]*\]'", r"'[\1...]'", plan)


def precision(queries, answers):
    hits = sum(sum(1 for _, label in ans if label == q["label"])
               for q, ans in zip(queries, answers))
    return hits / (K * len(queries))


def overlap(approx, exact):
    same = sum(len({i for i, _ in a} & {i for i, _ in e}) for a, e in zip(approx, exact))
    return same / (K * len(exact))


def evaluate(dbname, n_queries=DEFAULT_QUERIES, ef_search=DEFAULT_EF_SEARCH,
             exact_only=False, require_learned_wins=True, log=sys.stderr):
    """Return (rows, checks): the table rows as dicts and [(ok, text)]."""
    with db.connect(dbname) as conn:
        conn.autocommit = True
        gallery = conn.execute("SELECT count(*) FROM images WHERE split = 'train'").fetchone()[0]
        cur = conn.execute("SELECT i.id, i.label, i.embedding, p.pixels "
                           "FROM images i JOIN image_pixels p USING (id) "
                           "WHERE i.split = 'test' ORDER BY i.id LIMIT %s", (n_queries,))
        queries = [dict(zip(("id", "label", "embedding", "pixels"), r)) for r in cur]
        if len(queries) < n_queries:
            raise RuntimeError(f"only {len(queries)} test images stored, "
                               f"{n_queries} queries asked for")
        hnsw_ok = db.has_hnsw(conn) and not exact_only
        print(f"evaluate: {len(queries)} queries against {gallery} gallery images, "
              f"k = {K}, hnsw.ef_search = {ef_search}", file=log)

        rows = []
        for vectors, table, column, metric, op, index_name in CONFIGS:
            dims = len(queries[0][column])
            modes = ["exact"] + (["hnsw"] if index_name else [])
            exact_answers = None
            for mode in modes:
                row = {"vectors": vectors, "column": column, "dims": dims,
                       "metric": metric, "search": mode, "queries": len(queries),
                       "gallery": gallery}
                if mode == "hnsw" and not hnsw_ok:
                    row.update(precision=None, recall=None, ms=None,
                               note="hnsw access method not installed" if not exact_only
                               else "skipped (--exact-only)")
                    rows.append(row)
                    continue
                answers, seconds, forced = run_config(conn, queries, table, column, op,
                                                      mode, index_name, ef_search)
                row.update(precision=precision(queries, answers),
                           ms=1000 * seconds / len(queries), forced=forced)
                if mode == "exact":
                    exact_answers = answers
                    row["recall"] = 1.0
                else:
                    row["recall"] = overlap(answers, exact_answers)
                rows.append(row)
                print(f"evaluate: {vectors}, {metric}, {mode}: precision@10 "
                      f"{row['precision']:.3f} ({row['ms']:.1f} ms/query)", file=log)

    return rows, checks_of(rows, hnsw_ok, require_learned_wins)


def find_row(rows, column, metric, search):
    for r in rows:
        if (r["column"], r["metric"], r["search"]) == (column, metric, search):
            return r
    return None


def checks_of(rows, hnsw_ok, require_learned_wins):
    checks = []
    for vectors, _, column, metric, _, index_name in CONFIGS:
        if not index_name:
            continue
        exact = find_row(rows, column, metric, "exact")
        hnsw = find_row(rows, column, metric, "hnsw")
        if not hnsw_ok or hnsw["precision"] is None:
            checks.append((False, f"{vectors}: HNSW precision@10 measured "
                                  f"(hnsw access method missing)"))
            continue
        gap = abs(hnsw["precision"] - exact["precision"])
        checks.append((gap <= MAX_HNSW_GAP,
                       f"{vectors}: HNSW precision@10 {hnsw['precision']:.3f} within "
                       f"{MAX_HNSW_GAP} of exact {exact['precision']:.3f} (gap {gap:.3f})"))
    if require_learned_wins:
        for search in ("exact", "hnsw"):
            learned = find_row(rows, "embedding", "cosine", search)
            pixels = find_row(rows, "pixels", "L2", search)
            if learned["precision"] is None or pixels["precision"] is None:
                continue
            checks.append((learned["precision"] > pixels["precision"],
                           f"{search}: learned embeddings ({learned['precision']:.3f}) beat "
                           f"raw pixels ({pixels['precision']:.3f})"))
    return checks


def format_table(rows):
    head = ("vectors", "dims", "distance", "search", "precision@10",
            "recall vs exact", "ms/query")
    lines = []
    body = []
    for r in rows:
        if r["precision"] is None:
            body.append((r["vectors"], str(r["dims"]), r["metric"], r["search"],
                         "n/a", "n/a", r.get("note", "")))
        else:
            search = r["search"] + ("*" if r.get("forced") else "")
            body.append((r["vectors"], str(r["dims"]), r["metric"], search,
                         f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['ms']:.1f}"))
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" if i < 4 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines.append(fmt.format(*head))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(fmt.format(*b) for b in body)
    if rows:
        lines.append(f"({rows[0]['queries']} test-image queries, {rows[0]['gallery']} "
                     f"training images in the gallery, k = {K})")
    if any(r.get("forced") for r in rows):
        lines.append("* with enable_seqscan = off: on a gallery this small the planner "
                     "rightly prefers a sequential scan")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description="precision@10: pixels vs embeddings, exact vs HNSW.")
    ap.add_argument("--db", required=True)
    ap.add_argument("--queries", type=int, default=DEFAULT_QUERIES)
    ap.add_argument("--ef-search", type=int, default=DEFAULT_EF_SEARCH)
    ap.add_argument("--exact-only", action="store_true",
                    help="skip the HNSW rows (and their checks)")
    ap.add_argument("--json", help="also write the rows and checks to this file")
    args = ap.parse_args(argv)
    rows, checks = evaluate(args.db, args.queries, args.ef_search, args.exact_only)
    if args.exact_only:
        checks = [c for c in checks if "HNSW" not in c[1]]
    print(format_table(rows))
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "checks": checks}, f, indent=1)
    sys.exit(0 if all(ok for ok, _ in checks) else 1)


if __name__ == "__main__":
    main()
