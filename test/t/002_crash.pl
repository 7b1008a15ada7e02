#-------------------------------------------------------------------------
# test/t/002_crash.pl
#	hnsw crash safety: kill -9 the server (postmaster and every backend)
#	while several sessions insert into an hnsw-indexed table; after crash
#	recovery the index must answer like a sequential scan (up to the
#	approximation) and never point at a missing heap row.
#
# Tiny shared_buffers and a checkpoint in the middle of the inserts make
# the on-disk index a mix of pages written before the crash and pages that
# only WAL replay can rebuild.
#-------------------------------------------------------------------------
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;
use Time::HiRes qw(usleep time);

my $dim = 16;
my $nqueries = 10;

srand(42);

sub random_vector
{
	return '['
	  . join(',', map { sprintf('%.6f', 2 * rand() - 1) } 1 .. $dim) . ']';
}

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 1MB
max_connections = 20
autovacuum = off
log_statement = none
log_min_messages = warning
});
$node->start;

$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.42);
CREATE TABLE c (id bigserial PRIMARY KEY, v vector($dim));
INSERT INTO c (v)
	SELECT (SELECT array_agg(2 * random() - 1 ORDER BY d)
	        FROM generate_series(1, $dim) d WHERE i > 0)::vector($dim)
	FROM generate_series(1, 1000) i;
CREATE INDEX c_v_idx ON c USING hnsw (v vector_l2_ops);
});

#-------------------------------------------------------------------------
# Concurrent inserts, then kill -9 in the middle of them
#-------------------------------------------------------------------------
my $script = $node->basedir . '/insert.sql';
append_to_file($script, qq{
INSERT INTO c (v) SELECT array_agg(2 * random() - 1 ORDER BY d)::vector($dim)
	FROM generate_series(1, $dim) d;
});

my ($pgb_out, $pgb_err) = ('', '');
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '4', '-j', '2', '-T', '10',
		'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$pgb_out, '2>', \$pgb_err,
	IPC::Run::timeout(120));

# Let the inserts run, with a checkpoint in the middle, until the table has
# grown well past its starting size (or a few seconds have passed).
my $start = time();
my $checkpointed = 0;
my $count_before_crash = 0;
while (time() - $start < 6)
{
	usleep(250_000);
	$pgbench->pump_nb;
	$count_before_crash = $node->safe_psql('postgres', 'SELECT count(*) FROM c');
	if (!$checkpointed && time() - $start > 2)
	{
		$node->safe_psql('postgres', 'CHECKPOINT');
		$checkpointed = 1;
	}
	last if $count_before_crash > 3000 && time() - $start > 4;
}
cmp_ok($count_before_crash, '>', 1000,
	'concurrent sessions were inserting when the server was killed');

# kill -9 the postmaster and all of its children at once, as a machine
# crash would (the postmaster's pid is the first line of postmaster.pid).
my $pm = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
my @children;
for my $stat (glob '/proc/[0-9]*/stat')
{
	open my $fh, '<', $stat or next;
	my $line = <$fh>;
	close $fh;
	next unless defined $line && $line =~ /^(\d+) \(.*\) \S+ (\d+)/;
	push @children, $1 if $2 == $pm;
}
note 'killing postmaster ' . $pm . ' and ' . scalar(@children) . ' children';
my $killed = time();
$node->kill9;    # the postmaster; also tells the Cluster object it is down
kill 'KILL', @children;

# Wait until they are all gone.  A zombie is dead but still holds its pid,
# and the new postmaster refuses to start while the old postmaster's pid
# exists at all: an orphan is reaped only when the system's init gets to it,
# which some containers' init never does.  So wait for the processes to die,
# give init a moment to reap the postmaster, and if it is still a zombie
# then, remove its stale postmaster.pid (no process of the old server is
# left to be protected by it).
sub state_of
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return 'gone';
	my $line = <$fh>;
	close $fh;
	return 'gone' unless defined $line && $line =~ /^\d+ \(.*\) (\S)/;
	return $1 eq 'Z' ? 'zombie' : 'running';
}
my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
usleep(100_000)
  while grep({ state_of($_) eq 'running' } $pm, @children) && time() < $deadline;
ok(!grep({ state_of($_) eq 'running' } $pm, @children), 'server processes are dead');
$deadline = time() + 10;
usleep(100_000) while state_of($pm) ne 'gone' && time() < $deadline;
note sprintf('server processes gone %.1f s after the kill (postmaster: %s)',
	time() - $killed, state_of($pm));
if (state_of($pm) ne 'gone')
{
	note 'the old postmaster is an unreaped zombie: removing its postmaster.pid';
	unlink $node->data_dir . '/postmaster.pid';
}

$pgbench->finish;
note "pgbench (expected to fail when the server dies): $pgb_err";

#-------------------------------------------------------------------------
# Crash recovery, then check the index against the heap
#-------------------------------------------------------------------------
my $log_offset = start_after_crash($node, 'the server');

my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM c');
cmp_ok($count, '>=', $count_before_crash,
	"rows committed before the crash survive ($count rows)");

my @queries = map { random_vector() } 1 .. $nqueries;

like(
	$node->safe_psql('postgres',
		qq{SET enable_seqscan = off;
		   EXPLAIN (COSTS OFF) SELECT id FROM c ORDER BY v <-> '$queries[0]' LIMIT 10;}),
	qr/Index Scan using c_v_idx on c/,
	'kNN after recovery uses the hnsw index');

my ($hits, $total) = (0, 0);
for my $i (0 .. $#queries)
{
	my $q = $queries[$i];
	my @rows = split /\n/,
	  $node->safe_psql('postgres',
		qq{SET enable_seqscan = off;
		   SELECT id, v <-> '$q' FROM c ORDER BY v <-> '$q' LIMIT 10;});
	my @ids = map { (split /\|/)[0] } @rows;
	my @dists = map { (split /\|/)[1] } @rows;

	is(scalar(@ids), 10, "query $i: the index returns 10 rows");
	my %seen;
	ok(!(grep { $seen{$_}++ } @ids), "query $i: no row returned twice");
	ok(!(grep { $dists[$_] < $dists[ $_ - 1 ] } 1 .. $#dists),
		"query $i: rows come nearest first");

	# The rows the index led to are real rows: a sequential scan finds each
	# id with the same distance.
	my $idlist = join(',', @ids) || 'NULL';
	my %seq = map { split /\|/ } split /\n/,
	  $node->safe_psql('postgres',
		qq{SET enable_indexscan = off; SET enable_bitmapscan = off;
		   SELECT id, v <-> '$q' FROM c WHERE id IN ($idlist);});
	ok(!(grep { !exists $seq{ $ids[$_] } || $seq{ $ids[$_] } != $dists[$_] } 0 .. $#ids),
		"query $i: every row returned exists in the heap with that vector");

	my %exact = map { $_ => 1 } split /\n/,
	  $node->safe_psql('postgres',
		qq{SET enable_indexscan = off; SET enable_bitmapscan = off;
		   SELECT id FROM c ORDER BY v <-> '$q' LIMIT 10;});
	$hits += grep { $exact{$_} } @ids;
	$total += 10;
}
my $recall = $hits / $total;
note sprintf('recall@10 after crash recovery: %.3f', $recall);
cmp_ok($recall, '>=', 0.9,
	'index answers agree with an exact scan after recovery (recall@10 >= 0.9)');

# No dangling heap pointers: an index entry whose heap row is missing is
# silently skipped by the executor, so a deep scan would come up short.
is( $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT count(DISTINCT id) FROM (SELECT id FROM c ORDER BY v <-> '$queries[1]' LIMIT 500) s;
}),
	'500',
	'a deep index scan returns 500 distinct live rows');

# Every committed row is in the index: a sample of rows, among them the
# last ones inserted before the crash, is found by its own vector.
is( $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT * FROM c WHERE id % 7 = 0 OR id > (SELECT max(id) - 50 FROM c)) a
LEFT JOIN LATERAL (SELECT b.id, b.v <-> a.v AS d FROM c b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS NULL OR (nn.id <> a.id AND nn.d > 0);
}),
	'0',
	'rows inserted before the crash are found by their own vector');

# The recovered index keeps working: insert, VACUUM, search.
$node->safe_psql(
	'postgres', qq{
INSERT INTO c (v) SELECT array_agg(2 * random() - 1 ORDER BY d)::vector($dim)
	FROM generate_series(1, $dim) d;
DELETE FROM c WHERE id % 5 = 0;
VACUUM c;
INSERT INTO c (v) VALUES ('$queries[2]');
});
is( $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SELECT v <-> '$queries[2]' FROM c ORDER BY v <-> '$queries[2]' LIMIT 1;
}),
	'0',
	'after recovery, insert and VACUUM, a new row is found by its vector');

unlike(slurp_file($node->logfile, $log_offset), qr/ERROR|PANIC|TRAP:/,
	'no error in the server log since the restart');

# every index the test built passes the checker, reachability included
cmp_ok(check_hnsw_indexes($node), '>', 0, 'the hnsw indexes were checked');

$node->stop;

done_testing();
