-- vector text input/output, type modifier and storage.

-- well-formed input
SELECT '[1,2,3]'::vector;
SELECT '[1,2.5,-3e-2]'::vector;
SELECT '[-1.5]'::vector;
SELECT '[+1,+0.25]'::vector;
SELECT ' [ 1 ,  2 ,3 ] '::vector;
SELECT E'[\t1,\n2\t]'::vector;
SELECT '[1.0,2.00,3e0]'::vector;

-- output is the shortest text that round-trips a float4, like real
SELECT '[0.1,0.2,0.3]'::vector;
SELECT '[1.23456789,3.14159265358979]'::vector;
SELECT '[123456,1234567,12345678,100000000]'::vector;
SELECT '[0.001,0.0001,0.00001]'::vector;
SELECT '[3.4028235e38,-3.4028235e38]'::vector;
SELECT '[1.17549435e-38,1e-45,-1e-45]'::vector;
SELECT '[-0,0]'::vector;
-- the same text as real gives, element by element
SELECT x, '[' || x || ']' = ('[' || x || ']')::vector::text AS same_as_real
  FROM unnest('{0.1,1.5,-2.75,1e-07,123456789,3.3333333,6.0221409e+23,1e-40}'::real[]) x;

-- a value with many dimensions
SELECT vector_dims(('[' || repeat('1,', 15999) || '1]')::vector);
SELECT ('[' || repeat('1.5,', 15999) || '1.5]')::vector
     = array_fill(1.5::real, ARRAY[16000])::vector AS same;

-- malformed text
SELECT ''::vector;
SELECT '   '::vector;
SELECT '[]'::vector;
SELECT '[ ]'::vector;
SELECT '['::vector;
SELECT ']'::vector;
SELECT '[1,2'::vector;
SELECT '1,2]'::vector;
SELECT '1,2'::vector;
SELECT '[1,,2]'::vector;
SELECT '[,1]'::vector;
SELECT '[1,]'::vector;
SELECT '[1 2]'::vector;
SELECT '[1,2]x'::vector;
SELECT '[1,2] ]'::vector;
SELECT '[[1,2]]'::vector;
SELECT '[1,2,a]'::vector;
SELECT '[hello,1]'::vector;
SELECT '[1e]'::vector;
SELECT '[1.2.3]'::vector;
SELECT '{1,2,3}'::vector;

-- non-finite elements
SELECT '[NaN]'::vector;
SELECT '[1,nan]'::vector;
SELECT '[Infinity]'::vector;
SELECT '[1,-Infinity]'::vector;
SELECT '[-inf]'::vector;
SELECT '[inf,1]'::vector;

-- out of range for float4
SELECT '[1e39]'::vector;
SELECT '[1,-1e39]'::vector;

-- too small for float4 (non-zero): stored as 0 or -0, not an error; the
-- smallest subnormal float4 (1.4e-45) still reads back as itself
SELECT '[1e-50]'::vector;
SELECT '[1,-1e-50]'::vector;
SELECT '[1e-46,-1e-46,7e-46,8e-46]'::vector;
SELECT '[1e-400, -1e-999999]'::vector;
SELECT '[1e-46]'::vector = '[0]' AS zero, '[1e-46]'::vector::real[] = '{0}' AS zero_array;

-- too many dimensions through text
SELECT ('[' || repeat('1,', 16000) || '1]')::vector;

-- type modifier
SELECT '[1,2,3]'::vector(3);
SELECT '[1,2]'::vector(3);
SELECT '[1,2,3,4]'::vector(3);
SELECT '[1]'::vector(1);
SELECT '[1,2]'::vector(0);
SELECT '[1,2]'::vector(-1);
SELECT '[1,2]'::vector(16001);
SELECT '[1,2]'::vector(3,4);
SELECT '[1,2]'::vector('a');
SELECT vector_dims(array_fill(0::real, ARRAY[16000])::vector(16000));

CREATE TABLE vin_t (id int, v vector(3));
INSERT INTO vin_t VALUES (1, '[1,2,3]');
INSERT INTO vin_t VALUES (2, '[1,2]');
INSERT INTO vin_t VALUES (3, '[1,2,3,4]');
INSERT INTO vin_t VALUES (4, NULL);
UPDATE vin_t SET v = '[1,2]' WHERE id = 1;
SELECT id, v FROM vin_t ORDER BY id;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
  WHERE attrelid = 'vin_t'::regclass AND attname = 'v';
CREATE TABLE vin_bad (v vector(16001));
CREATE TABLE vin_bad (v vector(0));
DROP TABLE vin_t;

-- NULL in, NULL out
SELECT NULL::vector IS NULL AS is_null;

-- storage is external (out of line, never compressed)
SELECT typname, typstorage, typlen FROM pg_type WHERE typname = 'vector';

-- large values are stored out of line, uncompressed, and read back intact
CREATE TABLE vin_toast (id int, v vector);
INSERT INTO vin_toast SELECT i, array_fill(i::real, ARRAY[16000])::vector FROM generate_series(1, 3) i;
SELECT id, vector_dims(v), v = array_fill(id::real, ARRAY[16000])::vector AS intact,
       pg_column_size(v) >= 64000 AS uncompressed
  FROM vin_toast ORDER BY id;
SELECT pg_relation_size(reltoastrelid) > 0 AS out_of_line
  FROM pg_class WHERE oid = 'vin_toast'::regclass;
DROP TABLE vin_toast;
