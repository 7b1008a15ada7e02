-- halfvec comparison, the btree operator class halfvec_ops (ORDER BY,
-- DISTINCT, GROUP BY, indexes, merge joins) and the hash operator class.

CREATE TABLE hvbt_t (id int, v halfvec);
INSERT INTO hvbt_t VALUES
  (1, '[1,2,3]'), (2, '[1,2]'), (3, '[0,5]'), (4, '[1,2,3]'), (5, '[-1]'),
  (6, '[1,2,4]'), (7, NULL), (8, '[1,1,9,9]'), (9, '[0]'), (10, '[-0]'),
  (11, '[1,2,3,0]'), (12, '[65504]'), (13, '[-65504,1]'), (14, '[6e-8]'),
  (15, '[0.1]'), (16, '[0.09998]'), (17, '[1e-9]');

-- ORDER BY, DISTINCT, GROUP BY by sorting: -0, 0 and 1e-9 (0) are one
-- group, so are 0.1 and 0.09998 (the same half)
SET enable_hashagg = off;
SELECT id, v FROM hvbt_t ORDER BY v, id;
SELECT id, v FROM hvbt_t ORDER BY v DESC NULLS LAST, id;
SELECT count(*) FROM (SELECT DISTINCT v FROM hvbt_t) s;
SELECT count(*) AS n, array_agg(id ORDER BY id) AS ids
  FROM hvbt_t GROUP BY v ORDER BY v;
RESET enable_hashagg;

-- a btree index
CREATE INDEX hvbt_t_v_idx ON hvbt_t (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hvbt_t WHERE v = '[1,2,3]';
SELECT id FROM hvbt_t WHERE v = '[1,2,3]' ORDER BY id;
SELECT id FROM hvbt_t WHERE v = '[0]' ORDER BY id;
SELECT id FROM hvbt_t WHERE v = '[0.1]' ORDER BY id;
SELECT id FROM hvbt_t WHERE v < '[0]' ORDER BY v, id;
SELECT id FROM hvbt_t WHERE v >= '[1,2,3]' ORDER BY v, id;
SELECT id FROM hvbt_t WHERE v > '[1,2]' AND v <= '[1,2,4]' ORDER BY v, id;
EXPLAIN (COSTS OFF) SELECT v FROM hvbt_t ORDER BY v;
SELECT array_agg(id) AS ids FROM (SELECT id FROM hvbt_t ORDER BY v, id) s;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- a unique index: values that round to the same half collide
CREATE TABLE hvbt_u (v halfvec(2) UNIQUE);
INSERT INTO hvbt_u VALUES ('[1,2]'), ('[2,1]'), ('[0,0]');
INSERT INTO hvbt_u VALUES ('[1,2]');
INSERT INTO hvbt_u VALUES ('[-0,-0]');
INSERT INTO hvbt_u VALUES ('[1,2.0001]');
INSERT INTO hvbt_u VALUES ('[1,2.002]');
SELECT v FROM hvbt_u ORDER BY v;
DROP TABLE hvbt_u;

-- merge join and hash join on =
CREATE TABLE hvbt_a (id int, v halfvec);
INSERT INTO hvbt_a VALUES (1, '[1,2]'), (2, '[-0]'), (3, '[0.1,0.2]'), (4, '[5]');
CREATE TABLE hvbt_b (id int, v halfvec);
INSERT INTO hvbt_b VALUES (10, '[1,2]'), (20, '[0]'), (30, '[0.09998,0.19995]'), (40, '[6]');
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM hvbt_a a JOIN hvbt_b b ON a.v = b.v;
SELECT a.id, b.id FROM hvbt_a a JOIN hvbt_b b ON a.v = b.v ORDER BY a.id;
RESET enable_hashjoin;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM hvbt_a a JOIN hvbt_b b ON a.v = b.v;
SELECT a.id, b.id FROM hvbt_a a JOIN hvbt_b b ON a.v = b.v ORDER BY a.id;
RESET enable_mergejoin;
RESET enable_nestloop;
DROP TABLE hvbt_a, hvbt_b;

-- hashing: equal values hash equal, including -0 and 0
SELECT halfvec_hash('[-0]') = halfvec_hash('[0]') AS zero,
       halfvec_hash('[1,-0,2]') = halfvec_hash('[1,0,2]') AS zero_inside,
       halfvec_hash('[0.1]') = halfvec_hash('[0.09998]') AS same_half;
SELECT count(DISTINCT halfvec_hash(v)) AS distinct_hashes
  FROM (VALUES ('[1,2]'::halfvec), ('[2,1]'), ('[1,2,0]'), ('[0,1,2]'), ('[1]'), ('[2]')) s(v);
-- hash aggregation and a hash index
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT v, count(*) FROM hvbt_t GROUP BY v;
SELECT count(*) AS groups FROM (SELECT v, count(*) FROM hvbt_t GROUP BY v) s;
RESET enable_sort;
CREATE INDEX hvbt_t_hash ON hvbt_t USING hash (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
DROP INDEX hvbt_t_v_idx;
EXPLAIN (COSTS OFF) SELECT id FROM hvbt_t WHERE v = '[-0]';
SELECT id FROM hvbt_t WHERE v = '[-0]' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE hvbt_t;
