#-------------------------------------------------------------------------
# test/t/017_ivfflat.pl
#	ivfflat on a seeded, clustered 20000 x 32 set with 100 lists: recall@10
#	>= 0.95 at 10 probes for every opclass, measured against the exact
#	answer, and rising with probes; an iterative scan gets LIMIT rows
#	through a 1% filter; half the rows deleted and VACUUM keep every live
#	row; a streaming standby answers as the primary; kill -9 during
#	concurrent inserts leaves every committed row in the index.
#-------------------------------------------------------------------------
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);
use VecextCheck;

my $dim = 32;
my $rows = 20000;
my $lists = 100;
my $k = 10;

my $node = PostgreSQL::Test::Cluster->new('ivfflat');
$node->init(allows_streaming => 1);
$node->append_conf(
	'postgresql.conf', qq{
shared_buffers = 128MB
autovacuum = off
jit = off
log_statement = none
log_min_messages = warning
});
$node->start;

# Points: one of 100 centres in [-1, 1)^32 plus Gaussian noise (sigma 0.5,
# Box-Muller); the 50 queries are drawn the same way, none in the table.
# halfvec is the same point, bit its signs.
my $point = qq{(SELECT array_agg(c.ctr[d] + 0.5 * sqrt(-2 * ln(1 - random()))
                                 * cos(2 * pi() * random()) ORDER BY d)
               FROM generate_series(1, $dim) d)};
$node->safe_psql(
	'postgres', qq{
CREATE EXTENSION vecext;
SELECT setseed(0.31);
CREATE TABLE centres AS
	SELECT cid, (SELECT array_agg(2 * random() - 1 ORDER BY d)
	             FROM generate_series(1, $dim) d WHERE cid > 0) AS ctr
	FROM generate_series(1, 100) cid;
CREATE TABLE items (id int PRIMARY KEY, v vector($dim), h halfvec($dim), b bit($dim));
CREATE TABLE queries (qid int, v vector($dim), h halfvec($dim), b bit($dim));
CREATE FUNCTION signs(x vector) RETURNS bit($dim) LANGUAGE sql IMMUTABLE AS
  \$\$SELECT string_agg(CASE WHEN e > 0 THEN '1' ELSE '0' END, '' ORDER BY o)::bit($dim)
      FROM unnest(x::real[]) WITH ORDINALITY AS u(e, o)\$\$;
INSERT INTO items (id, v)
  SELECT i, ${point}::vector FROM generate_series(1, $rows) i
  JOIN centres c ON c.cid = 1 + (i * 7919) % 100;
INSERT INTO queries (qid, v)
  SELECT i, ${point}::vector FROM generate_series(1, 50) i
  JOIN centres c ON c.cid = 1 + (i * 31) % 100;
UPDATE items SET h = v::halfvec, b = signs(v);
UPDATE queries SET h = v::halfvec, b = signs(v);
ANALYZE items;

-- recall at k of the index on col (ordered by op) against the exact scan,
-- over all queries, at each of probes; a row within the k-th exact
-- distance counts (ties)
CREATE FUNCTION recall(col text, op text, probes int[], k int) RETURNS float8[]
LANGUAGE plpgsql AS \$\$
DECLARE
  q record;
  kth float8;
  found int;
  hits int[] := array_fill(0, ARRAY[array_length(probes, 1)]);
BEGIN
  FOR q IN SELECT * FROM queries ORDER BY qid LOOP
    SET LOCAL enable_indexscan = off;
    EXECUTE format('SELECT max(d) FROM (SELECT %I %s (SELECT %I FROM queries WHERE qid = \$1) AS d
                    FROM items ORDER BY 1 LIMIT %s) s', col, op, col, k) INTO kth USING q.qid;
    SET LOCAL enable_indexscan = on;
    SET LOCAL enable_seqscan = off;
    FOR i IN 1 .. array_length(probes, 1) LOOP
      EXECUTE format('SET LOCAL ivfflat.probes = %s', probes[i]);
      EXECUTE format('SELECT count(*) FROM (SELECT %1\$I %2\$s (SELECT %1\$I FROM queries WHERE qid = \$1) AS d
                      FROM items ORDER BY %1\$I %2\$s (SELECT %1\$I FROM queries WHERE qid = \$1) LIMIT %3\$s) s
                      WHERE d <= \$2 + 1e-6', col, op, k) INTO found USING q.qid, kth;
      hits[i] := hits[i] + found;
    END LOOP;
    RESET enable_seqscan;
  END LOOP;
  RETURN (SELECT array_agg(h::float8 / (k * (SELECT count(*) FROM queries)) ORDER BY n)
            FROM unnest(hits) WITH ORDINALITY AS u(h, n));
END \$\$;
});

my @opclasses = (
	[ 'v', 'vector_l2_ops', '<->' ],
	[ 'v', 'vector_ip_ops', '<#>' ],
	[ 'v', 'vector_cosine_ops', '<=>' ],
	[ 'h', 'halfvec_l2_ops', '<->' ],
	[ 'h', 'halfvec_ip_ops', '<#>' ],
	[ 'h', 'halfvec_cosine_ops', '<=>' ],
	[ 'b', 'bit_hamming_ops', '<~>' ],
);
for my $o (@opclasses)
{
	my ($col, $opclass, $op) = @$o;
	my $t0 = time();
	$node->safe_psql('postgres',
		"CREATE INDEX items_$opclass ON items USING ivfflat ($col $opclass) WITH (lists = $lists)");
	my $built = time() - $t0;
	like(
		$node->safe_psql(
			'postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF)
SELECT id FROM items ORDER BY $col $op (SELECT $col FROM queries WHERE qid = 1) LIMIT $k"),
		qr/items_$opclass/, "$opclass: the query uses its index");
	my $t1 = time();
	my @r = split /\|/, $node->safe_psql('postgres',
		"SELECT array_to_string(recall('$col', '$op', '{1,4,10,32}', $k), '|')");
	note sprintf('%s: built in %.1f s, recall measured in %.1f s; recall@%d at probes 1, 4, 10, 32: %s',
		$opclass, $built, time() - $t1, $k,
		join(', ', map { sprintf('%.3f', $_) } @r));
	cmp_ok($r[2], '>=', 0.95, sprintf('%s: recall@%d at 10 probes %.3f >= 0.95', $opclass, $k, $r[2]));
	ok($r[0] <= $r[1] && $r[1] <= $r[2] && $r[2] <= $r[3] && $r[0] < $r[3],
		"$opclass: recall rises with probes");
	$node->safe_psql('postgres', "DROP INDEX items_$opclass");
}

$node->safe_psql('postgres',
	"CREATE INDEX items_v ON items USING ivfflat (v vector_l2_ops) WITH (lists = $lists)");

# a 1% filter: probes = 1 leaves about one matching row; iterative scans
# probe on until the 10 come
my $filtered = q{SELECT count(*) FROM (SELECT id FROM items WHERE id % 100 = 0
  ORDER BY v <-> (SELECT v FROM queries WHERE qid = %d) LIMIT 10) s};
my ($short, $full) = (0, 0);
for my $qid (1 .. 20)
{
	$short++ if $node->safe_psql('postgres',
		"SET enable_seqscan = off; SET enable_bitmapscan = off; " . sprintf($filtered, $qid)) < 10;
	$full++ if $node->safe_psql('postgres',
		"SET enable_seqscan = off; SET enable_bitmapscan = off;
		 SET ivfflat.iterative_scan = relaxed_order; " . sprintf($filtered, $qid)) == 10;
}
cmp_ok($short, '>=', 15, "1% filter, one probe, iterative scans off: $short of 20 queries come up short");
is($full, 20, '1% filter, relaxed_order: all 20 queries get their 10 rows');

# every row, and after deleting half and VACUUM every live row
my $all = "SET enable_seqscan = off; SET ivfflat.probes = $lists;
SELECT count(*), count(DISTINCT id), coalesce(bool_and(id % 2 = 1), true)
  FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE qid = 1)) s";
is($node->safe_psql('postgres', $all), "$rows|$rows|f", "probes = lists: all $rows rows, once each");
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 2 = 0; VACUUM items;');
my $half = $rows / 2;
is($node->safe_psql('postgres', $all), "$half|$half|t",
	"half deleted, VACUUM: the $half live rows, and only they");

# a streaming standby answers as the primary, after more inserts
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('ivfflat_standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->safe_psql('postgres',
	"INSERT INTO items (id, v) SELECT $rows + qid, v FROM queries; DELETE FROM items WHERE id % 3 = 0; VACUUM items;");
$node->wait_for_catchup($standby, 'replay', $node->lsn('insert'));
my $answers = "SET enable_seqscan = off; SET ivfflat.probes = 3;
SELECT string_agg(id::text, ',' ORDER BY qid, n) FROM queries,
  LATERAL (SELECT id, row_number() OVER () AS n FROM
    (SELECT id FROM items ORDER BY v <-> queries.v LIMIT 5) s) x";
my $on_primary = $node->safe_psql('postgres', $answers);
is($standby->safe_psql('postgres', $answers), $on_primary, 'the standby answers 50 queries as the primary');
$standby->stop;

# kill -9 during concurrent inserts: every committed row is in the index
my $script = $node->basedir . '/insert.sql';
append_to_file($script, qq{
INSERT INTO items (id, v) SELECT nextval('ids'), array_agg(2 * random() - 1)::vector($dim)
	FROM generate_series(1, $dim);
});
$node->safe_psql('postgres', 'CREATE SEQUENCE ids START 100000');
my ($out, $err) = ('', '');
my $pgbench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '4', '-j', '2', '-T', '30', '-f', $script,
	  '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$out, '2>', \$err, IPC::Run::timeout(120));
my $before = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
my $start = time();
my $now = $before;
while (time() - $start < 10 && $now < $before + 2000)
{
	usleep(200_000);
	$now = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
}
cmp_ok($now, '>', $before, 'sessions were inserting when the server was killed');
kill_server($node);
$pgbench->finish;
$node->start;
my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
cmp_ok($count, '>=', $now, "the rows committed before the kill survive ($count)");
is( $node->safe_psql(
		'postgres', "SET enable_seqscan = off; SET ivfflat.probes = $lists;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE qid = 2)) s"),
	$count, 'after crash recovery the index holds every row');
is( $node->safe_psql(
		'postgres', "SET enable_seqscan = off; SET ivfflat.probes = 1;
SELECT count(*) FROM (SELECT i.id FROM items i
  WHERE i.id >= 100000 AND i.id = (SELECT j.id FROM items j ORDER BY j.v <-> i.v LIMIT 1)) s"),
	$node->safe_psql('postgres', 'SELECT count(*) FROM items WHERE id >= 100000'),
	'every row inserted before the kill is found by its own vector at one probe');

$node->stop;
done_testing();
