#-------------------------------------------------------------------------
# test/t/007_vacuum_scans.pl
#	VACUUM while kNN scans run.  Searches read candidates with a buffer
#	pin and no content lock, which relies on VACUUM removing element
#	tuples under a cleanup lock (hnsw.h, "Pins").  Here three pgbench
#	sessions run strict-order iterative kNN scans without pause while
#	rounds of DELETE, VACUUM and INSERT change the index.  (The race it
#	guards against is too narrow to be hit on purpose; this is a stress
#	test of the whole path.)  No error, no crash, no hang; every
#	VACUUM finishes; afterwards the answers hold no deleted row and are
#	nearest first.
#-------------------------------------------------------------------------
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $dim = 16;
my $rows = 6000;
my $min_rounds = 4;
my $writer_budget = 15;    # seconds of rounds, the readers run a bit longer

my $node = PostgreSQL::Test::Cluster->new('vacuum_scans');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 16MB
max_connections = 20
autovacuum = off
log_min_messages = warning
});
$node->start;

# Rows in a random order of ids, so that deletes hit every page.
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.7);
CREATE TABLE items (id int PRIMARY KEY, v vector($dim));
INSERT INTO items
SELECT i, (SELECT array_agg(random() * 2 - 1) FROM generate_series(1, $dim) WHERE i > 0)::vector
  FROM generate_series(1, $rows) i ORDER BY random();
CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops);
});

# The readers: kNN queries through the index, each one checked by the
# server itself: 10 rows, distinct, nearest first (else division by zero).
# Deleted rows not yet vacuumed are still in the graph and the heap drops
# them, so a strict-order iterative scan supplies the rows that replace
# them.
my $vector_expr =
  join('', map { "\\set x$_ random(-1000000, 1000000)\n" } 1 .. $dim);
my $literal = "('[' || "
  . join(" || ',' || ", map { ":x$_ / 1000000.0" } 1 .. $dim)
  . " || ']')::vector($dim)";
my $script = $node->basedir . '/knn.sql';
append_to_file(
	$script, $vector_expr . qq{SET enable_seqscan = off;
SET hnsw.iterative_scan = strict_order;
SELECT 1 / (count(*) = 10 AND count(DISTINCT id) = 10
            AND bool_and(d >= coalesce(prev, 0)))::int
  FROM (SELECT id, d, lag(d) OVER (ORDER BY n) AS prev
          FROM (SELECT id, v <-> $literal AS d, row_number() OVER () AS n
                  FROM (SELECT id, v FROM items ORDER BY v <-> $literal LIMIT 10) k) s) t;
});

my ($pgb_out, $pgb_err) = ('', '');
my $seconds = $writer_budget + 5;
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '3', '-j', '1', '-T', $seconds,
		'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$pgb_out, '2>', \$pgb_err,
	IPC::Run::timeout(300));

# The writer: rounds of delete a third, VACUUM, insert as many again, for
# as long as the budget lasts.
my $start = time();
my $vacuums = 0;
my $round = 0;
while ($round < $min_rounds || time() - $start < $writer_budget)
{
	$round++;
	my $next = $rows * $round + 1;
	$node->safe_psql(
		'postgres', qq{
DELETE FROM items WHERE id % 3 = $round % 3;
VACUUM items;
INSERT INTO items
SELECT i, (SELECT array_agg(random() * 2 - 1) FROM generate_series(1, $dim) WHERE i > 0)::vector
  FROM generate_series($next, $next + $rows / 3) i;
});
	$vacuums++;
}
my $writer_seconds = time() - $start;
is($vacuums, $round, 'every round of DELETE, VACUUM and INSERT finished');
note sprintf('%d rounds took %.1f s while the readers ran', $round, $writer_seconds);

$pgbench->finish;
note "pgbench output:\n$pgb_out$pgb_err";
like($pgb_out, qr/number of failed transactions: 0 /,
	'the kNN readers had no failed query during the VACUUMs');
unlike($pgb_err, qr/aborted|error/i, 'no kNN reader was aborted')
  or diag($pgb_err);
my ($tx) = $pgb_out =~ /number of transactions actually processed: (\d+)/;
cmp_ok($tx // 0, '>=', 100, 'the readers ran queries meanwhile');

# Afterwards: a final VACUUM, then every answer is live rows, nearest first.
$node->safe_psql('postgres', 'VACUUM items');
is( $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM items WHERE id % 97 = 0) q,
LATERAL (SELECT k.id FROM items k ORDER BY k.v <-> (SELECT v FROM items WHERE id = q.id) LIMIT 10) nn
WHERE NOT EXISTS (SELECT 1 FROM items WHERE items.id = nn.id)}),
	'0', 'every row an answer names exists');

my $log = slurp_file($node->logfile);
unlike($log, qr/ERROR|PANIC|TRAP:|terminated by signal/, 'no error or crash in the server log');

done_testing();
