-- Sharded kNN helpers on local tables (t/018_shards.pl has the foreign
-- partitions): vecext_sharded_knn answers like an exact scan on partitioned
-- and plain tables, vecext_with_settings sets vecext's settings for the
-- transaction, and bad arguments get clear errors.
SET client_min_messages = warning;
SELECT setseed(0.25);
CREATE TABLE sh (id int, cat int, junk text, v vector(8)) PARTITION BY HASH (id);
CREATE TABLE sh_0 PARTITION OF sh FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE sh_1 PARTITION OF sh FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE sh_2 PARTITION OF sh FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO sh SELECT i, i % 4, 'x',
	(SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
FROM generate_series(1, 3000) i;
-- a dropped column: the rows still come back whole
ALTER TABLE sh DROP COLUMN junk;
CREATE INDEX ON sh USING hnsw (v vector_l2_ops);
CREATE TABLE shq AS SELECT q, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE q > 0)::vector AS v
FROM generate_series(1, 10) q;

-- the query it runs: one branch per partition, under an Append
SELECT vecext_sharded_knn_sql('sh', 'v', 5, 'cat = 1', '<#>');

-- the answers of an exact scan (the tables are small: ef_search 100 finds them all)
SET enable_indexscan = off;
CREATE TEMP TABLE truth AS SELECT q.q, s.id, row_number() OVER (PARTITION BY q.q ORDER BY s.d) AS r
FROM shq q, LATERAL (SELECT id, v <-> q.v AS d FROM sh ORDER BY v <-> q.v LIMIT 10) s;
CREATE TEMP TABLE truth_cat AS SELECT q.q, s.id FROM shq q,
	LATERAL (SELECT id FROM sh WHERE cat = 1 ORDER BY v <#> q.v LIMIT 10) s;
RESET enable_indexscan;
SELECT count(*) AS rows, count(*) FILTER (WHERE hit) AS exact
FROM shq q, LATERAL (SELECT EXISTS (SELECT FROM truth t WHERE t.q = q.q AND t.id = k.id) AS hit
	FROM vecext_sharded_knn(NULL::sh, 'v', q.v, 10, '{"hnsw.ef_search": 100}') k) x;
-- nearest first, and the rows whole
SELECT k.id = t.id AS same, k.cat = k.id % 4 AS cat_ok, vector_dims(k.v)
FROM (SELECT row_number() OVER () AS r, * FROM vecext_sharded_knn(NULL::sh, 'v',
	(SELECT v FROM shq WHERE q = 1), 3, '{"hnsw.ef_search": 100}')) k
JOIN truth t ON t.q = 1 AND t.r = k.r ORDER BY k.r;
-- a filter and another operator
SELECT count(*) AS rows, count(*) FILTER (WHERE hit) AS exact,
	count(*) FILTER (WHERE cat <> 1) AS wrong_cat
FROM shq q, LATERAL (SELECT k.cat, EXISTS (SELECT FROM truth_cat t WHERE t.q = q.q AND t.id = k.id) AS hit
	FROM vecext_sharded_knn(NULL::sh, 'v', q.v, 10, NULL, 'cat = 1', '<#>') k) x;

-- a plain table, a partitioned one without partitions, a halfvec column
CREATE TABLE plain AS SELECT id, v FROM sh;
SELECT count(*) FROM vecext_sharded_knn(NULL::plain, 'v', (SELECT v FROM shq WHERE q = 2), 7);
CREATE TABLE empty_parent (id int, v vector(8)) PARTITION BY HASH (id);
SELECT count(*) FROM vecext_sharded_knn(NULL::empty_parent, 'v', (SELECT v FROM shq WHERE q = 2), 7);
CREATE TABLE half AS SELECT id, v::halfvec(8) AS v FROM sh;
SELECT count(*) FROM vecext_sharded_knn(NULL::half, 'v', (SELECT v::halfvec(8) FROM shq WHERE q = 2), 4);
-- column names are quoted as they must be
CREATE TABLE odd ("menu.id" int, "V" vector(8));
INSERT INTO odd SELECT id, v FROM sh;
SELECT count(DISTINCT "menu.id") FROM vecext_sharded_knn(NULL::odd, 'V', (SELECT v FROM shq WHERE q = 2), 5);
-- in the select list too
SELECT (vecext_sharded_knn(NULL::plain, 'v', (SELECT v FROM shq WHERE q = 2), 2)).id IS NOT NULL AS found;
-- a query given as text (an untyped driver parameter) is read as the column's type
SELECT count(*) FROM vecext_sharded_knn(NULL::sh, 'v', '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]', 4);
SELECT count(*) FROM vecext_sharded_knn(NULL::sh, 'v', '[0.5,0.5]', 4);
-- no query: no rows
SELECT count(*) FROM vecext_sharded_knn(NULL::sh, 'v', NULL::vector, 4);

-- vecext_with_settings: the scan sees the setting (ef_search 3 without
-- iterative scans: each partition's index scan returns 3 rows), and it
-- lasts until the end of the transaction
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM sh_0
	ORDER BY v <-> vecext_with_settings((SELECT v FROM shq WHERE q = 3), '{"hnsw.ef_search": 3}')
	LIMIT 10) s;
SELECT count(*) FROM vecext_sharded_knn(NULL::sh, 'v', (SELECT v FROM shq WHERE q = 3), 10,
	'{"hnsw.ef_search": 3}');
SHOW hnsw.ef_search;
BEGIN;
SELECT vecext_with_settings('[1,2]'::vector, '{"hnsw.ef_search": 77, "hnsw.iterative_scan": "relaxed_order", "ivfflat.probes": 5, "hnsw.scan_mem_multiplier": 1.5}');
SHOW hnsw.ef_search;
SHOW hnsw.iterative_scan;
SHOW ivfflat.probes;
SHOW hnsw.scan_mem_multiplier;
COMMIT;
SHOW hnsw.ef_search;
SHOW hnsw.iterative_scan;
RESET enable_seqscan;
SELECT vecext_with_settings('[1,2]'::vector, NULL), vecext_with_settings(NULL::vector, '{}');

-- bad arguments
SELECT vecext_with_settings('[1]'::vector, '[1, 2]');
SELECT vecext_with_settings('[1]'::vector, '{"work_mem": "1GB"}');
SELECT vecext_with_settings('[1]'::vector, '{"hnsw.ef_search": {"a": 1}}');
SELECT vecext_with_settings('[1]'::vector, '{"hnsw.ef_search": 0}');
SELECT vecext_with_settings('[1]'::vector, '{"hnsw.nope": 1}');
SELECT * FROM vecext_sharded_knn(NULL::sh, 'v', '[1]'::vector, 0);
SELECT * FROM vecext_sharded_knn(NULL::sh, 'v', '[1]'::vector, 3, NULL, NULL, '+');
SELECT * FROM vecext_sharded_knn(NULL::sh, 'w', '[1]'::vector, 3);
SELECT * FROM vecext_sharded_knn(NULL::sh, NULL, '[1]'::vector, 3);
SELECT * FROM vecext_sharded_knn(1, 'v', '[1]'::vector, 3);
SELECT * FROM vecext_sharded_knn(NULL::sh, 'v', '[1,2]'::vector, 3);

DROP TABLE sh, shq, plain, empty_parent, half, odd;
