-- bit distances against a reference computed in SQL from the bit strings
-- (bit_count of a # b, a & b, a | b), on random strings of many lengths:
-- every length 0..600 bits (so every byte length 0..75, and each tail of
-- the kernels' 8-byte words and 64-byte vectors), lengths around powers of
-- two up to 16385 and 64000 bits, each at three densities of ones.

SELECT setseed(0.5);

CREATE TABLE bit_pairs AS
SELECT len, density,
       (SELECT coalesce(string_agg(CASE WHEN r < density THEN '1' ELSE '0' END, ''), '')
          FROM (SELECT random() AS r FROM generate_series(1, len)) s)::varbit AS a,
       (SELECT coalesce(string_agg(CASE WHEN r < 1 - density THEN '1' ELSE '0' END, ''), '')
          FROM (SELECT random() AS r FROM generate_series(1, len)) s)::varbit AS b
  FROM (SELECT generate_series(0, 600) AS len
        UNION ALL
        SELECT p + d FROM unnest(ARRAY[255, 511, 1023, 4095, 8191, 16383]) p, generate_series(0, 2) d
        UNION ALL
        SELECT 64000) lens,
       unnest(ARRAY[0.05, 0.5, 0.9]::float8[]) density;

-- a pair of equal strings for every length too: distance 0 (Jaccard 1 when all zero)
INSERT INTO bit_pairs SELECT len, density, a, a FROM bit_pairs WHERE density = 0.5;

SELECT count(*) AS pairs, count(DISTINCT len) AS lengths,
       bool_and(length(a) = len AND length(b) = len) AS lengths_right
  FROM bit_pairs;

CREATE TEMP VIEW bit_checks AS
SELECT len, a, b,
       hamming_distance(a, b) AS ham,
       bit_count(a # b)::float8 AS ham_ref,
       jaccard_distance(a, b) AS jac,
       CASE WHEN bit_count(a & b) = 0 THEN 1
            ELSE 1 - bit_count(a & b)::float8 / bit_count(a | b)::float8 END AS jac_ref
  FROM bit_pairs;

-- every distance equals its reference exactly (counts are integers, and
-- the Jaccard quotient is the same float8 division)
SELECT count(*) FILTER (WHERE ham IS DISTINCT FROM ham_ref) AS hamming_mismatches,
       count(*) FILTER (WHERE jac IS DISTINCT FROM jac_ref) AS jaccard_mismatches
  FROM bit_checks;
SELECT count(*) FILTER (WHERE a <~> b IS DISTINCT FROM ham_ref) AS op_hamming_mismatches,
       count(*) FILTER (WHERE a <%> b IS DISTINCT FROM jac_ref) AS op_jaccard_mismatches,
       count(*) FILTER (WHERE b <~> a IS DISTINCT FROM ham OR b <%> a IS DISTINCT FROM jac) AS asymmetric
  FROM bit_checks;
-- the data is not trivial: many distinct distances, Jaccard strictly between 0 and 1
SELECT count(DISTINCT ham) > 100 AS many_hamming, count(DISTINCT jac) > 100 AS many_jaccard,
       count(*) FILTER (WHERE jac > 0 AND jac < 1) > 500 AS jaccard_inside,
       count(*) FILTER (WHERE ham = 0 AND len > 0) >= 200 AS equal_pairs
  FROM bit_checks;

-- the same through bit(n) columns of one fixed length (values stored in a table)
CREATE TABLE bit_fixed (v bit(1024));
INSERT INTO bit_fixed SELECT a::bit(1024) FROM bit_pairs WHERE len = 1024;
INSERT INTO bit_fixed SELECT b::bit(1024) FROM bit_pairs WHERE len = 1024;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE x.v <~> y.v IS DISTINCT FROM bit_count(x.v # y.v)::float8) AS hamming_mismatches,
       count(*) FILTER (WHERE x.v <%> y.v IS DISTINCT FROM
                        CASE WHEN bit_count(x.v & y.v) = 0 THEN 1
                             ELSE 1 - bit_count(x.v & y.v)::float8 / bit_count(x.v | y.v)::float8 END) AS jaccard_mismatches
  FROM bit_fixed x, bit_fixed y;

DROP TABLE bit_fixed;
DROP VIEW bit_checks;
DROP TABLE bit_pairs;
