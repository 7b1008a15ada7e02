-- Parallel CREATE INDEX for hnsw: the leader and a worker insert into one
-- graph in dynamic shared memory.  The DEBUG line says how many workers
-- were launched (1 of 1 here, unless the cluster has no free background
-- worker slot).  The graph of a parallel build depends on timing, so the
-- checks are that the index is complete and finds every row by its own
-- vector (a search of ef_search = 100 candidates in 3000 rows).

-- own schema, so that table names cannot clash with other tests
CREATE SCHEMA hnsw_build_parallel;
SET search_path = hnsw_build_parallel, public;

SELECT setseed(0.5);
CREATE TABLE p (id int, v vector(64));
INSERT INTO p
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 64) WHERE i > 0)::vector
  FROM generate_series(1, 3000) i;
ANALYZE p;
SET max_parallel_maintenance_workers = 1;
SET min_parallel_table_scan_size = 0;
SET maintenance_work_mem = '256MB';
SET client_min_messages = debug1;
CREATE INDEX p_idx ON p USING hnsw (v);
RESET client_min_messages;
-- layer-0 lists written full, as after a serial build (hnsw_build)
SELECT elements, reachable, links >= 32 * elements AS full_lists
  FROM hnsw_index_check('p_idx');
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT count(*) FROM p
 WHERE id <> (SELECT p2.id FROM p p2 ORDER BY p2.v <-> p.v LIMIT 1);
SET hnsw.ef_search = 1000;
SELECT count(*) FROM (SELECT id FROM p
  ORDER BY v <-> (SELECT v FROM p WHERE id = 1) LIMIT 1000) s;
RESET hnsw.ef_search;
-- inserts after a parallel build
INSERT INTO p
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 64) WHERE i > 0)::vector
  FROM generate_series(3001, 3100) i;
SELECT count(*) FROM p
 WHERE id > 3000 AND id <> (SELECT p2.id FROM p p2 ORDER BY p2.v <-> p.v LIMIT 1);
DROP TABLE p;

-- The shared graph is sized from the table's row estimate (pg_class),
-- within maintenance_work_mem.  When the estimate is far too low, the
-- graph fills up and the build starts over serially; the index is complete
-- all the same.  (A worker needs maintenance_work_mem of 64MB or more: the
-- planner gives each participant at least 32MB.)
CREATE EXTENSION pageinspect;
-- a digest of an index's pages, without the LSN and checksum fields
CREATE FUNCTION index_digest(idx regclass) RETURNS text LANGUAGE sql AS $$
	SELECT md5(string_agg(substr(get_raw_page(idx::text, i::int), 11), ''::bytea ORDER BY i))
	  FROM generate_series(0, pg_relation_size(idx) / 8192 - 1) i
$$;
SELECT setseed(0.125);
CREATE TABLE wide (id int, v vector(1984)) WITH (autovacuum_enabled = off);
INSERT INTO wide
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 1984) WHERE i > 0)::vector
  FROM generate_series(1, 10) i;
ANALYZE wide;
INSERT INTO wide
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 1984) WHERE i > 0)::vector
  FROM generate_series(11, 200) i;
SELECT reltuples FROM pg_class WHERE relname = 'wide';
SET maintenance_work_mem = '64MB';
SET client_min_messages = debug1;
CREATE INDEX wide_idx ON wide USING hnsw (v);
RESET client_min_messages;
RESET maintenance_work_mem;
SET hnsw.ef_search = 1000;
SELECT count(*) FROM (SELECT id FROM wide
  ORDER BY v <-> (SELECT v FROM wide WHERE id = 1) LIMIT 1000) s;
RESET hnsw.ef_search;
SELECT count(*) FROM wide
 WHERE id <> (SELECT w2.id FROM wide w2 ORDER BY w2.v <-> wide.v LIMIT 1);
-- the build that started over is the serial build, page for page
CREATE TEMP TABLE digests AS SELECT 'fallback' AS build, index_digest('wide_idx') AS digest;
DROP INDEX wide_idx;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX wide_idx ON wide USING hnsw (v);
INSERT INTO digests SELECT 'serial', index_digest('wide_idx');
SELECT count(*) AS builds, count(DISTINCT digest) AS distinct_digests FROM digests;
DROP TABLE wide;
DROP FUNCTION index_digest(regclass);
DROP EXTENSION pageinspect;

RESET search_path;
DROP SCHEMA hnsw_build_parallel;
