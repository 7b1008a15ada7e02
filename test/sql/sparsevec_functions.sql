-- sparsevec functions: the distances by name, the hnsw support functions,
-- l2_norm, l2_normalize, and agreement with vector on random inputs.

-- distance functions, by hand: a = [1,0,2], b = [0,2,1]
SELECT l2_distance('{1:1,3:2}/3'::sparsevec, '{2:2,3:1}/3') AS l2,
       inner_product('{1:1,3:2}/3'::sparsevec, '{2:2,3:1}/3') AS ip,
       cosine_distance('{1:1,3:2}/3'::sparsevec, '{2:2,3:1}/3') AS cos,
       l1_distance('{1:1,3:2}/3'::sparsevec, '{2:2,3:1}/3') AS l1;
SELECT inner_product('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2') AS ip;
SELECT inner_product('{1:1,3:3}/4'::sparsevec, '{2:2,4:4}/4') AS ip_disjoint;
SELECT inner_product('{1:1,3:3,5:5}/5'::sparsevec, '{2:4,3:6,4:8}/5') AS ip;
SELECT inner_product('{1:-1.5,2:2}/2'::sparsevec, '{1:2,2:0.25}/2') AS ip;
SELECT inner_product('{1:1}/2'::sparsevec, '{}/2') AS ip_zero;
SELECT inner_product('{1:3e38}/1'::sparsevec, '{1:3e38}/1') AS ip_overflow;
SELECT l2_distance('{}/2'::sparsevec, '{2:1}/2') AS l2;
SELECT l1_distance('{1:1,3:3,5:5,7:7,9:9}/9'::sparsevec, '{2:2,4:4,6:6,8:8}/9') AS l1;
-- the functions and the operators agree
SELECT l2_distance(a, b) = a <-> b AS l2, -inner_product(a, b) = a <#> b AS ip,
       cosine_distance(a, b) = a <=> b AS cos, l1_distance(a, b) = a <+> b AS l1
  FROM (SELECT '{1:1.5,2:-2,7:3}/9'::sparsevec AS a, '{2:4,5:0.5,9:-6}/9'::sparsevec AS b) s;

-- the support functions of the hnsw operator classes
SELECT sparsevec_l2_squared_distance('{1:1,3:2}/3', '{2:2,3:1}/3') AS l2_squared;
SELECT sparsevec_l2_squared_distance('{1:3e38}/1', '{}/1') AS l2_squared_overflow;
SELECT sparsevec_negative_inner_product('{1:1,3:2}/3', '{2:2,3:1}/3') AS neg_ip;
SELECT sparsevec_negative_inner_product('{1:-1}/3', '{1:2}/3') AS neg_ip;

-- dimension mismatch, in every function
SELECT l2_distance('{1:1,2:2}/2'::sparsevec, '{1:3}/1');
SELECT inner_product('{1:1,2:2}/2'::sparsevec, '{1:3}/1');
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{1:3}/1');
SELECT l1_distance('{1:1,2:2}/2'::sparsevec, '{1:3}/1');
SELECT sparsevec_l2_squared_distance('{}/3', '{}/4');
SELECT sparsevec_negative_inner_product('{}/3', '{}/4');

-- l2_norm (in float8: the squares of large float4 values do not overflow)
SELECT l2_norm('{1:3,2:4}/2'::sparsevec);
SELECT round(l2_norm('{1:1,2:1}/2'::sparsevec)::numeric, 5) AS sqrt2;
SELECT l2_norm('{2:1}/2'::sparsevec);
SELECT l2_norm('{1:-2}/1'::sparsevec);
SELECT l2_norm('{}/2'::sparsevec);
SELECT l2_norm('{1:3e37,2:4e37}/2'::sparsevec)::real AS big;
SELECT round((l2_norm('{1:3e38,2:3e38}/2'::sparsevec) / 1e38)::numeric, 4) AS norm_e38;
SELECT l2_norm('{1:1e-45}/1'::sparsevec) AS smallest;

-- l2_normalize: norm 1, a zero vector stays zero, quotients that underflow are dropped
SELECT l2_normalize('{1:3,2:4}/2'::sparsevec);
SELECT l2_normalize('{1:3}/2'::sparsevec);
SELECT l2_normalize('{2:0.1}/2'::sparsevec);
SELECT l2_normalize('{1:-5,3:0}/3'::sparsevec);
SELECT l2_normalize('{}/2'::sparsevec);
SELECT l2_normalize('{1:3e38}/1'::sparsevec);
SELECT l2_normalize('{1:1e-45}/1'::sparsevec);
SELECT l2_normalize('{1:3e38,2:1e-37}/2'::sparsevec);
SELECT l2_normalize('{2:3e37,4:3e-37,6:4e37,8:4e-37}/9'::sparsevec);
SELECT round(l2_norm(l2_normalize('{1:1.5,5:-2.25,9:0.125}/9'::sparsevec))::numeric, 6) AS unit;
SELECT l2_normalize('{1:1.5,5:-2.25,9:0.125}/9'::sparsevec)::vector
     = l2_normalize('[1.5,0,0,0,-2.25,0,0,0,0.125]'::vector) AS same_as_vector;

-- strict: NULL in, NULL out
SELECT l2_norm(NULL::sparsevec) IS NULL AS norm, l2_normalize(NULL::sparsevec) IS NULL AS normalize,
       l2_distance(NULL::sparsevec, '{}/1') IS NULL AS l2;

-- agreement with vector: random pairs (seeded) of many lengths and densities,
-- zero vectors included; every sparsevec distance equals the vector distance
-- on the same values, up to the summation order of the SIMD kernels.
SELECT setseed(0.25);
CREATE TEMP TABLE svf_pairs AS
SELECT n, pa, pb,
       (SELECT array_agg(CASE WHEN random() < pa THEN (random() * 2 - 1)::real ELSE 0 END ORDER BY i)
          FROM generate_series(1, n) i) AS a,
       (SELECT array_agg(CASE WHEN random() < pb THEN (random() * 4 - 2)::real ELSE 0 END ORDER BY i)
          FROM generate_series(1, n) i) AS b
  FROM generate_series(1, 130) n,
       (VALUES (0.0), (0.05), (0.3), (1.0)) x(pa),
       (VALUES (0.05), (0.5), (1.0)) y(pb);
INSERT INTO svf_pairs
SELECT n, 1, 1, a, a FROM (SELECT n, (SELECT array_agg((random() - 0.5)::real) FROM generate_series(1, n)) a
                             FROM generate_series(200, 2000, 150) n) s;
CREATE FUNCTION svf_close(got float8, want float8) RETURNS bool
  LANGUAGE sql IMMUTABLE AS $$ SELECT got = want OR abs(got - want) <= 1e-4 * (1 + abs(want)) $$;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE a::sparsevec::vector = a::vector AND b::sparsevec::vector = b::vector) AS same_values,
       count(*) FILTER (WHERE svf_close(a::sparsevec <-> b::sparsevec, a::vector <-> b::vector)) AS l2,
       count(*) FILTER (WHERE svf_close(a::sparsevec <#> b::sparsevec, a::vector <#> b::vector)) AS ip,
       count(*) FILTER (WHERE svf_close(a::sparsevec <=> b::sparsevec, a::vector <=> b::vector)) AS cos,
       count(*) FILTER (WHERE svf_close(a::sparsevec <+> b::sparsevec, a::vector <+> b::vector)) AS l1,
       count(*) FILTER (WHERE svf_close(sparsevec_l2_squared_distance(a::sparsevec, b::sparsevec),
                                        vector_l2_squared_distance(a::vector, b::vector))) AS l2_squared,
       count(*) FILTER (WHERE svf_close(sparsevec_negative_inner_product(a::sparsevec, b::sparsevec),
                                        vector_negative_inner_product(a::vector, b::vector))) AS neg_ip,
       count(*) FILTER (WHERE l2_norm(a::sparsevec) = vector_norm(a::vector)) AS norm,
       count(*) FILTER (WHERE svf_close(l2_distance(l2_normalize(a::sparsevec)::vector, l2_normalize(a::vector)), 0)) AS normalize
  FROM svf_pairs;
-- the zero vectors in there: cosine is NaN on both sides
SELECT count(*) AS zero_a, count(*) FILTER (WHERE (a::sparsevec <=> b::sparsevec) = 'NaN'::float8) AS nan
  FROM svf_pairs WHERE pa = 0;
DROP FUNCTION svf_close(float8, float8);
DROP TABLE svf_pairs;
