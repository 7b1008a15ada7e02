-- The distance of a row an hnsw scan returns, when its vector is stored out
-- of line (TOAST), comes from the scan (src/types/scandist.h): the target
-- list's ORDER BY expression reads nothing from the TOAST table, and gives
-- the same float8 as computed from the stored value.  Anything else (another
-- operator, another query, another row, a cosine index, whose payloads are
-- not the values) is still computed from the value.
SET client_min_messages = warning;
CREATE SCHEMA hnsw_scandist;
SET search_path = hnsw_scandist, public;
RESET client_min_messages;

-- 800 float4 (3208 bytes) and 1200 halfvec (2408 bytes): both out of line
CREATE TABLE t (id int PRIMARY KEY, v vector(800), h halfvec(1200));
INSERT INTO t
SELECT i, (SELECT array_agg(sin(i * 7 + d * 0.37)::real) FROM generate_series(1, 800) d),
          (SELECT array_agg(cos(i * 5 + d * 0.11)::real) FROM generate_series(1, 1200) d)
FROM generate_series(1, 300) i;
CREATE TABLE qs (id int, v vector(800), h halfvec(1200));
INSERT INTO qs
SELECT i, (SELECT array_agg(sin(i * 7 + 3 + d * 0.37)::real) FROM generate_series(1, 800) d),
          (SELECT array_agg(cos(i * 5 + 2 + d * 0.11)::real) FROM generate_series(1, 1200) d)
FROM generate_series(1, 3) i;
ANALYZE t;
SELECT v::text AS q1, h::text AS hq1 FROM qs WHERE id = 1 \gset
SELECT v::text AS q2 FROM qs WHERE id = 2 \gset
-- every value is in the TOAST table: 600 of them
DO $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(DISTINCT chunk_id) FROM %s',
                 (SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 't'::regclass))
    INTO n;
  RAISE NOTICE 'values stored out of line: %', n;
END $$;

CREATE INDEX t_l2 ON t USING hnsw (v vector_l2_ops);
CREATE INDEX t_ip ON t USING hnsw (v vector_ip_ops);
CREATE INDEX t_l1 ON t USING hnsw (v vector_l1_ops);
CREATE INDEX t_cos ON t USING hnsw (v vector_cosine_ops);
CREATE INDEX t_h ON t USING hnsw (h halfvec_l2_ops);
SET enable_seqscan = off;
SET hnsw.ef_search = 40;

-- blocks of t's TOAST table read in this transaction
CREATE FUNCTION toast_reads() RETURNS bigint LANGUAGE sql AS
$$ SELECT pg_stat_get_xact_blocks_fetched(reltoastrelid) FROM pg_class
   WHERE oid = 'hnsw_scandist.t'::regclass $$;

-- got(id, d): what the query of toast_reads_of(query, q) returned, the
-- query's $1 being q; it returns the TOAST blocks the query read.
-- exact(op, q): the distance of each of got's rows by op from q, computed
-- from the stored value (found through the primary key), and how many of
-- got's distances are exactly that.
CREATE TABLE got (id int, d float8);
CREATE FUNCTION toast_reads_of(query text, q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r0 bigint := toast_reads();
BEGIN
  TRUNCATE got;
  EXECUTE 'INSERT INTO got ' || replace(query, '$1', quote_literal(q));
  RETURN toast_reads() - r0;
END $$;
CREATE FUNCTION exact(op text, q text, col text DEFAULT 'v')
RETURNS TABLE (rows bigint, same bigint) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT count(*), count(*) FILTER (WHERE g.d = (SELECT t.%s %s %L FROM t WHERE t.id = g.id))
     FROM got g', col, op, q);
END $$;

EXPLAIN (COSTS OFF) SELECT id, v <-> '[1]'::vector AS d FROM t ORDER BY v <-> '[1]'::vector LIMIT 10;

-- l2, inner product, l1, halfvec l2: no TOAST read, the exact distances
SELECT toast_reads_of('SELECT id, v <-> $1 FROM t ORDER BY v <-> $1 LIMIT 10', :'q1') AS l2;
SELECT * FROM exact('<->', :'q1');
SELECT toast_reads_of('SELECT id, v <#> $1 FROM t ORDER BY v <#> $1 LIMIT 10', :'q1') AS ip;
SELECT * FROM exact('<#>', :'q1');
SELECT toast_reads_of('SELECT id, v <+> $1 FROM t ORDER BY v <+> $1 LIMIT 10', :'q1') AS l1;
SELECT * FROM exact('<+>', :'q1');
SELECT toast_reads_of('SELECT id, h <-> $1 FROM t ORDER BY h <-> $1 LIMIT 10', :'hq1') AS halfvec_l2;
SELECT * FROM exact('<->', :'hq1', 'h');

-- the query read from a table: a TOAST pointer in the target list, the
-- value detoasted in the scan key
SELECT toast_reads_of('SELECT id, v <-> (SELECT v FROM qs WHERE id = 1) FROM t
                       ORDER BY v <-> (SELECT v FROM qs WHERE id = 1) LIMIT 10', '') AS subquery;
SELECT * FROM exact('<->', :'q1');

-- an iterative scan past its first batch
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.ef_search = 10;
SELECT toast_reads_of('SELECT id, v <-> $1 FROM t ORDER BY v <-> $1 LIMIT 25', :'q1') AS iterative;
SELECT * FROM exact('<->', :'q1');
RESET hnsw.iterative_scan;
SET hnsw.ef_search = 40;

-- cosine: the index holds unit vectors, not the values; computed, exactly
SELECT toast_reads_of('SELECT id, v <=> $1 FROM t ORDER BY v <=> $1 LIMIT 10', :'q1') > 0
  AS cosine_reads_toast;
SELECT * FROM exact('<=>', :'q1');

-- another operator, another query than the scan's: computed, exactly
SELECT toast_reads_of('SELECT id, v <#> $1 FROM t ORDER BY v <-> $1 LIMIT 10', :'q1') > 0
  AS other_operator_reads_toast;
SELECT * FROM exact('<#>', :'q1');
SELECT toast_reads_of(format('SELECT id, v <-> %L FROM t ORDER BY v <-> $1 LIMIT 10', :'q2'),
                      :'q1') > 0 AS other_query_reads_toast;
SELECT * FROM exact('<->', :'q2');

-- other rows, evaluated while the scan is open (a nested loop over it)
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
SELECT b.id, b.v <-> '[1]'::vector
FROM (SELECT id FROM t ORDER BY v <-> '[1]'::vector LIMIT 5) a
JOIN t b ON b.id IN (a.id, a.id % 300 + 1);
SELECT toast_reads_of('SELECT b.id, b.v <-> $1
                       FROM (SELECT id FROM t ORDER BY v <-> $1 LIMIT 5) a
                       JOIN t b ON b.id IN (a.id, a.id % 300 + 1)', :'q1') > 0
  AS other_rows_read_toast;
SELECT * FROM exact('<->', :'q1');
RESET enable_hashjoin;
RESET enable_mergejoin;

-- a row whose vector changed after the build (a new value, a new element)
UPDATE t SET v = (SELECT v FROM qs WHERE id = 1) WHERE id = 17;
SELECT toast_reads_of('SELECT id, v <-> $1 FROM t ORDER BY v <-> $1 LIMIT 10', :'q1') AS updated;
SELECT id, d FROM got WHERE id = 17;
SELECT * FROM exact('<->', :'q1');

RESET enable_seqscan;
RESET hnsw.ef_search;
SET client_min_messages = warning;
DROP SCHEMA hnsw_scandist CASCADE;
