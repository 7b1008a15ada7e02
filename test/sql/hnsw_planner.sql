-- When the planner uses an hnsw index, and that the answers it gives are
-- the exact ones.  5000 random 16-dim rows (reproducible: setseed); the
-- index is built serially from a fixed seed, so the graph is too.

-- own schema, so that table names cannot clash with other tests
CREATE SCHEMA hnsw_planner;
SET search_path = hnsw_planner, public;

SELECT setseed(0.5);
CREATE TABLE items (id int PRIMARY KEY, v vector(16));
-- the correlated WHERE makes the subquery run once per row
INSERT INTO items
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)::vector
  FROM generate_series(1, 5000) i;
CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops);
ANALYZE items;

-- a kNN query uses the index on its own, without disabling anything
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
SELECT id, round((v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]')::numeric, 4) AS dist
  FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
-- also with the query vector from a subquery (an InitPlan parameter)
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 5;
SELECT id, round((v <-> (SELECT v FROM items WHERE id = 1))::numeric, 4) AS dist
  FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 5;

-- the same two queries, exactly
SET enable_indexscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
SELECT id, round((v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]')::numeric, 4) AS dist
  FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
SELECT id, round((v <-> (SELECT v FROM items WHERE id = 1))::numeric, 4) AS dist
  FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 5;
RESET enable_indexscan;

-- operands swapped: the planner uses the commutator, still the index
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' <-> v LIMIT 5;

-- not used: an operator of another opclass, a descending order, a
-- distance in WHERE without ORDER BY (also when seqscans are disabled)
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <#> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <=> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' DESC LIMIT 5;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' < 0.7;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM items WHERE v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' < 0.7;
SELECT count(*) FROM items WHERE v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' < 0.7;
RESET enable_seqscan;

-- a scan stops after hnsw.ef_search rows (with iterative scans off), so
-- a query asking for more does not use the index: it gets all it asks for
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 100;
SELECT count(*) FROM (SELECT id FROM items
  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 100) s;
-- forced, the scan stops at hnsw.ef_search rows
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 100;
SELECT count(*) FROM (SELECT id FROM items
  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 100) s;
RESET enable_seqscan;
-- with ef_search 100 the index serves the query again
SET hnsw.ef_search = 100;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 100;
SELECT count(*) FROM (SELECT id FROM items
  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 100) s;
RESET hnsw.ef_search;

-- a prepared statement: custom plans first, then (from the sixth
-- execution) a generic plan with the parameter in the index scan
PREPARE knn(vector) AS SELECT id FROM items ORDER BY v <-> $1 LIMIT 3;
EXPLAIN (COSTS OFF) EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
EXPLAIN (COSTS OFF) EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
EXECUTE knn('[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'knn';
-- the generic plan takes any query vector, and checks its dimensions
EXECUTE knn('[0.98516774,0.8253019,0.1297461,0.16356292,0.6476186,0.8822772,0.14045669,0.15619865,0.51452273,0.771297,0.48403394,0.97098947,0.45481208,0.5385999,0.7495565,0.44059855]');
SELECT v = '[0.98516774,0.8253019,0.1297461,0.16356292,0.6476186,0.8822772,0.14045669,0.15619865,0.51452273,0.771297,0.48403394,0.97098947,0.45481208,0.5385999,0.7495565,0.44059855]' AS row1 FROM items WHERE id = 1;
EXECUTE knn('[1,2,3]');
DEALLOCATE knn;

-- a cursor without LIMIT wants every row: with iterative scans off the
-- index could give only hnsw.ef_search of them, so it is not used
EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]';
-- with them on, the index scan hands rows out as they are fetched;
-- backward fetches need SCROLL, which puts a Materialize on top
SET hnsw.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]';
EXPLAIN (COSTS OFF) DECLARE c SCROLL CURSOR FOR
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]';
BEGIN;
DECLARE c CURSOR FOR
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]';
FETCH 3 FROM c;
FETCH 2 FROM c;
FETCH BACKWARD 1 FROM c;
ROLLBACK;
BEGIN;
DECLARE c SCROLL CURSOR FOR
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]';
FETCH 3 FROM c;
FETCH 2 FROM c;
FETCH BACKWARD 2 FROM c;
FETCH ABSOLUTE 6 FROM c;
ROLLBACK;
RESET hnsw.iterative_scan;

-- inside a CTE, inlined or materialized
EXPLAIN (COSTS OFF)
WITH nn AS (SELECT id FROM items
  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5)
SELECT id FROM nn ORDER BY id;
WITH nn AS (SELECT id FROM items
  ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5)
SELECT id FROM nn ORDER BY id;
EXPLAIN (COSTS OFF)
WITH nn AS MATERIALIZED (SELECT id FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 5)
SELECT id FROM nn ORDER BY id;
WITH nn AS MATERIALIZED (SELECT id FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 1) LIMIT 5)
SELECT id FROM nn ORDER BY id;

-- a LATERAL kNN join: one index scan per outer row, the outer row's vector
-- as its parameter
EXPLAIN (COSTS OFF)
SELECT q.id AS qid, n.id
  FROM items q CROSS JOIN LATERAL
       (SELECT i.id FROM items i ORDER BY i.v <-> q.v LIMIT 3) n
 WHERE q.id <= 4;
SELECT q.id AS qid, n.id, round(n.dist::numeric, 4) AS dist
  FROM items q CROSS JOIN LATERAL
       (SELECT i.id, i.v <-> q.v AS dist FROM items i ORDER BY i.v <-> q.v LIMIT 3) n
 WHERE q.id <= 4
 ORDER BY q.id, n.dist;
-- the same as a correlated subquery
EXPLAIN (COSTS OFF)
SELECT q.id AS qid,
       (SELECT array_agg(id) FROM (SELECT i.id FROM items i ORDER BY i.v <-> q.v LIMIT 3) s)
  FROM items q WHERE q.id <= 4;
-- and exactly
SET enable_indexscan = off;
SELECT q.id AS qid, n.id, round(n.dist::numeric, 4) AS dist
  FROM items q CROSS JOIN LATERAL
       (SELECT i.id, i.v <-> q.v AS dist FROM items i ORDER BY i.v <-> q.v LIMIT 3) n
 WHERE q.id <= 4
 ORDER BY q.id, n.dist;
RESET enable_indexscan;

DROP TABLE items;

-- Wide vectors are stored out of line: a seq scan's cost counts the
-- table's few pages, not the TOAST pages it reads, while the search's
-- element pages hold the vectors.  At ef_search 100 a search visits some
-- 700 of these 1500 elements, on about as many pages; the table has 11.
-- The index is still the plan (hnswcost.c, toast_credit), both as
-- a custom plan and as the generic plan of a prepared statement.
SELECT setseed(0.25);
CREATE TABLE wide (id int PRIMARY KEY, v vector(1536));
INSERT INTO wide
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 1536) WHERE i > 0)::vector
  FROM generate_series(1, 1500) i;
CREATE INDEX wide_v_idx ON wide USING hnsw (v vector_l2_ops);
ANALYZE wide;
SELECT pg_relation_size('wide') / 8192 < 20 AS few_table_pages,
       pg_relation_size('wide_v_idx') / 8192 > 1000 AS many_index_pages;
SET hnsw.ef_search = 100;
EXPLAIN (COSTS OFF)
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 7) LIMIT 10;
PREPARE wide_knn(vector) AS SELECT id FROM wide ORDER BY v <-> $1 LIMIT 10;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE wide_knn('[1]');
RESET plan_cache_mode;
-- the row's own vector comes first
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 7) LIMIT 1;
-- a search that would visit most of the index gets no credit
SET hnsw.ef_search = 1000;
EXPLAIN (COSTS OFF)
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 7) LIMIT 10;
RESET hnsw.ef_search;
DEALLOCATE wide_knn;
DROP TABLE wide;

RESET search_path;
DROP SCHEMA hnsw_planner;
