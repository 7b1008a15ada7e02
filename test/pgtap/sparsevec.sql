-- pgTAP: the catalog contract of the sparsevec type (../shared/SQL_SURFACE.md:
-- Types, Operators, Functions, Casts for sparsevec) and the SQLSTATE of each
-- error class (never XX000 internal_error; the messages are checked by the
-- regression tests).  Run by pg_prove in a database with pgtap and vecext.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(161);

-- the type
SELECT has_type('sparsevec', 'type sparsevec exists');
SELECT results_eq(
  $$SELECT typlen::int, typstorage::text, typinput::regproc::text, typoutput::regproc::text,
           typreceive::regproc::text, typsend::regproc::text, typmodin::regproc::text
      FROM pg_type WHERE oid = 'sparsevec'::regtype$$,
  $$VALUES (-1, 'e', 'sparsevec_in', 'sparsevec_out', 'sparsevec_recv', 'sparsevec_send', 'sparsevec_typmod_in')$$,
  'sparsevec is variable-length, storage external, with its I/O and typmod functions');

-- every function: arguments and result type
SELECT has_function('sparsevec_in', ARRAY['cstring', 'oid', 'integer']::name[], 'sparsevec_in(cstring, oid, integer) exists');
SELECT function_returns('sparsevec_in', ARRAY['cstring', 'oid', 'integer']::name[], 'sparsevec', 'sparsevec_in(cstring, oid, integer) returns sparsevec');
SELECT has_function('sparsevec_out', ARRAY['sparsevec']::name[], 'sparsevec_out(sparsevec) exists');
SELECT function_returns('sparsevec_out', ARRAY['sparsevec']::name[], 'cstring', 'sparsevec_out(sparsevec) returns cstring');
SELECT has_function('sparsevec_typmod_in', ARRAY['cstring[]']::name[], 'sparsevec_typmod_in(cstring[]) exists');
SELECT function_returns('sparsevec_typmod_in', ARRAY['cstring[]']::name[], 'integer', 'sparsevec_typmod_in(cstring[]) returns integer');
SELECT has_function('sparsevec_recv', ARRAY['internal', 'oid', 'integer']::name[], 'sparsevec_recv(internal, oid, integer) exists');
SELECT function_returns('sparsevec_recv', ARRAY['internal', 'oid', 'integer']::name[], 'sparsevec', 'sparsevec_recv(internal, oid, integer) returns sparsevec');
SELECT has_function('sparsevec_send', ARRAY['sparsevec']::name[], 'sparsevec_send(sparsevec) exists');
SELECT function_returns('sparsevec_send', ARRAY['sparsevec']::name[], 'bytea', 'sparsevec_send(sparsevec) returns bytea');
SELECT has_function('l2_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'l2_distance(sparsevec, sparsevec) exists');
SELECT function_returns('l2_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'double precision', 'l2_distance(sparsevec, sparsevec) returns double precision');
SELECT has_function('inner_product', ARRAY['sparsevec', 'sparsevec']::name[], 'inner_product(sparsevec, sparsevec) exists');
SELECT function_returns('inner_product', ARRAY['sparsevec', 'sparsevec']::name[], 'double precision', 'inner_product(sparsevec, sparsevec) returns double precision');
SELECT has_function('cosine_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'cosine_distance(sparsevec, sparsevec) exists');
SELECT function_returns('cosine_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'double precision', 'cosine_distance(sparsevec, sparsevec) returns double precision');
SELECT has_function('l1_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'l1_distance(sparsevec, sparsevec) exists');
SELECT function_returns('l1_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'double precision', 'l1_distance(sparsevec, sparsevec) returns double precision');
SELECT has_function('l2_norm', ARRAY['sparsevec']::name[], 'l2_norm(sparsevec) exists');
SELECT function_returns('l2_norm', ARRAY['sparsevec']::name[], 'double precision', 'l2_norm(sparsevec) returns double precision');
SELECT has_function('l2_normalize', ARRAY['sparsevec']::name[], 'l2_normalize(sparsevec) exists');
SELECT function_returns('l2_normalize', ARRAY['sparsevec']::name[], 'sparsevec', 'l2_normalize(sparsevec) returns sparsevec');
SELECT has_function('sparsevec_lt', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_lt(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_lt', ARRAY['sparsevec', 'sparsevec']::name[], 'boolean', 'sparsevec_lt(sparsevec, sparsevec) returns boolean');
SELECT has_function('sparsevec_le', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_le(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_le', ARRAY['sparsevec', 'sparsevec']::name[], 'boolean', 'sparsevec_le(sparsevec, sparsevec) returns boolean');
SELECT has_function('sparsevec_eq', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_eq(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_eq', ARRAY['sparsevec', 'sparsevec']::name[], 'boolean', 'sparsevec_eq(sparsevec, sparsevec) returns boolean');
SELECT has_function('sparsevec_ne', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_ne(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_ne', ARRAY['sparsevec', 'sparsevec']::name[], 'boolean', 'sparsevec_ne(sparsevec, sparsevec) returns boolean');
SELECT has_function('sparsevec_ge', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_ge(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_ge', ARRAY['sparsevec', 'sparsevec']::name[], 'boolean', 'sparsevec_ge(sparsevec, sparsevec) returns boolean');
SELECT has_function('sparsevec_gt', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_gt(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_gt', ARRAY['sparsevec', 'sparsevec']::name[], 'boolean', 'sparsevec_gt(sparsevec, sparsevec) returns boolean');
SELECT has_function('sparsevec_cmp', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_cmp(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_cmp', ARRAY['sparsevec', 'sparsevec']::name[], 'integer', 'sparsevec_cmp(sparsevec, sparsevec) returns integer');
SELECT has_function('sparsevec_l2_squared_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_l2_squared_distance(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_l2_squared_distance', ARRAY['sparsevec', 'sparsevec']::name[], 'double precision', 'sparsevec_l2_squared_distance(sparsevec, sparsevec) returns double precision');
SELECT has_function('sparsevec_negative_inner_product', ARRAY['sparsevec', 'sparsevec']::name[], 'sparsevec_negative_inner_product(sparsevec, sparsevec) exists');
SELECT function_returns('sparsevec_negative_inner_product', ARRAY['sparsevec', 'sparsevec']::name[], 'double precision', 'sparsevec_negative_inner_product(sparsevec, sparsevec) returns double precision');
SELECT has_function('sparsevec', ARRAY['sparsevec', 'integer', 'boolean']::name[], 'sparsevec(sparsevec, integer, boolean) exists');
SELECT function_returns('sparsevec', ARRAY['sparsevec', 'integer', 'boolean']::name[], 'sparsevec', 'sparsevec(sparsevec, integer, boolean) returns sparsevec');
SELECT has_function('vector_to_sparsevec', ARRAY['vector', 'integer', 'boolean']::name[], 'vector_to_sparsevec(vector, integer, boolean) exists');
SELECT function_returns('vector_to_sparsevec', ARRAY['vector', 'integer', 'boolean']::name[], 'sparsevec', 'vector_to_sparsevec(vector, integer, boolean) returns sparsevec');
SELECT has_function('sparsevec_to_vector', ARRAY['sparsevec', 'integer', 'boolean']::name[], 'sparsevec_to_vector(sparsevec, integer, boolean) exists');
SELECT function_returns('sparsevec_to_vector', ARRAY['sparsevec', 'integer', 'boolean']::name[], 'vector', 'sparsevec_to_vector(sparsevec, integer, boolean) returns vector');
SELECT has_function('array_to_sparsevec', ARRAY['integer[]', 'integer', 'boolean']::name[], 'array_to_sparsevec(integer[], integer, boolean) exists');
SELECT function_returns('array_to_sparsevec', ARRAY['integer[]', 'integer', 'boolean']::name[], 'sparsevec', 'array_to_sparsevec(integer[], integer, boolean) returns sparsevec');
SELECT has_function('array_to_sparsevec', ARRAY['real[]', 'integer', 'boolean']::name[], 'array_to_sparsevec(real[], integer, boolean) exists');
SELECT function_returns('array_to_sparsevec', ARRAY['real[]', 'integer', 'boolean']::name[], 'sparsevec', 'array_to_sparsevec(real[], integer, boolean) returns sparsevec');
SELECT has_function('array_to_sparsevec', ARRAY['double precision[]', 'integer', 'boolean']::name[], 'array_to_sparsevec(double precision[], integer, boolean) exists');
SELECT function_returns('array_to_sparsevec', ARRAY['double precision[]', 'integer', 'boolean']::name[], 'sparsevec', 'array_to_sparsevec(double precision[], integer, boolean) returns sparsevec');
SELECT has_function('array_to_sparsevec', ARRAY['numeric[]', 'integer', 'boolean']::name[], 'array_to_sparsevec(numeric[], integer, boolean) exists');
SELECT function_returns('array_to_sparsevec', ARRAY['numeric[]', 'integer', 'boolean']::name[], 'sparsevec', 'array_to_sparsevec(numeric[], integer, boolean) returns sparsevec');
-- each one IMMUTABLE STRICT PARALLEL SAFE, the C function vecext_<name> of the library
SELECT results_eq(
  $$SELECT p.oid::regprocedure::text, p.provolatile::text, p.proisstrict, p.proparallel::text,
           l.lanname::text COLLATE "default", p.probin COLLATE "default", p.prosrc COLLATE "default"
      FROM unnest(ARRAY[
             'sparsevec_in(cstring,oid,integer)',
             'sparsevec_out(sparsevec)',
             'sparsevec_typmod_in(cstring[])',
             'sparsevec_recv(internal,oid,integer)',
             'sparsevec_send(sparsevec)',
             'l2_distance(sparsevec,sparsevec)',
             'inner_product(sparsevec,sparsevec)',
             'cosine_distance(sparsevec,sparsevec)',
             'l1_distance(sparsevec,sparsevec)',
             'l2_norm(sparsevec)',
             'l2_normalize(sparsevec)',
             'sparsevec_lt(sparsevec,sparsevec)',
             'sparsevec_le(sparsevec,sparsevec)',
             'sparsevec_eq(sparsevec,sparsevec)',
             'sparsevec_ne(sparsevec,sparsevec)',
             'sparsevec_ge(sparsevec,sparsevec)',
             'sparsevec_gt(sparsevec,sparsevec)',
             'sparsevec_cmp(sparsevec,sparsevec)',
             'sparsevec_l2_squared_distance(sparsevec,sparsevec)',
             'sparsevec_negative_inner_product(sparsevec,sparsevec)',
             'sparsevec(sparsevec,integer,boolean)',
             'vector_to_sparsevec(vector,integer,boolean)',
             'sparsevec_to_vector(sparsevec,integer,boolean)',
             'array_to_sparsevec(integer[],integer,boolean)',
             'array_to_sparsevec(real[],integer,boolean)',
             'array_to_sparsevec(double precision[],integer,boolean)',
             'array_to_sparsevec(numeric[],integer,boolean)']::regprocedure[]) WITH ORDINALITY AS f(oid, n)
      JOIN pg_proc p ON p.oid = f.oid JOIN pg_language l ON l.oid = p.prolang
     ORDER BY f.n$$,
  $$VALUES ('sparsevec_in(cstring,oid,integer)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_in'),
           ('sparsevec_out(sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_out'),
           ('sparsevec_typmod_in(cstring[])', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_typmod_in'),
           ('sparsevec_recv(internal,oid,integer)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_recv'),
           ('sparsevec_send(sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_send'),
           ('l2_distance(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_l2_distance'),
           ('inner_product(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_inner_product'),
           ('cosine_distance(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_cosine_distance'),
           ('l1_distance(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_l1_distance'),
           ('l2_norm(sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_l2_norm'),
           ('l2_normalize(sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_l2_normalize'),
           ('sparsevec_lt(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_lt'),
           ('sparsevec_le(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_le'),
           ('sparsevec_eq(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_eq'),
           ('sparsevec_ne(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_ne'),
           ('sparsevec_ge(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_ge'),
           ('sparsevec_gt(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_gt'),
           ('sparsevec_cmp(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_cmp'),
           ('sparsevec_l2_squared_distance(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_l2_squared_distance'),
           ('sparsevec_negative_inner_product(sparsevec,sparsevec)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_negative_inner_product'),
           ('sparsevec(sparsevec,integer,boolean)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec'),
           ('vector_to_sparsevec(vector,integer,boolean)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_vector_to_sparsevec'),
           ('sparsevec_to_vector(sparsevec,integer,boolean)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_sparsevec_to_vector'),
           ('array_to_sparsevec(integer[],integer,boolean)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_array_to_sparsevec'),
           ('array_to_sparsevec(real[],integer,boolean)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_array_to_sparsevec'),
           ('array_to_sparsevec(double precision[],integer,boolean)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_array_to_sparsevec'),
           ('array_to_sparsevec(numeric[],integer,boolean)', 'i', true, 's', 'c', '$libdir/vecext', 'vecext_array_to_sparsevec')$$,
  'every sparsevec function is IMMUTABLE STRICT PARALLEL SAFE, in C, vecext_* in the vecext library');
SELECT is((SELECT count(*)::int FROM pg_proc p
   WHERE (p.prorettype = 'sparsevec'::regtype OR 'sparsevec'::regtype = ANY (p.proargtypes))
     AND p.proname NOT IN ('halfvec_to_sparsevec', 'sparsevec_to_halfvec')), 26,
  '26 functions take or return sparsevec (the halfvec casts aside)');

-- operators: types, result, function, commutator, negator
SELECT has_operator('sparsevec', '<->', 'sparsevec', 'double precision', 'sparsevec <-> sparsevec returns double precision');
SELECT has_operator('sparsevec', '<#>', 'sparsevec', 'double precision', 'sparsevec <#> sparsevec returns double precision');
SELECT has_operator('sparsevec', '<=>', 'sparsevec', 'double precision', 'sparsevec <=> sparsevec returns double precision');
SELECT has_operator('sparsevec', '<+>', 'sparsevec', 'double precision', 'sparsevec <+> sparsevec returns double precision');
SELECT has_operator('sparsevec', '<', 'sparsevec', 'boolean', 'sparsevec < sparsevec returns boolean');
SELECT has_operator('sparsevec', '<=', 'sparsevec', 'boolean', 'sparsevec <= sparsevec returns boolean');
SELECT has_operator('sparsevec', '=', 'sparsevec', 'boolean', 'sparsevec = sparsevec returns boolean');
SELECT has_operator('sparsevec', '<>', 'sparsevec', 'boolean', 'sparsevec <> sparsevec returns boolean');
SELECT has_operator('sparsevec', '>=', 'sparsevec', 'boolean', 'sparsevec >= sparsevec returns boolean');
SELECT has_operator('sparsevec', '>', 'sparsevec', 'boolean', 'sparsevec > sparsevec returns boolean');
SELECT results_eq(
  $$SELECT oprname::text COLLATE "default", oprcode::regprocedure::text, oprcom::regoperator::text,
           CASE WHEN oprnegate = 0 THEN '-' ELSE oprnegate::regoperator::text END
      FROM pg_operator WHERE oprleft = 'sparsevec'::regtype AND oprright = 'sparsevec'::regtype
     ORDER BY 1$$,
  $$VALUES ('<', 'sparsevec_lt(sparsevec,sparsevec)', '>(sparsevec,sparsevec)', '>=(sparsevec,sparsevec)'),
           ('<#>', 'sparsevec_negative_inner_product(sparsevec,sparsevec)', '<#>(sparsevec,sparsevec)', '-'),
           ('<+>', 'l1_distance(sparsevec,sparsevec)', '<+>(sparsevec,sparsevec)', '-'),
           ('<->', 'l2_distance(sparsevec,sparsevec)', '<->(sparsevec,sparsevec)', '-'),
           ('<=', 'sparsevec_le(sparsevec,sparsevec)', '>=(sparsevec,sparsevec)', '>(sparsevec,sparsevec)'),
           ('<=>', 'cosine_distance(sparsevec,sparsevec)', '<=>(sparsevec,sparsevec)', '-'),
           ('<>', 'sparsevec_ne(sparsevec,sparsevec)', '<>(sparsevec,sparsevec)', '=(sparsevec,sparsevec)'),
           ('=', 'sparsevec_eq(sparsevec,sparsevec)', '=(sparsevec,sparsevec)', '<>(sparsevec,sparsevec)'),
           ('>', 'sparsevec_gt(sparsevec,sparsevec)', '<(sparsevec,sparsevec)', '<=(sparsevec,sparsevec)'),
           ('>=', 'sparsevec_ge(sparsevec,sparsevec)', '<=(sparsevec,sparsevec)', '<(sparsevec,sparsevec)')$$,
  'each sparsevec operator has its function, commutator and negator');

-- casts: function and context
SELECT has_cast('sparsevec', 'sparsevec', 'sparsevec', 'cast sparsevec -> sparsevec(n) with sparsevec()');
SELECT cast_context_is('sparsevec', 'sparsevec', 'implicit', 'sparsevec -> sparsevec(n) is implicit');
SELECT has_cast('vector', 'sparsevec', 'vector_to_sparsevec', 'cast vector -> sparsevec with vector_to_sparsevec()');
SELECT cast_context_is('vector', 'sparsevec', 'implicit', 'vector -> sparsevec is implicit');
SELECT has_cast('sparsevec', 'vector', 'sparsevec_to_vector', 'cast sparsevec -> vector with sparsevec_to_vector()');
SELECT cast_context_is('sparsevec', 'vector', 'assignment', 'sparsevec -> vector is assignment');
SELECT has_cast('integer[]', 'sparsevec', 'array_to_sparsevec', 'cast integer[] -> sparsevec with array_to_sparsevec()');
SELECT cast_context_is('integer[]', 'sparsevec', 'assignment', 'integer[] -> sparsevec is assignment');
SELECT has_cast('real[]', 'sparsevec', 'array_to_sparsevec', 'cast real[] -> sparsevec with array_to_sparsevec()');
SELECT cast_context_is('real[]', 'sparsevec', 'assignment', 'real[] -> sparsevec is assignment');
SELECT has_cast('double precision[]', 'sparsevec', 'array_to_sparsevec', 'cast double precision[] -> sparsevec with array_to_sparsevec()');
SELECT cast_context_is('double precision[]', 'sparsevec', 'assignment', 'double precision[] -> sparsevec is assignment');
SELECT has_cast('numeric[]', 'sparsevec', 'array_to_sparsevec', 'cast numeric[] -> sparsevec with array_to_sparsevec()');
SELECT cast_context_is('numeric[]', 'sparsevec', 'assignment', 'numeric[] -> sparsevec is assignment');
SELECT results_eq(
  $$SELECT castsource::regtype::text COLLATE "default", castfunc::regprocedure::text FROM pg_cast
     WHERE casttarget = 'sparsevec'::regtype AND castsource <> 'sparsevec'::regtype
       AND castsource <> COALESCE(to_regtype('halfvec'), 0) ORDER BY 1$$,
  $$VALUES ('double precision[]', 'array_to_sparsevec(double precision[],integer,boolean)'),
           ('integer[]', 'array_to_sparsevec(integer[],integer,boolean)'),
           ('numeric[]', 'array_to_sparsevec(numeric[],integer,boolean)'),
           ('real[]', 'array_to_sparsevec(real[],integer,boolean)'),
           ('vector', 'vector_to_sparsevec(vector,integer,boolean)')$$,
  'the casts to sparsevec, each with the overload for its source type');

-- the halfvec casts (sql/parts/sparsevec_halfvec.sql)
SELECT has_function('halfvec_to_sparsevec', ARRAY['halfvec', 'integer', 'boolean']::name[], 'halfvec_to_sparsevec(halfvec, integer, boolean) exists');
SELECT function_returns('halfvec_to_sparsevec', ARRAY['halfvec', 'integer', 'boolean']::name[], 'sparsevec', 'halfvec_to_sparsevec(halfvec, integer, boolean) returns sparsevec');
SELECT has_function('sparsevec_to_halfvec', ARRAY['sparsevec', 'integer', 'boolean']::name[], 'sparsevec_to_halfvec(sparsevec, integer, boolean) exists');
SELECT function_returns('sparsevec_to_halfvec', ARRAY['sparsevec', 'integer', 'boolean']::name[], 'halfvec', 'sparsevec_to_halfvec(sparsevec, integer, boolean) returns halfvec');
SELECT results_eq(
  $$SELECT p.proname::text COLLATE "default", p.provolatile::text, p.proisstrict, p.proparallel::text,
           p.probin COLLATE "default", p.prosrc COLLATE "default"
      FROM pg_proc p WHERE p.proname IN ('halfvec_to_sparsevec', 'sparsevec_to_halfvec') ORDER BY 1$$,
  $$VALUES ('halfvec_to_sparsevec', 'i', true, 's', '$libdir/vecext', 'vecext_halfvec_to_sparsevec'),
           ('sparsevec_to_halfvec', 'i', true, 's', '$libdir/vecext', 'vecext_sparsevec_to_halfvec')$$,
  'the halfvec cast functions are IMMUTABLE STRICT PARALLEL SAFE, vecext_* in the vecext library');
SELECT has_cast('halfvec', 'sparsevec', 'halfvec_to_sparsevec', 'cast halfvec -> sparsevec with halfvec_to_sparsevec()');
SELECT cast_context_is('halfvec', 'sparsevec', 'implicit', 'halfvec -> sparsevec is implicit');
SELECT has_cast('sparsevec', 'halfvec', 'sparsevec_to_halfvec', 'cast sparsevec -> halfvec with sparsevec_to_halfvec()');
SELECT cast_context_is('sparsevec', 'halfvec', 'assignment', 'sparsevec -> halfvec is assignment');

-- the btree operator class
SELECT has_opclass('sparsevec_ops', 'operator class sparsevec_ops exists');
SELECT results_eq(
  $$SELECT a.amname::text COLLATE "default", c.opcdefault FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
     WHERE c.opcname = 'sparsevec_ops'$$,
  $$VALUES ('btree', true)$$, 'sparsevec_ops is the default btree operator class of sparsevec');
SELECT results_eq(
  $$SELECT o.amopstrategy::int, o.amopopr::regoperator::text FROM pg_amop o
      JOIN pg_opclass c ON c.opcfamily = o.amopfamily
     WHERE c.opcname = 'sparsevec_ops' ORDER BY 1$$,
  $$VALUES (1, '<(sparsevec,sparsevec)'), (2, '<=(sparsevec,sparsevec)'), (3, '=(sparsevec,sparsevec)'),
           (4, '>=(sparsevec,sparsevec)'), (5, '>(sparsevec,sparsevec)')$$,
  'sparsevec_ops has the five comparison operators as its strategies');
SELECT results_eq(
  $$SELECT p.amprocnum::int, p.amproc::regprocedure::text FROM pg_amproc p
      JOIN pg_opclass c ON c.opcfamily = p.amprocfamily
     WHERE c.opcname = 'sparsevec_ops'$$,
  $$VALUES (1, 'sparsevec_cmp(sparsevec,sparsevec)')$$,
  'sparsevec_ops compares with sparsevec_cmp');

-- SQLSTATEs.  Malformed text: 22P02 invalid_text_representation
SELECT throws_ok($$SELECT ''::sparsevec$$, '22P02', NULL, 'empty string');
SELECT throws_ok($$SELECT '1:1/1'::sparsevec$$, '22P02', NULL, 'no braces');
SELECT throws_ok($$SELECT '{1:1}'::sparsevec$$, '22P02', NULL, 'no /dims');
SELECT throws_ok($$SELECT '{1:1}/'::sparsevec$$, '22P02', NULL, 'nothing after /');
SELECT throws_ok($$SELECT '{1:1}/1a'::sparsevec$$, '22P02', NULL, 'junk after the dims');
SELECT throws_ok($$SELECT '{1:}/1'::sparsevec$$, '22P02', NULL, 'no value');
SELECT throws_ok($$SELECT '{:1}/1'::sparsevec$$, '22P02', NULL, 'no index');
SELECT throws_ok($$SELECT '{1:1,}/1'::sparsevec$$, '22P02', NULL, 'trailing comma');
SELECT throws_ok($$SELECT '{1:a}/1'::sparsevec$$, '22P02', NULL, 'value not a number');
SELECT throws_ok($$SELECT '{1:1/1'::sparsevec$$, '22P02', NULL, 'no closing brace');
-- bad dimensions, indices and values: 22000 data_exception
SELECT throws_ok($$SELECT '{}/0'::sparsevec$$, '22000', NULL, 'zero dims');
SELECT throws_ok($$SELECT '{}/-1'::sparsevec$$, '22000', NULL, 'negative dims');
SELECT throws_ok($$SELECT '{0:1}/1'::sparsevec$$, '22000', NULL, 'index 0');
SELECT throws_ok($$SELECT '{-1:1}/1'::sparsevec$$, '22000', NULL, 'negative index');
SELECT throws_ok($$SELECT '{2:1}/1'::sparsevec$$, '22000', NULL, 'index past the dims');
SELECT throws_ok($$SELECT '{1:1,1:2}/2'::sparsevec$$, '22000', NULL, 'duplicate index');
SELECT throws_ok($$SELECT '{1:NaN}/1'::sparsevec$$, '22000', NULL, 'NaN in text');
SELECT throws_ok($$SELECT '{1:-Infinity}/1'::sparsevec$$, '22000', NULL, '-Infinity in text');
SELECT throws_ok($$SELECT '{NaN}'::real[]::sparsevec$$, '22000', NULL, 'NaN in real[]');
SELECT throws_ok($$SELECT '{Infinity}'::numeric[]::sparsevec$$, '22000', NULL, 'Infinity in numeric[]');
SELECT throws_ok($$SELECT '{}'::real[]::sparsevec$$, '22000', NULL, 'empty array');
SELECT throws_ok($$SELECT ARRAY[[1,2],[3,4]]::sparsevec$$, '22000', NULL, 'multi-dimensional array');
-- out of range: 22003 numeric_value_out_of_range
SELECT throws_ok($$SELECT '{1:4e38}/1'::sparsevec$$, '22003', NULL, '4e38 overflows float4 in text');
SELECT throws_ok($$SELECT '{1e39}'::double precision[]::sparsevec$$, '22003', NULL, 'double precision too large for float4');
SELECT throws_ok($$SELECT '{-1e39}'::numeric[]::sparsevec$$, '22003', NULL, 'numeric too large for float4');
-- NULL in an array: 22004 null_value_not_allowed
SELECT throws_ok($$SELECT ARRAY[1,NULL]::sparsevec$$, '22004', NULL, 'array with a NULL');
-- dimension mismatch: 22000
SELECT throws_ok($$SELECT '{}/2'::sparsevec <-> '{}/3'$$, '22000', NULL, '<-> dimension mismatch');
SELECT throws_ok($$SELECT '{}/2'::sparsevec <#> '{}/3'$$, '22000', NULL, '<#> dimension mismatch');
SELECT throws_ok($$SELECT '{}/2'::sparsevec <=> '{}/3'$$, '22000', NULL, '<=> dimension mismatch');
SELECT throws_ok($$SELECT '{}/2'::sparsevec <+> '{}/3'$$, '22000', NULL, '<+> dimension mismatch');
SELECT throws_ok($$SELECT inner_product('{}/2'::sparsevec, '{}/3')$$, '22000', NULL, 'inner_product dimension mismatch');
SELECT throws_ok($$SELECT sparsevec_l2_squared_distance('{}/2', '{}/3')$$, '22000', NULL, 'sparsevec_l2_squared_distance dimension mismatch');
SELECT throws_ok($$SELECT sparsevec_negative_inner_product('{}/2', '{}/3')$$, '22000', NULL, 'sparsevec_negative_inner_product dimension mismatch');
-- typmod: the value does not fit (22000), or a bad modifier (22023)
SELECT throws_ok($$SELECT '{}/3'::sparsevec(2)$$, '22000', NULL, 'text into sparsevec(2)');
SELECT throws_ok($$SELECT '[1,2,3]'::vector::sparsevec(2)$$, '22000', NULL, 'vector into sparsevec(2)');
SELECT throws_ok($$SELECT '{}/3'::sparsevec::vector(2)$$, '22000', NULL, 'sparsevec into vector(2)');
SELECT throws_ok($$SELECT ARRAY[1,2,3]::sparsevec(2)$$, '22000', NULL, 'integer[] into sparsevec(2)');
SELECT throws_ok($$SELECT '{}/1'::sparsevec(0)$$, '22023', NULL, 'sparsevec(0)');
SELECT throws_ok($$SELECT '{}/1'::sparsevec(1000000001)$$, '22023', NULL, 'sparsevec(1000000001)');
SELECT throws_ok($$SELECT '{}/1'::sparsevec(1, 2)$$, '22023', NULL, 'two type modifiers');
-- too large: 54000 program_limit_exceeded
SELECT throws_ok($$SELECT '{}/1000000001'::sparsevec$$, '54000', NULL, '1000000001 dims');
SELECT throws_ok($$SELECT ('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16001) i) || '}/20000')::sparsevec$$,
  '54000', NULL, '16001 non-zeros in text');
SELECT throws_ok($$SELECT array_fill(1::real, ARRAY[16001])::sparsevec$$, '54000', NULL, '16001 non-zeros in an array');
SELECT throws_ok($$SELECT '{}/16001'::sparsevec::vector$$, '54000', NULL, '16001 dims into vector');

SELECT throws_ok($$SELECT '{1:70000}/1'::sparsevec::halfvec$$, '22003', NULL, 'a value too large for halfvec');
SELECT throws_ok($$SELECT '{}/16001'::sparsevec::halfvec$$, '54000', NULL, '16001 dims into halfvec');
SELECT throws_ok($$SELECT '{}/3'::sparsevec::halfvec(2)$$, '22000', NULL, 'sparsevec into halfvec(2)');
SELECT throws_ok($$SELECT '[1,2,3]'::halfvec::sparsevec(2)$$, '22000', NULL, 'halfvec into sparsevec(2)');

-- malformed binary input through COPY FROM (recv).  svtap_copy(hex) is a COPY
-- of one tuple whose one field has the bytes hex (dots ignored).
CREATE TEMP TABLE svt_recv (v sparsevec);
CREATE FUNCTION pg_temp.svtap_copy(hex text) RETURNS text LANGUAGE sql AS $f$
  SELECT format('COPY svt_recv FROM PROGRAM %L WITH (FORMAT binary)',
                $perl$perl -e 'print "PGCOPY\n\377\r\n\0", pack("NN", 0, 0); for (@ARGV) { (my $h = $_) =~ tr/.//d; my $f = pack("H*", $h); print pack("nN", 1, length $f), $f } print pack("n", 0xffff)' $perl$ || hex)
$f$;
SELECT lives_ok(pg_temp.svtap_copy('00000005.00000001.00000000.00000004.3f800000'), 'recv: a well-formed value');
SELECT throws_ok(pg_temp.svtap_copy('00000000.00000000.00000000'), '22000', NULL, 'recv: zero dims');
SELECT throws_ok(pg_temp.svtap_copy('3b9aca01.00000000.00000000'), '54000', NULL, 'recv: 1000000001 dims');
SELECT throws_ok(pg_temp.svtap_copy('00000005.ffffffff.00000000'), '22000', NULL, 'recv: negative nnz');
SELECT throws_ok(pg_temp.svtap_copy('3b9aca00.00003e81.00000000'), '54000', NULL, 'recv: nnz 16001');
SELECT throws_ok(pg_temp.svtap_copy('00000001.00000002.00000000.00000000.00000001.3f800000.3f800000'), '54000', NULL, 'recv: nnz above dims');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000001.00000001.00000000.3f800000'), '22P03', NULL, 'recv: unused is not 0 (invalid_binary_representation)');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000002.00000000.00000000.3f800000'), '22P03', NULL, 'recv: field shorter than nnz needs');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000001.00000000.00000000.00000001.3f800000.3f800000'), '22P03', NULL, 'recv: field longer than nnz needs');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000000'), '08P01', NULL, 'recv: field holding only dims and nnz (protocol_violation)');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000001.00000000.00000005.3f800000'), '22000', NULL, 'recv: index equal to dims');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000002.00000000.00000001.00000001.3f800000.3f800000'), '22000', NULL, 'recv: duplicate index');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000002.00000000.00000002.00000001.3f800000.3f800000'), '22000', NULL, 'recv: decreasing indices');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000001.00000000.00000000.7fc00000'), '22000', NULL, 'recv: NaN value');
SELECT throws_ok(pg_temp.svtap_copy('00000005.00000001.00000000.00000000.00000000'), '22000', NULL, 'recv: zero value');
SELECT is((SELECT count(*)::int FROM svt_recv), 1, 'only the well-formed value was stored');

SELECT * FROM finish();
ROLLBACK;
