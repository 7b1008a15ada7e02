-- halfvec binary send/recv: the wire format (big-endian int16 dims, int16
-- unused = 0, dims x IEEE binary16 bits), binary COPY round trips, and
-- malformed binary input.

-- send: 1.5 = 3e00, 0.1 = 2e66 (0.0999755859375), -2 = c000
SELECT halfvec_send('[1.5,0.1,-2]');
SELECT halfvec_send('[-0,0]');
-- 65504 = 7bff, the smallest subnormal 2^-24 = 0001, the largest 03ff, 2^-14 = 0400
SELECT halfvec_send('[65504,-65504,5.9604645e-08,6.097555e-05,6.1035156e-05]');
SELECT halfvec_send('[1e-9,-1e-9]') AS signed_zeros;
SELECT length(halfvec_send(array_fill(1::real, ARRAY[16000])::halfvec)) AS bytes;
-- half the bytes of vector's format for the same elements, after the header
SELECT length(vector_send('[1,2,3]')) AS vector_bytes, length(halfvec_send('[1,2,3]')) AS halfvec_bytes;

-- binary COPY round trip through a server-side file
CREATE TABLE hvcb_t (id int, v halfvec);
INSERT INTO hvcb_t VALUES
  (1, '[1,2,3]'),
  (2, '[-0,0,5.9604645e-08]'),
  (3, '[65504,-65504,6.1035156e-05]'),
  (4, '[0.1,0.2,0.3]'),
  (5, NULL),
  (6, '[3.14159]');
INSERT INTO hvcb_t
  SELECT 7, (SELECT array_agg((i % 2000) * 0.03::real ORDER BY i) FROM generate_series(1, 16000) i)::halfvec;
SELECT current_setting('data_directory') || '/vecext_test_halfvec_copy.bin' AS copyfile \gset
COPY hvcb_t TO :'copyfile' WITH (FORMAT binary);
CREATE TABLE hvcb_t2 (id int, v halfvec);
COPY hvcb_t2 FROM :'copyfile' WITH (FORMAT binary);
SELECT id, v FROM hvcb_t2 WHERE id <> 7 ORDER BY id;
SELECT count(*) AS same_text
  FROM hvcb_t a JOIN hvcb_t2 b USING (id)
 WHERE a.v::text IS NOT DISTINCT FROM b.v::text;
SELECT count(*) AS same_bytes
  FROM hvcb_t a JOIN hvcb_t2 b USING (id)
 WHERE halfvec_send(a.v) IS NOT DISTINCT FROM halfvec_send(b.v);
-- the file holds exactly the send bytes of row 1 (field length 10, then them)
SELECT position('\x0000000a000300003c0040004200'::bytea IN pg_read_binary_file(:'copyfile')) > 0 AS row1_bytes;
-- into a column with a dimension: the typmod is checked on receive
CREATE TABLE hvcb_t3 (id int, v halfvec(3));
COPY hvcb_t3 FROM :'copyfile' WITH (FORMAT binary);
DELETE FROM hvcb_t2 WHERE vector_dims(v) <> 3;
COPY hvcb_t2 TO :'copyfile' WITH (FORMAT binary);
COPY hvcb_t3 FROM :'copyfile' WITH (FORMAT binary);
SELECT id, v FROM hvcb_t3 ORDER BY id;
\set rmcmd 'rm -f ' :copyfile
COPY (SELECT 1 WHERE false) TO PROGRAM :'rmcmd';
DROP TABLE hvcb_t, hvcb_t2, hvcb_t3;

-- crafted binary COPY streams: the 19-byte PGCOPY header, one tuple (int16
-- field count 1, int32 field length, the field) and the int16 -1 trailer.
-- Halves: 1 = 3c00, 2 = 4000, 3 = 4200, NaN = 7e00 or 7c01, Infinity = 7c00,
-- -Infinity = fc00.
CREATE TABLE hvcb_r (v halfvec);

-- well formed: length 10, dims 3, unused 0, 1 2 3
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\012\000\003\000\000\074\000\100\000\102\000'; printf '\377\377'$$ WITH (FORMAT binary);
SELECT v FROM hvcb_r;
-- every finite bit pattern is accepted as it is: -0, a subnormal, 65504
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\012\000\003\000\000\200\000\000\001\173\377'; printf '\377\377'$$ WITH (FORMAT binary);
SELECT v, halfvec_send(v) FROM hvcb_r ORDER BY v;
-- 16000 dims of zeros: length 32004, dims 16000
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\175\004\076\200\000\000'; head -c 32000 /dev/zero; printf '\377\377'$$ WITH (FORMAT binary);
SELECT vector_dims(v), l2_norm(v) FROM hvcb_r WHERE vector_dims(v) > 3;
SELECT count(*) FROM hvcb_r;

-- truncated: length 8, dims 3, but only two elements
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\003\000\000\074\000\100\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- too long: length 12, dims 3, four elements
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\014\000\003\000\000\074\000\100\000\102\000\104\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- float4 elements (vector's format) are the wrong length: dims 1, 4 bytes
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\001\000\000\077\200\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- only the dims: length 2
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\002\000\001'; printf '\377\377'$$ WITH (FORMAT binary);
-- negative dims: dims ffff, one element
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\377\377\000\000\074\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- zero dims: length 4, dims 0
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\004\000\000\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- too many dims: length 32006, dims 16001
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\175\006\076\201\000\000'; head -c 32002 /dev/zero; printf '\377\377'$$ WITH (FORMAT binary);
-- unused is not 0: dims 1, unused 1
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\000\001\000\001\074\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- NaN elements (quiet 7e00, signalling 7c01, negative fe00)
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\002\000\000\074\000\176\000'; printf '\377\377'$$ WITH (FORMAT binary);
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\000\001\000\000\174\001'; printf '\377\377'$$ WITH (FORMAT binary);
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\000\001\000\000\376\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- Infinity and -Infinity elements
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\002\000\000\174\000\074\000'; printf '\377\377'$$ WITH (FORMAT binary);
COPY hvcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\000\001\000\000\374\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- nothing bad was stored
SELECT count(*) FROM hvcb_r;

-- typmod on receive: 3 dims into halfvec(2)
CREATE TABLE hvcb_r2 (v halfvec(2));
COPY hvcb_r2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\012\000\003\000\000\074\000\100\000\102\000'; printf '\377\377'$$ WITH (FORMAT binary);
SELECT count(*) FROM hvcb_r2;
DROP TABLE hvcb_r, hvcb_r2;
