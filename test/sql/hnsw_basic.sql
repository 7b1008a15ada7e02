-- hnsw index basics: on tables of a handful of rows every node links to
-- every other, so an index scan must give exactly the order of the exact
-- (sequential) scan.
-- Each opclass orders the same rows differently for the query
-- '[1.6,1.3,0.2]'; the distances are all distinct, so each order is unique.
-- Distances are rounded so that SIMD and scalar kernels print alike.

-- own schema, so that table names cannot clash with other tests
CREATE SCHEMA hnsw_basic;
SET search_path = hnsw_basic, public;

CREATE TABLE t (id int, v vector(3));
INSERT INTO t VALUES
	(1, '[1,0,0]'), (2, '[0,2,0]'), (3, '[0,0,3]'), (4, '[1,2,3]'),
	(5, '[-1,1,2]'), (6, '[3,3,-1]'), (7, '[2,-2,1]'),
	(8, '[0,0,0]'),		-- zero vector: not indexed under cosine
	(9, NULL);			-- NULL: never indexed
CREATE INDEX t_l2 ON t USING hnsw (v vector_l2_ops);
CREATE INDEX t_ip ON t USING hnsw (v vector_ip_ops);
CREATE INDEX t_cos ON t USING hnsw (v vector_cosine_ops);
CREATE INDEX t_l1 ON t USING hnsw (v vector_l1_ops);
SET enable_seqscan = off;

-- each operator picks the index of its own opclass
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <#> '[1.6,1.3,0.2]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <=> '[1.6,1.3,0.2]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <+> '[1.6,1.3,0.2]' LIMIT 3;

-- L2: the zero vector is indexed, the NULL row is not (9 rows asked, 8 come)
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 9;
-- the top 3 only
SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 3;

-- inner product
SELECT id, round((v <#> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <#> '[1.6,1.3,0.2]' LIMIT 9;

-- cosine: neither the zero vector nor NULL is in the index (7 rows)
SELECT id, round((v <=> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <=> '[1.6,1.3,0.2]' LIMIT 9;

-- L1
SELECT id, round((v <+> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <+> '[1.6,1.3,0.2]' LIMIT 9;

-- the same four queries without the index: the same orders, plus the rows
-- the index leaves out (the zero vector's cosine distance is NaN, sorting
-- after every number; NULL sorts last)
RESET enable_seqscan;
SET enable_indexscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 3;
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 9;
SELECT id, round((v <#> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <#> '[1.6,1.3,0.2]' LIMIT 9;
SELECT id, round((v <=> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <=> '[1.6,1.3,0.2]' LIMIT 9;
SELECT id, round((v <+> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <+> '[1.6,1.3,0.2]' LIMIT 9;
RESET enable_indexscan;
SET enable_seqscan = off;

-- a query vector that is a row's own vector finds that row first
SELECT id FROM t ORDER BY v <-> '[1,2,3]' LIMIT 1;
SELECT id FROM t ORDER BY v <=> '[2,4,6]' LIMIT 1;

-- the query vector must have the index's dimensions
SELECT id FROM t ORDER BY v <-> '[1,2]' LIMIT 1;
SELECT id FROM t ORDER BY v <=> '[1,2,3,4]' LIMIT 1;

-- a NULL query vector (a parameter, so that it is not folded away before
-- planning) orders every row alike: rows come back, in no particular order
PREPARE null_l2(vector) AS
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> $1 LIMIT 20) s;
PREPARE null_cos(vector) AS
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <=> $1 LIMIT 20) s;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE null_l2(NULL);
EXECUTE null_l2(NULL);
EXECUTE null_cos(NULL);
-- a zero query vector under cosine: every distance is NaN, rows still come
EXECUTE null_cos('[0,0,0]');
RESET plan_cache_mode;
DEALLOCATE null_l2;
DEALLOCATE null_cos;

-- a scan returns at most hnsw.ef_search rows, the nearest ones
SET hnsw.ef_search = 3;
SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 9;
RESET hnsw.ef_search;

-- rows inserted after the build are found; updated rows move; deleted rows
-- vanish, also after VACUUM
INSERT INTO t VALUES (10, '[1.5,1.5,0]'), (11, NULL);
UPDATE t SET v = '[9,9,9]' WHERE id = 1;
DELETE FROM t WHERE id = 2;
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 5;
VACUUM t;
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 5;
SELECT id FROM t ORDER BY v <=> '[1.6,1.3,0.2]' LIMIT 3;
SELECT id FROM t ORDER BY v <-> '[9,9,9]' LIMIT 1;
DROP TABLE t;

-- an index built on an empty table, then filled by inserts one at a time
CREATE TABLE e (id int, v vector(3));
CREATE INDEX e_l2 ON e USING hnsw (v vector_l2_ops);
CREATE INDEX e_cos ON e USING hnsw (v vector_cosine_ops);
SELECT id FROM e ORDER BY v <-> '[1,1,1]' LIMIT 3;
SELECT id FROM e ORDER BY v <=> '[1,1,1]' LIMIT 3;
INSERT INTO e VALUES (1, NULL), (2, '[0,0,0]');
-- only the zero vector: in the L2 index, not in the cosine one
SELECT id FROM e ORDER BY v <-> '[1,1,1]' LIMIT 3;
SELECT id FROM e ORDER BY v <=> '[1,1,1]' LIMIT 3;
INSERT INTO e VALUES
	(3, '[1,0,0]'), (4, '[0,2,0]'), (5, '[0,0,3]'), (6, '[1,2,3]'),
	(7, '[-1,1,2]'), (8, '[3,3,-1]'), (9, '[2,-2,1]');
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM e ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 9;
SELECT id, round((v <=> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM e ORDER BY v <=> '[1.6,1.3,0.2]' LIMIT 9;
DROP TABLE e;

-- duplicates: 20 copies of one vector in the build, 10 more inserted later
CREATE TABLE d (id int, v vector(3));
INSERT INTO d SELECT i, '[1,1,1]' FROM generate_series(1, 20) i;
INSERT INTO d VALUES
	(31, '[2,2,2]'), (32, '[0,1,1]'), (33, '[1,2,3]'), (34, '[3,3,3]'), (35, '[1,1,-1]');
CREATE INDEX ON d USING hnsw (v);
INSERT INTO d SELECT i, '[1,1,1]' FROM generate_series(21, 30) i;
-- all 30 copies at distance 0, then the others in order
SELECT count(*) AS copies, count(DISTINCT id) AS distinct_ids, min(id), max(id)
  FROM (SELECT id, v <-> '[1,1,1]' AS dist FROM d ORDER BY v <-> '[1,1,1]' LIMIT 35) s
 WHERE dist = 0;
SELECT id, round(dist::numeric, 4) AS dist
  FROM (SELECT id, v <-> '[1,1,1]' AS dist FROM d ORDER BY v <-> '[1,1,1]' LIMIT 35) s
 WHERE dist > 0;
-- from elsewhere, the copies come after the nearer rows
SELECT id, round((v <-> '[3,3,2.9]')::numeric, 4) AS dist
  FROM d ORDER BY v <-> '[3,3,2.9]' LIMIT 3;
DROP TABLE d;

-- a temporary table (local buffers, no WAL)
CREATE TEMP TABLE tt (id int, v vector(2));
INSERT INTO tt VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[3,0]'), (4, '[6,0]');
CREATE INDEX ON tt USING hnsw (v vector_l1_ops);
INSERT INTO tt VALUES (5, '[10,0]');
SELECT id FROM tt ORDER BY v <+> '[5.9,0]' LIMIT 5;
DROP TABLE tt;

-- an unlogged table (the index gets an init fork)
CREATE UNLOGGED TABLE ut (id int, v vector(2));
CREATE INDEX ON ut USING hnsw (v vector_ip_ops);
INSERT INTO ut VALUES (1, '[1,0]'), (2, '[2,1]'), (3, '[0,2.5]'), (4, '[-1,-1]');
SELECT id FROM ut ORDER BY v <#> '[1,1]' LIMIT 4;
DROP TABLE ut;

-- indexable columns must declare their dimensions
CREATE TABLE nodim (v vector);
CREATE INDEX ON nodim USING hnsw (v vector_l2_ops);
DROP TABLE nodim;

-- an element (vector and links) must fit one page: 2008 dimensions with
-- the default m = 16; one more is an error naming the limit
CREATE TABLE wide (v vector(2008));
CREATE INDEX ON wide USING hnsw (v);
INSERT INTO wide SELECT array_fill(1, ARRAY[2008])::vector;
SELECT count(*) FROM (SELECT 1 FROM wide ORDER BY v <-> array_fill(0, ARRAY[2008])::vector LIMIT 1) s;
DROP TABLE wide;
CREATE TABLE wider (v vector(2009));
CREATE INDEX ON wider USING hnsw (v);
DROP TABLE wider;

RESET search_path;
DROP SCHEMA hnsw_basic;
