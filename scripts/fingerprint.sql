-- What a warehouse publishes, one line per published number, in a fixed order: every fact
-- (value, parts, status, method, note), its lineage, every group statistic, and the
-- warnings of the last successful run. Reals are printed with 17 significant digits, which
-- round-trips every double, so two warehouses with the same lines hold bit-identical values.
-- Used by scripts/fingerprint.sh and Tests/EndToEndTests/FingerprintTests.swift.
SELECT line FROM (
    SELECT 'F|' || indicator || '|' || region || '|' || year || '|' || breakdown || '|' || structure_year || '|'
        || ifnull(printf('%!.17g', value), '') || '|' || ifnull(printf('%!.17g', numerator), '') || '|'
        || ifnull(printf('%!.17g', denominator), '') || '|' || ifnull(printf('%!.17g', weight), '') || '|'
        || ifnull(status, '') || '|' || method || '|' || ifnull(note, '') AS line
    FROM v_indicator
    UNION ALL
    SELECT 'L|' || indicator || '|' || region || '|' || year || '|' || breakdown || '|' || source_region || '|'
        || source_year || '|' || ifnull(printf('%!.17g', share), '')
    FROM v_lineage
    UNION ALL
    SELECT 'G|' || group_code || '|' || indicator || '|' || year || '|' || breakdown || '|' || structure_year || '|'
        || ifnull(printf('%!.17g', mean), '') || '|' || ifnull(printf('%!.17g', weighted), '') || '|'
        || ifnull(printf('%!.17g', median), '') || '|' || ifnull(printf('%!.17g', min), '') || '|'
        || ifnull(printf('%!.17g', max), '') || '|' || n_with_value || '|' || n_members
    FROM v_group_indicator
    UNION ALL
    SELECT 'W|' || message FROM etl_warning
    WHERE run_id = (SELECT max(run_id) FROM etl_run WHERE status = 'success')
)
ORDER BY line;
