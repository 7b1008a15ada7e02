#!/usr/bin/python3
# ----------------------------------------------------------------------------
# bench/bench_data.py
#     The benchmark's data sets (Fashion-MNIST, seeded clustered Gaussian),
#     their exact ground truth (cached) and recall@k against it.
#     The clustered generator makes `synthetic` (and its cosine variant),
#     `wide` (1536 dims) and `scale` (bench_scale.py: 1M rows, of which the
#     first 100000 are the smaller size) alike.
# ----------------------------------------------------------------------------
import gzip
import hashlib
import os
import struct
import time

import numpy as np

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
GT_K = 100                    # ground truth depth (cached)
RECALL_TIE_REL = 1e-6         # a result within this of the k-th distance counts
SYNTHETIC_CENTRE_SIGMA = 1.0
SYNTHETIC_POINT_SIGMA = 0.5


# ----------------------------------------------------------------------------
# Data sets
# ----------------------------------------------------------------------------
class Dataset:
    def __init__(self, name, metric, base, queries, inserts, params):
        self.name = name
        self.metric = metric
        self.base = np.ascontiguousarray(base, dtype=np.float32)
        self.queries = np.ascontiguousarray(queries, dtype=np.float32)
        self.inserts = np.ascontiguousarray(inserts, dtype=np.float32)
        self.params = params

    @property
    def n(self):
        return self.base.shape[0]

    @property
    def dim(self):
        return self.base.shape[1]

    @property
    def raw_mb(self):
        """The vectors' own bytes (rows x dims x 4), what an index at full
        precision cannot go below."""
        return self.n * self.dim * 4 / 2 ** 20

    def head(self, n):
        """The first n base rows, the same queries, no inserts (a view)."""
        return Dataset(self.name, self.metric, self.base[:n], self.queries,
                       self.inserts[:0], self.params)

    def describe(self):
        return dict(name=self.name, metric=self.metric, n=self.n, dim=self.dim,
                    queries=len(self.queries), raw_mb=self.raw_mb, **self.params)


def read_idx_images(path):
    """An IDX3 uint8 image file (gzip) as an (n, rows*cols) float32 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = struct.unpack(">iiii", raw[:16])
    if magic != 0x803:
        raise ValueError(f"{path}: not an IDX3 uint8 file (magic {magic:#x})")
    data = np.frombuffer(raw, dtype=np.uint8, count=n * rows * cols, offset=16)
    return data.reshape(n, rows * cols).astype(np.float32)


def load_fashion(metric, n, nq, ninsert):
    train = read_idx_images(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz"))
    test = read_idx_images(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"))
    n = min(n, len(train))
    nq = min(nq, len(test))
    # queries: the first nq test images; inserts: the test images after them
    inserts = test[nq:nq + ninsert]
    name = "fashion" if metric == "l2" else f"fashion-{metric}"
    return Dataset(name, metric, train[:n], test[:nq], inserts,
                   dict(source=f"{FASHION_DIR} (IDX, raw pixel values 0..255)",
                        queries_from="first test images"))


def make_synthetic(metric, n, dim, nq, ninsert, seed, clusters, name=None):
    """Clustered Gaussian: `clusters` centres ~ N(0, 1), points = centre +
    N(0, 0.5^2) per coordinate, clusters drawn uniformly.  Queries and the
    rows inserted later come from the same distribution, not from the base.
    name: the data set's name (default synthetic, synthetic-<metric>)."""
    rng = np.random.default_rng(seed)
    centres = SYNTHETIC_CENTRE_SIGMA * rng.standard_normal((clusters, dim), dtype=np.float32)
    total = n + nq + ninsert
    out = np.empty((total, dim), dtype=np.float32)
    step = 65536
    for lo in range(0, total, step):
        hi = min(total, lo + step)
        label = rng.integers(0, clusters, hi - lo)
        out[lo:hi] = centres[label] + SYNTHETIC_POINT_SIGMA * rng.standard_normal(
            (hi - lo, dim), dtype=np.float32)
    if name is None:
        name = "synthetic" if metric == "l2" else f"synthetic-{metric}"
    return Dataset(name, metric, out[:n], out[n:n + nq], out[n + nq:], dict(
        source="clustered Gaussian", seed=seed, clusters=clusters,
        centre_sigma=SYNTHETIC_CENTRE_SIGMA, point_sigma=SYNTHETIC_POINT_SIGMA))


# ----------------------------------------------------------------------------
# Ground truth
# ----------------------------------------------------------------------------
def exact_distances(base, ids, q, metric):
    """float64 distances from q to base[ids] (cosine: 1 - cos)."""
    b = base[ids].astype(np.float64)
    q = q.astype(np.float64)
    if metric == "l2":
        return np.sqrt(((b - q) ** 2).sum(axis=1))
    nb = np.linalg.norm(b, axis=1)
    nq = np.linalg.norm(q)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - (b @ q) / (nb * nq)


def compute_ground_truth(ds, k):
    """Exact top-k ids and distances.  A float32 matrix product picks 2k
    candidates per query; float64 distances on them decide the order."""
    base, queries = ds.base, ds.queries
    cand = min(ds.n, 2 * k)
    if ds.metric == "l2":
        bnorm = (base.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)
    else:
        inv = 1.0 / np.maximum(np.linalg.norm(base, axis=1), 1e-30)
        base = base * inv[:, None].astype(np.float32)
    ids = np.empty((len(queries), k), dtype=np.int32)
    dists = np.empty((len(queries), k), dtype=np.float64)
    # Queries per pass: the chunk x n score matrix, its temporaries and
    # argpartition's int64 indices take some 20 bytes an entry, so 5e7
    # entries keep a pass near 1 GB (50 queries at a time over 1M rows).
    chunk = max(1, min(256, int(5e7 // max(1, ds.n))))
    for lo in range(0, len(queries), chunk):
        q = queries[lo:lo + chunk]
        if ds.metric == "l2":
            score = bnorm[None, :] - 2.0 * (q @ base.T)       # ||b||^2 - 2 q.b
        else:
            score = -(q @ base.T)                            # -cos * |q|
        top = np.argpartition(score, cand - 1, axis=1)[:, :cand] if cand < ds.n else \
            np.tile(np.arange(ds.n), (len(q), 1))
        for i in range(len(q)):
            d = exact_distances(ds.base, top[i], q[i], ds.metric)
            order = np.lexsort((top[i], d))[:k]
            ids[lo + i] = top[i][order]
            dists[lo + i] = d[order]
    return ids, dists


def ground_truth(ds, cache):
    """(ids, dists, path, seconds) of the exact top-GT_K, from the cache dir
    when there (seconds is None then), else computed and stored there."""
    h = hashlib.sha1()
    h.update(f"{ds.metric}|{ds.base.shape}|{ds.queries.shape}|{GT_K}|v1".encode())
    h.update(ds.base.tobytes())
    h.update(ds.queries.tobytes())
    path = os.path.join(cache, f"gt-{ds.name}-{ds.n}x{ds.dim}-q{len(ds.queries)}-"
                               f"{h.hexdigest()[:16]}.npz")
    if os.path.exists(path):
        z = np.load(path)
        return z["ids"], z["dists"], path, None
    t = time.perf_counter()
    ids, dists = compute_ground_truth(ds, min(GT_K, ds.n))
    np.savez(path + ".tmp.npz", ids=ids, dists=dists)
    os.replace(path + ".tmp.npz", path)
    return ids, dists, path, time.perf_counter() - t


def recall_at_k(results, gt_ids, gt_dists, k):
    """Mean recall@k.  A returned id counts when it is among the exact top-GT_K
    and its distance is within RECALL_TIE_REL of the exact k-th distance, so
    that ties (duplicate images) at the k-th place are not counted as misses."""
    hits = 0
    for qi, res in enumerate(results):
        thr = gt_dists[qi, k - 1]
        thr = thr + abs(thr) * RECALL_TIE_REL + 1e-12
        pos = {int(i): j for j, i in enumerate(gt_ids[qi])}
        seen = set()
        for r in res[:k]:
            r = int(r)
            j = pos.get(r)
            if j is not None and r not in seen and gt_dists[qi, j] <= thr:
                hits += 1
            seen.add(r)
    return hits / (k * len(results))
