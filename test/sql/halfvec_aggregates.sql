-- avg(halfvec) and sum(halfvec), serial and parallel.  avg sums in float8
-- and rounds the mean to half; sum adds in half (each step rounded).

CREATE TABLE hvagg_t (v halfvec(3));
INSERT INTO hvagg_t VALUES ('[1,2,3]'), ('[3,5,7]'), (NULL);
SELECT avg(v) FROM hvagg_t;
SELECT sum(v) FROM hvagg_t;
SELECT avg(v), sum(v) FROM hvagg_t WHERE v = '[1,2,3]';
SELECT pg_typeof(avg(v)) AS avg_type, pg_typeof(sum(v)) AS sum_type FROM hvagg_t;

-- only NULLs, and no rows, give NULL
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM hvagg_t WHERE v IS NULL;
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM hvagg_t WHERE false;
DROP TABLE hvagg_t;

-- the mean is rounded to half: 1/3 is 0.33325195
SELECT avg(v) FROM (VALUES ('[1]'::halfvec), ('[0]'), ('[0]')) s(v);
SELECT avg(v) FROM (VALUES ('[0.1,1]'::halfvec), ('[0.2,2]')) s(v);
-- the average is accumulated in double precision: no overflow at the half range
SELECT avg(v) FROM (VALUES ('[65504,1]'::halfvec), ('[65504,3]'), ('[-65504,5]')) s(v);
-- sum adds halves: 2048 + 1 rounds back to 2048 (ties to even)
SELECT sum(v) FROM (VALUES ('[2048]'::halfvec), ('[1]')) s(v);
-- a sum past the largest half is an error
SELECT sum(v) FROM (VALUES ('[60000,1]'::halfvec), ('[60000,3]')) s(v);

-- GROUP BY
SELECT g, avg(v), sum(v)
  FROM (VALUES (1, '[1,1]'::halfvec), (1, '[3,5]'), (2, '[-2,4]'), (2, NULL)) s(g, v)
 GROUP BY g ORDER BY g;

-- all values must have the same dimensions
SELECT avg(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[1,2]')) s(v);
SELECT sum(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[1,2]')) s(v);

-- the state functions (the state is vector's: {count, sum_1, ..., sum_n})
SELECT halfvec_accum('{0}', '[1,2]') AS s1,
       halfvec_accum(halfvec_accum('{0}', '[1,2]'), '[0.1,5]') AS s2;
SELECT halfvec_combine('{2,4,7}', '{1,1,1}') AS both,
       halfvec_combine('{0}', '{2,4,7}') AS left_empty,
       halfvec_combine('{2,4,7}', '{0}') AS right_empty;
SELECT halfvec_avg('{2,4,7}') AS avg, halfvec_avg('{0}') IS NULL AS empty_is_null;
SELECT halfvec_avg('{1,70000}');
SELECT halfvec_combine('{2,4,7}', '{1,1,1,1}');
SELECT halfvec_accum('{2,4,7}', '[1]');
SELECT halfvec_accum('{1,NaN}', '[1]');
SELECT halfvec_avg('{-1,2}');

-- large vectors
SELECT avg(v) = array_fill(2::real, ARRAY[16000])::halfvec AS avg_ok,
       sum(v) = array_fill(6::real, ARRAY[16000])::halfvec AS sum_ok
  FROM (SELECT array_fill(i::real, ARRAY[16000])::halfvec FROM generate_series(1, 3) i) s(v);

-- parallel aggregation through the combine functions.  Every partial sum is
-- a small integer (at most 2048 in magnitude), so exact in half whatever
-- the order.
CREATE TABLE hvagg_t (id int, g int, v halfvec(3));
INSERT INTO hvagg_t
  SELECT i, i % 5, ARRAY[i % 2, (i % 3) - 1, 1]::real[]::halfvec FROM generate_series(1, 2000) i;
INSERT INTO hvagg_t VALUES (0, 0, NULL);
ANALYZE hvagg_t;

SET max_parallel_workers_per_gather = 0;
SELECT avg(v) AS serial_avg, sum(v) AS serial_sum, count(v) FROM hvagg_t;
CREATE TABLE hvagg_serial AS SELECT avg(v) AS a, sum(v) AS s FROM hvagg_t;
CREATE TABLE hvagg_serial_g AS SELECT g, avg(v) AS a, sum(v) AS s FROM hvagg_t GROUP BY g;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM hvagg_t;
SELECT avg(v) AS parallel_avg, sum(v) AS parallel_sum, count(v) FROM hvagg_t;
SELECT p.a = s.a AS avg_equal, p.s = s.s AS sum_equal
  FROM (SELECT avg(v) AS a, sum(v) AS s FROM hvagg_t) p, hvagg_serial s;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT g, avg(v), sum(v) FROM hvagg_t GROUP BY g;
SELECT count(*) AS groups_equal
  FROM (SELECT g, avg(v) AS a, sum(v) AS s FROM hvagg_t GROUP BY g) p
  JOIN hvagg_serial_g s USING (g)
 WHERE p.a = s.a AND p.s = s.s;
SELECT g, avg(v), sum(v) FROM hvagg_t GROUP BY g ORDER BY g;
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

DROP TABLE hvagg_t, hvagg_serial, hvagg_serial_g;
