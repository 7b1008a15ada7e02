-- pgTAP: the ivfflat access method, its operator classes, reloption and
-- GUCs (../shared/SQL_SURFACE.md, "ivfflat").
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(17);

SELECT results_eq($$SELECT amname::text COLLATE "default", amhandler::regproc::text, amtype::text COLLATE "default"
       FROM pg_am WHERE amname = 'ivfflat'$$,
  $$VALUES ('ivfflat', 'ivfflathandler', 'i')$$, 'access method ivfflat exists with handler ivfflathandler');

-- every opclass: its type, ordering operator, default flag
SELECT results_eq($$SELECT c.opcname::text COLLATE "default", c.opcintype::regtype::text,
           o.oprname::text COLLATE "default", c.opcdefault
       FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
       JOIN pg_amop ao ON ao.amopfamily = c.opcfamily AND ao.amopstrategy = 1
       JOIN pg_operator o ON o.oid = ao.amopopr
      WHERE a.amname = 'ivfflat' AND ao.amoppurpose = 'o'
      ORDER BY c.opcname$$,
  $$VALUES ('bit_hamming_ops', 'bit', '<~>', false),
           ('halfvec_cosine_ops', 'halfvec', '<=>', false), ('halfvec_ip_ops', 'halfvec', '<#>', false),
           ('halfvec_l2_ops', 'halfvec', '<->', false),
           ('vector_cosine_ops', 'vector', '<=>', false), ('vector_ip_ops', 'vector', '<#>', false),
           ('vector_l2_ops', 'vector', '<->', true)$$,
  'ivfflat opclasses order by their operators; vector_l2_ops is the default');

SELECT is_empty($$SELECT c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
       JOIN pg_amop ao ON ao.amopfamily = c.opcfamily
      WHERE a.amname = 'ivfflat' AND (ao.amoppurpose <> 'o'
        OR ao.amopsortfamily <> (SELECT oid FROM pg_opfamily WHERE opfname = 'float_ops'
                                 AND opfmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')))$$,
  'every ivfflat operator is an ordering operator sorted by float_ops');

-- support functions: 1 the distance, 2 the norm (cosine), 3 the element type
SELECT results_eq($$SELECT c.opcname::text COLLATE "default", p.amprocnum::int, p.amproc::regprocedure::text
       FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
       JOIN pg_amproc p ON p.amprocfamily = c.opcfamily
      WHERE a.amname = 'ivfflat'
      ORDER BY 1, 2$$,
  $$VALUES ('bit_hamming_ops', 1, 'hamming_distance(bit,bit)'), ('bit_hamming_ops', 3, 'ivfflat_bit_support(internal)'),
           ('halfvec_cosine_ops', 1, 'halfvec_negative_inner_product(halfvec,halfvec)'),
           ('halfvec_cosine_ops', 2, 'l2_norm(halfvec)'),
           ('halfvec_cosine_ops', 3, 'ivfflat_halfvec_support(internal)'),
           ('halfvec_ip_ops', 1, 'halfvec_negative_inner_product(halfvec,halfvec)'),
           ('halfvec_ip_ops', 3, 'ivfflat_halfvec_support(internal)'),
           ('halfvec_l2_ops', 1, 'halfvec_l2_squared_distance(halfvec,halfvec)'),
           ('halfvec_l2_ops', 3, 'ivfflat_halfvec_support(internal)'),
           ('vector_cosine_ops', 1, 'vector_negative_inner_product(vector,vector)'),
           ('vector_cosine_ops', 2, 'vector_norm(vector)'),
           ('vector_ip_ops', 1, 'vector_negative_inner_product(vector,vector)'),
           ('vector_l2_ops', 1, 'vector_l2_squared_distance(vector,vector)')$$,
  'ivfflat support functions: distance, norm for cosine, element type for halfvec and bit');

-- every opclass passes amvalidate
SELECT is_empty($$SELECT c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
      WHERE a.amname = 'ivfflat' AND NOT amvalidate(c.oid)$$,
  'amvalidate accepts every ivfflat opclass');

-- the GUCs and their defaults
SELECT results_eq($$SELECT name::text COLLATE "default", setting::text COLLATE "default", vartype::text COLLATE "default",
           coalesce(min_val, '')::text COLLATE "default", coalesce(max_val, '')::text COLLATE "default"
       FROM pg_settings WHERE name LIKE 'ivfflat.%' ORDER BY name$$,
  $$VALUES ('ivfflat.iterative_scan', 'off', 'enum', '', ''),
           ('ivfflat.max_probes', '32768', 'integer', '1', '32768'),
           ('ivfflat.probes', '1', 'integer', '1', '32768')$$,
  'ivfflat.probes, ivfflat.iterative_scan and ivfflat.max_probes, with their defaults and ranges');
SELECT results_eq($$SELECT enumvals::text FROM pg_settings WHERE name = 'ivfflat.iterative_scan'$$,
  $$VALUES ('{off,relaxed_order}')$$, 'ivfflat.iterative_scan is off or relaxed_order');

-- the reloption lists: 1 .. 32768, default 100
CREATE TEMP TABLE t (v vector(3));
SELECT throws_ok($$CREATE INDEX ON t USING ivfflat (v) WITH (lists = 0)$$, '22023', NULL,
  'lists = 0 is rejected');
SELECT throws_ok($$CREATE INDEX ON t USING ivfflat (v) WITH (lists = 32769)$$, '22023', NULL,
  'lists = 32769 is rejected');
SELECT throws_ok($$CREATE INDEX ON t USING ivfflat (v) WITH (m = 16)$$, '22023', NULL,
  'hnsw''s reloption m is not one of ivfflat''s');
SELECT lives_ok($$CREATE INDEX ON t USING ivfflat (v) WITH (lists = 32768)$$, 'lists = 32768 is allowed');

-- what cannot be indexed
CREATE TEMP TABLE big (v vector(2037));
SELECT throws_ok($$CREATE INDEX ON big USING ivfflat (v)$$, '54000',
  'vectors of 2037 dimensions are too large for an ivfflat index',
  'vectors of 2037 dimensions are too large for ivfflat');
CREATE TEMP TABLE big2 (v vector(2036));
SELECT lives_ok($$CREATE INDEX ON big2 USING ivfflat (v)$$, 'vectors of 2036 dimensions fit');
CREATE TEMP TABLE sp (v sparsevec(3));
SELECT throws_ok($$CREATE INDEX ON sp USING ivfflat (v)$$, '42704', NULL,
  'sparsevec has no ivfflat operator class');
SELECT throws_ok($$CREATE INDEX ON t USING ivfflat (v vector_l1_ops)$$, '42704', NULL,
  'vector_l1_ops is not an ivfflat operator class');

-- centers that do not fit in maintenance_work_mem
CREATE TEMP TABLE wide (v vector(2000));
SET LOCAL maintenance_work_mem = '1MB';
SELECT throws_ok($$CREATE INDEX ON wide USING ivfflat (v) WITH (lists = 1000)$$, '54000',
  'memory required is 23 MB, maintenance_work_mem is 1 MB',
  'a build whose centers do not fit in maintenance_work_mem says how much it needs');
RESET maintenance_work_mem;

-- the build's progress phases, as pg_stat_progress_create_index names them
SELECT results_eq($$SELECT n, pg_indexam_progress_phasename((SELECT oid FROM pg_am WHERE amname = 'ivfflat'), n)
       FROM generate_series(1::bigint, 5) n$$,
  $$VALUES (1::bigint, 'initializing'), (2, 'performing k-means'), (3, 'assigning tuples'),
           (4, 'loading tuples'), (5, NULL)$$,
  'ivfflat build phases: initializing, performing k-means, assigning tuples, loading tuples');

SELECT * FROM finish();
ROLLBACK;
