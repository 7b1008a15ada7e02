#-------------------------------------------------------------------------
# test/t/011_faults.pl
#	hnsw under cancels and a full disk: a CREATE INDEX and a VACUUM
#	(serial and parallel each) and a long iterative scan, cancelled, end
#	with SQLSTATE 57014 and leave no lock, no dynamic shared memory, no
#	orphaned file and no damaged index behind; a build or insert that
#	runs out of disk ends with SQLSTATE 53100, leaves the table usable and
#	no row half-indexed, and after space is freed a rebuild checks clean.
#
# The disk-full part needs a small tmpfs (at most 64 MB) that the postgres
# user can write, named by VECEXT_TEST_TMPFS (test/run mounts one when it
# runs as root); without it that part is skipped.  Dynamic shared memory is
# of type mmap, so each segment is a file in the cluster's pg_dynshmem/
# that this test can count.
#-------------------------------------------------------------------------
use strict;
use warnings;

use File::Path qw(rmtree);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

my $dim = 16;
my $rows = 30000;    # serial build ~5 s, parallel ~2.5 s on 2 cores

my $node = PostgreSQL::Test::Cluster->new('faults');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 64MB
maintenance_work_mem = 256MB
max_parallel_maintenance_workers = 1
max_worker_processes = 8
dynamic_shared_memory_type = mmap
autovacuum = off
jit = off
log_min_messages = warning
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION vecext');

# A random vector in SQL, different for each row (the reference to the
# outer row keeps the subquery from being evaluated once).
sub vector_sql
{
	my ($outer) = @_;
	return "(SELECT array_agg(2 * random() - 1) FROM generate_series(1, $dim) WHERE $outer > 0)::vector($dim)";
}

#-------------------------------------------------------------------------
# Sessions: psql processes fed one statement at a time, with verbose error
# messages (they carry the SQLSTATE).  A statement runs while a watcher is
# called every few milliseconds, to look at it from another session or to
# cancel it.
#-------------------------------------------------------------------------
my $marker_count = 0;

sub open_session
{
	my $s = { in => '', out => '', err => '' };
	$s->{h} = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
		'<', \$s->{in}, '>', \$s->{out}, '2>', \$s->{err},
		IPC::Run::timeout(300));
	$s->{in} .= "\\set VERBOSITY verbose\n";
	($s->{pid}) = session_run($s, 'SELECT pg_backend_pid();');
	return $s;
}

# session_run(S, SQL [, WATCH]): runs SQL in session S, calling WATCH->()
# meanwhile; returns (stdout, stderr, seconds).
sub session_run
{
	my ($s, $sql, $watch) = @_;
	my $marker = 'end of statement ' . $marker_count++;
	$sql .= ';' unless $sql =~ /;\s*$/;
	$s->{in} .= "$sql\n\\echo '$marker'\n\\warn '$marker'\n";
	my $start = time();
	until ($s->{out} =~ /\Q$marker\E\n/ && $s->{err} =~ /\Q$marker\E\n/)
	{
		die "the session ended: $s->{err}" unless $s->{h}->pumpable;
		$s->{h}->pump_nb;
		$watch->() if $watch;
		usleep(10_000);
	}
	my $seconds = time() - $start;
	my ($out, $err) = ($s->{out}, $s->{err});
	$out =~ s/\Q$marker\E\n//;
	$err =~ s/\Q$marker\E\n//;
	($s->{out}, $s->{err}) = ('', '');
	chomp $out;
	return ($out, $err, $seconds);
}

# A query that must succeed.
sub session_query
{
	my ($s, $sql) = @_;
	my ($out, $err) = session_run($s, $sql);
	die "query failed: $sql\n$err" if $err ne '';
	return $out;
}

sub close_session
{
	my ($s) = @_;
	$s->{in} .= "\\q\n";
	$s->{h}->finish;
}

my $mon = open_session();    # looks at the others

# Polls SQL in the monitor until it returns WANT (at most SECONDS);
# returns the last value.
sub poll_until
{
	my ($sql, $want, $seconds) = @_;
	my $deadline = time() + ($seconds // 10);
	my $got;
	while (1)
	{
		$got = session_query($mon, $sql);
		last if $got eq $want || time() > $deadline;
		usleep(50_000);
	}
	return $got;
}

#-------------------------------------------------------------------------
# What a fault must not leave behind
#-------------------------------------------------------------------------

# Dynamic shared memory segments: files in pg_dynshmem (type mmap).
sub dsm_segments
{
	opendir(my $dh, $node->data_dir . '/pg_dynshmem') or die "pg_dynshmem: $!";
	my $n = grep { /^mmap\./ } readdir $dh;
	closedir $dh;
	return $n;
}

# Files in the database directory that belong to no relation (after a
# checkpoint, which unlinks the files of dropped or aborted relations).
sub orphan_files
{
	my $dbdir = $node->data_dir . '/'
	  . session_query($mon,
		q{SELECT regexp_replace(pg_relation_filepath('pg_class'), '/[^/]*$', '')});
	session_query($mon, 'CHECKPOINT');
	my %filenodes = map { $_ => 1 } split /\n/,
	  session_query($mon,
		'SELECT pg_relation_filenode(oid) FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL');
	opendir(my $dh, $dbdir) or die "$dbdir: $!";
	my @orphans = grep { /^(\d+)(_\w+)?(\.\d+)?$/ && !$filenodes{$1} } readdir $dh;
	closedir $dh;
	return @orphans;
}

my $dsm_baseline = dsm_segments();
note "dynamic shared memory segments at rest: $dsm_baseline";

# A session for a statement to cancel.  A backend's first parallel operation
# creates a segment that it keeps until it disconnects (for the types its
# workers share); a parallel query creates it here, so that afterwards any
# segment beyond it is one the cancelled statement left behind.
sub open_victim
{
	my $s = open_session();
	session_query($s,
		'SET force_parallel_mode = on; SELECT count(*) FROM pg_am; RESET force_parallel_mode');
	$s->{dsm} = dsm_segments();
	return $s;
}

sub wait_for_dsm
{
	my ($want) = @_;
	my $deadline = time() + 10;
	usleep(50_000) while dsm_segments() != $want && time() < $deadline;
	return dsm_segments();
}

# After a cancelled statement in session S: S is idle and alive, no backend
# but the monitor holds a lock, no parallel worker is left, the dynamic
# shared memory is what S had before the statement, and no file is
# orphaned.
sub check_nothing_leaked
{
	my ($what, $s) = @_;
	is(session_query($s, q{SELECT 'alive'}), 'alive', "$what: the cancelled session still works");
	is( poll_until(
			q{SELECT count(*) FROM pg_locks WHERE pid IS DISTINCT FROM pg_backend_pid()}, '0'),
		'0', "$what: no lock is held afterwards")
	  or diag(session_query($mon,
		  q{SELECT locktype, relation::regclass, mode, pid FROM pg_locks WHERE pid <> pg_backend_pid()}));
	is(session_query($mon, "SELECT state FROM pg_stat_activity WHERE pid = $s->{pid}"),
		'idle', "$what: the cancelled session is idle");
	is( poll_until(
			q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'}, '0'),
		'0', "$what: no parallel worker is left");
	is(wait_for_dsm($s->{dsm}), $s->{dsm},
		"$what: no dynamic shared memory segment is left ($s->{dsm} before the statement)");
	my @orphans = orphan_files();
	is("@orphans", '', "$what: no orphaned relation file");
}

# Ends the session S and checks that its own segment went with it.
sub close_victim
{
	my ($what, $s) = @_;
	close_session($s);
	is(wait_for_dsm($dsm_baseline), $dsm_baseline,
		"$what: once the session ends, the dynamic shared memory is back to rest ($dsm_baseline)");
}

# hnsw_index_check(INDEX, true) succeeds, every element not flagged deleted
# is reachable, and the index has an element for every live row.
sub check_index
{
	my ($what, $index, $table) = @_;
	my ($rc, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('$index', true);");
	my ($elements, $deleted, $reachable, $heap_rows) = split /\|/, $out // '';
	my $live = $node->safe_psql('postgres', "SELECT count(*) FROM $table WHERE v IS NOT NULL");
	ok( $rc == 0
		  && $heap_rows eq $live
		  && $elements >= $live
		  && $reachable >= $elements - $deleted,
		"$what: hnsw_index_check('$index', true) passes ($live live rows)")
	  or diag("hnsw_index_check: rc $rc, '$out', $err");
}

# Every row that WHERE selects is found by its own vector through the
# index (ef_search 200: a miss is not the approximation).
sub self_lookup_misses
{
	my ($table, $where) = @_;
	return $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = 200;
SELECT count(*) FROM (SELECT id, v FROM $table WHERE $where) probe
LEFT JOIN LATERAL (SELECT hit.id FROM $table hit ORDER BY hit.v <-> probe.v LIMIT 10) nn
  ON nn.id = probe.id
WHERE nn.id IS NULL;});
}

sub uses_index
{
	my ($table, $index) = @_;
	return $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT probe.id FROM $table probe
LEFT JOIN LATERAL (SELECT hit.id FROM $table hit ORDER BY hit.v <-> probe.v LIMIT 10) nn
  ON nn.id = probe.id;})
	  =~ /Index Scan using $index on $table hit/;
}

#=========================================================================
# Cancels
#=========================================================================
# Two hnsw indexes, so that a parallel VACUUM gives one to a worker.
$node->safe_psql(
	'postgres', qq{
SELECT setseed(0.11);
CREATE TABLE b (id int, cat int, v vector($dim));
INSERT INTO b SELECT i, i % 10, @{[ vector_sql('i') ]} FROM generate_series(1, $rows) i;
ANALYZE b;
});

# Runs SQL in session S, watching it: returns its error text, the most
# parallel workers and dynamic shared memory segments seen meanwhile, and
# the most tuples_done its CREATE INDEX reported.
sub watched
{
	my ($s, $sql) = @_;
	my %most = (workers => 0, dsm => 0, done => 0);
	my (undef, $err, $secs) = session_run(
		$s, $sql,
		sub {
			my ($w, $done) = split /\|/, session_query($mon, qq{
SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker')
 || '|' || coalesce((SELECT max(tuples_done) FROM pg_stat_progress_create_index WHERE pid = $s->{pid}), 0)});
			my $dsm = dsm_segments();
			$most{workers} = $w if $w > $most{workers};
			$most{done} = $done if $done > $most{done};
			$most{dsm} = $dsm if $dsm > $most{dsm};
		});
	note sprintf('%s: %.1f s, at most %d workers, %d segments, tuples_done %d',
		$sql, $secs, @most{qw(workers dsm done)});
	return ($err, \%most);
}

sub build_sql
{
	my ($workers, $timeout) = @_;
	return "SET max_parallel_maintenance_workers = $workers; SET min_parallel_table_scan_size = 0;
SET statement_timeout = '$timeout';
CREATE INDEX b_idx ON b USING hnsw (v) WITH (ef_construction = 200);
RESET statement_timeout;";
}

for my $workers (0, 1)
{
	my $what = $workers ? 'cancelled parallel CREATE INDEX' : 'cancelled serial CREATE INDEX';
	my $s = open_victim();
	my ($err, $most) = watched($s, build_sql($workers, $workers ? '700ms' : '1s'));
	like($err, qr/ERROR:  57014: canceling statement due to statement timeout/,
		"$what ends with SQLSTATE 57014");
	cmp_ok($most->{done}, '>', 0, "$what: it was cancelled while loading tuples");
	if ($workers)
	{
		ok($most->{workers} >= 1 && $most->{dsm} > $s->{dsm},
			"$what: a parallel worker ran, with a shared memory segment");
	}
	is(session_query($mon, q{SELECT count(*) FROM pg_class WHERE relname = 'b_idx'}),
		'0', "$what: no index exists");
	check_nothing_leaked($what, $s);

	# Again, with no timeout: the build completes and checks clean.
	($err, $most) = watched($s, build_sql($workers, 0));
	is($err, '', "$what: a retry succeeds");
	if ($workers)
	{
		cmp_ok($most->{workers}, '>=', 1, "$what: the retry ran with a parallel worker");
		is(wait_for_dsm($s->{dsm}), $s->{dsm},
			"$what: the parallel retry leaves no dynamic shared memory segment");
	}
	check_index("$what, retried", 'b_idx', 'b');
	close_victim($what, $s);
	$node->safe_psql('postgres', 'DROP INDEX b_idx') unless $workers;
}
ok(uses_index('b', 'b_idx'), 'the self-lookups use the hnsw index');
is(self_lookup_misses('b', 'id % 20 = 0'), '0',
	'after the cancelled builds and the retries, sampled rows are found by their own vector');

#-------------------------------------------------------------------------
# Long iterative scans: a filter that matches nothing makes each go on
# until it has seen the whole graph; 20 of them, from 20 rows' vectors,
# with a timeout of a quarter of the time they take.
#-------------------------------------------------------------------------
{
	my $what = 'cancelled iterative scan';
	my $scan = "SELECT s.id FROM generate_series(1, 20) g, LATERAL (SELECT id FROM b
  WHERE cat = -1 ORDER BY v <-> (SELECT v FROM b b2 WHERE b2.id = g) LIMIT 10) s;";
	my $s = open_victim();
	session_query($s, q{SET enable_seqscan = off; SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 10000000; SET work_mem = '256MB'});
	like(session_query($s, "EXPLAIN (COSTS OFF) $scan"), qr/Index Scan using b_idx on b/,
		"$what: the query is an hnsw index scan");
	my ($out, $err, $secs) = session_run($s, $scan);
	ok($out eq '' && $err eq '', "$what: uncancelled, it ends and finds no row");
	note sprintf('the 20 whole iterative scans take %.2f s', $secs);

	session_query($s, sprintf("SET statement_timeout = '%dms'", int($secs * 250) > 5 ? int($secs * 250) : 5));
	($out, $err) = session_run($s, $scan);
	like($err, qr/ERROR:  57014: canceling statement due to statement timeout/,
		"$what ends with SQLSTATE 57014");
	session_query($s, 'RESET statement_timeout');
	check_nothing_leaked($what, $s);
	check_index($what, 'b_idx', 'b');
	close_victim($what, $s);
}

#-------------------------------------------------------------------------
# VACUUM, serial and parallel, cancelled while it works on the indexes
#-------------------------------------------------------------------------
$node->safe_psql('postgres', qq{
SET max_parallel_maintenance_workers = 1;
SET min_parallel_table_scan_size = 0;
CREATE INDEX b_cos_idx ON b USING hnsw (v vector_cosine_ops);
DELETE FROM b WHERE id % 2 = 0;
});
for my $workers (0, 1)
{
	my $what = $workers ? 'cancelled parallel VACUUM' : 'cancelled VACUUM';
	my $s = open_victim();
	my ($in_phase, $cancelled, $workers_seen) = (0, 0, 0);
	my (undef, $err, $secs) = session_run(
		$s, "VACUUM (PARALLEL $workers) b;",
		sub {
			return if $cancelled;
			my ($phase, $w) = split /\|/, session_query($mon, qq{
SELECT coalesce((SELECT phase FROM pg_stat_progress_vacuum WHERE pid = $s->{pid}), '')
 || '|' || (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker')});
			$in_phase = 1 if $phase eq 'vacuuming indexes';
			$workers_seen = $w if $w > $workers_seen;
			# In the index phase, and with its worker when parallel.
			if ($in_phase && $w >= $workers)
			{
				usleep(100_000);
				$cancelled = session_query($mon, "SELECT pg_cancel_backend($s->{pid})") eq 't';
			}
		});
	note sprintf('%s ran %.1f s', $what, $secs);
	ok($in_phase && $cancelled, "$what: cancelled in the phase 'vacuuming indexes'");
	cmp_ok($workers_seen, '>=', 1, "$what: a parallel worker vacuumed an index") if $workers;
	like($err, qr/ERROR:  57014: canceling statement due to user request/,
		"$what ends with SQLSTATE 57014");
	check_nothing_leaked($what, $s);
	check_index($what, $_, 'b') for 'b_idx', 'b_cos_idx';
	close_victim($what, $s);
}
{
	my ($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nVACUUM b;");
	is($err, '', 'after the cancelled VACUUMs, a VACUUM completes');
	check_index('vacuumed', $_, 'b') for 'b_idx', 'b_cos_idx';
	is(self_lookup_misses('b', 'id % 20 = 1'), '0',
		'after the cancelled VACUUMs, sampled rows are found by their own vector');
}

#=========================================================================
# Disk full
#=========================================================================
SKIP:
{
	my $tmpfs = $ENV{VECEXT_TEST_TMPFS};
	skip 'disk full: set VECEXT_TEST_TMPFS to a small tmpfs the postgres user can write', 1
	  unless defined $tmpfs && -d $tmpfs && -w $tmpfs;
	my ($size) = `df -P -k '$tmpfs'` =~ /\n\S+\s+(\d+)/;
	skip "disk full: $tmpfs is not at most 64 MB ($size kB)", 1
	  unless defined $size && $size <= 64 * 1024;

	disk_full("$tmpfs/vecext_011_$$");
}

# The disk-full scenario, in a tablespace at DIR (on the tmpfs).
sub disk_full
{
	my ($dir) = @_;
	mkdir $dir or die "mkdir $dir: $!";
	my $small_rows = 4000;    # heap about 440 kB, its index about 1.2 MB
	$node->safe_psql(
		'postgres', qq{
CREATE TABLESPACE small LOCATION '$dir';
SELECT setseed(0.5);
CREATE TABLE t (id int PRIMARY KEY, v vector($dim)) TABLESPACE small;
INSERT INTO t SELECT i, @{[ vector_sql('i') ]} FROM generate_series(1, $small_rows) i;
-- released later: room for the index to start, not to finish
CREATE TABLE spare (pad text) TABLESPACE small;
ALTER TABLE spare ALTER pad SET STORAGE PLAIN;
INSERT INTO spare SELECT repeat('s', 1000) FROM generate_series(1, 420);
CREATE TABLE fill (pad text) TABLESPACE small;
ALTER TABLE fill ALTER pad SET STORAGE PLAIN;
});

	# Fill the disk: 256 kB at a time until an insert fails.
	my ($err, $batches) = ('', 0);
	for (1 .. 1000)
	{
		(undef, undef, $err) = $node->psql('postgres',
			"\\set VERBOSITY verbose\nINSERT INTO fill SELECT repeat('f', 1000) FROM generate_series(1, 256);");
		last if $err ne '';
		$batches++;
	}
	like($err, qr/ERROR:  53100: could not extend file .*\n.*HINT:  Check free disk space/,
		"disk full: filling the tablespace ends with SQLSTATE 53100 ($batches batches of 256 kB)");
	$node->safe_psql('postgres', 'DROP TABLE spare');

	#---------------------------------------------------------------------
	# CREATE INDEX runs out of space
	#---------------------------------------------------------------------
	my ($rc, $out);
	($rc, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nCREATE INDEX t_idx ON t USING hnsw (v) TABLESPACE small;");
	like($err, qr/ERROR:  53100: could not extend file "[^"]+": (No space left on device|wrote only)/,
		'disk full: CREATE INDEX fails with SQLSTATE 53100, could not extend file');
	is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 't_idx'}),
		'0', 'disk full: no index is left');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM t'), $small_rows,
		'disk full: the table still reads');
	$node->safe_psql('postgres',
		"INSERT INTO t SELECT i, @{[ vector_sql('i') ]} FROM generate_series($small_rows + 1, $small_rows + 10) i");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM t'), $small_rows + 10,
		'disk full: the table still takes inserts');

	#---------------------------------------------------------------------
	# Inserts into an indexed table fill the disk
	#---------------------------------------------------------------------
	$node->safe_psql(
		'postgres', qq{
CREATE TABLE u (id int, v vector($dim)) TABLESPACE small;
CREATE INDEX u_idx ON u USING hnsw (v) TABLESPACE small;
});
	my $per = 10;
	my $script = "\\set VERBOSITY verbose\n"
	  . join('',
		map {
			"INSERT INTO u SELECT i, @{[ vector_sql('i') ]} FROM generate_series($_ * $per + 1, ($_ + 1) * $per) i RETURNING 'ok';\n"
		} 0 .. 599);
	($rc, $out, $err) = $node->psql('postgres', $script, on_error_stop => 0);
	my $committed = () = $out =~ /^ok$/mg;
	my $failed = () = $err =~ /ERROR:  53100: could not extend file/g;
	my ($file) = $err =~ /could not extend file "([^"]+)"/;
	cmp_ok($failed, '>', 0,
		"disk full: inserts into an indexed table fail with SQLSTATE 53100 ($failed of 600 statements)");
	cmp_ok($committed, '>', 0, "disk full: inserts committed before the disk filled ($committed rows)");
	note 'the first insert that failed could not extend '
	  . ($file // '?') . ' (u: '
	  . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('u') || ', u_idx: ' || pg_relation_filepath('u_idx')})
	  . ')';
	is($node->safe_psql('postgres', 'SELECT count(*) FROM u'), $committed,
		'disk full: the table holds exactly the committed rows');
	check_index('disk full, inserts failed', 'u_idx', 'u');
	ok(uses_index('u', 'u_idx'), 'disk full: the self-lookups use the hnsw index');
	is(self_lookup_misses('u', 'true'), '0',
		'disk full: every committed row is found by its own vector');

	($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nREINDEX INDEX u_idx;");
	like($err, qr/ERROR:  53100: could not extend file/,
		'disk full: REINDEX fails with SQLSTATE 53100');
	check_index('disk full, REINDEX failed', 'u_idx', 'u');

	#---------------------------------------------------------------------
	# Space again
	#---------------------------------------------------------------------
	$node->safe_psql('postgres', 'DROP TABLE fill');
	($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nVACUUM u; REINDEX INDEX u_idx;");
	is($err, '', 'space freed: VACUUM and REINDEX of the filled table succeed');
	check_index('space freed, reindexed', 'u_idx', 'u');
	($rc, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nCREATE INDEX t_idx ON t USING hnsw (v) TABLESPACE small;");
	is($err, '', 'space freed: CREATE INDEX succeeds');
	check_index('space freed, built', 't_idx', 't');
	is(self_lookup_misses('t', 'true'), '0',
		'space freed: every row of the rebuilt index is found by its own vector');

	# The index answers kNN queries like an exact scan.
	my ($hits, $total) = (0, 0);
	for my $i (1 .. 20)
	{
		my $q = '[' . join(',', map { sprintf('%.4f', cos($i * $_)) } 1 .. $dim) . ']';
		my $knn = "SELECT id FROM t ORDER BY v <-> '$q' LIMIT 10";
		my %exact = map { $_ => 1 } split /\n/,
		  $node->safe_psql('postgres', "SET enable_indexscan = off; $knn");
		$hits += grep { $exact{$_} } split /\n/,
		  $node->safe_psql('postgres', "SET enable_seqscan = off; SET hnsw.ef_search = 200; $knn");
		$total += 10;
	}
	cmp_ok($hits / $total, '>=', 0.98,
		"space freed: index kNN agrees with an exact scan (recall\@10 $hits/$total)");

	$node->safe_psql('postgres', 'DROP TABLE t, u; DROP TABLESPACE small');
	rmtree($dir);
}

my $log = slurp_file($node->logfile);
unlike($log, qr/leak|PANIC|TRAP:/, 'no leak warning, PANIC or assertion failure in the server log');

close_session($mon);
$node->stop;

done_testing();
