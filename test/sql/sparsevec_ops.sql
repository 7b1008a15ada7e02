-- sparsevec distance operators: <-> <#> <=> <+>, exact values checked by hand,
-- zero norms, large values, dimension mismatch, commutators.

-- a = [1,0,2], b = [0,2,1]: l2 = sqrt(1+4+1), ip = 2, cos = 1 - 2/5, l1 = 1+2+1
SELECT '{1:1,3:2}/3'::sparsevec <-> '{2:2,3:1}/3' AS l2,
       sqrt(6::float8) AS expected;
SELECT '{1:1,3:2}/3'::sparsevec <#> '{2:2,3:1}/3' AS neg_ip;
SELECT '{1:1,3:2}/3'::sparsevec <=> '{2:2,3:1}/3' AS cos;
SELECT '{1:1,3:2}/3'::sparsevec <+> '{2:2,3:1}/3' AS l1;

-- disjoint index sets, an empty side, identical vectors
SELECT '{1:3}/2'::sparsevec <-> '{2:4}/2' AS l2,
       '{1:3}/2'::sparsevec <#> '{2:4}/2' AS neg_ip,
       '{1:3}/2'::sparsevec <=> '{2:4}/2' AS cos,
       '{1:3}/2'::sparsevec <+> '{2:4}/2' AS l1;
SELECT '{}/2'::sparsevec <-> '{1:3,2:4}/2' AS l2,
       '{}/2'::sparsevec <#> '{1:3,2:4}/2' AS neg_ip,
       '{}/2'::sparsevec <+> '{1:3,2:4}/2' AS l1;
SELECT '{1:3,2:4}/2'::sparsevec <-> '{}/2' AS l2,
       '{1:3,2:4}/2'::sparsevec <+> '{}/2' AS l1;
SELECT '{1:1.5,4:-2}/4'::sparsevec <-> '{1:1.5,4:-2}/4' AS l2,
       '{1:1.5,4:-2}/4'::sparsevec <#> '{1:1.5,4:-2}/4' AS neg_ip,
       '{1:1.5,4:-2}/4'::sparsevec <=> '{1:1.5,4:-2}/4' AS cos,
       '{1:1.5,4:-2}/4'::sparsevec <+> '{1:1.5,4:-2}/4' AS l1;
-- interleaved: [1,0,3,0,5,0,7,0] and [0,2,0,4,0,6,0,8]
SELECT '{1:1,3:3,5:5,7:7}/8'::sparsevec <-> '{2:2,4:4,6:6,8:8}/8' AS l2,
       sqrt(204::float8) AS expected,
       '{1:1,3:3,5:5,7:7}/8'::sparsevec <#> '{2:2,4:4,6:6,8:8}/8' AS neg_ip,
       '{1:1,3:3,5:5,7:7}/8'::sparsevec <+> '{2:2,4:4,6:6,8:8}/8' AS l1;
-- partly shared: [1,0,3,0,5] and [0,4,6,8,0]: ip = 18, l1 = 1+4+3+8+5
SELECT '{1:1,3:3,5:5}/5'::sparsevec <#> '{2:4,3:6,4:8}/5' AS neg_ip,
       '{1:1,3:3,5:5}/5'::sparsevec <+> '{2:4,3:6,4:8}/5' AS l1,
       '{1:1,3:3,5:5}/5'::sparsevec <-> '{2:4,3:6,4:8}/5' AS l2,
       sqrt(115::float8) AS expected;

-- cosine: parallel, orthogonal, opposite
SELECT '{1:1,2:2}/2'::sparsevec <=> '{1:2,2:4}/2' AS parallel;
SELECT '{1:1}/2'::sparsevec <=> '{2:2}/2' AS orthogonal;
SELECT '{1:1,2:1}/2'::sparsevec <=> '{1:-1,2:-1}/2' AS opposite;
SELECT round(('{1:1,2:1}/2'::sparsevec <=> '{1:1.1,2:1.1}/2')::numeric, 6) AS same_direction;
SELECT round(('{1:1,2:2,3:3}/3'::sparsevec <=> '{1:4,2:5,3:6}/3')::numeric, 6) AS cos,
       round((1 - 32 / sqrt(14 * 77::float8))::numeric, 6) AS expected;
-- a zero vector has no direction: NaN, as for vector
SELECT '{1:1,2:2}/2'::sparsevec <=> '{}/2' AS zero_right,
       '{}/2'::sparsevec <=> '{1:1,2:2}/2' AS zero_left,
       '{}/1'::sparsevec <=> '{}/1' AS both_zero,
       '[1,2]'::vector <=> '[0,0]' AS vector_too;

-- indices near the largest dimension
SELECT '{1:1,1000000000:2}/1000000000'::sparsevec <-> '{1000000000:-1}/1000000000' AS l2,
       sqrt(10::float8) AS expected,
       '{1:1,1000000000:2}/1000000000'::sparsevec <#> '{1000000000:-1}/1000000000' AS neg_ip,
       '{1:1,1000000000:2}/1000000000'::sparsevec <+> '{1000000000:-1}/1000000000' AS l1;

-- float4 arithmetic, like vector: sums that overflow are Infinity
SELECT '{1:3e38}/1'::sparsevec <#> '{1:3e38}/1' AS neg_ip,
       '[3e38]'::vector <#> '[3e38]' AS vector_neg_ip;
SELECT '{1:3e38}/1'::sparsevec <+> '{1:-3e38}/1' AS l1,
       '[3e38]'::vector <+> '[-3e38]' AS vector_l1;
SELECT '{1:3e38}/1'::sparsevec <-> '{1:-3e38}/1' AS l2,
       '[3e38]'::vector <-> '[-3e38]' AS vector_l2;
SELECT '{1:3e38}/1'::sparsevec <=> '{1:3e38}/1' AS cos,
       '[3e38]'::vector <=> '[3e38]' AS vector_cos;

-- commutators: a <op> b = b <op> a
SELECT a <-> b = b <-> a AS l2, a <#> b = b <#> a AS ip, a <=> b = b <=> a AS cos, a <+> b = b <+> a AS l1
  FROM (SELECT '{1:1.5,2:-2,7:3}/9'::sparsevec AS a, '{2:4,5:0.5,9:-6}/9'::sparsevec AS b) s;
SELECT oprname, oprcom::regoperator
  FROM pg_operator WHERE oprleft = 'sparsevec'::regtype AND oprname IN ('<->', '<#>', '<=>', '<+>')
 ORDER BY oprname;

-- strict: NULL in, NULL out
SELECT NULL::sparsevec <-> '{}/1' IS NULL AS l2, '{}/1'::sparsevec <#> NULL IS NULL AS ip,
       NULL::sparsevec <=> NULL IS NULL AS cos, '{}/1'::sparsevec <+> NULL IS NULL AS l1;

-- dimension mismatch names both dimensions
SELECT '{1:1,2:2}/2'::sparsevec <-> '{1:3}/1';
SELECT '{1:1,2:2}/2'::sparsevec <#> '{1:3}/1';
SELECT '{1:1,2:2}/2'::sparsevec <=> '{1:3}/1';
SELECT '{1:1,2:2}/2'::sparsevec <+> '{1:3}/1';
SELECT '{}/1000000000'::sparsevec <-> '{}/999999999';

-- nearest neighbours by each operator
CREATE TABLE svo_t (id int, v sparsevec(4));
INSERT INTO svo_t VALUES (1, '{1:1}/4'), (2, '{2:1}/4'), (3, '{1:1,2:1}/4'), (4, '{4:-3}/4'), (5, '{}/4');
SELECT id, round((v <-> '{1:1,2:0.5}/4')::numeric, 4) AS d FROM svo_t ORDER BY v <-> '{1:1,2:0.5}/4', id;
SELECT id, v <#> '{1:1,2:0.5}/4' AS d FROM svo_t ORDER BY v <#> '{1:1,2:0.5}/4', id;
SELECT id, round((v <=> '{1:1,2:0.5}/4')::numeric, 4) AS d FROM svo_t ORDER BY v <=> '{1:1,2:0.5}/4', id;
SELECT id, v <+> '{1:1,2:0.5}/4' AS d FROM svo_t ORDER BY v <+> '{1:1,2:0.5}/4', id;
DROP TABLE svo_t;
