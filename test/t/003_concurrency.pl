#-------------------------------------------------------------------------
# test/t/003_concurrency.pl
#	hnsw concurrency: four sessions insert into an hnsw index (created on
#	an empty table, so the entry point and the top level keep changing)
#	while two other sessions run kNN queries through it.  No error, no
#	deadlock, no hang; each answer is well formed while the inserts run;
#	afterwards every inserted row is in the index and reachable.
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
my $clients = 4;
my $seconds = 8;
my $small_cap = 600;    # s stays small enough for one deep scan to cover it

srand(42);

sub random_vector
{
	return '['
	  . join(',', map { sprintf('%.6f', 2 * rand() - 1) } 1 .. $dim) . ']';
}

my $node = PostgreSQL::Test::Cluster->new('concurrency');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 16MB
max_connections = 20
autovacuum = off
log_statement = none
log_min_messages = warning
deadlock_timeout = 100ms
});
$node->start;

# Both indexes start empty: the entry point and the top level change while
# the sessions race.
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
CREATE TABLE t (id bigserial PRIMARY KEY, v vector($dim));
CREATE INDEX t_v_idx ON t USING hnsw (v vector_l2_ops);
CREATE TABLE s (id bigserial PRIMARY KEY, v vector($dim));
CREATE INDEX s_v_idx ON s USING hnsw (v vector_l2_ops);
});

#-------------------------------------------------------------------------
# Two readers, each its own psql, queried at the same time (both are fed
# before either is waited for) for as long as the inserts run: reader 0
# searches t, reader 1 searches s.
#-------------------------------------------------------------------------
my @readers;
for my $r (0 .. 1)
{
	my $reader = {
		in => '', out => '', err => '', n => 0, busy => 0,
		table => ($r == 0 ? 't' : 's')
	};
	$reader->{h} = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres') ],
		'<', \$reader->{in}, '>', \$reader->{out}, '2>', \$reader->{err},
		IPC::Run::timeout(300));
	$reader->{in} .= "SET enable_seqscan = off;\n\\echo ready\n";
	$reader->{h}->pump until $reader->{out} =~ /ready\n/;
	$reader->{out} = '';
	push @readers, $reader;
}

#-------------------------------------------------------------------------
# Inserters: pgbench, $clients sessions, random vectors from \set values.
# Script 1 inserts into t; script 2 into s while s is below $small_cap.
#-------------------------------------------------------------------------
my $vector_expr =
  join('', map { "\\set x$_ random(-1000000, 1000000)\n" } 1 .. $dim);
my $literal = "('[' || "
  . join(" || ',' || ", map { ":x$_ / 1000000.0" } 1 .. $dim)
  . " || ']')::vector($dim)";
my $script_t = $node->basedir . '/insert_t.sql';
my $script_s = $node->basedir . '/insert_s.sql';
append_to_file($script_t, $vector_expr . "INSERT INTO t (v) VALUES ($literal);\n");
append_to_file($script_s,
	$vector_expr
	  . "INSERT INTO s (v) SELECT $literal WHERE (SELECT count(*) FROM s) < $small_cap;\n");

my ($pgb_out, $pgb_err) = ('', '');
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', $clients, '-j', '2', '-T', $seconds,
		'-f', "$script_t\@4", '-f', "$script_s\@1",
		'-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$pgb_out, '2>', \$pgb_err,
	IPC::Run::timeout(300));

my ($bad_answers, $reader_errors, $queries_done) = (0, 0, 0);
my @bad_examples;

# Checks one answer: min(10, visible rows) rows, distinct, nearest first.
sub check_answer
{
	my ($out) = @_;
	my @lines = split /\n/, $out;
	my $visible = shift @lines;    # count(*) from the same snapshot
	my (%seen, $prev);
	my $ok = defined $visible && @lines == ($visible < 10 ? $visible : 10);
	for my $line (@lines)
	{
		my ($id, $dist) = split /\|/, $line;
		$ok = 0 if $seen{$id}++;
		$ok = 0 if defined $prev && $dist < $prev;
		$prev = $dist;
	}
	return $ok;
}

my $deadline = time() + $seconds + 120;
my $start = time();
while ($pgbench->pumpable && time() < $deadline)
{
	for my $reader (@readers)
	{
		next unless $reader->{h}->pumpable;
		if (!$reader->{busy})
		{
			my $q = random_vector();
			$reader->{marker} = "--done $reader->{n}--";
			# One statement, one snapshot: the count and the kNN answer.
			my $table = $reader->{table};
			$reader->{in} .= qq{WITH k AS (SELECT id, v <-> '$q' AS d FROM $table ORDER BY v <-> '$q' LIMIT 10)
SELECT (SELECT count(*) FROM $table)::text UNION ALL
SELECT id || '|' || d FROM k;
\\echo '$reader->{marker}'
};
			$reader->{busy} = 1;
		}
		$reader->{h}->pump_nb;
		if ($reader->{out} =~ s/\Q$reader->{marker}\E\n//)
		{
			if (!check_answer($reader->{out}))
			{
				$bad_answers++;
				push @bad_examples, $reader->{out} if @bad_examples < 3;
			}
			$reader->{out} = '';
			$reader->{busy} = 0;
			$reader->{n}++;
			$queries_done++;
		}
	}
	$pgbench->pump_nb;
	usleep(2_000);
}
my $elapsed = time() - $start;
ok(!$pgbench->pumpable, 'inserts finished (no hang)')
  or diag(
	$node->safe_psql('postgres',
		q{SELECT pid, state, wait_event_type, wait_event, query FROM pg_stat_activity
		  WHERE backend_type = 'client backend'}));
my $pgbench_ok = $pgbench->finish;
note sprintf('inserts took %.1f s; the readers ran %d queries meanwhile',
	$elapsed, $queries_done);
note "pgbench output:\n$pgb_out$pgb_err";

for my $reader (@readers)
{
	$reader->{in} .= "\\q\n";
	$reader->{h}->finish;
	$reader_errors++ if $reader->{err} ne '';
	diag("reader error: $reader->{err}") if $reader->{err} ne '';
}

ok($pgbench_ok, 'pgbench inserters exit with status 0');
like($pgb_out, qr/number of failed transactions: 0 /,
	'pgbench reports no failed transaction');
my ($inserts) = $pgb_out =~ /SQL script 1: \S+\n - weight: \d+ \(.*?\)\n - (\d+) transactions/;
my ($small_tx) = $pgb_out =~ /SQL script 2: \S+\n - weight: \d+ \(.*?\)\n - (\d+) transactions/;
ok(defined $inserts && defined $small_tx, 'pgbench reports its transactions per script')
  or diag($pgb_out);
$inserts //= -1;
$small_tx //= -1;
is($reader_errors, 0, 'concurrent kNN readers see no error');
cmp_ok($readers[0]{n}, '>=', 20, 'reader of t ran kNN queries during the inserts');
cmp_ok($readers[1]{n}, '>=', 20, 'reader of s ran kNN queries during the inserts');
is($bad_answers, 0,
	'every concurrent answer has min(10, rows) distinct rows, nearest first')
  or diag("bad answers, e.g.:\n" . join("\n--\n", @bad_examples));

my $log = slurp_file($node->logfile);
unlike($log, qr/deadlock detected/, 'no deadlock in the server log');
unlike($log, qr/ERROR|PANIC|TRAP:/, 'no error in the server log');

#-------------------------------------------------------------------------
# Afterwards: every row is in the index
#-------------------------------------------------------------------------
my $small = $node->safe_psql('postgres', 'SELECT count(*) FROM s');
# pgbench -T counts the transactions it saw finish; one still in flight
# when the time is up may commit uncounted (at most one per client).
my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
ok($rows >= $inserts && $rows <= $inserts + $clients,
	"t's row count ($rows) equals the inserts pgbench reported ($inserts, + at most $clients in flight)");
cmp_ok($small, '>=', ($small_tx < $small_cap ? $small_tx : $small_cap),
	"s got its rows ($small)");

for my $table ('t', 's')
{
	like(
		$node->safe_psql('postgres',
			qq{SET enable_seqscan = off;
			   EXPLAIN (COSTS OFF) SELECT a.id FROM $table a
			   LEFT JOIN LATERAL (SELECT b.id FROM $table b ORDER BY b.v <-> a.v LIMIT 1) nn ON true;}),
		qr/Index Scan using ${table}_v_idx on $table b/,
		"$table: the self-lookup below uses the hnsw index");

	# Each row, looked up by its own vector, is its own nearest neighbour.
	is( $node->safe_psql(
			'postgres', qq{
SET enable_seqscan = off;
SELECT count(*) FROM $table a
LEFT JOIN LATERAL (SELECT b.id, b.v <-> a.v AS d FROM $table b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS NULL OR (nn.id <> a.id AND nn.d > 0);
}),
		'0',
		"$table: every row is found by its own vector (distance 0) via the index");
}

# With ef_search above the row count, one scan reaches every row of s once.
my $q = random_vector();
is( $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT count(DISTINCT id) || ' ' || count(*)
FROM (SELECT id FROM s ORDER BY v <-> '$q' LIMIT 1000) s;
}),
	"$small $small",
	"s: a scan with ef_search 1000 returns all $small rows, each once");

# every index the test built passes the checker, reachability included
cmp_ok(check_hnsw_indexes($node), '>', 0, 'the hnsw indexes were checked');

$node->stop;

done_testing();
