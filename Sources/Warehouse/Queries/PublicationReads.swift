import GRDB

/// What `etl report` reads of a publication, statement by statement, in the order the report
/// needs it (Sources/Report/Model.swift builds its model from these rows). Large tables come
/// back as cursors, so the report never holds a second copy of them.
extension Warehouse {
    /// code, name, name_en, unit, kind, decimals, definition, population, source_tables — in catalogue order.
    public static func indicatorRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(
            db,
            sql:
                "SELECT code, name, name_en, unit, kind, decimals, definition, population, source_tables FROM dim_indicator ORDER BY indicator_key"
        )
    }

    /// code, name, level — each code's periods oldest first, so the newest name comes last.
    public static func regionRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT code, name, level FROM dim_region ORDER BY code, ifnull(valid_from, 0)")
    }

    /// fact_id, source_region, source_year, share — by fact.
    public static func lineageCursor(_ db: Database) throws -> RowCursor {
        try Row.fetchCursor(
            db, sql: "SELECT fact_id, source_region, source_year, share FROM fact_lineage ORDER BY fact_id, source_year, source_region")
    }

    /// fact_id, indicator, region, year, breakdown, value, status, method, note — by indicator, region, breakdown, year.
    public static func factCursor(_ db: Database) throws -> RowCursor {
        try Row.fetchCursor(
            db,
            sql: """
                SELECT f.fact_id, i.code, r.code, p.year, b.code, f.value, f.status, f.method, f.note
                FROM fact_indicator f JOIN dim_indicator i USING (indicator_key) JOIN dim_region r USING (region_key)
                JOIN dim_period p USING (period_key) JOIN dim_breakdown b USING (breakdown_key)
                ORDER BY i.code, r.code, b.code, p.year
                """)
    }

    /// group_key, code, name, kind — by code.
    public static func groupRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT group_key, code, name, kind FROM dim_group ORDER BY code")
    }

    /// group_key, year, region_code.
    public static func groupMemberRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT group_key, year, region_code FROM dim_group_member ORDER BY group_key, year, region_code")
    }

    /// group, indicator, year, breakdown, weighted, median, min, max, n_with_value, n_members.
    public static func groupFactCursor(_ db: Database) throws -> RowCursor {
        try Row.fetchCursor(
            db,
            sql: """
                SELECT g.code, i.code, p.year, b.code, f.weighted, f.median, f.min, f.max, f.n_with_value, f.n_members
                FROM fact_group_indicator f JOIN dim_group g USING (group_key) JOIN dim_indicator i USING (indicator_key)
                JOIN dim_period p USING (period_key) JOIN dim_breakdown b USING (breakdown_key)
                ORDER BY g.code, i.code, b.code, p.year
                """)
    }

    /// dimension, code, label of the staged categories other than regions, by source.
    public static func categoryLabelRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT dimension, code, label FROM stg_label WHERE role <> 'geo' ORDER BY source_key")
    }

    /// code, label of every breakdown.
    public static func breakdownRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT code, label FROM dim_breakdown")
    }

    /// run_id, pipeline, started_at, finished_at, status, structure_year, fingerprint of the run
    /// that published the facts.
    public static func publishingRun(_ db: Database) throws -> Row? {
        guard let id = try Int64.fetchOne(db, sql: "SELECT max(run_id) FROM fact_indicator") else { return nil }
        return try Row.fetchOne(
            db, sql: "SELECT run_id, pipeline, started_at, finished_at, status, structure_year, fingerprint FROM etl_run WHERE run_id = ?",
            arguments: [id])
    }

    /// source_id, table_id, title, content_hash, updated — by source.
    public static func sourceRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT source_id, table_id, title, content_hash, updated FROM dim_source ORDER BY source_id")
    }

    /// The structure year of the published facts.
    public static func factsStructureYear(_ db: Database) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT max(structure_year) FROM fact_indicator")
    }
}
