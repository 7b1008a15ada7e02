#-------------------------------------------------------------------------
# test/VecextCheck.pm
#	For the Perl TAP tests: check every hnsw index of a database with
#	hnsw_index_check(index, true), one test per index; the kNN answers of a
#	table of queries, through the index or exactly; start a streaming
#	standby that checks generic WAL records; kill a server as a machine
#	crash would, and start it again through crash recovery.
#-------------------------------------------------------------------------
package VecextCheck;

use strict;
use warnings;

use Exporter 'import';
use Test::More;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils qw(slurp_file);

our @EXPORT =
  qw(check_hnsw_indexes knn_answers start_standby standby_failure catch_up kill_server
  start_after_crash);

# check_hnsw_indexes(NODE, [DBNAME]): returns how many indexes were checked.
sub check_hnsw_indexes
{
	my ($node, $db) = @_;
	$db //= 'postgres';
	my @indexes = split /\n/, $node->safe_psql(
		$db, q{SELECT c.oid::regclass FROM pg_class c JOIN pg_am a ON a.oid = c.relam
		        WHERE a.amname = 'hnsw' AND c.relkind = 'i' ORDER BY 1});
	for my $idx (@indexes)
	{
		my ($rc, $out, $err) = $node->psql($db,
			"SELECT elements, reachable, heap_rows FROM hnsw_index_check('$idx', true)");
		is($rc, 0, "hnsw_index_check('$idx', true) finds nothing wrong")
		  or diag($err);
		note("$idx: elements|reachable|heap_rows = $out");
	}
	return scalar @indexes;
}

# knn_answers(NODE, EXACT, EF, SELECT, QUERIES): for every row q of the table
# QUERIES, the items SELECT returns for it (a query over q, nearest first,
# one column), as a list per q.id.  Through the index (enable_seqscan off;
# hnsw.ef_search EF unless EF is undef), or, with EXACT, by an exact scan.
sub knn_answers
{
	my ($node, $exact, $ef, $select, $queries) = @_;
	my $settings =
	  $exact
	  ? 'SET enable_indexscan = off; SET enable_bitmapscan = off;'
	  : 'SET enable_seqscan = off;' . (defined $ef ? " SET hnsw.ef_search = $ef;" : '');
	my %answer;
	for my $line (
		split /\n/,
		$node->safe_psql(
			'postgres', qq{$settings
SELECT q.id, array_to_string(ARRAY($select), ',') FROM $queries q ORDER BY q.id;}))
	{
		my ($qid, $list) = split /\|/, $line;
		$answer{$qid} = [ split /,/, ($list // '') ];
	}
	return \%answer;
}

# start_after_crash(NODE, WHO): start a killed server, one test that it went
# through crash recovery; returns the log offset it started at.
sub start_after_crash
{
	my ($node, $who) = @_;
	my $log_offset = -s $node->logfile;
	$node->start;
	like(slurp_file($node->logfile, $log_offset),
		qr/database system was interrupted|was not properly shut down/,
		"$who went through crash recovery");
	return $log_offset;
}

# start_standby(PRIMARY, NAME): a streaming standby of a running primary,
# from a fresh base backup, started; one test that it replays with
# wal_consistency_checking = 'generic' (set on the primary), which compares
# every page a generic WAL record rebuilds with the image it carries.
sub start_standby
{
	my ($primary, $name) = @_;
	$primary->backup("${name}_backup");
	my $standby = PostgreSQL::Test::Cluster->new($name);
	$standby->init_from_backup($primary, "${name}_backup", has_streaming => 1);
	$standby->start;
	is($standby->safe_psql('postgres', 'SHOW wal_consistency_checking'),
		'generic', 'standby checks generic WAL records against page images');
	return $standby;
}

# standby_failure(STANDBY): the lines of its log that say replay failed, or
# undef.  The startup process dies (FATAL "inconsistent page found") on a
# replay mismatch, and the whole standby stops with it.  (A walreceiver
# FATAL while the primary restarts is normal: not matched.)
sub standby_failure
{
	my ($standby) = @_;
	my @bad = grep {
		/inconsistent page found|PANIC|TRAP:|startup process \(PID \d+\) (?:exited|was terminated)|shutting down due to startup process failure/
	} split /\n/, slurp_file($standby->logfile);
	return @bad ? join("\n", @bad) : undef;
}

# catch_up(PRIMARY, STANDBY, WHAT): wait until the standby has replayed all
# the primary has written, one test; fail at once, with the standby's
# complaint, if it stopped.
sub catch_up
{
	my ($primary, $standby, $what) = @_;
	my $target = $primary->lsn('insert');
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
	my $name = $standby->name;
	while (1)
	{
		my $failure = standby_failure($standby);
		if (defined $failure)
		{
			fail("standby replays $what");
			diag("standby log:\n$failure");
			die "standby stopped while replaying $what\n";
		}
		last
		  if $primary->safe_psql('postgres',
			qq{SELECT count(*) FROM pg_stat_replication
			   WHERE application_name = '$name' AND state = 'streaming'
			     AND replay_lsn >= '$target'}) eq '1';
		if (time() > $deadline)
		{
			fail("standby replays $what");
			die "timed out waiting for the standby to replay $what\n";
		}
		usleep(100_000);
	}
	pass("standby replays $what without a page mismatch");
}

# 'running', 'zombie' (dead, not yet reaped by its parent) or 'gone'.
sub process_state
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return 'gone';
	my $stat = <$fh> // '';
	close $fh;
	return 'gone' unless $stat =~ /^\d+ \(.*\) (\S)/;
	return $1 eq 'Z' ? 'zombie' : 'running';
}

# kill_server(NODE): kill -9 of the postmaster and all its children at
# once, as a machine crash would end them; returns once none of them runs,
# with the number of children killed.  An orphaned postmaster may stay a
# zombie for as long as init leaves it: its postmaster.pid and socket lock
# file then go, since no process of that server is left.
sub kill_server
{
	my ($node) = @_;
	my $postmaster = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
	my @children;
	for my $stat (glob '/proc/[0-9]*/stat')
	{
		open my $fh, '<', $stat or next;
		my $line = <$fh> // '';
		close $fh;
		push @children, $1 if $line =~ /^(\d+) \(.*\) \S+ (\d+)/ && $2 == $postmaster;
	}
	$node->kill9;
	kill 'KILL', @children;
	my $deadline = time() + 60;
	usleep(20_000)
	  while grep({ process_state($_) eq 'running' } $postmaster, @children) && time() < $deadline;
	die "server processes survive kill -9"
	  if grep { process_state($_) eq 'running' } $postmaster, @children;
	$deadline = time() + 2;
	usleep(20_000) while process_state($postmaster) ne 'gone' && time() < $deadline;
	if (process_state($postmaster) ne 'gone')
	{
		unlink $node->data_dir . '/postmaster.pid';
		unlink $node->host . '/.s.PGSQL.' . $node->port . '.lock';
	}
	return scalar @children;
}

1;
