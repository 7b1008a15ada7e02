#-------------------------------------------------------------------------
# pipeline.py
#	The whole example in one process: train, load (twice: the second run
#	must add nothing), index, evaluate, query; prints the evaluation table.
#	run.sh calls it after starting the cluster.
#
#	/usr/bin/python3 pipeline.py            # full size
#	/usr/bin/python3 pipeline.py --ci --tap # CI size, TAP output
#
# The server is the one the libpq environment (PGHOST, PGPORT, PGUSER)
# points to; the database (image_search, or image_search_ci with --ci) is
# created when missing.  The exit status is non-zero when any check fails:
# HNSW precision@10 more than 0.02 from the exact scan's, learned
# embeddings not beating raw pixels (full size only), a second load adding
# rows, an index with the wrong definition, the --sql text run in psql or
# the PNG query disagreeing with the query by id, a bad query input giving
# anything but a one-line error.
#-------------------------------------------------------------------------
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
import traceback

import db
import evaluate as evalmod
import index as indexmod
import load as loadmod
import query as querymod
import train as trainmod

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")

# Sizes.  Full: the whole training set is both training data and gallery.
# CI: a tiny network run (a seeded subset, one epoch, trained anew every
# time so that training is exercised too) and a small gallery, in a
# database made anew on every run; the HNSW-vs-exact check still applies,
# the learned-beats-pixels one does not (one epoch on 600 images is not
# meant to be a good model), but its precision must be well above chance.
PROFILES = {
    "full": dict(db="image_search", weights=os.path.join(OUT, "model.pt"),
                 train_size=None, epochs=trainmod.DEFAULT_EPOCHS, retrain=False,
                 gallery=None, test_count=None, queries=1000,
                 learned_must_win=True, min_precision=None,
                 out_dir=OUT, query_id=60000, fresh_db=False),
    "ci": dict(db="image_search_ci", weights=os.path.join(OUT, "ci", "model.pt"),
               train_size=600, epochs=1, retrain=True,
               gallery=500, test_count=100, queries=100,
               learned_must_win=False, min_precision=0.4,
               out_dir=os.path.join(OUT, "ci"), query_id=60000, fresh_db=True,
               ci_batch=200),
}

PSQL = "/usr/lib/postgresql/15/bin/psql"


class Reporter:
    """Collects checks; prints them as TAP (--tap) or as PASS/FAIL lines."""

    def __init__(self, tap):
        self.tap = tap
        self.results = []

    def check(self, ok, text):
        self.results.append((bool(ok), text))
        n = len(self.results)
        if self.tap:
            print(f"{'ok' if ok else 'not ok'} {n} - {text}", flush=True)
        else:
            print(f"{'PASS' if ok else 'FAIL'}: {text}", flush=True)
        return ok

    def diag(self, text):
        prefix = "# " if self.tap else ""
        for line in str(text).splitlines():
            print(prefix + line, flush=True)

    def finish(self):
        passed = sum(ok for ok, _ in self.results)
        failed = len(self.results) - passed
        if self.tap:
            print(f"1..{len(self.results)}")
        print(f"{passed} passed, {failed} failed")
        return failed == 0


def query_cli(argv):
    """Run query.py's command line in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = querymod.main(argv)
        except SystemExit as e:          # argparse errors
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Image search with vecext, end to end.")
    ap.add_argument("--ci", action="store_true", help="CI size (about a minute)")
    ap.add_argument("--tap", action="store_true", help="print checks as TAP")
    ap.add_argument("--exact-only", action="store_true",
                    help="no HNSW index: exact-scan rows only (for servers without hnsw)")
    ap.add_argument("--queries", type=int, help="number of test-image queries")
    ap.add_argument("--ef-search", type=int, default=evalmod.DEFAULT_EF_SEARCH)
    ap.add_argument("--retrain", action="store_true", help="train even if weights exist")
    ap.add_argument("--db", help="database name (default image_search[_ci])")
    args = ap.parse_args(argv)
    p = dict(PROFILES["ci" if args.ci else "full"])
    if args.db:
        p["db"] = args.db
    if args.queries:
        p["queries"] = args.queries
        if p["test_count"] is not None:
            p["test_count"] = max(p["test_count"], args.queries)
    r = Reporter(args.tap)
    try:
        run(p, args, r)
    except Exception as e:          # report, then still print the counts
        r.check(False, f"pipeline stopped: {type(e).__name__}: {e}".splitlines()[0])
        r.diag(traceback.format_exc())
    return 0 if r.finish() else 1


def run(p, args, r):
    """The steps, in order; checks go to the Reporter r."""
    timings = {}

    # 1. Train (skipped when the weights exist).
    t0 = time.monotonic()
    meta = trainmod.train(p["weights"], p["train_size"], p["epochs"],
                          force=args.retrain or p["retrain"])
    timings["train"] = time.monotonic() - t0
    r.check(os.path.exists(p["weights"]),
            f"weights in {os.path.relpath(p['weights'], HERE)} (trained on "
            f"{meta['train_size']} images, {meta['epochs']} epoch(s), test accuracy "
            f"{meta['test_accuracy']:.3f})")

    # 2. Load, then load again: the second run must add nothing.  At CI
    # size the database starts empty and the first load is interrupted
    # after one batch, so that resuming is tested too.
    count_sql = "SELECT (SELECT count(*) FROM images), (SELECT count(*) FROM image_pixels)"
    t0 = time.monotonic()
    if p["fresh_db"]:
        db.drop_database(p["db"])
        batch = p["ci_batch"]
        loadmod.load(p["db"], p["weights"], p["gallery"], p["test_count"],
                     batch_size=batch, stop_after=1)
        with db.connect(p["db"]) as conn:
            partial = conn.execute(count_sql).fetchone()
        r.check(tuple(partial) == (batch, batch),
                f"an interrupted load leaves whole batches only ({partial[0]} + "
                f"{partial[1]} rows after one batch of {batch})")
        added = loadmod.load(p["db"], p["weights"], p["gallery"], p["test_count"],
                             batch_size=batch)
        want = p["gallery"] + p["test_count"] - batch
        r.check(added == want, f"the next load resumes: {added} rows added, {want} expected")
    else:
        loadmod.load(p["db"], p["weights"], p["gallery"], p["test_count"])
    timings["load"] = time.monotonic() - t0
    with db.connect(p["db"]) as conn:
        before = conn.execute(count_sql).fetchone()
    added = loadmod.load(p["db"], p["weights"], p["gallery"], p["test_count"])
    with db.connect(p["db"]) as conn:
        after = conn.execute(count_sql).fetchone()
        hnsw = db.has_hnsw(conn)
    r.check(added == 0 and before == after,
            f"second load is a no-op ({before[0]} + {before[1]} rows in images + "
            f"image_pixels before, {after[0]} + {after[1]} after)")

    # 3. Index.
    exact_only = args.exact_only or not hnsw
    if not hnsw and not args.exact_only:
        r.check(False, "hnsw access method installed (SELECT 1 FROM pg_am WHERE amname = 'hnsw')")
    if not exact_only:
        t0 = time.monotonic()
        built = indexmod.build(p["db"])
        timings["index"] = time.monotonic() - t0
        with db.connect(p["db"]) as conn:
            for name, table, column, opclass in indexmod.INDEXES:
                have = indexmod.describe(conn, name)
                how = f"built in {built[name]:.1f} s" if name in built else "already there"
                r.check(have == indexmod.wanted(table, column, opclass),
                        f"index {name}: hnsw ({column} {opclass}) WHERE split = 'train' "
                        f"({how})" + ("" if have else ": missing"))

    # 4. Evaluate.
    t0 = time.monotonic()
    rows, checks = evalmod.evaluate(p["db"], p["queries"], args.ef_search,
                                    exact_only=exact_only,
                                    require_learned_wins=p["learned_must_win"])
    timings["evaluate"] = time.monotonic() - t0
    if exact_only:
        checks = [c for c in checks if "HNSW" not in c[1]]
    table = evalmod.format_table(rows)
    for ok, text in checks:
        r.check(ok, text)
    if p["min_precision"] is not None:
        learned = evalmod.find_row(rows, "embedding", "cosine", "exact")
        r.check(learned["precision"] >= p["min_precision"],
                f"learned embeddings carry signal: exact precision@10 "
                f"{learned['precision']:.3f} >= {p['min_precision']} (chance is 0.1)")
    os.makedirs(p["out_dir"], exist_ok=True)
    eval_path = os.path.join(p["out_dir"], "eval.json")
    with open(eval_path, "w") as f:
        json.dump({"rows": rows, "checks": checks, "train": meta}, f, indent=1)

    # 5. Query by id, by PNG, and the --sql text: same neighbours each way.
    t0 = time.monotonic()
    res = querymod.run_query(p["db"], p["weights"], image_id=p["query_id"],
                             out_dir=p["out_dir"], ef_search=args.ef_search)
    timings["query"] = time.monotonic() - t0
    r.check(os.path.getsize(res["png"]) > 0 and os.path.getsize(res["html"]) > 0
            and len(res["neighbours"]) == querymod.K,
            f"contact sheet with {len(res['neighbours'])} neighbours written")
    want_ids = [n[0] for n in res["neighbours"]]

    # The same image as a PNG file, through the command line.
    png = os.path.join(p["out_dir"], f"test-{p['query_id']}.png")
    rc, _, err = query_cli(["--id", str(p["query_id"]), "--export-png", png])
    r.check(rc == 0 and os.path.exists(png), f"query.py --export-png wrote {png}")
    res_png = querymod.run_query(p["db"], p["weights"], png=png, out_dir=p["out_dir"],
                                 ef_search=args.ef_search)
    got_ids = [n[0] for n in res_png["neighbours"]]
    r.check(got_ids == want_ids,
            f"query by PNG path finds the same neighbours as query by id ({got_ids[:3]}...)")

    # query.py --sql, run by psql itself.
    rc, text, err = query_cli(["--id", str(p["query_id"]), "--sql", "--weights", p["weights"],
                               "--ef-search", str(args.ef_search)])
    psql = subprocess.run([PSQL, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                           "-d", p["db"]], input=text, capture_output=True, text=True)
    got_ids = [int(line.split("|")[0]) for line in psql.stdout.split()]
    r.check(rc == 0 and psql.returncode == 0 and got_ids == want_ids,
            "query.py --sql prints SQL that psql runs and that finds the same neighbours"
            + ("" if psql.returncode == 0 else f": {psql.stderr.strip()}"))

    # Bad input: one clear line on stderr and status 1, no traceback.
    missing = os.path.join(p["out_dir"], "no-such-image.png")
    for argv, message in (
            (["--id", "70000"], "no image with id 70000 (training images are "
                                "0..59999, test images 60000..69999)"),
            (["--png", missing], f"no such file: {missing}")):
        rc, _, err = query_cli(argv + ["--db", p["db"], "--weights", p["weights"],
                                       "--out-dir", p["out_dir"]])
        r.check(rc == 1 and err == f"query.py: error: {message}\n",
                f"query.py {argv[0]} {os.path.basename(argv[1])}: exit 1 with "
                f"\"{message.split(' (')[0]}\"" + ("" if rc == 1 else f" (got {rc}: {err!r})"))

    # The table, last, so that it is what a person sees.
    mode = "CI size" if args.ci else "full size"
    r.diag("")
    r.diag(f"Evaluation ({mode}, hnsw.ef_search = {args.ef_search}):")
    r.diag(table)
    if exact_only:
        r.diag("HNSW rows not measured: "
               + ("--exact-only" if args.exact_only else "the hnsw access method is not installed"))
    r.diag("")
    r.diag(f"contact sheet: {res['png']}")
    r.diag(f"HTML page:     {res['html']}")
    r.diag("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


if __name__ == "__main__":
    sys.exit(main())
