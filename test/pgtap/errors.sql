-- pgTAP: every error class of the vector type has a specific SQLSTATE
-- (never XX000 internal_error), and underflow is not one.  Messages are checked by
-- the regression tests.
-- Run by pg_prove in a database with pgtap and vecext installed.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(67);

CREATE TEMP TABLE vt_col (v vector(3));
CREATE TEMP TABLE vt_recv (v vector);
CREATE TEMP TABLE vt_col_recv (v vector(2));

-- malformed text: 22P02 invalid_text_representation
SELECT throws_ok($$SELECT ''::vector$$, '22P02', NULL, 'empty string');
SELECT throws_ok($$SELECT '[1,,2]'::vector$$, '22P02', NULL, '[1,,2]');
SELECT throws_ok($$SELECT '[1,2'::vector$$, '22P02', NULL, '[1,2 (no closing bracket)');
SELECT throws_ok($$SELECT '1,2]'::vector$$, '22P02', NULL, '1,2] (no opening bracket)');
SELECT throws_ok($$SELECT '[1,2]x'::vector$$, '22P02', NULL, 'trailing junk');
SELECT throws_ok($$SELECT '[1 2]'::vector$$, '22P02', NULL, '[1 2] (no comma)');
SELECT throws_ok($$SELECT '[1,]'::vector$$, '22P02', NULL, '[1,] (trailing comma)');
SELECT throws_ok($$SELECT '[a]'::vector$$, '22P02', NULL, '[a] (not a number)');

-- no dimensions: 22000 data_exception
SELECT throws_ok($$SELECT '[]'::vector$$, '22000', NULL, '[] (no elements)');
SELECT throws_ok($$SELECT '{}'::real[]::vector$$, '22000', NULL, 'empty array');

-- non-finite elements: 22000 data_exception
SELECT throws_ok($$SELECT '[NaN]'::vector$$, '22000', NULL, 'NaN in text');
SELECT throws_ok($$SELECT '[Infinity]'::vector$$, '22000', NULL, 'Infinity in text');
SELECT throws_ok($$SELECT '[-inf]'::vector$$, '22000', NULL, '-inf in text');
SELECT throws_ok($$SELECT '{NaN}'::real[]::vector$$, '22000', NULL, 'NaN in real[]');
SELECT throws_ok($$SELECT '{Infinity}'::double precision[]::vector$$, '22000', NULL, 'Infinity in double precision[]');

-- out of range: 22003 numeric_value_out_of_range
SELECT throws_ok($$SELECT '[1e39]'::vector$$, '22003', NULL, '1e39 overflows float4');
SELECT lives_ok($$SELECT '[1e-50]'::vector$$, '1e-50 underflows float4 to 0: not an error');
SELECT throws_ok($$SELECT '{1e39}'::numeric[]::vector$$, '22003', NULL, 'numeric too large for float4');
SELECT throws_ok($$SELECT '{1e39}'::double precision[]::vector$$, '22003', NULL, 'double precision too large for float4');
SELECT lives_ok($$SELECT '{1e-50}'::double precision[]::vector$$, 'double precision underflowing float4 gives 0: not an error');
SELECT throws_ok($$SELECT '[3e38]'::vector + '[3e38]'$$, '22003', NULL, '+ overflows');
SELECT throws_ok($$SELECT '[-3e38]'::vector - '[3e38]'$$, '22003', NULL, '- overflows');
SELECT throws_ok($$SELECT '[1e20]'::vector * '[1e20]'$$, '22003', NULL, '* overflows');
SELECT throws_ok($$SELECT '[1e-30]'::vector * '[1e-30]'$$, '22003', NULL, '* underflows');
SELECT throws_ok($$SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) s(v)$$, '22003', NULL, 'sum overflows');

-- dimension mismatch: 22000 data_exception
SELECT throws_ok($$SELECT '[1,2]'::vector <-> '[1,2,3]'$$, '22000', NULL, '<-> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::vector <#> '[1,2,3]'$$, '22000', NULL, '<#> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::vector <=> '[1,2,3]'$$, '22000', NULL, '<=> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::vector <+> '[1,2,3]'$$, '22000', NULL, '<+> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::vector + '[1,2,3]'$$, '22000', NULL, '+ dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::vector - '[1,2,3]'$$, '22000', NULL, '- dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::vector * '[1,2,3]'$$, '22000', NULL, '* dimension mismatch');
SELECT throws_ok($$SELECT l2_distance('[1,2]'::vector, '[1,2,3]')$$, '22000', NULL, 'l2_distance dimension mismatch');
SELECT throws_ok($$SELECT inner_product('[1,2]'::vector, '[1,2,3]')$$, '22000', NULL, 'inner_product dimension mismatch');
SELECT throws_ok($$SELECT cosine_distance('[1,2]'::vector, '[1,2,3]')$$, '22000', NULL, 'cosine_distance dimension mismatch');
SELECT throws_ok($$SELECT l1_distance('[1,2]'::vector, '[1,2,3]')$$, '22000', NULL, 'l1_distance dimension mismatch');
SELECT throws_ok($$SELECT vector_l2_squared_distance('[1,2]', '[1,2,3]')$$, '22000', NULL, 'vector_l2_squared_distance dimension mismatch');
SELECT throws_ok($$SELECT vector_negative_inner_product('[1,2]', '[1,2,3]')$$, '22000', NULL, 'vector_negative_inner_product dimension mismatch');
SELECT throws_ok($$SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) s(v)$$, '22000', NULL, 'avg dimension mismatch');
SELECT throws_ok($$SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) s(v)$$, '22000', NULL, 'sum dimension mismatch');

-- typmod: the value does not fit the column (22000), or a bad modifier (22023)
SELECT throws_ok($$SELECT '[1,2]'::vector(3)$$, '22000', NULL, 'text into vector(3)');
SELECT throws_ok($$SELECT '[1,2,3]'::vector::vector(2)$$, '22000', NULL, 'vector into vector(2)');
SELECT throws_ok($$SELECT ARRAY[1,2,3]::vector(2)$$, '22000', NULL, 'integer[] into vector(2)');
SELECT throws_ok($$INSERT INTO vt_col VALUES ('[1,2]')$$, '22000', NULL, 'insert into a vector(3) column');
SELECT throws_ok($$SELECT '[1]'::vector(0)$$, '22023', NULL, 'vector(0)');
SELECT throws_ok($$SELECT '[1]'::vector(-1)$$, '22023', NULL, 'vector(-1)');
SELECT throws_ok($$SELECT '[1]'::vector(16001)$$, '22023', NULL, 'vector(16001)');
SELECT throws_ok($$SELECT '[1]'::vector(1,2)$$, '22023', NULL, 'two type modifiers');

-- too many dimensions: 54000 program_limit_exceeded
SELECT throws_ok($$SELECT array_fill(1::real, ARRAY[16001])::vector$$, '54000', NULL, '16001 dims through an array');
SELECT throws_ok($$SELECT ('[' || repeat('1,', 16000) || '1]')::vector$$, '54000', NULL, '16001 dims through text');
SELECT throws_ok($$SELECT array_fill(1::real, ARRAY[16000])::vector || '[1]'$$, '54000', NULL, '16001 dims through ||');

-- bad arrays
SELECT throws_ok($$SELECT ARRAY[1,NULL]::vector$$, '22004', NULL, 'array with a NULL (null_value_not_allowed)');
SELECT throws_ok($$SELECT ARRAY[[1,2],[3,4]]::vector$$, '22000', NULL, 'multi-dimensional array');

-- subvector with an empty result: 22000
SELECT throws_ok($$SELECT subvector('[1,2,3]'::vector, 1, 0)$$, '22000', NULL, 'subvector count 0');
SELECT throws_ok($$SELECT subvector('[1,2,3]'::vector, 4, 1)$$, '22000', NULL, 'subvector start past the end');
SELECT throws_ok($$SELECT subvector('[1,2,3]'::vector, -1, 2)$$, '22000', NULL, 'subvector ending before element 1');

-- malformed binary input through COPY FROM (recv).  Each stream is the PGCOPY
-- header, one tuple (int16 field count 1, int32 field length, the field:
-- int16 dims, int16 unused, float4s; 1 = 3f800000, NaN = 7fc00000,
-- Infinity = 7f800000) and the int16 -1 trailer.
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\014\000\003\000\000\077\200\000\000\100\000\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22P03', NULL, 'recv: field shorter than its dims (invalid_binary_representation)');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\024\000\003\000\000\077\200\000\000\100\000\000\000\100\100\000\000\100\200\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22P03', NULL, 'recv: field longer than its dims (invalid_binary_representation)');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\377\377\000\000\077\200\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: negative dims');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\004\000\000\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: zero dims');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\002\000\001'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '08P01', NULL, 'recv: field holding only the dims (protocol_violation)');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\372\010\076\201\000\000'; head -c 64004 /dev/zero; printf '\377\377'$p$ WITH (FORMAT binary)$$, '54000', NULL, 'recv: 16001 dims');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\001\000\001\077\200\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22P03', NULL, 'recv: unused is not 0');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\014\000\002\000\000\077\200\000\000\177\300\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: NaN element');
SELECT throws_ok($$COPY vt_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\001\000\000\177\200\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: Infinity element');
SELECT throws_ok($$COPY vt_col_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\020\000\003\000\000\077\200\000\000\100\000\000\000\100\100\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: 3 dims into vector(2)');

-- none of the bad binary input was stored
SELECT is((SELECT count(*)::int FROM vt_recv) + (SELECT count(*)::int FROM vt_col_recv), 0, 'no malformed value was stored');

SELECT * FROM finish();
ROLLBACK;
