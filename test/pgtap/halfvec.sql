-- pgTAP: the catalog contract of the halfvec type (../shared/SQL_SURFACE.md:
-- Types, Operators, Functions, Casts for halfvec) and the SQLSTATE of every
-- halfvec error.  Messages are checked by the regression tests.
-- Run by pg_prove in a database with pgtap and vecext installed.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(179);

-- the type
SELECT has_type('halfvec', 'type halfvec exists');
SELECT results_eq(
  $$SELECT typlen::int, typstorage::text, typinput::regproc::text, typoutput::regproc::text,
           typreceive::regproc::text, typsend::regproc::text, typmodin::regproc::text
      FROM pg_type WHERE oid = 'halfvec'::regtype$$,
  $$VALUES (-1, 'e', 'halfvec_in', 'halfvec_out', 'halfvec_recv', 'halfvec_send', 'halfvec_typmod_in')$$,
  'halfvec is variable-length, storage external, with its I/O and typmod functions');

-- every function: arguments and result type
SELECT has_function('halfvec_in', ARRAY['cstring', 'oid', 'integer']::name[], 'halfvec_in(cstring, oid, integer) exists');
SELECT function_returns('halfvec_in', ARRAY['cstring', 'oid', 'integer']::name[], 'halfvec', 'halfvec_in(cstring, oid, integer) returns halfvec');
SELECT has_function('halfvec_out', ARRAY['halfvec']::name[], 'halfvec_out(halfvec) exists');
SELECT function_returns('halfvec_out', ARRAY['halfvec']::name[], 'cstring', 'halfvec_out(halfvec) returns cstring');
SELECT has_function('halfvec_typmod_in', ARRAY['cstring[]']::name[], 'halfvec_typmod_in(cstring[]) exists');
SELECT function_returns('halfvec_typmod_in', ARRAY['cstring[]']::name[], 'integer', 'halfvec_typmod_in(cstring[]) returns integer');
SELECT has_function('halfvec_recv', ARRAY['internal', 'oid', 'integer']::name[], 'halfvec_recv(internal, oid, integer) exists');
SELECT function_returns('halfvec_recv', ARRAY['internal', 'oid', 'integer']::name[], 'halfvec', 'halfvec_recv(internal, oid, integer) returns halfvec');
SELECT has_function('halfvec_send', ARRAY['halfvec']::name[], 'halfvec_send(halfvec) exists');
SELECT function_returns('halfvec_send', ARRAY['halfvec']::name[], 'bytea', 'halfvec_send(halfvec) returns bytea');
SELECT has_function('l2_distance', ARRAY['halfvec', 'halfvec']::name[], 'l2_distance(halfvec, halfvec) exists');
SELECT function_returns('l2_distance', ARRAY['halfvec', 'halfvec']::name[], 'double precision', 'l2_distance(halfvec, halfvec) returns double precision');
SELECT has_function('inner_product', ARRAY['halfvec', 'halfvec']::name[], 'inner_product(halfvec, halfvec) exists');
SELECT function_returns('inner_product', ARRAY['halfvec', 'halfvec']::name[], 'double precision', 'inner_product(halfvec, halfvec) returns double precision');
SELECT has_function('cosine_distance', ARRAY['halfvec', 'halfvec']::name[], 'cosine_distance(halfvec, halfvec) exists');
SELECT function_returns('cosine_distance', ARRAY['halfvec', 'halfvec']::name[], 'double precision', 'cosine_distance(halfvec, halfvec) returns double precision');
SELECT has_function('l1_distance', ARRAY['halfvec', 'halfvec']::name[], 'l1_distance(halfvec, halfvec) exists');
SELECT function_returns('l1_distance', ARRAY['halfvec', 'halfvec']::name[], 'double precision', 'l1_distance(halfvec, halfvec) returns double precision');
SELECT has_function('vector_dims', ARRAY['halfvec']::name[], 'vector_dims(halfvec) exists');
SELECT function_returns('vector_dims', ARRAY['halfvec']::name[], 'integer', 'vector_dims(halfvec) returns integer');
SELECT has_function('l2_norm', ARRAY['halfvec']::name[], 'l2_norm(halfvec) exists');
SELECT function_returns('l2_norm', ARRAY['halfvec']::name[], 'double precision', 'l2_norm(halfvec) returns double precision');
SELECT has_function('l2_normalize', ARRAY['halfvec']::name[], 'l2_normalize(halfvec) exists');
SELECT function_returns('l2_normalize', ARRAY['halfvec']::name[], 'halfvec', 'l2_normalize(halfvec) returns halfvec');
SELECT has_function('binary_quantize', ARRAY['halfvec']::name[], 'binary_quantize(halfvec) exists');
SELECT function_returns('binary_quantize', ARRAY['halfvec']::name[], 'bit', 'binary_quantize(halfvec) returns bit');
SELECT has_function('subvector', ARRAY['halfvec', 'integer', 'integer']::name[], 'subvector(halfvec, integer, integer) exists');
SELECT function_returns('subvector', ARRAY['halfvec', 'integer', 'integer']::name[], 'halfvec', 'subvector(halfvec, integer, integer) returns halfvec');
SELECT has_function('halfvec_add', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_add(halfvec, halfvec) exists');
SELECT function_returns('halfvec_add', ARRAY['halfvec', 'halfvec']::name[], 'halfvec', 'halfvec_add(halfvec, halfvec) returns halfvec');
SELECT has_function('halfvec_sub', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_sub(halfvec, halfvec) exists');
SELECT function_returns('halfvec_sub', ARRAY['halfvec', 'halfvec']::name[], 'halfvec', 'halfvec_sub(halfvec, halfvec) returns halfvec');
SELECT has_function('halfvec_mul', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_mul(halfvec, halfvec) exists');
SELECT function_returns('halfvec_mul', ARRAY['halfvec', 'halfvec']::name[], 'halfvec', 'halfvec_mul(halfvec, halfvec) returns halfvec');
SELECT has_function('halfvec_concat', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_concat(halfvec, halfvec) exists');
SELECT function_returns('halfvec_concat', ARRAY['halfvec', 'halfvec']::name[], 'halfvec', 'halfvec_concat(halfvec, halfvec) returns halfvec');
SELECT has_function('halfvec_lt', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_lt(halfvec, halfvec) exists');
SELECT function_returns('halfvec_lt', ARRAY['halfvec', 'halfvec']::name[], 'boolean', 'halfvec_lt(halfvec, halfvec) returns boolean');
SELECT has_function('halfvec_le', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_le(halfvec, halfvec) exists');
SELECT function_returns('halfvec_le', ARRAY['halfvec', 'halfvec']::name[], 'boolean', 'halfvec_le(halfvec, halfvec) returns boolean');
SELECT has_function('halfvec_eq', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_eq(halfvec, halfvec) exists');
SELECT function_returns('halfvec_eq', ARRAY['halfvec', 'halfvec']::name[], 'boolean', 'halfvec_eq(halfvec, halfvec) returns boolean');
SELECT has_function('halfvec_ne', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_ne(halfvec, halfvec) exists');
SELECT function_returns('halfvec_ne', ARRAY['halfvec', 'halfvec']::name[], 'boolean', 'halfvec_ne(halfvec, halfvec) returns boolean');
SELECT has_function('halfvec_ge', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_ge(halfvec, halfvec) exists');
SELECT function_returns('halfvec_ge', ARRAY['halfvec', 'halfvec']::name[], 'boolean', 'halfvec_ge(halfvec, halfvec) returns boolean');
SELECT has_function('halfvec_gt', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_gt(halfvec, halfvec) exists');
SELECT function_returns('halfvec_gt', ARRAY['halfvec', 'halfvec']::name[], 'boolean', 'halfvec_gt(halfvec, halfvec) returns boolean');
SELECT has_function('halfvec_cmp', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_cmp(halfvec, halfvec) exists');
SELECT function_returns('halfvec_cmp', ARRAY['halfvec', 'halfvec']::name[], 'integer', 'halfvec_cmp(halfvec, halfvec) returns integer');
SELECT has_function('halfvec_hash', ARRAY['halfvec']::name[], 'halfvec_hash(halfvec) exists');
SELECT function_returns('halfvec_hash', ARRAY['halfvec']::name[], 'integer', 'halfvec_hash(halfvec) returns integer');
SELECT has_function('halfvec_l2_squared_distance', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_l2_squared_distance(halfvec, halfvec) exists');
SELECT function_returns('halfvec_l2_squared_distance', ARRAY['halfvec', 'halfvec']::name[], 'double precision', 'halfvec_l2_squared_distance(halfvec, halfvec) returns double precision');
SELECT has_function('halfvec_negative_inner_product', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_negative_inner_product(halfvec, halfvec) exists');
SELECT function_returns('halfvec_negative_inner_product', ARRAY['halfvec', 'halfvec']::name[], 'double precision', 'halfvec_negative_inner_product(halfvec, halfvec) returns double precision');
SELECT has_function('halfvec_spherical_distance', ARRAY['halfvec', 'halfvec']::name[], 'halfvec_spherical_distance(halfvec, halfvec) exists');
SELECT function_returns('halfvec_spherical_distance', ARRAY['halfvec', 'halfvec']::name[], 'double precision', 'halfvec_spherical_distance(halfvec, halfvec) returns double precision');
SELECT has_function('halfvec_accum', ARRAY['double precision[]', 'halfvec']::name[], 'halfvec_accum(double precision[], halfvec) exists');
SELECT function_returns('halfvec_accum', ARRAY['double precision[]', 'halfvec']::name[], 'double precision[]', 'halfvec_accum(double precision[], halfvec) returns double precision[]');
SELECT has_function('halfvec_avg', ARRAY['double precision[]']::name[], 'halfvec_avg(double precision[]) exists');
SELECT function_returns('halfvec_avg', ARRAY['double precision[]']::name[], 'halfvec', 'halfvec_avg(double precision[]) returns halfvec');
SELECT has_function('halfvec_combine', ARRAY['double precision[]', 'double precision[]']::name[], 'halfvec_combine(double precision[], double precision[]) exists');
SELECT function_returns('halfvec_combine', ARRAY['double precision[]', 'double precision[]']::name[], 'double precision[]', 'halfvec_combine(double precision[], double precision[]) returns double precision[]');
SELECT has_function('halfvec', ARRAY['halfvec', 'integer', 'boolean']::name[], 'halfvec(halfvec, integer, boolean) exists');
SELECT function_returns('halfvec', ARRAY['halfvec', 'integer', 'boolean']::name[], 'halfvec', 'halfvec(halfvec, integer, boolean) returns halfvec');
SELECT has_function('halfvec_to_vector', ARRAY['halfvec', 'integer', 'boolean']::name[], 'halfvec_to_vector(halfvec, integer, boolean) exists');
SELECT function_returns('halfvec_to_vector', ARRAY['halfvec', 'integer', 'boolean']::name[], 'vector', 'halfvec_to_vector(halfvec, integer, boolean) returns vector');
SELECT has_function('vector_to_halfvec', ARRAY['vector', 'integer', 'boolean']::name[], 'vector_to_halfvec(vector, integer, boolean) exists');
SELECT function_returns('vector_to_halfvec', ARRAY['vector', 'integer', 'boolean']::name[], 'halfvec', 'vector_to_halfvec(vector, integer, boolean) returns halfvec');
SELECT has_function('array_to_halfvec', ARRAY['integer[]', 'integer', 'boolean']::name[], 'array_to_halfvec(integer[], integer, boolean) exists');
SELECT function_returns('array_to_halfvec', ARRAY['integer[]', 'integer', 'boolean']::name[], 'halfvec', 'array_to_halfvec(integer[], integer, boolean) returns halfvec');
SELECT has_function('array_to_halfvec', ARRAY['real[]', 'integer', 'boolean']::name[], 'array_to_halfvec(real[], integer, boolean) exists');
SELECT function_returns('array_to_halfvec', ARRAY['real[]', 'integer', 'boolean']::name[], 'halfvec', 'array_to_halfvec(real[], integer, boolean) returns halfvec');
SELECT has_function('array_to_halfvec', ARRAY['double precision[]', 'integer', 'boolean']::name[], 'array_to_halfvec(double precision[], integer, boolean) exists');
SELECT function_returns('array_to_halfvec', ARRAY['double precision[]', 'integer', 'boolean']::name[], 'halfvec', 'array_to_halfvec(double precision[], integer, boolean) returns halfvec');
SELECT has_function('array_to_halfvec', ARRAY['numeric[]', 'integer', 'boolean']::name[], 'array_to_halfvec(numeric[], integer, boolean) exists');
SELECT function_returns('array_to_halfvec', ARRAY['numeric[]', 'integer', 'boolean']::name[], 'halfvec', 'array_to_halfvec(numeric[], integer, boolean) returns halfvec');
SELECT has_function('halfvec_to_float4', ARRAY['halfvec', 'integer', 'boolean']::name[], 'halfvec_to_float4(halfvec, integer, boolean) exists');
SELECT function_returns('halfvec_to_float4', ARRAY['halfvec', 'integer', 'boolean']::name[], 'real[]', 'halfvec_to_float4(halfvec, integer, boolean) returns real[]');

-- every halfvec function belongs to the extension and is IMMUTABLE STRICT PARALLEL SAFE
SELECT set_has($$SELECT p.oid::regprocedure::text
       FROM pg_proc p
      WHERE (p.proname LIKE '%halfvec%' OR 'halfvec'::regtype = ANY (p.proargtypes) OR p.prorettype = 'halfvec'::regtype)
        AND p.prokind = 'f'$$,
  $$VALUES ('halfvec_in(cstring,oid,integer)'),
           ('halfvec_out(halfvec)'),
           ('halfvec_typmod_in(cstring[])'),
           ('halfvec_recv(internal,oid,integer)'),
           ('halfvec_send(halfvec)'),
           ('l2_distance(halfvec,halfvec)'),
           ('inner_product(halfvec,halfvec)'),
           ('cosine_distance(halfvec,halfvec)'),
           ('l1_distance(halfvec,halfvec)'),
           ('vector_dims(halfvec)'),
           ('l2_norm(halfvec)'),
           ('l2_normalize(halfvec)'),
           ('binary_quantize(halfvec)'),
           ('subvector(halfvec,integer,integer)'),
           ('halfvec_add(halfvec,halfvec)'),
           ('halfvec_sub(halfvec,halfvec)'),
           ('halfvec_mul(halfvec,halfvec)'),
           ('halfvec_concat(halfvec,halfvec)'),
           ('halfvec_lt(halfvec,halfvec)'),
           ('halfvec_le(halfvec,halfvec)'),
           ('halfvec_eq(halfvec,halfvec)'),
           ('halfvec_ne(halfvec,halfvec)'),
           ('halfvec_ge(halfvec,halfvec)'),
           ('halfvec_gt(halfvec,halfvec)'),
           ('halfvec_cmp(halfvec,halfvec)'),
           ('halfvec_hash(halfvec)'),
           ('halfvec_l2_squared_distance(halfvec,halfvec)'),
           ('halfvec_negative_inner_product(halfvec,halfvec)'),
           ('halfvec_spherical_distance(halfvec,halfvec)'),
           ('halfvec_accum(double precision[],halfvec)'),
           ('halfvec_avg(double precision[])'),
           ('halfvec_combine(double precision[],double precision[])'),
           ('halfvec(halfvec,integer,boolean)'),
           ('halfvec_to_vector(halfvec,integer,boolean)'),
           ('vector_to_halfvec(vector,integer,boolean)'),
           ('array_to_halfvec(integer[],integer,boolean)'),
           ('array_to_halfvec(real[],integer,boolean)'),
           ('array_to_halfvec(double precision[],integer,boolean)'),
           ('array_to_halfvec(numeric[],integer,boolean)'),
           ('halfvec_to_float4(halfvec,integer,boolean)')$$,
  'the halfvec functions are all there (casts to other types may add more)');
SELECT is_empty($$SELECT p.oid::regprocedure::text
       FROM pg_proc p
      WHERE (p.proname LIKE '%halfvec%' OR 'halfvec'::regtype = ANY (p.proargtypes) OR p.prorettype = 'halfvec'::regtype)
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                           AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext'))$$,
  'every halfvec function and aggregate belongs to vecext');
SELECT is_empty($$SELECT p.oid::regprocedure::text
       FROM pg_proc p
      WHERE (p.proname LIKE '%halfvec%' OR 'halfvec'::regtype = ANY (p.proargtypes) OR p.prorettype = 'halfvec'::regtype)
        AND (p.provolatile <> 'i' OR p.proparallel <> 's' OR (p.prokind = 'f' AND NOT p.proisstrict))$$,
  'every halfvec function is IMMUTABLE STRICT PARALLEL SAFE (aggregates IMMUTABLE PARALLEL SAFE)');
SELECT volatility_is('l2_distance', ARRAY['halfvec', 'halfvec']::name[], 'immutable', 'l2_distance(halfvec, halfvec) is immutable');
SELECT is_strict('halfvec_in', ARRAY['cstring', 'oid', 'integer']::name[], 'halfvec_in is strict');
SELECT results_eq($$SELECT proparallel::text FROM pg_proc WHERE oid = 'halfvec_negative_inner_product(halfvec,halfvec)'::regprocedure$$,
  $$VALUES ('s')$$, 'halfvec_negative_inner_product is parallel safe');

-- aggregates
SELECT is_aggregate('avg', ARRAY['halfvec']::name[], 'avg(halfvec) is an aggregate');
SELECT function_returns('avg', ARRAY['halfvec']::name[], 'halfvec', 'avg(halfvec) returns halfvec');
SELECT is_aggregate('sum', ARRAY['halfvec']::name[], 'sum(halfvec) is an aggregate');
SELECT function_returns('sum', ARRAY['halfvec']::name[], 'halfvec', 'sum(halfvec) returns halfvec');
SELECT results_eq(
  $$SELECT p.proname::text COLLATE "default", a.aggtransfn::regproc::text, a.aggcombinefn::regproc::text,
           a.aggfinalfn::regproc::text, format_type(a.aggtranstype, NULL), a.agginitval COLLATE "default", p.proparallel::text
      FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
     WHERE p.proargtypes = ARRAY['halfvec'::regtype]::oidvector AND p.proname IN ('avg', 'sum')
     ORDER BY p.proname$$,
  $$VALUES ('avg', 'halfvec_accum', 'halfvec_combine', 'halfvec_avg', 'double precision[]', '{0}', 's'),
           ('sum', 'halfvec_add', 'halfvec_add', '-', 'halfvec', NULL, 's')$$,
  'avg and sum(halfvec) have combine functions and are parallel safe');

-- operators: types, result, function, commutator and negator
SELECT has_operator('halfvec', '<->', 'halfvec', 'double precision', 'halfvec <-> halfvec returns double precision');
SELECT has_operator('halfvec', '<#>', 'halfvec', 'double precision', 'halfvec <#> halfvec returns double precision');
SELECT has_operator('halfvec', '<=>', 'halfvec', 'double precision', 'halfvec <=> halfvec returns double precision');
SELECT has_operator('halfvec', '<+>', 'halfvec', 'double precision', 'halfvec <+> halfvec returns double precision');
SELECT has_operator('halfvec', '+', 'halfvec', 'halfvec', 'halfvec + halfvec returns halfvec');
SELECT has_operator('halfvec', '-', 'halfvec', 'halfvec', 'halfvec - halfvec returns halfvec');
SELECT has_operator('halfvec', '*', 'halfvec', 'halfvec', 'halfvec * halfvec returns halfvec');
SELECT has_operator('halfvec', '||', 'halfvec', 'halfvec', 'halfvec || halfvec returns halfvec');
SELECT has_operator('halfvec', '<', 'halfvec', 'boolean', 'halfvec < halfvec returns boolean');
SELECT has_operator('halfvec', '<=', 'halfvec', 'boolean', 'halfvec <= halfvec returns boolean');
SELECT has_operator('halfvec', '=', 'halfvec', 'boolean', 'halfvec = halfvec returns boolean');
SELECT has_operator('halfvec', '<>', 'halfvec', 'boolean', 'halfvec <> halfvec returns boolean');
SELECT has_operator('halfvec', '>=', 'halfvec', 'boolean', 'halfvec >= halfvec returns boolean');
SELECT has_operator('halfvec', '>', 'halfvec', 'boolean', 'halfvec > halfvec returns boolean');
SELECT results_eq(
  $$SELECT o.oprname::text COLLATE "default", (SELECT p.proname::text COLLATE "default" FROM pg_proc p WHERE p.oid = o.oprcode),
           c.oprname::text COLLATE "default", n.oprname::text COLLATE "default"
      FROM pg_operator o
      LEFT JOIN pg_operator c ON c.oid = o.oprcom
      LEFT JOIN pg_operator n ON n.oid = o.oprnegate
     WHERE o.oprleft = 'halfvec'::regtype AND o.oprright = 'halfvec'::regtype
     ORDER BY o.oprname COLLATE "C"$$,
  $$VALUES ('*', 'halfvec_mul', '*', NULL),
           ('+', 'halfvec_add', '+', NULL),
           ('-', 'halfvec_sub', NULL, NULL),
           ('<', 'halfvec_lt', '>', '>='),
           ('<#>', 'halfvec_negative_inner_product', '<#>', NULL),
           ('<+>', 'l1_distance', '<+>', NULL),
           ('<->', 'l2_distance', '<->', NULL),
           ('<=', 'halfvec_le', '>=', '>'),
           ('<=>', 'cosine_distance', '<=>', NULL),
           ('<>', 'halfvec_ne', '<>', '='),
           ('=', 'halfvec_eq', '=', '<>'),
           ('>', 'halfvec_gt', '<', '<='),
           ('>=', 'halfvec_ge', '<=', '<'),
           ('||', 'halfvec_concat', NULL, NULL)$$,
  'the halfvec operators, their functions, commutators and negators');
SELECT ok((SELECT oprcanhash AND oprcanmerge FROM pg_operator
             WHERE oprname = '=' AND oprleft = 'halfvec'::regtype AND oprright = 'halfvec'::regtype),
          'halfvec = halfvec supports hash and merge joins');

-- casts and their contexts (as in the reference)
SELECT has_cast('integer[]', 'halfvec', 'array_to_halfvec', 'cast integer[] -> halfvec uses array_to_halfvec');
SELECT cast_context_is('integer[]', 'halfvec', 'assignment', 'cast integer[] -> halfvec is assignment');
SELECT has_cast('real[]', 'halfvec', 'array_to_halfvec', 'cast real[] -> halfvec uses array_to_halfvec');
SELECT cast_context_is('real[]', 'halfvec', 'assignment', 'cast real[] -> halfvec is assignment');
SELECT has_cast('double precision[]', 'halfvec', 'array_to_halfvec', 'cast double precision[] -> halfvec uses array_to_halfvec');
SELECT cast_context_is('double precision[]', 'halfvec', 'assignment', 'cast double precision[] -> halfvec is assignment');
SELECT has_cast('numeric[]', 'halfvec', 'array_to_halfvec', 'cast numeric[] -> halfvec uses array_to_halfvec');
SELECT cast_context_is('numeric[]', 'halfvec', 'assignment', 'cast numeric[] -> halfvec is assignment');
SELECT has_cast('halfvec', 'real[]', 'halfvec_to_float4', 'cast halfvec -> real[] uses halfvec_to_float4');
SELECT cast_context_is('halfvec', 'real[]', 'assignment', 'cast halfvec -> real[] is assignment');
SELECT has_cast('halfvec', 'halfvec', 'halfvec', 'cast halfvec -> halfvec uses halfvec');
SELECT cast_context_is('halfvec', 'halfvec', 'implicit', 'cast halfvec -> halfvec is implicit');
SELECT has_cast('vector', 'halfvec', 'vector_to_halfvec', 'cast vector -> halfvec uses vector_to_halfvec');
SELECT cast_context_is('vector', 'halfvec', 'implicit', 'cast vector -> halfvec is implicit');
SELECT has_cast('halfvec', 'vector', 'halfvec_to_vector', 'cast halfvec -> vector uses halfvec_to_vector');
SELECT cast_context_is('halfvec', 'vector', 'assignment', 'cast halfvec -> vector is assignment');

-- operator classes: halfvec_ops for btree and hash
SELECT has_opclass('halfvec_ops', 'operator class halfvec_ops exists');
SELECT results_eq(
  $$SELECT am.amname::text COLLATE "default", o.amopstrategy::int, op.oprname::text COLLATE "default", c.opcdefault
      FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
      JOIN pg_amop o ON o.amopfamily = c.opcfamily
      JOIN pg_operator op ON op.oid = o.amopopr
     WHERE c.opcname = 'halfvec_ops' AND am.amname IN ('btree', 'hash')
       AND o.amoplefttype = 'halfvec'::regtype AND o.amoprighttype = 'halfvec'::regtype
     ORDER BY 1, 2$$,
  $$VALUES ('btree', 1, '<', true), ('btree', 2, '<=', true), ('btree', 3, '=', true),
           ('btree', 4, '>=', true), ('btree', 5, '>', true), ('hash', 1, '=', true)$$,
  'halfvec_ops (default btree and hash) operators by strategy');
SELECT results_eq(
  $$SELECT am.amname::text COLLATE "default", p.amprocnum::int, p.amproc::regproc::text
      FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
      JOIN pg_amproc p ON p.amprocfamily = c.opcfamily
     WHERE c.opcname = 'halfvec_ops' AND am.amname IN ('btree', 'hash')
       AND p.amproclefttype = 'halfvec'::regtype AND p.amprocrighttype = 'halfvec'::regtype
     ORDER BY 1, 2$$,
  $$VALUES ('btree', 1, 'halfvec_cmp'), ('hash', 1, 'halfvec_hash')$$,
  'halfvec_ops support functions');
SELECT ok((SELECT bool_and(amvalidate(c.oid)) FROM pg_opclass c WHERE c.opcname = 'halfvec_ops'),
  'halfvec_ops passes the btree and hash validators');

-- SQLSTATEs -------------------------------------------------------------
CREATE TEMP TABLE hv_recv (v halfvec);

-- malformed text: 22P02
SELECT throws_ok($$SELECT ''::halfvec$$, '22P02', NULL, 'empty string');
SELECT throws_ok($$SELECT '[1,,2]'::halfvec$$, '22P02', NULL, '[1,,2]');
SELECT throws_ok($$SELECT '[1,2'::halfvec$$, '22P02', NULL, '[1,2 (no closing bracket)');
SELECT throws_ok($$SELECT '[1,2]x'::halfvec$$, '22P02', NULL, 'trailing junk');
SELECT throws_ok($$SELECT '[a]'::halfvec$$, '22P02', NULL, '[a] (not a number)');
-- no dimensions, non-finite: 22000
SELECT throws_ok($$SELECT '[]'::halfvec$$, '22000', NULL, '[] (no elements)');
SELECT throws_ok($$SELECT '{}'::real[]::halfvec$$, '22000', NULL, 'empty array');
SELECT throws_ok($$SELECT '[NaN]'::halfvec$$, '22000', NULL, 'NaN in text');
SELECT throws_ok($$SELECT '[-Infinity]'::halfvec$$, '22000', NULL, '-Infinity in text');
SELECT throws_ok($$SELECT '{NaN}'::real[]::halfvec$$, '22000', NULL, 'NaN in real[]');
-- out of range: 22003 (never clamped)
SELECT throws_ok($$SELECT '[65520]'::halfvec$$, '22003', NULL, '65520 rounds past the largest half');
SELECT throws_ok($$SELECT '[1e39]'::halfvec$$, '22003', NULL, '1e39 overflows float4');
SELECT throws_ok($$SELECT '{70000}'::integer[]::halfvec$$, '22003', NULL, 'integer[] too large for half');
SELECT throws_ok($$SELECT '{-1e5}'::double precision[]::halfvec$$, '22003', NULL, 'double precision[] too large for half');
SELECT throws_ok($$SELECT '{65520}'::numeric[]::halfvec$$, '22003', NULL, 'numeric[] too large for half');
SELECT throws_ok($$SELECT '[65520]'::vector::halfvec$$, '22003', NULL, 'vector too large for half');
SELECT throws_ok($$SELECT '[60000]'::halfvec + '[60000]'$$, '22003', NULL, '+ overflows');
SELECT throws_ok($$SELECT '[-60000]'::halfvec - '[60000]'$$, '22003', NULL, '- overflows');
SELECT throws_ok($$SELECT '[300]'::halfvec * '[300]'$$, '22003', NULL, '* overflows');
SELECT throws_ok($$SELECT '[1e-4]'::halfvec * '[1e-4]'$$, '22003', NULL, '* underflows');
SELECT throws_ok($$SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) s(v)$$, '22003', NULL, 'sum overflows');
-- underflow of an input is not an error
SELECT lives_ok($$SELECT '[1e-9]'::halfvec$$, '1e-9 becomes 0: not an error');
SELECT lives_ok($$SELECT '{1e-50}'::numeric[]::halfvec$$, 'numeric 1e-50 becomes 0: not an error');
-- dimension mismatch: 22000
SELECT throws_ok($$SELECT '[1,2]'::halfvec <-> '[1,2,3]'$$, '22000', NULL, '<-> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::halfvec <#> '[1,2,3]'$$, '22000', NULL, '<#> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::halfvec <=> '[1,2,3]'$$, '22000', NULL, '<=> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::halfvec <+> '[1,2,3]'$$, '22000', NULL, '<+> dimension mismatch');
SELECT throws_ok($$SELECT '[1,2]'::halfvec + '[1,2,3]'$$, '22000', NULL, '+ dimension mismatch');
SELECT throws_ok($$SELECT halfvec_l2_squared_distance('[1,2]', '[1,2,3]')$$, '22000', NULL, 'halfvec_l2_squared_distance dimension mismatch');
SELECT throws_ok($$SELECT avg(v) FROM (VALUES ('[1,2]'::halfvec), ('[1,2,3]')) s(v)$$, '22000', NULL, 'avg dimension mismatch');
-- typmod: 22000 for a value that does not fit, 22023 for a bad modifier
SELECT throws_ok($$SELECT '[1,2]'::halfvec(3)$$, '22000', NULL, 'text into halfvec(3)');
SELECT throws_ok($$SELECT '[1,2,3]'::vector::halfvec(2)$$, '22000', NULL, 'vector into halfvec(2)');
SELECT throws_ok($$SELECT '[1,2,3]'::halfvec::vector(2)$$, '22000', NULL, 'halfvec into vector(2)');
SELECT throws_ok($$SELECT '[1]'::halfvec(0)$$, '22023', NULL, 'halfvec(0)');
SELECT throws_ok($$SELECT '[1]'::halfvec(16001)$$, '22023', NULL, 'halfvec(16001)');
SELECT throws_ok($$SELECT '[1]'::halfvec(1,2)$$, '22023', NULL, 'two type modifiers');
-- too many dimensions: 54000
SELECT throws_ok($$SELECT array_fill(1::real, ARRAY[16001])::halfvec$$, '54000', NULL, '16001 dims through an array');
SELECT throws_ok($$SELECT ('[' || repeat('1,', 16000) || '1]')::halfvec$$, '54000', NULL, '16001 dims through text');
SELECT throws_ok($$SELECT array_fill(1::real, ARRAY[16000])::halfvec || '[1]'::halfvec$$, '54000', NULL, '16001 dims through ||');
-- bad arrays, empty subvector
SELECT throws_ok($$SELECT ARRAY[1,NULL]::halfvec$$, '22004', NULL, 'array with a NULL');
SELECT throws_ok($$SELECT ARRAY[[1,2],[3,4]]::halfvec$$, '22000', NULL, 'multi-dimensional array');
SELECT throws_ok($$SELECT subvector('[1,2,3]'::halfvec, 4, 1)$$, '22000', NULL, 'subvector past the end');
-- malformed binary input through COPY FROM (recv)
SELECT throws_ok($$COPY hv_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\003\000\000\074\000\100\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22P03', NULL, 'recv: field shorter than its dims');
SELECT throws_ok($$COPY hv_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\010\000\001\000\000\077\200\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22P03', NULL, 'recv: float4 elements');
SELECT throws_ok($$COPY hv_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\004\000\000\000\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: zero dims');
SELECT throws_ok($$COPY hv_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\175\006\076\201\000\000'; head -c 32002 /dev/zero; printf '\377\377'$p$ WITH (FORMAT binary)$$, '54000', NULL, 'recv: 16001 dims');
SELECT throws_ok($$COPY hv_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\000\001\000\001\074\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22P03', NULL, 'recv: unused is not 0');
SELECT throws_ok($$COPY hv_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\000\001\000\000\176\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: NaN element');
SELECT throws_ok($$COPY hv_recv FROM PROGRAM $p$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0'; printf '\000\001\000\000\000\006\000\001\000\000\174\000'; printf '\377\377'$p$ WITH (FORMAT binary)$$, '22000', NULL, 'recv: Infinity element');
SELECT is((SELECT count(*)::int FROM hv_recv), 0, 'no malformed value was stored');

SELECT * FROM finish();
ROLLBACK;
