-- halfvec operators: distances, arithmetic (in float4, rounded to half),
-- concatenation, comparison; dimension mismatches and overflow are errors.

-- distances (hand-checked: [1,2,3] and [4,5,6] differ by 3 in each element)
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]' AS l2;
SELECT '[0,0]'::halfvec <-> '[3,4]' AS l2;
SELECT '[1,2,3]'::halfvec <#> '[4,5,6]' AS neg_ip;
SELECT '[1,-2,3]'::halfvec <#> '[-4,5,6]' AS neg_ip;
SELECT round(('[1,2,3]'::halfvec <=> '[4,5,6]')::numeric, 6) AS cos;
SELECT '[1,0]'::halfvec <=> '[0,1]' AS cos, '[1,1]'::halfvec <=> '[-1,-1]' AS opposite,
       '[2,2]'::halfvec <=> '[3,3]' AS same_direction;
SELECT '[0,0]'::halfvec <=> '[1,1]' AS zero_norm;
SELECT '[1,2,3]'::halfvec <+> '[4,5,6]' AS l1;
SELECT '[1,-2,3]'::halfvec <+> '[-4,5,6]' AS l1;
-- the values are the halves: 0.1 is 0.0999755859375
SELECT '[0.1]'::halfvec <+> '[0]' AS l1, '[0.1]'::halfvec <#> '[1]' AS neg_ip;
-- large elements: sums are float4, so no overflow at the half range
SELECT '[65504,65504]'::halfvec <#> '[65504,65504]' AS neg_ip, '[65504]'::halfvec <-> '[-65504]' AS l2;
-- the operators commute
SELECT ('[1,2]'::halfvec <-> '[3,5]') = ('[3,5]'::halfvec <-> '[1,2]') AS l2,
       ('[1,2]'::halfvec <#> '[3,5]') = ('[3,5]'::halfvec <#> '[1,2]') AS ip,
       ('[1,2]'::halfvec <=> '[3,5]') = ('[3,5]'::halfvec <=> '[1,2]') AS cos,
       ('[1,2]'::halfvec <+> '[3,5]') = ('[3,5]'::halfvec <+> '[1,2]') AS l1;
-- a vector literal meets a halfvec through the implicit cast
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]'::vector AS l2_mixed;

-- arithmetic
SELECT '[1,2,3]'::halfvec + '[4,5,6]' AS sum, '[1,2,3]'::halfvec - '[4,5,6]' AS diff,
       '[1,2,3]'::halfvec * '[4,5,6]' AS prod;
SELECT '[0.1,1000]'::halfvec + '[0.2,0.3]' AS rounded_sum;
SELECT '[1.5,-0.5]'::halfvec * '[1.5,-0.5]' AS squares;
SELECT '[-0]'::halfvec + '[-0]' AS neg_zero, '[0]'::halfvec - '[0]' AS zero;
-- results up to 65519.99 round to 65504; beyond is overflow
SELECT '[32000]'::halfvec + '[33000]' AS near_max;
SELECT '[60000]'::halfvec + '[60000]';
SELECT '[-60000]'::halfvec - '[60000]';
SELECT '[1,300]'::halfvec * '[1,300]';
-- a product of non-zero halves that rounds to 0 is an error, like real * real
SELECT '[1e-4]'::halfvec * '[1e-4]';
SELECT '[0.001]'::halfvec * '[0.001]' AS subnormal_product;

-- concatenation
SELECT '[1,2]'::halfvec || '[3]' AS cat;
SELECT vector_dims(array_fill(1::real, ARRAY[8000])::halfvec || array_fill(2::real, ARRAY[8000])::halfvec) AS dims;
SELECT array_fill(1::real, ARRAY[16000])::halfvec || '[1]'::halfvec;

-- comparison: element-wise, then by dimensions; -0 = 0
SELECT '[1,2]'::halfvec < '[1,3]' AS lt, '[1,2]'::halfvec <= '[1,2]' AS le,
       '[1,2]'::halfvec = '[1,2]' AS eq, '[1,2]'::halfvec <> '[1,2]' AS ne,
       '[1,3]'::halfvec >= '[1,2]' AS ge, '[1,3]'::halfvec > '[1,2]' AS gt;
SELECT '[1,2]'::halfvec < '[1,2,0]' AS shorter_first, '[2]'::halfvec > '[1,9]' AS elements_first;
SELECT '[-0]'::halfvec = '[0]' AS zeros_equal, '[-1]'::halfvec < '[-0]' AS neg;
-- values that round to the same half are equal
SELECT '[0.1]'::halfvec = '[0.09998]' AS same_half;
SELECT halfvec_cmp('[1,2]', '[1,3]') AS a, halfvec_cmp('[1,3]', '[1,2]') AS b,
       halfvec_cmp('[1,2]', '[1,2]') AS c, halfvec_cmp('[1]', '[1,2]') AS d;

-- dimension mismatch in every binary operator
SELECT '[1,2]'::halfvec <-> '[1,2,3]';
SELECT '[1,2]'::halfvec <#> '[1,2,3]';
SELECT '[1,2]'::halfvec <=> '[1,2,3]';
SELECT '[1,2]'::halfvec <+> '[1,2,3]';
SELECT '[1,2]'::halfvec + '[1,2,3]';
SELECT '[1,2]'::halfvec - '[1,2,3]';
SELECT '[1,2]'::halfvec * '[1,2,3]';

-- NULL operands
SELECT ('[1]'::halfvec <-> NULL) IS NULL AS l2, ('[1]'::halfvec + NULL) IS NULL AS add,
       (NULL::halfvec || '[1]') IS NULL AS cat, ('[1]'::halfvec < NULL) IS NULL AS lt;
