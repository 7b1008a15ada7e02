-- vecext: the hnsw index checker (src/hnsw/hnswcheck.c).  A vecext addition
-- beside the reference surface, in the spirit of amcheck's bt_index_check.

CREATE FUNCTION hnsw_index_check(index regclass, heapallindexed boolean DEFAULT false,
	OUT pages bigint, OUT elements bigint, OUT deleted bigint, OUT links bigint,
	OUT reachable bigint, OUT heap_rows bigint)
	AS 'MODULE_PATHNAME', 'vecext_hnsw_index_check' LANGUAGE C STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION hnsw_index_check(regclass, boolean) IS
	'verify an hnsw index: pages, elements, links, reachability from the entry point, and with heapallindexed that every table row is indexed';
