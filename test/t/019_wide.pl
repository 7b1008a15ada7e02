#-------------------------------------------------------------------------
# test/t/019_wide.pl
#	hnsw elements wider than a page (vector(3072), vector(16000) and its
#	halfvec(16000) expression): WAL replay, crash recovery and space reuse.
#
# A primary with wal_consistency_checking = 'generic' (every generic record
# carries an image of each page it touches, which replay compares with the
# page it rebuilt: a mismatch stops the standby or the crash recovery) and
# a streaming standby.
#   1. Serial and parallel builds, then inserts from 2 concurrent sessions:
#      the standby replays them and answers exactly as the primary does;
#      recall@10 against an exact scan; the checker passes on both.
#   2. kill -9 of the primary while 2 sessions insert 3072-dimension rows
#      (shared_buffers of 2MB, a CHECKPOINT in the middle): after recovery
#      every row the index returns is a heap row with that distance,
#      recall@10 holds, every committed row is found by its own vector, the
#      checker passes, and the standby follows and agrees.
#   3. Half the rows deleted and vacuumed, as many inserted, vacuumed again:
#      the index grows by at most 10% (freed space is reused), no deleted or
#      stale row comes back, recall holds, the checker passes, the standby
#      agrees.  And a vector(16000) index emptied by VACUUM takes as many
#      rows again within its size (+10% at most).
#
# Data: plain SQL, no seed needed.  hash01(c, d) is a fixed pseudo-random
# number in [0, 1); row i belongs to cluster i % 16 (centre hash01(c, d) -
# 0.5) plus noise 0.5 * (hash01(i + 100000, d) - 0.5), so a row's vector is
# a function of its id whichever session inserts it.  Queries are points of
# the same clusters that are not rows.  The 10 nearest rows of a query are
# decided by the noise in every dimension: a distance computed from part of
# a vector would not find them.
#-------------------------------------------------------------------------
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use VecextCheck;

my $d3 = 3072;
my $d16 = 16000;
my $n3 = 1000;          # rows of t3 at the build
my $n16 = 150;          # rows of t16 at the build
my $nqueries = 8;
my $min_recall = 0.9;
my $t_start = time();

#-------------------------------------------------------------------------
# Primary and standby
#-------------------------------------------------------------------------
my $primary = PostgreSQL::Test::Cluster->new('wide_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf(
	'postgresql.conf', qq{
wal_consistency_checking = 'generic'
wal_keep_size = '4GB'
max_wal_size = '2GB'
shared_buffers = 2MB
max_connections = 20
autovacuum = off
maintenance_work_mem = 256MB
max_parallel_maintenance_workers = 0
log_statement = none
log_min_messages = warning
});
$primary->start;

my $standby = start_standby($primary, 'wide_standby');

$primary->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
CREATE FUNCTION hash01(c int, d int) RETURNS float8 IMMUTABLE LANGUAGE sql AS
\$\$ SELECT sin(c * 12.9898 + d * 78.233) * 43758.5453
        - floor(sin(c * 12.9898 + d * 78.233) * 43758.5453) \$\$;
CREATE FUNCTION wvec(i int, dims int) RETURNS real[] IMMUTABLE LANGUAGE sql AS
\$\$ SELECT array_agg((hash01(i % 16, d) - 0.5 + 0.5 * (hash01(i + 100000, d) - 0.5))::real ORDER BY d)
     FROM generate_series(1, dims) d \$\$;
CREATE TABLE t3 (id int PRIMARY KEY, v vector($d3));
INSERT INTO t3 SELECT i, wvec(i, $d3) FROM generate_series(1, $n3) i;
CREATE TABLE q3 (id int PRIMARY KEY, v vector($d3));
INSERT INTO q3 SELECT j, wvec(900000 + 3 * j, $d3) FROM generate_series(1, $nqueries) j;
CREATE TABLE t16 (id int PRIMARY KEY, v vector($d16));
INSERT INTO t16 SELECT i, wvec(i, $d16) FROM generate_series(1, $n16) i;
CREATE TABLE q16 (id int PRIMARY KEY, v vector($d16));
INSERT INTO q16 SELECT j, wvec(900000 + 5 * j, $d16) FROM generate_series(1, $nqueries) j;
CREATE SEQUENCE t3_ids START 10001;
CREATE SEQUENCE t16_ids START 10001;
CREATE TABLE gone (tab text, id int);
});

# The kNN paths: table, ORDER BY over t (the table) and q (a query), the
# index that must answer, the queries' table.
my @paths = (
	[ 't3', 't.v <-> q.v', 't3_l2', 'q3' ],
	[ 't3', 't.v <=> q.v', 't3_cos', 'q3' ],
	[ 't16', 't.v <-> q.v', 't16_l2', 'q16' ],
	[ 't16', "t.v::halfvec($d16) <-> q.v::halfvec($d16)", 't16_half', 'q16' ]);

# For every query of a path: its $k nearest rows as [id, distance], through
# the index (ef_search $ef) or by an exact scan.
sub knn
{
	my ($node, $path, $mode, $k, $ef) = @_;
	my ($tab, $order, $index, $qtab) = @$path;
	$k //= 10;
	$ef //= 40;
	my $answer = knn_answers($node, $mode ne 'index', $ef,
		"SELECT t.id || ':' || ($order) FROM $tab t ORDER BY $order LIMIT $k", $qtab);
	return { map { $_ => [ map { [ split /:/ ] } @{ $answer->{$_} } ] } keys %$answer };
}

sub ids_of
{
	my ($answer) = @_;
	return { map { $_ => join(',', map { $_->[0] } @{ $answer->{$_} }) } keys %$answer };
}

sub recall
{
	my ($got, $exact) = @_;
	my ($hits, $total) = (0, 0);
	for my $qid (keys %$exact)
	{
		my %want = map { $_->[0] => 1 } @{ $exact->{$qid} };
		$hits += grep { $want{ $_->[0] } } @{ $got->{$qid} };
		$total += @{ $exact->{$qid} };
	}
	return $total ? $hits / $total : 0;
}

# Index answers that are not well formed: fewer than $k rows, a row twice,
# or rows out of distance order (the distances are the executor's).
sub malformed
{
	my ($answer, $k) = @_;
	my $bad = 0;
	for my $qid (sort keys %$answer)
	{
		my @rows = @{ $answer->{$qid} };
		my (%seen, $prev);
		my $this = @rows != $k;
		for my $r (@rows)
		{
			$this = 1 if $seen{ $r->[0] }++;
			$this = 1 if defined $prev && $r->[1] < $prev - 1e-5 * abs($prev);
			$prev = $r->[1];
		}
		$bad += $this;
	}
	return $bad;
}

sub plan_uses
{
	my ($node, $path) = @_;
	my ($tab, $order, $index, $qtab) = @$path;
	return $node->safe_psql(
		'postgres', qq{SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT q.id, ARRAY(SELECT t.id FROM $tab t ORDER BY $order LIMIT 10)
FROM $qtab q;}) =~ /Index Scan using $index on $tab t/;
}

# recall@10 and well-formed answers of every path on the primary
sub check_recall
{
	my ($what) = @_;
	for my $path (@paths)
	{
		my $index = $path->[2];
		my $got = knn($primary, $path, 'index');
		my $r = recall($got, knn($primary, $path, 'exact'));
		note sprintf('%s, %s: recall@10 %.3f', $what, $index, $r);
		cmp_ok($r, '>=', $min_recall, "$what, $index: recall\@10 >= $min_recall");
		is(malformed($got, 10), 0, "$what, $index: 10 distinct rows per query, nearest first");
	}
}

# The standby uses the same indexes and gives exactly the primary's answers.
sub compare_standby
{
	my ($what) = @_;
	for my $path (@paths)
	{
		my $index = $path->[2];
		ok(plan_uses($standby, $path), "$what: the standby answers through $index");
		my $p = ids_of(knn($primary, $path, 'index'));
		my $s = ids_of(knn($standby, $path, 'index'));
		my @differ = grep { $p->{$_} ne ($s->{$_} // '') } sort keys %$p;
		is(scalar(@differ), 0, "$what, $index: the standby's top-10 equals the primary's")
		  or diag(join("\n", map { "query $_: primary [$p->{$_}] standby [$s->{$_}]" } @differ));
	}
}

# Rows meeting $where that a search for their own vector (ef_search $ef)
# does not return first.
sub self_misses
{
	my ($path, $where, $ef) = @_;
	my ($tab, $order) = @$path;
	(my $self = $order) =~ s/\bq\.v\b/a.v/g;
	return $primary->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = $ef;
SELECT count(*) FROM $tab a
WHERE ($where) AND a.id IS DISTINCT FROM (SELECT t.id FROM $tab t ORDER BY $self LIMIT 1);
});
}

# One pgbench run of $clients sessions, each inserting $tx rows into each
# table of @tables (ids from the table's sequence); or, with $seconds, for
# that long in the background: the harness is returned.
sub pgbench_inserts
{
	my (%o) = @_;
	my $script = $primary->basedir . "/ins_$o{name}.sql";
	unlink $script;
	append_to_file($script,
		join('', map {
			my ($tab, $dims) = @$_;
			"INSERT INTO $tab SELECT i, wvec(i, $dims) FROM (SELECT nextval('${tab}_ids')::int AS i) s;\n"
		} @{ $o{tables} }));
	my @cmd = (
		'pgbench', '-n', '-c', $o{clients}, '-j', $o{clients},
		$o{seconds} ? ('-T', $o{seconds}) : ('-t', $o{tx}),
		'-f', $script, '-h', $primary->host, '-p', $primary->port, 'postgres');
	my ($out, $err) = ('', '');
	if ($o{seconds})
	{
		my $h = IPC::Run::start(\@cmd, '>', \$out, '2>', \$err, IPC::Run::timeout(300));
		return ($h, \$out, \$err);
	}
	my $ok = IPC::Run::run(\@cmd, '>', \$out, '2>', \$err, IPC::Run::timeout(600));
	ok($ok, "$o{name}: $o{clients} concurrent sessions inserted") or diag($err);
	return;
}

#-------------------------------------------------------------------------
# 1. Builds, concurrent inserts, replay
#-------------------------------------------------------------------------
$primary->safe_psql('postgres', 'CREATE INDEX t3_l2 ON t3 USING hnsw (v vector_l2_ops);');
$primary->safe_psql('postgres', 'CREATE INDEX t16_l2 ON t16 USING hnsw (v vector_l2_ops);');

# Parallel builds: one worker beside the leader.  The tables' heaps are small
# (the vectors are TOASTed), hence min_parallel_table_scan_size = 0.
for my $build (
	[ 't3_cos', 't3', 'v vector_cosine_ops' ],
	[ 't16_half', 't16', "(v::halfvec($d16)) halfvec_l2_ops" ])
{
	my ($index, $tab, $key) = @$build;
	my ($rc, $out, $err) = $primary->psql(
		'postgres', qq{
ANALYZE $tab;
SET max_parallel_maintenance_workers = 1;
SET min_parallel_table_scan_size = 0;
SET client_min_messages = debug1;
CREATE INDEX $index ON $tab USING hnsw ($key);
});
	is($rc, 0, "parallel build of $index") or diag($err);
	like($err, qr/hnsw build of "$index" with 1 parallel workers launched of 1 planned/,
		"$index: built by the leader and 1 worker");
}
note sprintf('builds done at %.1f s', time() - $t_start);

pgbench_inserts(
	name => 'inserts after the build',
	clients => 2,
	tx => 40,
	tables => [ [ 't3', $d3 ], [ 't16', $d16 ] ]);
is($primary->safe_psql('postgres', 'SELECT (SELECT count(*) FROM t3) || \',\' || (SELECT count(*) FROM t16)'),
	($n3 + 80) . ',' . ($n16 + 80), 'every concurrent insert committed');
note sprintf('inserts done at %.1f s', time() - $t_start);

for my $path (@paths)
{
	ok(plan_uses($primary, $path), "the primary answers through $path->[2]");
}
check_recall('after the builds and concurrent inserts');
for my $path (@paths)
{
	is(self_misses($path, 'a.id > 10000', 200), '0',
		"$path->[2]: every row inserted after the build is found by its own vector");
}
catch_up($primary, $standby, 'the builds and the concurrent inserts');
compare_standby('after the builds and concurrent inserts');
cmp_ok(check_hnsw_indexes($primary), '==', 4, 'primary: the 4 indexes pass the checker');
cmp_ok(check_hnsw_indexes($standby), '==', 4, 'standby: the 4 indexes pass the checker');
note sprintf('part 1 done at %.1f s', time() - $t_start);

#-------------------------------------------------------------------------
# 2. kill -9 while 2 sessions insert 3072-dimension rows
#-------------------------------------------------------------------------
my $count_start = $primary->safe_psql('postgres', 'SELECT count(*) FROM t3');
my ($pgbench, $pgb_out, $pgb_err) = pgbench_inserts(
	name => 'crash',
	clients => 2,
	seconds => 30,
	tables => [ [ 't3', $d3 ] ]);
my $start = time();
my $checkpointed = 0;
my $count_before_crash = $count_start;
while (time() - $start < 12)
{
	usleep(250_000);
	$pgbench->pump_nb;
	$count_before_crash = $primary->safe_psql('postgres', 'SELECT count(*) FROM t3');
	if (!$checkpointed && $count_before_crash >= $count_start + 40)
	{
		$primary->safe_psql('postgres', 'CHECKPOINT');
		$checkpointed = 1;
	}
	last if $checkpointed && $count_before_crash >= $count_start + 100;
}
ok($checkpointed, 'a checkpoint ran in the middle of the inserts');
cmp_ok($count_before_crash, '>', $count_start + 40,
	'the sessions were inserting when the server was killed');
note 'killed ' . kill_server($primary) . ' server processes with the postmaster';
$pgbench->finish;
note "pgbench (fails when the server dies): $$pgb_err";

my $log_offset = start_after_crash($primary, 'the primary');
my $count = $primary->safe_psql('postgres', 'SELECT count(*) FROM t3');
cmp_ok($count, '>=', $count_before_crash, "rows committed before the crash survive ($count rows)");

# Every row the index returns is a heap row, at the distance the scan gave.
{
	my $path = $paths[0];
	my $got = knn($primary, $path, 'index', 10, 40);
	my $bad = 0;
	for my $qid (sort keys %$got)
	{
		my @rows = @{ $got->{$qid} };
		my $ids = join(',', map { $_->[0] } @rows) || 'NULL';
		my %heap = map { split /\|/ } split /\n/,
		  $primary->safe_psql(
			'postgres', qq{SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT t.id, t.v <-> q.v FROM t3 t, q3 q WHERE q.id = $qid AND t.id IN ($ids);});
		$bad += grep { !exists $heap{ $_->[0] } || $heap{ $_->[0] } != $_->[1] } @rows;
	}
	is($bad, 0, 'after recovery every row the index returns exists in the heap with that distance');
	# a deep scan: an entry whose heap row is missing would leave it short
	is( $primary->safe_psql(
			'postgres', qq{
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SET work_mem = '64MB';
SELECT count(*) || ',' || count(DISTINCT id) FROM
  (SELECT t.id FROM t3 t ORDER BY t.v <-> (SELECT v FROM q3 WHERE id = 1)) s;
}),
		"$count,$count",
		'after recovery an iterative scan returns every row once');
}
check_recall('after crash recovery');
is(self_misses($paths[0], 'a.id > 10000', 200), '0',
	'after recovery every row inserted after the build is found by its own vector');
cmp_ok(check_hnsw_indexes($primary), '==', 4, 'after recovery the 4 indexes pass the checker');

# the recovered index keeps taking inserts
pgbench_inserts(
	name => 'inserts after recovery',
	clients => 2,
	tx => 10,
	tables => [ [ 't3', $d3 ], [ 't16', $d16 ] ]);
catch_up($primary, $standby, 'the crash, the primary\'s recovery and the inserts after it');
compare_standby('after the crash');
note sprintf('part 2 done at %.1f s', time() - $t_start);

#-------------------------------------------------------------------------
# 3. Delete half, VACUUM, insert as many, VACUUM: the freed space is reused
#-------------------------------------------------------------------------
for my $spec ([ 't3', $d3, [ 't3_l2', 't3_cos' ] ], [ 't16', $d16, [ 't16_l2', 't16_half' ] ])
{
	my ($tab, $dims, $indexes) = @$spec;
	my $deleted = $primary->safe_psql(
		'postgres', qq{
WITH d AS (DELETE FROM $tab WHERE id % 2 = 0 RETURNING id)
INSERT INTO gone SELECT '$tab', id FROM d;
VACUUM $tab;
SELECT count(*) FROM gone WHERE tab = '$tab';
});
	my %size = map {
		$_ => $primary->safe_psql('postgres', "SELECT pg_relation_size('$_')")
	} @$indexes;
	$primary->safe_psql(
		'postgres', qq{
INSERT INTO $tab SELECT i, wvec(i, $dims) FROM generate_series(20001, 20000 + $deleted) i;
VACUUM $tab;
});
	for my $index (@$indexes)
	{
		my $after = $primary->safe_psql('postgres', "SELECT pg_relation_size('$index')");
		my $growth = $after / $size{$index} - 1;
		note sprintf('%s: %d bytes after deleting %d rows and VACUUM, %d after inserting as many (%+.1f%%)',
			$index, $size{$index}, $deleted, $after, 100 * $growth);
		cmp_ok($growth, '<=', 0.10,
			"$index: inserting as many rows as were deleted grows the index by at most 10%");
	}
	# no deleted row, no stale entry (a heap slot reused), every row once
	my $n = $primary->safe_psql('postgres', "SELECT count(*) FROM $tab");
	for my $path (grep { $_->[0] eq $tab } @paths)
	{
		(my $order = $path->[1]) =~ s/\bq\.v\b/(SELECT v FROM $path->[3] WHERE id = 2)/g;
		is( $primary->safe_psql(
				'postgres', qq{
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SET work_mem = '64MB';
SELECT count(*) || ',' || count(DISTINCT id) || ',' ||
       count(*) FILTER (WHERE id IN (SELECT id FROM gone WHERE tab = '$tab'))
  FROM (SELECT t.id FROM $tab t ORDER BY $order) s;
}),
			"$n,$n,0",
			"$path->[2]: an iterative scan returns each of the $n rows once, no deleted one");
		is(self_misses($path, 'a.id > 20000', 200), '0',
			"$path->[2]: every row inserted after the VACUUM is found by its own vector");
	}
}

# Every row deleted and vacuumed: each page of the index is empty, so the
# same number of rows inserted again fits in it, whatever the layout.
{
	my $rows = 40;
	$primary->safe_psql(
		'postgres', qq{
CREATE TABLE e16 (id int PRIMARY KEY, v vector($d16));
INSERT INTO e16 SELECT i, wvec(i, $d16) FROM generate_series(1, $rows) i;
CREATE INDEX e16_l2 ON e16 USING hnsw (v vector_l2_ops);
DELETE FROM e16;
VACUUM e16;
});
	my $before = $primary->safe_psql('postgres', "SELECT pg_relation_size('e16_l2')");
	$primary->safe_psql(
		'postgres', qq{
INSERT INTO e16 SELECT i, wvec(i, $d16) FROM generate_series(20001, 20000 + $rows) i;
VACUUM e16;
});
	my $after = $primary->safe_psql('postgres', "SELECT pg_relation_size('e16_l2')");
	my $growth = $after / $before - 1;
	note sprintf('e16_l2: %d bytes after deleting all %d rows and VACUUM, %d after inserting as many (%+.1f%%)',
		$before, $rows, $after, 100 * $growth);
	cmp_ok($growth, '<=', 0.10,
		"e16_l2: all $rows rows deleted and vacuumed, as many inserted: the index grows by at most 10%");
	is(self_misses([ 'e16', 't.v <-> q.v' ], 'true', 200), '0',
		'e16_l2: every row inserted into the emptied index is found by its own vector');
	$primary->safe_psql('postgres', 'DROP TABLE e16');
}

check_recall('after deleting half, VACUUM and as many inserts');
cmp_ok(check_hnsw_indexes($primary), '==', 4, 'after the VACUUMs the 4 indexes pass the checker');
catch_up($primary, $standby, 'the deletes, VACUUMs and inserts');
compare_standby('after the VACUUMs');
cmp_ok(check_hnsw_indexes($standby), '==', 4, 'standby: after the VACUUMs the 4 indexes pass the checker');

is(standby_failure($standby), undef, 'the standby log shows no replay failure');
unlike(slurp_file($primary->logfile, $log_offset), qr/PANIC|TRAP:|inconsistent page found/,
	'the primary log shows no failure since its recovery');
note sprintf('done at %.1f s', time() - $t_start);

$standby->stop;
$primary->stop;

done_testing();
