-- pgTAP: the catalog contract of binary vectors on bit(n) (../shared/SQL_SURFACE.md:
-- hamming_distance, jaccard_distance, <~>, <%>; sql/parts/bit.sql) and the
-- SQLSTATE of a length mismatch.  Messages are checked by test/sql/bit_distance.sql.
-- Run by pg_prove in a database with pgtap and vecext installed.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(30);

-- the functions: signature, result, language, volatility, strictness, parallel safety
SELECT has_function('hamming_distance', ARRAY['bit', 'bit']::name[], 'hamming_distance(bit, bit) exists');
SELECT function_returns('hamming_distance', ARRAY['bit', 'bit']::name[], 'double precision',
  'hamming_distance(bit, bit) returns double precision');
SELECT function_lang_is('hamming_distance', ARRAY['bit', 'bit']::name[], 'c', 'hamming_distance is written in C');
SELECT volatility_is('hamming_distance', ARRAY['bit', 'bit']::name[], 'immutable', 'hamming_distance is IMMUTABLE');
SELECT is_strict('hamming_distance', ARRAY['bit', 'bit']::name[], 'hamming_distance is STRICT');
SELECT has_function('jaccard_distance', ARRAY['bit', 'bit']::name[], 'jaccard_distance(bit, bit) exists');
SELECT function_returns('jaccard_distance', ARRAY['bit', 'bit']::name[], 'double precision',
  'jaccard_distance(bit, bit) returns double precision');
SELECT function_lang_is('jaccard_distance', ARRAY['bit', 'bit']::name[], 'c', 'jaccard_distance is written in C');
SELECT volatility_is('jaccard_distance', ARRAY['bit', 'bit']::name[], 'immutable', 'jaccard_distance is IMMUTABLE');
SELECT is_strict('jaccard_distance', ARRAY['bit', 'bit']::name[], 'jaccard_distance is STRICT');
SELECT results_eq(
  $$SELECT p.oid::regprocedure::text, p.prorettype::regtype::text, p.provolatile::text,
           p.proisstrict, p.proparallel::text, p.prosrc COLLATE "default", p.prokind::text
      FROM pg_proc p
     WHERE p.proname IN ('hamming_distance', 'jaccard_distance')
     ORDER BY 1$$,
  $$VALUES ('hamming_distance(bit,bit)', 'double precision', 'i', true, 's', 'vecext_hamming_distance', 'f'),
           ('jaccard_distance(bit,bit)', 'double precision', 'i', true, 's', 'vecext_jaccard_distance', 'f')$$,
  'the bit distance functions: immutable, strict, parallel safe, their C symbols, one overload each');

-- the operators: types, result, function, commutator, no negator or estimators
SELECT has_operator('bit', '<~>', 'bit', 'double precision', 'bit <~> bit returns double precision');
SELECT has_operator('bit', '<%>', 'bit', 'double precision', 'bit <%> bit returns double precision');
SELECT results_eq(
  $$SELECT o.oprname::text COLLATE "default", o.oprkind::text, format_type(o.oprleft, NULL),
           format_type(o.oprright, NULL), format_type(o.oprresult, NULL), o.oprcode::regprocedure::text,
           c.oprname::text COLLATE "default", o.oprcom = o.oid, o.oprnegate::int,
           o.oprrest::text, o.oprjoin::text, o.oprcanhash, o.oprcanmerge
      FROM pg_operator o
      LEFT JOIN pg_operator c ON c.oid = o.oprcom
     WHERE o.oprname IN ('<~>', '<%>')
     ORDER BY o.oprname COLLATE "C", o.oprleft$$,
  $$VALUES ('<%>', 'b', 'bit', 'bit', 'double precision', 'jaccard_distance(bit,bit)', '<%>', true, 0, '-', '-', false, false),
           ('<~>', 'b', 'bit', 'bit', 'double precision', 'hamming_distance(bit,bit)', '<~>', true, 0, '-', '-', false, false)$$,
  'bit <~> and <%>: the only ones of their names, their own commutators, as pgvector declares them');
SELECT set_has($$SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
       FROM pg_depend d
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext')$$,
  $$VALUES ('function hamming_distance(bit,bit)'), ('function jaccard_distance(bit,bit)'),
           ('operator <~>(bit,bit)'), ('operator <%>(bit,bit)')$$,
  'the extension owns the bit functions and operators');

-- the operators and functions give the same answers, also for untyped and varbit arguments
SELECT is(B'1011' <~> B'0110', 3::float8, 'B''1011'' <~> B''0110'' is 3');
SELECT is('1011' <~> '0110', 3::float8, 'untyped literals resolve to bit <~> bit');
SELECT is('1011'::varbit <~> '0110'::varbit, 3::float8, 'varbit arguments use bit <~> bit');
SELECT is(B'1011' <%> B'0110', 0.75::float8, 'B''1011'' <%> B''0110'' is 0.75');
SELECT is(B'0000' <%> B'0000', 1::float8, 'Jaccard distance of two all-zero strings is 1');
SELECT is(B'' <%> B'', 1::float8, 'Jaccard distance of two empty strings is 1');
SELECT is(B'' <~> B'', 0::float8, 'Hamming distance of two empty strings is 0');
SELECT ok((SELECT hamming_distance(NULL, B'1') IS NULL AND jaccard_distance(B'1', NULL) IS NULL),
  'NULL arguments give NULL');

-- a length mismatch is 22000 data_exception, with both lengths in the message
SELECT throws_ok($$SELECT hamming_distance(B'111', B'00')$$, '22000',
  'different bit lengths 3 and 2', 'hamming_distance of 3 and 2 bits');
SELECT throws_ok($$SELECT jaccard_distance(B'1111', B'000')$$, '22000',
  'different bit lengths 4 and 3', 'jaccard_distance of 4 and 3 bits');
SELECT throws_ok($$SELECT B'1' <~> B''$$, '22000', 'different bit lengths 1 and 0', '<~> of 1 and 0 bits');
SELECT throws_ok($$SELECT B'' <%> B'00000000'$$, '22000', 'different bit lengths 0 and 8', '<%> of 0 and 8 bits');
SELECT throws_ok($$SELECT repeat('1', 64000)::varbit <~> repeat('1', 64001)::varbit$$, '22000',
  'different bit lengths 64000 and 64001', '<~> of 64000 and 64001 bits');

-- parallel safe in practice: a parallel plan runs both operators in its workers
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
CREATE TABLE bit_par AS SELECT (i % 256)::bit(8) AS v FROM generate_series(1, 10000) i;
ANALYZE bit_par;
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS SETOF text LANGUAGE plpgsql AS
  $f$BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || query; END$f$;
\set mismatches 'SELECT count(*) FROM bit_par WHERE v <~> B''10101010'' IS DISTINCT FROM bit_count(v # B''10101010'')::float8 OR v <%> B''10101010'' IS DISTINCT FROM CASE WHEN bit_count(v & B''10101010'') = 0 THEN 1 ELSE 1 - bit_count(v & B''10101010'')::float8 / bit_count(v | B''10101010'') END'
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.plan_of(:'mismatches') l WHERE l LIKE '%Parallel Seq Scan%'),
  'the distance check below is planned as a parallel scan');
SELECT is((:mismatches), 0::bigint,
  'both distances match the SQL reference on every row of a parallel scan');

SELECT * FROM finish();
ROLLBACK;
