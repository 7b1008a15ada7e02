-- vector operators: distances, element-wise arithmetic, concatenation.
-- Distances that are not small exact integers are rounded so that SIMD and
-- scalar kernels cannot differ in the last printed digit.

-- <-> Euclidean distance
SELECT '[0,0]'::vector <-> '[3,4]' AS l2;
SELECT '[1,2,3]'::vector <-> '[1,2,3]' AS l2;
SELECT round(('[1,2,3]'::vector <-> '[4,5,6]')::numeric, 6) AS l2;
SELECT round(('[1,1,1,1,1]'::vector <-> '[0,0,0,0,0]')::numeric, 6) AS l2;
SELECT round(('[-1.5,2.25]'::vector <-> '[0.5,-0.75]')::numeric, 6) AS l2;

-- <#> negative inner product
SELECT '[1,2]'::vector <#> '[3,4]' AS neg_ip;
SELECT '[1,-2,3]'::vector <#> '[-4,5,6]' AS neg_ip;
SELECT '[0,0]'::vector <#> '[3,4]' AS neg_ip;
SELECT round(('[0.5,0.25]'::vector <#> '[0.1,0.3]')::numeric, 6) AS neg_ip;

-- <=> cosine distance
SELECT round(('[1,0]'::vector <=> '[0,1]')::numeric, 6) AS cos;
SELECT round(('[1,2]'::vector <=> '[2,4]')::numeric, 6) AS cos;
SELECT round(('[1,1]'::vector <=> '[-1,-1]')::numeric, 6) AS cos;
SELECT round(('[1,2,3]'::vector <=> '[4,5,6]')::numeric, 6) AS cos;
SELECT round(('[3,4]'::vector <=> '[3,4]')::numeric, 6) AS cos;
-- a side with zero norm: NaN
SELECT '[0,0]'::vector <=> '[1,1]' AS cos;
SELECT '[1,1]'::vector <=> '[0,0]' AS cos;
SELECT '[0,0]'::vector <=> '[0,0]' AS cos;

-- <+> taxicab distance
SELECT '[0,0]'::vector <+> '[3,4]' AS l1;
SELECT '[1,-2,3]'::vector <+> '[-4,5,6]' AS l1;
SELECT '[1,2]'::vector <+> '[1,2]' AS l1;
SELECT round(('[0.5,1.25]'::vector <+> '[-0.25,0.125]')::numeric, 6) AS l1;

-- the distance operators are commutative
SELECT a <-> b = b <-> a AS l2, a <#> b = b <#> a AS ip,
       a <=> b = b <=> a AS cos, a <+> b = b <+> a AS l1
  FROM (SELECT '[1,2,3]'::vector AS a, '[-3,0.5,7]'::vector AS b) s;

-- element-wise arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]' AS sum;
SELECT '[1,2,3]'::vector - '[4,5,6]' AS diff;
SELECT '[1,2,3]'::vector * '[4,5,6]' AS prod;
SELECT '[0.5,-1.5]'::vector + '[0.25,0.5]' AS sum;
SELECT '[1,2]'::vector - '[1,2]' AS diff;
SELECT '[-1,2]'::vector * '[0,-0.5]' AS prod;
-- overflow to infinity is an error
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[1,-3e38]'::vector + '[1,-3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[1e20,1]'::vector * '[1e20,1]';
SELECT '[1e-30]'::vector * '[1e-30]';

-- || concatenates
SELECT '[1,2]'::vector || '[3]' AS cat;
SELECT '[1]'::vector || '[2,3,4]' AS cat;
SELECT vector_dims(array_fill(1::real, ARRAY[8000])::vector || array_fill(1::real, ARRAY[8000])::vector);
SELECT array_fill(1::real, ARRAY[16000])::vector || '[1]';
SELECT '[1,2]'::vector(2) || '[3]'::vector(1) AS cat;

-- dimension mismatch in every binary operator and distance function
SELECT '[1,2]'::vector <-> '[1,2,3]';
SELECT '[1,2]'::vector <#> '[1,2,3]';
SELECT '[1,2]'::vector <=> '[1,2,3]';
SELECT '[1,2]'::vector <+> '[1,2,3]';
SELECT '[1,2]'::vector + '[1,2,3]';
SELECT '[1,2]'::vector - '[1,2,3]';
SELECT '[1,2]'::vector * '[1,2,3]';
SELECT '[1,2,3]'::vector + '[1,2]';
SELECT l2_distance('[1,2]'::vector, '[1,2,3]');
SELECT inner_product('[1,2]'::vector, '[1,2,3]');
SELECT cosine_distance('[1,2]'::vector, '[1,2,3]');
SELECT l1_distance('[1,2]'::vector, '[1,2,3]');
SELECT vector_l2_squared_distance('[1,2]', '[1,2,3]');
SELECT vector_negative_inner_product('[1,2]', '[1,2,3]');

-- NULL operands give NULL
SELECT ('[1,2]'::vector <-> NULL) IS NULL AS l2, ('[1,2]'::vector + NULL) IS NULL AS sum,
       (NULL::vector || '[1]') IS NULL AS cat;

-- the operator functions
SELECT vector_l2_squared_distance('[0,0]', '[3,4]') AS l2sq;
SELECT vector_negative_inner_product('[1,2]', '[3,4]') AS neg_ip;
SELECT vector_add('[1,2]', '[3,4]'), vector_sub('[1,2]', '[3,4]'),
       vector_mul('[1,2]', '[3,4]'), vector_concat('[1,2]', '[3,4]');

-- large vectors with exactly known results
SELECT round((array_fill(1::real, ARRAY[16000])::vector <-> array_fill(0::real, ARRAY[16000])::vector)::numeric, 6) AS l2,
       round(sqrt(16000)::numeric, 6) AS expected;
SELECT array_fill(1::real, ARRAY[16000])::vector <#> array_fill(1::real, ARRAY[16000])::vector AS neg_ip;
SELECT round((array_fill(1::real, ARRAY[16000])::vector <=> array_fill(2::real, ARRAY[16000])::vector)::numeric, 6) AS cos;
SELECT array_fill(1::real, ARRAY[16000])::vector <+> array_fill(-1::real, ARRAY[16000])::vector AS l1;
-- 2000 dims, element i is i % 4 against element i is i % 3 (all sums exact in float4)
WITH v AS (
  SELECT (SELECT array_agg((i % 4)::real ORDER BY i) FROM generate_series(1, 2000) i)::vector AS a,
         (SELECT array_agg((i % 3)::real ORDER BY i) FROM generate_series(1, 2000) i)::vector AS b
)
SELECT round((a <-> b)::numeric, 6) AS l2, a <#> b AS neg_ip,
       round((a <=> b)::numeric, 6) AS cos, a <+> b AS l1,
       vector_l2_squared_distance(a, b) AS l2sq
  FROM v;
-- every length from 1 to 40, to cover the tails of unrolled kernels:
-- a is all ones, b is all twos, so l2 = sqrt(n), ip = 2n, l1 = n, cos = 0
SELECT count(*) AS lengths_ok
  FROM (SELECT n, array_fill(1::real, ARRAY[n])::vector AS a,
               array_fill(2::real, ARRAY[n])::vector AS b
          FROM generate_series(1, 40) n) s
 WHERE round((a <-> b)::numeric, 6) = round(sqrt(n)::numeric, 6)
   AND a <#> b = -2 * n AND a <+> b = n
   AND round((a <=> b)::numeric, 6) = 0;
-- and with a single differing element at every position of a 40-dim vector
SELECT count(*) AS positions_ok
  FROM (SELECT p, array_fill(0::real, ARRAY[40])::vector AS a,
               (SELECT array_agg(CASE WHEN i = p THEN 3 ELSE 0 END::real ORDER BY i)
                  FROM generate_series(1, 40) i)::vector AS b
          FROM generate_series(1, 40) p) s
 WHERE a <-> b = 3 AND a <+> b = 3 AND a <#> b = 0 AND b <#> b = -9;
