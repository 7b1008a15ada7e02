#-------------------------------------------------------------------------
# test/t/013_kill_cycles.pl
#	hnsw across repeated crashes: 20 cycles of concurrent inserts and
#	deletes (three pgbench clients) with a VACUUM running, then kill -9 of
#	the postmaster and every backend after a random short time, and crash
#	recovery.  After each cycle hnsw_index_check(index, true) passes and
#	sampled committed rows, the newest among them, are found by their own
#	vector through the index.
#
# Some cycles take a checkpoint before the kill, so recovery starts from
# a mix of pages written before the crash and pages only WAL replay
# rebuilds.  VECEXT_TEST_SEED picks another sequence of kill times.
#-------------------------------------------------------------------------
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use VecextCheck;

my $dim = 16;
my $cycles = 20;
my $sample = 20;    # rows looked up after each cycle: 15 at random, the 5 newest
my $seed = $ENV{VECEXT_TEST_SEED} // 12;

srand($seed);
note "seed $seed";

my $node = PostgreSQL::Test::Cluster->new('kill_cycles');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 4MB
max_connections = 20
autovacuum = off
max_parallel_maintenance_workers = 0
log_statement = none
log_min_messages = warning
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION vecext');

my $random_vector = "(SELECT array_agg(2 * random() - 1) FROM generate_series(1, $dim) WHERE g > 0)::vector($dim)";
$node->safe_psql(
	'postgres', qq{
SELECT setseed(0.12);
CREATE TABLE t (id bigserial PRIMARY KEY, v vector($dim));
INSERT INTO t (v) SELECT $random_vector FROM generate_series(1, 2000) g;
CREATE INDEX t_v_idx ON t USING hnsw (v vector_l2_ops);
});

# The load: each transaction inserts two rows and deletes one at random
# (which may be gone already); one more client vacuums without pause.
my $writes = $node->basedir . '/writes.sql';
my $vacuum = $node->basedir . '/vacuum.sql';
append_to_file($writes, qq{INSERT INTO t (v) SELECT $random_vector FROM generate_series(1, 2) g;
SELECT max(id) AS maxid FROM t \\gset
\\set rid random(1, :maxid)
DELETE FROM t WHERE id = :rid;
});
append_to_file($vacuum, "VACUUM t;\n");

sub pgbench
{
	my ($clients, $script) = @_;
	my ($out, $err) = ('', '');
	return IPC::Run::start(
		[
			'pgbench', '-n', '-c', $clients, '-j', $clients, '-T', '60',
			'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
		],
		'>', \$out, '2>', \$err,
		IPC::Run::timeout(120));
}

my ($vacuum_at_kill, $writers_at_kill, $cut_off) = (0, 0, 0);
for my $cycle (1 .. $cycles)
{
	my $max_before = $node->safe_psql('postgres', 'SELECT max(id) FROM t');
	my @load = (pgbench(3, $writes), pgbench(1, $vacuum));

	my $run = 0.3 + rand(1.2);
	my $checkpoint = $cycle % 2 == 0;
	usleep(1_000_000 * $run / 2);
	$node->safe_psql('postgres', 'CHECKPOINT') if $checkpoint;
	usleep(1_000_000 * $run / 2);
	my ($writers, $vacuuming) = split /\|/,
	  $node->safe_psql(
		'postgres', q{
SELECT count(*) FILTER (WHERE query ~ '^(INSERT|DELETE|SELECT max)')
 || '|' || (SELECT count(*) FROM pg_stat_progress_vacuum)
FROM pg_stat_activity WHERE backend_type = 'client backend'});
	$writers_at_kill++ if $writers > 0;
	$vacuum_at_kill++ if $vacuuming > 0;

	my $log_offset = -s $node->logfile;
	my $children = kill_server($node);
	$_->finish for @load;
	note sprintf('cycle %d: killed after %.2f s%s, %d writers, %s; %d processes',
		$cycle, $run, $checkpoint ? ' (with a checkpoint)' : '', $writers,
		$vacuuming ? 'VACUUM in progress' : 'between VACUUMs', $children + 1);

	$node->start;
	my $recovered = slurp_file($node->logfile, $log_offset)
	  =~ /database system was interrupted|was not properly shut down/;
	my $max_after = $node->safe_psql('postgres', 'SELECT max(id) FROM t');
	ok($recovered && $max_after > $max_before,
		"cycle $cycle: crash recovery, with rows committed during the cycle (max id $max_before -> $max_after)");

	my ($rc, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT elements, deleted, reachable, heap_rows, (SELECT count(*) FROM t) FROM hnsw_index_check('t_v_idx', true);");
	my ($elements, $deleted, $reachable, $heap_rows, $rows) = split /\|/, $out // '';
	# an insert the kill cut off between placing its element and linking it
	# in leaves the element unreachable, of a row that never committed: the
	# check counts such elements in a NOTICE, and fails on any other
	$cut_off++ if ($err // '') =~ /not reachable, .*of (a )?table rows? a fresh snapshot does not see/;
	ok( $rc == 0 && $heap_rows eq $rows,
		"cycle $cycle: hnsw_index_check('t_v_idx', true) passes ($rows rows, $elements elements, $deleted deleted, $reachable reachable)")
	  or diag("hnsw_index_check: rc $rc, '$out', $err");

	# Sampled rows, and the newest ones (the last inserts before the kill),
	# are found by their own vector (ef_search 200: no approximation).
	my $missed = $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = 200;
SELECT coalesce(string_agg(probe.id::text, ','), '') FROM
  ((SELECT id, v FROM t ORDER BY random() LIMIT @{[ $sample - 5 ]})
   UNION (SELECT id, v FROM t ORDER BY id DESC LIMIT 5)) probe
LEFT JOIN LATERAL (SELECT hit.id FROM t hit ORDER BY hit.v <-> probe.v LIMIT 10) nn
  ON nn.id = probe.id
WHERE nn.id IS NULL;});
	is($missed, '', "cycle $cycle: $sample committed rows, the newest among them, are found by their own vector");
}

like(
	$node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT probe.id FROM t probe
LEFT JOIN LATERAL (SELECT hit.id FROM t hit ORDER BY hit.v <-> probe.v LIMIT 10) nn ON nn.id = probe.id;}),
	qr/Index Scan using t_v_idx on t hit/,
	'the lookups use the hnsw index');
is($writers_at_kill, $cycles, 'every kill hit the writers at work');
cmp_ok($vacuum_at_kill, '>=', $cycles / 4,
	"kills often hit a VACUUM in progress ($vacuum_at_kill of $cycles)");
note "cycles that left an uncommitted insert's element cut off: $cut_off";
note 'rows at the end: ' . $node->safe_psql('postgres', 'SELECT count(*) FROM t');

$node->stop;

done_testing();
