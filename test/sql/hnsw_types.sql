-- hnsw over halfvec, sparsevec and bit: limits, planner use of expression
-- indexes, the documented re-rank query, values that are not indexed, and
-- query mismatches.  Recall is measured in test/t/010_types_recall.pl.
SET client_min_messages = warning;
CREATE SCHEMA hnsw_types;
SET search_path = hnsw_types, public;
RESET client_min_messages;

-- every hnsw opclass passes amvalidate
SELECT opcname, amvalidate(c.oid)
FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname = 'hnsw' ORDER BY opcname;

-- limits: halfvec and bit values span pages (past a page: hnsw_wide.sql);
-- a sparsevec element must fit one page: at m = 16, 1002 non-zeros
CREATE TABLE lim (h halfvec(4016), h2 halfvec(4017), b bit(64256), b2 bit(64257), s sparsevec(100000));
CREATE INDEX ON lim USING hnsw (h halfvec_l2_ops);
CREATE INDEX ON lim USING hnsw (h2 halfvec_l2_ops);
CREATE INDEX ON lim USING hnsw (b bit_hamming_ops);
CREATE INDEX ON lim USING hnsw (b2 bit_hamming_ops);
CREATE INDEX lim_s ON lim USING hnsw (s sparsevec_l2_ops);
INSERT INTO lim (s) SELECT ('{' || string_agg(i || ':1', ',') || '}/100000')::sparsevec
  FROM generate_series(1, 1002) i;
INSERT INTO lim (s) SELECT ('{' || string_agg(i || ':1', ',') || '}/100000')::sparsevec
  FROM generate_series(1, 1003) i;
SELECT count(*) FROM lim;
DROP TABLE lim;

-- a 4000-dimension halfvec index (8000-byte payloads, split across pages)
-- is built, inserted into, vacuumed, and answers like an exact scan
SELECT setseed(0.25);
CREATE TABLE big (id int PRIMARY KEY, h halfvec(4000));
INSERT INTO big SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 4000) WHERE i > 0)::halfvec(4000)
  FROM generate_series(1, 200) i;
CREATE INDEX big_idx ON big USING hnsw (h halfvec_l2_ops);
INSERT INTO big SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 4000) WHERE i > 0)::halfvec(4000)
  FROM generate_series(201, 260) i;
DELETE FROM big WHERE id % 5 = 0;
VACUUM big;
CREATE TEMP TABLE big_q AS SELECT id, h FROM big WHERE id IN (3, 77, 151, 222, 258);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT q.id AS q, n.id FROM big_q q,
  LATERAL (SELECT id FROM big ORDER BY h <-> q.h LIMIT 10) n;
CREATE TEMP TABLE big_idx_ans AS
  SELECT q.id AS q, n.id FROM big_q q,
  LATERAL (SELECT id FROM big ORDER BY h <-> q.h LIMIT 10) n;
RESET enable_seqscan;
SET enable_indexscan = off;
CREATE TEMP TABLE big_exact AS
  SELECT q.id AS q, n.id FROM big_q q,
  LATERAL (SELECT id FROM big ORDER BY h <-> q.h LIMIT 10) n;
RESET enable_indexscan;
-- rows found by both, per query (10 each when recall is 1)
SELECT q, count(*) FROM big_idx_ans a JOIN big_exact e USING (q, id) GROUP BY q ORDER BY q;
DROP TABLE big, big_q, big_idx_ans, big_exact;

-- a column without dimensions cannot be indexed
CREATE TABLE nodim (h halfvec);
CREATE INDEX ON nodim USING hnsw (h halfvec_l2_ops);
DROP TABLE nodim;

-- a small table of each type, indexed
CREATE TABLE items (id int PRIMARY KEY, v vector(4));
INSERT INTO items VALUES
  (1, '[1,0,0,0]'), (2, '[0,1,0,0]'), (3, '[0,0,1,0]'), (4, '[1,1,0,0]'),
  (5, '[1,1,1,1]'), (6, '[-1,0,0,0]'), (7, '[0,0,0,0]'), (8, NULL);
CREATE INDEX items_h ON items USING hnsw ((v::halfvec(4)) halfvec_cosine_ops);
CREATE INDEX items_s ON items USING hnsw ((v::sparsevec(4)) sparsevec_l1_ops);
CREATE INDEX items_b ON items USING hnsw ((binary_quantize(v)::bit(4)) bit_hamming_ops);
ANALYZE items;
SET enable_seqscan = off;

EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v::halfvec(4) <=> '[1,0.5,0,0]'::halfvec(4) LIMIT 3;
-- the zero vector (7) and NULL (8) are not in a cosine index
SELECT id, round((v::halfvec(4) <=> '[1,0.5,0,0]')::numeric, 4) AS d
FROM items ORDER BY v::halfvec(4) <=> '[1,0.5,0,0]'::halfvec(4) LIMIT 10;

EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY v::sparsevec(4) <+> '{1:1}/4'::sparsevec(4) LIMIT 3;
SELECT id, v::sparsevec(4) <+> '{1:1}/4' AS d
FROM items ORDER BY v::sparsevec(4) <+> '{1:1}/4'::sparsevec(4), id LIMIT 3;

-- the re-rank query: nearest by Hamming in a subquery, re-ordered exactly
EXPLAIN (COSTS OFF)
SELECT id FROM (
  SELECT id, v FROM items ORDER BY binary_quantize(v)::bit(4) <~> binary_quantize('[1,1,0,0]'::vector) LIMIT 4
) c ORDER BY v <-> '[1,1,0,0]' LIMIT 2;
SELECT id FROM (
  SELECT id, v FROM items ORDER BY binary_quantize(v)::bit(4) <~> binary_quantize('[1,1,0,0]'::vector) LIMIT 4
) c ORDER BY v <-> '[1,1,0,0]' LIMIT 2;

-- a query of other dimensions is an error naming both
SELECT id FROM items ORDER BY v::halfvec(4) <=> '[1,0,0]'::halfvec LIMIT 1;
SELECT id FROM items ORDER BY v::sparsevec(4) <+> '{1:1}/5'::sparsevec LIMIT 1;
SELECT id FROM items ORDER BY binary_quantize(v)::bit(4) <~> B'101' LIMIT 1;

-- inserts after the build are found
INSERT INTO items VALUES (9, '[0,0,0,2]');
SELECT id FROM items ORDER BY v::sparsevec(4) <+> '{4:2}/4'::sparsevec(4) LIMIT 1;
SELECT id FROM items ORDER BY v::halfvec(4) <=> '[0,0,0,1]'::halfvec(4) LIMIT 1;

RESET enable_seqscan;
DROP TABLE items;
RESET search_path;
DROP SCHEMA hnsw_types;
