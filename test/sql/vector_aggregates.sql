-- avg(vector) and sum(vector), serial and parallel.

CREATE TABLE vagg_t (v vector(3));
INSERT INTO vagg_t VALUES ('[1,2,3]'), ('[3,5,7]'), (NULL);
SELECT avg(v) FROM vagg_t;
SELECT sum(v) FROM vagg_t;
SELECT avg(v), sum(v) FROM vagg_t WHERE v IS NOT NULL;
SELECT count(v), count(*) FROM vagg_t;

-- one value
SELECT avg(v), sum(v) FROM vagg_t WHERE v = '[1,2,3]';

-- only NULLs, and no rows at all, give NULL
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM vagg_t WHERE v IS NULL;
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM vagg_t WHERE false;
CREATE TABLE vagg_empty (v vector);
SELECT avg(v), sum(v) FROM vagg_empty;
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM vagg_empty;
DROP TABLE vagg_empty;

-- averages that are not exact in float4
SELECT avg(v) FROM (VALUES ('[1]'::vector), ('[0]'), ('[0]')) s(v);
SELECT avg(v) FROM (VALUES ('[0.1,1]'::vector), ('[0.2,2]')) s(v);
-- the average is accumulated in double precision
SELECT avg(v) FROM (VALUES ('[3e38,1]'::vector), ('[3e38,3]')) s(v);
SELECT avg(v) FROM (VALUES ('[16777216]'::vector), ('[1]'), ('[1]')) s(v);
-- a sum that overflows float4 is an error
SELECT sum(v) FROM (VALUES ('[3e38,1]'::vector), ('[3e38,3]')) s(v);

-- GROUP BY
SELECT g, avg(v), sum(v)
  FROM (VALUES (1, '[1,1]'::vector), (1, '[3,5]'), (2, '[-2,4]'), (2, NULL)) s(g, v)
 GROUP BY g ORDER BY g;

-- all values must have the same dimensions
SELECT avg(v) FROM (VALUES ('[1,2,3]'::vector), ('[1,2]')) s(v);
SELECT sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[1,2]')) s(v);
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) s(v);

-- the state functions: avg's state is {count, sum_1, ..., sum_n}; a partial
-- state from a worker that saw no rows is the initial {0}
SELECT vector_accum('{0}', '[1,2]') AS s1,
       vector_accum(vector_accum('{0}', '[1,2]'), '[3,5]') AS s2;
SELECT vector_combine('{2,4,7}', '{1,1,1}') AS both,
       vector_combine('{0}', '{2,4,7}') AS left_empty,
       vector_combine('{2,4,7}', '{0}') AS right_empty,
       vector_combine('{0}', '{0}') AS both_empty;
SELECT vector_avg('{2,4,7}') AS avg, vector_avg('{0}') IS NULL AS empty_is_null;
SELECT vector_combine('{2,4,7}', '{1,1,1,1}');
SELECT vector_accum('{2,4,7}', '[1]');

-- large vectors
SELECT avg(v) = array_fill(2::real, ARRAY[16000])::vector AS avg_ok,
       sum(v) = array_fill(6::real, ARRAY[16000])::vector AS sum_ok
  FROM (SELECT array_fill(i::real, ARRAY[16000])::vector FROM generate_series(1, 3) i) s(v);

-- parallel aggregation: partial aggregates merged by the combine functions.
-- Element values are small integers or halves so every sum is exact in
-- float4 whatever the order.
DROP TABLE vagg_t;
CREATE TABLE vagg_t (id int, g int, v vector(3));
INSERT INTO vagg_t
  SELECT i, i % 5, ARRAY[i % 10, (i % 7) * 0.5, 1]::real[]::vector FROM generate_series(1, 30000) i;
INSERT INTO vagg_t VALUES (0, 0, NULL);
ANALYZE vagg_t;

SET max_parallel_workers_per_gather = 0;
SELECT avg(v) AS serial_avg, sum(v) AS serial_sum, count(v) FROM vagg_t;
CREATE TABLE vagg_serial AS SELECT avg(v) AS a, sum(v) AS s FROM vagg_t;
CREATE TABLE vagg_serial_g AS SELECT g, avg(v) AS a, sum(v) AS s FROM vagg_t GROUP BY g;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM vagg_t;
SELECT avg(v) AS parallel_avg, sum(v) AS parallel_sum, count(v) FROM vagg_t;
SELECT p.a = s.a AS avg_equal, p.s = s.s AS sum_equal
  FROM (SELECT avg(v) AS a, sum(v) AS s FROM vagg_t) p, vagg_serial s;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT g, avg(v), sum(v) FROM vagg_t GROUP BY g;
SELECT count(*) AS groups_equal
  FROM (SELECT g, avg(v) AS a, sum(v) AS s FROM vagg_t GROUP BY g) p
  JOIN vagg_serial_g s USING (g)
 WHERE p.a = s.a AND p.s = s.s;
SELECT g, avg(v), sum(v) FROM vagg_t GROUP BY g ORDER BY g;
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

DROP TABLE vagg_t, vagg_serial, vagg_serial_g;
