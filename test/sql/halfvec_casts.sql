-- casts to and from halfvec: arrays (assignment), real[] (assignment),
-- vector -> halfvec (implicit, rounds), halfvec -> vector (assignment,
-- exact), and casts to a typmod.

-- arrays to halfvec
SELECT ARRAY[1,2,3]::halfvec;
SELECT ARRAY[1.5,-2.25]::real[]::halfvec;
SELECT ARRAY[1.5,-2.25]::double precision[]::halfvec;
SELECT ARRAY[1.5,-2.25]::numeric[]::halfvec;
SELECT '{0.1,0.2}'::double precision[]::halfvec;
SELECT '{0.1,0.2}'::numeric[]::halfvec;
SELECT '{2049,-2051,65504,-65504}'::integer[]::halfvec;
SELECT '{65519.99}'::double precision[]::halfvec;
SELECT '[0:2]={1,2,3}'::real[]::halfvec;
-- too large for half: an error naming the value, never clamped
SELECT '{65520}'::integer[]::halfvec;
SELECT '{2147483647}'::integer[]::halfvec;
SELECT '{1,-1e5}'::real[]::halfvec;
SELECT '{70000.5}'::double precision[]::halfvec;
SELECT '{1e39}'::double precision[]::halfvec;
SELECT '{65520}'::numeric[]::halfvec;
SELECT '{1e400}'::numeric[]::halfvec;
-- too small (non-zero): 0 or -0
SELECT '{1e-9,-1e-9,1e-45}'::real[]::halfvec;
SELECT '{1e-50,-1e-50,6e-8}'::double precision[]::halfvec;
SELECT '{1e-50,-1e-9,1e-400}'::numeric[]::halfvec;
-- non-finite
SELECT '{NaN}'::real[]::halfvec;
SELECT '{1,Infinity}'::double precision[]::halfvec;
SELECT '{-Infinity}'::real[]::halfvec;
SELECT '{NaN}'::numeric[]::halfvec;
SELECT '{Infinity}'::numeric[]::halfvec;
-- bad arrays
SELECT ARRAY[1,NULL,3]::halfvec;
SELECT ARRAY[[1,2],[3,4]]::halfvec;
SELECT '{}'::real[]::halfvec;
SELECT array_fill(1::real, ARRAY[16001])::halfvec;
SELECT vector_dims(array_fill(1, ARRAY[16000])::halfvec) AS dims;

-- halfvec to real[]: the exact float4 values of the halves
SELECT '[1,2,3]'::halfvec::real[];
SELECT '[0.1,-65504,6e-8]'::halfvec::real[];
SELECT ('[1.5,2,-3]'::halfvec::real[])::halfvec AS round_trip;

-- vector -> halfvec rounds; halfvec -> vector is exact
SELECT '[0.1,1.5,3.14159]'::vector::halfvec;
SELECT '[0.1,1.5,3.14159]'::halfvec::vector;
SELECT '[1e-9,-1e-46,65519.99]'::vector::halfvec;
SELECT '[65520]'::vector::halfvec;
SELECT '[1,-3e38]'::vector::halfvec;
SELECT array_fill(0.5::real, ARRAY[16000])::vector::halfvec = array_fill(0.5::real, ARRAY[16000])::halfvec AS same;
SELECT '[0.1]'::halfvec::vector::halfvec = '[0.1]'::halfvec AS round_trip;

-- casts to a typmod check the dimensions
SELECT ARRAY[1,2,3]::halfvec(3);
SELECT ARRAY[1,2,3]::halfvec(2);
SELECT ARRAY[1,2]::double precision[]::halfvec(3);
SELECT '[1,2,3]'::halfvec::halfvec(3);
SELECT '[1,2,3]'::halfvec::halfvec(2);
SELECT '[1,2,3]'::vector::halfvec(3);
SELECT '[1,2,3]'::vector::halfvec(4);
SELECT '[1,2,3]'::halfvec::vector(3);
SELECT '[1,2,3]'::halfvec::vector(2);
SELECT halfvec('[1,2]', 2, false) AS fn, halfvec('[1,2]', -1, false) AS any_dims;
SELECT halfvec('[1,2]', 3, false);

-- contexts: arrays and vector assign to a halfvec column; a halfvec
-- assigns to a vector column and to real[]
CREATE TABLE hvcast_t (id int, h halfvec(3), v vector(3), r real[]);
INSERT INTO hvcast_t (id, h) VALUES (1, ARRAY[1,2,3]);
INSERT INTO hvcast_t (id, h) VALUES (2, ARRAY[0.1,0.2,0.3]::real[]);
INSERT INTO hvcast_t (id, h) VALUES (3, ARRAY[1.5,2.5,3.5]::double precision[]);
INSERT INTO hvcast_t (id, h) VALUES (4, ARRAY[1.5,2.5,3.5]::numeric[]);
INSERT INTO hvcast_t (id, h) VALUES (5, '[0.1,0.2,0.3]'::vector);
INSERT INTO hvcast_t (id, h) VALUES (6, ARRAY[1,2]);
INSERT INTO hvcast_t (id, h) VALUES (7, '[1,2,3,4]'::vector);
UPDATE hvcast_t SET v = h, r = h;
SELECT * FROM hvcast_t ORDER BY id;
DROP TABLE hvcast_t;
-- vector -> halfvec is implicit: a function taking halfvec accepts a vector
CREATE FUNCTION hvcast_dims(halfvec) RETURNS integer LANGUAGE sql AS 'SELECT vector_dims($1)';
SELECT hvcast_dims('[1,2]'::vector);
-- arrays are not implicit
SELECT hvcast_dims(ARRAY[1,2]::real[]);
DROP FUNCTION hvcast_dims(halfvec);
-- halfvec -> vector and halfvec -> real[] are not implicit
CREATE FUNCTION hvcast_vdims(vector) RETURNS integer LANGUAGE sql AS 'SELECT vector_dims($1)';
SELECT hvcast_vdims('[1,2]'::halfvec);
SELECT hvcast_vdims('[1,2]'::halfvec::vector);
DROP FUNCTION hvcast_vdims(vector);
CREATE FUNCTION hvcast_sum(real[]) RETURNS real LANGUAGE sql AS 'SELECT sum(x) FROM unnest($1) x';
SELECT hvcast_sum('[1,2,3.5]'::halfvec);
SELECT hvcast_sum('[1,2,3.5]'::halfvec::real[]);
DROP FUNCTION hvcast_sum(real[]);
SELECT castsource::regtype, casttarget::regtype, castcontext, castfunc::regproc
  FROM pg_cast WHERE 'halfvec'::regtype IN (castsource, casttarget)
 ORDER BY castsource::regtype::text, casttarget::regtype::text;

-- NULL casts
SELECT NULL::real[]::halfvec IS NULL AS a, NULL::halfvec::real[] IS NULL AS b,
       NULL::vector::halfvec IS NULL AS c, NULL::halfvec::vector IS NULL AS d;
