#!/usr/bin/python3
#-------------------------------------------------------------------------
# clients/test_clients.py
#	Round-trip `vector` values through the Python drivers users already
#	have: psycopg 3 (custom Dumper/Loader, text and binary), psycopg2
#	(custom adapter and typecaster, binary COPY) and SQLAlchemy (a
#	UserDefinedType with distance operators).  Prints TAP.
#
#	PGHOST=... PGPORT=... PGUSER=... PGDATABASE=... /usr/bin/python3 test_clients.py
#
# The database needs vecext installed; the test runs CREATE EXTENSION IF
# NOT EXISTS vecext and uses temporary tables only.  Every float32 value
# must come back bit for bit, in both wire formats: the text output is the
# shortest text that round-trips a float4, and the binary format carries
# the float4 bytes themselves.
#
# The adapters below are meant to be copied: each is the smallest complete
# way to use vecext from that driver.
#-------------------------------------------------------------------------
import io
import math
import struct
import sys
import traceback

import numpy as np

import psycopg
import psycopg2
import psycopg2.extensions
import sqlalchemy as sa
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo
from sqlalchemy.types import Float, UserDefinedType

RNG = np.random.default_rng(20240501)
MAX_DIM = 16000


#----------------------------------------------------------------------
# Vector encoding shared by the adapters (numpy float32 arrays)
#----------------------------------------------------------------------
def to_text(vec):
    """'[1,2.5,-3]': numpy prints the shortest digits that give back the float32."""
    return "[" + ",".join(str(x) for x in np.asarray(vec, dtype=np.float32)) + "]"


def from_text(text):
    body = text.strip()[1:-1]
    return np.array([float(x) for x in body.split(",")], dtype=np.float32)


def to_binary(vec):
    """int16 dims, int16 unused (0), dims x float4, all big-endian."""
    arr = np.asarray(vec, dtype=">f4")
    return struct.pack(">hh", len(arr), 0) + arr.tobytes()


def from_binary(data):
    dims, unused = struct.unpack_from(">hh", data)
    assert unused == 0, f"unused header field is {unused}"
    assert len(data) == 4 + 4 * dims, f"{len(data)} bytes for {dims} dims"
    return np.frombuffer(data, dtype=">f4", offset=4).astype(np.float32)


#----------------------------------------------------------------------
# psycopg 3: Dumpers and Loaders for both formats
#----------------------------------------------------------------------
class VectorTextDumper(Dumper):
    format = Format.TEXT

    def dump(self, obj):
        return to_text(obj).encode()


class VectorBinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        return to_binary(obj)


class VectorTextLoader(Loader):
    format = Format.TEXT

    def load(self, data):
        return from_text(bytes(data).decode())


class VectorBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        return from_binary(bytes(data))


def psycopg3_register(conn):
    """numpy arrays <-> vector on one connection.  %t sends text, %b binary
    (%s: binary, the last one registered); cursor(binary=True) reads binary."""
    info = TypeInfo.fetch(conn, "vector")
    info.register(conn)
    for base in (VectorTextDumper, VectorBinaryDumper):
        conn.adapters.register_dumper(np.ndarray, type(base.__name__, (base,), {"oid": info.oid}))
    conn.adapters.register_loader(info.oid, VectorTextLoader)
    conn.adapters.register_loader(info.oid, VectorBinaryLoader)
    return info.oid


#----------------------------------------------------------------------
# psycopg2: an adapter (Python -> SQL literal) and a typecaster (text -> numpy)
#----------------------------------------------------------------------
class _Psycopg2Vector:
    def __init__(self, vec):
        self.vec = vec

    def getquoted(self):
        return f"'{to_text(self.vec)}'::vector".encode()


def psycopg2_register(conn):
    psycopg2.extensions.register_adapter(np.ndarray, _Psycopg2Vector)
    with conn.cursor() as cur:
        cur.execute("SELECT 'vector'::regtype::oid")
        oid = cur.fetchone()[0]
    vector_type = psycopg2.extensions.new_type(
        (oid,), "VECTOR", lambda value, cur: None if value is None else from_text(value))
    psycopg2.extensions.register_type(vector_type, conn)
    return oid


def copy_binary_rows(data):
    """Parse PostgreSQL's binary COPY stream: [[bytes or None, ...], ...]."""
    sig = b"PGCOPY\n\xff\r\n\0"
    assert data[:11] == sig, "not a binary COPY stream"
    flags, ext = struct.unpack_from(">ii", data, 11)
    pos = 19 + ext
    rows = []
    while True:
        (nfields,) = struct.unpack_from(">h", data, pos)
        pos += 2
        if nfields == -1:
            return rows
        row = []
        for _ in range(nfields):
            (size,) = struct.unpack_from(">i", data, pos)
            pos += 4
            if size == -1:
                row.append(None)
            else:
                row.append(data[pos:pos + size])
                pos += size
        rows.append(row)


def copy_binary_stream(rows):
    """Build a binary COPY stream from rows of (int4, vector bytes or None)."""
    out = [b"PGCOPY\n\xff\r\n\0", struct.pack(">ii", 0, 0)]
    for ident, payload in rows:
        out.append(struct.pack(">hi", 2, 4) + struct.pack(">i", ident))
        out.append(struct.pack(">i", -1) if payload is None
                   else struct.pack(">i", len(payload)) + payload)
    out.append(struct.pack(">h", -1))
    return b"".join(out)


#----------------------------------------------------------------------
# SQLAlchemy: a UserDefinedType with the distance operators
#----------------------------------------------------------------------
class Vector(UserDefinedType):
    cache_ok = True

    def __init__(self, dim=None):
        self.dim = dim

    def get_col_spec(self, **kw):
        return "VECTOR" if self.dim is None else f"VECTOR({self.dim})"

    def bind_processor(self, dialect):
        return lambda value: None if value is None else to_text(value)

    def result_processor(self, dialect, coltype):
        return lambda value: None if value is None else from_text(value)

    class comparator_factory(UserDefinedType.Comparator):
        def l2_distance(self, other):
            return self.op("<->", return_type=Float)(other)

        def cosine_distance(self, other):
            return self.op("<=>", return_type=Float)(other)

        def max_inner_product(self, other):
            return self.op("<#>", return_type=Float)(other)


#----------------------------------------------------------------------
# Test values
#----------------------------------------------------------------------
def random_vec(dims):
    """Random float32 with a wide spread of exponents and signs."""
    mant = RNG.uniform(-1, 1, dims)
    exp = RNG.integers(-30, 30, dims)
    return (mant * np.power(10.0, exp)).astype(np.float32)


EDGE = np.array([0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 3.4028235e38, -3.4028235e38,
                 1.1754944e-38, 1e-45, -1e-45, 123456.79, 16777217.0, math.pi],
                dtype=np.float32)


def same_bits(a, b):
    """Equal bit for bit (so -0.0 is not 0.0)."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


def check_same(got, want, what):
    if not same_bits(got, want):
        bad = np.nonzero(np.asarray(got).view(np.uint32) != np.asarray(want).view(np.uint32))[0] \
            if np.shape(got) == np.shape(want) else []
        detail = (f"first difference at {bad[0]}: {got[bad[0]]!r} != {want[bad[0]]!r}"
                  if len(bad) else f"shape {np.shape(got)} != {np.shape(want)}")
        raise AssertionError(f"{what}: {detail}")


#----------------------------------------------------------------------
# Tests
#----------------------------------------------------------------------
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def pg3():
    conn = psycopg.connect(autocommit=True)
    psycopg3_register(conn)
    return conn


@test
def psycopg3_text_and_binary_small():
    """psycopg 3: [1,2,3] and a 1-dim vector, text and binary, both ways"""
    with pg3() as conn:
        for vec in (np.array([1, 2, 3], dtype=np.float32), np.array([-2.5], dtype=np.float32)):
            for send in ("%t", "%b"):
                for binary in (False, True):
                    cur = conn.cursor(binary=binary)
                    got = cur.execute(f"SELECT {send}::vector", (vec,)).fetchone()[0]
                    check_same(got, vec, f"send {send}, binary result {binary}")
        vec = np.array([1, 2.5, -3e-2], dtype=np.float32)
        text = conn.execute("SELECT %b::vector::text", (vec,)).fetchone()[0]
        assert text == "[1,2.5,-0.03]", text


@test
def psycopg3_exact_random_floats():
    """psycopg 3: random float32 and edge values come back bit for bit in both formats"""
    vec = np.concatenate([EDGE, random_vec(500)])
    with pg3() as conn:
        for send in ("%t", "%b"):
            for binary in (False, True):
                cur = conn.cursor(binary=binary)
                got = cur.execute(f"SELECT {send}::vector", (vec,)).fetchone()[0]
                check_same(got, vec, f"send {send}, binary result {binary}")
        # Both encodings give the server the same value.
        same = conn.execute("SELECT %t::vector = %b::vector", (vec, vec)).fetchone()[0]
        assert same, "text and binary parameters differ on the server"


@test
def psycopg3_large_dims():
    """psycopg 3: 2000-dim and 16000-dim vectors in both formats"""
    with pg3() as conn:
        for dims in (2000, MAX_DIM):
            vec = random_vec(dims)
            for send in ("%t", "%b"):
                for binary in (False, True):
                    got = conn.cursor(binary=binary).execute(
                        f"SELECT {send}::vector", (vec,)).fetchone()[0]
                    check_same(got, vec, f"{dims} dims, send {send}, binary {binary}")
            n = conn.execute("SELECT vector_dims(%b::vector)", (vec,)).fetchone()[0]
            assert n == dims, n


@test
def psycopg3_nulls_and_table():
    """psycopg 3: NULLs and a vector(3) table, insert and select in both formats"""
    with pg3() as conn:
        conn.execute("CREATE TEMP TABLE t3 (id int PRIMARY KEY, v vector(3))")
        rows = [(1, np.array([1, 2, 3], dtype=np.float32)), (2, None),
                (3, np.array([0.5, -0.25, 1e-7], dtype=np.float32))]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO t3 VALUES (%s, %t)", rows[:2])
            cur.execute("INSERT INTO t3 VALUES (%s, %b)", rows[2])
        for binary in (False, True):
            got = conn.cursor(binary=binary).execute("SELECT id, v FROM t3 ORDER BY id").fetchall()
            assert [g[0] for g in got] == [1, 2, 3], got
            assert got[1][1] is None, got[1]
            check_same(got[0][1], rows[0][1], "row 1")
            check_same(got[2][1], rows[2][1], "row 3")
        assert conn.execute("SELECT %b::vector IS NULL", (None,)).fetchone()[0]


@test
def psycopg3_binary_copy():
    """psycopg 3: binary COPY in and out with set_types, NULL included"""
    with pg3() as conn:
        conn.execute("CREATE TEMP TABLE tc (id int, v vector)")
        rows = [(i, random_vec(2000) if i % 3 else None) for i in range(30)]
        with conn.cursor() as cur:
            with cur.copy("COPY tc (id, v) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                for r in rows:
                    copy.write_row(r)
            with cur.copy("COPY tc (id, v) TO STDOUT (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                got = sorted(copy.rows(), key=lambda r: r[0])
        assert len(got) == len(rows), len(got)
        for (i, v), (gi, gv) in zip(rows, got):
            assert i == gi
            if v is None:
                assert gv is None, gi
            else:
                check_same(gv, v, f"row {i}")


@test
def psycopg3_dimension_error():
    """psycopg 3: a 4-dim value into vector(3) fails with "expected 3 dimensions, not 4" """
    with pg3() as conn:
        conn.execute("CREATE TEMP TABLE te (v vector(3))")
        for send in ("%t", "%b"):
            try:
                conn.execute(f"INSERT INTO te VALUES ({send})",
                             (np.array([1, 2, 3, 4], dtype=np.float32),))
            except psycopg.errors.DataException as e:
                assert e.diag.message_primary == "expected 3 dimensions, not 4", str(e)
            else:
                raise AssertionError(f"{send}: 4 dims accepted into vector(3)")


@test
def psycopg3_distance_operators():
    """psycopg 3: <->, <=>, <#> on binary parameters"""
    a = np.array([1, 2, 3], dtype=np.float32)
    b = np.array([4, 6, 3], dtype=np.float32)
    with pg3() as conn:
        l2, cos, ip = conn.execute("SELECT %b <-> %b, %b <=> %b, %b <#> %b",
                                   (a, b, a, b, a, b)).fetchone()
        assert abs(l2 - 5.0) < 1e-6, l2
        want_cos = 1 - (4 + 12 + 9) / (math.sqrt(14) * math.sqrt(61))
        assert abs(cos - want_cos) < 1e-6, cos
        assert abs(ip + 25) < 1e-6, ip


@test
def psycopg2_text_round_trip():
    """psycopg2: adapter and typecaster; NULL, 1, 3, 2000 and 16000 dims, exact floats"""
    conn = psycopg2.connect("")
    try:
        psycopg2_register(conn)
        with conn.cursor() as cur:
            for vec in (np.array([7], dtype=np.float32), np.array([1, 2, 3], dtype=np.float32),
                        np.concatenate([EDGE, random_vec(2000)]), random_vec(MAX_DIM)):
                cur.execute("SELECT %s", (vec,))
                check_same(cur.fetchone()[0], vec, f"{len(vec)} dims")
            cur.execute("CREATE TEMP TABLE p2 (id int, v vector(3))")
            cur.execute("INSERT INTO p2 VALUES (1, %s), (2, %s)",
                        (np.array([1, 2, 3], dtype=np.float32), None))
            cur.execute("SELECT v FROM p2 ORDER BY id")
            got = [r[0] for r in cur.fetchall()]
            check_same(got[0], np.array([1, 2, 3], dtype=np.float32), "row 1")
            assert got[1] is None, got
    finally:
        conn.close()


@test
def psycopg2_binary_copy():
    """psycopg2: binary COPY in and out (the binary wire format by hand), NULL included"""
    conn = psycopg2.connect("")
    try:
        psycopg2_register(conn)
        rows = [(i, None if i == 3 else random_vec(2000 + i)) for i in range(8)]
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE p2c (id int, v vector)")
            cur.copy_expert("COPY p2c (id, v) FROM STDIN (FORMAT BINARY)",
                            io.BytesIO(copy_binary_stream(
                                [(i, None if v is None else to_binary(v)) for i, v in rows])))
            buf = io.BytesIO()
            cur.copy_expert("COPY (SELECT id, v FROM p2c ORDER BY id) "
                            "TO STDOUT (FORMAT BINARY)", buf)
            got = copy_binary_rows(buf.getvalue())
            assert len(got) == len(rows), f"{len(got)} rows back, not {len(rows)}"
            for (i, v), (gi, gv) in zip(rows, got):
                assert struct.unpack(">i", gi)[0] == i
                if v is None:
                    assert gv is None, i
                else:
                    check_same(from_binary(gv), v, f"row {i}")
            # The text the typecaster reads agrees with the binary COPY.
            cur.execute("SELECT v FROM p2c ORDER BY id")
            text_rows = cur.fetchall()
            assert len(text_rows) == len(rows), len(text_rows)
            for (i, v), (tv,) in zip(rows, text_rows):
                if v is not None:
                    check_same(tv, v, f"row {i} as text")
    finally:
        conn.close()


@test
def sqlalchemy_user_defined_type():
    """SQLAlchemy: UserDefinedType Vector(3) column, NULL, ORDER BY <-> and <=>"""
    engine = sa.create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(""))
    meta = sa.MetaData()
    items = sa.Table("sa_items", meta,
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("embedding", Vector(3)),
                     prefixes=["TEMPORARY"])
    try:
        with engine.begin() as conn:
            meta.create_all(conn)
            ddl = conn.execute(sa.text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'sa_items'::regclass AND attname = 'embedding'")).scalar()
            assert ddl == "vector(3)", ddl
            conn.execute(items.insert(), [
                {"id": 1, "embedding": np.array([1, 1, 1], dtype=np.float32)},
                {"id": 2, "embedding": np.array([2, 2, 2], dtype=np.float32)},
                {"id": 3, "embedding": np.array([1, 1, 2], dtype=np.float32)},
                {"id": 4, "embedding": None},
            ])
            q = np.array([1, 1, 1.1], dtype=np.float32)
            got = conn.execute(sa.select(items.c.id)
                               .where(items.c.embedding.isnot(None))
                               .order_by(items.c.embedding.l2_distance(q)).limit(2)).scalars().all()
            assert got == [1, 3], got
            got = conn.execute(sa.select(items.c.id, items.c.embedding.cosine_distance(q))
                               .where(items.c.id == 2)).one()
            assert got[1] < 0.01, got
            rows = conn.execute(sa.select(items).order_by(items.c.id)).all()
            check_same(rows[2].embedding, np.array([1, 1, 2], dtype=np.float32), "row 3")
            assert rows[3].embedding is None, rows[3]
    finally:
        engine.dispose()


@test
def sqlalchemy_large_and_exact():
    """SQLAlchemy: 2000-dim exact float round trip through the custom type"""
    engine = sa.create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(""))
    meta = sa.MetaData()
    big = sa.Table("sa_big", meta, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("embedding", Vector(2000)), prefixes=["TEMPORARY"])
    vec = random_vec(2000)
    try:
        with engine.begin() as conn:
            meta.create_all(conn)
            conn.execute(big.insert(), [{"id": 1, "embedding": vec}])
            got = conn.execute(sa.select(big.c.embedding)).scalar()
            check_same(got, vec, "2000 dims")
            d = conn.execute(sa.select(big.c.embedding.l2_distance(vec))).scalar()
            assert d == 0.0, d
    finally:
        engine.dispose()


def main():
    with psycopg.connect(autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vecext")
    print(f"1..{len(TESTS)}", flush=True)
    failed = 0
    for n, fn in enumerate(TESTS, 1):
        try:
            fn()
            print(f"ok {n} - {fn.__doc__.strip()}", flush=True)
        except Exception:
            failed += 1
            print(f"not ok {n} - {fn.__doc__.strip()}", flush=True)
            for line in traceback.format_exc().rstrip().splitlines():
                print(f"# {line}", flush=True)
    print(f"{len(TESTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
