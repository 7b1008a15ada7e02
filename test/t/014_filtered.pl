#-------------------------------------------------------------------------
# test/t/014_filtered.pl
#	Filtered kNN with iterative scans (README, "Filtered search"): the
#	scan resumes its layer-0 search where it stopped each time the
#	executor wants more rows, so a selective filter still gets the rows
#	it asks for, up to hnsw.max_scan_tuples visits; counts and recall are
#	measured here against an exact scan (the index disabled).
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;

my $node = PostgreSQL::Test::Cluster->new('filtered');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 256MB
autovacuum = off
jit = off
max_parallel_maintenance_workers = 0
log_min_messages = warning
});
$node->start;

# Query vectors: drawn here from a fixed seed, none of them in a table.
srand(20261201);
sub rand_vec
{
	my ($dim) = @_;
	return '[' . join(',', map { sprintf('%.4f', rand()) } 1 .. $dim) . ']';
}
my @queries = map { rand_vec(3) } 1 .. 20;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION vecext;
SELECT setseed(0.5);
CREATE TABLE big (i int, v vector(3));
INSERT INTO big SELECT i, array[random(), random(), random()]::vector
  FROM generate_series(0, 99999) i;
CREATE INDEX big_v ON big USING hnsw (v vector_l2_ops);
ANALYZE big;
});

# the rows a filtered kNN query returns, with the settings given
sub rows_of
{
	my ($settings, $sql) = @_;
	my $out = $node->safe_psql('postgres', "$settings\n$sql");
	return [ grep { $_ ne '' } split /\n/, $out ];
}

my $iter = q{SET enable_seqscan = off; SET enable_bitmapscan = off;
SET hnsw.iterative_scan = relaxed_order; SET hnsw.scan_mem_multiplier = 2;};

# The plan is the index scan (the counts below are the index's).
like(
	$node->safe_psql('postgres', "$iter SET hnsw.max_scan_tuples = 100000;
EXPLAIN (COSTS OFF) SELECT i FROM big WHERE i % 10000 = 0
 ORDER BY v <-> '$queries[0]' LIMIT 11"),
	qr/Index Scan using big_v/, 'the filtered queries use the hnsw index');

# 10 rows of 100000 pass i % 10000 = 0: a scan allowed 100000 visits
# finds all of them, from every query point.
my $all10 = 1;
for my $q (@queries[0 .. 4])
{
	my $got = rows_of("$iter SET hnsw.max_scan_tuples = 100000;",
		"SELECT i FROM big WHERE i % 10000 = 0 ORDER BY v <-> '$q' LIMIT 11");
	$all10 = 0 if @$got != 10;
	note("query $q: " . scalar(@$got) . " rows");
}
ok($all10, 'max_scan_tuples 100000, 0.01% filter, LIMIT 11: all 10 matching rows, 5 queries');

# With fewer visits allowed it finds about visits x selectivity of them.
for my $max (30000, 50000, 70000)
{
	my $sum = 0;
	for my $q (@queries)
	{
		my $got = rows_of("$iter SET hnsw.max_scan_tuples = $max;",
			"SELECT i FROM big WHERE i % 10000 = 0 ORDER BY v <-> '$q' LIMIT 11");
		$sum += @$got;
	}
	my $avg = $sum / @queries;
	my $expect = $max * 10 / 100000;
	cmp_ok(abs($avg - $expect), '<=', 1.5,
		"max_scan_tuples $max: $avg rows on average, about $expect (visits x selectivity)");
}

# Every row, without a filter or LIMIT, when the bounds allow it.
is( $node->safe_psql(
		'postgres', "$iter SET hnsw.max_scan_tuples = 100000; SET work_mem = '64MB';
SELECT count(*), count(DISTINCT i) FROM (SELECT i FROM big ORDER BY v <-> '$queries[1]') s"),
	'100000|100000',
	'no filter, no LIMIT: an iterative scan returns each of the 100000 rows once');

# recall of a 0.2% filter at the default bounds, both orders
$node->safe_psql(
	'postgres', q{
SELECT setseed(0.7);
CREATE TABLE mid (i int, v vector(3));
INSERT INTO mid SELECT i, array[random(), random(), random()]::vector
  FROM generate_series(0, 49999) i;
CREATE INDEX mid_v ON mid USING hnsw (v vector_l2_ops);
ANALYZE mid;
});
for my $order ('strict_order', 'relaxed_order')
{
	my ($hits, $total, $ordered) = (0, 0, 1);
	for my $q (@queries)
	{
		my $sql = "SELECT i, v <-> '$q' FROM mid WHERE i % 500 = 0 ORDER BY v <-> '$q' LIMIT 20";
		my $got = rows_of("SET enable_seqscan = off; SET hnsw.iterative_scan = $order;", $sql);
		my $exact = rows_of("SET enable_indexscan = off;", $sql);
		my %want = map { (split /\|/)[0] => 1 } @$exact;
		my $prev = -1;
		for my $row (@$got)
		{
			my ($id, $d) = split /\|/, $row;
			$hits++ if $want{$id};
			$ordered = 0 if $d < $prev;
			$prev = $d;
		}
		$total += @$exact;
	}
	my $recall = $hits / $total;
	cmp_ok($recall, '>=', 0.99,
		sprintf('%s, 0.2%% filter, LIMIT 20, default bounds: recall %.3f', $order, $recall));
	ok($ordered, "$order: rows come in distance order") if $order eq 'strict_order';
}

# three rows, ef_search 1, no LIMIT: all three, nearest first
$node->safe_psql(
	'postgres', q{
CREATE TABLE three (v vector(3));
INSERT INTO three VALUES ('[1,1,1]'), ('[2,2,2]'), ('[3,3,3]');
CREATE INDEX ON three USING hnsw (v);
});
for my $order ('strict_order', 'relaxed_order')
{
	is( $node->safe_psql(
			'postgres', "SET enable_seqscan = off; SET hnsw.ef_search = 1;
SET hnsw.iterative_scan = $order;
SELECT string_agg(v::text, ' ') FROM (SELECT v FROM three ORDER BY v <-> '[2.1,2,2]') s"),
		'[2,2,2] [3,3,3] [1,1,1]',
		"$order, ef_search 1, no LIMIT: the 3 rows, nearest first");
}

check_hnsw_indexes($node);
$node->stop;
done_testing();
