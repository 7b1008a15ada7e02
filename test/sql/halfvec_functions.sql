-- halfvec functions: distances, dims, norm, normalize, binary quantize,
-- subvector, the opclass support functions; and agreement with vector.

SELECT l2_distance('[0,0]'::halfvec, '[3,4]') AS l2;
SELECT l2_distance('[1,2,3]'::halfvec, '[4,5,6]') AS l2;
SELECT halfvec_l2_squared_distance('[1,2,3]', '[4,5,6]') AS l2_squared;
SELECT inner_product('[1,2]'::halfvec, '[3,4]') AS ip;
SELECT inner_product('[1,-2,3]'::halfvec, '[-4,5,6]') AS ip;
SELECT halfvec_negative_inner_product('[1,-2,3]', '[-4,5,6]') AS neg_ip;
SELECT round(cosine_distance('[1,2,3]'::halfvec, '[4,5,6]')::numeric, 6) AS cos;
SELECT cosine_distance('[1,0]'::halfvec, '[0,1]') AS cos, cosine_distance('[1,1]'::halfvec, '[-1,-1]') AS opposite;
SELECT cosine_distance('[0,0]'::halfvec, '[1,1]') AS cos, cosine_distance('[1,1]'::halfvec, '[0,0]') AS cos2;
SELECT l1_distance('[0,0]'::halfvec, '[3,4]') AS l1;
SELECT l1_distance('[1,-2,3]'::halfvec, '[-4,5,6]') AS l1;
-- spherical distance: acos(inner product) / pi, clamped
SELECT halfvec_spherical_distance('[1,0]', '[0,1]') AS right_angle,
       halfvec_spherical_distance('[1,0]', '[-1,0]') AS opposite,
       halfvec_spherical_distance('[1,0]', '[1,0]') AS same,
       halfvec_spherical_distance('[2,0]', '[2,0]') AS clamped;
SELECT l2_distance('[1,2]'::halfvec, '[1,2,3]');
SELECT inner_product('[1,2]'::halfvec, '[1,2,3]');
SELECT cosine_distance('[1,2]'::halfvec, '[1,2,3]');
SELECT l1_distance('[1,2]'::halfvec, '[1,2,3]');
SELECT halfvec_l2_squared_distance('[1,2]', '[1,2,3]');
SELECT halfvec_negative_inner_product('[1,2]', '[1,2,3]');
SELECT halfvec_spherical_distance('[1,2]', '[1,2,3]');

-- vector_dims, l2_norm
SELECT vector_dims('[1,2,3]'::halfvec) AS dims;
SELECT l2_norm('[3,4]'::halfvec) AS norm, l2_norm('[0,0]'::halfvec) AS zero, l2_norm('[-1]'::halfvec) AS one;
SELECT l2_norm('[65504,65504]'::halfvec) AS big;
SELECT l2_norm('[0.1]'::halfvec) AS norm_of_the_half;

-- l2_normalize: rounded to half; a zero vector stays zero
SELECT l2_normalize('[3,4]'::halfvec) AS unit, l2_normalize('[0,0]'::halfvec) AS zero;
SELECT l2_normalize('[1,1,1,1]'::halfvec) AS unit, l2_normalize('[-65504]'::halfvec) AS neg;
SELECT l2_normalize('[1,1e-4]'::halfvec) AS small_part;
SELECT abs(l2_norm(l2_normalize('[1,2,3,4,5]'::halfvec)) - 1) < 1e-3 AS about_one;

-- binary_quantize: 1 where the element is > 0 (-0 and 0 are not)
SELECT binary_quantize('[1,0,-1,0.5,-0,-0.5,6e-8,-6e-8]'::halfvec) AS bits;
SELECT binary_quantize('[1,1,1,1,1,1,1,1,1]'::halfvec) AS nine;
SELECT length(binary_quantize(array_fill(1::real, ARRAY[16000])::halfvec)) AS len;

-- subvector(v, start, count), 1-based, clipped to the vector
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 3) AS mid, subvector('[1,2,3,4,5]'::halfvec, 1, 5) AS whole;
SELECT subvector('[1,2,3,4,5]'::halfvec, 4, 10) AS clipped_end, subvector('[1,2,3,4,5]'::halfvec, -1, 3) AS clipped_start;
SELECT subvector('[0.1,2]'::halfvec, 1, 1) AS exact_bits;
SELECT subvector('[1,2,3]'::halfvec, 1, 0);
SELECT subvector('[1,2,3]'::halfvec, 4, 1);
SELECT subvector('[1,2,3]'::halfvec, -1, 2);
SELECT subvector('[1,2,3]'::halfvec, 2147483647, 2147483647);
SELECT subvector('[1,2,3]'::halfvec, -2147483648, 2147483647);
SELECT subvector('[1,2,3]'::halfvec, -2147483645, 2147483647) AS ends_at_1;

-- strict: NULL in, NULL out
SELECT vector_dims(NULL::halfvec) IS NULL AS a, l2_norm(NULL::halfvec) IS NULL AS b,
       l2_normalize(NULL::halfvec) IS NULL AS c, binary_quantize(NULL::halfvec) IS NULL AS d,
       subvector(NULL::halfvec, 1, 1) IS NULL AS e, subvector('[1]'::halfvec, NULL, 1) IS NULL AS f,
       l2_distance(NULL::halfvec, '[1]') IS NULL AS g;

-- Agreement with vector: for seeded random inputs of lengths 1..300 and a few
-- large ones, each halfvec distance equals the vector distance of the same
-- (half-rounded) values.  Both sum float4 products, in different orders, so
-- the tolerance is relative: 1e-5 of the distance for l2 and l1, 1e-5 of
-- |a| |b| (which bounds the sum of the |products|) for the inner product,
-- 1e-5 absolute for cosine distance.
SELECT setseed(0.4242);
CREATE TEMP TABLE hvf_pairs AS
  SELECT n, k,
         (SELECT array_agg((random() * 200 - 100)::real) FROM generate_series(1, n)) AS a,
         (SELECT array_agg((random() * 2 - 1)::real) FROM generate_series(1, n)) AS b
    FROM (SELECT generate_series(1, 300) UNION ALL VALUES (1000), (1999), (2000), (4097), (16000)) g(n),
         generate_series(1, 3) k;
CREATE TEMP TABLE hvf_cmp AS
  SELECT n, a::halfvec AS ha, b::halfvec AS hb, a::halfvec::vector AS va, b::halfvec::vector AS vb
    FROM hvf_pairs;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs(l2_distance(ha, hb) - l2_distance(va, vb)) > 1e-5 * l2_distance(va, vb)) AS l2_off,
       count(*) FILTER (WHERE abs((ha <-> hb) - (va <-> vb)) > 1e-5 * (va <-> vb)) AS l2_op_off,
       count(*) FILTER (WHERE abs(halfvec_l2_squared_distance(ha, hb) - vector_l2_squared_distance(va, vb)) > 2e-5 * vector_l2_squared_distance(va, vb)) AS l2sq_off,
       count(*) FILTER (WHERE abs(inner_product(ha, hb) - inner_product(va, vb)) > 1e-5 * vector_norm(va) * vector_norm(vb)) AS ip_off,
       count(*) FILTER (WHERE abs((ha <#> hb) - (va <#> vb)) > 1e-5 * vector_norm(va) * vector_norm(vb)) AS neg_ip_off,
       count(*) FILTER (WHERE abs(cosine_distance(ha, hb) - cosine_distance(va, vb)) > 1e-5) AS cos_off,
       count(*) FILTER (WHERE abs(l1_distance(ha, hb) - l1_distance(va, vb)) > 1e-5 * l1_distance(va, vb)) AS l1_off,
       count(*) FILTER (WHERE abs(l2_norm(ha) - vector_norm(va)) > 1e-12 * vector_norm(va)) AS norm_off,
       count(*) FILTER (WHERE binary_quantize(ha) <> binary_quantize(va)) AS bq_off,
       count(*) FILTER (WHERE CASE WHEN n > 1 THEN subvector(ha, 2, 5)::vector <> subvector(va, 2, 5) END) AS sub_off
  FROM hvf_cmp;
-- the inputs really were rounded: the half values differ from the float4 ones
SELECT count(*) AS rounded FROM hvf_pairs WHERE a::halfvec::vector <> a::vector;
-- and the distances are not trivially equal to the float4 distances
SELECT count(*) FILTER (WHERE l2_distance(a::halfvec, b::halfvec) <> l2_distance(a::vector, b::vector)) > 0 AS differs
  FROM hvf_pairs;
DROP TABLE hvf_pairs, hvf_cmp;
