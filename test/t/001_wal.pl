#-------------------------------------------------------------------------
# test/t/001_wal.pl
#	hnsw WAL: a streaming standby replays every index change (checked page
#	by page with wal_consistency_checking) and answers kNN exactly as the
#	primary does; an unlogged table's index survives a crash via its init fork.
#
# Every change to an hnsw page goes through GenericXLog.  With
# wal_consistency_checking = 'generic' the primary attaches a full image of
# each touched page to each generic record and the standby compares its
# replayed page with it: any mismatch is a FATAL in the startup process,
# which stops the standby.  So after each round of insert / delete / VACUUM
# on the primary we make sure the standby is still alive, has replayed
# everything and gives the same kNN answers through the same index.
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;
use Time::HiRes qw(usleep);

my $dim = 32;
my $nqueries = 6;

srand(42);

# A random vector literal of $dim components in [-1, 1).
sub random_vector
{
	return '['
	  . join(',', map { sprintf('%.6f', 2 * rand() - 1) } 1 .. $dim) . ']';
}

my @queries = map { random_vector() } 1 .. $nqueries;

# SQL for $n random rows of dimension $dim, ids from $first on.
sub insert_sql
{
	my ($table, $first, $n) = @_;
	my $last = $first + $n - 1;
	return qq{INSERT INTO $table (id, v)
		SELECT i, (SELECT array_agg(2 * random() - 1 ORDER BY d)
		           FROM generate_series(1, $dim) d WHERE i > 0)::vector($dim)
		FROM generate_series($first, $last) i;};
}

#-------------------------------------------------------------------------
# Primary and standby, both checking generic WAL records page by page
#-------------------------------------------------------------------------
my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf(
	'postgresql.conf', qq{
wal_consistency_checking = 'generic'
# page images make a lot of WAL: keep it until a slow standby has it
wal_keep_size = '1GB'
shared_buffers = 16MB
max_connections = 20
autovacuum = off
log_statement = none
log_min_messages = warning
});
$primary->start;

my $standby = start_standby($primary, 'standby');

# kNN answers (ids, nearest first) and the plan, through the index.
sub knn
{
	my ($node, $table, $op, $q, $k) = @_;
	return $node->safe_psql('postgres',
		qq{SET enable_seqscan = off;
		   SELECT id FROM $table ORDER BY v $op '$q' LIMIT $k;});
}

sub knn_plan
{
	my ($node, $table, $op, $q) = @_;
	return $node->safe_psql('postgres',
		qq{SET enable_seqscan = off;
		   EXPLAIN (COSTS OFF) SELECT id FROM $table ORDER BY v $op '$q' LIMIT 10;});
}

# The standby must give exactly the primary's answers.
sub compare_knn
{
	my ($what) = @_;
	for my $spec (['t', '<->', 't_v_idx'], ['t2', '<=>', 't2_v_idx'])
	{
		my ($table, $op, $index) = @$spec;
		like(knn_plan($standby, $table, $op, $queries[0]),
			qr/Index Scan using $index on $table/,
			"$what: standby answers $table kNN with the hnsw index");
		my $same = 1;
		for my $i (0 .. $#queries)
		{
			my $p = knn($primary, $table, $op, $queries[$i], 10);
			my $s = knn($standby, $table, $op, $queries[$i], 10);
			my @rows = split /\n/, $p;
			if (@rows != 10 || $p ne $s)
			{
				$same = 0;
				diag("$what, $table, query $i: primary [$p] standby [$s]");
			}
		}
		ok($same,
			"$what: standby's $table top-10 equals the primary's for all $nqueries queries");
	}
}

#-------------------------------------------------------------------------
# Build on the primary (the standby replays the build), then rounds of
# insert / delete / VACUUM.  t: l2 index built over existing rows;
# t2: cosine index with a small m created empty and filled by inserts.
#-------------------------------------------------------------------------
$primary->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.42);
CREATE TABLE t (id int PRIMARY KEY, v vector($dim));
@{[ insert_sql('t', 1, 3000) ]}
CREATE INDEX t_v_idx ON t USING hnsw (v vector_l2_ops);
CREATE TABLE t2 (id int PRIMARY KEY, v vector($dim));
CREATE TABLE gone (tab text, id int);
CREATE INDEX t2_v_idx ON t2 USING hnsw (v vector_cosine_ops)
	WITH (m = 4, ef_construction = 10);
@{[ insert_sql('t2', 1, 300) ]}
});

catch_up($primary, $standby, 'the index builds');
compare_knn('after build');

my $next_t = 3001;
my $next_t2 = 301;
for my $round (1 .. 4)
{
	$primary->safe_psql(
		'postgres', qq{
SELECT setseed(0.$round);
@{[ insert_sql('t', $next_t, 400) ]}
@{[ insert_sql('t2', $next_t2, 300) ]}
WITH d AS (DELETE FROM t WHERE id % 10 = $round RETURNING id)
	INSERT INTO gone SELECT 't', id FROM d;
WITH d AS (DELETE FROM t2 WHERE id % 7 = $round RETURNING id)
	INSERT INTO gone SELECT 't2', id FROM d;
VACUUM t;
VACUUM t2;
});
	$next_t += 400;
	$next_t2 += 300;

	catch_up($primary, $standby, "round $round (insert, delete, VACUUM)");
	compare_knn("round $round");
}

# Deep answers on the standby (heap slots freed by VACUUM have been reused
# by later inserts): no deleted row, no row twice, nearest first.  An index
# entry left pointing at a reused slot would show up as a duplicate or as
# a row out of distance order.
for my $spec (['t', '<->'], ['t2', '<=>'])
{
	my ($table, $op) = @$spec;
	my @rows = split /\n/,
	  $standby->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = 200;
SELECT id, v $op '$queries[2]' FROM $table ORDER BY v $op '$queries[2]' LIMIT 200;
});
	my (%seen, $dups, $disorder);
	my $prev = -1e308;
	for my $row (@rows)
	{
		my ($id, $dist) = split /\|/, $row;
		$dups++ if $seen{$id}++;
		$disorder++ if $dist < $prev;
		$prev = $dist;
	}
	is(scalar(@rows), 200, "standby: $table top-200 has 200 rows");
	ok(!$dups && !$disorder,
		"standby: $table top-200 has no duplicate and is in distance order");
	my $ids = join(',', map { (split /\|/)[0] } @rows) || 'NULL';
	is( $standby->safe_psql('postgres',
			"SELECT count(*) FROM gone WHERE tab = '$table' AND id IN ($ids)"),
		'0',
		"standby: no deleted $table row in the index's answers");
}

#-------------------------------------------------------------------------
# Unlogged table: after a crash the table is reset from its init fork, and
# the index (reset from its own init fork, written by ambuildempty) is an
# empty, working index.
#-------------------------------------------------------------------------
# Run the unlogged checks so that an error in them (safe_psql dies) fails
# this part only: the standby checks after it still run.
my $unlogged_ok = eval {
	$primary->safe_psql(
		'postgres', qq{
SELECT setseed(0.9);
CREATE UNLOGGED TABLE u (id int, v vector($dim));
@{[ insert_sql('u', 1, 500) ]}
CREATE INDEX u_v_idx ON u USING hnsw (v vector_l2_ops);
CREATE UNLOGGED TABLE u_empty (id int, v vector($dim));
CREATE INDEX u_empty_v_idx ON u_empty USING hnsw (v vector_ip_ops);
});
	is(
		$primary->safe_psql('postgres',
			qq{SET enable_seqscan = off;
			   SELECT count(*) FROM (SELECT id FROM u ORDER BY v <-> '$queries[0]' LIMIT 10) s;}),
		'10',
		'unlogged table answers kNN before the crash');

	$primary->stop('immediate');
	$primary->start;

	is($primary->safe_psql('postgres', 'SELECT count(*) FROM u'),
		'0', 'unlogged table is empty after crash recovery');
	like(knn_plan($primary, 'u', '<->', $queries[0]),
		qr/Index Scan using u_v_idx on u/,
		'kNN on the reset unlogged table uses the hnsw index');
	is(knn($primary, 'u', '<->', $queries[0], 10),
		'', 'reset unlogged index returns no rows');

	$primary->safe_psql(
		'postgres', qq{
SELECT setseed(0.8);
@{[ insert_sql('u', 1, 300) ]}
@{[ insert_sql('u_empty', 1, 300) ]}
});
	for my $spec (['u', '<->'], ['u_empty', '<#>'])
	{
		my ($table, $op) = @$spec;
		my $index_ids = knn($primary, $table, $op, $queries[1], 10);
		my $exact_ids = $primary->safe_psql('postgres',
			qq{SET enable_indexscan = off; SET enable_bitmapscan = off;
			   SELECT id FROM $table ORDER BY v $op '$queries[1]' LIMIT 10;});
		my %exact = map { $_ => 1 } split /\n/, $exact_ids;
		my @got = split /\n/, $index_ids;
		my $hits = grep { $exact{$_} } @got;
		is(scalar(@got), 10,
			"unlogged $table: index returns 10 rows after new inserts");
		cmp_ok($hits, '>=', 9,
			"unlogged $table: index top-10 matches the exact top-10 (recall >= 0.9)");
	}
	# Every sampled new row can be found by its own vector (l2: the row itself
	# is its own nearest neighbour).
	is( $primary->safe_psql(
			'postgres', qq{
SET enable_seqscan = off;
SELECT count(*) FROM u a
LEFT JOIN LATERAL (SELECT b.id FROM u b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS DISTINCT FROM a.id AND a.id % 10 = 0;
}),
		'0',
		'unlogged u: sampled rows are found by their own vector after the crash');
	is($primary->safe_psql('postgres', 'SELECT count(*) FROM u_empty'),
		'300', 'unlogged table created empty takes inserts after the crash');

	1;
};
ok($unlogged_ok, 'unlogged table checks ran without an SQL error')
  or diag("unlogged table checks died: $@");
# The standby follows the restarted primary: one more logged round.
$primary->safe_psql(
	'postgres', qq{
SELECT setseed(0.7);
@{[ insert_sql('t', $next_t, 300) ]}
@{[ insert_sql('t2', $next_t2, 200) ]}
DELETE FROM t WHERE id % 10 = 5;
VACUUM t;
});
catch_up($primary, $standby, 'the round after the primary\'s crash recovery');
compare_knn('after the primary\'s crash recovery');

is(standby_failure($standby), undef, 'standby log shows no replay failure');

$standby->stop;
$primary->stop;

done_testing();
