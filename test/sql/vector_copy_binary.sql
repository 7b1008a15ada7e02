-- binary send/recv: the wire format (big-endian int16 dims, int16 unused = 0,
-- dims x float4), binary COPY round trip, and malformed binary input.

-- send
SELECT vector_send('[1,-2,0.5]');
SELECT vector_send('[-0]');
SELECT vector_send('[1e-45,3.4028235e38]');
SELECT length(vector_send(array_fill(1::real, ARRAY[16000])::vector)) AS bytes;

-- binary COPY round trip through a server-side file
CREATE TABLE vcb_t (id int, v vector);
INSERT INTO vcb_t VALUES
  (1, '[1,2,3]'),
  (2, '[-0,0,1e-45]'),
  (3, '[3.4028235e38,-3.4028235e38,1.17549435e-38]'),
  (4, '[0.1,0.2,0.3]'),
  (5, NULL),
  (6, '[1.2345679]');
INSERT INTO vcb_t
  SELECT 7, (SELECT array_agg(i * 0.001::real ORDER BY i) FROM generate_series(1, 16000) i)::vector;
SELECT current_setting('data_directory') || '/vecext_test_copy_binary.bin' AS copyfile \gset
COPY vcb_t TO :'copyfile' WITH (FORMAT binary);
CREATE TABLE vcb_t2 (id int, v vector);
COPY vcb_t2 FROM :'copyfile' WITH (FORMAT binary);
SELECT id, v FROM vcb_t2 WHERE id <> 7 ORDER BY id;
SELECT count(*) AS same_text
  FROM vcb_t a JOIN vcb_t2 b USING (id)
 WHERE a.v::text IS NOT DISTINCT FROM b.v::text;
SELECT count(*) AS same_bytes
  FROM vcb_t a JOIN vcb_t2 b USING (id)
 WHERE vector_send(a.v) IS NOT DISTINCT FROM vector_send(b.v);
-- into a column with a dimension: the typmod is checked on receive
CREATE TABLE vcb_t3 (id int, v vector(3));
COPY vcb_t3 FROM :'copyfile' WITH (FORMAT binary);
SELECT count(*) FROM vcb_t3;
DELETE FROM vcb_t2 WHERE vector_dims(v) <> 3;
COPY vcb_t2 TO :'copyfile' WITH (FORMAT binary);
COPY vcb_t3 FROM :'copyfile' WITH (FORMAT binary);
SELECT id, v FROM vcb_t3 ORDER BY id;
\set rmcmd 'rm -f ' :copyfile
COPY (SELECT 1 WHERE false) TO PROGRAM :'rmcmd';
DROP TABLE vcb_t, vcb_t2, vcb_t3;

-- crafted binary COPY streams.  Each one is the 19-byte PGCOPY header
-- (signature, int32 flags 0, int32 header extension length 0), one tuple
-- (int16 field count 1, int32 field length, the field's bytes) and the
-- int16 -1 trailer.  Floats: 1 = 3f800000, 2 = 40000000, 3 = 40400000,
-- 4 = 40800000, NaN = 7fc00000, Infinity = 7f800000, -Infinity = ff800000.
CREATE TABLE vcb_r (v vector);

-- well formed: length 16, dims 3, unused 0, 1 2 3
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\020\000\003\000\000\077\200\000\000\100\000\000\000\100\100\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
SELECT v FROM vcb_r;
-- a NULL field (length -1)
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\377\377\377\377'; printf '\377\377'$$ WITH (FORMAT binary);
SELECT v FROM vcb_r ORDER BY v NULLS LAST;
-- 16000 dims of zeros: length 64004, dims 16000
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\372\004\076\200\000\000'; head -c 64000 /dev/zero; printf '\377\377'$$ WITH (FORMAT binary);
SELECT vector_dims(v), vector_norm(v) FROM vcb_r WHERE vector_dims(v) > 3;
SELECT count(*) FROM vcb_r;

-- truncated: length 12, dims 3, but only two elements
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\014\000\003\000\000\077\200\000\000\100\000\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- too long: length 20, dims 3, four elements
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\024\000\003\000\000\077\200\000\000\100\000\000\000\100\100\000\000\100\200\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- only the dims: length 2
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\002\000\001'; printf '\377\377'$$ WITH (FORMAT binary);
-- empty field: length 0
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- negative dims: dims ffff, one element
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\377\377\000\000\077\200\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- zero dims: length 4, dims 0
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\004\000\000\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- too many dims: length 64008, dims 16001
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\372\010\076\201\000\000'; head -c 64004 /dev/zero; printf '\377\377'$$ WITH (FORMAT binary);
-- unused is not 0: dims 1, unused 1
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\001\000\001\077\200\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- NaN element
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\014\000\002\000\000\077\200\000\000\177\300\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- Infinity element
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\014\000\002\000\000\177\200\000\000\077\200\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- -Infinity element
COPY vcb_r FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\001\000\000\377\200\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
-- nothing bad was stored
SELECT count(*) FROM vcb_r;

-- typmod on receive: 3 dims into vector(2)
CREATE TABLE vcb_r2 (v vector(2));
COPY vcb_r2 FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\020\000\003\000\000\077\200\000\000\100\000\000\000\100\100\000\000'; printf '\377\377'$$ WITH (FORMAT binary);
SELECT count(*) FROM vcb_r2;
DROP TABLE vcb_r, vcb_r2;
