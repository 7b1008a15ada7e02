#-------------------------------------------------------------------------
# index.py
#	Build the HNSW indexes of the example.
#
#	/usr/bin/python3 index.py --db image_search
#
# Two partial indexes over the gallery (split = 'train'); the test images
# are the queries and are not indexed:
#
#	images_embedding_hnsw    ON images       (embedding vector_cosine_ops)
#	image_pixels_hnsw        ON image_pixels (pixels    vector_l2_ops)
#
# Why cosine for the embedding: the network classifies with a linear layer
# on top of the embedding, so what separates classes is the direction of
# the vector; its length follows contrast and confidence.  Cosine distance
# ignores the length (measured: see the "learned, L2, exact" row of the
# evaluation table).  Raw pixels are compared with plain Euclidean
# distance, the classic baseline.
#
# A kNN query uses a partial index only when it repeats the index's
# predicate: WHERE split = 'train' ORDER BY embedding <=> $1 LIMIT 10.
#
# An index of that name with another definition (access method, column,
# opclass or predicate) is dropped and built again; one that the installed
# vecext cannot read (written by a build with another on-disk format) is
# rebuilt with REINDEX.
#-------------------------------------------------------------------------
import argparse
import sys
import time

import psycopg
from psycopg import sql

import db

# (index name, table, column, opclass); m and ef_construction stay at the
# defaults (16 and 64).
INDEXES = [
    ("images_embedding_hnsw", "images", "embedding", "vector_cosine_ops"),
    ("image_pixels_hnsw", "image_pixels", "pixels", "vector_l2_ops"),
]


PREDICATE = "(split = 'train'::text)"     # as pg_get_expr() prints it

# The distance operator that each opclass serves in ORDER BY.
OPERATORS = {"vector_cosine_ops": "<=>", "vector_l2_ops": "<->"}

# What the catalogs say about an index: (table, column, access method,
# opclass, predicate) or None when there is no such index.
DESCRIBE_SQL = """
SELECT t.relname, a.attname, am.amname, oc.opcname, pg_get_expr(i.indpred, i.indrelid)
FROM pg_index i
     JOIN pg_class c ON c.oid = i.indexrelid
     JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_am am ON am.oid = c.relam
     JOIN pg_opclass oc ON oc.oid = i.indclass[0]
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indexrelid = to_regclass(%s) AND i.indnatts = 1"""


def describe(conn, name):
    row = conn.execute(DESCRIBE_SQL, (name,)).fetchone()
    return tuple(row) if row else None


def wanted(table, column, opclass):
    """describe()'s answer for an index this file builds."""
    return (table, column, "hnsw", opclass, PREDICATE)


def unreadable(conn, table, column, opclass):
    """The error message when an index scan of the table's HNSW index fails with
    index_corrupted (as on an index written by a vecext build with another
    on-disk format version), None when it works."""
    probe = sql.SQL("SELECT 1 FROM {t} WHERE split = 'train' "
                    "ORDER BY {c} {op} (SELECT {c} FROM {t} LIMIT 1) LIMIT 1").format(
        t=sql.Identifier(table), c=sql.Identifier(column), op=sql.SQL(OPERATORS[opclass]))
    try:
        with conn.transaction():
            conn.execute("SET LOCAL enable_seqscan = off")
            conn.execute(probe)
    except psycopg.errors.IndexCorrupted as e:
        return str(e).splitlines()[0]
    return None


def index_sql(name, table, column, opclass):
    return sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING hnsw ({} {}) "
                   "WHERE split = 'train'").format(
        sql.Identifier(name), sql.Identifier(table), sql.Identifier(column), sql.SQL(opclass))


def build(dbname, log=sys.stderr):
    """Create the indexes that do not exist; return {name: seconds} built now."""
    built = {}
    with db.connect(dbname) as conn:
        conn.autocommit = True
        if not db.has_hnsw(conn):
            raise RuntimeError("the hnsw index access method is not installed "
                               "(SELECT 1 FROM pg_am WHERE amname = 'hnsw' finds nothing)")
        for name, table, column, opclass in INDEXES:
            have = describe(conn, name)
            if have == wanted(table, column, opclass):
                problem = unreadable(conn, table, column, opclass)
                if problem is None:
                    print(f"index: {name} exists", file=log)
                    continue
                print(f"index: {problem}: REINDEX INDEX {name}", file=log)
                t0 = time.monotonic()
                conn.execute(sql.SQL("REINDEX INDEX {}").format(sql.Identifier(name)))
                built[name] = time.monotonic() - t0
                continue
            if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]:
                print(f"index: {name} has another definition {have}: rebuilding it",
                      file=log)
                conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
            stmt = index_sql(name, table, column, opclass)
            print(f"index: {stmt.as_string(conn)}", file=log)
            t0 = time.monotonic()
            conn.execute(stmt)
            built[name] = time.monotonic() - t0
            size = conn.execute("SELECT pg_size_pretty(pg_relation_size(%s::regclass))",
                                (name,)).fetchone()[0]
            print(f"index: {name} built in {built[name]:.1f} s ({size})", file=log)
    return built


def main(argv=None):
    ap = argparse.ArgumentParser(description="Build the example's HNSW indexes.")
    ap.add_argument("--db", required=True)
    args = ap.parse_args(argv)
    build(args.db)


if __name__ == "__main__":
    main()
