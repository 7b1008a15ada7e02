-- pgTAP: the hnsw operator classes of halfvec, sparsevec and bit, and their
-- support functions (../shared/SQL_SURFACE.md, "Index access methods").
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(7);

-- every hnsw opclass: its type, ordering operator, default flag
SELECT results_eq($$SELECT c.opcname::text COLLATE "default", c.opcintype::regtype::text,
           o.oprname::text COLLATE "default", c.opcdefault
       FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
       JOIN pg_amop ao ON ao.amopfamily = c.opcfamily AND ao.amopstrategy = 1
       JOIN pg_operator o ON o.oid = ao.amopopr
      WHERE a.amname = 'hnsw' AND ao.amoppurpose = 'o' AND c.opcintype <> 'vector'::regtype
      ORDER BY c.opcname$$,
  $$VALUES ('bit_hamming_ops', 'bit', '<~>', false), ('bit_jaccard_ops', 'bit', '<%>', false),
           ('halfvec_cosine_ops', 'halfvec', '<=>', false), ('halfvec_ip_ops', 'halfvec', '<#>', false),
           ('halfvec_l1_ops', 'halfvec', '<+>', false), ('halfvec_l2_ops', 'halfvec', '<->', false),
           ('sparsevec_cosine_ops', 'sparsevec', '<=>', false), ('sparsevec_ip_ops', 'sparsevec', '<#>', false),
           ('sparsevec_l1_ops', 'sparsevec', '<+>', false), ('sparsevec_l2_ops', 'sparsevec', '<->', false)$$,
  'hnsw opclasses of halfvec, sparsevec and bit order by their operators; none is the default');

-- the ordering operators sort by float8 (FOR ORDER BY float_ops)
SELECT is_empty($$SELECT c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
       JOIN pg_amop ao ON ao.amopfamily = c.opcfamily
      WHERE a.amname = 'hnsw' AND (ao.amoppurpose <> 'o'
        OR ao.amopsortfamily <> (SELECT oid FROM pg_opfamily WHERE opfname = 'float_ops'
                                 AND opfmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')))$$,
  'every hnsw operator is an ordering operator sorted by float_ops');

-- support functions: 1 the distance, 2 the norm (cosine), 3 the element type
SELECT results_eq($$SELECT c.opcname::text COLLATE "default", p.amprocnum::int, p.amproc::regprocedure::text
       FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
       JOIN pg_amproc p ON p.amprocfamily = c.opcfamily
      WHERE a.amname = 'hnsw' AND c.opcintype <> 'vector'::regtype
      ORDER BY 1, 2$$,
  $$VALUES ('bit_hamming_ops', 1, 'hamming_distance(bit,bit)'), ('bit_hamming_ops', 3, 'hnsw_bit_support(internal)'),
           ('bit_jaccard_ops', 1, 'jaccard_distance(bit,bit)'), ('bit_jaccard_ops', 3, 'hnsw_bit_support(internal)'),
           ('halfvec_cosine_ops', 1, 'halfvec_negative_inner_product(halfvec,halfvec)'),
           ('halfvec_cosine_ops', 2, 'l2_norm(halfvec)'), ('halfvec_cosine_ops', 3, 'hnsw_halfvec_support(internal)'),
           ('halfvec_ip_ops', 1, 'halfvec_negative_inner_product(halfvec,halfvec)'), ('halfvec_ip_ops', 3, 'hnsw_halfvec_support(internal)'),
           ('halfvec_l1_ops', 1, 'l1_distance(halfvec,halfvec)'), ('halfvec_l1_ops', 3, 'hnsw_halfvec_support(internal)'),
           ('halfvec_l2_ops', 1, 'halfvec_l2_squared_distance(halfvec,halfvec)'), ('halfvec_l2_ops', 3, 'hnsw_halfvec_support(internal)'),
           ('sparsevec_cosine_ops', 1, 'sparsevec_negative_inner_product(sparsevec,sparsevec)'),
           ('sparsevec_cosine_ops', 2, 'l2_norm(sparsevec)'), ('sparsevec_cosine_ops', 3, 'hnsw_sparsevec_support(internal)'),
           ('sparsevec_ip_ops', 1, 'sparsevec_negative_inner_product(sparsevec,sparsevec)'), ('sparsevec_ip_ops', 3, 'hnsw_sparsevec_support(internal)'),
           ('sparsevec_l1_ops', 1, 'l1_distance(sparsevec,sparsevec)'), ('sparsevec_l1_ops', 3, 'hnsw_sparsevec_support(internal)'),
           ('sparsevec_l2_ops', 1, 'sparsevec_l2_squared_distance(sparsevec,sparsevec)'), ('sparsevec_l2_ops', 3, 'hnsw_sparsevec_support(internal)')$$,
  'each opclass names its distance (1), norm for cosine (2) and element type (3)');

SELECT results_eq($$SELECT p.proname::text COLLATE "default", p.prorettype::regtype::text, p.provolatile::text,
           p.proisstrict, p.proparallel::text, p.prosrc COLLATE "default"
       FROM pg_proc p WHERE p.proname LIKE 'hnsw\_%\_support' ORDER BY 1$$,
  $$VALUES ('hnsw_bit_support', 'internal', 'i', true, 's', 'vecext_hnsw_bit_support'),
           ('hnsw_halfvec_support', 'internal', 'i', true, 's', 'vecext_hnsw_halfvec_support'),
           ('hnsw_sparsevec_support', 'internal', 'i', true, 's', 'vecext_hnsw_sparsevec_support')$$,
  'the support functions take and return internal, immutable, strict, parallel safe');

SELECT ok((SELECT bool_and(amvalidate(c.oid)) FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
            WHERE a.amname = 'hnsw'), 'every hnsw opclass passes the access method validator');

-- the index checker: reads tables, so volatile and parallel restricted
SELECT results_eq($$SELECT p.oid::regprocedure::text, pg_get_function_arguments(p.oid),
           pg_get_function_result(p.oid), p.provolatile::text, p.proisstrict, p.proparallel::text
       FROM pg_proc p WHERE p.proname = 'hnsw_index_check'$$,
  $$VALUES ('hnsw_index_check(regclass,boolean)',
            'index regclass, heapallindexed boolean DEFAULT false, OUT pages bigint, OUT elements bigint, OUT deleted bigint, OUT links bigint, OUT reachable bigint, OUT heap_rows bigint',
            'record', 'v', true, 'r')$$,
  'hnsw_index_check(index regclass, heapallindexed boolean DEFAULT false) returns a row of counts');

-- the validator rejects an opclass whose element-type support has the wrong signature
SET client_min_messages = warning;
CREATE OPERATOR CLASS bad_bit_ops FOR TYPE bit USING hnsw AS
  OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
  FUNCTION 1 hamming_distance(bit, bit),
  FUNCTION 3 hamming_distance(bit, bit);
SELECT ok(NOT amvalidate((SELECT oid FROM pg_opclass WHERE opcname = 'bad_bit_ops')),
  'an opclass whose support function 3 is not internal -> internal fails the validator');
RESET client_min_messages;

SELECT * FROM finish();
ROLLBACK;
