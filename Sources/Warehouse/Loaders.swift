import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// Binds values on one reused prepared statement: no per-row encoding, no per-row SQL.
struct Binder {
    let stmt: OpaquePointer
    let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        var s: OpaquePointer? = nil
        let rc = sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &s, nil)
        guard rc == SQLITE_OK, let s else {
            throw WarehouseError("cannot prepare \(sql): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
        }
        stmt = s
    }

    func finalize() { sqlite3_finalize(stmt) }

    @inline(__always) func bind(_ i: Int32, _ v: String?) {
        guard let v else { sqlite3_bind_null(stmt, i); return }
        var copy = v
        copy.withUTF8 { buf in
            _ = sqlite3_bind_text(stmt, i, UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buf.count), SQLITE_TRANSIENT)
        }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Double?) {
        if let v, v.isFinite { sqlite3_bind_double(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Int64?) {
        if let v { sqlite3_bind_int64(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
    }

    /// Steps once; returns the number of rows changed. A constraint violation is returned as
    /// nil so callers can turn it into a reject; other errors throw.
    @discardableResult
    func step(ignoreConstraint: Bool = false) throws -> Int32? {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        if rc == SQLITE_DONE || rc == SQLITE_ROW { return sqlite3_changes(db.sqliteConnection) }
        if ignoreConstraint && (rc & 0xFF) == SQLITE_CONSTRAINT { return nil }
        throw WarehouseError("SQLite error \(rc): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
    }
}

/// A string compared and hashed by its UTF-8 bytes. Codes are kept as published, so two
/// spellings SQLite stores as different keys must be different keys here too (Swift's own
/// `String` equality treats canonically equivalent spellings as equal), and hashing bytes
/// skips the Unicode normalisation that made `String` hashing a hot spot of the load.
public struct ByteKey: Hashable, Sendable {
    public let string: String
    public init(_ string: String) { self.string = string }

    public static func == (a: ByteKey, b: ByteKey) -> Bool {
        a.string.utf8.count == b.string.utf8.count && Staging.compare(a.string, b.string) == 0
    }

    public func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Staged rows on their way from the reading thread to the writing thread, laid out for
/// binding: every text of the batch in one byte buffer, and per row its offsets, value and
/// location. The writer binds straight into the buffer, so it copies, allocates and
/// reference-counts nothing per row; the reader, which has time to spare, does the encoding.
public struct StagingBatch: Sendable {
    /// Where a text lies in `text`.
    public struct TextRef: Sendable {
        var offset: UInt32
        var length: UInt32
    }

    public struct Row: Sendable {
        /// The measure's number in the source, in order of first sight (see `newMeasures`).
        var measure: Int32
        var column: Int32
        var line: Int64
        var value: Double
        var region: TextRef
        var period: TextRef
        var breakdown: TextRef
        var status: TextRef
        var path: TextRef
        var flags: UInt8
        static let hasValue: UInt8 = 1, inValidity: UInt8 = 2, hasStatus: UInt8 = 4, hasPath: UInt8 = 8, hasLine: UInt8 = 16, hasColumn: UInt8 = 32
    }

    /// A row refused while reading, for `etl_reject`.
    public struct Reject: Sendable {
        public var location: String
        public var error: String
        public var raw: String
    }

    /// The file the rows were read from (the first part of their locations).
    public var file: String
    var text: [UInt8] = []
    var rows: [Row] = []
    /// Labels of the measures first seen in this batch, in the order of their numbers.
    var newMeasures: [String] = []
    public var rejects: [Reject] = []

    public init(file: String) { self.file = file }
}

/// Builds `StagingBatch`es on the reading thread: numbers measures in order of first sight,
/// copies texts into the batch and hands the batch over when asked.
public struct StagingEncoder: Sendable {
    var ordinals: [ByteKey: Int32] = [:]
    var recent = IdentityCache<Int32>(capacity: 2048)
    public private(set) var batch: StagingBatch
    let reserve: Int

    public init(file: String, reserve: Int = 4096) {
        self.reserve = reserve
        batch = StagingBatch(file: file)
        batch.rows.reserveCapacity(reserve)
        batch.text.reserveCapacity(reserve * 16)
    }

    /// Rows and rejects in the current batch.
    public var count: Int { batch.rows.count + batch.rejects.count }

    @inline(__always)
    mutating func add(_ s: String) -> StagingBatch.TextRef {
        var s = s
        let offset = UInt32(batch.text.count)
        s.withUTF8 { batch.text.append(contentsOf: $0) }
        return StagingBatch.TextRef(offset: offset, length: UInt32(batch.text.count) - offset)
    }

    /// Adds a row; a missing value without a symbol gets `..`.
    public mutating func append(measure: String, region: String, period: String, breakdown: String, value: Double?, status: String?,
                                inValidity: Bool, location: SourceLocation) {
        let m: Int32
        if let k = recent.value(for: measure) { m = k } else {
            let key = ByteKey(measure)
            if let k = ordinals[key] { m = k } else {
                m = Int32(ordinals.count)
                ordinals[key] = m
                batch.newMeasures.append(measure)
            }
            recent.store(m, for: measure)
        }
        var flags: UInt8 = 0
        if value != nil { flags |= StagingBatch.Row.hasValue }
        if inValidity { flags |= StagingBatch.Row.inValidity }
        let status = status ?? (value == nil ? ".." : nil)
        let empty = StagingBatch.TextRef(offset: 0, length: 0)
        var statusRef = empty, pathRef = empty
        if let status { flags |= StagingBatch.Row.hasStatus; statusRef = add(status) }
        if let p = location.path { flags |= StagingBatch.Row.hasPath; pathRef = add(p) }
        if location.line != nil { flags |= StagingBatch.Row.hasLine }
        if location.column != nil { flags |= StagingBatch.Row.hasColumn }
        let regionRef = add(region), periodRef = add(period)
        let breakdownRef = breakdown.isEmpty ? empty : add(breakdown)
        batch.rows.append(StagingBatch.Row(measure: m, column: Int32(truncatingIfNeeded: location.column ?? 0), line: Int64(location.line ?? 0),
                                           value: value ?? 0, region: regionRef, period: periodRef, breakdown: breakdownRef,
                                           status: statusRef, path: pathRef, flags: flags))
    }

    public mutating func reject(location: String, error: String, raw: String) {
        batch.rejects.append(StagingBatch.Reject(location: location, error: error, raw: raw))
    }

    /// The batch so far; the encoder starts a new one (for the same file unless told otherwise).
    public mutating func take(nextFile: String? = nil) -> StagingBatch {
        let b = batch
        batch = StagingBatch(file: nextFile ?? b.file)
        batch.rows.reserveCapacity(reserve)
        batch.text.reserveCapacity(reserve * 16)
        return b
    }
}

/// Bulk inserts of staged observations for one source, `batchSize` rows per multi-row
/// `INSERT` on one reused prepared statement, texts bound in place from the batch.
///
/// A key the source already staged (a duplicate cell) makes the batch's statement fail and
/// undo itself; those rows are then inserted one by one so each duplicate is found and
/// reported to `onDuplicate`. Duplicates are rare, so the fast path stays fast.
public final class StagingWriter {
    /// A row the source had already staged, decoded for its reject record.
    public struct Duplicate: Sendable {
        public var measure: String
        public var region: String
        public var period: String
        public var breakdown: String
        public var location: SourceLocation
    }

    public static let defaultBatchSize = 256
    static let columns = "(source_key, measure_key, region, period, breakdown, value, status, in_validity, line, col, path)"
    static let columnCount: Int32 = 11

    let db: Database
    let sourceKey: Int64
    let batchSize: Int
    public let sumDuplicates: Bool
    let measureInsert: Binder
    /// The full batch's statement, and the one-row statement for the tail and for retries.
    let batch: Binder
    let single: Binder
    /// Measure keys and labels by the encoder's measure numbers.
    var measureKeys: [Int64] = []
    var measureLabels: [String] = []
    public private(set) var inserted = 0
    /// Rows refused because the source already staged their key.
    public private(set) var duplicates = 0
    /// Called for each row whose key the source already staged.
    public var onDuplicate: ((Duplicate) throws -> Void)?
    /// Measures whose staged rows are also kept in memory as they are written (`captured`),
    /// so harmonising a source staged in this run needs no second pass over it. Not used
    /// when duplicates are summed: the staged value is then known only in the table.
    public var capture: (@Sendable (String) -> Bool)?
    var captureOrdinal: [Bool] = []
    /// Staged rows of the captured measures, by measure code, in file order.
    public private(set) var captured: [String: [StagedRow]] = [:]

    /// `sumDuplicates`: a repeated key adds to the staged value (registers with one row per
    /// project) instead of being refused as a duplicate cell.
    public init(_ db: Database, sourceKey: Int64, sumDuplicates: Bool = false, batchSize: Int = StagingWriter.defaultBatchSize) throws {
        precondition(batchSize >= 1)
        self.sourceKey = sourceKey
        self.db = db
        self.batchSize = batchSize
        self.sumDuplicates = sumDuplicates
        measureInsert = try Binder(db, sql: "INSERT INTO stg_measure(source_key, code) VALUES (?, ?)")
        func sql(rows: Int, conflict: String) -> String {
            let one = "(" + Array(repeating: "?", count: Int(StagingWriter.columnCount)).joined(separator: ", ") + ")"
            return "INSERT INTO stg_observation\(StagingWriter.columns) VALUES " + Array(repeating: one, count: rows).joined(separator: ", ") + " " + conflict
        }
        let sum = "ON CONFLICT DO UPDATE SET value = CASE WHEN value IS NULL OR excluded.value IS NULL THEN NULL ELSE value + excluded.value END, status = CASE WHEN value IS NULL OR excluded.value IS NULL THEN coalesce(status, excluded.status) ELSE status END"
        // Without an ON CONFLICT clause a duplicate aborts the statement and undoes its rows.
        batch = try Binder(db, sql: sql(rows: batchSize, conflict: sumDuplicates ? sum : ""))
        single = try Binder(db, sql: sql(rows: 1, conflict: sumDuplicates ? sum : "ON CONFLICT DO NOTHING"))
    }

    /// Writes a batch: its new measures, then its rows, `batchSize` to a statement.
    public func write(_ b: StagingBatch) throws {
        for label in b.newMeasures {
            measureInsert.bind(1, sourceKey)
            measureInsert.bind(2, label)
            try measureInsert.step()
            measureKeys.append(db.lastInsertedRowID)
            measureLabels.append(label)
            captureOrdinal.append(!sumDuplicates && capture?(label) == true)
        }
        try b.text.withUnsafeBufferPointer { text in
            let base = text.baseAddress
            try b.rows.withUnsafeBufferPointer { rows in
                var i = 0
                while i + batchSize <= rows.count {
                    bind(batch, rows: rows[i..<(i + batchSize)], text: base)
                    let rc = sqlite3_step(batch.stmt)
                    sqlite3_reset(batch.stmt)
                    if rc == SQLITE_DONE {
                        inserted += batchSize
                        for j in i..<(i + batchSize) where captureOrdinal[Int(rows[j].measure)] { keep(rows[j], text: text, file: b.file) }
                        i += batchSize
                        continue
                    }
                    // A duplicate key aborted the statement, which undid its rows: find it row by row.
                    guard rc & 0xFF == SQLITE_CONSTRAINT, !sumDuplicates else {
                        throw WarehouseError("SQLite error \(rc) staging rows: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                    }
                    for j in i..<(i + batchSize) { try one(rows[j], text: text, file: b.file) }
                    i += batchSize
                }
                while i < rows.count {
                    try one(rows[i], text: text, file: b.file)
                    i += 1
                }
            }
        }
    }

    private func one(_ r: StagingBatch.Row, text: UnsafeBufferPointer<UInt8>, file: String) throws {
        bind(single, rows: CollectionOfOne(r), text: text.baseAddress)
        if try single.step() != 0 {
            inserted += 1
            if captureOrdinal[Int(r.measure)] { keep(r, text: text, file: file) }
            return
        }
        duplicates += 1
        try onDuplicate?(Duplicate(measure: measureLabels[Int(r.measure)], region: StagingWriter.string(r.region, in: text),
                                   period: StagingWriter.string(r.period, in: text), breakdown: StagingWriter.string(r.breakdown, in: text),
                                   location: StagingWriter.location(r, text: text, file: file)))
    }

    /// A text of a batch, decoded.
    private static func string(_ t: StagingBatch.TextRef, in text: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[Int(t.offset)..<Int(t.offset + t.length)]), as: UTF8.self)
    }

    /// Where a row of a batch stands in its file.
    private static func location(_ r: StagingBatch.Row, text: UnsafeBufferPointer<UInt8>, file: String) -> SourceLocation {
        let f = r.flags
        return SourceLocation(file: file, line: f & StagingBatch.Row.hasLine != 0 ? Int(r.line) : nil,
                              column: f & StagingBatch.Row.hasColumn != 0 ? Int(r.column) : nil,
                              path: f & StagingBatch.Row.hasPath != 0 ? string(r.path, in: text) : nil)
    }

    /// Keeps a staged row of a captured measure, as `Staging.rows` would read it back.
    private func keep(_ r: StagingBatch.Row, text: UnsafeBufferPointer<UInt8>, file: String) {
        let f = r.flags
        let at = StagingWriter.location(r, text: text, file: file)
        captured[measureLabels[Int(r.measure)], default: []].append(StagedRow(
            region: StagingWriter.string(r.region, in: text), period: StagingWriter.string(r.period, in: text),
            breakdown: StagingWriter.string(r.breakdown, in: text),
            value: f & StagingBatch.Row.hasValue != 0 ? r.value : nil,
            status: f & StagingBatch.Row.hasStatus != 0 ? StagingWriter.string(r.status, in: text) : nil,
            location: StagedRow.locationText(line: at.line, column: at.column, path: at.path)))
    }

    /// The captured rows of each measure in the order the table keeps them (region, period,
    /// breakdown), so sums come out exactly as from a scan; the writer lets go of them. Nil
    /// when this writer kept nothing to stand in for a scan (no `capture`, or summed duplicates).
    public func takeCaptured() -> [String: [StagedRow]]? {
        guard capture != nil && !sumDuplicates else { return nil }
        var out = captured
        captured = [:]
        for k in out.keys {
            out[k]!.sort { a, b in
                let r = Staging.compare(a.region, b.region)
                if r != 0 { return r < 0 }
                let p = Staging.compare(a.period, b.period)
                if p != 0 { return p < 0 }
                return Staging.compare(a.breakdown, b.breakdown) < 0
            }
        }
        return out
    }

    /// Binds rows in order, texts in place (`SQLITE_STATIC`): the batch outlives the step.
    @inline(__always)
    private func bind<C: Collection>(_ b: Binder, rows: C, text: UnsafePointer<UInt8>?) where C.Element == StagingBatch.Row {
        let stmt = b.stmt
        // A zero-length text still needs a non-null pointer, or SQLite binds NULL.
        let emptyText: UnsafePointer<CChar> = StagingWriter.empty
        @inline(__always) func bindText(_ i: Int32, _ t: StagingBatch.TextRef) {
            if t.length == 0 || text == nil {
                sqlite3_bind_text(stmt, i, emptyText, 0, nil)
            } else {
                sqlite3_bind_text(stmt, i, UnsafeRawPointer(text! + Int(t.offset)).assumingMemoryBound(to: CChar.self), Int32(t.length), nil)
            }
        }
        var p: Int32 = 0
        for r in rows {
            let f = r.flags
            sqlite3_bind_int64(stmt, p + 1, sourceKey)
            sqlite3_bind_int64(stmt, p + 2, measureKeys[Int(r.measure)])
            bindText(p + 3, r.region)
            bindText(p + 4, r.period)
            bindText(p + 5, r.breakdown)
            if f & StagingBatch.Row.hasValue != 0 { sqlite3_bind_double(stmt, p + 6, r.value) } else { sqlite3_bind_null(stmt, p + 6) }
            if f & StagingBatch.Row.hasStatus != 0 { bindText(p + 7, r.status) } else { sqlite3_bind_null(stmt, p + 7) }
            sqlite3_bind_int64(stmt, p + 8, f & StagingBatch.Row.inValidity != 0 ? 1 : 0)
            if f & StagingBatch.Row.hasLine != 0 { sqlite3_bind_int64(stmt, p + 9, r.line) } else { sqlite3_bind_null(stmt, p + 9) }
            if f & StagingBatch.Row.hasColumn != 0 { sqlite3_bind_int64(stmt, p + 10, Int64(r.column)) } else { sqlite3_bind_null(stmt, p + 10) }
            if f & StagingBatch.Row.hasPath != 0 { bindText(p + 11, r.path) } else { sqlite3_bind_null(stmt, p + 11) }
            p += StagingWriter.columnCount
        }
    }

    nonisolated(unsafe) static let empty: UnsafePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    public func close() {
        batch.finalize()
        single.finalize()
        measureInsert.finalize()
    }

    /// Category labels seen in a source (region names with their validity, measure labels).
    public static func saveLabels(_ db: Database, sourceKey: Int64, schema: DatasetSchema) throws {
        let b = try Binder(db, sql: "INSERT OR REPLACE INTO stg_label(source_key, dimension, role, code, label, valid_from, valid_to, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        defer { b.finalize() }
        for d in schema.dimensions {
            for (code, l) in d.categories {
                b.bind(1, sourceKey); b.bind(2, d.id); b.bind(3, d.role.rawValue); b.bind(4, code); b.bind(5, l.name)
                b.bind(6, l.validFrom.map(Int64.init)); b.bind(7, l.validTo.map(Int64.init)); b.bind(8, l.note)
                try b.step()
            }
        }
    }
}

extension StagedRow {
    /// `line:column`, `line`, the path, or empty.
    static func locationText(line: Int?, column: Int?, path: String?) -> String {
        line.map { l in column.map { "\(l):\($0)" } ?? "\(l)" } ?? path ?? ""
    }
}

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
        for r in try Row.fetchAll(db, sql: "SELECT m.measure_key, m.code, m.source_key FROM stg_measure m JOIN dim_source s USING (source_key) WHERE s.source_id = ?",
                                  arguments: [sourceId]) {
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
            out[codes[r[0]]!, default: []].append(StagedRow(region: r[1], period: r[2], breakdown: r[3], value: r[4], status: r[5],
                                                             location: StagedRow.locationText(line: r[6], column: r[7], path: r[8])))
        }
        return out
    }

    /// The distinct measure codes a source staged, with their labels.
    public static func measures(_ db: Database, sourceId: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT code FROM stg_measure JOIN dim_source USING (source_key) WHERE source_id = ? ORDER BY 1", arguments: [sourceId])
    }

    /// Where the first staged cell of a region, period and one of `measures` stands in its file
    /// (`line:column` or a path), for a warning about a value: looked up only when one is
    /// given, so runs keep no location per value in memory.
    public static func location(_ db: Database, sourceId: String, region: String, period: String, measures: [String]) throws -> String? {
        guard !measures.isEmpty else { return nil }
        let marks = measures.map { _ in "?" }.joined(separator: ",")
        let row = try Row.fetchOne(db, sql: """
            SELECT o.line, o.col, o.path FROM stg_observation o JOIN dim_source s USING (source_key) JOIN stg_measure m USING (measure_key)
            WHERE s.source_id = ? AND o.region = ? AND o.period = ? AND m.code IN (\(marks)) ORDER BY o.breakdown LIMIT 1
            """, arguments: StatementArguments([sourceId, region, period] + measures))
        return row.map { StagedRow.locationText(line: $0[0], column: $0[1], path: $0[2]) }
    }

    /// A source's dimensions as its reader described them: id, role, and each category's
    /// code and label, in code order (`stg_label`).
    public static func categories(_ db: Database, sourceId: String) throws -> [(dimension: String, role: String, code: String, label: String)] {
        try Row.fetchAll(db, sql: """
            SELECT l.dimension, l.role, l.code, l.label FROM stg_label l JOIN dim_source s USING (source_key)
            WHERE s.source_id = ? ORDER BY l.dimension, l.code
            """, arguments: [sourceId]).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    /// Region labels seen in all sources (code → label, validity).
    public static func regionLabels(_ db: Database) throws -> [(code: String, name: String, from: Int?, to: Int?)] {
        try Row.fetchAll(db, sql: "SELECT code, label, valid_from, valid_to FROM stg_label WHERE role = 'geo' GROUP BY code, ifnull(valid_from, 0) ORDER BY code")
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

/// Writes dimensions and harmonised facts.
public final class FactWriter {
    let db: Database
    let runId: Int64
    let structureYear: Int
    let fact: Binder
    let lineage: Binder
    var regionKeys: [String: Int64] = [:]
    var indicatorKeys: [String: Int64] = [:]
    var breakdownKeys: [String: Int64] = [:]
    var groupKeys: [String: Int64] = [:]
    var periods = Set<Int>()
    public private(set) var written = 0
    let regions: RegionCatalog
    let labels: [String: String]
    /// Breakdown category labels from `stg_label`, by lower-cased `dimension=code`.
    let categoryLabels: [String: String]

    /// Clears the harmonised layer and prepares to write a new one.
    public init(_ db: Database, runId: Int64, structureYear: Int, regions: RegionCatalog, indicators: [IndicatorDefinition]) throws {
        self.db = db
        self.runId = runId
        self.structureYear = structureYear
        self.regions = regions
        try db.execute(sql: """
            DELETE FROM fact_lineage; DELETE FROM fact_indicator; DELETE FROM fact_group_indicator; DELETE FROM dim_group_member;
            DELETE FROM dim_group; DELETE FROM dim_indicator; DELETE FROM dim_region; DELETE FROM dim_breakdown; DELETE FROM dim_region_member;
            """)
        var labels: [String: String] = [:]
        for l in try Staging.regionLabels(db) where labels[l.code] == nil { labels[l.code] = l.name }
        self.labels = labels
        // The sources' own labels of breakdown categories (`Kjonn=2` → `Kvinner`), first source wins.
        var categoryLabels: [String: String] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT dimension, code, label FROM stg_label WHERE role <> 'geo' ORDER BY source_key, dimension, code") {
            let key = "\(r[0] as String)=\(r[1] as String)".lowercased()
            if categoryLabels[key] == nil { categoryLabels[key] = r[2] }
        }
        self.categoryLabels = categoryLabels
        fact = try Binder(db, sql: """
            INSERT INTO fact_indicator(indicator_key, region_key, period_key, breakdown_key, structure_year, value, numerator, denominator, weight, status, method, note, run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        lineage = try Binder(db, sql: "INSERT OR IGNORE INTO fact_lineage(fact_id, source_region, source_year, share) VALUES (?, ?, ?, ?)")
        try writeRegions()
        for def in indicators {
            try db.execute(sql: """
                INSERT INTO dim_indicator(code, name, name_en, unit, kind, numerator, denominator, measure, weight, minus, scale, decimals, population, source_tables, definition)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [def.code, def.name, def.nameEn, def.unit, def.kind.rawValue, def.numerator, def.denominator, def.measure, def.weight, def.minus,
                                 def.scale, def.decimals, def.population, def.sourceTables.joined(separator: ","), def.definition])
            indicatorKeys[def.code] = db.lastInsertedRowID
        }
    }

    /// One row per code and validity period from the catalogue; codes the catalogue does not
    /// know get their published label and no validity bounds.
    private func writeRegions() throws {
        for (code, periods) in regions.validity.sorted(by: { $0.key < $1.key }) {
            for p in periods {
                try db.execute(sql: "INSERT INTO dim_region(code, name, level, valid_from, valid_to) VALUES (?, ?, 'kommune', ?, ?)",
                               arguments: [code, p.name, p.from, p.to])
            }
        }
        // Counties from the register, under both of SSB's forms (`31`, `EKA31`).
        for (code, periods) in (regions.register?.fylker ?? [:]).sorted(by: { $0.key < $1.key }) {
            for p in periods {
                for c in [code, "EKA" + code] {
                    try db.execute(sql: "INSERT INTO dim_region(code, name, level, valid_from, valid_to) VALUES (?, ?, 'fylke', ?, ?)",
                                   arguments: [c, p.name, p.from, p.to])
                }
            }
        }
        let counties = regions.register?.fylker ?? [:]
        for (code, name) in labels.sorted(by: { $0.key < $1.key }) where !regions.isKnown(code) && !code.hasPrefix("K-")
            && counties[code] == nil && !(code.hasPrefix("EKA") && counties[String(code.dropFirst(3))] != nil) {
            try db.execute(sql: "INSERT OR IGNORE INTO dim_region(code, name, level) VALUES (?, ?, ?)", arguments: [code, name, RegionLevel.of(code).rawValue])
        }
    }

    /// Stable units (docs/PIPELINE.md, "Stable units"): one `dim_region` row per unit of
    /// several codes (level `annet`), its members in `dim_region_member`.
    public func writeUnits(_ units: StableUnits) throws {
        for u in units.units.values.sorted(by: { $0.code < $1.code }) where u.members.count > 1 {
            try db.execute(sql: "INSERT INTO dim_region(code, name, level, valid_from, valid_to) VALUES (?, ?, 'annet', ?, ?)",
                           arguments: [u.code, u.name, units.years.lowerBound, units.years.upperBound])
            for m in u.members {
                try db.execute(sql: "INSERT INTO dim_region_member(unit_code, member_code) VALUES (?, ?)", arguments: [u.code, m])
            }
        }
    }

    /// The dimension key of a region code in a year (the period in which it is valid, or its
    /// newest period), added on the fly for codes nobody has named.
    func regionKey(_ code: String, year: Int) throws -> Int64 {
        let cacheKey = "\(code)@\(year)"
        if let k = regionKeys[cacheKey] { return k }
        let k = try Int64.fetchOne(db, sql: """
            SELECT region_key FROM dim_region WHERE code = ?
            ORDER BY (ifnull(valid_from, 0) <= ? AND ifnull(valid_to, 9999) >= ?) DESC, ifnull(valid_from, 0) DESC LIMIT 1
            """, arguments: [code, year, year])
        if let k { regionKeys[cacheKey] = k; return k }
        try db.execute(sql: "INSERT INTO dim_region(code, name, level) VALUES (?, ?, ?)", arguments: [code, labels[code] ?? code, RegionLevel.of(code).rawValue])
        let nk = db.lastInsertedRowID
        regionKeys[cacheKey] = nk
        return nk
    }

    func breakdownKey(_ code: String) throws -> Int64 {
        if let k = breakdownKeys[code] { return k }
        let kind: String
        let lower = code.lowercased()
        if code.isEmpty { kind = "total" }
        else if lower.hasPrefix("alder=") && !code.contains(";") { kind = "age" }
        else if (lower.hasPrefix("kjonn=") || lower.hasPrefix("kjønn=")) && !code.contains(";") { kind = "sex" }
        else if (lower.hasPrefix("tjeneste=") || lower.hasPrefix("art=")) && !code.contains(";") { kind = "service" }
        else { kind = "other" }
        // The sources' labels (`Menn`, `80 år`); a category no source labels keeps its code.
        let label = code.isEmpty ? "I alt" : code.split(separator: ";").map {
            categoryLabels[String($0).lowercased()] ?? $0.split(separator: "=").last.map(String.init) ?? ""
        }.joined(separator: ", ")
        try db.execute(sql: "INSERT INTO dim_breakdown(code, kind, label) VALUES (?, ?, ?)", arguments: [code, kind, label])
        breakdownKeys[code] = db.lastInsertedRowID
        return db.lastInsertedRowID
    }

    public func write(_ v: IndicatorValue) throws {
        guard let ik = indicatorKeys[v.indicator] else { throw WarehouseError("indicator \(v.indicator) is not in dim_indicator") }
        try period(v.key.year)
        let rk = try regionKey(v.key.region, year: v.method == .notComputable ? v.key.year : structureYear)
        let bk = try breakdownKey(v.key.breakdown)
        fact.bind(1, ik); fact.bind(2, rk); fact.bind(3, Int64(v.key.year)); fact.bind(4, bk); fact.bind(5, Int64(structureYear))
        fact.bind(6, v.method == .notComputable ? nil : v.value); fact.bind(7, v.numerator); fact.bind(8, v.denominatorValue); fact.bind(9, v.weight)
        fact.bind(10, v.status); fact.bind(11, v.method.rawValue); fact.bind(12, v.note); fact.bind(13, runId)
        try fact.step()
        let fid = db.lastInsertedRowID
        written += 1
        for l in v.lineage {
            lineage.bind(1, fid); lineage.bind(2, l.code); lineage.bind(3, Int64(l.year)); lineage.bind(4, l.share.isNaN ? nil : l.share)
            try lineage.step()
        }
    }

    func period(_ year: Int) throws {
        if !periods.contains(year) {
            try db.execute(sql: "INSERT OR IGNORE INTO dim_period(period_key, year, label) VALUES (?, ?, ?)", arguments: [year, year, String(year)])
            periods.insert(year)
        }
    }

    /// Registers comparison groups and their members per year.
    public func writeGroups(_ groups: [ComparisonGroup], years: [Int], nationalMembers: [Int: Set<String>]) throws {
        for g in groups {
            try db.execute(sql: "INSERT INTO dim_group(code, name, kind) VALUES (?, ?, ?)", arguments: [g.code, g.name, g.kind.rawValue])
            let key = db.lastInsertedRowID
            groupKeys[g.code] = key
            for y in years {
                for m in (g.kind == .national ? nationalMembers[y] ?? [] : g.members(in: y)).sorted() {
                    try db.execute(sql: "INSERT INTO dim_group_member(group_key, year, region_code) VALUES (?, ?, ?)", arguments: [key, y, m])
                }
            }
        }
    }

    public func write(_ g: GroupValue) throws {
        guard let gk = groupKeys[g.group], let ik = indicatorKeys[g.indicator] else { throw WarehouseError("unknown group \(g.group) or indicator \(g.indicator)") }
        try period(g.year)
        try db.execute(sql: """
            INSERT INTO fact_group_indicator(group_key, indicator_key, period_key, breakdown_key, structure_year, mean, weighted, median, min, max, n_with_value, n_members, run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [gk, ik, g.year, try breakdownKey(g.breakdown), structureYear, g.mean, g.weighted, g.median, g.min, g.max, g.count, g.members, runId])
    }

    public func close() {
        fact.finalize()
        lineage.finalize()
    }
}
