-- sparsevec comparison: the order of the dense vectors (element-wise
-- lexicographic, then by dimensions), the btree operator class sparsevec_ops.

SELECT '{1:1,2:2,3:3}/3'::sparsevec < '{1:1,2:2,3:3}/3' AS lt_same,
       '{1:1,2:2,3:3}/3'::sparsevec <= '{1:1,2:2,3:3}/3' AS le_same,
       '{1:1,2:2,3:3}/3'::sparsevec = '{1:1,2:2,3:3}/3' AS eq_same,
       '{1:1,2:2,3:3}/3'::sparsevec <> '{1:1,2:2,3:3}/3' AS ne_same,
       '{1:1,2:2,3:3}/3'::sparsevec >= '{1:1,2:2,3:3}/3' AS ge_same,
       '{1:1,2:2,3:3}/3'::sparsevec > '{1:1,2:2,3:3}/3' AS gt_same;
-- [1,2,3] against [1,2]: equal on the shared dimensions, then more dimensions is greater
SELECT '{1:1,2:2,3:3}/3'::sparsevec < '{1:1,2:2}/2' AS lt,
       '{1:1,2:2,3:3}/3'::sparsevec <= '{1:1,2:2}/2' AS le,
       '{1:1,2:2,3:3}/3'::sparsevec = '{1:1,2:2}/2' AS eq,
       '{1:1,2:2,3:3}/3'::sparsevec <> '{1:1,2:2}/2' AS ne,
       '{1:1,2:2,3:3}/3'::sparsevec >= '{1:1,2:2}/2' AS ge,
       '{1:1,2:2,3:3}/3'::sparsevec > '{1:1,2:2}/2' AS gt;

-- sparsevec_cmp, with the dense vectors in the comments
SELECT sparsevec_cmp('{1:1,2:2,3:3}/3', '{1:1,2:2,3:3}/3');  -- equal
SELECT sparsevec_cmp('{1:1,2:2,3:3}/3', '{}/3');             -- [1,2,3] > [0,0,0]
SELECT sparsevec_cmp('{}/3', '{1:1,2:2,3:3}/3');
SELECT sparsevec_cmp('{1:1,2:2}/2', '{1:1,2:2,3:3}/3');      -- fewer dims first
SELECT sparsevec_cmp('{1:1,2:2,3:3}/3', '{1:1,2:2}/2');
SELECT sparsevec_cmp('{1:1,2:2}/2', '{1:2,2:3,3:4}/3');      -- 1 < 2 decides before the dims
SELECT sparsevec_cmp('{1:2,2:3}/2', '{1:1,2:2,3:3}/3');
SELECT sparsevec_cmp('{2:1}/2', '{1:1}/2');                  -- [0,1] < [1,0]
SELECT sparsevec_cmp('{1:-1}/2', '{}/2');                    -- [-1,0] < [0,0]
SELECT sparsevec_cmp('{2:-1}/2', '{}/2');                    -- [0,-1] < [0,0]
SELECT sparsevec_cmp('{}/2', '{2:-1}/2');
SELECT sparsevec_cmp('{1:-1}/2', '{2:1}/2');                 -- [-1,0] < [0,1]
SELECT sparsevec_cmp('{2:1}/2', '{2:1,3:-5}/3');             -- equal on 2 dims, then dims
SELECT sparsevec_cmp('{3:-5}/3', '{}/2');                    -- element 3 is past b's dims
SELECT sparsevec_cmp('{1:1}/2', '{}/3');                     -- [1,0] > [0,0,0]
SELECT sparsevec_cmp('{1:1,3:1}/3', '{1:1,2:1}/3');          -- [1,0,1] < [1,1,0]
SELECT sparsevec_cmp('{5:1}/1000000000', '{5:1}/1000000000');
SELECT sparsevec_cmp('{999999999:1}/1000000000', '{1000000000:1}/1000000000');
SELECT sparsevec_cmp('{}/1', '{}/1000000000');

-- the same order as vector, on random values (seeded), pair by pair
SELECT setseed(0.75);
CREATE TEMP TABLE svb_r AS
SELECT id, (SELECT array_agg(CASE WHEN random() < 0.4 THEN round((random() * 4 - 2)::numeric, 0)::real ELSE 0 END)
              FROM generate_series(1, 1 + (id % 4))) AS x
  FROM generate_series(1, 120) id;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE sparsevec_cmp(a.x::sparsevec, b.x::sparsevec) = vector_cmp(a.x::vector, b.x::vector)) AS same_cmp,
       count(*) FILTER (WHERE (a.x::sparsevec < b.x::sparsevec) = (a.x::vector < b.x::vector)
                          AND (a.x::sparsevec <= b.x::sparsevec) = (a.x::vector <= b.x::vector)
                          AND (a.x::sparsevec = b.x::sparsevec) = (a.x::vector = b.x::vector)
                          AND (a.x::sparsevec <> b.x::sparsevec) = (a.x::vector <> b.x::vector)
                          AND (a.x::sparsevec >= b.x::sparsevec) = (a.x::vector >= b.x::vector)
                          AND (a.x::sparsevec > b.x::sparsevec) = (a.x::vector > b.x::vector)) AS same_ops,
       count(*) FILTER (WHERE a.x::sparsevec = b.x::sparsevec) AS equal_pairs
  FROM svb_r a, svb_r b;
SELECT (SELECT array_agg(id ORDER BY x::sparsevec, id) FROM svb_r)
     = (SELECT array_agg(id ORDER BY x::vector, id) FROM svb_r) AS same_order;
DROP TABLE svb_r;

-- the default btree operator class: ORDER BY, DISTINCT, an index, a unique index
SELECT opcname, opcdefault, amname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE opcintype = 'sparsevec'::regtype ORDER BY amname, opcname;
CREATE TABLE svb_t (id int, v sparsevec);
INSERT INTO svb_t VALUES (1, '{1:1}/3'), (2, '{}/3'), (3, '{3:-1}/3'), (4, '{1:1}/2'), (5, '{1:1}/3'),
                         (6, '{2:1}/3'), (7, NULL), (8, '{1:-1,3:5}/3'), (9, '{}/1');
SELECT id, v FROM svb_t ORDER BY v, id;
SELECT id, v FROM svb_t ORDER BY v DESC NULLS LAST, id;
SELECT DISTINCT v FROM svb_t ORDER BY v;
SELECT v, count(*) FROM svb_t GROUP BY v ORDER BY v;
CREATE INDEX svb_t_v ON svb_t USING btree (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM svb_t WHERE v = '{1:1}/3';
SELECT id FROM svb_t WHERE v = '{1:1}/3' ORDER BY id;
SELECT id FROM svb_t WHERE v > '{}/3' AND v <= '{1:1}/3' ORDER BY v, id;
SELECT id FROM svb_t WHERE v < '{}/3' ORDER BY v, id;
RESET enable_seqscan;
CREATE UNIQUE INDEX svb_u ON svb_t (v) WHERE id <> 5;
INSERT INTO svb_t VALUES (10, '{3:-1}/3');
INSERT INTO svb_t VALUES (11, '{3:-1.5}/3');
-- a join on =
SELECT a.id, b.id FROM svb_t a JOIN svb_t b ON a.v = b.v WHERE a.id < b.id ORDER BY a.id, b.id;
DROP TABLE svb_t;
