#!/usr/bin/python3
#-------------------------------------------------------------------------
# clients/test_clients.py
#	Round-trip `vector`, `halfvec`, `sparsevec` and `bit` values through
#	the Python drivers users already have: psycopg 3 (custom Dumper/Loader,
#	text and binary), psycopg2 (custom adapter and typecaster, binary COPY)
#	and SQLAlchemy (UserDefinedTypes with distance operators), with a kNN
#	query per type on an hnsw index.  Prints TAP.
#
#	PGHOST=... PGPORT=... PGUSER=... PGDATABASE=... /usr/bin/python3 test_clients.py
#
# The database needs vecext installed; the test runs CREATE EXTENSION IF
# NOT EXISTS vecext and uses temporary tables only.  Every float32 (and
# half) value must come back bit for bit, in both wire formats: the text
# output is the shortest text that round-trips a float4, and the binary
# format carries the float4 (half) bytes themselves.
#
# Python values: vector <-> numpy float32 array; halfvec <-> HalfVector
# (a numpy float16 array inside); sparsevec <-> SparseVector (dim, 0-based
# indices, float32 values); bit <-> Bit (a numpy bool array inside).
#
# The adapters below are meant to be copied: each is the smallest complete
# way to use vecext from that driver.
#-------------------------------------------------------------------------
import contextlib
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


def to_binary(vec, dtype=">f4"):
    """int16 dims, int16 unused (0), dims x float4 (">f2": half), all big-endian."""
    arr = np.asarray(vec, dtype=dtype)
    return struct.pack(">hh", len(arr), 0) + arr.tobytes()


def from_binary(data, dtype=">f4"):
    dims, unused = struct.unpack_from(">hh", data)
    size = np.dtype(dtype).itemsize
    assert unused == 0, f"unused header field is {unused}"
    assert len(data) == 4 + size * dims, f"{len(data)} bytes for {dims} dims"
    return np.frombuffer(data, dtype=dtype, offset=4).astype(dtype[1:])


class HalfVector:
    """halfvec: numpy float16 values.  float32 input rounds to the nearest
    half (ties to even), as the server rounds a float4; beyond 65504 it
    becomes inf, which the server rejects."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float32).astype(np.float16)

    def to_text(self):      # float4 digits of each half: exact
        return to_text(self.values)

    def to_binary(self):
        return to_binary(self.values, ">f2")

    @classmethod
    def from_text(cls, text):
        return cls(from_text(text))

    @classmethod
    def from_binary(cls, data):
        return cls(from_binary(data, ">f2"))


class SparseVector:
    """sparsevec: dim, sorted 0-based int32 indices, float32 values (no zeros).
    Text '{1:1.5,3:2}/5' is 1-based; binary: int32 dim, int32 nnz, int32 unused
    (0), nnz x int32 index (0-based), nnz x float4, big-endian."""

    def __init__(self, dim, indices=(), values=()):
        order = np.argsort(np.asarray(indices, dtype=np.int64), kind="stable")
        self.dim = int(dim)
        self.indices = np.asarray(indices, dtype=np.int32)[order]
        self.values = np.asarray(values, dtype=np.float32)[order]

    @classmethod
    def from_dense(cls, dense):
        nz = np.flatnonzero(dense)
        return cls(len(dense), nz, np.asarray(dense, dtype=np.float32)[nz])

    def to_text(self):
        pairs = ",".join(f"{i + 1}:{x}" for i, x in zip(self.indices, self.values))
        return f"{{{pairs}}}/{self.dim}"

    def to_binary(self):
        return (struct.pack(">iii", self.dim, len(self.indices), 0)
                + self.indices.astype(">i4").tobytes() + self.values.astype(">f4").tobytes())

    @classmethod
    def from_text(cls, text):
        body, dim = text.strip().rsplit("/", 1)
        pairs = [p.split(":") for p in body.strip()[1:-1].split(",") if p.strip()]
        return cls(int(dim), [int(i) - 1 for i, _ in pairs], [float(x) for _, x in pairs])

    @classmethod
    def from_binary(cls, data):
        dim, nnz, unused = struct.unpack_from(">iii", data)
        assert unused == 0, f"unused header field is {unused}"
        assert len(data) == 12 + 8 * nnz, f"{len(data)} bytes for {nnz} non-zeros"
        return cls(dim, np.frombuffer(data, ">i4", nnz, 12), np.frombuffer(data, ">f4", nnz, 12 + 4 * nnz))


class Bit:
    """bit(n): a numpy bool array.  Text '0101'; binary (PostgreSQL's varbit
    format): int32 bit count, then the bits packed first bit high, zero-padded."""

    def __init__(self, bits):
        self.bits = np.asarray(bits, dtype=bool)

    def to_text(self):
        return (self.bits.astype(np.uint8) + ord("0")).tobytes().decode()

    def to_binary(self):
        return struct.pack(">i", len(self.bits)) + np.packbits(self.bits).tobytes()

    @classmethod
    def from_text(cls, text):
        return cls(np.frombuffer(text.strip().encode(), dtype=np.uint8) == ord("1"))

    @classmethod
    def from_binary(cls, data):
        (n,) = struct.unpack_from(">i", data)
        assert len(data) == 4 + (n + 7) // 8, f"{len(data)} bytes for {n} bits"
        return cls(np.unpackbits(np.frombuffer(data, np.uint8, offset=4), count=n))


# SQL type name: (Python class, text parser, binary parser)
TYPES = {
    "vector": (np.ndarray, from_text, from_binary),
    "halfvec": (HalfVector, HalfVector.from_text, HalfVector.from_binary),
    "sparsevec": (SparseVector, SparseVector.from_text, SparseVector.from_binary),
    "bit": (Bit, Bit.from_text, Bit.from_binary),
}


def text_of(obj):
    return to_text(obj) if isinstance(obj, np.ndarray) else obj.to_text()


def binary_of(obj):
    return to_binary(obj) if isinstance(obj, np.ndarray) else obj.to_binary()


#----------------------------------------------------------------------
# psycopg 3: Dumpers and Loaders for both formats
#----------------------------------------------------------------------
class TextDumper(Dumper):
    format = Format.TEXT

    def dump(self, obj):
        return text_of(obj).encode()


class BinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        return binary_of(obj)


class TextLoader(Loader):
    format = Format.TEXT
    parse = None            # set per type

    def load(self, data):
        return self.parse(bytes(data).decode())


class BinaryLoader(Loader):
    format = Format.BINARY
    parse = None

    def load(self, data):
        return self.parse(bytes(data))


def psycopg3_register(conn):
    """The four types on one connection, oids looked up by name.  %t sends
    text, %b binary (%s: binary, the last one registered); cursor(binary=True)
    reads binary.  Returns {type name: oid}."""
    oids = {}
    for name, (cls, parse_text, parse_binary) in TYPES.items():
        info = TypeInfo.fetch(conn, name)
        info.register(conn)
        for base in (TextDumper, BinaryDumper):
            conn.adapters.register_dumper(cls, type(base.__name__, (base,), {"oid": info.oid}))
        for base, parse in ((TextLoader, parse_text), (BinaryLoader, parse_binary)):
            conn.adapters.register_loader(
                info.oid, type(base.__name__, (base,), {"parse": staticmethod(parse)}))
        oids[name] = info.oid
    return oids


#----------------------------------------------------------------------
# psycopg2: an adapter (Python -> SQL literal) and a typecaster (text -> numpy)
#----------------------------------------------------------------------
def psycopg2_register(conn):
    """Adapters (Python -> SQL literal) and typecasters (text -> Python) for
    the four types.  A Bit is sent as varbit (a bare ::bit means bit(1)), so
    both bit and varbit read back as Bit."""
    oids = {}
    with conn.cursor() as cur:
        for name, (cls, parse_text, _) in TYPES.items():
            cast = "varbit" if name == "bit" else name
            psycopg2.extensions.register_adapter(
                cls, lambda obj, cast=cast: psycopg2.extensions.AsIs(f"'{text_of(obj)}'::{cast}"))
            cur.execute("SELECT %s::regtype::oid, %s::regtype::oid", (name, cast))
            oids[name] = cur.fetchone()
            caster = psycopg2.extensions.new_type(
                oids[name], name.upper(),
                lambda value, cur, parse=parse_text: None if value is None else parse(value))
            psycopg2.extensions.register_type(caster, conn)
    return oids


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
    """Build a binary COPY stream from rows of fields (each bytes or None)."""
    out = [b"PGCOPY\n\xff\r\n\0", struct.pack(">ii", 0, 0)]
    for row in rows:
        out.append(struct.pack(">h", len(row)))
        out.extend(struct.pack(">i", -1) if f is None else struct.pack(">i", len(f)) + f
                   for f in row)
    out.append(struct.pack(">h", -1))
    return b"".join(out)


#----------------------------------------------------------------------
# SQLAlchemy: UserDefinedTypes with the distance operators (text on the wire)
#----------------------------------------------------------------------
class Vector(UserDefinedType):
    cache_ok = True
    sql_name = "VECTOR"
    sql_type = "vector"     # TYPES key: the text parser

    def __init__(self, dim=None):
        self.dim = dim

    def get_col_spec(self, **kw):
        return self.sql_name if self.dim is None else f"{self.sql_name}({self.dim})"

    def bind_processor(self, dialect):
        return lambda value: None if value is None else text_of(value)

    def result_processor(self, dialect, coltype):
        parse = TYPES[self.sql_type][1]
        return lambda value: None if value is None else parse(value)

    class comparator_factory(UserDefinedType.Comparator):
        def l2_distance(self, other):
            return self.op("<->", return_type=Float)(other)

        def cosine_distance(self, other):
            return self.op("<=>", return_type=Float)(other)

        def max_inner_product(self, other):
            return self.op("<#>", return_type=Float)(other)

        def l1_distance(self, other):
            return self.op("<+>", return_type=Float)(other)


class HalfVec(Vector):
    cache_ok = True
    sql_name, sql_type = "HALFVEC", "halfvec"


class SparseVec(Vector):
    cache_ok = True
    sql_name, sql_type = "SPARSEVEC", "sparsevec"


class BitString(Vector):
    """bit(n) as Bit values; a bare BIT would be bit(1), so give the length."""
    cache_ok = True
    sql_name, sql_type = "BIT", "bit"

    class comparator_factory(UserDefinedType.Comparator):
        def hamming_distance(self, other):
            return self.op("<~>", return_type=Float)(other)

        def jaccard_distance(self, other):
            return self.op("<%>", return_type=Float)(other)


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


def random_half(dims):
    """Random finite halves from their bits: every exponent, subnormals, -0, 65504."""
    bits = RNG.integers(0, 0x7c00, dims, dtype=np.uint16) | (
        RNG.integers(0, 2, dims, dtype=np.uint16) << 15)
    return HalfVector(bits.view(np.float16))


def random_sparse(dim, nnz, pool=None):
    """nnz non-zeros at distinct indices below dim (or drawn from pool)."""
    idx = RNG.choice(pool, nnz, replace=False) if pool is not None else \
        np.unique(RNG.integers(0, dim, 2 * nnz))[:nnz]
    return SparseVector(dim, idx, RNG.normal(size=len(idx)).astype(np.float32) + 0.5)


def random_bits(n):
    return Bit(RNG.random(n) < 0.5)


def check_value(got, want, what):
    """got equals want exactly: same class, dims, indices and bits of every value."""
    if want is None or isinstance(want, np.ndarray):
        assert (got is None) == (want is None), f"{what}: {got!r}, want {want!r}"
        return None if want is None else check_same(got, want, what)
    assert type(got) is type(want), f"{what}: a {type(got).__name__}, want {type(want).__name__}"
    if isinstance(want, HalfVector):
        same = got.values.shape == want.values.shape and \
            np.array_equal(got.values.view(np.uint16), want.values.view(np.uint16))
    elif isinstance(want, SparseVector):
        same = got.dim == want.dim and np.array_equal(got.indices, want.indices) and \
            same_bits(got.values, want.values)
    else:
        same = np.array_equal(got.bits, want.bits)
    assert same, f"{what}: {text_of(got)[:200]} != {text_of(want)[:200]}"


def check_rows(got, want, what):
    """Rows (id, v, h, s, b) equal exactly."""
    assert len(got) == len(want), f"{what}: {len(got)} rows, want {len(want)}"
    for g, w in zip(got, want):
        assert len(g) == len(w) and g[0] == w[0], f"{what}: row {tuple(g)[:1]}, want {w[:1]}"
        for name, gv, wv in zip(("v", "h", "s", "b"), tuple(g)[1:], w[1:]):
            check_value(gv, wv, f"{what}, id {w[0]}, {name}")


def exact_distance(a, b, op):
    """The distance computed here in float64 from the exact stored values."""
    if isinstance(a, Bit):
        x, y = a.bits, b.bits
        return float(np.count_nonzero(x != y)) if op == "<~>" else \
            1 - np.count_nonzero(x & y) / np.count_nonzero(x | y)
    if isinstance(a, SparseVector):
        cols = np.union1d(a.indices, b.indices)
        x, y = np.zeros(len(cols)), np.zeros(len(cols))
        x[np.searchsorted(cols, a.indices)] = a.values
        y[np.searchsorted(cols, b.indices)] = b.values
    else:
        x, y = (np.asarray(getattr(v, "values", v), dtype=np.float64) for v in (a, b))
    return float(np.linalg.norm(x - y)) if op == "<->" else -float(np.dot(x, y))


# One table with a column of each type, an hnsw index on each, and one kNN
# query per type; the query vector is always a bound parameter.
DIM, SPARSE_DIM, NROWS, K = 37, 1_000_000, 120, 5
SPARSE_POOL = np.union1d([0, SPARSE_DIM - 1], RNG.choice(SPARSE_DIM, 40, replace=False))
FOUR_TABLE = (f"CREATE TEMP TABLE four (id int PRIMARY KEY, v vector({DIM}), h halfvec({DIM}), "
              f"s sparsevec({SPARSE_DIM}), b bit({DIM}))")
KNN = (("v", "<->", "vector_l2_ops"), ("h", "<->", "halfvec_l2_ops"),
       ("s", "<->", "sparsevec_l2_ops"), ("b", "<~>", "bit_hamming_ops"))
FOUR_INDEXES = [f"CREATE INDEX four_{c} ON four USING hnsw ({c} {ops})" for c, _, ops in KNN]
# ef_search above the row count: the index scan must then return the exact kNN.
KNN_SETTINGS = ["SET hnsw.ef_search = 200", "SET enable_seqscan = off"]


def four_value(col):
    """A random value for column col of the kNN table."""
    if col == "v":
        return RNG.normal(size=DIM).astype(np.float32)
    if col == "h":
        return HalfVector(RNG.normal(size=DIM))
    if col == "s":
        return random_sparse(SPARSE_DIM, int(RNG.integers(1, 10)), SPARSE_POOL)
    return random_bits(DIM)


def four_rows(zero_row=True):
    """(id, v, h, s, b) rows: all zeros in row 1, all NULL in row 2, then random.
    The kNN tests leave out the zero row: as the nearest neighbour of every
    other row it is a hub that the graph's link pruning used to cut around
    (before builds linked every unreachable row, the index reached only about
    90 of these rows)."""
    rows = [(1, np.zeros(DIM, np.float32), HalfVector(np.zeros(DIM)), SparseVector(SPARSE_DIM),
             Bit(np.zeros(DIM, bool)))] if zero_row else []
    rows.append((2, None, None, None, None))
    return rows + [(i,) + tuple(four_value(c) for c, _, _ in KNN) for i in range(3, NROWS + 1)]


def knn_sql(col, op, param):
    return f"SELECT id, {col} {op} {param} FROM four ORDER BY {col} {op} {param} LIMIT {K}"


def check_knn(got, rows, col, op, query, what):
    """got [(id, distance)]: the K nearest rows by the exact distance."""
    pos = 1 + [c for c, _, _ in KNN].index(col)
    exact = {r[0]: exact_distance(r[pos], query, op) for r in rows if r[pos] is not None}
    assert len(got) == K, f"{what}: {len(got)} rows"
    for ident, dist in got:
        assert math.isclose(dist, exact[ident], rel_tol=1e-5, abs_tol=1e-6), \
            f"{what}: id {ident} at {dist}, exactly {exact[ident]}"
    mine = [exact[i] for i, _ in got]
    want = sorted(exact.values())[:K]
    assert np.allclose(mine, want, rtol=1e-5, atol=1e-6), f"{what}: {mine} are not the nearest {want}"


def check_index_plan(plan, col, what):
    text = "\n".join(r[0] for r in plan)
    assert f"Index Scan using four_{col}" in text, f"{what}: not an index scan:\n{text}"


#----------------------------------------------------------------------
# Tests
#----------------------------------------------------------------------
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@contextlib.contextmanager
def pg2():
    """A psycopg2 cursor with the four types registered."""
    conn = psycopg2.connect("")
    try:
        psycopg2_register(conn)
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


@contextlib.contextmanager
def sa_connection(meta):
    """A SQLAlchemy connection (psycopg2, one transaction) with meta's tables created."""
    engine = sa.create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(""))
    try:
        with engine.begin() as conn:
            meta.create_all(conn)
            yield conn
    finally:
        engine.dispose()


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
    """psycopg 3: binary COPY in and out of all four types with set_types, NULLs included"""
    types = ["int4", "vector", "halfvec", "sparsevec", "bit"]
    with pg3() as conn:
        conn.execute("CREATE TEMP TABLE tc (id int, v vector, h halfvec, s sparsevec, b bit(2000))")
        rows = [(i, random_vec(2000), random_half(2000), random_sparse(10 ** 9, 1000),
                 random_bits(2000)) if i % 3 else (i, None, None, None, None) for i in range(30)]
        with conn.cursor() as cur:
            with cur.copy("COPY tc FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for r in rows:
                    copy.write_row(r)
            with cur.copy("COPY tc TO STDOUT (FORMAT BINARY)") as copy:
                copy.set_types(types)
                got = sorted(copy.rows(), key=lambda r: r[0])
        check_rows(got, rows, "COPY")


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
def psycopg3_four_types_table():
    """psycopg 3: a vector/halfvec/sparsevec/bit table written and read in text and binary"""
    rows = four_rows()
    with pg3() as conn:
        conn.execute(FOUR_TABLE)
        for send in ("%t", "%b"):
            conn.execute("TRUNCATE four")
            conn.cursor().executemany(f"INSERT INTO four VALUES (%s, {send}, {send}, {send}, {send})",
                                      rows)
            for binary in (False, True):
                got = conn.cursor(binary=binary).execute("SELECT * FROM four ORDER BY id").fetchall()
                check_rows(got, rows, f"send {send}, binary result {binary}")


@test
def psycopg3_halfvec_exact_and_rounded():
    """psycopg 3: halfvec bit for bit in both formats; float32 rounds to nearest half like numpy"""
    with pg3() as conn:
        for h in (HalfVector([1, -2.5, 65504, -0.0]), random_half(3000), random_half(MAX_DIM)):
            for send in ("%t", "%b"):
                for binary in (False, True):
                    got = conn.cursor(binary=binary).execute(f"SELECT {send}::halfvec", (h,)).fetchone()[0]
                    check_value(got, h, f"{len(h.values)} dims, send {send}, binary {binary}")
        text = conn.execute("SELECT %b::text", (HalfVector([1, 0.1, -0.0]),)).fetchone()[0]
        assert text == "[1,0.099975586,-0]", text
        # float32 values: halfway between two halves (ties go to even), one
        # float32 either side of halfway, values of every half exponent,
        # values that underflow, and up to 65519.996 (rounds to 65504).
        lo = np.abs(random_half(2000).values)
        lo = lo[lo < 65504]
        mid = (lo.astype(np.float32) + (lo.view(np.uint16) + 1).view(np.float16).astype(np.float32)) / 2
        spread = RNG.uniform(1, 10, 2000) * np.power(10.0, RNG.integers(-9, 5, 2000))
        f32 = np.concatenate([mid, np.nextafter(mid, np.float32(np.inf)), np.nextafter(mid, np.float32(0)),
                              spread[spread < 65504], [65519.996, 2.9802322e-08, 2.9802326e-08, 1e-9]])
        f32 = (f32 * np.where(RNG.random(f32.size) < 0.5, -1, 1)).astype(np.float32)
        assert f32.size <= MAX_DIM, f32.size
        want = HalfVector(f32.astype(np.float16))
        check_value(HalfVector(f32), want, "HalfVector(float32)")
        # halfvec input from text; the vector -> halfvec cast from text and binary.
        for sql, param in (("SELECT %s::halfvec", to_text(f32)), ("SELECT %t::halfvec", f32),
                           ("SELECT %b::halfvec", f32), ("SELECT %b::halfvec", HalfVector(f32))):
            check_value(conn.execute(sql, (param,)).fetchone()[0], want, f"{sql} rounding")


@test
def psycopg3_sparsevec_round_trip():
    """psycopg 3: sparsevec {1:1.5,3:2}/5, {}/N, 1e6 and 1e9 dims, 16000 non-zeros, both formats"""
    edge = EDGE[EDGE != 0]
    values = [SparseVector(5, [0, 2], [1.5, 2]), SparseVector(SPARSE_DIM), SparseVector(1, [0], [-0.5]),
              SparseVector(SPARSE_DIM, [SPARSE_DIM - 1, 0] + list(range(7, 7 + len(edge) - 2)), edge),
              random_sparse(SPARSE_DIM, 1000), random_sparse(10 ** 9, 16000)]
    with pg3() as conn:
        for sv in values:
            for send in ("%t", "%b"):
                for binary in (False, True):
                    got = conn.cursor(binary=binary).execute(f"SELECT {send}::sparsevec", (sv,)).fetchone()[0]
                    check_value(got, sv, f"dim {sv.dim}, send {send}, binary {binary}")
            assert conn.execute("SELECT %t::sparsevec = %b::sparsevec", (sv, sv)).fetchone()[0]
        texts = conn.execute("SELECT %b::text, %b::text", tuple(values[:2])).fetchone()
        assert texts == ("{1:1.5,3:2}/5", "{}/1000000"), texts
        check_value(SparseVector.from_text(texts[0]), values[0], "parse {1:1.5,3:2}/5")
        check_value(SparseVector.from_dense([0, 0, 3, 0]), SparseVector(4, [2], [3]), "from_dense")


@test
def psycopg3_bit_round_trip_and_distances():
    """psycopg 3: bit in both formats, <~> and <%> equal the Hamming and Jaccard distances"""
    with pg3() as conn:
        for n in (1, 7, 8, 9, DIM, 1000, 64001):
            bits = random_bits(n)
            for send in ("%t", "%b"):
                for binary in (False, True):
                    got = conn.cursor(binary=binary).execute(f"SELECT {send}", (bits,)).fetchone()[0]
                    check_value(got, bits, f"{n} bits, send {send}, binary {binary}")
        assert conn.execute("SELECT %b::text", (Bit([0, 1, 0, 1, 1]),)).fetchone()[0] == "01011"
        for n in (5, DIM, 1000):
            a, b = random_bits(n), random_bits(n)
            for send in ("%t", "%b"):
                ham, jac = conn.execute(f"SELECT {send} <~> {send}, {send} <%%> {send}",
                                        (a, b, a, b)).fetchone()
                assert ham == exact_distance(a, b, "<~>"), (n, send, ham)
                assert math.isclose(jac, exact_distance(a, b, "<%>"), rel_tol=1e-12), (n, send, jac)


@test
def psycopg3_knn_hnsw():
    """psycopg 3: kNN on an hnsw index per type (<-> vector, halfvec, sparsevec; <~> bit), text and binary query"""
    rows = four_rows(zero_row=False)
    with pg3() as conn:
        conn.execute(FOUR_TABLE)
        conn.cursor().executemany("INSERT INTO four VALUES (%s, %b, %b, %b, %b)", rows)
        for sql in FOUR_INDEXES + KNN_SETTINGS:
            conn.execute(sql)
        for col, op, _ in KNN:
            query = four_value(col)
            for send in ("%t", "%b"):
                check_index_plan(conn.execute("EXPLAIN " + knn_sql(col, op, send), (query, query)),
                                 col, f"{col} {send}")
                got = conn.execute(knn_sql(col, op, send), (query, query)).fetchall()
                check_knn(got, rows, col, op, query, f"{col} {op} {send}")


@test
def psycopg2_text_round_trip():
    """psycopg2: adapter and typecaster; NULL, 1, 3, 2000 and 16000 dims, exact floats"""
    with pg2() as cur:
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


@test
def psycopg2_four_types():
    """psycopg2: halfvec, sparsevec and bit adapters and typecasters, a four-type table, exact values"""
    with pg2() as cur:
        for value in (random_half(3000), random_half(MAX_DIM), SparseVector(SPARSE_DIM),
                      SparseVector(5, [0, 2], [1.5, 2]), random_sparse(10 ** 9, 16000),
                      Bit([1]), random_bits(DIM), random_bits(64001)):
            cur.execute("SELECT %s", (value,))
            check_value(cur.fetchone()[0], value, f"SELECT {text_of(value)[:40]}")
        rows = four_rows()
        cur.execute(FOUR_TABLE)
        cur.executemany("INSERT INTO four VALUES (%s, %s, %s, %s, %s)", rows)
        cur.execute("SELECT * FROM four ORDER BY id")
        check_rows(cur.fetchall(), rows, "psycopg2")


@test
def psycopg2_knn_hnsw():
    """psycopg2: kNN on an hnsw index per type, the query a parameter"""
    rows = four_rows(zero_row=False)
    with pg2() as cur:
        cur.execute(FOUR_TABLE)
        cur.executemany("INSERT INTO four VALUES (%s, %s, %s, %s, %s)", rows)
        for sql in FOUR_INDEXES + KNN_SETTINGS:
            cur.execute(sql)
        for col, op, _ in KNN:
            query = four_value(col)
            cur.execute("EXPLAIN " + knn_sql(col, op, "%s"), (query, query))
            check_index_plan(cur.fetchall(), col, col)
            cur.execute(knn_sql(col, op, "%s"), (query, query))
            check_knn(cur.fetchall(), rows, col, op, query, f"{col} {op}")


@test
def psycopg2_binary_copy():
    """psycopg2: binary COPY in and out of all four types (the wire formats by hand), NULLs included"""
    with pg2() as cur:
        rows = [(i, None, None, None, None) if i == 3 else
                (i, random_vec(2000 + i), random_half(2000 + i), random_sparse(SPARSE_DIM, 500 + i),
                 random_bits(2000)) for i in range(8)]
        parsers = [TYPES[name][2] for name in ("vector", "halfvec", "sparsevec", "bit")]
        cur.execute("CREATE TEMP TABLE p2c (id int, v vector, h halfvec, s sparsevec, b bit(2000))")
        cur.copy_expert("COPY p2c FROM STDIN (FORMAT BINARY)", io.BytesIO(copy_binary_stream(
            [[struct.pack(">i", r[0])] + [None if x is None else binary_of(x) for x in r[1:]]
             for r in rows])))
        buf = io.BytesIO()
        cur.copy_expert("COPY (SELECT * FROM p2c ORDER BY id) TO STDOUT (FORMAT BINARY)", buf)
        got = [[struct.unpack(">i", g[0])[0]] +
               [None if x is None else parse(x) for parse, x in zip(parsers, g[1:])]
               for g in copy_binary_rows(buf.getvalue())]
        check_rows(got, rows, "binary COPY")
        # The text the typecasters read agrees with the binary COPY.
        cur.execute("SELECT * FROM p2c ORDER BY id")
        check_rows(cur.fetchall(), rows, "as text")


@test
def sqlalchemy_user_defined_type():
    """SQLAlchemy: UserDefinedType Vector(3) column, NULL, ORDER BY <-> and <=>"""
    meta = sa.MetaData()
    items = sa.Table("sa_items", meta,
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("embedding", Vector(3)),
                     prefixes=["TEMPORARY"])
    with sa_connection(meta) as conn:
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


@test
def sqlalchemy_large_and_exact():
    """SQLAlchemy: 2000-dim exact float round trip through the custom type"""
    meta = sa.MetaData()
    big = sa.Table("sa_big", meta, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("embedding", Vector(2000)), prefixes=["TEMPORARY"])
    vec = random_vec(2000)
    with sa_connection(meta) as conn:
        conn.execute(big.insert(), [{"id": 1, "embedding": vec}])
        got = conn.execute(sa.select(big.c.embedding)).scalar()
        check_same(got, vec, "2000 dims")
        d = conn.execute(sa.select(big.c.embedding.l2_distance(vec))).scalar()
        assert d == 0.0, d


@test
def sqlalchemy_four_types_knn():
    """SQLAlchemy: HalfVec, SparseVec, BitString columns, exact values, kNN on hnsw indexes, <%>"""
    meta = sa.MetaData()
    four = sa.Table("four", meta, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("v", Vector(DIM)), sa.Column("h", HalfVec(DIM)),
                    sa.Column("s", SparseVec(SPARSE_DIM)), sa.Column("b", BitString(DIM)),
                    prefixes=["TEMPORARY"])
    for col, _, ops in KNN:
        sa.Index(f"four_{col}", four.c[col], postgresql_using="hnsw", postgresql_ops={col: ops})
    distance = {"<->": lambda c, q: c.l2_distance(q), "<~>": lambda c, q: c.hamming_distance(q)}
    rows = four_rows(zero_row=False)
    with sa_connection(meta) as conn:
        ddl = conn.execute(sa.text(
            "SELECT string_agg(format_type(atttypid, atttypmod), ' ' ORDER BY attnum) "
            "FROM pg_attribute WHERE attrelid = 'four'::regclass AND attnum > 1")).scalar()
        assert ddl == f"vector({DIM}) halfvec({DIM}) sparsevec({SPARSE_DIM}) bit({DIM})", ddl
        conn.execute(four.insert(), [dict(zip(("id", "v", "h", "s", "b"), r)) for r in rows])
        check_rows(conn.execute(sa.select(four).order_by(four.c.id)).all(), rows, "SQLAlchemy")
        for sql in KNN_SETTINGS:
            conn.execute(sa.text(sql))
        scans = sa.text("SELECT pg_stat_get_xact_numscans(CAST(:ix AS regclass))")
        for col, op, _ in KNN:
            query = four_value(col)
            before = conn.execute(scans, {"ix": f"four_{col}"}).scalar()
            dist = distance[op](four.c[col], query)
            got = conn.execute(sa.select(four.c.id, dist).order_by(dist).limit(K)).all()
            check_knn([tuple(g) for g in got], rows, col, op, query, f"{col} {op}")
            after = conn.execute(scans, {"ix": f"four_{col}"}).scalar()
            assert after == before + 1, f"{col}: index four_{col} scanned {after - before} times"
        a, b = rows[5][4], rows[6][4]
        jac = conn.execute(sa.select(four.c.b.jaccard_distance(b)).where(four.c.id == rows[5][0])).scalar()
        assert math.isclose(jac, exact_distance(a, b, "<%>"), rel_tol=1e-12), jac
        h = conn.execute(sa.select(four.c.h.max_inner_product(rows[7][2])).where(four.c.id == rows[8][0])).scalar()
        assert math.isclose(h, exact_distance(rows[8][2], rows[7][2], "<#>"), rel_tol=1e-5), h


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
