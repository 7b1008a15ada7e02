-- vecext 0.1.0 -> 0.2.0: halfvec, sparsevec and bit vectors, and their hnsw
-- operator classes.  Frozen once 0.2.0 is released.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION vecext UPDATE TO '0.2.0'" to load this file. \quit
