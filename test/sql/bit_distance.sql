-- bit distances: Hamming and Jaccard on bit(n) (hamming_distance,
-- jaccard_distance, <~>, <%>): exact values, lengths, errors, NULLs.

-- Hamming distance: the number of positions whose bits differ
SELECT hamming_distance(B'111', B'111') AS h;
SELECT hamming_distance(B'111', B'110') AS h;
SELECT hamming_distance(B'111', B'100') AS h;
SELECT hamming_distance(B'111', B'000') AS h;
SELECT hamming_distance(B'10110', B'01100') AS h;
-- an untyped literal keeps its length as a bit argument
SELECT hamming_distance('1010', '0110') AS h;
-- lengths that are not a multiple of 8 (the last byte is partly used)
SELECT hamming_distance(B'1010101', B'0101010') AS h;
SELECT hamming_distance(B'111111111', B'000000001') AS h;
SELECT hamming_distance(B'10000000000000000000000000000000000000000000000000000000000000001',
                        B'00000000000000000000000000000000000000000000000000000000000000001') AS h65;
-- empty bit strings are valid and have distance 0
SELECT hamming_distance(B'', B'') AS h;
SELECT B'' <~> B'' AS h;

-- Jaccard distance: 1 - |a AND b| / |a OR b|
SELECT jaccard_distance(B'1111', B'1111') AS j;
SELECT jaccard_distance(B'1111', B'1110') AS j;
SELECT jaccard_distance(B'1111', B'1100') AS j;
SELECT jaccard_distance(B'1111', B'1000') AS j;
SELECT jaccard_distance(B'1100', B'1000') AS j;
SELECT jaccard_distance(B'1100', B'1010') AS j;
SELECT jaccard_distance(B'100000001', B'000000001') AS j;
-- no bit in common: 1, also for two all-zero or empty strings (as pgvector)
SELECT jaccard_distance(B'1111', B'0000') AS j;
SELECT jaccard_distance(B'1010', B'0101') AS j;
SELECT jaccard_distance(B'0000', B'0000') AS j;
SELECT jaccard_distance(B'000000000', B'000000000') AS j;
SELECT jaccard_distance(B'', B'') AS j;
SELECT B'' <%> B'' AS j;

-- the operators are the functions, and commute
SELECT B'110100111' <~> B'011101010' AS h, hamming_distance(B'110100111', B'011101010') AS hf,
       B'011101010' <~> B'110100111' AS h_swapped;
SELECT B'110100111' <%> B'011101010' AS j, jaccard_distance(B'110100111', B'011101010') AS jf,
       B'011101010' <%> B'110100111' AS j_swapped;
-- varbit converts to bit
SELECT '1101'::varbit <~> '0111'::varbit AS h, '1101'::varbit <%> '0111'::varbit AS j;
SELECT pg_typeof(B'1' <~> B'0') AS hamming_type, pg_typeof(B'1' <%> B'0') AS jaccard_type;

-- different lengths: an error stating both
SELECT hamming_distance(B'111', B'00');
SELECT hamming_distance(B'1', B'');
SELECT jaccard_distance(B'1111', B'000');
SELECT jaccard_distance(B'', B'00000000');
SELECT B'10101010' <~> B'101010101';
SELECT B'101010101' <%> B'10101010';
-- varbit(n) limits the length, it does not pad: '000' stays 3 bits
SELECT hamming_distance(B'111', '000'::varbit(4)) AS h;
SELECT hamming_distance(B'111', '0000'::varbit(4));
-- a cast to bit(n) pads (or truncates) on the right; plain ::bit means bit(1)
SELECT hamming_distance(B'111', B'11'::bit(3)) AS h;
SELECT hamming_distance(B'111', B'1111'::bit(3)) AS h;
SELECT hamming_distance('101'::bit, B'111');

-- NULLs give NULL (the functions are strict)
SELECT hamming_distance(NULL, B'1') IS NULL AS h_null, jaccard_distance(B'1', NULL) IS NULL AS j_null,
       (NULL::bit <~> NULL::bit) IS NULL AS op_h_null, (B'1' <%> NULL) IS NULL AS op_j_null;

-- long strings: 64000 and 64001 bits
SELECT hamming_distance(repeat('1', 64000)::varbit, repeat('0', 64000)::varbit) AS h;
SELECT hamming_distance(repeat('10', 32000)::varbit, repeat('01', 32000)::varbit) AS h;
SELECT hamming_distance(repeat('10', 32000)::varbit, repeat('1', 64000)::varbit) AS h;
SELECT hamming_distance(repeat('1', 64001)::varbit, repeat('0', 64001)::varbit) AS h;
SELECT hamming_distance(('1' || repeat('0', 63998) || '1')::varbit, repeat('0', 64000)::varbit) AS h;
SELECT jaccard_distance(repeat('10', 32000)::varbit, repeat('1', 64000)::varbit) AS j;
SELECT jaccard_distance(repeat('10', 32000)::varbit, repeat('01', 32000)::varbit) AS j;
SELECT jaccard_distance(('1' || repeat('0', 63998) || '1')::varbit,
                        ('1' || repeat('0', 63999))::varbit) AS j;
SELECT jaccard_distance(repeat('0', 64000)::varbit, repeat('0', 64000)::varbit) AS j;
SELECT jaccard_distance(repeat('1', 64001)::varbit, repeat('1', 64001)::varbit) AS j;

-- stored values: compressed (64000 zeros) and short ones come back whole
CREATE TABLE bit_items (id int PRIMARY KEY, v bit(64000));
INSERT INTO bit_items VALUES
	(1, repeat('0', 64000)::bit(64000)),
	(2, (repeat('0', 63999) || '1')::bit(64000)),
	(3, repeat('1', 64000)::bit(64000)),
	(4, repeat('1100', 16000)::bit(64000));
SELECT pg_column_size(v) < 1000 AS compressed FROM bit_items WHERE id = 1;
SELECT a.id AS a, b.id AS b, a.v <~> b.v AS h, round((a.v <%> b.v)::numeric, 6) AS j
  FROM bit_items a, bit_items b WHERE a.id < b.id ORDER BY a.id, b.id;
DROP TABLE bit_items;

-- ordering by distance, and binary_quantize(vector) as the input
CREATE TABLE bit_small (id int PRIMARY KEY, v bit(8));
INSERT INTO bit_small VALUES (1, B'00000000'), (2, B'11110000'), (3, B'11111111'),
	(4, B'10101010'), (5, B'11100000'), (6, NULL);
SELECT id, v <~> B'11110000' AS h FROM bit_small ORDER BY v <~> B'11110000', id;
SELECT id, v <%> B'11110000' AS j FROM bit_small ORDER BY v <%> B'11110000', id;
DROP TABLE bit_small;
SELECT binary_quantize('[1,-1,0.5,0]') AS q,
       binary_quantize('[1,-1,0.5,0]') <~> binary_quantize('[-1,1,0.5,0]') AS h,
       binary_quantize('[1,-1,0.5,0]') <%> binary_quantize('[-1,1,0.5,0]') AS j;
