#-------------------------------------------------------------------------
# test/VecextCheck.pm
#	For the Perl TAP tests: check every hnsw index of a database with
#	hnsw_index_check(index, true), one test per index; kill a server as
#	a machine crash would.
#-------------------------------------------------------------------------
package VecextCheck;

use strict;
use warnings;

use Exporter 'import';
use Test::More;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Utils qw(slurp_file);

our @EXPORT = qw(check_hnsw_indexes kill_server);

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
