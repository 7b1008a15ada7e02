#-------------------------------------------------------------------------
# test/t/005_recall.pl
#	hnsw recall: on a seeded, clustered 20000 x 128 data set, an index
#	built with the default m and ef_construction answers 100 held-out
#	queries at the default hnsw.ef_search with recall@10 >= 0.95 against
#	the exact answer, for each of L2, inner product, cosine and L1.  The
#	planner uses an index only for the operator its opclass serves.
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;
use Time::HiRes qw(time);

my $dim = 128;
my $rows = 20000;
my $clusters = 100;
my $nqueries = 100;
my $k = 10;
my $min_recall = 0.95;

my $node = PostgreSQL::Test::Cluster->new('recall');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 128MB
autovacuum = off
log_statement = none
log_min_messages = warning
});
$node->start;

# Points: a centre drawn uniformly from [-1, 1)^$dim plus Gaussian noise
# (sigma 0.1 per component, Box-Muller); the queries are drawn the same
# way after the rows, so none of them is in the table.
sub gaussian_points_sql
{
	my ($table, $n) = @_;
	return qq{INSERT INTO $table (id, v)
SELECT i, (SELECT array_agg(c.ctr[d] + 0.1 * sqrt(-2 * ln(1 - random()))
                                     * cos(2 * pi() * random()) ORDER BY d)
           FROM generate_series(1, $dim) d)::vector($dim)
FROM generate_series(1, $n) i
JOIN centres c ON c.cid = 1 + (i * 7919) % $clusters
ORDER BY i;};
}

my $t0 = time();
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.42);
CREATE TABLE centres AS
	SELECT cid, (SELECT array_agg(2 * random() - 1 ORDER BY d)
	             FROM generate_series(1, $dim) d WHERE cid > 0) AS ctr
	FROM generate_series(1, $clusters) cid;
CREATE TABLE items (id int PRIMARY KEY, v vector($dim));
@{[ gaussian_points_sql('items', $rows) ]}
CREATE TABLE queries (id int PRIMARY KEY, v vector($dim));
@{[ gaussian_points_sql('queries', $nqueries) ]}
VACUUM ANALYZE items;
});
note sprintf('data generated in %.1f s', time() - $t0);
is($node->safe_psql('postgres', 'SELECT count(*) FROM items'),
	$rows, "$rows rows loaded");
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM queries q JOIN items i ON i.v = q.v'),
	'0', 'no query vector is in the table');

my $some_query = $node->safe_psql('postgres', 'SELECT v FROM queries WHERE id = 1');

# For every query, the ids of its answer in order, through the index (the
# default hnsw.ef_search) or by an exact scan.
sub answers
{
	my ($op, $exact) = @_;
	return knn_answers($node, $exact, undef,
		"SELECT i.id FROM items i ORDER BY i.v $op q.v LIMIT $k", 'queries');
}

sub plan_of
{
	my ($op, $settings) = @_;
	return $node->safe_psql('postgres',
		qq{$settings EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v $op '$some_query' LIMIT $k;});
}

my @metrics = (
	[ 'l2',     'vector_l2_ops',     '<->' ],
	[ 'ip',     'vector_ip_ops',     '<#>' ],
	[ 'cosine', 'vector_cosine_ops', '<=>' ],
	[ 'l1',     'vector_l1_ops',     '<+>' ],);

for my $metric (@metrics)
{
	my ($name, $opclass, $op) = @$metric;
	my $index = "items_${name}_idx";

	$t0 = time();
	$node->safe_psql('postgres',
		"CREATE INDEX $index ON items USING hnsw (v $opclass);");
	note sprintf('%s: index built in %.1f s', $name, time() - $t0);

	like(plan_of($op, ''), qr/Index Scan using $index on items/,
		"$name: EXPLAIN of ORDER BY v $op q LIMIT $k shows the hnsw index scan");

	if ($name eq 'l2')
	{
		# Only the l2 index exists yet: the other operators cannot use it,
		# not even when sequential scans are discouraged.
		for my $other (grep { $_->[2] ne $op } @metrics)
		{
			my $other_op = $other->[2];
			unlike(plan_of($other_op, 'SET enable_seqscan = off;'), qr/$index/,
				"l2 index is not used for ORDER BY v $other_op q");
		}
	}

	like(
		$node->safe_psql('postgres', qq{SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT q.id, ARRAY(
	SELECT i.id FROM items i ORDER BY i.v $op q.v LIMIT $k) FROM queries q;}),
		qr/Index Scan using $index on items i/,
		"$name: the per-query kNN subquery used for recall goes through the index");

	$t0 = time();
	my $approx = answers($op, 0);
	my $t_index = time() - $t0;
	$t0 = time();
	my $exact = answers($op, 1);
	my $t_exact = time() - $t0;

	is(scalar(grep { @{ $approx->{$_} } == $k } keys %$approx),
		$nqueries, "$name: every query gets $k rows from the index");

	my ($hits, $total) = (0, 0);
	for my $qid (keys %$exact)
	{
		my %want = map { $_ => 1 } @{ $exact->{$qid} };
		$hits += grep { $want{$_} } @{ $approx->{$qid} };
		$total += @{ $exact->{$qid} };
	}
	my $recall = $total ? $hits / $total : 0;
	note sprintf('%s: recall@%d = %.4f (%d queries: index %.2f s, exact %.2f s)',
		$name, $k, $recall, $nqueries, $t_index, $t_exact);
	cmp_ok($recall, '>=', $min_recall,
		"$name: recall\@$k at the default ef_search is >= $min_recall");
}

unlike(slurp_file($node->logfile), qr/PANIC|TRAP:|ERROR/, 'no error in the server log');

# every index the test built passes the checker, reachability included
cmp_ok(check_hnsw_indexes($node), '>', 0, 'the hnsw indexes were checked');

$node->stop;

done_testing();
