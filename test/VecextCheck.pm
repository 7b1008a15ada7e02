#-------------------------------------------------------------------------
# test/VecextCheck.pm
#	For the Perl TAP tests: check every hnsw index of a database with
#	hnsw_index_check(index, true), one test per index.
#-------------------------------------------------------------------------
package VecextCheck;

use strict;
use warnings;

use Exporter 'import';
use Test::More;

our @EXPORT = qw(check_hnsw_indexes);

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

1;
