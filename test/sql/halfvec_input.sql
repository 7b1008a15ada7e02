-- halfvec text input and output: the grammar and messages of vector, each
-- element read as a float4 and rounded to the nearest half (ties to even);
-- output prints the half's float4 value in shortest form.

SELECT '[1,2,3]'::halfvec;
SELECT '[-1.5,0,2.25]'::halfvec;
SELECT '[1.5,0.1]'::halfvec;
SELECT '[0.2,0.3,3.14159,-2.71828]'::halfvec;
SELECT '[-0]'::halfvec, '[0]'::halfvec;

-- white space around brackets and elements
SELECT '  [ 1 , 2 ,3 ]  '::halfvec;
SELECT (E'\t[\n1,\r2\f,' || chr(11) || E'3]\n')::halfvec;

-- number forms (as float4 input accepts them)
SELECT '[1e2,1E-2,+4,-5.,.5,0x10]'::halfvec;
SELECT '[1.5e+2,2.5e-1,-1e0]'::halfvec;

-- rounding to half: 11 significant bits, ties to even
SELECT '[2049,2051,2050.5,1025.5,1026.5]'::halfvec;
SELECT '[0.333333,100.03,1000.3]'::halfvec;
-- every half reads back as itself from its printed text
SELECT count(*) AS round_trips
  FROM generate_series(0, 30000) i,
       LATERAL (SELECT ('[' || (i * 2.1830)::real || ']')::halfvec AS h) s
 WHERE h::text::halfvec = h AND h::text = h::text::halfvec::text;

-- the range of half: 65504 is the largest; up to 65519.99 rounds down to it
SELECT '[65504,-65504,65519.99,-65519]'::halfvec;
-- 65520 and beyond round past it: out of range, never clamped
SELECT '[65520]'::halfvec;
SELECT '[1,-65520]'::halfvec;
SELECT '[1e5]'::halfvec;
SELECT '[1e39]'::halfvec;
SELECT '[3.4e38]'::halfvec;

-- subnormal halves are exact; too small (non-zero) becomes 0 or -0
SELECT '[6.1035156e-05,6.097555e-05,5.9604645e-08,-5.9604645e-08]'::halfvec;
SELECT '[1e-9,-1e-9,2.9e-8,3e-8,1e-46,-1e-50]'::halfvec;
SELECT '[1e-9]'::halfvec = '[0]' AS zero;

-- non-finite elements
SELECT '[NaN]'::halfvec;
SELECT '[1,nan]'::halfvec;
SELECT '[Infinity]'::halfvec;
SELECT '[-inf,1]'::halfvec;

-- malformed input
SELECT ''::halfvec;
SELECT '   '::halfvec;
SELECT '[]'::halfvec;
SELECT '[  ]'::halfvec;
SELECT '['::halfvec;
SELECT ']'::halfvec;
SELECT '[1,2'::halfvec;
SELECT '1,2]'::halfvec;
SELECT '[1,,2]'::halfvec;
SELECT '[,1]'::halfvec;
SELECT '[1,]'::halfvec;
SELECT '[1 2]'::halfvec;
SELECT '[1,2]x'::halfvec;
SELECT '[1,2] ]'::halfvec;
SELECT '[[1,2]]'::halfvec;
SELECT '[1,2,a]'::halfvec;
SELECT '[1e]'::halfvec;
SELECT '[1.2.3]'::halfvec;
SELECT '{1,2,3}'::halfvec;

-- dimensions: 16000 is the most
SELECT vector_dims(('[' || repeat('1,', 15999) || '1]')::halfvec);
SELECT ('[' || repeat('1,', 16000) || '1]')::halfvec;

-- type modifier
SELECT '[1,2,3]'::halfvec(3);
SELECT '[1,2]'::halfvec(3);
SELECT '[1,2,3,4]'::halfvec(3);
SELECT '[1,2]'::halfvec(0);
SELECT '[1,2]'::halfvec(-1);
SELECT '[1,2]'::halfvec(16001);
SELECT '[1,2]'::halfvec(3,4);
SELECT vector_dims(array_fill(0::real, ARRAY[16000])::halfvec(16000));
CREATE TABLE hvin_t (v halfvec(2));
INSERT INTO hvin_t VALUES ('[1,2]'), ('[0.1,65504]');
INSERT INTO hvin_t VALUES ('[1,2,3]');
SELECT * FROM hvin_t;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'hvin_t'::regclass AND attname = 'v';
DROP TABLE hvin_t;

-- storage: external (out of line when large, not compressed)
SELECT typstorage FROM pg_type WHERE typname = 'halfvec';
SELECT pg_column_size('[1,2,3]'::halfvec) AS bytes_3, pg_column_size(array_fill(1::real, ARRAY[1000])::halfvec) AS bytes_1000;

-- NULL in, NULL out
SELECT NULL::halfvec IS NULL AS is_null;
