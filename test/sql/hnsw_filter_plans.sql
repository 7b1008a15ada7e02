-- The planner and filters on an hnsw scan (README, "Filtered search").
-- With iterative scans off a scan hands out at most hnsw.ef_search rows,
-- so a filter that keeps few of them must not use it; with them on it
-- must visit about LIMIT / selectivity elements, within
-- hnsw.max_scan_tuples.  10000 random 3-dim rows in 50 categories and
-- 1000 tenants, tables of the category and tenant names; all analyzed.
CREATE SCHEMA hnsw_filter_plans;
SET search_path = hnsw_filter_plans, public;

SELECT setseed(0.2);
CREATE TABLE items (id int PRIMARY KEY, c int, t int, v vector(3));
INSERT INTO items
SELECT i, i % 50, i % 1000, array[random(), random(), random()]::vector
  FROM generate_series(1, 10000) i;
CREATE INDEX items_v ON items USING hnsw (v);
CREATE TABLE cats (id int PRIMARY KEY, name text);
INSERT INTO cats SELECT i, 'c' || i FROM generate_series(0, 49) i;
CREATE TABLE tenants (id int PRIMARY KEY, name text);
INSERT INTO tenants SELECT i, 't' || i FROM generate_series(0, 999) i;
ANALYZE items;
ANALYZE cats;
ANALYZE tenants;

-- iterative scans off, c = 7 keeps 2% of the rows: about 0.8 of the 40 a
-- scan hands out, so a seq scan and a sort serve the query, which gets its
-- 20 rows (the exact ones)
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
-- c <> 7 keeps 98%: the index
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c <> 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT id FROM items WHERE c <> 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
-- c < 25 keeps half: 20 of the 40 are enough for LIMIT 10, not for LIMIT 30
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c < 25 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 10;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c < 25 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 30;
-- a distance filter (selectivity unknown to the planner: one third)
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE v <-> '[0.5,0.5,0.5]' < 0.3 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 10;
-- a LIMIT that is a parameter (a generic plan) keeps the index
PREPARE knn(int) AS SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE knn(10);
RESET plan_cache_mode;
DEALLOCATE knn;

-- iterative scans on: c = 7 needs about 20 / 0.02 = 1000 visits, within
-- hnsw.max_scan_tuples (20000): the index, and 20 rows
SET hnsw.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
-- with hnsw.max_scan_tuples 500 it would come up short: not the index
SET hnsw.max_scan_tuples = 500;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
RESET hnsw.max_scan_tuples;
-- every row, without LIMIT: 10000 rows fit in hnsw.max_scan_tuples
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5]';
-- joins: a tenant's name keeps 10 rows in 10000, so for 20 rows the
-- index scan would visit the whole table: the exact plan, and all 10 rows
EXPLAIN (COSTS OFF)
SELECT items.id FROM items JOIN tenants ON tenants.id = items.t
 WHERE tenants.name = 't7' ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT items.id FROM items JOIN tenants ON tenants.id = items.t
 WHERE tenants.name = 't7' ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
-- three categories of 50 keep 6%: about 330 visits, the index
EXPLAIN (COSTS OFF)
SELECT items.id FROM items JOIN cats ON cats.id = items.c
 WHERE cats.name IN ('c7', 'c8', 'c9') ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT items.id FROM items JOIN cats ON cats.id = items.c
 WHERE cats.name IN ('c7', 'c8', 'c9') ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
RESET hnsw.iterative_scan;

-- a btree on the filter column: a selective filter takes it, on or off
CREATE INDEX items_c ON items (c);
ANALYZE items;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SET hnsw.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
RESET hnsw.iterative_scan;
-- an unselective one keeps the hnsw scan
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c <> 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;

-- a partial hnsw index whose predicate implies the filter: its rows need
-- no filtering, so it serves the query even with iterative scans off
CREATE INDEX items_v7 ON items USING hnsw (v) WHERE c = 7;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
-- its answers are the exact ones
SELECT count(*) FROM
  (SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) a
  JOIN (SELECT id FROM items WHERE c = 7 ORDER BY (v <-> '[0.5,0.5,0.5]') + 0 LIMIT 20) b USING (id);

DROP TABLE items, cats, tenants;
RESET search_path;
DROP SCHEMA hnsw_filter_plans;
