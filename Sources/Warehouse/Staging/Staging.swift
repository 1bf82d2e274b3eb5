import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

public enum Staging {
    /// SQLite's BINARY collation: the byte order of the UTF-8 text (negative, 0, positive).
    static func compare(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : Int(memcmp(x.baseAddress!, y.baseAddress!, n))
                return c != 0 ? c : x.count - y.count
            }
        }
    }

    /// Staged rows of one measure of one source. Rows outside their code's validity are
    /// returned too: the harmoniser decides validity with the catalogue of the (re)run, which
    /// may not be the one the rows were staged with (`etl rerun --catalog`).
    public static func rows(_ db: Database, sourceId: String, measure: String) throws -> [StagedRow] {
        try rows(db, sourceId: sourceId, measures: [measure])[measure] ?? []
    }

    /// Staged rows of several measures of one source in one pass over the source's rows
    /// (which are keyed by region, not measure), by measure code, each in the table's key order
    /// (the order of the primary key after the source, so SQLite needs no sort; the writer's
    /// `takeCaptured` gives the same order). Codes the source does not have get no entry.
    public static func rows(_ db: Database, sourceId: String, measures: Set<String>) throws -> [String: [StagedRow]] {
        var codes: [Int64: String] = [:]
        var sourceKey: Int64 = 0
        for r in try Row.fetchAll(
            db,
            sql: "SELECT m.measure_key, m.code, m.source_key FROM stg_measure m JOIN dim_source s USING (source_key) WHERE s.source_id = ?",
            arguments: [sourceId])
        {
            let code: String = r[1]
            sourceKey = r[2]
            if measures.contains(code) { codes[r[0]] = code }
        }
        guard !codes.isEmpty else { return [:] }
        let keys = codes.keys.sorted().map(String.init).joined(separator: ",")
        let sql = """
            SELECT o.measure_key, o.region, o.period, o.breakdown, o.value, o.status, o.line, o.col, o.path FROM stg_observation o
            WHERE o.source_key = ? AND o.measure_key IN (\(keys))
            ORDER BY o.region, o.period, o.measure_key, o.breakdown
            """
        var out: [String: [StagedRow]] = [:]
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: [sourceKey])
        while let r = try cursor.next() {
            out[codes[r[0]]!, default: []].append(
                StagedRow(
                    region: r[1], period: r[2], breakdown: r[3], value: r[4], status: r[5],
                    location: StagedRow.locationText(line: r[6], column: r[7], path: r[8])))
        }
        return out
    }

    /// The distinct measure codes a source staged, with their labels.
    public static func measures(_ db: Database, sourceId: String) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT code FROM stg_measure JOIN dim_source USING (source_key) WHERE source_id = ? ORDER BY 1", arguments: [sourceId]
        )
    }

    /// Where the first staged cell of a region, period and one of `measures` stands in its file
    /// (`line:column` or a path), for a warning about a value: looked up only when one is
    /// given, so runs keep no location per value in memory.
    public static func location(_ db: Database, sourceId: String, region: String, period: String, measures: [String]) throws -> String? {
        guard !measures.isEmpty else { return nil }
        let marks = measures.map { _ in "?" }.joined(separator: ",")
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT o.line, o.col, o.path FROM stg_observation o JOIN dim_source s USING (source_key) JOIN stg_measure m USING (measure_key)
                WHERE s.source_id = ? AND o.region = ? AND o.period = ? AND m.code IN (\(marks)) ORDER BY o.breakdown LIMIT 1
                """, arguments: StatementArguments([sourceId, region, period] + measures))
        return row.map { StagedRow.locationText(line: $0[0], column: $0[1], path: $0[2]) }
    }

    /// A source's dimensions as its reader described them: id, role, and each category's
    /// code and label, in code order (`stg_label`).
    public static func categories(_ db: Database, sourceId: String) throws -> [(
        dimension: String, role: String, code: String, label: String
    )] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT l.dimension, l.role, l.code, l.label FROM stg_label l JOIN dim_source s USING (source_key)
                WHERE s.source_id = ? ORDER BY l.dimension, l.code
                """, arguments: [sourceId]
        ).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    /// Region labels seen in all sources (code → label, validity).
    public static func regionLabels(_ db: Database) throws -> [(code: String, name: String, from: Int?, to: Int?)] {
        try Row.fetchAll(
            db,
            sql:
                "SELECT code, label, valid_from, valid_to FROM stg_label WHERE role = 'geo' GROUP BY code, ifnull(valid_from, 0) ORDER BY code"
        )
        .map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    public static func outOfValidityCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT ifnull(sum(out_of_validity), 0) FROM dim_source") ?? 0
    }

    /// Cells of codes that are no kommune of any structure, staged and set aside, over all sources.
    public static func specialCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT ifnull(sum(special), 0) FROM dim_source") ?? 0
    }
}
extension StagedRow {
    /// `line:column`, `line`, the path, or empty.
    static func locationText(line: Int?, column: Int?, path: String?) -> String {
        line.map { l in column.map { "\(l):\($0)" } ?? "\(l)" } ?? path ?? ""
    }
}
