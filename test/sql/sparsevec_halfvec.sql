-- casts between halfvec and sparsevec: halfvec -> sparsevec (implicit, exact,
-- zeros dropped), sparsevec -> halfvec (assignment, rounded to the nearest
-- half; overflow an error, underflow 0), typmods, round trips.

-- halfvec -> sparsevec
SELECT '[1,0,-2.5]'::halfvec::sparsevec;
SELECT '[0,-0]'::halfvec::sparsevec;
SELECT '[65504,-65504,6e-8]'::halfvec::sparsevec;
SELECT '[0.1]'::halfvec::sparsevec;
SELECT '[1,2,3]'::halfvec::sparsevec(3);
SELECT '[1,2,3]'::halfvec::sparsevec(2);
SELECT l2_norm(array_fill(1::real, ARRAY[16000])::halfvec::sparsevec) ^ 2 AS nnz_16000;
-- implicit: a halfvec argument where a sparsevec is wanted
SELECT '{1:1}/3'::sparsevec <-> '[1,2,3]'::halfvec AS l2, sqrt(13::float8) AS expected;

-- sparsevec -> halfvec
SELECT '{1:1,3:-2.5}/3'::sparsevec::halfvec;
SELECT '{}/2'::sparsevec::halfvec;
SELECT '{1:0.1,2:1.0009766,3:3.14159}/3'::sparsevec::halfvec;
SELECT '{1:65504,2:-65504}/2'::sparsevec::halfvec;
SELECT '{1:65519}/1'::sparsevec::halfvec;
-- too small for a half: 0 (or -0)
SELECT '{1:1e-9,2:1,3:-1e-9}/3'::sparsevec::halfvec;
SELECT '{1:6e-8}/1'::sparsevec::halfvec;
-- too large for a half: an error naming the value
SELECT '{1:65520}/1'::sparsevec::halfvec;
SELECT '{2:-100000}/2'::sparsevec::halfvec;
SELECT '{1:3.4028235e38}/1'::sparsevec::halfvec;
-- dimensions: at most 16000, and the typmod
SELECT vector_dims('{16000:1}/16000'::sparsevec::halfvec) AS dims;
SELECT '{}/16001'::sparsevec::halfvec;
SELECT '{1:1}/1000000000'::sparsevec::halfvec;
SELECT '{2:-1.5}/2'::sparsevec::halfvec(2);
SELECT '{2:-1.5}/2'::sparsevec::halfvec(3);

-- round trips
SELECT h::sparsevec::halfvec = h AS halfvec_round_trip
  FROM (VALUES ('[1,0,-2.5,0,6e-8]'::halfvec), ('[0]'), ('[65504,0,-1]')) s(h);
SELECT s::halfvec::sparsevec = s AS sparsevec_round_trip
  FROM (VALUES ('{1:1,5:-2.5}/5'::sparsevec), ('{}/1'), ('{16000:0.5}/16000')) t(s);
-- halfvec, sparsevec and vector agree on the values
SELECT '{1:0.1,3:-3.3}/3'::sparsevec::halfvec::sparsevec::vector
     = '{1:0.1,3:-3.3}/3'::sparsevec::vector::halfvec::vector AS same_rounding;

-- assignment casts into columns
CREATE TABLE svh_t (s sparsevec(3), h halfvec(3));
INSERT INTO svh_t (s) VALUES ('[4,0,6]'::halfvec);
INSERT INTO svh_t (h) VALUES ('{2:7}/3'::sparsevec);
INSERT INTO svh_t (h) VALUES ('{2:70000}/3'::sparsevec);
INSERT INTO svh_t (h) VALUES ('{2:7}/4'::sparsevec);
SELECT s, h FROM svh_t ORDER BY s NULLS LAST;
DROP TABLE svh_t;

-- distances on the same values: sparsevec (after the cast) and halfvec agree
SELECT setseed(0.125);
CREATE TEMP TABLE svh_pairs AS
SELECT n, (SELECT array_agg(CASE WHEN random() < 0.3 THEN (random() * 2 - 1)::real ELSE 0 END) FROM generate_series(1, n))::halfvec AS a,
          (SELECT array_agg(CASE WHEN random() < 0.6 THEN (random() * 2 - 1)::real ELSE 0 END) FROM generate_series(1, n))::halfvec AS b
  FROM generate_series(1, 100) n;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs((a::sparsevec <-> b::sparsevec) - (a <-> b)) <= 1e-4 * (1 + (a <-> b))) AS l2,
       count(*) FILTER (WHERE abs((a::sparsevec <#> b::sparsevec) - (a <#> b)) <= 1e-4 * (1 + abs(a <#> b))) AS ip,
       count(*) FILTER (WHERE (a::sparsevec <=> b::sparsevec) = (a <=> b)
                           OR abs((a::sparsevec <=> b::sparsevec) - (a <=> b)) <= 1e-4) AS cos,
       count(*) FILTER (WHERE abs((a::sparsevec <+> b::sparsevec) - (a <+> b)) <= 1e-4 * (1 + (a <+> b))) AS l1
  FROM svh_pairs;
DROP TABLE svh_pairs;

-- the cast catalog: function and context
SELECT castsource::regtype, casttarget::regtype, castfunc::regprocedure, castcontext
  FROM pg_cast
 WHERE (castsource = 'sparsevec'::regtype AND casttarget = 'halfvec'::regtype)
    OR (castsource = 'halfvec'::regtype AND casttarget = 'sparsevec'::regtype)
 ORDER BY castsource::regtype::text;
SELECT p.oid::regprocedure, p.provolatile, p.proisstrict, p.proparallel, p.prosrc
  FROM pg_proc p WHERE p.proname IN ('halfvec_to_sparsevec', 'sparsevec_to_halfvec') ORDER BY p.proname;
