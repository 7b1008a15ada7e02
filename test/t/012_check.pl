#-------------------------------------------------------------------------
# test/t/012_check.pl
#	hnsw_index_check() catches real damage.  Five copies of one index are
#	damaged on disk while the server is down, each in one place: a link
#	pointing outside the index, a link count beyond the element's slots,
#	a link repeated in one list,
#	a page's special space, the entry element's layer-0 list (which cuts
#	the rest of the graph off), and an element's heap TID (a table row is
#	left without an element).  Each one is reported, naming the block and
#	offset; the untouched copy checks clean, before and after.  Not errors:
#	the dangling link from an element flagged deleted (a crash while vacuum
#	frees leaves it), and an element cut off whose insert rolled back.
#
# Offsets come from pageinspect: an element tuple is a 20-byte header (type,
# level, flags, links0, heap TID, payload size, next chunk, bytes of the
# payload here), the per-layer link counts (4 bytes for a level-0 element)
# and the links, 6 bytes each (hnswpage.h).  A chunk tuple (the rest of a
# payload wider than a page) is type, flags, size, start, heap TID, next.
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('check');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;

my @copies = qw(clean link count dup special entry heaptid deadlink);
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION vecext;
CREATE EXTENSION pageinspect;
SELECT setseed(0.5);
CREATE TABLE t (id int, v vector(8));
INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
  FROM generate_series(1, 2000) i;
} . join('', map { "CREATE INDEX idx_$_ ON t USING hnsw (v);\n" } @copies));

for my $c (@copies)
{
	my $out = $node->safe_psql('postgres',
		"SELECT elements, reachable, heap_rows FROM hnsw_index_check('idx_$c', true)");
	is($out, '2000|2000|2000', "idx_$c checks clean after the build");
}

# The first level-0 element with links on block 1: its line pointer offset.
sub first_element
{
	my ($idx) = @_;
	return $node->safe_psql(
		'postgres', qq{
SELECT lp, lp_off FROM heap_page_items(get_raw_page('$idx', 1))
 WHERE lp_len > 0 AND get_byte(get_raw_page('$idx', 1), lp_off + 1) = 0
 ORDER BY lp LIMIT 1});
}

# Byte offsets to overwrite, per copy, found while the server is up.
my %poke;
my %where;
{
	my ($lp, $off) = split /\|/, first_element('idx_link');
	# first layer-0 link's block number, high half: far past the index's end
	$poke{link} = [ 8192 + $off + 24, pack('n', 0x7fff) ];
	$where{link} = qr/block 1, offset $lp: link 0 of layer 0 points at \(\d+,\d+\), which holds no element/;
}
{
	my ($lp, $off) = split /\|/, first_element('idx_count');
	$poke{count} = [ 8192 + $off + 20, pack('S', 999) ];
	$where{count} = qr/block 1, offset $lp: 999 links on layer 0, which has \d+ slots/;
}
{
	# link 1 of layer 0 made a copy of link 0: a list that names one element twice
	my ($lp, $off) = split /\|/, first_element('idx_dup');
	my $link0 = $node->safe_psql('postgres',
		"SELECT encode(substr(get_raw_page('idx_dup', 1), $off + 25, 6), 'hex')");
	$poke{dup} = [ 8192 + $off + 30, pack('H*', $link0) ];
	$where{dup} = qr/block 1, offset $lp: links 0 and 1 of layer 0 both point at \(\d+,\d+\)/;
}
# the page id of block 1: the special space is the last 16 bytes (12 MAXALIGNed),
# page_id its bytes 10-11
$poke{special} = [ 8192 + 8176 + 10, pack('S', 0x1234) ];
$where{special} = qr/block 1, offset 0: the page's special space is not an hnsw one/;
{
	# the entry element's layer-0 count set to 0: nothing leads past it on
	# layer 0 (the metapage's entry TID is at byte 44: hnswpage.h)
	my ($blk, $lp) = split /\|/, $node->safe_psql(
		'postgres', q{
SELECT (get_byte(p, 44) + get_byte(p, 45) * 256) * 65536 + get_byte(p, 46) + get_byte(p, 47) * 256,
       get_byte(p, 48) + get_byte(p, 49) * 256
  FROM get_raw_page('idx_entry', 0) p});
	my $off = $node->safe_psql('postgres',
		"SELECT lp_off FROM heap_page_items(get_raw_page('idx_entry', $blk)) WHERE lp = $lp");
	$poke{entry} = [ 8192 * $blk + $off + 20, pack('S', 0) ];
	$where{entry} = qr/is not reachable from the entry point through layer 0 \(\d+ unreachable in all\)/;
}
{
	# an element's heap TID moved to a row of its own block that another element has
	my ($lp, $off) = split /\|/, first_element('idx_heaptid');
	my $posid = $node->safe_psql('postgres',
		"SELECT get_byte(get_raw_page('idx_heaptid', 1), $off + 8) + get_byte(get_raw_page('idx_heaptid', 1), $off + 9) * 256");
	$poke{heaptid} = [ 8192 + $off + 8, pack('S', $posid == 1 ? 2 : 1) ];
	$where{heaptid} = qr/has no element for heap row \(\d+,$posid\)/;
}

{
	# the same dangling link from an element flagged deleted (a crash while
	# vacuum frees leaves that): not an error, searches skip it
	my ($lp, $off) = split /\|/, first_element('idx_deadlink');
	$poke{deadlink} = [ 8192 + $off + 2, pack('C', 1), 8192 + $off + 24, pack('n', 0x7fff) ];
}

my %path = map {
	$_ => $node->data_dir . '/'
	  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('idx_$_')")
} @copies;

$node->stop;
for my $c (keys %poke)
{
	my @pokes = @{ $poke{$c} };
	open(my $fh, '+<:raw', $path{$c}) or die "open $path{$c}: $!";
	while (my ($at, $bytes) = splice(@pokes, 0, 2))
	{
		seek($fh, $at, 0) or die "seek: $!";
		print $fh $bytes or die "write: $!";
	}
	close($fh) or die "close: $!";
}
$node->start;

is($node->safe_psql('postgres', "SELECT elements, deleted FROM hnsw_index_check('idx_deadlink')"),
	'2000|1', 'a dangling link of an element flagged deleted does not fail the check');
for my $c (sort grep { $_ ne 'deadlink' } keys %poke)
{
	my ($rc, $out, $err) =
	  $node->psql('postgres', "SELECT * FROM hnsw_index_check('idx_$c', true)");
	isnt($rc, 0, "damage '$c' makes the check fail");
	like($err, qr/hnsw index "idx_$c"/, "damage '$c': the error names the index");
	like($err, $where{$c}, "damage '$c': the error says where and what");
	note($err);
}
is($node->safe_psql('postgres',
		"SELECT elements, reachable, heap_rows FROM hnsw_index_check('idx_clean', true)"),
	'2000|2000|2000', 'the untouched copy still checks clean');

# Payloads wider than a page: a chunk that names another heap row, and one
# that starts at the wrong byte, are each reported at their element; a
# chunk no element leads to (an insert cut off before placing its element)
# is a NOTICE.  Element 1 of block 1 goes on at block 2, offset 1.
$node->safe_psql(
	'postgres', q{
CREATE TABLE w (id int, v vector(3072));
INSERT INTO w SELECT i, array_fill(i::real, ARRAY[3072])::vector FROM generate_series(1, 20) i;
CREATE INDEX idx_chunk_heap ON w USING hnsw (v);
CREATE INDEX idx_chunk_start ON w USING hnsw (v);
CREATE INDEX idx_chunk_orphan ON w USING hnsw (v);
});
is($node->safe_psql('postgres', "SELECT elements, heap_rows FROM hnsw_index_check('idx_chunk_heap', true)"),
	'20|20', 'an index of 3072-dimension vectors checks clean');
my %chunk;
for my $c (qw(heap start orphan))
{
	my $idx = "idx_chunk_$c";
	my $off = $node->safe_psql('postgres',
		"SELECT lp_off FROM heap_page_items(get_raw_page('$idx', 2)) WHERE lp = 1 AND get_byte(get_raw_page('$idx', 2), lp_off) = 67");
	die "no chunk at (2,1) of $idx" if $off eq '';
	my $file = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$idx')");
	$chunk{$c} = [ $file, 2 * 8192 + $off ];
}
my $elem = $node->safe_psql('postgres',
	"SELECT lp_off FROM heap_page_items(get_raw_page('idx_chunk_orphan', 1)) WHERE lp = 1");
$node->stop;
sub poke_file
{
	my ($file, $at, $bytes) = @_;
	open(my $fh, '+<:raw', $file) or die "open $file: $!";
	seek($fh, $at, 0) or die "seek: $!";
	print $fh $bytes or die "write: $!";
	close($fh) or die "close: $!";
}
# heap TID offset number (bytes 10-11 of the chunk), start (bytes 4-5)
poke_file($chunk{heap}[0], $chunk{heap}[1] + 10, pack('S', 77));
poke_file($chunk{start}[0], $chunk{start}[1] + 4, pack('S', 8));
# orphan: element (1,1) flagged deleted, so nothing leads to its chunks
poke_file($chunk{orphan}[0], 8192 + $elem + 2, pack('C', 1));
$node->start;
{
	my ($rc, $out, $err) = $node->psql('postgres', "SELECT * FROM hnsw_index_check('idx_chunk_heap')");
	isnt($rc, 0, 'a chunk of another heap row makes the check fail');
	like($err, qr/block 1, offset 1: its chunk at \(2,1\) is of heap row \(\d+,77\)/,
		'the error names the element and the chunk');
	($rc, $out, $err) = $node->psql('postgres', "SELECT * FROM hnsw_index_check('idx_chunk_start')");
	isnt($rc, 0, 'a chunk at the wrong place in the payload makes the check fail');
	like($err, qr/block 1, offset 1: its chunk at \(2,1\) holds \d+ bytes from byte 8, where byte \d+ of 12288 was due/,
		'the error says which bytes were due');
	($rc, $out, $err) = $node->psql('postgres', "SELECT elements, deleted FROM hnsw_index_check('idx_chunk_orphan')");
	is($rc, 0, 'chunks no live element leads to do not fail the check');
	is($out, '20|1', 'the element flagged deleted is counted');
	like($err, qr/NOTICE:  hnsw index "idx_chunk_orphan": \d+ chunk tuples? belongs? to no element/,
		'a NOTICE counts the chunks no element leads to');
}

# An element whose insert never committed, cut off from the graph (as a
# crash between placing it and linking it in leaves it), is no lost row:
# the check passes with a NOTICE.  The same damage with the row committed
# is an error.  Tables of two rows: A, then B; A's layer-0 list, [B], is
# emptied.  B becomes the entry when its random level is above A's: then
# the index is built again (the build skips a rolled-back B) and B
# inserted again.
sub entry_of
{
	my ($idx) = @_;
	return $node->safe_psql(
		'postgres', qq{
SELECT (get_byte(p, 44) + get_byte(p, 45) * 256) * 65536 + get_byte(p, 46) + get_byte(p, 47) * 256
       || ',' || (get_byte(p, 48) + get_byte(p, 49) * 256)
  FROM get_raw_page('$idx', 0) p});
}
my %cut;
for my $how (qw(rolledback committed))
{
	my $end = $how eq 'rolledback' ? 'ROLLBACK' : 'COMMIT';
	$node->safe_psql('postgres', qq{
CREATE TABLE t_$how (id int, v vector(8));
INSERT INTO t_$how VALUES (1, '[1,0,0,0,0,0,0,0]');
CREATE INDEX idx_$how ON t_$how USING hnsw (v);});
	my $tries = 0;
	while (1)
	{
		$tries++;
		$node->safe_psql('postgres',
			"BEGIN; INSERT INTO t_$how VALUES (2, '[0,1,0,0,0,0,0,0]'); $end;");
		last if entry_of("idx_$how") eq '1,1';
		die "B became the entry $tries times" if $tries == 20;
		$node->safe_psql('postgres', "DELETE FROM t_$how WHERE id = 2; VACUUM t_$how; REINDEX INDEX idx_$how");
	}
	is($node->safe_psql('postgres',
			"SELECT elements, reachable FROM hnsw_index_check('idx_$how')"),
		'2|2', "idx_$how: A, the entry, and B ($how), both reachable (B inserted $tries times)");
	my $off = $node->safe_psql('postgres',
		"SELECT lp_off FROM heap_page_items(get_raw_page('idx_$how', 1)) WHERE lp = 1");
	$cut{$how} = [ $node->data_dir . '/'
		  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('idx_$how')"),
		8192 + $off + 20 ];
}
$node->stop;
for my $how (keys %cut)
{
	my ($file, $at) = @{ $cut{$how} };
	open(my $fh, '+<:raw', $file) or die "open $file: $!";
	seek($fh, $at, 0) or die "seek: $!";
	print $fh pack('S', 0) or die "write: $!";
	close($fh) or die "close: $!";
}
$node->start;
{
	my ($rc, $out, $err) = $node->psql('postgres',
		"SELECT elements, deleted, reachable, heap_rows FROM hnsw_index_check('idx_rolledback', true)");
	is($rc, 0, 'a cut-off element of a rolled-back insert does not fail the check');
	is($out, '2|0|1|1', '... which counts it as an element, not as reachable');
	like($err,
		qr/NOTICE:  hnsw index "idx_rolledback": 1 element is not reachable, of a table row a fresh snapshot does not see/,
		'... and says so in a NOTICE');
	($rc, $out, $err) = $node->psql('postgres', "SELECT * FROM hnsw_index_check('idx_committed', true)");
	isnt($rc, 0, 'the same cut with the row committed fails the check');
	like($err, qr/block 1, offset 2: the element is not reachable from the entry point through layer 0 \(1 unreachable in all\)/,
		'... naming the cut-off element');
	$node->safe_psql('postgres', 'VACUUM t_rolledback');
	is($node->safe_psql('postgres',
			"SELECT elements, deleted, reachable FROM hnsw_index_check('idx_rolledback', true)"),
		'1|0|1', 'VACUUM removes the rolled-back element');
}

# REINDEX repairs a damaged copy
$node->safe_psql('postgres', 'REINDEX INDEX idx_link');
is($node->safe_psql('postgres',
		"SELECT elements, reachable, heap_rows FROM hnsw_index_check('idx_link', true)"),
	'2000|2000|2000', 'after REINDEX the damaged copy checks clean');

$node->stop;
done_testing();
