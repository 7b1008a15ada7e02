-- Inserts into an existing index.  With m = 2 nodes reach many levels, so
-- element tuples come in many sizes, most of them not a multiple of 8: a
-- page's free space must be compared with the aligned size the page will
-- really use (this failed with "failed to add element" before).
SET client_min_messages = warning;
CREATE TABLE ins (id int, v vector(3));
CREATE INDEX ins_v_idx ON ins USING hnsw (v) WITH (m = 2, ef_construction = 4);
SELECT setseed(0.5);
INSERT INTO ins
SELECT i, (SELECT array_agg(random() ORDER BY d) FROM generate_series(1, 3) d WHERE i > 0)::vector(3)
FROM generate_series(1, 5000) i;
SELECT count(*) FROM ins;

-- the same with 32 dimensions
CREATE TABLE ins32 (id int, v vector(32));
CREATE INDEX ins32_v_idx ON ins32 USING hnsw (v) WITH (m = 2, ef_construction = 4);
INSERT INTO ins32
SELECT i, (SELECT array_agg(random() ORDER BY d) FROM generate_series(1, 32) d WHERE i > 0)::vector(32)
FROM generate_series(1, 5000) i;
SELECT count(*) FROM ins32;

-- every row is still reachable by its own vector through a wide search.
-- (At m = 2 the pruned graph leaves some nodes without in-links, as in
-- any HNSW implementation, so this is checked at m = 4.)
CREATE TABLE reach (id int, v vector(3));
CREATE INDEX reach_v_idx ON reach USING hnsw (v) WITH (m = 4, ef_construction = 16);
INSERT INTO reach SELECT id, v FROM ins;
SET enable_seqscan = off;
SET hnsw.ef_search = 400;
SELECT count(*) AS missed FROM reach a
LEFT JOIN LATERAL (SELECT b.id FROM reach b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS DISTINCT FROM a.id;
DROP TABLE ins, ins32, reach;
