-- pgTAP: the catalog contract of the vector type (../shared/SQL_SURFACE.md:
-- Types, Operators, Functions, Casts for vector, and sql/vecext--0.1.0.sql).
-- Run by pg_prove in a database with pgtap and vecext installed.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(126);
-- the extension and the type
SELECT has_extension('vecext', 'extension vecext is installed');
SELECT ok((SELECT extrelocatable FROM pg_extension WHERE extname = 'vecext'), 'vecext is relocatable');
SELECT has_type('vector', 'type vector exists');
SELECT results_eq(
  $$SELECT typlen::int, typstorage::text, typinput::regproc::text, typoutput::regproc::text,
           typreceive::regproc::text, typsend::regproc::text, typmodin::regproc::text
      FROM pg_type WHERE oid = 'vector'::regtype$$,
  $$VALUES (-1, 'e', 'vector_in', 'vector_out', 'vector_recv', 'vector_send', 'vector_typmod_in')$$,
  'vector is variable-length, storage external, with its I/O and typmod functions');

-- every function: arguments and result type
SELECT has_function('vector_in', ARRAY['cstring', 'oid', 'integer']::name[], 'vector_in(cstring, oid, integer) exists');
SELECT function_returns('vector_in', ARRAY['cstring', 'oid', 'integer']::name[], 'vector', 'vector_in(cstring, oid, integer) returns vector');
SELECT has_function('vector_out', ARRAY['vector']::name[], 'vector_out(vector) exists');
SELECT function_returns('vector_out', ARRAY['vector']::name[], 'cstring', 'vector_out(vector) returns cstring');
SELECT has_function('vector_typmod_in', ARRAY['cstring[]']::name[], 'vector_typmod_in(cstring[]) exists');
SELECT function_returns('vector_typmod_in', ARRAY['cstring[]']::name[], 'integer', 'vector_typmod_in(cstring[]) returns integer');
SELECT has_function('vector_recv', ARRAY['internal', 'oid', 'integer']::name[], 'vector_recv(internal, oid, integer) exists');
SELECT function_returns('vector_recv', ARRAY['internal', 'oid', 'integer']::name[], 'vector', 'vector_recv(internal, oid, integer) returns vector');
SELECT has_function('vector_send', ARRAY['vector']::name[], 'vector_send(vector) exists');
SELECT function_returns('vector_send', ARRAY['vector']::name[], 'bytea', 'vector_send(vector) returns bytea');
SELECT has_function('l2_distance', ARRAY['vector', 'vector']::name[], 'l2_distance(vector, vector) exists');
SELECT function_returns('l2_distance', ARRAY['vector', 'vector']::name[], 'double precision', 'l2_distance(vector, vector) returns double precision');
SELECT has_function('inner_product', ARRAY['vector', 'vector']::name[], 'inner_product(vector, vector) exists');
SELECT function_returns('inner_product', ARRAY['vector', 'vector']::name[], 'double precision', 'inner_product(vector, vector) returns double precision');
SELECT has_function('cosine_distance', ARRAY['vector', 'vector']::name[], 'cosine_distance(vector, vector) exists');
SELECT function_returns('cosine_distance', ARRAY['vector', 'vector']::name[], 'double precision', 'cosine_distance(vector, vector) returns double precision');
SELECT has_function('l1_distance', ARRAY['vector', 'vector']::name[], 'l1_distance(vector, vector) exists');
SELECT function_returns('l1_distance', ARRAY['vector', 'vector']::name[], 'double precision', 'l1_distance(vector, vector) returns double precision');
SELECT has_function('vector_dims', ARRAY['vector']::name[], 'vector_dims(vector) exists');
SELECT function_returns('vector_dims', ARRAY['vector']::name[], 'integer', 'vector_dims(vector) returns integer');
SELECT has_function('vector_norm', ARRAY['vector']::name[], 'vector_norm(vector) exists');
SELECT function_returns('vector_norm', ARRAY['vector']::name[], 'double precision', 'vector_norm(vector) returns double precision');
SELECT has_function('l2_normalize', ARRAY['vector']::name[], 'l2_normalize(vector) exists');
SELECT function_returns('l2_normalize', ARRAY['vector']::name[], 'vector', 'l2_normalize(vector) returns vector');
SELECT has_function('binary_quantize', ARRAY['vector']::name[], 'binary_quantize(vector) exists');
SELECT function_returns('binary_quantize', ARRAY['vector']::name[], 'bit', 'binary_quantize(vector) returns bit');
SELECT has_function('subvector', ARRAY['vector', 'integer', 'integer']::name[], 'subvector(vector, integer, integer) exists');
SELECT function_returns('subvector', ARRAY['vector', 'integer', 'integer']::name[], 'vector', 'subvector(vector, integer, integer) returns vector');
SELECT has_function('vector_add', ARRAY['vector', 'vector']::name[], 'vector_add(vector, vector) exists');
SELECT function_returns('vector_add', ARRAY['vector', 'vector']::name[], 'vector', 'vector_add(vector, vector) returns vector');
SELECT has_function('vector_sub', ARRAY['vector', 'vector']::name[], 'vector_sub(vector, vector) exists');
SELECT function_returns('vector_sub', ARRAY['vector', 'vector']::name[], 'vector', 'vector_sub(vector, vector) returns vector');
SELECT has_function('vector_mul', ARRAY['vector', 'vector']::name[], 'vector_mul(vector, vector) exists');
SELECT function_returns('vector_mul', ARRAY['vector', 'vector']::name[], 'vector', 'vector_mul(vector, vector) returns vector');
SELECT has_function('vector_concat', ARRAY['vector', 'vector']::name[], 'vector_concat(vector, vector) exists');
SELECT function_returns('vector_concat', ARRAY['vector', 'vector']::name[], 'vector', 'vector_concat(vector, vector) returns vector');
SELECT has_function('vector_negative_inner_product', ARRAY['vector', 'vector']::name[], 'vector_negative_inner_product(vector, vector) exists');
SELECT function_returns('vector_negative_inner_product', ARRAY['vector', 'vector']::name[], 'double precision', 'vector_negative_inner_product(vector, vector) returns double precision');
SELECT has_function('vector_l2_squared_distance', ARRAY['vector', 'vector']::name[], 'vector_l2_squared_distance(vector, vector) exists');
SELECT function_returns('vector_l2_squared_distance', ARRAY['vector', 'vector']::name[], 'double precision', 'vector_l2_squared_distance(vector, vector) returns double precision');
SELECT has_function('vector_lt', ARRAY['vector', 'vector']::name[], 'vector_lt(vector, vector) exists');
SELECT function_returns('vector_lt', ARRAY['vector', 'vector']::name[], 'boolean', 'vector_lt(vector, vector) returns boolean');
SELECT has_function('vector_le', ARRAY['vector', 'vector']::name[], 'vector_le(vector, vector) exists');
SELECT function_returns('vector_le', ARRAY['vector', 'vector']::name[], 'boolean', 'vector_le(vector, vector) returns boolean');
SELECT has_function('vector_eq', ARRAY['vector', 'vector']::name[], 'vector_eq(vector, vector) exists');
SELECT function_returns('vector_eq', ARRAY['vector', 'vector']::name[], 'boolean', 'vector_eq(vector, vector) returns boolean');
SELECT has_function('vector_ne', ARRAY['vector', 'vector']::name[], 'vector_ne(vector, vector) exists');
SELECT function_returns('vector_ne', ARRAY['vector', 'vector']::name[], 'boolean', 'vector_ne(vector, vector) returns boolean');
SELECT has_function('vector_ge', ARRAY['vector', 'vector']::name[], 'vector_ge(vector, vector) exists');
SELECT function_returns('vector_ge', ARRAY['vector', 'vector']::name[], 'boolean', 'vector_ge(vector, vector) returns boolean');
SELECT has_function('vector_gt', ARRAY['vector', 'vector']::name[], 'vector_gt(vector, vector) exists');
SELECT function_returns('vector_gt', ARRAY['vector', 'vector']::name[], 'boolean', 'vector_gt(vector, vector) returns boolean');
SELECT has_function('vector_cmp', ARRAY['vector', 'vector']::name[], 'vector_cmp(vector, vector) exists');
SELECT function_returns('vector_cmp', ARRAY['vector', 'vector']::name[], 'integer', 'vector_cmp(vector, vector) returns integer');
SELECT has_function('vector_hash', ARRAY['vector']::name[], 'vector_hash(vector) exists');
SELECT function_returns('vector_hash', ARRAY['vector']::name[], 'integer', 'vector_hash(vector) returns integer');
SELECT has_function('vector_accum', ARRAY['double precision[]', 'vector']::name[], 'vector_accum(double precision[], vector) exists');
SELECT function_returns('vector_accum', ARRAY['double precision[]', 'vector']::name[], 'double precision[]', 'vector_accum(double precision[], vector) returns double precision[]');
SELECT has_function('vector_combine', ARRAY['double precision[]', 'double precision[]']::name[], 'vector_combine(double precision[], double precision[]) exists');
SELECT function_returns('vector_combine', ARRAY['double precision[]', 'double precision[]']::name[], 'double precision[]', 'vector_combine(double precision[], double precision[]) returns double precision[]');
SELECT has_function('vector_avg', ARRAY['double precision[]']::name[], 'vector_avg(double precision[]) exists');
SELECT function_returns('vector_avg', ARRAY['double precision[]']::name[], 'vector', 'vector_avg(double precision[]) returns vector');
SELECT has_function('vector', ARRAY['vector', 'integer', 'boolean']::name[], 'vector(vector, integer, boolean) exists');
SELECT function_returns('vector', ARRAY['vector', 'integer', 'boolean']::name[], 'vector', 'vector(vector, integer, boolean) returns vector');
SELECT has_function('array_to_vector', ARRAY['integer[]', 'integer', 'boolean']::name[], 'array_to_vector(integer[], integer, boolean) exists');
SELECT function_returns('array_to_vector', ARRAY['integer[]', 'integer', 'boolean']::name[], 'vector', 'array_to_vector(integer[], integer, boolean) returns vector');
SELECT has_function('array_to_vector', ARRAY['real[]', 'integer', 'boolean']::name[], 'array_to_vector(real[], integer, boolean) exists');
SELECT function_returns('array_to_vector', ARRAY['real[]', 'integer', 'boolean']::name[], 'vector', 'array_to_vector(real[], integer, boolean) returns vector');
SELECT has_function('array_to_vector', ARRAY['double precision[]', 'integer', 'boolean']::name[], 'array_to_vector(double precision[], integer, boolean) exists');
SELECT function_returns('array_to_vector', ARRAY['double precision[]', 'integer', 'boolean']::name[], 'vector', 'array_to_vector(double precision[], integer, boolean) returns vector');
SELECT has_function('array_to_vector', ARRAY['numeric[]', 'integer', 'boolean']::name[], 'array_to_vector(numeric[], integer, boolean) exists');
SELECT function_returns('array_to_vector', ARRAY['numeric[]', 'integer', 'boolean']::name[], 'vector', 'array_to_vector(numeric[], integer, boolean) returns vector');
SELECT has_function('vector_to_float4', ARRAY['vector', 'integer', 'boolean']::name[], 'vector_to_float4(vector, integer, boolean) exists');
SELECT function_returns('vector_to_float4', ARRAY['vector', 'integer', 'boolean']::name[], 'real[]', 'vector_to_float4(vector, integer, boolean) returns real[]');

-- aggregates
SELECT is_aggregate('avg', ARRAY['vector']::name[], 'avg(vector) is an aggregate');
SELECT function_returns('avg', ARRAY['vector']::name[], 'vector', 'avg(vector) returns vector');
SELECT is_aggregate('sum', ARRAY['vector']::name[], 'sum(vector) is an aggregate');
SELECT function_returns('sum', ARRAY['vector']::name[], 'vector', 'sum(vector) returns vector');
SELECT results_eq(
  $$SELECT p.proname::text COLLATE "default", a.aggtransfn::regproc::text, a.aggcombinefn::regproc::text,
           a.aggfinalfn::regproc::text, format_type(a.aggtranstype, NULL), a.agginitval COLLATE "default", p.proparallel::text
      FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
     WHERE p.proargtypes = ARRAY['vector'::regtype]::oidvector AND p.proname IN ('avg', 'sum')
     ORDER BY p.proname$$,
  $$VALUES ('avg', 'vector_accum', 'vector_combine', 'vector_avg', 'double precision[]', '{0}', 's'),
           ('sum', 'vector_add', 'vector_add', '-', 'vector', NULL, 's')$$,
  'avg and sum have combine functions and are parallel safe');

-- every function of the extension, present and future, is IMMUTABLE STRICT PARALLEL SAFE
-- (index access method handlers are called by the server, not by users, and the checker
-- and the sharding helpers read tables or set settings: exempt, tested below and in hnsw_types)
SELECT cmp_ok((SELECT count(*) FROM (SELECT 1
       FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext')) s)::int, '>=', 39, 'the extension owns at least the 37 functions and 2 aggregates');
SELECT is_empty($$SELECT p.oid::regprocedure::text
       FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext')
        AND p.prorettype <> 'index_am_handler'::regtype
        AND p.proname NOT IN ('hnsw_index_check', 'vecext_with_settings', 'vecext_sharded_knn', 'vecext_sharded_knn_sql')
        AND p.provolatile <> 'i'$$, 'every function is IMMUTABLE');
SELECT is_empty($$SELECT p.oid::regprocedure::text
       FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext')
        AND p.prorettype <> 'index_am_handler'::regtype
        AND p.proname NOT IN ('hnsw_index_check', 'vecext_with_settings', 'vecext_sharded_knn', 'vecext_sharded_knn_sql')
        AND p.prokind <> 'a' AND NOT p.proisstrict$$, 'every non-aggregate function is STRICT');
SELECT is_empty($$SELECT p.oid::regprocedure::text
       FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext')
        AND p.prorettype <> 'index_am_handler'::regtype
        AND p.proname NOT IN ('hnsw_index_check', 'vecext_with_settings', 'vecext_sharded_knn', 'vecext_sharded_knn_sql')
        AND p.proparallel <> 's'$$, 'every function and aggregate is PARALLEL SAFE');
SELECT is_empty($$SELECT p.oid::regprocedure::text
       FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext')
        AND p.prokind NOT IN ('f', 'a')$$, 'the extension has only functions and aggregates (no procedures or window functions)');
SELECT set_has($$SELECT p.oid::regprocedure::text
       FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecext')$$,
  $$VALUES ('vector_in(cstring,oid,integer)'),
           ('vector_out(vector)'),
           ('vector_typmod_in(cstring[])'),
           ('vector_recv(internal,oid,integer)'),
           ('vector_send(vector)'),
           ('l2_distance(vector,vector)'),
           ('inner_product(vector,vector)'),
           ('cosine_distance(vector,vector)'),
           ('l1_distance(vector,vector)'),
           ('vector_dims(vector)'),
           ('vector_norm(vector)'),
           ('l2_normalize(vector)'),
           ('binary_quantize(vector)'),
           ('subvector(vector,integer,integer)'),
           ('vector_add(vector,vector)'),
           ('vector_sub(vector,vector)'),
           ('vector_mul(vector,vector)'),
           ('vector_concat(vector,vector)'),
           ('vector_negative_inner_product(vector,vector)'),
           ('vector_l2_squared_distance(vector,vector)'),
           ('vector_lt(vector,vector)'),
           ('vector_le(vector,vector)'),
           ('vector_eq(vector,vector)'),
           ('vector_ne(vector,vector)'),
           ('vector_ge(vector,vector)'),
           ('vector_gt(vector,vector)'),
           ('vector_cmp(vector,vector)'),
           ('vector_hash(vector)'),
           ('vector_accum(double precision[],vector)'),
           ('vector_combine(double precision[],double precision[])'),
           ('vector_avg(double precision[])'),
           ('vector(vector,integer,boolean)'),
           ('array_to_vector(integer[],integer,boolean)'),
           ('array_to_vector(real[],integer,boolean)'),
           ('array_to_vector(double precision[],integer,boolean)'),
           ('array_to_vector(numeric[],integer,boolean)'),
           ('vector_to_float4(vector,integer,boolean)'),
           ('avg(vector)'), ('sum(vector)')$$,
  'the extension owns every function of its script');

-- operators: left and right types, result, function, commutator and negator
SELECT has_operator('vector', '<->', 'vector', 'double precision', 'vector <-> vector returns double precision');
SELECT has_operator('vector', '<#>', 'vector', 'double precision', 'vector <#> vector returns double precision');
SELECT has_operator('vector', '<=>', 'vector', 'double precision', 'vector <=> vector returns double precision');
SELECT has_operator('vector', '<+>', 'vector', 'double precision', 'vector <+> vector returns double precision');
SELECT has_operator('vector', '+', 'vector', 'vector', 'vector + vector returns vector');
SELECT has_operator('vector', '-', 'vector', 'vector', 'vector - vector returns vector');
SELECT has_operator('vector', '*', 'vector', 'vector', 'vector * vector returns vector');
SELECT has_operator('vector', '||', 'vector', 'vector', 'vector || vector returns vector');
SELECT has_operator('vector', '<', 'vector', 'boolean', 'vector < vector returns boolean');
SELECT has_operator('vector', '<=', 'vector', 'boolean', 'vector <= vector returns boolean');
SELECT has_operator('vector', '=', 'vector', 'boolean', 'vector = vector returns boolean');
SELECT has_operator('vector', '<>', 'vector', 'boolean', 'vector <> vector returns boolean');
SELECT has_operator('vector', '>=', 'vector', 'boolean', 'vector >= vector returns boolean');
SELECT has_operator('vector', '>', 'vector', 'boolean', 'vector > vector returns boolean');
SELECT results_eq(
  $$SELECT o.oprname::text COLLATE "default", (SELECT p.proname::text COLLATE "default" FROM pg_proc p WHERE p.oid = o.oprcode),
           c.oprname::text COLLATE "default", n.oprname::text COLLATE "default"
      FROM pg_operator o
      LEFT JOIN pg_operator c ON c.oid = o.oprcom
      LEFT JOIN pg_operator n ON n.oid = o.oprnegate
     WHERE o.oprleft = 'vector'::regtype AND o.oprright = 'vector'::regtype
     ORDER BY o.oprname COLLATE "C"$$,
  $$VALUES ('*', 'vector_mul', '*', NULL),
           ('+', 'vector_add', '+', NULL),
           ('-', 'vector_sub', NULL, NULL),
           ('<', 'vector_lt', '>', '>='),
           ('<#>', 'vector_negative_inner_product', '<#>', NULL),
           ('<+>', 'l1_distance', '<+>', NULL),
           ('<->', 'l2_distance', '<->', NULL),
           ('<=', 'vector_le', '>=', '>'),
           ('<=>', 'cosine_distance', '<=>', NULL),
           ('<>', 'vector_ne', '<>', '='),
           ('=', 'vector_eq', '=', '<>'),
           ('>', 'vector_gt', '<', '<='),
           ('>=', 'vector_ge', '<=', '<'),
           ('||', 'vector_concat', NULL, NULL)$$,
  'the vector operators, their functions, commutators and negators');
SELECT ok((SELECT oprcanhash AND oprcanmerge FROM pg_operator
             WHERE oprname = '=' AND oprleft = 'vector'::regtype AND oprright = 'vector'::regtype),
          'vector = vector supports hash and merge joins');

-- casts
SELECT has_cast('integer[]', 'vector', 'array_to_vector', 'cast integer[] -> vector uses array_to_vector');
SELECT cast_context_is('integer[]', 'vector', 'assignment', 'cast integer[] -> vector is assignment');
SELECT has_cast('real[]', 'vector', 'array_to_vector', 'cast real[] -> vector uses array_to_vector');
SELECT cast_context_is('real[]', 'vector', 'assignment', 'cast real[] -> vector is assignment');
SELECT has_cast('double precision[]', 'vector', 'array_to_vector', 'cast double precision[] -> vector uses array_to_vector');
SELECT cast_context_is('double precision[]', 'vector', 'assignment', 'cast double precision[] -> vector is assignment');
SELECT has_cast('numeric[]', 'vector', 'array_to_vector', 'cast numeric[] -> vector uses array_to_vector');
SELECT cast_context_is('numeric[]', 'vector', 'assignment', 'cast numeric[] -> vector is assignment');
SELECT has_cast('vector', 'real[]', 'vector_to_float4', 'cast vector -> real[] uses vector_to_float4');
SELECT cast_context_is('vector', 'real[]', 'implicit', 'cast vector -> real[] is implicit');
SELECT has_cast('vector', 'vector', 'vector', 'cast vector -> vector uses vector');
SELECT cast_context_is('vector', 'vector', 'implicit', 'cast vector -> vector is implicit');
SELECT is_empty(
  $$SELECT format_type(castsource, NULL), format_type(casttarget, NULL), castcontext
      FROM pg_cast
     WHERE (castsource = 'vector'::regtype OR casttarget = 'vector'::regtype)
       AND (castsource, casttarget) NOT IN (
           ('integer[]'::regtype, 'vector'::regtype), ('real[]'::regtype, 'vector'::regtype),
           ('double precision[]'::regtype, 'vector'::regtype), ('numeric[]'::regtype, 'vector'::regtype),
           ('vector'::regtype, 'real[]'::regtype), ('vector'::regtype, 'vector'::regtype))
       AND 'halfvec'::regtype NOT IN (castsource, casttarget)
       AND 'sparsevec'::regtype NOT IN (castsource, casttarget)$$,
  'no other casts to or from vector (but halfvec''s and sparsevec''s, see halfvec.sql and sparsevec.sql)');

-- operator classes
SELECT has_opclass('vector_ops', 'operator class vector_ops exists');
SELECT results_eq(
  $$SELECT am.amname::text COLLATE "default", c.opcdefault, format_type(c.opcintype, NULL)
      FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
     WHERE c.opcname = 'vector_ops' AND am.amname IN ('btree', 'hash')
     ORDER BY am.amname$$,
  $$VALUES ('btree', true, 'vector'), ('hash', true, 'vector')$$,
  'vector_ops is the default btree and hash operator class for vector');
SELECT results_eq(
  $$SELECT am.amname::text COLLATE "default", o.amopstrategy::int, op.oprname::text COLLATE "default"
      FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
      JOIN pg_amop o ON o.amopfamily = c.opcfamily
      JOIN pg_operator op ON op.oid = o.amopopr
     WHERE c.opcname = 'vector_ops' AND am.amname IN ('btree', 'hash')
       AND o.amoplefttype = 'vector'::regtype AND o.amoprighttype = 'vector'::regtype
     ORDER BY 1, 2$$,
  $$VALUES ('btree', 1, '<'), ('btree', 2, '<='), ('btree', 3, '='), ('btree', 4, '>='), ('btree', 5, '>'),
           ('hash', 1, '=')$$,
  'vector_ops operators by strategy');
SELECT results_eq(
  $$SELECT am.amname::text COLLATE "default", p.amprocnum::int, p.amproc::regproc::text
      FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
      JOIN pg_amproc p ON p.amprocfamily = c.opcfamily
     WHERE c.opcname = 'vector_ops' AND am.amname IN ('btree', 'hash')
       AND p.amproclefttype = 'vector'::regtype AND p.amprocrighttype = 'vector'::regtype
     ORDER BY 1, 2$$,
  $$VALUES ('btree', 1, 'vector_cmp'), ('hash', 1, 'vector_hash')$$,
  'vector_ops support functions');

-- the hnsw access method and its opclasses
SELECT results_eq($$SELECT amname::text COLLATE "default", amhandler::regproc::text, amtype::text COLLATE "default" FROM pg_am WHERE amname = 'hnsw'$$,
  $$VALUES ('hnsw', 'hnswhandler', 'i')$$, 'access method hnsw exists with handler hnswhandler');
SELECT results_eq($$SELECT c.opcname::text COLLATE "default", o.oprname::text COLLATE "default", c.opcdefault
       FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
       JOIN pg_amop ao ON ao.amopfamily = c.opcfamily AND ao.amopstrategy = 1
       JOIN pg_operator o ON o.oid = ao.amopopr
      WHERE a.amname = 'hnsw' AND ao.amoppurpose = 'o' AND c.opcintype = 'vector'::regtype
      ORDER BY c.opcname$$,
  $$VALUES ('vector_cosine_ops', '<=>', false), ('vector_ip_ops', '<#>', false),
           ('vector_l1_ops', '<+>', false), ('vector_l2_ops', '<->', true)$$,
  'hnsw opclasses l2 (default), ip, cosine, l1 order by their operator');
SELECT ok((SELECT bool_and(amvalidate(c.oid)) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod WHERE a.amname = 'hnsw'),
  'every hnsw opclass passes the access method validator');

-- the sharding helpers (README "Scaling out"): vecext_with_settings is IMMUTABLE so that
-- postgres_fdw sends it to the shards, not STRICT (NULL settings change nothing), and
-- PARALLEL UNSAFE (a parallel worker cannot set settings)
SELECT results_eq($$SELECT p.oid::regprocedure::text, pg_get_function_arguments(p.oid),
           pg_get_function_result(p.oid), p.provolatile::text, p.proisstrict, p.proparallel::text
       FROM pg_proc p WHERE p.proname IN ('vecext_with_settings', 'vecext_sharded_knn', 'vecext_sharded_knn_sql')
      ORDER BY p.proname$$,
  $$VALUES ('vecext_sharded_knn(anyelement,name,anycompatible,integer,jsonb,text,text)',
            'rel anyelement, column_name name, query anycompatible, k integer, settings jsonb DEFAULT NULL::jsonb, filter text DEFAULT NULL::text, operator text DEFAULT ''<->''::text',
            'SETOF anyelement', 'v', false, 'u'),
           ('vecext_sharded_knn_sql(regclass,name,integer,text,text)',
            'rel regclass, column_name name, k integer, filter text DEFAULT NULL::text, operator text DEFAULT ''<->''::text',
            'text', 's', false, 'u'),
           ('vecext_with_settings(anyelement,jsonb)', 'query anyelement, settings jsonb',
            'anyelement', 'i', false, 'u')$$,
  'the sharding helpers have their documented signatures and attributes');

SELECT * FROM finish();
ROLLBACK;
