-- sparsevec binary send/recv: the wire format (big-endian int32 dims, int32
-- nnz, int32 unused = 0, nnz int32 0-based indices, nnz float4 values),
-- binary COPY round trip, and malformed binary input.

-- send.  Floats: 1 = 3f800000, 1.5 = 3fc00000, -2 = c0000000, 1e-45 = 00000001
SELECT sparsevec_send('{1:1.5,3:-2}/5');
SELECT sparsevec_send('{}/1');
SELECT sparsevec_send('{1000000000:1}/1000000000');
SELECT sparsevec_send('{2:1e-45,1:-0,3:0}/3');
SELECT length(sparsevec_send(array_fill(1::real, ARRAY[16000])::sparsevec)) AS bytes;

-- binary COPY round trip through a server-side file
CREATE TABLE svcb_t (id int, v sparsevec);
INSERT INTO svcb_t VALUES
  (1, '{1:1,2:2,3:3}/3'),
  (2, '{}/3'),
  (3, '{1:3.4028235e38,5:-3.4028235e38,7:1e-45}/7'),
  (4, '{2:0.1}/1000000000'),
  (5, NULL),
  (6, '{1:1.2345679}/5');
INSERT INTO svcb_t
  SELECT 7, ('{' || string_agg((62500 * i) || ':' || (i * 0.001::real), ',') || '}/1000000000')::sparsevec
    FROM generate_series(1, 16000) i;
SELECT current_setting('data_directory') || '/vecext_test_sparsevec_copy_binary.bin' AS copyfile \gset
COPY svcb_t TO :'copyfile' WITH (FORMAT binary);
CREATE TABLE svcb_t2 (id int, v sparsevec);
COPY svcb_t2 FROM :'copyfile' WITH (FORMAT binary);
SELECT id, v FROM svcb_t2 WHERE id <> 7 ORDER BY id;
SELECT count(*) AS same_text
  FROM svcb_t a JOIN svcb_t2 b USING (id)
 WHERE a.v::text IS NOT DISTINCT FROM b.v::text;
SELECT count(*) AS same_bytes
  FROM svcb_t a JOIN svcb_t2 b USING (id)
 WHERE sparsevec_send(a.v) IS NOT DISTINCT FROM sparsevec_send(b.v);
SELECT length(sparsevec_send(v)) AS bytes_16000 FROM svcb_t2 WHERE id = 7;
-- into a column with a dimension: the typmod is checked on receive
CREATE TABLE svcb_t3 (id int, v sparsevec(3));
COPY svcb_t3 FROM :'copyfile' WITH (FORMAT binary);
SELECT count(*) FROM svcb_t3;
DELETE FROM svcb_t2 WHERE v IS NOT NULL AND v::text NOT LIKE '%}/3';
COPY svcb_t2 TO :'copyfile' WITH (FORMAT binary);
COPY svcb_t3 FROM :'copyfile' WITH (FORMAT binary);
SELECT id, v FROM svcb_t3 ORDER BY id;
\set rmcmd 'rm -f ' :copyfile
COPY (SELECT 1 WHERE false) TO PROGRAM :'rmcmd';
DROP TABLE svcb_t, svcb_t2, svcb_t3;

-- crafted binary COPY streams.  pgcopy writes the PGCOPY header, then one
-- tuple of one field per argument (the field's bytes in hex, dots between
-- the int32 words for reading; "null" for a NULL field), then the trailer.
\set pgcopy 'perl -e ''print "PGCOPY\\n\\377\\r\\n\\0", pack("NN", 0, 0); for (@ARGV) { if ($_ eq "null") { print pack("nN", 1, 0xffffffff); next } (my $h = $_) =~ tr/.//d; my $f = pack("H*", $h); print pack("nN", 1, length $f), $f } print pack("n", 0xffff)'''
CREATE TABLE svcb_r (v sparsevec);

-- well formed: dims 5, nnz 2, unused 0, indices 0 2, values 1.5 -2; dims 3 with
-- no elements; a NULL; the largest dimension with its last index
\set cmd :pgcopy ' 00000005.00000002.00000000.00000000.00000002.3fc00000.c0000000 00000003.00000000.00000000 null 3b9aca00.00000001.00000000.3b9ac9ff.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
SELECT v FROM svcb_r ORDER BY v NULLS LAST;
DELETE FROM svcb_r;

-- dims 0, -1, 1000000001
\set cmd :pgcopy ' 00000000.00000000.00000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' ffffffff.00000000.00000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 3b9aca01.00000000.00000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
-- nnz -1, 16001, more than dims
\set cmd :pgcopy ' 00000005.ffffffff.00000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 3b9aca00.00003e81.00000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000001.00000002.00000000.00000000.00000001.3f800000.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
-- unused is not 0
\set cmd :pgcopy ' 00000005.00000001.00000001.00000000.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
-- truncated (nnz 2, one element), too long (nnz 1, two elements), only dims and nnz, empty
\set cmd :pgcopy ' 00000005.00000002.00000000.00000000.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000001.00000000.00000000.00000001.3f800000.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' .'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
-- indices: -1, equal to dims, duplicated, decreasing
\set cmd :pgcopy ' 00000005.00000001.00000000.ffffffff.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000001.00000000.00000005.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000002.00000000.00000001.00000001.3f800000.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000002.00000000.00000002.00000001.3f800000.3f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
-- values: NaN, Infinity, -Infinity, 0, -0
\set cmd :pgcopy ' 00000005.00000001.00000000.00000000.7fc00000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000001.00000000.00000000.7f800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000001.00000000.00000000.ff800000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000001.00000000.00000000.00000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000005.00000001.00000000.00000000.80000000'
COPY svcb_r FROM PROGRAM :'cmd' WITH (FORMAT binary);
-- nothing bad was stored
SELECT count(*) FROM svcb_r;

-- typmod on receive: 5 dims into sparsevec(4)
CREATE TABLE svcb_r2 (v sparsevec(4));
\set cmd :pgcopy ' 00000005.00000000.00000000'
COPY svcb_r2 FROM PROGRAM :'cmd' WITH (FORMAT binary);
\set cmd :pgcopy ' 00000004.00000001.00000000.00000003.c0000000'
COPY svcb_r2 FROM PROGRAM :'cmd' WITH (FORMAT binary);
SELECT v FROM svcb_r2;
DROP TABLE svcb_r, svcb_r2;
