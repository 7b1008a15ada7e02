-- vector functions: distances by name, dims, norm, normalize, quantize, subvector.

-- distance functions agree with the operators
SELECT l2_distance('[0,0]'::vector, '[3,4]') AS l2;
SELECT inner_product('[1,2]'::vector, '[3,4]') AS ip;
SELECT inner_product('[1,-2,3]'::vector, '[-4,5,6]') AS ip;
SELECT round(cosine_distance('[1,2,3]'::vector, '[4,5,6]')::numeric, 6) AS cos;
SELECT round(cosine_distance('[1,0]'::vector, '[0,1]')::numeric, 6) AS cos;
SELECT round(cosine_distance('[1,1]'::vector, '[-1,-1]')::numeric, 6) AS cos;
SELECT cosine_distance('[0,0]'::vector, '[1,1]') AS cos;
SELECT cosine_distance('[1,1]'::vector, '[0,0]') AS cos;
SELECT l1_distance('[0,0]'::vector, '[3,4]') AS l1;
SELECT l1_distance('[1,-2,3]'::vector, '[-4,5,6]') AS l1;
SELECT l2_distance(a, b) = a <-> b AS l2, -inner_product(a, b) = a <#> b AS ip,
       cosine_distance(a, b) = a <=> b AS cos, l1_distance(a, b) = a <+> b AS l1
  FROM (SELECT '[1.5,-2,0.25]'::vector AS a, '[4,0.5,-6]'::vector AS b) s;
-- cosine distance stays within [0, 2] despite rounding
SELECT cosine_distance('[0.1,0.2,0.3]'::vector, '[0.1,0.2,0.3]') >= 0 AS ge0,
       cosine_distance('[0.1,0.2,0.3]'::vector, '[-0.1,-0.2,-0.3]') <= 2 AS le2;

-- vector_dims
SELECT vector_dims('[1,2,3]'::vector);
SELECT vector_dims('[1]'::vector);
SELECT vector_dims(array_fill(0::real, ARRAY[16000])::vector);

-- vector_norm
SELECT vector_norm('[3,4]');
SELECT vector_norm('[0,0,0]');
SELECT vector_norm('[-1]');
SELECT round(vector_norm('[1,2,3]')::numeric, 6) AS norm;
SELECT round(vector_norm(array_fill(1::real, ARRAY[16000])::vector)::numeric, 6) AS norm,
       round(sqrt(16000)::numeric, 6) AS expected;
-- the squares of the largest float4 values do not overflow
SELECT round((vector_norm('[2e38,3e38]'::vector) / 1e38)::numeric, 4) AS norm_e38;

-- l2_normalize
SELECT l2_normalize('[3,4]'::vector);
SELECT l2_normalize('[0,0,-5]'::vector);
SELECT l2_normalize('[0,0,0]'::vector);
SELECT l2_normalize('[3e38,3e38]'::vector);
SELECT round(vector_norm(l2_normalize('[1,2,3,4,5]'::vector))::numeric, 6) AS unit;
SELECT round(vector_norm(l2_normalize(array_fill(7::real, ARRAY[16000])::vector))::numeric, 6) AS unit;
SELECT l2_normalize(array_fill(7::real, ARRAY[16])::vector) = array_fill(0.25::real, ARRAY[16])::vector AS quarter;

-- binary_quantize: 1 where the element is > 0
SELECT binary_quantize('[1,0,-1,0.5,-0,-0.5,1e-45]'::vector);
SELECT binary_quantize('[-1]'::vector);
SELECT binary_quantize('[1]'::vector);
SELECT pg_typeof(binary_quantize('[1]'::vector));
SELECT length(binary_quantize(array_fill(1::real, ARRAY[16000])::vector)) AS bits,
       bit_count(binary_quantize(array_fill(1::real, ARRAY[16000])::vector)) AS ones;
SELECT binary_quantize((SELECT array_agg(CASE WHEN i % 3 = 0 THEN 1 ELSE -1 END ORDER BY i)
                          FROM generate_series(1, 20) i)::vector);

-- subvector(v, start, count): 1-based
SELECT subvector('[1,2,3,4,5]'::vector, 1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 2);
SELECT subvector('[1,2,3,4,5]'::vector, 1, 5);
SELECT subvector('[1,2,3,4,5]'::vector, 5, 1);
-- the end is clamped to the last element
SELECT subvector('[1,2,3,4,5]'::vector, 3, 9);
SELECT subvector('[1,2,3,4,5]'::vector, 4, 2147483647);
-- a start below 1 is clamped, the count is measured from the given start
SELECT subvector('[1,2,3,4,5]'::vector, 0, 3);
SELECT subvector('[1,2,3,4,5]'::vector, -1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483644, 2147483647);
-- an empty result is an error
SELECT subvector('[1,2,3,4,5]'::vector, 1, 0);
SELECT subvector('[1,2,3,4,5]'::vector, 3, -1);
SELECT subvector('[1,2,3,4,5]'::vector, -1, 2);
SELECT subvector('[1,2,3,4,5]'::vector, 6, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 2147483647, 10);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483648, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 1, -2147483648);
SELECT vector_dims(subvector(array_fill(1::real, ARRAY[16000])::vector, 2, 15999));

-- large vectors with exactly known results (sums of small integers are exact)
WITH v AS (
  SELECT (SELECT array_agg((i % 4)::real ORDER BY i) FROM generate_series(1, 2000) i)::vector AS a,
         (SELECT array_agg((i % 3)::real ORDER BY i) FROM generate_series(1, 2000) i)::vector AS b
)
SELECT round(l2_distance(a, b)::numeric, 6) AS l2, inner_product(a, b) AS ip,
       round(cosine_distance(a, b)::numeric, 6) AS cos, l1_distance(a, b) AS l1,
       round(vector_norm(a)::numeric, 6) AS norm_a, vector_dims(a) AS dims
  FROM v;
SELECT inner_product(array_fill(1::real, ARRAY[16000])::vector, array_fill(1::real, ARRAY[16000])::vector) AS ip,
       l1_distance(array_fill(1::real, ARRAY[16000])::vector, array_fill(-1::real, ARRAY[16000])::vector) AS l1,
       round(l2_distance(array_fill(1::real, ARRAY[16000])::vector, array_fill(3::real, ARRAY[16000])::vector)::numeric, 6) AS l2;

-- NULL in, NULL out (STRICT)
SELECT vector_dims(NULL::vector) IS NULL AS a, vector_norm(NULL) IS NULL AS b,
       l2_normalize(NULL::vector) IS NULL AS c, binary_quantize(NULL::vector) IS NULL AS d,
       subvector(NULL::vector, 1, 1) IS NULL AS e, subvector('[1]'::vector, NULL, 1) IS NULL AS f,
       l2_distance(NULL::vector, '[1]') IS NULL AS g;
