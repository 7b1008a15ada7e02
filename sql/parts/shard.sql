-- vecext: sharded kNN (src/shard/shard.c; README "Scaling out").  vecext
-- additions beside the reference surface.

CREATE FUNCTION vecext_with_settings(query anyelement, settings jsonb) RETURNS anyelement
	AS 'MODULE_PATHNAME', 'vecext_with_settings' LANGUAGE C IMMUTABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION vecext_with_settings(anyelement, jsonb) IS
	'set vecext''s settings (hnsw.*, ivfflat.*) given as a JSON object until the end of the transaction, and return query: postgres_fdw sends it to the shards inside ORDER BY';

-- The query vecext_sharded_knn runs: one branch per leaf partition of rel
-- (the table itself if it has none), each ORDER BY column operator
-- vecext_with_settings($1, $2) LIMIT k, which postgres_fdw sends whole to a
-- foreign partition's server, under one UNION ALL, then the k nearest of
-- them all.  The OFFSET 0 keeps the UNION ALL an Append, whose foreign
-- branches run at once on servers with async_capable: a merge of the
-- branches' sorted outputs (MergeAppend) would run them one after another.
-- Each branch returns exactly what its scan does (the columns and the
-- ORDER BY distance, which the coordinator computes again from the rows, as
-- postgres_fdw sends no select-list expressions), so no projection sits
-- between the Append and a foreign scan, which would keep it from running
-- asynchronously.  $1 is the query vector, $2 the settings (jsonb, or NULL).
CREATE FUNCTION vecext_sharded_knn_sql(rel regclass, column_name name, k integer,
	filter text DEFAULT NULL, operator text DEFAULT '<->') RETURNS text
	LANGUAGE plpgsql STABLE AS $$
DECLARE
	nsp name;
	cols text;
	pcols text;
	branches text;
BEGIN
	IF rel IS NULL OR column_name IS NULL OR k IS NULL OR operator IS NULL THEN
		RAISE EXCEPTION 'rel, column_name, k and operator must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF k < 1 THEN
		RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF operator NOT IN ('<->', '<#>', '<=>', '<+>', '<~>', '<%>') THEN
		RAISE EXCEPTION 'operator must be a vecext distance operator, not "%"', operator
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'One of <->, <#>, <=>, <+>, <~>, <%>.';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = rel
				   AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped) THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist', column_name, rel
			USING ERRCODE = 'undefined_column';
	END IF;

	SELECT n.nspname INTO nsp FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'vecext';
	SELECT string_agg('u.' || quote_ident(a.attname), ', ' ORDER BY a.attnum),
		   string_agg('p.' || quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols, pcols
	FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped;

	SELECT string_agg(format(
		'(SELECT %s, p.%I %s %I.vecext_with_settings($1, $2) AS vecext_distance FROM ONLY %s p%s ORDER BY vecext_distance LIMIT %s)',
		pcols, column_name, operator, nsp, leaf::regclass,
		CASE WHEN filter IS NULL THEN '' ELSE ' WHERE (' || filter || ')' END, k),
		E'\nUNION ALL\n' ORDER BY leaf::regclass::text) INTO branches
	FROM (SELECT t.relid AS leaf FROM pg_partition_tree(rel) t WHERE t.isleaf
		  UNION ALL
		  SELECT rel WHERE NOT EXISTS (SELECT FROM pg_partition_tree(rel))) l;

	IF branches IS NULL THEN
		RETURN format('SELECT %s FROM (SELECT * FROM ONLY %s LIMIT 0) u', cols, rel);
	END IF;
	RETURN format(E'SELECT %s FROM (SELECT * FROM (\n%s\n) b OFFSET 0) u ORDER BY u.vecext_distance LIMIT %s',
				  cols, branches, k);
END
$$;

COMMENT ON FUNCTION vecext_sharded_knn_sql(regclass, name, integer, text, text) IS
	'the query vecext_sharded_knn runs on rel: $1 the query vector, $2 the settings';

CREATE FUNCTION vecext_sharded_knn(rel anyelement, column_name name, query anycompatible,
	k integer, settings jsonb DEFAULT NULL, filter text DEFAULT NULL, operator text DEFAULT '<->')
	RETURNS SETOF anyelement
	AS 'MODULE_PATHNAME', 'vecext_sharded_knn' LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION vecext_sharded_knn(anyelement, name, anycompatible, integer, jsonb, text, text) IS
	'the k rows of a table nearest query, nearest first, every partition (foreign ones on their servers at once) searched with the given settings; rel is NULL::tablename';
