#-------------------------------------------------------------------------
# load.py
#	Embed Fashion-MNIST images and store them in the `images` table with
#	binary COPY, batch by batch, resumable and idempotent.
#
#	/usr/bin/python3 load.py --db image_search --weights out/model.pt
#	/usr/bin/python3 load.py --db image_search_ci --weights out/ci/model.pt \
#	    --train-count 500 --test-count 100
#
# Tables (D = the network's embedding size, 128):
#
#	images(id integer PRIMARY KEY,       -- train i -> i, test i -> 60000 + i
#	       split text,                   -- 'train' (the gallery) or 'test' (queries)
#	       label smallint,               -- 0..9, see fmnist.LABELS
#	       embedding vector(D))          -- the learned embedding
#	image_pixels(id, split, label,       -- the same images, for the baseline:
#	       pixels vector(784))           -- raw pixels in [0, 1]
#
# The raw pixels live in a table of their own: a 784-dim row is six times
# the size of a 128-dim one, and an exact scan of the embeddings should not
# have to read past them.
#
# Each batch (embed, COPY into both tables, commit) is one transaction, and
# rows already stored are skipped, so an interrupted load resumes where it
# stopped and a second run adds nothing.  The weights' fingerprint is kept
# in image_search_meta: embeddings made by other weights are not mixed in;
# the tables are recreated instead.
#-------------------------------------------------------------------------
import argparse
import sys
import time

import numpy as np

import db
import fmnist
import model as modelmod
from progress import Progress

DEFAULT_BATCH = 2000
PIXEL_DIM = 28 * 28
SCHEMA_VERSION = "2"        # bump when the DDL below changes: tables are remade

META_DDL = """
CREATE TABLE IF NOT EXISTS image_search_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
)"""

IMAGES_DDL = """
CREATE TABLE images (
    id        integer PRIMARY KEY,
    split     text     NOT NULL CHECK (split IN ('train', 'test')),
    label     smallint NOT NULL CHECK (label BETWEEN 0 AND 9),
    embedding vector({dim}) NOT NULL
)"""

PIXELS_DDL = """
CREATE TABLE image_pixels (
    id        integer PRIMARY KEY REFERENCES images ON DELETE CASCADE,
    split     text     NOT NULL CHECK (split IN ('train', 'test')),
    label     smallint NOT NULL CHECK (label BETWEEN 0 AND 9),
    pixels    vector({pixels}) NOT NULL
)"""

# A 784-dim vector is 3,140 bytes: with the type's default (external)
# storage it would live in the TOAST table and every exact scan would
# fetch it from there.  PLAIN keeps it in the row (two rows to a page).
PIXELS_STORAGE = "ALTER TABLE image_pixels ALTER COLUMN pixels SET STORAGE PLAIN"


def _meta(conn, key):
    row = conn.execute("SELECT value FROM image_search_meta WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


def _set_meta(conn, key, value):
    conn.execute("INSERT INTO image_search_meta VALUES (%s, %s) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


def ensure_schema(conn, dim, weights_id, log=sys.stderr):
    """Create `images` if needed; recreate it when it holds embeddings
    from other weights or of another size."""
    conn.execute(META_DDL)
    exists = conn.execute("SELECT to_regclass('images') IS NOT NULL "
                          "AND to_regclass('image_pixels') IS NOT NULL").fetchone()[0]
    stored = _meta(conn, "weights")
    if exists and _meta(conn, "schema") != SCHEMA_VERSION:
        print("load: the tables have an older layout: recreating them", file=log)
        exists = False
    elif exists and stored != weights_id:
        print(f"load: images holds embeddings from weights {stored}, "
              f"not {weights_id}: recreating the tables", file=log)
        exists = False
    if not exists:
        conn.execute("DROP TABLE IF EXISTS image_pixels, images")
        conn.execute(IMAGES_DDL.format(dim=int(dim)))
        conn.execute(PIXELS_DDL.format(pixels=PIXEL_DIM))
        conn.execute(PIXELS_STORAGE)
        _set_meta(conn, "schema", SCHEMA_VERSION)
        _set_meta(conn, "weights", weights_id)
        _set_meta(conn, "embedding_dim", str(dim))
    conn.commit()


def load_split(conn, net, split, count, batch_size=DEFAULT_BATCH, log=sys.stderr,
               stop_after=None):
    """Store the first `count` images of `split`; return rows added.
    stop_after: stop after this many batches (to test resuming)."""
    images, labels = fmnist.load(split)
    count = len(images) if count is None else min(count, len(images))
    first, last = fmnist.image_id(split, 0), fmnist.image_id(split, count - 1)
    present = {r[0] for r in conn.execute(
        "SELECT id FROM images WHERE id BETWEEN %s AND %s", (first, last))}
    todo = [i for i in range(count) if fmnist.image_id(split, i) not in present]
    conn.commit()
    if not todo:
        print(f"load: {split}: all {count} images already stored", file=log)
        return 0

    bar = Progress(len(todo), f"load {split}", unit="images")
    added = 0
    for start in range(0, len(todo), batch_size):
        idx = np.array(todo[start:start + batch_size])
        ids = [fmnist.image_id(split, int(i)) for i in idx]
        with conn.cursor() as cur:
            for table, column, vectors in (
                    ("images", "embedding", modelmod.embed_images(net, images[idx])),
                    ("image_pixels", "pixels", fmnist.pixels(images[idx]))):
                with cur.copy(f"COPY {table} (id, split, label, {column}) "
                              f"FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(["int4", "text", "int2", "vector"])
                    for j, i in enumerate(idx):
                        copy.write_row((ids[j], split, int(labels[i]), vectors[j]))
        conn.commit()                  # one batch, both tables = one transaction
        added += len(idx)
        bar.update(len(idx))
        if stop_after is not None and start // batch_size + 1 >= stop_after:
            print(f"\nload: {split}: stopping after {stop_after} batch(es), as asked",
                  file=log)
            break
    bar.close()
    return added


def load(dbname, weights, train_count=None, test_count=None,
         batch_size=DEFAULT_BATCH, log=sys.stderr, stop_after=None):
    """Embed and store; return the number of rows added by this run.
    stop_after=N stops after N batches of the training split, as an
    interrupted run would (pipeline.py --ci uses it to test resuming)."""
    modelmod.set_threads()
    net, _ = modelmod.load(weights)
    weights_id = modelmod.fingerprint(weights)
    t0 = time.monotonic()
    with db.prepare_database(dbname) as conn:
        ensure_schema(conn, net.embed_dim, weights_id, log)
        added = load_split(conn, net, "train", train_count, batch_size, log, stop_after)
        if stop_after is None:
            added += load_split(conn, net, "test", test_count, batch_size, log)
        conn.execute("ANALYZE images")
        conn.execute("ANALYZE image_pixels")
        conn.commit()
        counts = dict(conn.execute("SELECT split, count(*) FROM images GROUP BY split"))
    print(f"load: {added} rows added in {time.monotonic() - t0:.1f} s; table holds "
          f"{counts.get('train', 0)} train + {counts.get('test', 0)} test images", file=log)
    return added


def main(argv=None):
    ap = argparse.ArgumentParser(description="Embed Fashion-MNIST and COPY it into images.")
    ap.add_argument("--db", required=True, help="database name")
    ap.add_argument("--weights", required=True, help="weights written by train.py")
    ap.add_argument("--train-count", type=int, default=None,
                    help="store the first N training images (default: all 60000)")
    ap.add_argument("--test-count", type=int, default=None,
                    help="store the first N test images (default: all 10000)")
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    ap.add_argument("--stop-after", type=int, metavar="N",
                    help="stop after N batches, as if interrupted (to try resuming)")
    args = ap.parse_args(argv)
    load(args.db, args.weights, args.train_count, args.test_count, args.batch_size,
         stop_after=args.stop_after)


if __name__ == "__main__":
    main()
