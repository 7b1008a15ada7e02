-- Parallel CREATE INDEX for ivfflat: the leader samples and runs k-means,
-- then it and a worker assign their shares of the table into one shared
-- sort.  The DEBUG line says how many workers were launched (1 of 1 here,
-- unless the cluster has no free background worker slot).  The lists do
-- not depend on the assignment's parallelism: a serial and a parallel
-- build put every row in the same list, and so do builds with and
-- without room for k-means' bounds.
CREATE SCHEMA ivfflat_build_parallel;
SET search_path = ivfflat_build_parallel, public;

SELECT setseed(0.5);
CREATE TABLE p (id int, v vector(16));
INSERT INTO p
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)::vector
  FROM generate_series(1, 5000) i;
ANALYZE p;
SET maintenance_work_mem = '256MB';
SET enable_seqscan = off;

-- each row's list, through a query at probes = 1 from each of 30 centers'
-- neighbourhoods: the rows a one-probe scan from row q reaches
CREATE FUNCTION lists_seen() RETURNS TABLE (q int, ids int[]) LANGUAGE sql AS $$
  SELECT q.id, (SELECT array_agg(id ORDER BY id) FROM
                  (SELECT p.id FROM p ORDER BY p.v <-> q.v) s)
    FROM p q WHERE q.id <= 30 $$;

SET max_parallel_maintenance_workers = 0;
CREATE INDEX p_idx ON p USING ivfflat (v) WITH (lists = 25);
SET ivfflat.probes = 1;
CREATE TEMP TABLE serial AS SELECT * FROM lists_seen();
DROP INDEX p_idx;

SET max_parallel_maintenance_workers = 1;
SET min_parallel_table_scan_size = 0;
SET client_min_messages = debug1;
CREATE INDEX p_idx ON p USING ivfflat (v) WITH (lists = 25);
RESET client_min_messages;
SELECT count(*) AS same_lists FROM lists_seen() l JOIN serial s USING (q) WHERE l.ids = s.ids;
SET ivfflat.probes = 25;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM p ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]') s;

-- k-means prunes comparisons with Elkan's bounds when they fit in
-- maintenance_work_mem (5000 x 100 floats here), and compares every pair
-- when they do not (1MB): the same lists either way
DROP INDEX p_idx;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX p_idx ON p USING ivfflat (v) WITH (lists = 100);
SET ivfflat.probes = 1;
CREATE TEMP TABLE bounded AS SELECT * FROM lists_seen();
DROP INDEX p_idx;
SET maintenance_work_mem = '1MB';
CREATE INDEX p_idx ON p USING ivfflat (v) WITH (lists = 100);
SELECT count(*) AS same_lists FROM lists_seen() l JOIN bounded b USING (q) WHERE l.ids = b.ids;

RESET ivfflat.probes;
RESET enable_seqscan;
RESET max_parallel_maintenance_workers;
RESET min_parallel_table_scan_size;
RESET maintenance_work_mem;
DROP TABLE p;
DROP FUNCTION lists_seen();
RESET search_path;
DROP SCHEMA ivfflat_build_parallel;
