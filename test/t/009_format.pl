#-------------------------------------------------------------------------
# test/t/009_format.pl
#	The on-disk format version is checked: an hnsw index whose metapage
#	says another format (one written by an older vecext) is refused by
#	scans, inserts and vacuum with an error that says to REINDEX, and a
#	REINDEX makes it usable again.  A metapage that is not an hnsw one
#	(wrong magic) is refused too.
#
# The old format is made by rewriting the version field of the metapage in
# the index's file while the server is down: the field sits right after the
# page header and the magic number (hnswpage.h, HnswMetaPageData).
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('format');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION vecext;
CREATE TABLE t (id int, v vector(3));
INSERT INTO t SELECT i, ARRAY[i, i % 7, i % 11]::real[] FROM generate_series(1, 500) i;
CREATE INDEX t_v_idx ON t USING hnsw (v vector_l2_ops);
});

my $knn = q{SET enable_seqscan = off;
SELECT id FROM t ORDER BY v <-> '[10,3,10]' LIMIT 3};
my $before = $node->safe_psql('postgres', $knn);
my $exact = $node->safe_psql('postgres',
	q{SELECT id FROM t ORDER BY v <-> '[10,3,10]', id LIMIT 3});
is($before, $exact, 'the index answers like an exact scan before the change');

# Overwrite 4 bytes at a byte offset of the index's first page (its file
# changes with every REINDEX).
sub poke
{
	my ($offset, $value) = @_;
	my $path = $node->data_dir . '/'
	  . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('t_v_idx')});
	$node->stop;
	open(my $fh, '+<:raw', $path) or die "open $path: $!";
	seek($fh, $offset, 0) or die "seek: $!";
	print $fh pack('L', $value) or die "write: $!";
	close($fh) or die "close: $!";
	$node->start;
}

# Page header 24 bytes, then magic (4), then version (4).
poke(28, 1);

my ($rc, $out, $err) = $node->psql('postgres', $knn);
isnt($rc, 0, 'a scan of a format-1 index fails');
like($err, qr/index "t_v_idx" has on-disk format version 1, this vecext reads version \d+/,
	'the error names the index and both versions');
like($err, qr/HINT:\s+REINDEX the index/, 'and says to REINDEX');

($rc, $out, $err) =
  $node->psql('postgres', q{INSERT INTO t VALUES (0, '[1,1,1]')});
isnt($rc, 0, 'an insert into it fails');
like($err, qr/on-disk format version 1/, 'with the same error');

($rc, $out, $err) = $node->psql('postgres', q{VACUUM t});
isnt($rc, 0, 'a vacuum of it fails');
like($err, qr/on-disk format version 1/, 'with the same error');

$node->safe_psql('postgres', 'REINDEX INDEX t_v_idx');
is($node->safe_psql('postgres', $knn), $before, 'after REINDEX it answers as before');

# Not an hnsw metapage at all: the magic number is wrong.
poke(24, 0x12345678);
($rc, $out, $err) = $node->psql('postgres', $knn);
isnt($rc, 0, 'a scan of an index with a wrong magic number fails');
like($err, qr/index "t_v_idx" is not an hnsw index, or its metapage is corrupted/,
	'the error says the metapage is not an hnsw one');
$node->safe_psql('postgres', 'REINDEX INDEX t_v_idx');
is($node->safe_psql('postgres', $knn), $before, 'REINDEX repairs that too');

$node->stop;
done_testing();
