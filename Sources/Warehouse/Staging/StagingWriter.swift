import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

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

    /// Set when the writer restages a source in place (`StagingMerge`): rows are compared with
    /// the staged ones instead of inserted.
    let merge: StagingMerge?
    /// Measure keys the source has staged, by code (restaging in place keeps them).
    var stagedMeasures: [String: Int64] = [:]

    /// `sumDuplicates`: a repeated key adds to the staged value (registers with one row per
    /// project) instead of being refused as a duplicate cell.
    public convenience init(_ db: Database, sourceKey: Int64, sumDuplicates: Bool = false, batchSize: Int = StagingWriter.defaultBatchSize)
        throws
    {
        try self.init(db, sourceKey: sourceKey, sumDuplicates: sumDuplicates, batchSize: batchSize, merge: nil)
    }

    /// A writer that restages a source in place: the new version's rows are walked beside the
    /// staged ones and only what differs is written, recorded as `version` of `sourceId` in
    /// `etl_source_cell` (nil: the same content again, nothing recorded). `write` throws
    /// `StagingMerge.OutOfOrder` for rows that cannot be walked so (see `StagingMerge`): the
    /// caller then undoes the writes and stages the source afresh. Not for summed duplicates.
    public static func restaging(_ db: Database, sourceKey: Int64, version: (sourceId: String, number: Int64)?) throws -> StagingWriter {
        let merge = try StagingMerge(db, sourceKey: sourceKey, version: version)
        let w = try StagingWriter(db, sourceKey: sourceKey, sumDuplicates: false, batchSize: defaultBatchSize, merge: merge)
        for (key, code) in merge.codes { w.stagedMeasures[code] = key }
        return w
    }

    /// Whether rows that cannot be restaged in place made `write` throw (see `restaging`).
    public static func isOutOfOrder(_ error: any Error) -> Bool { error is StagingMerge.OutOfOrder }

    /// What restaging in place changed: rows added, removed, revised (value, status or
    /// validity), and moved (only their place in the file); nil for a writer that inserts.
    public var restaged: (added: Int, removed: Int, revised: Int, moved: Int)? {
        merge.map { ($0.counts.added, $0.counts.removed, $0.counts.revised, $0.counts.moved) }
    }

    /// After the last batch: restaging in place removes the staged rows the new version lacks.
    public func finish() throws {
        try merge?.finish()
    }

    private init(_ db: Database, sourceKey: Int64, sumDuplicates: Bool, batchSize: Int, merge: StagingMerge?) throws {
        precondition(batchSize >= 1)
        self.merge = merge
        self.sourceKey = sourceKey
        self.db = db
        self.batchSize = batchSize
        self.sumDuplicates = sumDuplicates
        measureInsert = try Binder(db, sql: "INSERT INTO stg_measure(source_key, code) VALUES (?, ?)")
        func sql(rows: Int, conflict: String) -> String {
            let one = "(" + Array(repeating: "?", count: Int(StagingWriter.columnCount)).joined(separator: ", ") + ")"
            return "INSERT INTO stg_observation\(StagingWriter.columns) VALUES "
                + Array(repeating: one, count: rows).joined(separator: ", ") + " " + conflict
        }
        let sum =
            "ON CONFLICT DO UPDATE SET value = CASE WHEN value IS NULL OR excluded.value IS NULL THEN NULL ELSE value + excluded.value END, status = CASE WHEN value IS NULL OR excluded.value IS NULL THEN coalesce(status, excluded.status) ELSE status END"
        // Without an ON CONFLICT clause a duplicate aborts the statement and undoes its rows.
        batch = try Binder(db, sql: sql(rows: batchSize, conflict: sumDuplicates ? sum : ""))
        single = try Binder(db, sql: sql(rows: 1, conflict: sumDuplicates ? sum : "ON CONFLICT DO NOTHING"))
    }

    /// Writes a batch: its new measures, then its rows, `batchSize` to a statement.
    public func write(_ b: StagingBatch) throws {
        for label in b.newMeasures {
            if let key = stagedMeasures[label] {
                measureKeys.append(key)
            } else {
                measureInsert.bind(1, sourceKey)
                measureInsert.bind(2, label)
                try measureInsert.step()
                measureKeys.append(db.lastInsertedRowID)
                merge?.codes[db.lastInsertedRowID] = label
            }
            measureLabels.append(label)
            captureOrdinal.append(!sumDuplicates && capture?(label) == true)
        }
        if let merge {
            try b.text.withUnsafeBufferPointer { text in
                for r in b.rows {
                    try merge.take(r, measureKey: measureKeys[Int(r.measure)], text: text)
                    inserted += 1
                    if captureOrdinal[Int(r.measure)] { keep(r, text: text, file: b.file) }
                }
            }
            return
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
                        throw WarehouseError.failed(
                            "SQLite error \(rc) staging rows: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
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
        try onDuplicate?(
            Duplicate(
                measure: measureLabels[Int(r.measure)], region: StagingWriter.string(r.region, in: text),
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
        return SourceLocation(
            file: file, line: f & StagingBatch.Row.hasLine != 0 ? Int(r.line) : nil,
            column: f & StagingBatch.Row.hasColumn != 0 ? Int(r.column) : nil,
            path: f & StagingBatch.Row.hasPath != 0 ? string(r.path, in: text) : nil)
    }

    /// Keeps a staged row of a captured measure, as `Staging.rows` would read it back.
    private func keep(_ r: StagingBatch.Row, text: UnsafeBufferPointer<UInt8>, file: String) {
        let f = r.flags
        let at = StagingWriter.location(r, text: text, file: file)
        captured[measureLabels[Int(r.measure)], default: []].append(
            StagedRow(
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
                sqlite3_bind_text(
                    stmt, i, UnsafeRawPointer(text! + Int(t.offset)).assumingMemoryBound(to: CChar.self), Int32(t.length), nil)
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
            if f & StagingBatch.Row.hasColumn != 0 {
                sqlite3_bind_int64(stmt, p + 10, Int64(r.column))
            } else {
                sqlite3_bind_null(stmt, p + 10)
            }
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
        merge?.close()
        batch.finalize()
        single.finalize()
        measureInsert.finalize()
    }

    /// Category labels seen in a source (region names with their validity, measure labels).
    public static func saveLabels(_ db: Database, sourceKey: Int64, schema: DatasetSchema) throws {
        let b = try Binder(
            db,
            sql:
                "INSERT OR REPLACE INTO stg_label(source_key, dimension, role, code, label, valid_from, valid_to, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
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
