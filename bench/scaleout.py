#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/scaleout.py
#     The scale-out benchmark (`make bench-scaleout`, through bench/run.sh):
#     sharded kNN over postgres_fdw against one node, and read scaling with
#     streaming replicas, every server a private cluster on this machine.
#
#     Sharding: the same seeded clustered data (bench_data.make_synthetic)
#     is loaded whole into one node and split by id over 1, 2 and 3 shard
#     clusters; a coordinator reaches each layout through a hash-partitioned
#     table of foreign partitions (README "Scaling out").  Reported: build
#     time of one node (both cores) and of the three shards building at once,
#     index sizes, and for each layout recall@10, p50/p99 latency and QPS of
#     --nq queries one at a time at ef_search --ef, through
#     vecext_sharded_knn, beside the one node queried directly.
#
#     Read scaling: a primary with --replica-n rows and two streaming
#     standbys (pg_basebackup -R); --clients pgbench clients (prepared kNN at
#     ef_search --ef) on the primary alone, then split over primary and one
#     standby, then over primary and two standbys; QPS summed.
#
#     All servers share this machine's cores, which the report states; the
#     arithmetic of what separate machines would see is in README.
# ----------------------------------------------------------------------------
import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_data import compute_ground_truth, make_synthetic, recall_at_k  # noqa: E402
from bench_pg import (VecParam, copy_vectors, latency_stats, pg_connect,  # noqa: E402
                      prepare_session)

PGBIN = os.environ.get("VECEXT_BENCH_PGBIN", "/usr/lib/postgresql/15/bin")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def as_pg(cmd, check=True, **kw):
    """Run a server program as the postgres OS user when we are root."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=check, **kw)


class Cluster:
    """A private cluster in workdir/name, listening on 127.0.0.1:port."""

    def __init__(self, workdir, name, port, conf):
        self.name, self.port = name, port
        self.dir = os.path.join(workdir, name)
        self.conf = conf

    def init(self, from_primary=None):
        if from_primary is None:
            as_pg([f"{PGBIN}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres",
                   "--no-locale", "-E", "UTF8", "--no-sync"], stdout=subprocess.DEVNULL)
        else:
            as_pg([f"{PGBIN}/pg_basebackup", "-D", self.dir, "-R", "-X", "stream",
                   "-h", "127.0.0.1", "-p", str(from_primary.port), "-U", "postgres"])
        with open(os.path.join(self.dir, "postgresql.conf"), "a") as f:
            f.write(f"\n# bench/scaleout.py\nport = {self.port}\n"
                    f"listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n")
            for k, v in self.conf.items():
                f.write(f"{k} = {v}\n")
        return self

    def start(self):
        as_pg([f"{PGBIN}/pg_ctl", "-D", self.dir, "-l", self.dir + ".log", "-w", "-t", "300",
               "-s", "start"])
        return self

    def stop(self):
        if os.path.exists(os.path.join(self.dir, "postmaster.pid")):
            as_pg([f"{PGBIN}/pg_ctl", "-D", self.dir, "-m", "fast", "-s", "stop"],
                  check=False)

    @property
    def dsn(self):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def connect(self):
        conn = pg_connect(self.dsn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS vecext")
        prepare_session(conn)
        return conn


def load(conn, table, ids, vecs, dim):
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} (id int, v vector({dim}))")
    copy_vectors(conn, table, ids, vecs)


def build(conn, table, m, efc):
    t = time.perf_counter()
    conn.execute(f"CREATE INDEX {table}_v_idx ON {table} USING hnsw (v vector_l2_ops) "
                 f"WITH (m = {m}, ef_construction = {efc})")
    secs = time.perf_counter() - t
    mb = conn.execute(f"SELECT pg_relation_size('{table}_v_idx') / 1048576.0").fetchone()[0]
    conn.execute(f"VACUUM ANALYZE {table}")
    return secs, float(mb)


def build_at_once(jobs):
    """Build several (cluster, table) indexes at the same time: wall seconds."""
    out = {}

    def one(cluster, table, m, efc):
        with cluster.connect() as c:
            out[(cluster.name, table)] = build(c, table, m, efc)

    t = time.perf_counter()
    threads = [threading.Thread(target=one, args=j) for j in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t, out


def run_queries(conn, sql, queries, settings_sql=None):
    if settings_sql:
        conn.execute(settings_sql)
    cur = conn.cursor()
    for q in queries:				# a pass to warm the caches and the plan
        cur.execute(sql, (VecParam(q),), prepare=True).fetchall()
    lat, res = [], []
    t0 = time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        res.append([r[0] for r in cur.execute(sql, (VecParam(q),), prepare=True).fetchall()])
        lat.append(time.perf_counter() - t)
    return res, latency_stats(lat, time.perf_counter() - t0)


def sharding(args, workdir, ds, gt_ids, gt_dists, report):
    conf = {"shared_buffers": "1GB", "maintenance_work_mem": args.mwm, "work_mem": "64MB",
            "max_parallel_maintenance_workers": 1, "jit": "off", "autovacuum": "off",
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_wal_size": "20GB", "checkpoint_timeout": "1h",
            "log_min_messages": "warning"}
    shards = [Cluster(workdir, f"shard{i + 1}", args.port + 1 + i, conf) for i in range(3)]
    coord = Cluster(workdir, "coordinator", args.port, conf)
    started = []
    try:
        for c in shards + [coord]:
            c.init().start()
            started.append(c)
        ids = np.arange(ds.n, dtype=np.int32)		# row i of ds.base, as the ground truth
        layouts = [int(x) for x in args.layouts.split(",")]

        # the coordinator: one server per shard, one partitioned table per
        # layout L (items_L, hash-partitioned on id into L foreign partitions)
        part = {}
        with coord.connect() as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS vecext")
            c.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
            for sh in shards:
                c.execute(f"CREATE SERVER {sh.name} FOREIGN DATA WRAPPER postgres_fdw OPTIONS "
                          f"(host '127.0.0.1', port '{sh.port}', dbname 'postgres', "
                          f"extensions 'vecext', async_capable 'true')")
                c.execute(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {sh.name}")
            for L in layouts:
                c.execute(f"CREATE TABLE items_{L} (id int, v vector({ds.dim})) "
                          f"PARTITION BY HASH (id)")
                for sh in range(L):
                    # one shard holds what the one node does: the same table
                    remote = "items_all" if L == 1 else f"items_{L}"
                    c.execute(f"CREATE FOREIGN TABLE items_{L}_s{sh + 1} PARTITION OF items_{L} "
                              f"FOR VALUES WITH (MODULUS {L}, REMAINDER {sh}) "
                              f"SERVER shard{sh + 1} OPTIONS (table_name '{remote}')")
                    # which ids the partition takes, by PostgreSQL's own hash
                    part[(L, sh)] = np.array(c.execute(
                        f"SELECT array_agg(i ORDER BY i) FROM generate_series(0, {ds.n - 1}) i "
                        f"WHERE satisfies_hash_partition('items_{L}'::regclass, {L}, {sh}, i)"
                    ).fetchone()[0] or [], dtype=np.int32)

        conns = [c.connect() for c in shards]
        for c in conns:
            c.execute("CREATE EXTENSION IF NOT EXISTS vecext")
        log(f"one node: load {ds.n} x {ds.dim} into shard1.items_all")
        load(conns[0], "items_all", ids, ds.base, ds.dim)
        for L in layouts:
            for sh in range(L if L > 1 else 0):
                sel = part[(L, sh)]
                log(f"layout {L}: load {len(sel)} rows into shard{sh + 1}.items_{L}")
                load(conns[sh], f"items_{L}", sel, ds.base[sel], ds.dim)
        for c in conns:
            c.close()

        log("one node: build items_all (both cores)")
        with shards[0].connect() as c:
            single_s, single_mb = build(c, "items_all", args.m, args.efc)
        report["single_build"] = dict(seconds=single_s, index_mb=single_mb)
        log(f"  {single_s:.1f} s, {single_mb:.0f} MB")
        report["layouts"] = {}
        for L in [x for x in layouts if x > 1]:
            log(f"layout {L}: build the {L} shards' indexes at once")
            wall, per = build_at_once([(shards[sh], f"items_{L}", args.m, args.efc)
                                       for sh in range(L)])
            report["layouts"][L] = dict(build_wall_s=wall, shards={
                f"{key[0]}": dict(seconds=v[0], index_mb=v[1]) for key, v in per.items()})
            log(f"  {wall:.1f} s wall, " + ", ".join(
                f"{key[0]} {v[0]:.1f} s {v[1]:.0f} MB" for key, v in per.items()))

        k = args.k
        report["queries"] = {}
        for ef in [int(x) for x in args.ef.split(",")]:
            settings = json.dumps({"hnsw.ef_search": ef})
            runs = report["queries"][ef] = {}
            with shards[0].connect() as c:
                res, st = run_queries(c, f"SELECT id FROM items_all ORDER BY v <-> %s LIMIT {k}",
                                      ds.queries, f"SET hnsw.ef_search = {ef}")
                runs["one node"] = dict(recall=recall_at_k(res, gt_ids, gt_dists, k), **st)
            with coord.connect() as c:
                for L in layouts:
                    res, st = run_queries(
                        c, f"SELECT id FROM vecext_sharded_knn(NULL::items_{L}, 'v', %s, {k}, "
                           f"'{settings}')", ds.queries)
                    runs[f"{L} shard" + ("s" if L > 1 else "")] = dict(
                        recall=recall_at_k(res, gt_ids, gt_dists, k), **st)
            for name, r in runs.items():
                log(f"ef_search {ef}, {name}: recall@{k} {r['recall']:.3f}, "
                    f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, {r['qps']:.0f} QPS")
    finally:
        for c in started:
            c.stop()


def pgbench(cluster, script, clients, seconds, out):
    p = subprocess.run([f"{PGBIN}/pgbench", "-n", "-M", "prepared", "-c", str(clients),
                        "-j", str(clients), "-T", str(seconds), "-f", script,
                        "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                        "postgres"], capture_output=True, text=True, check=True)
    for line in p.stdout.splitlines():
        if line.startswith("tps ="):
            out[cluster.name] = float(line.split()[2])


def read_scaling(args, workdir, report):
    conf = {"shared_buffers": "512MB", "maintenance_work_mem": "1GB", "jit": "off",
            "autovacuum": "off", "fsync": "off", "synchronous_commit": "off",
            "hot_standby": "on", "log_min_messages": "warning"}
    base = args.port + 10
    primary = Cluster(workdir, "primary", base, conf)
    started = []
    try:
        primary.init().start()
        started.append(primary)
        ds = make_synthetic("l2", args.replica_n, args.dim, 1000, 0, args.seed + 1, args.clusters)
        with primary.connect() as c:
            load(c, "items", np.arange(1, ds.n + 1, dtype=np.int32), ds.base, ds.dim)
            load(c, "queries", np.arange(1, 1001, dtype=np.int32), ds.queries, ds.dim)
            build(c, "items", args.m, args.efc)
            c.execute("CHECKPOINT")
        replicas = []
        for i in range(2):
            r = Cluster(workdir, f"replica{i + 1}", base + 1 + i, conf).init(primary).start()
            started.append(r)
            replicas.append(r)
        time.sleep(2)
        script = os.path.join(workdir, "knn.sql")
        with open(script, "w") as f:
            f.write(f"\\set q random(1, 1000)\nSET hnsw.ef_search = {args.ef.split(',')[0]};\n"
                    f"SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = :q) "
                    f"LIMIT {args.k};\n")
        n = args.clients
        plans = {"primary alone": [(primary, n)],
                 "primary + 1 replica": [(primary, n - n // 2), (replicas[0], n // 2)],
                 "primary + 2 replicas": [(primary, n - 2 * (n // 3)), (replicas[0], n // 3),
                                          (replicas[1], n // 3)]}
        report["read_scaling"] = {}
        for name, plan in plans.items():
            pgbench(primary, script, 1, 3, {})	# warm
            out = {}
            threads = [threading.Thread(target=pgbench, args=(c, script, k, args.seconds, out))
                       for c, k in plan if k > 0]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            # pgbench's tps is runs of the script per second: one query each
            qps = sum(out.values())
            report["read_scaling"][name] = dict(qps=qps, per_server=dict(out),
                                                clients=dict((c.name, k) for c, k in plan))
            log(f"{name}: {qps:.0f} QPS ({', '.join(f'{k} {v:.0f}' for k, v in out.items())})")
    finally:
        for c in reversed(started):
            c.stop()


def ports_free(base, count):
    for port in range(base, base + count):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def smoke_failures(report, k):
    """What a smoke run got wrong: on its tiny data every search finds the
    exact answer, and every read-scaling plan answers queries."""
    bad = []
    for ef, runs in report.get("queries", {}).items():
        for name, r in runs.items():
            if r["recall"] < 0.99:
                bad.append(f"ef_search {ef}, {name}: recall@{k} {r['recall']:.3f} < 0.99")
    for name, r in report.get("read_scaling", {}).items():
        if not r["qps"] > 0:
            bad.append(f"read scaling, {name}: no queries answered")
    return bad


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--port", type=int, default=5480)
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--nq", type=int, default=500)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--ef", default="40,200", help="ef_search values, comma-separated")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--efc", type=int, default=64)
    ap.add_argument("--mwm", default="3GB")
    ap.add_argument("--layouts", default="1,2,3")
    ap.add_argument("--replica-n", type=int, default=100000)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--skip", default="", help="sharding,replicas: parts to skip")
    ap.add_argument("--out", default=None, help="write the report (JSON) here")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny data, checked answers (the test command's run)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.n, args.nq, args.replica_n, args.seconds, args.clients = 3000, 20, 2000, 1, 3
        args.ef, args.mwm = "40", "256MB"
    while not ports_free(args.port, 13):
        args.port += 13
    os.makedirs(args.workdir, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(args.workdir, "postgres")
    report = dict(args=vars(args), machine=dict(cpus=os.cpu_count(), node=platform.node(),
                                                kernel=platform.release()))
    skip = set(args.skip.split(","))
    if "sharding" not in skip:
        log(f"data: {args.n} x {args.dim} clustered ({args.clusters} clusters, seed {args.seed}),"
            f" {args.nq} queries")
        ds = make_synthetic("l2", args.n, args.dim, args.nq, 0, args.seed, args.clusters)
        gt_ids, gt_dists = compute_ground_truth(ds, args.k)
        sharding(args, args.workdir, ds, gt_ids, gt_dists, report)
    if "replicas" not in skip:
        read_scaling(args, args.workdir, report)
    text = json.dumps(report, indent=1, default=str)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text)
    if args.smoke:
        bad = smoke_failures(report, args.k)
        for b in bad:
            log(f"smoke: {b}")
        if bad:
            sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
