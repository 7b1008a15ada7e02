-- hnsw over values wider than a page, whose element spans pages:
-- vector(3072), vector(16000), halfvec(16000) and bit(100000).  Each index
-- is built, answers like an exact scan (recall@10 over several queries, in
-- distance order), finds rows inserted after the build by their own value,
-- forgets deleted rows after VACUUM (an iterative scan returns every
-- remaining row once), and passes hnsw_index_check.  Then the limits:
-- bit(524280) is the widest bit column an index takes, vector and halfvec
-- are limited by their types (16000 dimensions).  Crash, replay and space
-- reuse at these widths: test/t/019_wide.pl.
SET client_min_messages = warning;
CREATE SCHEMA hnsw_wide;
SET search_path = hnsw_wide, public;
RESET client_min_messages;

\set d3 3072
\set d16 16000
\set nbits 100000

-- Clustered data.  hash01(c, d) in [0, 1) is a fixed pseudo-random number
-- (no seed needed); cluster c's centre has components hash01(c, d) - 0.5,
-- and a row is its centre plus uniform noise from random() (setseed below).
-- Clusters are far apart next to the noise, and the 10 nearest of a query
-- near a centre are decided by the noise in every dimension, so a distance
-- computed from part of the vector alone would not find them.
CREATE FUNCTION hash01(c int, d int) RETURNS float8 IMMUTABLE LANGUAGE sql AS
$$ SELECT sin(c * 12.9898 + d * 78.233) * 43758.5453
        - floor(sin(c * 12.9898 + d * 78.233) * 43758.5453) $$;
CREATE FUNCTION wide_vec(dims int, c int, noise float8) RETURNS real[] VOLATILE LANGUAGE sql AS
$$ SELECT array_agg((hash01(c, d) - 0.5 + noise * (random() - 0.5))::real ORDER BY d)
     FROM generate_series(1, dims) d $$;
-- bits: 128-bit blocks from md5, three in four of them the cluster's, the
-- fourth the row's own (r)
CREATE FUNCTION wide_bits(nbits int, c int, r text) RETURNS text IMMUTABLE LANGUAGE sql AS
$$ SELECT substr(string_agg(('x' || md5(CASE WHEN k % 4 = 0 THEN 'r' || r ELSE 'c' || c END
                                        || ',' || k))::bit(128)::text, '' ORDER BY k), 1, nbits)
     FROM generate_series(0, (nbits - 1) / 128) k $$;

-- knn_check(table, operator, queries table): for every query of the queries
-- table (id, v), its k nearest rows (id, v) through the index and by an exact
-- scan.  rows: rows the index returned in all; recall: the fraction of the
-- exact answers the index returned; ordered: the index's rows come nearest
-- first (the distances recomputed by the executor, within float rounding).
CREATE FUNCTION knn_check(tbl text, op text, qtbl text, k int DEFAULT 10,
                          OUT rows int, OUT recall float8, OUT ordered bool)
LANGUAGE plpgsql AS $$
DECLARE
	qid int;
	q text;
	got int[];
	dists float8[];
	exact int[];
	hits int := 0;
	total int := 0;
	old_seq text := current_setting('enable_seqscan');
	old_idx text := current_setting('enable_indexscan');
	old_bmp text := current_setting('enable_bitmapscan');
BEGIN
	rows := 0;
	ordered := true;
	FOR qid IN EXECUTE format('SELECT id FROM %I ORDER BY id', qtbl) LOOP
		q := format('(SELECT v FROM %I WHERE id = %s)', qtbl, qid);
		PERFORM set_config('enable_seqscan', 'off', true);
		PERFORM set_config('enable_indexscan', 'on', true);
		EXECUTE format('SELECT array_agg(id), array_agg(d) FROM
		                  (SELECT id, v %2$s %3$s AS d FROM %1$I ORDER BY v %2$s %3$s LIMIT %4$s) s',
		               tbl, op, q, k)
		   INTO got, dists;
		PERFORM set_config('enable_seqscan', 'on', true);
		PERFORM set_config('enable_indexscan', 'off', true);
		PERFORM set_config('enable_bitmapscan', 'off', true);
		EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %1$I ORDER BY v %2$s %3$s LIMIT %4$s) s',
		               tbl, op, q, k)
		   INTO exact;
		rows := rows + coalesce(cardinality(got), 0);
		total := total + coalesce(cardinality(exact), 0);
		hits := hits + (SELECT count(*) FROM unnest(got) g WHERE g = ANY (exact));
		FOR i IN 2 .. coalesce(cardinality(dists), 0) LOOP
			IF dists[i] < dists[i - 1] - 1e-5 * abs(dists[i - 1]) THEN
				ordered := false;
			END IF;
		END LOOP;
	END LOOP;
	PERFORM set_config('enable_seqscan', old_seq, true);
	PERFORM set_config('enable_indexscan', old_idx, true);
	PERFORM set_config('enable_bitmapscan', old_bmp, true);
	recall := CASE WHEN total > 0 THEN hits::float8 / total END;
END $$;

-- self_misses(table, operator, where): rows of the table meeting the
-- condition whose own value, searched through the index, does not bring
-- them back first
CREATE FUNCTION self_misses(tbl text, op text, cond text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
	old_seq text := current_setting('enable_seqscan');
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
	EXECUTE format('SELECT count(*) FROM %1$I a WHERE (%3$s) AND a.id IS DISTINCT FROM
	                  (SELECT b.id FROM %1$I b ORDER BY b.v %2$s a.v LIMIT 1)', tbl, op, cond)
	   INTO n;
	PERFORM set_config('enable_seqscan', old_seq, true);
	RETURN n;
END $$;

--------------------------------------------------------------------------
-- 1. vector(3072): 300 rows in 12 clusters; an l2 and an inner-product index
--------------------------------------------------------------------------
SELECT setseed(0.5);
CREATE TABLE w3 (id int PRIMARY KEY, v vector(:d3));
INSERT INTO w3 SELECT i, wide_vec(:d3, i % 12, 0.5) FROM generate_series(1, 300) i;
CREATE TABLE w3_q (id int, v vector(:d3));
INSERT INTO w3_q SELECT j, wide_vec(:d3, 5 * j % 12, 0.5) FROM generate_series(1, 6) j;
CREATE INDEX w3_l2 ON w3 USING hnsw (v vector_l2_ops);
CREATE INDEX w3_ip ON w3 USING hnsw (v vector_ip_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM w3 ORDER BY v <-> (SELECT v FROM w3_q WHERE id = 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM w3 ORDER BY v <#> (SELECT v FROM w3_q WHERE id = 1) LIMIT 10;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('w3', '<->', 'w3_q');
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('w3', '<#>', 'w3_q');
-- every row is found by its own vector
SELECT self_misses('w3', '<->', 'true') AS misses;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('w3_l2', true);
SELECT elements, deleted, heap_rows FROM hnsw_index_check('w3_ip', true);

-- rows inserted after the build
INSERT INTO w3 SELECT i, wide_vec(:d3, i % 12, 0.5) FROM generate_series(301, 340) i;
SELECT self_misses('w3', '<->', 'a.id > 300') AS misses_l2,
       self_misses('w3', '<#>', 'a.id > 300') AS misses_ip;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('w3', '<->', 'w3_q');

-- DELETE and VACUUM, then new rows that take over the freed heap slots:
-- an iterative scan asked for more rows than ef_search returns every row
-- left, once, and no deleted one
CREATE TEMP TABLE w3_gone AS SELECT id FROM w3 WHERE id % 4 = 1;
DELETE FROM w3 WHERE id % 4 = 1;
VACUUM w3;
INSERT INTO w3 SELECT i, wide_vec(:d3, i % 12, 0.5) FROM generate_series(341, 370) i;
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF) SELECT id FROM w3 ORDER BY v <-> (SELECT v FROM w3_q WHERE id = 2) LIMIT 1000;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows,
       count(*) FILTER (WHERE id IN (SELECT id FROM w3_gone)) AS deleted_rows,
       count(*) = (SELECT count(*) FROM w3) AS all_rows
  FROM (SELECT id FROM w3 ORDER BY v <-> (SELECT v FROM w3_q WHERE id = 2) LIMIT 1000) s;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('w3', '<->', 'w3_q');
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('w3', '<#>', 'w3_q');
SELECT self_misses('w3', '<->', 'a.id > 340') AS misses;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('w3_l2', true);
SELECT elements, deleted, heap_rows FROM hnsw_index_check('w3_ip', true);
DROP TABLE w3, w3_q, w3_gone;

--------------------------------------------------------------------------
-- 2. vector(16000): 150 rows in 6 clusters, l2.  The graph outgrows
-- maintenance_work_mem (1 MB holds about 15 such elements): the rest of the
-- rows are inserted one by one (the NOTICE saying so is suppressed).
--------------------------------------------------------------------------
SELECT setseed(0.25);
CREATE TABLE w16 (id int PRIMARY KEY, v vector(:d16));
INSERT INTO w16 SELECT i, wide_vec(:d16, i % 6, 0.5) FROM generate_series(1, 150) i;
CREATE TABLE w16_q (id int, v vector(:d16));
INSERT INTO w16_q SELECT j, wide_vec(:d16, j % 6, 0.5) FROM generate_series(1, 5) j;
SET maintenance_work_mem = '1MB';
SET client_min_messages = warning;
CREATE INDEX w16_l2 ON w16 USING hnsw (v vector_l2_ops);
RESET client_min_messages;
RESET maintenance_work_mem;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM w16 ORDER BY v <-> (SELECT v FROM w16_q WHERE id = 1) LIMIT 10;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('w16', '<->', 'w16_q');
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('w16_l2', true);
INSERT INTO w16 SELECT i, wide_vec(:d16, i % 6, 0.5) FROM generate_series(151, 170) i;
SELECT self_misses('w16', '<->', 'a.id > 150') AS misses;
CREATE TEMP TABLE w16_gone AS SELECT id FROM w16 WHERE id % 3 = 0;
DELETE FROM w16 WHERE id % 3 = 0;
VACUUM w16;
INSERT INTO w16 SELECT i, wide_vec(:d16, i % 6, 0.5) FROM generate_series(171, 185) i;
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows,
       count(*) FILTER (WHERE id IN (SELECT id FROM w16_gone)) AS deleted_rows,
       count(*) = (SELECT count(*) FROM w16) AS all_rows
  FROM (SELECT id FROM w16 ORDER BY v <-> (SELECT v FROM w16_q WHERE id = 3) LIMIT 1000) s;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('w16', '<->', 'w16_q');
SELECT self_misses('w16', '<->', 'a.id > 170') AS misses;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('w16_l2', true);
DROP TABLE w16, w16_q, w16_gone;

--------------------------------------------------------------------------
-- 3. halfvec(16000): 150 rows in 6 clusters, cosine, m = 32
--------------------------------------------------------------------------
SELECT setseed(0.75);
CREATE TABLE h16 (id int PRIMARY KEY, v halfvec(:d16));
INSERT INTO h16 SELECT i, wide_vec(:d16, i % 6, 0.5) FROM generate_series(1, 150) i;
CREATE TABLE h16_q (id int, v halfvec(:d16));
INSERT INTO h16_q SELECT j, wide_vec(:d16, (j + 2) % 6, 0.5) FROM generate_series(1, 5) j;
CREATE INDEX h16_cos ON h16 USING hnsw (v halfvec_cosine_ops) WITH (m = 32);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM h16 ORDER BY v <=> (SELECT v FROM h16_q WHERE id = 1) LIMIT 10;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('h16', '<=>', 'h16_q');
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('h16_cos', true);
INSERT INTO h16 SELECT i, wide_vec(:d16, i % 6, 0.5) FROM generate_series(151, 170) i;
SELECT self_misses('h16', '<=>', 'a.id > 150') AS misses;
CREATE TEMP TABLE h16_gone AS SELECT id FROM h16 WHERE id % 3 = 1;
DELETE FROM h16 WHERE id % 3 = 1;
VACUUM h16;
INSERT INTO h16 SELECT i, wide_vec(:d16, i % 6, 0.5) FROM generate_series(171, 185) i;
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows,
       count(*) FILTER (WHERE id IN (SELECT id FROM h16_gone)) AS deleted_rows,
       count(*) = (SELECT count(*) FROM h16) AS all_rows
  FROM (SELECT id FROM h16 ORDER BY v <=> (SELECT v FROM h16_q WHERE id = 4) LIMIT 1000) s;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('h16', '<=>', 'h16_q');
SELECT self_misses('h16', '<=>', 'a.id > 170') AS misses;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('h16_cos', true);
DROP TABLE h16, h16_q, h16_gone;

--------------------------------------------------------------------------
-- 4. bit(100000): 100 rows in 4 clusters, Hamming
--------------------------------------------------------------------------
CREATE TABLE b (id int PRIMARY KEY, v bit(:nbits));
INSERT INTO b SELECT i, wide_bits(:nbits, i % 4, i::text)::bit(:nbits) FROM generate_series(1, 100) i;
CREATE TABLE b_q (id int, v bit(:nbits));
INSERT INTO b_q SELECT j, wide_bits(:nbits, j % 4, 'q' || j)::bit(:nbits) FROM generate_series(1, 5) j;
CREATE INDEX b_ham ON b USING hnsw (v bit_hamming_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM b ORDER BY v <~> (SELECT v FROM b_q WHERE id = 1) LIMIT 10;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('b', '<~>', 'b_q');
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('b_ham', true);
INSERT INTO b SELECT i, wide_bits(:nbits, i % 4, i::text)::bit(:nbits) FROM generate_series(101, 115) i;
SELECT self_misses('b', '<~>', 'a.id > 100') AS misses;
CREATE TEMP TABLE b_gone AS SELECT id FROM b WHERE id % 3 = 2;
DELETE FROM b WHERE id % 3 = 2;
VACUUM b;
INSERT INTO b SELECT i, wide_bits(:nbits, i % 4, i::text)::bit(:nbits) FROM generate_series(116, 125) i;
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows,
       count(*) FILTER (WHERE id IN (SELECT id FROM b_gone)) AS deleted_rows,
       count(*) = (SELECT count(*) FROM b) AS all_rows
  FROM (SELECT id FROM b ORDER BY v <~> (SELECT v FROM b_q WHERE id = 2) LIMIT 1000) s;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
SELECT rows, recall >= 0.9 AS recall_ok, ordered FROM knn_check('b', '<~>', 'b_q');
SELECT self_misses('b', '<~>', 'a.id > 115') AS misses;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('b_ham', true);
DROP TABLE b, b_q, b_gone;

--------------------------------------------------------------------------
-- 5. Limits.  bit(524280) (65535 bytes) is the widest bit value an index
-- holds, whatever m; vector and halfvec are limited by their types.
--------------------------------------------------------------------------
CREATE TABLE lim (b1 bit(524281));
CREATE INDEX ON lim USING hnsw (b1 bit_hamming_ops);
CREATE INDEX ON lim USING hnsw (b1 bit_hamming_ops) WITH (m = 4);
DROP TABLE lim;
CREATE TABLE vlim (v vector(16001));
CREATE TABLE hlim (v halfvec(16001));
-- the widest bit column: built over 4 rows, then 3 inserted, each found
-- by its own value; the checker agrees
CREATE TABLE bmax (id int PRIMARY KEY, v bit(524280));
INSERT INTO bmax SELECT i, wide_bits(524280, i % 2, i::text)::bit(524280) FROM generate_series(1, 4) i;
CREATE INDEX bmax_ham ON bmax USING hnsw (v bit_hamming_ops);
INSERT INTO bmax SELECT i, wide_bits(524280, i % 2, i::text)::bit(524280) FROM generate_series(5, 7) i;
SELECT self_misses('bmax', '<~>', 'true') AS misses;
SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('bmax_ham', true);
SET enable_seqscan = off;
SELECT id, v <~> (SELECT v FROM bmax WHERE id = 6) AS d
  FROM bmax ORDER BY v <~> (SELECT v FROM bmax WHERE id = 6) LIMIT 3;
RESET enable_seqscan;
DROP TABLE bmax;
-- the widest vector and halfvec, one row each, through the index
CREATE TABLE vmax (id int, v vector(16000), h halfvec(16000));
CREATE INDEX vmax_v ON vmax USING hnsw (v vector_l1_ops);
CREATE INDEX vmax_h ON vmax USING hnsw (h halfvec_ip_ops);
INSERT INTO vmax SELECT i, array_fill(i::real, ARRAY[16000]), array_fill(i::real, ARRAY[16000])
  FROM generate_series(1, 3) i;
SET enable_seqscan = off;
SELECT id FROM vmax ORDER BY v <+> array_fill(2::real, ARRAY[16000])::vector LIMIT 1;
SELECT id FROM vmax ORDER BY h <#> array_fill(1::real, ARRAY[16000])::halfvec LIMIT 1;
RESET enable_seqscan;
SELECT elements, reachable, heap_rows FROM hnsw_index_check('vmax_v', true);
SELECT elements, reachable, heap_rows FROM hnsw_index_check('vmax_h', true);
DROP TABLE vmax;

--------------------------------------------------------------------------
-- 5. Inserts pack pages as a build does: 400 rows of 1536 dimensions (a
-- 6360-byte element, under a page, which a page holds once) inserted one
-- at a time into an index of 20 take at most 10% over their raw bytes
-- (whole on their own pages they would take 25% more), and each is found
-- by its own vector.
--------------------------------------------------------------------------
CREATE TABLE ins (id int PRIMARY KEY, v vector(1536));
INSERT INTO ins SELECT i, wide_vec(1536, i % 4, 0.5) FROM generate_series(1, 20) i;
CREATE INDEX ins_l2 ON ins USING hnsw (v vector_l2_ops);
SELECT pg_relation_size('ins_l2') AS before \gset
INSERT INTO ins SELECT i, wide_vec(1536, i % 4, 0.5) FROM generate_series(21, 420) i;
SELECT (pg_relation_size('ins_l2') - :before) <= 1.10 * 400 * 1536 * 4 AS packed;
SELECT self_misses('ins', '<->', 'id > 20') AS misses;
SELECT elements, reachable, heap_rows FROM hnsw_index_check('ins_l2', true);
DROP TABLE ins;

DROP FUNCTION knn_check(text, text, text, int), self_misses(text, text, text),
  wide_vec(int, int, float8), wide_bits(int, int, text), hash01(int, int);
RESET search_path;
DROP SCHEMA hnsw_wide;
