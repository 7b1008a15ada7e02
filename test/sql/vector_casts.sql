-- casts between vector and arrays, and to a dimension (typmod).

-- arrays to vector
SELECT ARRAY[1,2,3]::vector;
SELECT ARRAY[1.5,-2.25]::real[]::vector;
SELECT ARRAY[1.5,-2.25]::double precision[]::vector;
SELECT ARRAY[1.5,-2.25]::numeric[]::vector;
SELECT '{0.1,0.2}'::double precision[]::vector;
SELECT '{0.1,0.2}'::numeric[]::vector;
SELECT '{-2147483648,2147483647}'::integer[]::vector;
SELECT '{1.23456789}'::double precision[]::vector;
SELECT '[0:2]={1,2,3}'::real[]::vector;
SELECT array_fill(0.5::real, ARRAY[16000])::vector = ('[' || repeat('0.5,', 15999) || '0.5]')::vector AS same;

-- vector to real[]
SELECT '[1,2,3]'::vector::real[];
SELECT '[0.1,-2.5e-3,3e38]'::vector::real[];
SELECT array_length(array_fill(1::real, ARRAY[16000])::vector::real[], 1);
-- text round trip through real[]
SELECT ('[1.5,2,-3]'::vector::real[])::vector;

-- casts to a typmod check the dimension
SELECT ARRAY[1,2,3]::vector(3);
SELECT ARRAY[1,2,3]::vector(2);
SELECT ARRAY[1,2,3]::real[]::vector(4);
SELECT ARRAY[1,2]::double precision[]::vector(3);
SELECT ARRAY[1,2]::numeric[]::vector(1);
SELECT '[1,2,3]'::vector::vector(3);
SELECT '[1,2,3]'::vector::vector(2);
SELECT '[1,2,3]'::vector(3)::vector(4);
SELECT CAST('[1,2]'::vector AS vector(2));

-- bad arrays
SELECT ARRAY[1,NULL,3]::vector;
SELECT ARRAY[NULL]::real[]::vector;
SELECT '{NULL}'::double precision[]::vector;
SELECT '{1,NULL}'::numeric[]::vector;
SELECT ARRAY[[1,2],[3,4]]::vector;
SELECT '{{1.5}}'::real[]::vector;
SELECT '{}'::real[]::vector;
SELECT '{}'::integer[]::vector;
SELECT '{}'::double precision[]::vector;
SELECT '{}'::numeric[]::vector;
SELECT '{NaN}'::real[]::vector;
SELECT '{1,NaN}'::double precision[]::vector;
SELECT '{NaN}'::numeric[]::vector;
SELECT '{Infinity}'::real[]::vector;
SELECT '{-Infinity}'::double precision[]::vector;
SELECT '{1e39}'::double precision[]::vector;
SELECT '{-1e39}'::double precision[]::vector;
SELECT '{1e39}'::numeric[]::vector;
SELECT '{1e300}'::numeric[]::vector;
SELECT '{1e400}'::numeric[]::vector;
-- too small for float4 (non-zero): 0 or -0, not an error
SELECT '{1e-50,-1e-50,1e-45}'::double precision[]::vector;
SELECT '{1e-50,-1e-50,1e-400}'::numeric[]::vector;
SELECT '{1e-40,-1e-45}'::real[]::vector;
SELECT '{1e-320}'::double precision[]::vector;
-- too many dimensions through an array
SELECT array_fill(1::real, ARRAY[16001])::vector;
SELECT array_fill(1, ARRAY[16001])::vector;
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector);

-- the array casts are assignment casts: they apply on INSERT/UPDATE ...
CREATE TABLE vcast_t (id int, v vector(3));
INSERT INTO vcast_t VALUES (1, ARRAY[1,2,3]);
INSERT INTO vcast_t VALUES (2, ARRAY[1.5,2.5,3.5]::real[]);
INSERT INTO vcast_t VALUES (3, ARRAY[1.5,2.5,3.5]::double precision[]);
INSERT INTO vcast_t VALUES (4, ARRAY[1.5,2.5,3.5]::numeric[]);
INSERT INTO vcast_t VALUES (5, ARRAY[1,2]);
INSERT INTO vcast_t VALUES (6, ARRAY[1,2,3,4]::real[]);
UPDATE vcast_t SET v = ARRAY[7,8,9] WHERE id = 1;
SELECT * FROM vcast_t ORDER BY id;
DROP TABLE vcast_t;
-- ... but not implicitly
CREATE FUNCTION vcast_dims(vector) RETURNS integer LANGUAGE sql AS 'SELECT vector_dims($1)';
SELECT vcast_dims(ARRAY[1,2]::real[]);
SELECT vcast_dims(ARRAY[1,2]::real[]::vector);
DROP FUNCTION vcast_dims(vector);

-- vector to real[] is implicit
CREATE FUNCTION vcast_sum(real[]) RETURNS real LANGUAGE sql AS 'SELECT sum(x) FROM unnest($1) x';
SELECT vcast_sum('[1,2,3.5]'::vector);
DROP FUNCTION vcast_sum(real[]);

-- NULL casts
SELECT NULL::real[]::vector IS NULL AS a, NULL::vector::real[] IS NULL AS b;
