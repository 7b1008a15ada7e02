-- hnsw.iterative_scan: a filtered kNN query gets as many rows as it asks
-- for, instead of at most hnsw.ef_search; the scan stays bounded by
-- hnsw.max_scan_tuples and hnsw.scan_mem_multiplier.  5000 random 16-dim
-- rows (setseed); the serial build is seeded, so the graph is fixed.
CREATE SCHEMA hnsw_iterative;
SET search_path = hnsw_iterative, public;

SELECT setseed(0.25);
CREATE TABLE items (id int PRIMARY KEY, v vector(16));
INSERT INTO items
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)::vector
  FROM generate_series(1, 5000) i;
CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops);
ANALYZE items;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET hnsw.ef_search = 10;

-- the GUCs, their defaults and their checks
SHOW hnsw.iterative_scan;
SHOW hnsw.max_scan_tuples;
SHOW hnsw.scan_mem_multiplier;
SET hnsw.iterative_scan = sideways;
SET hnsw.max_scan_tuples = 0;
SET hnsw.scan_mem_multiplier = 0.5;
SET hnsw.scan_mem_multiplier = 1001;

-- one row in ten passes the filter: without iterative scans the 10
-- candidates of the search hold about one of them
CREATE TEMP TABLE q AS SELECT v FROM items WHERE id = 7;
CREATE TEMP TABLE exact AS
  SELECT i.id, i.v <-> q.v AS d FROM items i, q WHERE i.id % 10 = 0 ORDER BY 2 LIMIT 30;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE id % 10 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 30;
SELECT count(*) < 30 AS short FROM
  (SELECT id FROM items WHERE id % 10 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 30) s;

-- strict_order: 30 rows, in distance order, nearly all of them the exact ones
SET hnsw.iterative_scan = strict_order;
CREATE TEMP TABLE got AS
  SELECT row_number() OVER () AS n, id, d FROM
    (SELECT id, v <-> (SELECT v FROM q) AS d FROM items WHERE id % 10 = 0
      ORDER BY v <-> (SELECT v FROM q) LIMIT 30) s;
SELECT count(*) AS rows,
       bool_and(d >= coalesce(prev, 0)) AS ordered,
       count(*) FILTER (WHERE id IN (SELECT id FROM exact)) >= 28 AS recall_ok
  FROM (SELECT id, d, lag(d) OVER (ORDER BY n) AS prev FROM got) s;
DROP TABLE got;

-- relaxed_order: 30 distinct rows, nearly all of them the exact ones
SET hnsw.iterative_scan = relaxed_order;
CREATE TEMP TABLE got AS
  SELECT id FROM items WHERE id % 10 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 30;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows,
       count(*) FILTER (WHERE id IN (SELECT id FROM exact)) >= 28 AS recall_ok
  FROM got;
DROP TABLE got;

-- with memory enough, a relaxed scan without LIMIT reaches every row once
SET work_mem = '64MB';
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows FROM
  (SELECT id FROM items ORDER BY v <-> (SELECT v FROM q)) s;
-- with work_mem at its minimum (64kB) the scan ends early
SET work_mem = '64kB';
SELECT count(*) < 5000 AS bounded FROM
  (SELECT id FROM items ORDER BY v <-> (SELECT v FROM q)) s;
RESET work_mem;
-- so it does after visiting hnsw.max_scan_tuples elements
SET hnsw.max_scan_tuples = 100;
SELECT count(*) < 30 AS bounded FROM
  (SELECT id FROM items WHERE id % 10 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 30) s;
RESET hnsw.max_scan_tuples;

-- all 50 rows with id % 100 = 0, through a filter that drops 99 rows in 100
SET work_mem = '64MB';
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows FROM
  (SELECT id FROM items WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q)) s;
-- a cursor over an iterative scan: its first rows are the exact ones
BEGIN;
DECLARE c CURSOR FOR
  SELECT id FROM items WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q);
FETCH 3 FROM c;
COMMIT;
RESET work_mem;
SET enable_indexscan = off;
SELECT id FROM items WHERE id % 100 = 0 ORDER BY v <-> (SELECT v FROM q) LIMIT 3;
RESET enable_indexscan;

DROP SCHEMA hnsw_iterative CASCADE;
