#-------------------------------------------------------------------------
# test/t/004_vacuum.pl
#	hnsw VACUUM: after half the rows are deleted and vacuumed, no deleted
#	row comes back, the repaired graph keeps recall, and new rows reuse the
#	freed space (and the freed heap slots) without stale index entries.
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;

my $dim = 16;
my $rows = 5000;
my $clusters = 50;
my $nqueries = 50;

my $node = PostgreSQL::Test::Cluster->new('vacuum');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 32MB
autovacuum = off
log_statement = none
log_min_messages = warning
});
$node->start;

# Seeded, clustered data: $clusters Gaussian clusters (sigma 0.1) around
# centres drawn uniformly from [-1, 1)^$dim.
sub gaussian_points_sql
{
	my ($table, $first, $n) = @_;
	my $last = $first + $n - 1;
	return qq{INSERT INTO $table (id, v)
SELECT i, (SELECT array_agg(c.ctr[d] + 0.1 * sqrt(-2 * ln(1 - random()))
                                     * cos(2 * pi() * random()) ORDER BY d)
           FROM generate_series(1, $dim) d)::vector($dim)
FROM generate_series($first, $last) i
JOIN centres c ON c.cid = 1 + i % $clusters
ORDER BY i;};
}

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.42);
CREATE TABLE centres AS
	SELECT cid, (SELECT array_agg(2 * random() - 1 ORDER BY d)
	             FROM generate_series(1, $dim) d WHERE cid > 0) AS ctr
	FROM generate_series(1, $clusters) cid;
CREATE TABLE items (id int PRIMARY KEY, v vector($dim));
@{[ gaussian_points_sql('items', 1, $rows) ]}
CREATE TABLE queries (id int PRIMARY KEY, v vector($dim));
@{[ gaussian_points_sql('queries', 1, $nqueries) ]}
CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops);
});

# For every query: the ids in answer order, through the index or exactly.
sub answers
{
	my ($mode, $k, $ef) = @_;
	return knn_answers($node, $mode ne 'index', $ef,
		"SELECT i.id FROM items i ORDER BY i.v <-> q.v LIMIT $k", 'queries');
}

sub recall
{
	my ($got, $exact) = @_;
	my ($hits, $total) = (0, 0);
	for my $qid (keys %$exact)
	{
		my %want = map { $_ => 1 } @{ $exact->{$qid} };
		$hits += grep { $want{$_} } @{ $got->{$qid} };
		$total += @{ $exact->{$qid} };
	}
	return $total ? $hits / $total : 0;
}

# Distances of each query's answer, in answer order, must not decrease, and
# no row may come twice: a stale index entry pointing at a heap slot that a
# new row took over would break one or the other.
sub well_formed
{
	my ($k, $ef) = @_;
	my $bad = 0;
	for my $line (
		split /\n/,
		$node->safe_psql(
			'postgres', qq{SET enable_seqscan = off; SET hnsw.ef_search = $ef;
SELECT q.id, array_to_string(ARRAY(
	SELECT i.id || ':' || (i.v <-> q.v) FROM items i ORDER BY i.v <-> q.v LIMIT $k), ',')
FROM queries q ORDER BY q.id;}))
	{
		my ($qid, $list) = split /\|/, $line;
		my (%seen, $prev);
		my @pairs = split /,/, ($list // '');
		$bad++, next if @pairs != $k;
		for my $pair (@pairs)
		{
			my ($id, $dist) = split /:/, $pair;
			$bad++ if $seen{$id}++ || (defined $prev && $dist < $prev);
			$prev = $dist;
		}
	}
	return $bad;
}

like(
	$node->safe_psql('postgres', q{SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT q.id, ARRAY(
	SELECT i.id FROM items i ORDER BY i.v <-> q.v LIMIT 10) FROM queries q;}),
	qr/Index Scan using items_v_idx on items i/,
	'the per-query kNN subquery uses the hnsw index');

my $before = recall(answers('index', 10, 40), answers('exact', 10));
note sprintf('recall@10 before deleting: %.3f', $before);

#-------------------------------------------------------------------------
# Delete half the rows, VACUUM
#-------------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE TABLE freed AS SELECT ctid::text AS tid FROM items WHERE id % 2 = 0;
DELETE FROM items WHERE id % 2 = 0;
VACUUM items;
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM items'),
	$rows / 2, 'half the rows are left');

my $after_vacuum = answers('index', 10, 40);
my $deep = answers('index', 100, 200);
my @deleted_seen = grep { $_ % 2 == 0 } map { @$_ } values(%$after_vacuum),
  values(%$deep);
is(scalar(@deleted_seen), 0, 'no deleted row in the index answers after VACUUM')
  or diag("deleted ids returned: @deleted_seen[0 .. ($#deleted_seen > 9 ? 9 : $#deleted_seen)]");
is(scalar(grep { @$_ == 10 } values %$after_vacuum),
	$nqueries, 'every query still gets 10 rows after VACUUM');

my $recall = recall($after_vacuum, answers('exact', 10));
note sprintf('recall@10 after deleting half and VACUUM: %.3f', $recall);
cmp_ok($recall, '>=', 0.9, 'recall@10 after deleting half and VACUUM is >= 0.9');
is(well_formed(10, 40), 0, 'answers after VACUUM: no duplicate, nearest first');

my $size_after_vacuum =
  $node->safe_psql('postgres', q{SELECT pg_relation_size('items_v_idx')});

#-------------------------------------------------------------------------
# Insert as many rows as were deleted: they reuse the index's freed space
# and the heap slots VACUUM freed.
#-------------------------------------------------------------------------
$node->safe_psql(
	'postgres', qq{
SELECT setseed(0.24);
@{[ gaussian_points_sql('items', $rows + 1, $rows / 2) ]}
});
my $size_after_insert =
  $node->safe_psql('postgres', q{SELECT pg_relation_size('items_v_idx')});
my $growth = $size_after_insert / $size_after_vacuum - 1;
note sprintf('index size: %d bytes after VACUUM, %d after re-inserting (%+.1f%%)',
	$size_after_vacuum, $size_after_insert, 100 * $growth);
cmp_ok($growth, '<', 0.2,
	're-inserting the deleted count grows the index by less than 20% (space reused)');

cmp_ok(
	$node->safe_psql('postgres',
		"SELECT count(*) FROM items WHERE id > $rows AND ctid::text IN (SELECT tid FROM freed)"),
	'>', 0,
	'new rows took over heap slots freed by VACUUM (the stale-entry hazard is real)');

my $reinserted = answers('index', 10, 40);
@deleted_seen = grep { $_ % 2 == 0 && $_ <= $rows } map { @$_ } values %$reinserted;
is(scalar(@deleted_seen), 0, 'no deleted row in the index answers after new inserts');
$recall = recall($reinserted, answers('exact', 10));
note sprintf('recall@10 after re-inserting: %.3f', $recall);
cmp_ok($recall, '>=', 0.9, 'recall@10 after re-inserting is >= 0.9');
is(well_formed(10, 40), 0,
	'answers after re-inserting: no duplicate, nearest first (no stale entries)');
is(well_formed(100, 200), 0, 'deep answers after re-inserting: no duplicate, nearest first');

sub self_misses
{
	my ($where, $ef) = @_;
	$ef //= 40;
	return $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = $ef;
SELECT count(*) FROM items a
LEFT JOIN LATERAL (SELECT b.id, b.v <-> a.v AS d FROM items b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE ($where) AND (nn.id IS NULL OR (nn.id <> a.id AND nn.d > 0));
});
}

# Rows that survived the VACUUM: the repair must keep every one reachable.
is(self_misses("a.id <= $rows AND a.id % 10 = 1"), '0',
	'a sample of the rows that survived VACUUM is found by their own vector');

# New rows: the even ids held whole clusters, so some new rows land in a
# region VACUUM emptied.  Each insert keeps at least one way in, so a wide
# search finds every one of them.
is(self_misses("a.id > $rows", 400), '0',
	'every new row is reachable: a wide search finds it by its own vector');

# At the default ef_search a cluster that is reached through few long links
# can be missed when the descent ends in a neighbouring cluster.  The beam on
# the last descent layer (HNSW_DESCENT_BEAM) makes that rare: over 60 runs of
# this scenario at most 9 of 2500 were missed (up to 54 without the beam;
# hnswlib misses up to 27 on the same kind of data), but one CI run on a
# loaded machine missed 31 (12 runs since: 0 to 3).  Inserts draw their
# levels from a per-backend seed, so the graph differs from run to run:
# at most 2% is tolerated here; the guarantee is the wide search above.
my $new_misses = self_misses("a.id > $rows");
note "new rows not found by their own vector: $new_misses of " . ($rows / 2);
cmp_ok($new_misses, '<=', $rows / 2 * 2 / 100,
	'new rows are found by their own vector (at most 2% missed)');

# A second VACUUM over the mixed graph, and the answers stay right.
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 = 0; VACUUM items;');
my $third = answers('index', 10, 40);
@deleted_seen = grep { $_ % 3 == 0 || ($_ % 2 == 0 && $_ <= $rows) } map { @$_ } values %$third;
is(scalar(@deleted_seen), 0, 'second VACUUM: no deleted row in the answers');
$recall = recall($third, answers('exact', 10));
note sprintf('recall@10 after a second VACUUM: %.3f', $recall);
cmp_ok($recall, '>=', 0.9, 'recall@10 after a second VACUUM is >= 0.9');

#-------------------------------------------------------------------------
# Every row deleted: the index is empty but usable (its entry point went)
#-------------------------------------------------------------------------
$node->safe_psql(
	'postgres', qq{
CREATE TABLE e (id int, v vector($dim));
INSERT INTO e SELECT id, v FROM items WHERE id <= 300;
CREATE INDEX e_v_idx ON e USING hnsw (v vector_l2_ops);
DELETE FROM e;
VACUUM e;
});
my $q = $node->safe_psql('postgres', 'SELECT v FROM queries WHERE id = 1');
is( $node->safe_psql('postgres',
		qq{SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM e ORDER BY v <-> '$q' LIMIT 10) s;}),
	'0',
	'an index whose rows were all deleted and vacuumed returns nothing');
$node->safe_psql('postgres', 'INSERT INTO e SELECT id, v FROM items WHERE id > 300 AND id <= 500;');
is( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT count(*) FROM e a
LEFT JOIN LATERAL (SELECT b.id, b.v <-> a.v AS d FROM e b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS NULL OR (nn.id <> a.id AND nn.d > 0);
}),
	'0',
	'after emptying, new rows are indexed and found by their own vector');

unlike(slurp_file($node->logfile), qr/PANIC|TRAP:|ERROR/, 'no error in the server log');

# every index the test built passes the checker, reachability included
cmp_ok(check_hnsw_indexes($node), '>', 0, 'the hnsw indexes were checked');

$node->stop;

done_testing();
