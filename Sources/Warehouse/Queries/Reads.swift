import GRDB

/// The statements the command line reads a warehouse with (status, diff, export, report,
/// name checks), so that no SQL lives outside this module (docs/ARCHITECTURE.md). Each returns
/// rows or values; printing them is the caller's.
extension Warehouse {
    /// The last `limit` runs, newest first, as `etl status` shows them.
    public static func recentRuns(_ db: Database, limit: Int) throws -> [Row] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT run_id, command, started_at, finished_at, status, structure_year, sources_read, sources_reused,
                       observations_staged AS staged, rows_rejected AS rejected, facts_written AS facts, warnings, message
                FROM etl_run ORDER BY run_id DESC LIMIT ?
                """, arguments: [limit])
    }

    /// Every staged source with its freshness, as `etl status` shows them.
    public static func sourceStatus(_ db: Database) throws -> [Row] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT source_id, format, table_id, updated, loaded_at, observations, rejected, substr(content_hash, 1, 12) AS hash, path
                FROM dim_source ORDER BY source_id
                """)
    }

    /// The codes of a dimension table (`dim_indicator`, `dim_region`, `dim_group`), sorted.
    public static func codes(_ db: Database, of table: CodeTable) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT DISTINCT code FROM \(table.rawValue) ORDER BY code")
    }

    public enum CodeTable: String, Sendable {
        case indicators = "dim_indicator"
        case regions = "dim_region"
        case groups = "dim_group"
    }

    /// The short content hash of what a run published (`empty` for a run that published nothing).
    public static func shortVintageHash(_ db: Database, run: Int64) throws -> String {
        try String.fetchOne(db, sql: "SELECT substr(hash, 1, 12) FROM etl_vintage WHERE run_id = ?", arguments: [run]) ?? "empty"
    }

    /// The runs that published, newest first.
    public static func publishingRuns(_ db: Database, limit: Int) throws -> [Int64] {
        try Int64.fetchAll(
            db, sql: "SELECT run_id FROM etl_run WHERE status IN ('success', 'rejects_over_limit') ORDER BY run_id DESC LIMIT ?",
            arguments: [limit])
    }

    /// The changes between two publications (`Vintages.diffSQL`), optionally of some indicators
    /// only: the column names (known also when there are no rows) and the rows.
    public static func changes(_ db: Database, from a: Int64, to b: Int64, indicators: [String]) throws -> (columns: [String], rows: [Row])
    {
        var sql = "SELECT * FROM (" + Vintages.diffSQL(from: a, to: b) + ")"
        if !indicators.isEmpty {
            sql += " WHERE indicator IN (" + indicators.map { _ in "?" }.joined(separator: ",") + ")"
        }
        let stmt = try db.makeStatement(sql: sql)
        stmt.arguments = StatementArguments(indicators)
        return (stmt.columnNames, try Row.fetchAll(stmt))
    }

    /// The values a run revised, largest relative revision first.
    public static func revisions(_ db: Database, run: Int64) throws -> [Row] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT indicator, region, year, breakdown, old_value, new_value, relative_change FROM etl_change
                WHERE run_id = ? AND change = 'revised' ORDER BY relative_change IS NOT NULL, abs(relative_change) DESC, indicator, region, year
                """, arguments: [run])
    }

    /// The newest publication: its run, content hash and time.
    public static func latestVintage(_ db: Database) throws -> Row? {
        try Row.fetchOne(db, sql: "SELECT run_id, hash, published_at FROM etl_vintage ORDER BY run_id DESC LIMIT 1")
    }

    /// What a run published: its content hash and structure year.
    public static func vintage(_ db: Database, run: Int64) throws -> (hash: String, structureYear: Int)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT hash, structure_year FROM etl_vintage WHERE run_id = ?", arguments: [run]) else {
            return nil
        }
        return (row["hash"], row["structure_year"])
    }

    /// The pipeline that published the facts the warehouse holds.
    public static func factsPipeline(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT pipeline FROM etl_run WHERE run_id = (SELECT max(run_id) FROM fact_indicator)")
    }

    /// The codes that went into a harmonised value under another code (the predecessors of
    /// merged, renumbered and split municipalities).
    public static func predecessorCodes(_ db: Database) throws -> Set<String> {
        Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT l.source_region FROM fact_lineage l JOIN fact_indicator f USING (fact_id) JOIN dim_region r USING (region_key)
                    WHERE f.method <> 'as_published' AND l.source_region <> r.code
                    """))
    }
}
