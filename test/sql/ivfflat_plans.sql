-- The planner and ivfflat (README, "Index access method ivfflat"): a scan
-- reads ivfflat.probes lists of about rows / lists rows each, so with
-- iterative scans off a filter of selectivity s leaves it about
-- probes * rows / lists * s rows; with them on it reads lists until LIMIT
-- rows passed, within ivfflat.max_probes.  10000 random 3-dim rows in 50
-- categories and 1000 tenants, 100 lists (about 100 rows each); analyzed.
CREATE SCHEMA ivfflat_plans;
SET search_path = ivfflat_plans, public;

SELECT setseed(0.3);
CREATE TABLE items (id int PRIMARY KEY, c int, t int, v vector(3));
INSERT INTO items
SELECT i, i % 50, i % 1000, array[random(), random(), random()]::vector
  FROM generate_series(1, 10000) i;
CREATE INDEX items_ivf ON items USING ivfflat (v) WITH (lists = 100);
CREATE TABLE tenants (id int PRIMARY KEY, name text);
INSERT INTO tenants SELECT i, 't' || i FROM generate_series(0, 999) i;
ANALYZE items;
ANALYZE tenants;

-- no filter: the index
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 10;
-- iterative scans off, c = 7 keeps 2%: about 2 of the 100 rows one probe
-- reads, so a seq scan and a sort, and the query gets its 20 rows
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
-- c <> 7 keeps 98%: the index
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c <> 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
-- 10 probes read about 1000 rows, 20 of them c = 7: the index; 40 read
-- 40% of the index, which costs more than the seq scan and the sort
SET ivfflat.probes = 10;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SET ivfflat.probes = 40;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
RESET ivfflat.probes;

-- iterative scans on: c = 7 needs about 20 / 0.02 = 1000 rows, 10 lists:
-- the index, and 20 rows
SET ivfflat.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
-- ivfflat.max_probes = 2 would leave it about 4 rows: not the index
SET ivfflat.max_probes = 2;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
RESET ivfflat.max_probes;
-- a tenant's name keeps 10 rows in 10000: for 20 the scan would read every
-- list, so the exact plan, and all 10 rows
EXPLAIN (COSTS OFF)
SELECT items.id FROM items JOIN tenants ON tenants.id = items.t
 WHERE tenants.name = 't7' ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SELECT count(*) FROM (SELECT items.id FROM items JOIN tenants ON tenants.id = items.t
 WHERE tenants.name = 't7' ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20) s;
RESET ivfflat.iterative_scan;

-- a btree on the filter column: a selective filter takes it, iterative
-- scans on or off
CREATE INDEX items_c ON items (c);
ANALYZE items;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
SET ivfflat.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c = 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;
RESET ivfflat.iterative_scan;
-- an unselective one keeps the ivfflat scan
EXPLAIN (COSTS OFF)
SELECT id FROM items WHERE c <> 7 ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 20;

-- hnsw beside it: at one probe (100 rows read) ivfflat is the cheaper;
-- probing every list reads the whole index, and hnsw is
CREATE INDEX items_hnsw ON items USING hnsw (v);
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 10;
SET ivfflat.probes = 100;
EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 10;
RESET ivfflat.probes;

DROP TABLE items, tenants;
RESET search_path;
DROP SCHEMA ivfflat_plans;
