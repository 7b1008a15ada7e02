-- comparison operators, the btree and hash operator classes.

-- element-wise lexicographic, then by dimensions
SELECT '[1,2,3]'::vector < '[1,2,4]' AS lt, '[1,2,3]'::vector < '[1,2,3]' AS lt_self,
       '[1,2,3]'::vector <= '[1,2,3]' AS le, '[1,2,3]'::vector = '[1,2,3]' AS eq,
       '[1,2,3]'::vector <> '[1,2,3]' AS ne, '[1,2,3]'::vector >= '[1,2,3]' AS ge,
       '[1,2,3]'::vector > '[1,2,3]' AS gt;
SELECT '[2]'::vector > '[1,9,9]' AS first_element_decides;
SELECT '[1,2]'::vector < '[1,2,3]' AS shorter_prefix_first;
SELECT '[1,3]'::vector > '[1,2,3]' AS element_before_length;
SELECT '[1,2]'::vector = '[1,2,0]' AS eq_different_dims, '[1,2]'::vector <> '[1,2,0]' AS ne;
SELECT '[-1]'::vector < '[0]' AS neg, '[-0]'::vector = '[0]' AS zero_eq, '[-0]'::vector < '[0]' AS zero_lt;
SELECT '[1e-45]'::vector > '[0]' AS denormal_gt;
SELECT vector_cmp('[1,2]', '[1,3]') AS lt, vector_cmp('[1,2]', '[1,2]') AS eq,
       vector_cmp('[1,3]', '[1,2]') AS gt, vector_cmp('[1,2]', '[1,2,3]') AS shorter,
       vector_cmp('[1,2,3]', '[1,2]') AS longer, vector_cmp('[-0]', '[0]') AS zeros;
SELECT vector_lt('[1]', '[2]'), vector_le('[2]', '[2]'), vector_eq('[2]', '[2]'),
       vector_ne('[1]', '[2]'), vector_ge('[2]', '[1]'), vector_gt('[1]', '[2]');
SELECT '[1,2]'::vector = NULL AS null_eq;

CREATE TABLE vbt_t (id int, v vector);
INSERT INTO vbt_t VALUES
  (1, '[1,2,3]'), (2, '[1,2]'), (3, '[0,5]'), (4, '[1,2,3]'), (5, '[-1]'),
  (6, '[1,2,4]'), (7, NULL), (8, '[1,1,9,9]'), (9, '[0]'), (10, '[-0]'),
  (11, '[1,2,3,0]'), (12, '[3e38]'), (13, '[-3e38,1]');

-- ORDER BY, DISTINCT, GROUP BY by sorting
SET enable_hashagg = off;
SELECT v FROM vbt_t ORDER BY v, id;
SELECT v FROM vbt_t ORDER BY v DESC NULLS LAST, id;
-- (-0 and 0 are one group: show all its members, in id order)
SELECT count(*) FROM (SELECT DISTINCT v FROM vbt_t) s;
SELECT string_agg(v::text, ' ' ORDER BY id) AS members, count(*), array_agg(id ORDER BY id) AS ids
  FROM vbt_t GROUP BY v ORDER BY v;
RESET enable_hashagg;

-- a btree index
CREATE INDEX vbt_t_v_idx ON vbt_t (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM vbt_t WHERE v = '[1,2,3]';
SELECT id FROM vbt_t WHERE v = '[1,2,3]' ORDER BY id;
SELECT id FROM vbt_t WHERE v = '[0]' ORDER BY id;
SELECT id FROM vbt_t WHERE v < '[1,2]' ORDER BY v, id;
SELECT id FROM vbt_t WHERE v >= '[1,2,3]' ORDER BY v, id;
SELECT id FROM vbt_t WHERE v > '[1,2]' AND v <= '[1,2,4]' ORDER BY v, id;
EXPLAIN (COSTS OFF) SELECT v FROM vbt_t ORDER BY v;
SELECT v FROM vbt_t ORDER BY v, id;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- a unique index
CREATE TABLE vbt_u (v vector(2) UNIQUE);
INSERT INTO vbt_u VALUES ('[1,2]'), ('[2,1]'), ('[0,0]');
INSERT INTO vbt_u VALUES ('[1,2]');
INSERT INTO vbt_u VALUES ('[-0,-0]');
INSERT INTO vbt_u VALUES ('[1,2.0000001]');
SELECT v FROM vbt_u ORDER BY v;
INSERT INTO vbt_u VALUES ('[1,2]') ON CONFLICT (v) DO NOTHING;
SELECT count(*) FROM vbt_u;
DROP TABLE vbt_u;

-- hashing: equal values hash equal, including -0 and 0
SELECT vector_hash('[-0]') = vector_hash('[0]') AS zero,
       vector_hash('[1,-0,2]') = vector_hash('[1,0,2]') AS zero_inside,
       vector_hash('[1,2,3]') = vector_hash('[1,2,3]') AS same;
SELECT count(DISTINCT vector_hash(v)) AS distinct_hashes
  FROM (VALUES ('[1,2]'::vector), ('[2,1]'), ('[1,2,0]'), ('[0,1,2]'), ('[1]'), ('[2]')) s(v);
SELECT count(DISTINCT vector_hash(array_fill(i::real, ARRAY[100])::vector)) AS distinct_hashes
  FROM generate_series(1, 1000) i;

-- GROUP BY and DISTINCT by hashing
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT v, count(*) FROM vbt_t GROUP BY v;
EXPLAIN (COSTS OFF) SELECT DISTINCT v FROM vbt_t;
SELECT string_agg(v::text, ' ' ORDER BY id) AS members, count(*), array_agg(id ORDER BY id) AS ids
  FROM vbt_t GROUP BY v ORDER BY min(id);
SELECT count(*) FROM (SELECT DISTINCT v FROM vbt_t) s;
RESET enable_sort;

-- hash join
SET enable_mergejoin = off;
SET enable_nestloop = off;
CREATE TABLE vbt_t2 (v vector, tag text);
INSERT INTO vbt_t2 VALUES ('[1,2,3]', 'a'), ('[0]', 'zero'), ('[5,5]', 'none'), ('[-1]', 'neg');
EXPLAIN (COSTS OFF) SELECT t.id, t2.tag FROM vbt_t t JOIN vbt_t2 t2 ON t.v = t2.v;
SELECT t.id, t2.tag FROM vbt_t t JOIN vbt_t2 t2 ON t.v = t2.v ORDER BY t.id;
RESET enable_mergejoin;
RESET enable_nestloop;

-- merge join (the = operator MERGES)
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT t.id, t2.tag FROM vbt_t t JOIN vbt_t2 t2 ON t.v = t2.v;
SELECT t.id, t2.tag FROM vbt_t t JOIN vbt_t2 t2 ON t.v = t2.v ORDER BY t.id;
RESET enable_hashjoin;
RESET enable_nestloop;

-- a hash index
CREATE INDEX vbt_t_v_hash ON vbt_t USING hash (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
DROP INDEX vbt_t_v_idx;
EXPLAIN (COSTS OFF) SELECT id FROM vbt_t WHERE v = '[0]';
SELECT id FROM vbt_t WHERE v = '[0]' ORDER BY id;
SELECT id FROM vbt_t WHERE v = '[-0]' ORDER BY id;
SELECT id FROM vbt_t WHERE v = '[1,2,3]' ORDER BY id;
SELECT id FROM vbt_t WHERE v = '[9,9]' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- a larger table: index results equal a sequential scan
CREATE TABLE vbt_big (id int, v vector(4));
INSERT INTO vbt_big SELECT i, ARRAY[i % 7, i % 11, (i % 5) - 2, i % 3]::real[] FROM generate_series(1, 5000) i;
CREATE INDEX ON vbt_big USING hash (v);
CREATE INDEX ON vbt_big (v);
SET enable_seqscan = off;
SELECT count(*) AS matches FROM vbt_big WHERE v = '[1,2,-1,0]';
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET enable_seqscan = on;
SELECT count(*) AS matches FROM vbt_big WHERE v = '[1,2,-1,0]';
RESET enable_seqscan;
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT count(*) AS groups FROM (SELECT v FROM vbt_big GROUP BY v) s;

DROP TABLE vbt_t, vbt_t2, vbt_big;
