-- hnsw_index_check(): the counts it returns on healthy indexes of every
-- kind, and what it refuses.  Damaged indexes are in test/t/012_check.pl.
SET client_min_messages = warning;
CREATE SCHEMA hnsw_check;
SET search_path = hnsw_check, public;
RESET client_min_messages;

SELECT setseed(0.75);
CREATE TABLE t (id int, v vector(16), c int);
INSERT INTO t SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16) WHERE i > 0)::vector, i % 5
  FROM generate_series(1, 3000) i;
INSERT INTO t VALUES (0, array_fill(0, ARRAY[16])::vector, 0), (-1, NULL, 0);
CREATE INDEX t_l2 ON t USING hnsw (v);
CREATE INDEX t_cos ON t USING hnsw (v vector_cosine_ops);
CREATE INDEX t_half ON t USING hnsw ((v::halfvec(16)) halfvec_l1_ops);
CREATE INDEX t_part ON t USING hnsw (v) WHERE c = 1;

-- every element reachable; heapallindexed counts the rows with an indexable
-- value (NULL never, the zero vector not under cosine, the predicate's rows)
SELECT elements, deleted, reachable, heap_rows, links > elements AS linked
  FROM hnsw_index_check('t_l2', true);
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('t_cos', true);
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('t_half', true);
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('t_part', true);
-- without heapallindexed, heap_rows is NULL
SELECT elements, heap_rows IS NULL AS no_heap FROM hnsw_index_check('t_l2');

-- after inserts, and after deletes and VACUUM (its space freed)
INSERT INTO t SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16) WHERE i > 0)::vector, i % 5
  FROM generate_series(3001, 3500) i;
SELECT elements, reachable, heap_rows FROM hnsw_index_check('t_l2', true);
DELETE FROM t WHERE id % 3 = 0;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('t_l2', true);
VACUUM t;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('t_l2', true);
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('t_half', true);

-- an empty index, and an unlogged one
CREATE TABLE e (v sparsevec(5));
CREATE INDEX e_idx ON e USING hnsw (v sparsevec_l2_ops);
SELECT * FROM hnsw_index_check('e_idx', true);
CREATE UNLOGGED TABLE u (v bit(8));
INSERT INTO u SELECT (i % 256)::bit(8) FROM generate_series(1, 300) i;
CREATE INDEX u_idx ON u USING hnsw (v bit_hamming_ops);
SELECT elements, reachable, heap_rows FROM hnsw_index_check('u_idx', true);

-- what it refuses
CREATE INDEX t_btree ON t (id);
SELECT * FROM hnsw_index_check('t_btree');
SELECT * FROM hnsw_index_check('t');
SELECT * FROM hnsw_index_check(NULL);

DROP TABLE t, e, u;
RESET search_path;
DROP SCHEMA hnsw_check;
