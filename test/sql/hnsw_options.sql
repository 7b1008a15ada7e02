-- hnsw reloptions (m, ef_construction) and the GUC hnsw.ef_search.

-- own schema, so that table names cannot clash with other tests
CREATE SCHEMA hnsw_options;
SET search_path = hnsw_options, public;

-- Before the library is loaded, hnsw.* settings are mere placeholders.  On
-- load (here: the first use of the vector type) a bad value of a real GUC
-- is dropped with a warning, and so is any unknown hnsw.* name: "hnsw" is a
-- reserved prefix.
SET hnsw.ef_search = 0;
SET hnsw.foo = 1;
SELECT '[1,2,3]'::vector AS loaded;
SHOW hnsw.ef_search;
SHOW hnsw.foo;

-- the hnsw GUCs: ef_search (default 40, range 1 .. 1000) and the three of
-- iterative scans
SELECT name, setting, min_val, max_val, boot_val, context, vartype
  FROM pg_settings WHERE name LIKE 'hnsw.%' ORDER BY name;
SET hnsw.ef_search = 1;
SHOW hnsw.ef_search;
SET hnsw.ef_search = 1000;
SHOW hnsw.ef_search;
SET hnsw.ef_search = 0;
SET hnsw.ef_search = 1001;
SET hnsw.ef_search = -5;
SHOW hnsw.ef_search;
RESET hnsw.ef_search;
SHOW hnsw.ef_search;
-- once loaded, an unknown hnsw.* name is an error
SET hnsw.foo = 1;
SET hnsw.ef_searc = 10;

-- the test table: exact answers known (see hnsw_basic)
CREATE TABLE t (id int, v vector(3));
INSERT INTO t VALUES
	(1, '[1,0,0]'), (2, '[0,2,0]'), (3, '[0,0,3]'), (4, '[1,2,3]'),
	(5, '[-1,1,2]'), (6, '[3,3,-1]'), (7, '[2,-2,1]'), (8, '[0,0,0]');
SET enable_seqscan = off;

-- reloptions at their bounds, and ef_construction = 2 * m exactly
CREATE INDEX t_m2 ON t USING hnsw (v) WITH (m = 2, ef_construction = 4);
CREATE INDEX t_m100 ON t USING hnsw (v) WITH (m = 100, ef_construction = 200);
CREATE INDEX t_efc1000 ON t USING hnsw (v) WITH (ef_construction = 1000);
CREATE INDEX t_m16 ON t USING hnsw (v) WITH (m = 16, ef_construction = 32);
CREATE INDEX t_m2_default ON t USING hnsw (v) WITH (m = 2);
SELECT c.relname, c.reloptions
  FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
 WHERE i.indrelid = 't'::regclass ORDER BY c.relname;

-- every one of them gives the exact order (the planner is steered to each
-- index in turn by dropping the others inside a transaction)
BEGIN;
DROP INDEX t_m100, t_efc1000, t_m16, t_m2_default;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8;
SELECT array_agg(id) AS m2 FROM (SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8) s;
ROLLBACK;
BEGIN;
DROP INDEX t_m2, t_efc1000, t_m16, t_m2_default;
SELECT array_agg(id) AS m100 FROM (SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8) s;
ROLLBACK;
BEGIN;
DROP INDEX t_m2, t_m100, t_m16, t_m2_default;
SELECT array_agg(id) AS efc1000 FROM (SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8) s;
ROLLBACK;
BEGIN;
DROP INDEX t_m2, t_m100, t_efc1000, t_m2_default;
SELECT array_agg(id) AS m16 FROM (SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8) s;
ROLLBACK;
BEGIN;
DROP INDEX t_m2, t_m100, t_efc1000, t_m16;
SELECT array_agg(id) AS m2_default FROM (SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8) s;
ROLLBACK;
-- the exact order
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT array_agg(id) AS exact FROM (SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8) s;
RESET enable_indexscan;
SET enable_seqscan = off;
DROP INDEX t_m2, t_m100, t_efc1000, t_m16, t_m2_default;

-- out of range, malformed and unknown reloptions
CREATE INDEX ON t USING hnsw (v) WITH (m = 1);
CREATE INDEX ON t USING hnsw (v) WITH (m = 101);
CREATE INDEX ON t USING hnsw (v) WITH (ef_construction = 3);
CREATE INDEX ON t USING hnsw (v) WITH (ef_construction = 1001);
CREATE INDEX ON t USING hnsw (v) WITH (m = 'many');
CREATE INDEX ON t USING hnsw (v) WITH (lists = 100);
CREATE INDEX ON t USING hnsw (v) WITH (foo = 1);

-- ef_construction must be at least 2 * m (the default ef_construction, 64,
-- is too small for m = 100), also on an empty table
CREATE INDEX ON t USING hnsw (v) WITH (m = 16, ef_construction = 31);
CREATE INDEX ON t USING hnsw (v) WITH (m = 100);
CREATE INDEX ON t USING hnsw (v) WITH (m = 33);
CREATE TABLE empty (v vector(3));
CREATE INDEX ON empty USING hnsw (v) WITH (m = 3, ef_construction = 5);
DROP TABLE empty;

-- the largest vector an index holds depends on m (its links share the
-- page with the vector): 2029 dimensions with m = 2, 1882 with m = 100
CREATE TABLE w (v vector(2029));
CREATE INDEX ON w USING hnsw (v) WITH (m = 2);
DROP TABLE w;
CREATE TABLE w (v vector(2030));
CREATE INDEX ON w USING hnsw (v) WITH (m = 2);
DROP TABLE w;
CREATE TABLE w (v vector(1882));
CREATE INDEX ON w USING hnsw (v) WITH (m = 100, ef_construction = 200);
DROP TABLE w;
CREATE TABLE w (v vector(1883));
CREATE INDEX ON w USING hnsw (v) WITH (m = 100, ef_construction = 200);
DROP TABLE w;

-- ALTER INDEX changes reloptions for the next build only: the index keeps
-- working with the m it was built with until REINDEX, which checks the new
-- values (1980 dimensions fit m = 16, not m = 48); a failed REINDEX leaves
-- the old index in place
CREATE TABLE w (id int, v vector(1980));
INSERT INTO w SELECT i, array_fill(i, ARRAY[1980])::vector FROM generate_series(1, 3) i;
CREATE INDEX w_idx ON w USING hnsw (v);
ALTER INDEX w_idx SET (m = 48, ef_construction = 96);
SELECT reloptions FROM pg_class WHERE relname = 'w_idx';
INSERT INTO w SELECT i, array_fill(i, ARRAY[1980])::vector FROM generate_series(4, 5) i;
SELECT id FROM w ORDER BY v <-> array_fill(3.9, ARRAY[1980])::vector LIMIT 5;
REINDEX INDEX w_idx;
SELECT id FROM w ORDER BY v <-> array_fill(1.2, ARRAY[1980])::vector LIMIT 5;
ALTER INDEX w_idx RESET (m, ef_construction);
SELECT reloptions FROM pg_class WHERE relname = 'w_idx';
REINDEX INDEX w_idx;
SELECT id FROM w ORDER BY v <-> array_fill(4.8, ARRAY[1980])::vector LIMIT 5;
DROP TABLE w;

-- hnsw.ef_search caps the rows of a scan; with a default index on this
-- small table (a complete graph) the rows are still exactly the nearest
CREATE INDEX t_default ON t USING hnsw (v);
SET hnsw.ef_search = 1;
SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8;
SET hnsw.ef_search = 5;
SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8;
RESET hnsw.ef_search;
-- SET LOCAL lasts for the transaction only
BEGIN;
SET LOCAL hnsw.ef_search = 2;
SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8;
COMMIT;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[1.6,1.3,0.2]' LIMIT 8) s;

DROP TABLE t;

RESET search_path;
DROP SCHEMA hnsw_options;
