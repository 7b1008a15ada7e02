-- sparsevec text input/output, limits, type modifier and storage.

-- well-formed input: output sorted by index, zeros dropped
SELECT '{1:1.5,3:3.5}/5'::sparsevec;
SELECT '{1:-2,3:-4}/5'::sparsevec;
SELECT '{1:2.,3:4.}/5'::sparsevec;
SELECT '{3:3,1:1,2:2}/3'::sparsevec;
SELECT '{5:1,1:2}/5'::sparsevec;
SELECT '{1:0,2:1,3:0}/3'::sparsevec;
SELECT '{1:-0,2:0.0}/2'::sparsevec;
SELECT '{}/5'::sparsevec;
SELECT '{}/1'::sparsevec;
SELECT '{+1:+1}/+2'::sparsevec;

-- white space around every token
SELECT ' { 1 : 1.5 ,  3  :  3.5  } / 5 '::sparsevec;
SELECT E'{\t1:1,\n2\t:\t2\r}\n/\n3\t'::sparsevec;
SELECT '{ }/1'::sparsevec;
SELECT (chr(12) || '{' || chr(11) || '1:1}' || chr(11) || '/1')::sparsevec AS form_feed_and_vertical_tab;

-- exponent forms and the shortest round-trip output
SELECT '{1:1e3,2:1E-3,3:+1.5e+2,4:-2.5e-1,5:1.0e0}/5'::sparsevec;
SELECT '{1:0.1,2:1.23456789,3:3.14159265358979}/3'::sparsevec;
SELECT '{1:1.5e38,2:-1.5e38}/2'::sparsevec;
SELECT '{1:1.5e+38,2:-1.5e+38}/2'::sparsevec;
SELECT '{1:1.5e-38,2:-1.5e-38}/2'::sparsevec;
SELECT '{1:3.4028235e38,2:-3.4028235e38}/2'::sparsevec;
SELECT '{1:1e-40,2:1e-45}/2'::sparsevec;
-- too small for a float4: read as 0, then dropped (the index is still checked)
SELECT '{1:1e-46,2:1}/2'::sparsevec;
SELECT '{1:-1e-46,2:1}/2'::sparsevec;
SELECT '{1:1e-50}/1'::sparsevec;
SELECT '{3:1e-46}/2'::sparsevec;
-- the same text as real gives, element by element
SELECT x, '{1:' || x || '}/1' = ('{1:' || x || '}/1')::sparsevec::text AS same_as_real
  FROM unnest('{0.1,1.5,-2.75,1e-07,123456789,3.3333333,6.0221409e+23,1e-40}'::real[]) x;

-- limits: 1e9 dimensions, 16000 non-zeros
SELECT '{}/1000000000'::sparsevec;
SELECT '{1000000000:1,1:2}/1000000000'::sparsevec;
SELECT (SELECT '{' || string_agg(i || ':1', ',') || '}/16000' FROM generate_series(1, 16000) i)::sparsevec
     = array_fill(1::real, ARRAY[16000])::sparsevec AS nnz_16000;
SELECT l2_norm(('{' || (SELECT string_agg((1000000000 - i) || ':2', ',') FROM generate_series(0, 15999) i)
                || '}/1000000000')::sparsevec) AS norm_16000_at_the_end;
SELECT ('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16001) i) || '}/16001')::sparsevec;
SELECT ('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16001) i) || '}/1000000000')::sparsevec;
-- listed zeros do not count against the limit
SELECT l2_norm(('{' || (SELECT string_agg(i || ':' || (i % 2), ',') FROM generate_series(1, 32000) i)
                || '}/40000')::sparsevec) ^ 2 AS nnz_of_32000_listed;

-- dimensions
SELECT '{}/0'::sparsevec;
SELECT '{}/-1'::sparsevec;
SELECT '{}/1000000001'::sparsevec;
SELECT '{}/2147483648'::sparsevec;
SELECT '{}/-2147483649'::sparsevec;
SELECT '{}/9223372036854775808'::sparsevec;
SELECT '{}/-9223372036854775809'::sparsevec;

-- indices: 1-based, within the dimensions, no duplicates (zero values too)
SELECT '{0:1}/1'::sparsevec;
SELECT '{2:1}/1'::sparsevec;
SELECT '{-1:1}/3'::sparsevec;
SELECT '{4:1,1:1}/3'::sparsevec;
SELECT '{0:0}/1'::sparsevec;
SELECT '{2147483647:1}/1'::sparsevec;
SELECT '{2147483648:1}/1'::sparsevec;
SELECT '{-2147483648:1}/1'::sparsevec;
SELECT '{-2147483649:1}/1'::sparsevec;
SELECT '{1000000001:1}/1000000000'::sparsevec;
SELECT '{1:1,1:1}/2'::sparsevec;
SELECT '{1:1,2:1,1:1}/2'::sparsevec;
SELECT '{1:1,1:2}/2'::sparsevec;
SELECT '{1:0,1:0}/2'::sparsevec;
SELECT '{2:1,1:0,2:0}/2'::sparsevec;

-- non-finite and out-of-range values
SELECT '{1:NaN,2:1}/2'::sparsevec;
SELECT '{1:nan}/1'::sparsevec;
SELECT '{1:Infinity,2:1}/2'::sparsevec;
SELECT '{1:-Infinity,2:1}/2'::sparsevec;
SELECT '{1:inf}/1'::sparsevec;
SELECT '{1:4e38,2:1}/2'::sparsevec;
SELECT '{1:-4e38,2:1}/2'::sparsevec;
SELECT '{1:1e39}/1'::sparsevec;

-- malformed text
SELECT ''::sparsevec;
SELECT '   '::sparsevec;
SELECT '{'::sparsevec;
SELECT '{ '::sparsevec;
SELECT '{:'::sparsevec;
SELECT '{,'::sparsevec;
SELECT '{}'::sparsevec;
SELECT '{}/'::sparsevec;
SELECT '{}/ '::sparsevec;
SELECT '{}/1a'::sparsevec;
SELECT '{}/1.5'::sparsevec;
SELECT '{}/1/2'::sparsevec;
SELECT '{}5'::sparsevec;
SELECT '{} 5'::sparsevec;
SELECT '{}/5 6'::sparsevec;
SELECT '{:}/1'::sparsevec;
SELECT '{,}/1'::sparsevec;
SELECT '{1,}/1'::sparsevec;
SELECT '{:1}/1'::sparsevec;
SELECT '{1:}/1'::sparsevec;
SELECT '{1a:1}/1'::sparsevec;
SELECT '{1.5:1}/2'::sparsevec;
SELECT '{1:1a}/1'::sparsevec;
SELECT '{1:hello,2:1}/2'::sparsevec;
SELECT '{1:1,}/1'::sparsevec;
SELECT '{,1:1}/1'::sparsevec;
SELECT '{1:1,,2:1}/2'::sparsevec;
SELECT '{1:1 2:1}/2'::sparsevec;
SELECT '{1:1;2:1}/2'::sparsevec;
SELECT '{1 2:1}/2'::sparsevec;
SELECT '{1:2:3}/3'::sparsevec;
SELECT '{1:1/1'::sparsevec;
SELECT '1:1}/1'::sparsevec;
SELECT '1:1/1'::sparsevec;
SELECT '{{1:1}}/1'::sparsevec;
SELECT '{1:1}}/1'::sparsevec;
SELECT '[1,2]'::sparsevec;
SELECT '{1,2}'::sparsevec;
SELECT '{1:1}/1x'::sparsevec;

-- text round trip
SELECT v::text::sparsevec = v AS round_trip, v::text
  FROM (VALUES ('{1:0.1,7:-3.3333333,9:6.0221409e+23}/9'::sparsevec), ('{}/9'), ('{9:1e-45}/9')) s(v);

-- type modifier: the number of dimensions
SELECT '{}/3'::sparsevec(3);
SELECT '{1:1,3:2}/3'::sparsevec(3);
SELECT '{}/3'::sparsevec(2);
SELECT '{1:1}/6'::sparsevec(5);
SELECT '{}/3'::sparsevec(3, 2);
SELECT '{}/3'::sparsevec('a');
SELECT '{}/3'::sparsevec(0);
SELECT '{}/3'::sparsevec(-1);
SELECT '{}/3'::sparsevec(1000000001);
SELECT '{}/1000000000'::sparsevec(1000000000);
CREATE TABLE svi_t (v sparsevec(5));
INSERT INTO svi_t VALUES ('{1:1,5:5}/5'), ('{}/5'), (NULL);
INSERT INTO svi_t VALUES ('{1:1}/6');
INSERT INTO svi_t VALUES ('{1:1}/4');
SELECT v FROM svi_t ORDER BY v NULLS LAST;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'svi_t'::regclass AND attname = 'v';
DROP TABLE svi_t;

-- storage external, like vector
SELECT typstorage, typlen FROM pg_type WHERE oid = 'sparsevec'::regtype;
