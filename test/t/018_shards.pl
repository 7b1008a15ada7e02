#-------------------------------------------------------------------------
# test/t/018_shards.pl
#	Sharded kNN over postgres_fdw: three shard clusters and a coordinator
#	on loopback.  The coordinator's table is hash-partitioned on id into
#	three foreign partitions, one per shard, each shard's table with its
#	own hnsw index; the same seeded rows are also in one local table with
#	an hnsw index (the single node).  vecext_sharded_knn must answer
#	like the single node's exact scan, at a recall no lower than the
#	single node's index at the same ef_search; its plan must send ORDER BY
#	and LIMIT inside each remote query and run the shards at once (Async
#	Foreign Scan); its settings must reach the shards (at ef_search 1,
#	without iterative scans, each shard's index scan returns one row);
#	filters and other operators pass through; inserts through the
#	coordinator land on the shard their hash picks and are found; and a
#	shard that is down gives an error that names it.
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;

my $dim = 16;
my $rows = 6000;
my $nq = 20;
my $k = 10;

# The shards.  enable_seqscan is off there so that every shard query is an
# index scan, which is what the ef_search test below counts on.
my @shards;
for my $s (1 .. 3)
{
	my $node = PostgreSQL::Test::Cluster->new("shard$s");
	$node->init;
	$node->append_conf('postgresql.conf', "enable_seqscan = off\nautovacuum = off\n");
	$node->start;
	$node->safe_psql(
		'postgres', qq{
CREATE EXTENSION vecext;
CREATE TABLE items (id int PRIMARY KEY, cat int, v vector($dim));
CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops);
});
	push @shards, $node;
}

my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init;
$coord->append_conf('postgresql.conf', "autovacuum = off\n");
$coord->start;

# The recipe of README's "Scaling out": servers that ship vecext's
# operators and functions and run asynchronously, user mappings, the
# hash-partitioned parent and one foreign partition per shard.
my $setup = "CREATE EXTENSION vecext;\nCREATE EXTENSION postgres_fdw;\n";
for my $s (1 .. 3)
{
	my $node = $shards[ $s - 1 ];
	my ($host, $port) = ($node->host, $node->port);
	$setup .= qq{
CREATE SERVER shard$s FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host '$host', port '$port', dbname 'postgres',
	         extensions 'vecext', async_capable 'true', batch_size '500');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$s;
};
}
$setup .= "CREATE TABLE items (id int, cat int, v vector($dim)) PARTITION BY HASH (id);\n";
for my $s (1 .. 3)
{
	my $r = $s - 1;
	$setup .= qq{CREATE FOREIGN TABLE items_shard$s PARTITION OF items
	FOR VALUES WITH (MODULUS 3, REMAINDER $r) SERVER shard$s OPTIONS (table_name 'items');
};
}
$setup .= qq{
SELECT setseed(0.18);
CREATE TABLE single AS
	SELECT i AS id, i % 10 AS cat,
	       (SELECT array_agg(random()) FROM generate_series(1, $dim) WHERE i > 0)::vector($dim) AS v
	FROM generate_series(1, $rows) i;
CREATE INDEX single_v_idx ON single USING hnsw (v vector_l2_ops);
CREATE TABLE queries AS
	SELECT q, (SELECT array_agg(random()) FROM generate_series(1, $dim) WHERE q > 0)::vector($dim) AS v
	FROM generate_series(1, $nq) q;
INSERT INTO items SELECT * FROM single;
ANALYZE single;
};
$coord->safe_psql('postgres', $setup);

is($coord->safe_psql('postgres', 'SELECT count(*) FROM items'),
	$rows, "all $rows rows are in the sharded table");
my $on_shards = 0;
for my $s (1 .. 3)
{
	my $direct = $shards[ $s - 1 ]->safe_psql('postgres', 'SELECT count(*) FROM items');
	my $via = $coord->safe_psql('postgres',
		"SELECT count(*) FROM items WHERE tableoid = 'items_shard$s'::regclass");
	cmp_ok($direct, '>', $rows / 6, "shard$s holds its share of the rows ($direct)");
	is($via, $direct, "shard$s holds exactly the rows of its partition");
	$on_shards += $direct;
}
is($on_shards, $rows, 'every row is on exactly one shard');

# The single node's exact answers (no index), as tables of (q, id).
$coord->safe_psql(
	'postgres', qq{
SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE TABLE truth_l2 AS SELECT q.q, s.id FROM queries q,
	LATERAL (SELECT id FROM single s ORDER BY s.v <-> q.v LIMIT $k) s;
CREATE TABLE truth_cos AS SELECT q.q, s.id FROM queries q,
	LATERAL (SELECT id FROM single s ORDER BY s.v <=> q.v LIMIT $k) s;
CREATE TABLE truth_cat AS SELECT q.q, s.id FROM queries q,
	LATERAL (SELECT id FROM single s WHERE s.cat = 3 ORDER BY s.v <-> q.v LIMIT $k) s;
});

# Recall@k over all queries of $form (SQL giving ids for query vector q.v)
# against the exact answers in $truth, after the settings in $prefix.
sub recall
{
	my ($form, $truth, $prefix) = @_;
	$prefix //= '';
	return $coord->safe_psql(
		'postgres', qq{$prefix
SELECT round(avg(hits)::numeric, 3) FROM (
	SELECT (SELECT count(*) FROM ($form) a
	        WHERE a.id IN (SELECT t.id FROM $truth t WHERE t.q = q.q))::float8 / $k AS hits
	FROM queries q) r;
});
}

my $sharded = recall(
	"SELECT id FROM vecext_sharded_knn(NULL::items, 'v', q.v, $k, '{\"hnsw.ef_search\": 40}')",
	'truth_l2');
my $single = recall("SELECT s.id FROM single s ORDER BY s.v <-> q.v LIMIT $k",
	'truth_l2', 'SET enable_seqscan = off; SET hnsw.ef_search = 40;');
note("recall\@$k at ef_search 40: sharded $sharded, single node's index $single");
cmp_ok($sharded, '>=', $single,
	"sharded recall $sharded is no lower than the single index's $single");
cmp_ok($sharded, '>=', 0.9, 'sharded recall is at least 0.9');

# Another operator (cosine: no index on the shards, so each one sorts its
# rows exactly), and a filter passed through.
is( recall(
		"SELECT id FROM vecext_sharded_knn(NULL::items, 'v', q.v, $k, NULL, NULL, '<=>')",
		'truth_cos'),
	'1.000', 'operator <=> reaches the shards: the exact cosine answer');
my $filtered = recall(
	"SELECT id FROM vecext_sharded_knn(NULL::items, 'v', q.v, $k, '{\"hnsw.ef_search\": 100, \"hnsw.iterative_scan\": \"relaxed_order\"}', 'cat = 3')",
	'truth_cat');
note("recall\@$k with the filter cat = 3: $filtered");
cmp_ok($filtered, '>=', 0.9, "a filter passes through (recall $filtered)");
is( $coord->safe_psql(
		'postgres', qq{SELECT count(*), count(*) FILTER (WHERE cat = 3) FROM queries q,
		LATERAL vecext_sharded_knn(NULL::items, 'v', q.v, $k,
		    '{"hnsw.iterative_scan": "relaxed_order"}', 'cat = 3')}),
	($nq * $k) . '|' . ($nq * $k),
	"every filtered query returns $k rows, all of them matching");

# The plan: ORDER BY and LIMIT inside every remote query, the shards at once.
my $q1 = $coord->safe_psql('postgres', 'SELECT v FROM queries WHERE q = 1');
my $plan = $coord->safe_psql(
	'postgres', qq{
SET plan_cache_mode = force_generic_plan;
DO \$\$ BEGIN EXECUTE format('PREPARE knn(vector, jsonb) AS %s',
                             vecext_sharded_knn_sql('items', 'v', $k)); END \$\$;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE knn('$q1', NULL);
});
my @async = $plan =~ /Async Foreign Scan on public\.items_shard\d/g;
is(scalar @async, 3, 'the three shards are searched at once (Async Foreign Scan)')
  or diag($plan);
my @remote = $plan =~
  /Remote SQL: SELECT id, cat, v FROM public\.items ORDER BY \(v OPERATOR\(public\.<->\) public\.vecext_with_settings\(\$1::public\.vector, \$2::jsonb\)\) ASC NULLS LAST LIMIT $k\b/g;
is(scalar @remote, 3, 'every remote query has the ORDER BY and the LIMIT') or diag($plan);

# Settings reach the shards: at ef_search 1, without iterative scans, each
# shard's index scan returns a single row; the coordinator's own setting
# is untouched after the statement.
is( $coord->safe_psql(
		'postgres', qq{SELECT count(*) FROM vecext_sharded_knn(NULL::items, 'v',
		    (SELECT v FROM queries WHERE q = 1), $k, '{"hnsw.ef_search": 1}')}),
	'3', 'ef_search 1 reaches every shard: one row from each');
is( $coord->safe_psql(
		'postgres', qq{SELECT count(*) FROM vecext_sharded_knn(NULL::items, 'v',
		    (SELECT v FROM queries WHERE q = 1), $k, '{"hnsw.ef_search": 1}');
		SHOW hnsw.ef_search;}),
	"3\n40", 'the settings last only to the end of the transaction');

# An insert through the coordinator lands on the shard its hash picks and
# is found by its own vector.
$coord->safe_psql('postgres',
	"INSERT INTO items SELECT 100001, 7, v FROM queries WHERE q = 2");
my $part = $coord->safe_psql('postgres',
	'SELECT tableoid::regclass FROM items WHERE id = 100001');
my @holders = grep {
	$shards[ $_ - 1 ]->safe_psql('postgres', 'SELECT count(*) FROM items WHERE id = 100001') eq
	  '1'
} 1 .. 3;
is(scalar @holders, 1, 'the inserted row is on exactly one shard');
is($part, 'items_shard' . ($holders[0] // 0), "... the one of its partition ($part)");
is( $coord->safe_psql(
		'postgres', qq{SELECT id FROM vecext_sharded_knn(NULL::items, 'v',
		    (SELECT v FROM queries WHERE q = 2), 1)}),
	'100001', 'the inserted row is found by its own vector');

# A shard that is down: a clear error naming it.
$shards[1]->stop;
my ($rc, $out, $err) = $coord->psql('postgres',
	qq{SELECT count(*) FROM vecext_sharded_knn(NULL::items, 'v', (SELECT v FROM queries WHERE q = 1), $k)});
isnt($rc, 0, 'a query with a shard down fails');
like($err, qr/could not connect to server "shard2"/, '... naming the shard that is down');
$shards[1]->start;
is( $coord->safe_psql(
		'postgres', qq{SELECT count(*) FROM vecext_sharded_knn(NULL::items, 'v',
		    (SELECT v FROM queries WHERE q = 1), $k)}),
	$k, 'with the shard back, queries answer again');

check_hnsw_indexes($_) for @shards;
$_->stop for ($coord, @shards);
done_testing();
