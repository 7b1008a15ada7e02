#-------------------------------------------------------------------------
# test/t/010_types_recall.pl
#	Recall of every hnsw opclass of halfvec, sparsevec and bit against an
#	exact scan, at the default ef_search: after the build, after
#	concurrent inserts, and after deleting 30% of the rows and a VACUUM;
#	then a streaming standby gives the primary's answers.
#
# Data: seeded Gaussian clusters in 64 dimensions.  halfvec columns hold
# the vectors, sparsevec columns the same vectors restricted to each
# cluster's own 12 dimensions, bit columns binary_quantize() of the
# vectors.  recall@10 is the share of the exact scan's 10 nearest that the
# index returns; for Hamming and Jaccard, whose distances tie a lot, a row
# as near as the exact 10th counts as a hit.
#-------------------------------------------------------------------------
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;

my $dim = 64;
my $nclusters = 16;
my $support = 12;        # non-zero dimensions of a sparse cluster
my $sigma = 0.25;
my $nbuild = 4000;
my $ninsert = 2000;
my $nqueries = 40;      # each query is 2.5% of a recall figure
my $k = 10;
my $min_recall = 0.95;

srand(20261201);

sub gauss
{
	my $u1 = 1 - rand();
	my $u2 = rand();
	return sqrt(-2 * log($u1)) * cos(6.283185307179586 * $u2);
}

my (@centers, @supports);
for my $c (0 .. $nclusters - 1)
{
	push @centers, [ map { gauss() } 1 .. $dim ];
	my %s;
	$s{ int(rand($dim)) } = 1 while keys %s < $support;
	push @supports, [ sort { $a <=> $b } keys %s ];
}

# A point: its dense vector and its sparse restriction, as vector text.
sub point
{
	my $c = int(rand($nclusters));
	my @v = map { $centers[$c][$_] + $sigma * gauss() } 0 .. $dim - 1;
	my @s = (0) x $dim;
	$s[$_] = $v[$_] for @{ $supports[$c] };
	my $fmt = sub { '[' . join(',', map { sprintf('%.5f', $_) } @_) . ']' };
	return ($fmt->(@v), $fmt->(@s));
}

my $node = PostgreSQL::Test::Cluster->new('types_primary');
$node->init(allows_streaming => 1);
$node->append_conf(
	'postgresql.conf', qq{
autovacuum = off
maintenance_work_mem = 256MB
max_parallel_maintenance_workers = 1
});
$node->start;

my $csv = '';
for my $id (1 .. $nbuild + $ninsert)
{
	my ($v, $s) = point();
	$csv .= "$id\t$v\t$s\n";
}
my $file = $node->basedir . '/points.tsv';
append_to_file($file, $csv);

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
CREATE TABLE stage (id int PRIMARY KEY, v vector($dim), s vector($dim));
COPY stage FROM '$file';
CREATE TABLE items (id int PRIMARY KEY, h halfvec($dim), s sparsevec($dim), b bit($dim));
INSERT INTO items
  SELECT id, v::halfvec($dim), s::sparsevec($dim), binary_quantize(v)::bit($dim)
  FROM stage WHERE id <= $nbuild;
DELETE FROM stage WHERE id <= $nbuild;
});

# opclass => [column, operator, how a query vector (text) becomes the column's type]
my %opclasses = (
	halfvec_l2_ops     => [ 'h', '<->', "'%1\$s'::vector($dim)::halfvec($dim)" ],
	halfvec_ip_ops     => [ 'h', '<#>', "'%1\$s'::vector($dim)::halfvec($dim)" ],
	halfvec_cosine_ops => [ 'h', '<=>', "'%1\$s'::vector($dim)::halfvec($dim)" ],
	halfvec_l1_ops     => [ 'h', '<+>', "'%1\$s'::vector($dim)::halfvec($dim)" ],
	sparsevec_l2_ops     => [ 's', '<->', "'%2\$s'::vector($dim)::sparsevec($dim)" ],
	sparsevec_ip_ops     => [ 's', '<#>', "'%2\$s'::vector($dim)::sparsevec($dim)" ],
	sparsevec_cosine_ops => [ 's', '<=>', "'%2\$s'::vector($dim)::sparsevec($dim)" ],
	sparsevec_l1_ops     => [ 's', '<+>', "'%2\$s'::vector($dim)::sparsevec($dim)" ],
	bit_hamming_ops => [ 'b', '<~>', "binary_quantize('%1\$s'::vector($dim))::bit($dim)" ],
	bit_jaccard_ops => [ 'b', '<%>', "binary_quantize('%1\$s'::vector($dim))::bit($dim)" ],
);
my @names = sort keys %opclasses;

for my $name (@names)
{
	my ($col) = @{ $opclasses{$name} };
	$node->safe_psql('postgres', "CREATE INDEX ${name}_idx ON items USING hnsw ($col $name)");
}

my @queries = map { [ point() ] } 1 .. $nqueries;

sub knn_sql
{
	my ($name, $q) = @_;
	my ($col, $op, $fmt) = @{ $opclasses{$name} };
	my $qexpr = sprintf($fmt, @$q);
	return "SELECT id, $col $op $qexpr FROM items ORDER BY $col $op $qexpr LIMIT $k";
}

# The rows of an answer as [id, distance].
sub rows
{
	my ($out) = @_;
	return [ map { [ split /\|/ ] } grep { length } split /\n/, $out ];
}

# Index answers for every (opclass, query), and whether the plans use the index.
sub index_answers
{
	my ($db_node) = @_;
	my %answers;
	for my $name (@names)
	{
		for my $i (0 .. $#queries)
		{
			$answers{$name}[$i] = $db_node->safe_psql('postgres',
				"SET enable_seqscan = off; " . knn_sql($name, $queries[$i]));
		}
	}
	return \%answers;
}

sub check_recall
{
	my ($phase) = @_;
	my $answers = index_answers($node);
	for my $name (@names)
	{
		my $ties = $name =~ /^bit_/;
		my $plan = $node->safe_psql('postgres',
			"SET enable_seqscan = off; EXPLAIN (COSTS OFF) " . knn_sql($name, $queries[0]));
		like($plan, qr/Index Scan using ${name}_idx/, "$phase: $name: the plan uses the index");
		my ($hits, $total) = (0, 0);
		for my $i (0 .. $#queries)
		{
			my $exact = rows(
				$node->safe_psql('postgres',
					"SET enable_indexscan = off; SET enable_bitmapscan = off; "
					  . knn_sql($name, $queries[$i])));
			my $got = rows($answers->{$name}[$i]);
			my %want = map { $_->[0] => 1 } @$exact;
			my $kth = $exact->[-1][1];
			for my $row (@$got)
			{
				$hits++ if $want{ $row->[0] } || ($ties && $row->[1] <= $kth);
			}
			$total += scalar @$exact;
		}
		my $recall = $total ? $hits / $total : 0;
		note(sprintf('%s: %s recall@%d %.3f', $phase, $name, $k, $recall));
		cmp_ok($recall, '>=', $min_recall, "$phase: $name recall\@$k >= $min_recall")
		  or diag(sprintf('recall %.3f', $recall));
	}
}

check_recall('after build');

#-------------------------------------------------------------------------
# Concurrent inserts: pgbench clients move the staged rows into items in
# chunks, each chunk taken by one client only (SKIP LOCKED).
#-------------------------------------------------------------------------
my $script = $node->basedir . '/move.sql';
append_to_file(
	$script, qq{WITH moved AS (
  DELETE FROM stage WHERE id IN (SELECT id FROM stage ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED)
  RETURNING id, v, s)
INSERT INTO items
  SELECT id, v::halfvec($dim), s::sparsevec($dim), binary_quantize(v)::bit($dim) FROM moved;
});
my ($out, $err) = ('', '');
IPC::Run::run(
	[
		'pgbench', '-n', '-c', '4', '-j', '2', '-t', int($ninsert / 10 / 4) + 5,
		'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$out, '2>', \$err);
is($node->safe_psql('postgres', 'SELECT count(*) FROM stage'), '0',
	'the concurrent inserts moved every staged row');
is($node->safe_psql('postgres', 'SELECT count(*) FROM items'), $nbuild + $ninsert,
	'items holds every row');
check_recall('after concurrent inserts');

$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 10 < 3');
$node->safe_psql('postgres', 'VACUUM items');
# Reachability right after the VACUUM: a recall below the bound with every
# element reachable is the search's, with some cut off the repair's.
check_hnsw_indexes($node);
check_recall('after deleting 30% and VACUUM');

#-------------------------------------------------------------------------
# A streaming standby answers as the primary does.
#-------------------------------------------------------------------------
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('types_standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->safe_psql('postgres',
	"INSERT INTO items SELECT id + 100000, h, s, b FROM items WHERE id % 10 = 5");
$node->wait_for_catchup($standby, 'replay', $node->lsn('insert'));

my $on_primary = index_answers($node);
my $on_standby = index_answers($standby);
for my $name (@names)
{
	is_deeply($on_standby->{$name}, $on_primary->{$name},
		"standby: $name answers as the primary");
}

# every index the test built passes the checker, reachability included
cmp_ok(check_hnsw_indexes($node), '>', 0, 'the hnsw indexes were checked');
cmp_ok(check_hnsw_indexes($standby), '>', 0, 'and on the standby');

$standby->stop;
$node->stop;
done_testing();
