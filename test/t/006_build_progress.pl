# Copyright: vecext developers
#
# 006_build_progress.pl
#	CREATE INDEX ... USING hnsw reports its phases and tuple counts in
#	pg_stat_progress_create_index, serially and in parallel, and the
#	parallel build gives an index as good as the serial one; so does
#	ivfflat, through its k-means and assignment phases.

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('progress');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_parallel_maintenance_workers = 1
max_worker_processes = 8
maintenance_work_mem = '256MB'
});
$node->start;

my $rows = 40000;
my $dim = 64;
$node->safe_psql('postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.3);
CREATE TABLE t (id int, v vector($dim));
INSERT INTO t SELECT i, (SELECT array_agg(random() ORDER BY d) FROM generate_series(1, $dim) d WHERE i > 0)::vector($dim)
FROM generate_series(1, $rows) i;
ANALYZE t;
});

# Build in a background session and watch it from this one.
sub watch_build
{
	my ($workers, $create) = @_;
	my %seen;
	my $max_done = 0;
	my $bg = $node->background_psql('postgres', on_error_stop => 1);
	$node->safe_psql('postgres', 'DROP INDEX IF EXISTS t_v_idx');
	$bg->query_until(qr/started/, qq{
SET max_parallel_maintenance_workers = $workers;
SET min_parallel_table_scan_size = 0;
\\echo started
$create;
\\echo built
});
	my $deadline = time() + 240;
	while (time() < $deadline)
	{
		my $r = $node->safe_psql('postgres', q{
SELECT phase || '|' || tuples_done || '|' || tuples_total
FROM pg_stat_progress_create_index WHERE relid = 't'::regclass});
		last if $r eq '' && $node->safe_psql('postgres',
			"SELECT count(*) FROM pg_class WHERE relname = 't_v_idx'") eq '1'
			&& keys %seen;
		if ($r ne '')
		{
			my ($phase, $done, $total) = split /\|/, $r;
			$seen{$phase} = 1;
			$max_done = $done if $done > $max_done;
		}
		select(undef, undef, undef, 0.02);
	}
	$bg->quit;
	return (\%seen, $max_done);
}

for my $workers (0, 1)
{
	my ($seen, $max_done) = watch_build($workers,
		'CREATE INDEX t_v_idx ON t USING hnsw (v) WITH (m = 16, ef_construction = 200)');
	note "workers $workers: phases seen: " . join(', ', sort keys %$seen) . "; max tuples_done $max_done";
	ok($seen->{'building index: loading tuples'},
		"workers $workers: phase 'building index: loading tuples' is reported");
	cmp_ok($max_done, '>', 0, "workers $workers: tuples_done advances during the build");
	cmp_ok($max_done, '<=', $rows, "workers $workers: tuples_done never exceeds the row count");

	# the index built this way reaches every sampled row (a wide search:
	# uniform data is hard, and this checks reachability, not recall)
	is( $node->safe_psql('postgres', q{
SET enable_seqscan = off;
SET hnsw.ef_search = 400;
SELECT count(*) FROM (SELECT * FROM t WHERE id % 100 = 0) a
LEFT JOIN LATERAL (SELECT b.id FROM t b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS DISTINCT FROM a.id}),
		'0', "workers $workers: a sample of rows is found by its own vector");
}

# ivfflat, 1000 lists: k-means on every row (40 samples per list), then
# the assignment of every row, counted
for my $workers (0, 1)
{
	my ($seen, $max_done) = watch_build($workers,
		'CREATE INDEX t_v_idx ON t USING ivfflat (v) WITH (lists = 1000)');
	note "ivfflat, workers $workers: phases seen: " . join(', ', sort keys %$seen)
	  . "; max tuples_done $max_done";
	ok($seen->{'building index: performing k-means'},
		"ivfflat, workers $workers: phase 'building index: performing k-means' is reported");
	ok($seen->{'building index: assigning tuples'} || $seen->{'building index: loading tuples'},
		"ivfflat, workers $workers: the assignment or loading phase is reported");
	cmp_ok($max_done, '>', 0, "ivfflat, workers $workers: tuples_done advances");
	cmp_ok($max_done, '<=', $rows, "ivfflat, workers $workers: tuples_done never exceeds the row count");
	is($node->safe_psql('postgres', q{
SET enable_seqscan = off;
SET ivfflat.probes = 1000;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t WHERE id = 1)) s}),
		$rows, "ivfflat, workers $workers: probing every list returns every row");
}

# The parallel build really launches a worker.
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
SET client_min_messages = debug1;
SET max_parallel_maintenance_workers = 1;
SET min_parallel_table_scan_size = 0;
DROP INDEX t_v_idx;
CREATE INDEX t_v_idx ON t USING hnsw (v);
});
like($stderr, qr/hnsw build of "t_v_idx" with 1 parallel workers launched of 1 planned/,
	'a parallel build launches its worker');

# Vectors over ~2 kB live in TOAST, so the heap alone is too small for the
# planner to give workers; the build counts the TOAST pages too.
$node->safe_psql('postgres', q{
CREATE TABLE big (id int, v vector(700));
INSERT INTO big SELECT i, (SELECT array_agg(random() ORDER BY d) FROM generate_series(1, 700) d WHERE i > 0)::vector(700)
FROM generate_series(1, 3500) i;
ANALYZE big;
});
cmp_ok($node->safe_psql('postgres', "SELECT pg_relation_size('big')"), '<', 8 * 1024 * 1024,
	'the heap of the toasted table is under min_parallel_table_scan_size');
($ret, $stdout, $stderr) = $node->psql('postgres', q{
SET client_min_messages = debug1;
SET max_parallel_maintenance_workers = 1;
CREATE INDEX big_v_idx ON big USING hnsw (v);
});
like($stderr, qr/hnsw build of "big_v_idx" with 1 parallel workers launched of 1 planned/,
	'a table whose vectors live in TOAST gets a parallel build');
# Uniform random 700-dim vectors are hard for any HNSW graph: a few nodes
# end up with no links into them (hnswlib, M=16, ef_construction=64 and
# ef=200 misses 2-3 of 3500 such rows by their own vector; serial builds
# here miss 1-4, parallel ones 4-5).  A broken build misses most rows.
cmp_ok( $node->safe_psql('postgres', q{
SET enable_seqscan = off;
SET hnsw.ef_search = 200;
SELECT count(*) FROM big a
LEFT JOIN LATERAL (SELECT b.id FROM big b ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS DISTINCT FROM a.id}),
	'<=', 17, 'the parallel build over TOASTed vectors finds 99.5% of its rows by their own vector');

done_testing();
