-- The order CREATE INDEX writes the graph in (hnswbuildwrite.c,
-- layout_order): a page at a time, filled with the nodes its nodes link to,
-- each page started from a breadth-first walk of layer 0 from the entry
-- point.  So the entry point is the first element of the first element page
-- and an element's neighbours mostly lie on the pages around it, whatever
-- order the rows came in.  Read from the pages themselves (pageinspect), as
-- hnswpage.h lays them out.

CREATE SCHEMA hnsw_layout;
SET search_path = hnsw_layout, public;
CREATE EXTENSION pageinspect;

-- little-endian integers of a page
CREATE FUNCTION u16(p bytea, o int) RETURNS int LANGUAGE sql IMMUTABLE AS $$
	SELECT get_byte(p, o) + 256 * get_byte(p, o + 1)
$$;
CREATE FUNCTION u32(p bytea, o int) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT u16(p, o) + 65536::bigint * u16(p, o + 2)
$$;
-- a block number as ItemPointerData keeps it (bi_hi, bi_lo)
CREATE FUNCTION blk(p bytea, o int) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT 65536::bigint * u16(p, o) + u16(p, o + 2)
$$;

-- The entry point (metapage: header 24 bytes, then magic, version, dims,
-- four uint16, the entry TID).
CREATE FUNCTION entry_tid(idx regclass) RETURNS text LANGUAGE sql AS $$
	SELECT format('(%s,%s)', blk(p, 44), u16(p, 48)) FROM get_raw_page(idx::text, 0) p
$$;

-- Every layer-0 link of every element tuple: the block it is on and the
-- block the link points at.  A line pointer is lp_off:15, lp_flags:2,
-- lp_len:15; an element tuple (type 0x45) has a 20-byte header, then
-- uint16 counts[level + 1] padded to 4 bytes, then its links (6 bytes each).
CREATE FUNCTION links0(idx regclass) RETURNS TABLE (from_blk bigint, to_blk bigint)
LANGUAGE sql AS $$
	WITH pages AS (
		SELECT b, get_raw_page(idx::text, b::int) AS p
		  FROM generate_series(1, pg_relation_size(idx) / 8192 - 1) b),
	items AS (
		SELECT b, p, (u32(p, 24 + 4 * (i - 1)) & 32767)::int AS off
		  FROM pages, generate_series(1, (u16(p, 12) - 24) / 4) i
		 WHERE (u32(p, 24 + 4 * (i - 1)) >> 15) & 3 = 1),
	elements AS (
		SELECT b, p, off, off + 20 + 4 * ((2 * (get_byte(p, off + 1) + 1) + 3) / 4) AS links,
			   u16(p, off + 20) AS n
		  FROM items WHERE get_byte(p, off) = 69)
	SELECT b, blk(p, links + 6 * j) FROM elements, generate_series(0, n - 1) j
$$;

-- The share of layer-0 links to the element's own page or the next or
-- previous one, in percent.
CREATE FUNCTION near_share(idx regclass) RETURNS numeric LANGUAGE sql AS $$
	SELECT 100.0 * count(*) FILTER (WHERE abs(from_blk - to_blk) <= 1) / count(*)
	  FROM links0(idx)
$$;

-- 4000 random points of 16 dimensions (28 elements a page, 145 pages).
-- Random points are the hard case: their neighbours' neighbours spread
-- out fast.  Written in row order, 2.9% of the links are near; in the
-- order of a plain breadth-first walk, 5.9%; as laid out, 14.7%.
SELECT setseed(0.5);
CREATE TABLE t (id int, v vector(16)) WITH (autovacuum_enabled = off);
INSERT INTO t
SELECT i, (SELECT array_agg(random())::real[] FROM generate_series(1, 16) WHERE i > 0)::vector
  FROM generate_series(1, 4000) i;

SET max_parallel_maintenance_workers = 0;
CREATE INDEX t_idx ON t USING hnsw (v);
SELECT entry_tid('t_idx') AS entry;
SELECT count(*) AS links, count(DISTINCT from_blk) AS pages FROM links0('t_idx');
SELECT near_share('t_idx') >= 10 AS links_near;
SELECT elements, reachable FROM hnsw_index_check('t_idx', true);

-- the same from a parallel build
ALTER TABLE t SET (parallel_workers = 2);
SET max_parallel_maintenance_workers = 2;
REINDEX INDEX t_idx;
SELECT entry_tid('t_idx') AS entry;
SELECT near_share('t_idx') >= 10 AS links_near;
SELECT elements, reachable FROM hnsw_index_check('t_idx', true);
RESET max_parallel_maintenance_workers;

-- a row inserted later goes where there is room, and is found
INSERT INTO t VALUES (4001, array_fill(0.5, ARRAY[16])::real[]::vector);
SET enable_seqscan = off;
SELECT id FROM t ORDER BY v <-> array_fill(0.5, ARRAY[16])::real[]::vector LIMIT 1;
SELECT elements, reachable FROM hnsw_index_check('t_idx', true);

DROP EXTENSION pageinspect;
RESET search_path;
DROP SCHEMA hnsw_layout CASCADE;
