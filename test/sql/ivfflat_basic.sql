-- ivfflat basics.  With ivfflat.probes = lists every list is read, so an
-- index scan gives exactly the order of the exact scan; with fewer probes
-- only the nearest centers' lists.  Distances are rounded so that SIMD and
-- scalar kernels print alike.
CREATE SCHEMA ivfflat_basic;
SET search_path = ivfflat_basic, public;

CREATE TABLE t (id int, v vector(3));
INSERT INTO t VALUES
	(1, '[1,0,0]'), (2, '[0,2,0]'), (3, '[0,0,3]'), (4, '[1,2,3]'),
	(5, '[-1,1,2]'), (6, '[3,3,-1]'), (7, '[2,-2,1]'),
	(8, '[0,0,0]'),		-- zero vector: not indexed under cosine
	(9, NULL);			-- NULL: never indexed
-- fewer rows than lists: a NOTICE, and as many lists as rows
CREATE INDEX t_l2 ON t USING ivfflat (v vector_l2_ops) WITH (lists = 20);
CREATE INDEX t_ip ON t USING ivfflat (v vector_ip_ops) WITH (lists = 3);
CREATE INDEX t_cos ON t USING ivfflat (v vector_cosine_ops) WITH (lists = 3);
SET enable_seqscan = off;
SET ivfflat.probes = 20;

EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <#> '[1.6,1.3,0.2]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <=> '[1.6,1.3,0.2]' LIMIT 3;

-- every row but NULL, in exact order; cosine leaves out the zero vector too
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 9;
SELECT id, round((v <#> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <#> '[1.6,1.3,0.2]' LIMIT 9;
SELECT id, round((v <=> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <=> '[1.6,1.3,0.2]' LIMIT 9;

-- the query must have the index's dimensions
SELECT id FROM t ORDER BY v <-> '[1,2]' LIMIT 1;
-- and an insert too (the column's typmod says so first)
INSERT INTO t VALUES (10, '[1,2]');

-- a NULL query vector orders every row alike: rows still come back
PREPARE null_l2(vector) AS
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> $1 LIMIT 20) s;
SET plan_cache_mode = force_generic_plan;
EXECUTE null_l2(NULL);
RESET plan_cache_mode;
DEALLOCATE null_l2;

-- inserts, updates and deletes, before and after VACUUM
INSERT INTO t VALUES (10, '[1.5,1.5,0]'), (11, NULL);
UPDATE t SET v = '[9,9,9]' WHERE id = 1;
DELETE FROM t WHERE id = 2;
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 5;
VACUUM t;
SELECT id, round((v <-> '[1.6,1.3,0.2]')::numeric, 4) AS dist
  FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 5;
SELECT id FROM t ORDER BY v <-> '[9,9,9]' LIMIT 1;
DROP TABLE t;

-- an index on an empty table: one list, filled by inserts
CREATE TABLE e (id int, v vector(3));
CREATE INDEX e_l2 ON e USING ivfflat (v);
SELECT id FROM e ORDER BY v <-> '[1,1,1]' LIMIT 3;
INSERT INTO e SELECT i, array[i, -i, i % 3]::vector FROM generate_series(1, 300) i;
SELECT count(*) FROM (SELECT id FROM e ORDER BY v <-> '[1,1,1]') s;
SELECT id FROM e ORDER BY v <-> '[5,-5,2]' LIMIT 3;
-- scans keep the centers between queries: a TRUNCATE (a new, empty
-- index) and the inserts after it are seen all the same
TRUNCATE e;
SELECT count(*) FROM (SELECT id FROM e ORDER BY v <-> '[1,1,1]') s;
INSERT INTO e SELECT i, array[i, i, i]::vector FROM generate_series(1, 10) i;
SELECT id FROM e ORDER BY v <-> '[1,1,1]' LIMIT 3;
DROP TABLE e;

-- 2000 random rows, 20 lists
SELECT setseed(0.125);
CREATE TABLE r (id int PRIMARY KEY, v vector(8), h halfvec(8), b bit(64));
INSERT INTO r SELECT i, x::vector, x::halfvec,
       (SELECT string_agg(CASE WHEN random() < 0.5 THEN '1' ELSE '0' END, '')
          FROM generate_series(1, 64) WHERE i > 0)::bit(64)
  FROM (SELECT i, (SELECT array_agg(random() - 0.5)::real[] FROM generate_series(1, 8) WHERE i > 0) x
          FROM generate_series(1, 2000) i) s;
CREATE INDEX r_l2 ON r USING ivfflat (v) WITH (lists = 20);
CREATE INDEX r_hcos ON r USING ivfflat (h halfvec_cosine_ops) WITH (lists = 20);
CREATE INDEX r_bit ON r USING ivfflat (b bit_hamming_ops) WITH (lists = 20);
CREATE TEMP TABLE q AS SELECT v, h, b FROM r WHERE id = 1;

-- probing every list gives the exact answer (bit distances tie: compare them)
SET ivfflat.probes = 20;
SELECT array_agg(id) = (SELECT array_agg(id) FROM (SELECT id FROM r
         ORDER BY (v <-> (SELECT v FROM q)) + 0, id LIMIT 10) x) AS l2_exact
  FROM (SELECT id FROM r ORDER BY v <-> (SELECT v FROM q) LIMIT 10) s;
SELECT array_agg(id) = (SELECT array_agg(id) FROM (SELECT id FROM r
         ORDER BY (h <=> (SELECT h FROM q)) + 0, id LIMIT 10) x) AS halfvec_cosine_exact
  FROM (SELECT id FROM r ORDER BY h <=> (SELECT h FROM q) LIMIT 10) s;
SELECT array_agg(d) = (SELECT array_agg(d) FROM (SELECT (b <~> (SELECT b FROM q)) + 0 AS d FROM r
         ORDER BY 1 LIMIT 10) x) AS hamming_exact
  FROM (SELECT b <~> (SELECT b FROM q) AS d FROM r ORDER BY b <~> (SELECT b FROM q) LIMIT 10) s;
-- every row, once
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM r ORDER BY v <-> (SELECT v FROM q)) s;

-- one probe reads one list: about 2000 / 20 rows, never all of them
SET ivfflat.probes = 1;
SELECT count(*) BETWEEN 10 AND 500 AS one_list
  FROM (SELECT id FROM r ORDER BY v <-> (SELECT v FROM q)) s;
-- and the query's own row is first (it is in the nearest list)
SELECT id FROM r ORDER BY v <-> (SELECT v FROM q) LIMIT 1;

-- a 1% filter: with iterative scans off one list holds about one match;
-- the planner does not use the index then, and the query gets its rows
RESET enable_seqscan;
EXPLAIN (COSTS OFF) SELECT id FROM r WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 10;
SELECT count(*) FROM (SELECT id FROM r WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 10) s;
-- forced, the scan comes up short
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) < 10 AS short FROM
  (SELECT id FROM r WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 10) s;
-- relaxed_order probes more lists until the query has its rows
SET ivfflat.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM r WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 10) s;
-- ivfflat.max_probes bounds it
SET ivfflat.max_probes = 2;
SELECT count(*) < 10 AS bounded FROM
  (SELECT id FROM r WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 10) s;
RESET ivfflat.max_probes;
RESET ivfflat.iterative_scan;
RESET enable_bitmapscan;

-- a rebuild gives the same lists: the same answers at one probe
CREATE TEMP TABLE before AS
  SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM r ORDER BY v <-> '[0.3,0,0,0,0,0,0,0]') s;
REINDEX INDEX r_l2;
SELECT (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM r ORDER BY v <-> '[0.3,0,0,0,0,0,0,0]') s)
       = (SELECT ids FROM before) AS same_lists;

-- half deleted, VACUUM: every live row still found; the space is reused
DELETE FROM r WHERE id % 2 = 0;
VACUUM r;
SET ivfflat.probes = 20;
SELECT count(*), bool_and(id % 2 = 1) FROM (SELECT id FROM r ORDER BY v <-> (SELECT v FROM q)) s;
CREATE TEMP TABLE size_before AS SELECT pg_relation_size('r_l2') AS s;
INSERT INTO r SELECT id + 2000, v, h, b FROM r WHERE id <= 2000;
SELECT pg_relation_size('r_l2') = (SELECT s FROM size_before) AS no_growth;
SELECT count(*) FROM (SELECT id FROM r ORDER BY v <-> (SELECT v FROM q)) s;
DROP TABLE r;

-- an unlogged table
CREATE UNLOGGED TABLE u (id int, v vector(2));
INSERT INTO u SELECT i, array[i, i * 2]::vector FROM generate_series(1, 100) i;
CREATE INDEX ON u USING ivfflat (v) WITH (lists = 4);
SET ivfflat.probes = 4;
SELECT id FROM u ORDER BY v <-> '[10,20]' LIMIT 3;
DROP TABLE u;

-- a column without dimensions cannot be indexed
CREATE TABLE nd (v vector);
CREATE INDEX ON nd USING ivfflat (v);
DROP TABLE nd;

RESET ivfflat.probes;
RESET enable_seqscan;
RESET search_path;
DROP SCHEMA ivfflat_basic CASCADE;
