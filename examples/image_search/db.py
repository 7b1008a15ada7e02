#-------------------------------------------------------------------------
# db.py
#	Connections, database set-up and the psycopg 3 adapters that send
#	numpy arrays as vecext `vector` values in the binary wire format.
#
# The connection comes from the usual libpq environment (PGHOST, PGPORT,
# PGUSER, PGPASSWORD...); run.sh sets it for its private cluster.
#
# Binary format of `vector` (send/recv, binary COPY), big-endian:
#	int16 dims, int16 unused (0), dims x float4
#-------------------------------------------------------------------------
import os
import struct

import numpy as np
import psycopg
from psycopg import sql
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

VECTOR_HEADER = struct.Struct(">hh")


def encode_vector(values):
    """float array -> the bytes of a `vector` in binary format."""
    arr = np.asarray(values, dtype=">f4").ravel()
    return VECTOR_HEADER.pack(len(arr), 0) + arr.tobytes()


def decode_vector(data):
    """Bytes of a `vector` in binary format -> float32 numpy array."""
    dims, unused = VECTOR_HEADER.unpack_from(data)
    if unused != 0:
        raise ValueError(f"bad vector header: unused field is {unused}, not 0")
    return np.frombuffer(data, dtype=">f4", count=dims,
                         offset=VECTOR_HEADER.size).astype(np.float32)


def vector_literal(values):
    """float array -> text form '[1,2.5,-3]' with float4-shortest digits."""
    return "[" + ",".join(str(v) for v in np.asarray(values, dtype=np.float32).ravel()) + "]"


class _VectorBinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        return encode_vector(obj)


class _VectorBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        return decode_vector(bytes(data))


class _VectorTextLoader(Loader):
    format = Format.TEXT

    def load(self, data):
        text = bytes(data).decode()
        return np.array([float(x) for x in text.strip("[]").split(",")],
                        dtype=np.float32)


def register_vector(conn):
    """Teach one psycopg connection the `vector` type: numpy arrays go out
    in binary, `vector` columns come back as float32 numpy arrays."""
    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise RuntimeError("type vector not found: run CREATE EXTENSION vecext first")
    info.register(conn)                 # so COPY set_types(["vector"]) resolves
    dumper = type("VectorBinaryDumper", (_VectorBinaryDumper,), {"oid": info.oid})
    conn.adapters.register_dumper(np.ndarray, dumper)
    conn.adapters.register_loader(info.oid, _VectorTextLoader)
    conn.adapters.register_loader(info.oid, _VectorBinaryLoader)
    return info.oid


def connect(dbname, register=True):
    """Connection to `dbname` (other settings from the environment)."""
    conn = psycopg.connect(dbname=dbname)
    if register:
        register_vector(conn)
    return conn


def ensure_database(dbname):
    """CREATE DATABASE dbname if it does not exist yet."""
    with psycopg.connect(dbname=os.environ.get("IMAGE_SEARCH_ADMIN_DB", "postgres"),
                         autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               (dbname,)).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def drop_database(dbname):
    """DROP DATABASE dbname if it exists, disconnecting its sessions."""
    with psycopg.connect(dbname=os.environ.get("IMAGE_SEARCH_ADMIN_DB", "postgres"),
                         autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                      .format(sql.Identifier(dbname)))


def has_hnsw(conn):
    """True when the hnsw index access method exists in this database."""
    return conn.execute("SELECT 1 FROM pg_am WHERE amname = 'hnsw'").fetchone() is not None


def prepare_database(dbname):
    """Create the database and the extension if needed; return a
    connection with the vector adapters registered."""
    ensure_database(dbname)
    with psycopg.connect(dbname=dbname, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vecext")
    return connect(dbname)
