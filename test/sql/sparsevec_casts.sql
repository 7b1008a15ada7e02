-- sparsevec casts: to and from vector (with typmods), from integer[], real[],
-- double precision[] and numeric[] (zeros dropped), and their contexts.

-- vector -> sparsevec (implicit): zeros and -0 dropped
SELECT '[1,0,2]'::vector::sparsevec;
SELECT '[0,0,0]'::vector::sparsevec;
SELECT '[-0,1.5,-0]'::vector::sparsevec;
SELECT '[1e-45,-3.4028235e38]'::vector::sparsevec;
SELECT '[1,2,3]'::vector::sparsevec(3);
SELECT '[1,2,3]'::vector::sparsevec(2);
SELECT l2_norm(array_fill(1::real, ARRAY[16000])::vector::sparsevec) ^ 2 AS nnz_16000;
-- implicit: a vector argument where a sparsevec is wanted
SELECT '{1:1}/3'::sparsevec <-> '[1,2,3]'::vector AS l2, sqrt(13::float8) AS expected;

-- sparsevec -> vector (assignment)
SELECT '{1:1,3:2}/3'::sparsevec::vector;
SELECT '{}/3'::sparsevec::vector;
SELECT '{2:-1.5}/2'::sparsevec::vector(2);
SELECT '{2:-1.5}/2'::sparsevec::vector(3);
SELECT vector_dims('{16000:1}/16000'::sparsevec::vector) AS dims;
SELECT '{}/16001'::sparsevec::vector;
SELECT '{1:1}/1000000000'::sparsevec::vector;
-- round trips
SELECT v::sparsevec::vector = v AS vector_round_trip
  FROM (VALUES ('[1,0,-2.5,0,1e-45]'::vector), ('[0]'), ('[3.4028235e38,0,-1]')) s(v);
SELECT s::vector::sparsevec = s AS sparsevec_round_trip
  FROM (VALUES ('{1:1,5:-2.5}/5'::sparsevec), ('{}/1'), ('{16000:7}/16000')) t(s);

-- arrays -> sparsevec (assignment): zeros dropped
SELECT ARRAY[1,0,2]::sparsevec;
SELECT ARRAY[0,0]::int[]::sparsevec;
SELECT ARRAY[16777217, -2147483648]::int[]::sparsevec;
SELECT '{1.5,0,-0,-2.25}'::real[]::sparsevec;
SELECT '{1e-45,3.4028235e38}'::real[]::sparsevec;
SELECT '{1.5,0,-2.25}'::double precision[]::sparsevec;
SELECT '{0.1,3.4028234663852886e38}'::double precision[]::sparsevec;
SELECT '{1.5,0,-2.25,0.1}'::numeric[]::sparsevec;
SELECT '{1.00000001,123456789012345678901234567890}'::numeric[]::sparsevec;
-- too small for a float4: 0, then dropped
SELECT '{1e-50,1,-1e-50}'::double precision[]::sparsevec;
SELECT '{1e-50,1,-1e-400}'::numeric[]::sparsevec;
-- overflow, NaN and Infinity are errors
SELECT '{1e39}'::double precision[]::sparsevec;
SELECT '{-1e39}'::numeric[]::sparsevec;
SELECT '{1e400}'::numeric[]::sparsevec;
SELECT '{NaN}'::real[]::sparsevec;
SELECT '{1,NaN}'::double precision[]::sparsevec;
SELECT '{NaN}'::numeric[]::sparsevec;
SELECT '{Infinity}'::real[]::sparsevec;
SELECT '{-Infinity}'::double precision[]::sparsevec;
SELECT '{Infinity}'::numeric[]::sparsevec;
-- shape and size
SELECT '{}'::real[]::sparsevec;
SELECT ARRAY[[1,2],[3,4]]::sparsevec;
SELECT ARRAY[1,NULL,3]::sparsevec;
SELECT ARRAY['1','2']::text[]::sparsevec;
SELECT ARRAY[1,2,3]::sparsevec(3);
SELECT ARRAY[1,2,3]::sparsevec(2);
SELECT array_fill(1::real, ARRAY[16001])::sparsevec;
SELECT round(l2_norm((SELECT array_agg(CASE WHEN i % 100 = 0 THEN 1 ELSE 0 END) FROM generate_series(1, 20000) i)::sparsevec) ^ 2)
  AS nnz_200_of_20000;
SELECT (SELECT array_agg(CASE WHEN i % 100 = 0 THEN 1 ELSE 0 END) FROM generate_series(1, 20000) i)::sparsevec
     = ('{' || (SELECT string_agg((100 * i) || ':1', ',') FROM generate_series(1, 200) i) || '}/20000')::sparsevec AS same;

-- the typmod cast function itself
SELECT sparsevec('{1:1}/3'::sparsevec, 3, false);
SELECT sparsevec('{1:1}/3'::sparsevec, -1, false);
SELECT sparsevec('{1:1}/3'::sparsevec, 4, true);
-- casts between sparsevec typmods
SELECT '{1:1}/3'::sparsevec(3)::sparsevec(3);
SELECT '{1:1}/3'::sparsevec(3)::sparsevec(4);

-- assignment casts into columns
CREATE TABLE svc_t (s sparsevec(3), v vector(3));
INSERT INTO svc_t (s) VALUES (ARRAY[1,0,3]), ('{1,2,0}'::real[]), ('{0,0,0.5}'::float8[]), ('{0,0,0}'::numeric[]);
INSERT INTO svc_t (s) VALUES ('[4,0,6]'::vector);
INSERT INTO svc_t (v) VALUES ('{2:7}/3'::sparsevec);
INSERT INTO svc_t (s) VALUES (ARRAY[1,2]);
INSERT INTO svc_t (v) VALUES ('{2:7}/4'::sparsevec);
SELECT s, v FROM svc_t ORDER BY s NULLS LAST;
DROP TABLE svc_t;
-- arrays are not cast implicitly
SELECT '{1:1}/3'::sparsevec <-> ARRAY[1,2,3];

-- the cast catalog: function and context (the halfvec casts: sparsevec_halfvec)
SELECT castsource::regtype, casttarget::regtype, castfunc::regprocedure, castcontext
  FROM pg_cast
 WHERE (castsource = 'sparsevec'::regtype OR casttarget = 'sparsevec'::regtype)
   AND 'halfvec' NOT IN (castsource::regtype::text, casttarget::regtype::text)
 ORDER BY castsource::regtype::text, casttarget::regtype::text;
