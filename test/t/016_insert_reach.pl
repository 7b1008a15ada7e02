#-------------------------------------------------------------------------
# test/t/016_insert_reach.pl
#	Every row findable after single-row inserts.  Two hnsw indexes created
#	on empty tables are filled by four concurrent sessions each: one with
#	tight clusters whose centres are also inserted as exact duplicates (a
#	cluster is often reached through one link only, which the neighbour
#	heuristic then prunes: before inserts kept a path to every link they
#	pruned, 1800 to 2100 of these 20000 rows ended up unreachable), one with
#	wider clusters and groups of eight exact duplicates.  The checker must
#	find every element reachable from the entry point, and a search for
#	each row's own vector at ef_search 400 must return it, or a duplicate,
#	but for a handful (see the comment there).  A third index, m = 4, is
#	filled by eight sessions with the tight clusters: with lists that
#	short, each of a new element's neighbours may be unable to take it
#	without dropping a link no path replaces, while the new element has no
#	room to take that link over (before inserts displaced a link then and
#	found its target another way in, 1 to 11 of these 20000 rows had no
#	in-link, in 45 of 47 runs, one session or eight).
#-------------------------------------------------------------------------
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecextCheck;

my $dim = 16;
my $clusters = 40;
my $sessions = 4;
my $per_session = 5000;

my $node = PostgreSQL::Test::Cluster->new('insert_reach');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 64MB
max_connections = 20
autovacuum = off
log_statement = none
log_min_messages = warning
});
$node->start;

# Cluster centres drawn uniformly from [-1, 1)^dim.
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.5);
CREATE TABLE centres AS
	SELECT cid, (SELECT array_agg(2 * random() - 1 ORDER BY d)
	             FROM generate_series(1, $dim) d WHERE cid > 0) AS ctr
	FROM generate_series(1, $clusters) cid;
CREATE TABLE tight (id bigserial PRIMARY KEY, v vector($dim));
CREATE INDEX tight_v_idx ON tight USING hnsw (v vector_l2_ops);
CREATE TABLE wide (id bigserial PRIMARY KEY, v vector($dim));
CREATE INDEX wide_v_idx ON wide USING hnsw (v vector_l2_ops);
CREATE TABLE small (id bigserial PRIMARY KEY, v vector($dim));
CREATE INDEX small_v_idx ON small USING hnsw (v vector_l2_ops) WITH (m = 4);
});

# One session's rows.  tight (and small): of every 10, one is its cluster's centre
# exactly, the others the centre plus uniform noise of width 0.3.  wide:
# noise of width 1; of every 10 rows one is a point that 7 other rows
# (one more in this session, two in each other one) repeat exactly.
sub fill_sql
{
	my ($table, $session, $n) = @_;
	my $value =
	  $table ne 'wide'
	  ? qq{CASE i % 10 WHEN 0 THEN c.ctr::vector($dim)
	ELSE (SELECT array_agg(c.ctr[d] + 0.3 * (random() - 0.5))
	      FROM generate_series(1, $dim) d)::vector($dim) END}
	  : qq{(SELECT array_agg(c.ctr[d] + CASE WHEN i % 10 = 0
	                                      THEN 0.5 * sin(i / 20 * 31 + d * 7)
	                                      ELSE random() - 0.5 END)
	  FROM generate_series(1, $dim) d)::vector($dim)};
	my $cid =
	  $table ne 'wide'
	  ? "1 + (i * 7 + $session) % $clusters"
	  : "1 + CASE WHEN i % 10 = 0 THEN i / 20 ELSE i * 7 + $session END % $clusters";
	return qq{SELECT setseed(0.$session);
INSERT INTO $table (v) SELECT $value
FROM generate_series(1, $n) i JOIN centres c ON c.cid = $cid;};
}

# Run fill_sql in $ns concurrent psql sessions; true when all succeed.
sub fill_concurrently
{
	my ($table, $ns, $n) = @_;
	my @runs;
	for my $s (1 .. $ns)
	{
		my ($out, $err) = ('', '');
		my $h = IPC::Run::start(
			[
				'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
				'-d', $node->connstr('postgres'),
				'-c', fill_sql($table, $s, $n)
			],
			'>', \$out, '2>', \$err);
		push @runs, [ $h, \$err ];
	}
	my $ok = 1;
	for my $r (@runs)
	{
		$r->[0]->finish;
		if ($r->[0]->result != 0)
		{
			$ok = 0;
			diag(${ $r->[1] });
		}
	}
	return $ok;
}

# The checker's verdict: elements and reachable are equal, without error.
sub check_reachable
{
	my ($table) = @_;
	my ($rc, $out, $err) = $node->psql('postgres',
		qq{SELECT elements, reachable FROM hnsw_index_check('${table}_v_idx', true)});
	is($rc, 0, "$table: hnsw_index_check finds nothing wrong") or diag($err);
	my ($elements, $reachable) = split /\|/, ($out // '');
	$elements //= -1;
	$reachable //= -2;
	is($reachable, $elements, "$table: all $elements elements are reachable from the entry");
}

# Rows a search for their own vector at ef_search 400 does not return (a
# duplicate returning a twin at distance 0 counts as found).
sub self_misses
{
	my ($table) = @_;
	return $node->safe_psql(
		'postgres', qq{
SET enable_seqscan = off;
SET hnsw.ef_search = 400;
SELECT count(*) FROM $table a
LEFT JOIN LATERAL (SELECT b.id, b.v <-> a.v AS d FROM $table b
                   ORDER BY b.v <-> a.v LIMIT 1) nn ON true
WHERE nn.id IS NULL OR (nn.id <> a.id AND nn.d > 0);
});
}

for my $fill (['tight', $sessions], ['wide', $sessions], ['small', 2 * $sessions])
{
	my ($table, $ns) = @$fill;
	my $n = $sessions * $per_session / $ns;
	ok(fill_concurrently($table, $ns, $n),
		"$table: $ns sessions insert $n rows each into the empty index");
	is($node->safe_psql('postgres', "SELECT count(*) FROM $table"),
		$sessions * $per_session, "$table: every row is in the table");
	check_reachable($table);
}

# Reachable is not always found: where the greedy descent ends in a
# neighbouring cluster, even ef_search 400 may not get out.  On the tight
# clusters that misses a few hundred reachable rows (with or without the
# reachability rules: the descent's matter, not the links'); on the wide
# ones, 0 to 7 of 20000 in the runs tried, before and after them.
my $misses = self_misses('wide');
note("wide: rows not found by their own vector at ef_search 400: $misses");
cmp_ok($misses, '<=', 20,
	'wide: every row but at most 0.1% is found by its own vector at ef_search 400');
note('tight: rows not found by their own vector at ef_search 400: ' . self_misses('tight'));

check_hnsw_indexes($node);

$node->stop;
done_testing();
