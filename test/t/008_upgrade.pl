#-------------------------------------------------------------------------
# test/t/008_upgrade.pl
#	ALTER EXTENSION vecext UPDATE from 0.1.0 keeps an existing hnsw index
#	answering as before, and leaves exactly the objects a fresh CREATE
#	EXTENSION makes, described attribute by attribute.
#
# Database "upgraded" installs 0.1.0 (the frozen script), builds a table
# and an hnsw index, records a kNN answer through the index, updates to
# the current version (the 0.1.0--0.2.0 and 0.2.0--0.3.0 scripts) and asks
# again.  Database "fresh" runs a plain CREATE EXTENSION.  Then one catalog
# query, run in both, describes every member of the extension by name
# (never by OID): functions, aggregates, operators, types, casts, operator
# classes and families with all their operators and support functions,
# access methods, comments.  The two sets of lines must be equal; on
# failure the lines found on only one side are printed.
#-------------------------------------------------------------------------
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $old_version = '0.1.0';
my $new_version = '0.3.0';
my $dim = 16;
my $rows = 2000;
my $k = 10;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
autovacuum = off
log_min_messages = warning
});
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');

#-------------------------------------------------------------------------
# The old version, a table and an index built by it
#-------------------------------------------------------------------------
$node->safe_psql('upgraded', "CREATE EXTENSION vecext VERSION '$old_version'");
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'vecext'"),
	$old_version, "installed version $old_version");
is( $node->safe_psql(
		'upgraded', "SELECT to_regprocedure('hamming_distance(bit,bit)') IS NULL"),
	't', "$old_version has no bit distance functions yet (the update must create them)");

$node->safe_psql(
	'upgraded', qq{
SELECT setseed(0.8);
CREATE TABLE items (id int PRIMARY KEY, v vector($dim));
INSERT INTO items
	SELECT i, (SELECT array_agg(2 * random() - 1 ORDER BY d)
	           FROM generate_series(1, $dim) d WHERE i > 0)::vector($dim)
	FROM generate_series(1, $rows) i;
CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops);
CREATE INDEX items_v_cos_idx ON items USING hnsw (v vector_cosine_ops);
});

my $query_vec = '[' . join(',', map { sprintf('%.3f', sin($_)) } 1 .. $dim) . ']';
my %knn_sql = (
	l2 => "SELECT id FROM items ORDER BY v <-> '$query_vec' LIMIT $k",
	cosine => "SELECT id FROM items ORDER BY v <=> '$query_vec' LIMIT $k");
my %index_of = (l2 => 'items_v_idx', cosine => 'items_v_cos_idx');

# The kNN answer through the index (the plan is checked to use it).
sub knn
{
	my ($kind) = @_;
	my $settings = 'SET enable_seqscan = off; SET hnsw.ef_search = 100;';
	my $plan = $node->safe_psql('upgraded', "$settings EXPLAIN (COSTS OFF) $knn_sql{$kind}");
	like($plan, qr/Index Scan using $index_of{$kind}/, "$kind kNN query uses $index_of{$kind}");
	my $ids = $node->safe_psql('upgraded', "$settings $knn_sql{$kind}");
	return join(',', split /\n/, $ids);
}

my %before = map { $_ => knn($_) } qw(l2 cosine);
my @before_ids = split /,/, $before{l2};
is(scalar @before_ids, $k, "the l2 kNN query returns $k rows before the update");

#-------------------------------------------------------------------------
# Update, and the index answers as before
#-------------------------------------------------------------------------
$node->safe_psql('upgraded', 'ALTER EXTENSION vecext UPDATE');
is($node->safe_psql('upgraded', "SELECT extversion FROM pg_extension WHERE extname = 'vecext'"),
	$new_version, "ALTER EXTENSION vecext UPDATE reaches $new_version");
for my $kind (qw(l2 cosine))
{
	is(knn($kind), $before{$kind}, "$kind kNN answer through the index is the same after the update");
}

# The index still takes inserts: a row equal to the query comes first.
$node->safe_psql('upgraded', "INSERT INTO items VALUES (0, '$query_vec')");
like(knn('l2'), qr/^0,/, 'a row inserted after the update is found through the old index');
# (psql, not safe_psql: a missing object fails this test, not the script)
my (undef, $bit_result, $bit_error) =
  $node->psql('upgraded', "SELECT B'1011' <~> B'0110', B'1011' <%> B'0110'");
is($bit_result, '3|0.75', 'the objects the update created work')
  or diag($bit_error);

$node->safe_psql('fresh', 'CREATE EXTENSION vecext');
is($node->safe_psql('fresh', "SELECT extversion FROM pg_extension WHERE extname = 'vecext'"),
	$new_version, "a fresh CREATE EXTENSION installs $new_version");

#-------------------------------------------------------------------------
# Every object of the extension, by identity
#-------------------------------------------------------------------------
my $catalog_sql = q{
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'vecext'),
members AS (
	SELECT d.classid, d.objid, d.objsubid FROM pg_depend d, ext
	 WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
fam AS (
	SELECT f.oid, f.opfname, am.amname FROM members m
	  JOIN pg_opfamily f ON m.classid = 'pg_opfamily'::regclass AND f.oid = m.objid
	  JOIN pg_am am ON am.oid = f.opfmethod)
-- the extension itself
SELECT format('extension vecext relocatable=%s schema=%s config=%s',
	e.extrelocatable, e.extnamespace::regnamespace, e.extconfig)
  FROM pg_extension e, ext WHERE e.oid = ext.oid
UNION ALL
-- every member by name, with its comment
SELECT format('member %s comment=%s', pg_describe_object(m.classid, m.objid, m.objsubid),
	coalesce(obj_description(m.objid, m.classid::regclass::name), '-'))
  FROM members m
UNION ALL
SELECT format('function %s returns %s%s kind=%s volatility=%s strict=%s parallel=%s language=%s '
			  'prosrc=%s probin=%s secdef=%s leakproof=%s cost=%s rows=%s argnames=%s defaults=%s '
			  'config=%s acl=%s support=%s',
	p.oid::regprocedure, CASE WHEN p.proretset THEN 'setof ' ELSE '' END, format_type(p.prorettype, NULL),
	p.prokind, p.provolatile, p.proisstrict, p.proparallel, l.lanname, p.prosrc, p.probin,
	p.prosecdef, p.proleakproof, p.procost, p.prorows, p.proargnames,
	pg_get_expr(p.proargdefaults, 0), p.proconfig, p.proacl, p.prosupport::regprocedure)
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT format('aggregate %s kind=%s transfn=%s finalfn=%s combinefn=%s serialfn=%s deserialfn=%s '
			  'mtransfn=%s minvtransfn=%s mfinalfn=%s finalextra=%s finalmodify=%s sortop=%s '
			  'stype=%s sspace=%s mstype=%s initcond=%s minitcond=%s',
	a.aggfnoid::regprocedure, a.aggkind, a.aggtransfn::regprocedure, a.aggfinalfn::regprocedure,
	a.aggcombinefn::regprocedure, a.aggserialfn::regprocedure, a.aggdeserialfn::regprocedure,
	a.aggmtransfn::regprocedure, a.aggminvtransfn::regprocedure, a.aggmfinalfn::regprocedure,
	a.aggfinalextra, a.aggfinalmodify, a.aggsortop::regoperator, format_type(a.aggtranstype, NULL),
	a.aggtransspace, format_type(a.aggmtranstype, NULL), a.agginitval, a.aggminitval)
  FROM members m JOIN pg_aggregate a ON m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid
UNION ALL
SELECT format('operator %s kind=%s result=%s function=%s commutator=%s negator=%s restrict=%s join=%s '
			  'merges=%s hashes=%s',
	o.oid::regoperator, o.oprkind, format_type(o.oprresult, NULL), o.oprcode::regprocedure,
	o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest::regprocedure, o.oprjoin::regprocedure,
	o.oprcanmerge, o.oprcanhash)
  FROM members m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
UNION ALL
SELECT format('type %s type=%s category=%s len=%s byval=%s input=%s output=%s receive=%s send=%s '
			  'typmod_in=%s typmod_out=%s analyze=%s storage=%s align=%s delim=%s element=%s '
			  'array=%s default=%s collation=%s',
	t.oid::regtype, t.typtype, t.typcategory, t.typlen, t.typbyval, t.typinput::regprocedure,
	t.typoutput::regprocedure, t.typreceive::regprocedure, t.typsend::regprocedure,
	t.typmodin::regprocedure, t.typmodout::regprocedure, t.typanalyze::regprocedure,
	t.typstorage, t.typalign, t.typdelim, t.typelem::regtype, t.typarray::regtype, t.typdefault,
	t.typcollation)
  FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
UNION ALL
SELECT format('cast %s -> %s function=%s context=%s method=%s',
	format_type(c.castsource, NULL), format_type(c.casttarget, NULL), c.castfunc::regprocedure,
	c.castcontext, c.castmethod)
  FROM members m JOIN pg_cast c ON m.classid = 'pg_cast'::regclass AND c.oid = m.objid
UNION ALL
SELECT format('access method %s type=%s handler=%s', a.amname, a.amtype, a.amhandler::regprocedure)
  FROM members m JOIN pg_am a ON m.classid = 'pg_am'::regclass AND a.oid = m.objid
UNION ALL
SELECT format('operator class %s for %s: type=%s default=%s family=%s keytype=%s',
	c.opcname, am.amname, format_type(c.opcintype, NULL), c.opcdefault, f.opfname,
	format_type(nullif(c.opckeytype, 0), NULL))
  FROM members m JOIN pg_opclass c ON m.classid = 'pg_opclass'::regclass AND c.oid = m.objid
  JOIN pg_am am ON am.oid = c.opcmethod
  JOIN pg_opfamily f ON f.oid = c.opcfamily
UNION ALL
SELECT format('operator family %s for %s', fam.opfname, fam.amname) FROM fam
UNION ALL
SELECT format('operator family %s for %s: amop strategy=%s (%s,%s) operator=%s purpose=%s sortfamily=%s',
	fam.opfname, fam.amname, o.amopstrategy, format_type(o.amoplefttype, NULL),
	format_type(o.amoprighttype, NULL), o.amopopr::regoperator, o.amoppurpose,
	(SELECT sf.opfname || ' for ' || sam.amname FROM pg_opfamily sf JOIN pg_am sam ON sam.oid = sf.opfmethod
	  WHERE sf.oid = o.amopsortfamily))
  FROM fam JOIN pg_amop o ON o.amopfamily = fam.oid
UNION ALL
SELECT format('operator family %s for %s: amproc number=%s (%s,%s) function=%s',
	fam.opfname, fam.amname, p.amprocnum, format_type(p.amproclefttype, NULL),
	format_type(p.amprocrighttype, NULL), p.amproc::regprocedure)
  FROM fam JOIN pg_amproc p ON p.amprocfamily = fam.oid;
};

my @upgraded = sort split /\n/, $node->safe_psql('upgraded', $catalog_sql);
my @fresh = sort split /\n/, $node->safe_psql('fresh', $catalog_sql);

# The query sees every kind of object it describes (a query that saw
# nothing would compare two empty sets).
for my $kind ('function', 'aggregate', 'operator', 'type', 'cast', 'access method',
	'operator class', 'operator family', 'member')
{
	cmp_ok(scalar(grep { /^\Q$kind\E / } @fresh),
		'>', 0, "the fresh install has lines of kind '$kind' to compare");
}
ok((grep { /^member function hamming_distance\(bit,bit\)/ } @fresh),
	'the comparison covers the bit functions');

# Lines found in one set only.
sub only_in
{
	my ($mine, $theirs) = @_;
	my %other = map { $_ => 1 } @$theirs;
	return grep { !$other{$_} } @$mine;
}
my @missing = only_in(\@fresh, \@upgraded);
my @extra = only_in(\@upgraded, \@fresh);
ok(@missing == 0 && @extra == 0 && @upgraded == @fresh,
	sprintf('upgraded and fresh installs have the same %d object lines', scalar @fresh))
  or diag(join("\n",
	sprintf('%d line(s) only in the fresh install (missing or different after the update):',
		scalar @missing),
	(map { "  - $_" } @missing),
	sprintf('%d line(s) only in the upgraded install:', scalar @extra),
	(map { "  + $_" } @extra)));

$node->stop;
done_testing();
