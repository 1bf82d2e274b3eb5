import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// Restaging a changed source in place (docs/ARCHITECTURE.md, "Restaging a changed source").
///
/// A long table comes region by region: all of a region's cells together, whatever the order
/// of the regions and of the cells within each. The new version is taken one such region
/// block at a time; the block's cells are sorted and walked beside the previous version's
/// staged cells of that region (read in key order with one seek), and only what differs is
/// written: a new key is inserted, a key the new version lacks is deleted, a changed value,
/// status or validity is updated, and each of these is recorded in `etl_source_cell` as the
/// source's new version. A cell whose only change is its place in the file is updated, not
/// recorded. At the end, the regions the new version no longer has are removed. A night that
/// revises 1 % of a table writes about 1 % of its rows.
///
/// A region in two places (a table ordered by year first), a key twice, or a block too large
/// to hold cannot be walked this way: `take` or `finish` throws `OutOfOrder`, and the caller
/// undoes what was written and stages the source afresh.
final class StagingMerge {
    /// The new version cannot be walked beside the previous one.
    struct OutOfOrder: Error, CustomStringConvertible {
        var description: String
    }

    /// What the walk found, for the version record and the summary.
    struct Counts: Sendable {
        var added = 0
        var removed = 0
        var revised = 0
        /// Rows whose value stayed and whose place in the file changed.
        var moved = 0
    }

    /// The most cells of one region held at a time (about 100 bytes each).
    static let maxBlock = 250_000

    let db: Database
    let sourceKey: Int64
    /// Where changed cells are recorded: the source and its new version; nil when the content
    /// is not a new version (a full refresh of the same file), so nothing is recorded.
    let version: (sourceId: String, number: Int64)?
    private(set) var counts = Counts()
    /// Measure codes by key, for the cell records.
    var codes: [Int64: String] = [:]
    /// The measure keys the new version has rows of.
    private(set) var seenMeasures = Set<Int64>()

    private let regionRows: Binder
    private let nextRegion: Binder
    private let insert: Binder
    private let update: Binder
    private let delete: Binder
    private let record: Binder

    /// The new version's cells of the current region, their texts in `blockText` (the region
    /// first), and their measure keys.
    private var block: [StagingBatch.Row] = []
    private var blockKeys: [Int64] = []
    private var blockText: [UInt8] = []
    private var blockRegion: StagingBatch.TextRef?
    /// The previous version's cells of the current region, their texts in `oldText`.
    private var old: [StagingBatch.Row] = []
    private var oldKeys: [Int64] = []
    private var oldText: [UInt8] = []
    /// Regions whose block has been taken.
    private var seenRegions = Set<String>()

    init(_ db: Database, sourceKey: Int64, version: (sourceId: String, number: Int64)?) throws {
        self.db = db
        self.sourceKey = sourceKey
        self.version = version
        regionRows = try Binder(
            db,
            sql: """
                SELECT region, period, measure_key, breakdown, value, status, in_validity, line, col, path FROM stg_observation
                WHERE source_key = ?1 AND region = ?2 ORDER BY period, measure_key, breakdown LIMIT ?3
                """)
        nextRegion = try Binder(
            db, sql: "SELECT region FROM stg_observation WHERE source_key = ?1 AND region > ?2 ORDER BY region LIMIT 1")
        insert = try Binder(
            db,
            sql:
                "INSERT INTO stg_observation(source_key, measure_key, region, period, breakdown, value, status, in_validity, line, col, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        update = try Binder(
            db,
            sql: """
                UPDATE stg_observation SET value = ?6, status = ?7, in_validity = ?8, line = ?9, col = ?10, path = ?11
                WHERE source_key = ?1 AND measure_key = ?2 AND region = ?3 AND period = ?4 AND breakdown = ?5
                """)
        delete = try Binder(
            db,
            sql: "DELETE FROM stg_observation WHERE source_key = ?1 AND measure_key = ?2 AND region = ?3 AND period = ?4 AND breakdown = ?5"
        )
        record = try Binder(
            db,
            sql: """
                INSERT INTO etl_source_cell(source_id, version, measure, region, period, breakdown, change, value, status, in_validity, line, col, path, new_value, new_status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for r in try Row.fetchAll(db, sql: "SELECT measure_key, code FROM stg_measure WHERE source_key = ?", arguments: [sourceKey]) {
            codes[r[0]] = r[1]
        }
    }

    func close() {
        for b in [regionRows, nextRegion, insert, update, delete, record] { b.finalize() }
    }

    // MARK: The walk

    /// One cell of the new version, held until its region's block ends.
    func take(_ r: StagingBatch.Row, measureKey: Int64, text: UnsafeBufferPointer<UInt8>) throws {
        if let region = blockRegion {
            let same = blockText.withUnsafeBufferPointer { StagingMerge.equal($0, region, text, r.region) }
            if !same { try endBlock() }
        }
        if blockRegion == nil {
            let name = StagingMerge.string(text, r.region)
            guard seenRegions.insert(name).inserted else {
                throw OutOfOrder(description: "region \(name) appears in more than one place (the table is not ordered by region)")
            }
            blockText.removeAll(keepingCapacity: true)
            blockRegion = copy(text, r.region)
        }
        guard block.count < StagingMerge.maxBlock else {
            throw OutOfOrder(description: "region \(StagingMerge.string(text, r.region)) has more than \(StagingMerge.maxBlock) cells")
        }
        var row = r
        row.region = blockRegion!
        row.period = copy(text, r.period)
        row.breakdown = copy(text, r.breakdown)
        if r.flags & StagingBatch.Row.hasStatus != 0 { row.status = copy(text, r.status) }
        if r.flags & StagingBatch.Row.hasPath != 0 { row.path = copy(text, r.path) }
        block.append(row)
        blockKeys.append(measureKey)
        seenMeasures.insert(measureKey)
    }

    /// After the last cell: the last block is walked, the regions the new version no longer
    /// has are removed, and so are measures no row uses any more.
    func finish() throws {
        try endBlock()
        var after: String? = nil
        while let region = try nextStagedRegion(after: after) {
            after = region
            if seenRegions.contains(region) { continue }
            try loadOld(region: region)
            for i in old.indices { try remove(i) }
        }
        for (key, _) in codes where !seenMeasures.contains(key) {
            try db.execute(sql: "DELETE FROM stg_measure WHERE measure_key = ?", arguments: [key])
        }
    }

    private func copy(_ text: UnsafeBufferPointer<UInt8>, _ t: StagingBatch.TextRef) -> StagingBatch.TextRef {
        let at = UInt32(blockText.count)
        if t.length > 0 { blockText.append(contentsOf: text[Int(t.offset)..<Int(t.offset + t.length)]) }
        return StagingBatch.TextRef(offset: at, length: t.length)
    }

    /// Walks the current block beside the previous version's cells of its region.
    private func endBlock() throws {
        guard let region = blockRegion else { return }
        defer {
            block.removeAll(keepingCapacity: true)
            blockKeys.removeAll(keepingCapacity: true)
            blockRegion = nil
        }
        let order = blockText.withUnsafeBufferPointer { t in
            block.indices.sorted { StagingMerge.compare(t, block[$0], blockKeys[$0], t, block[$1], blockKeys[$1]) < 0 }
        }
        try blockText.withUnsafeBufferPointer { t in
            for (a, b) in zip(order, order.dropFirst())
            where StagingMerge.compare(t, block[a], blockKeys[a], t, block[b], blockKeys[b]) == 0 {
                throw OutOfOrder(description: "a cell's key appears twice (line \(block[b].line))")
            }
        }
        try loadOld(region: blockText.withUnsafeBufferPointer { StagingMerge.string($0, region) })
        var i = 0
        for n in order {
            while i < old.count {
                let c = oldText.withUnsafeBufferPointer { o in
                    blockText.withUnsafeBufferPointer { t in StagingMerge.compare(o, old[i], oldKeys[i], t, block[n], blockKeys[n]) }
                }
                if c >= 0 { break }
                try remove(i)
                i += 1
            }
            let same =
                i < old.count
                && oldText.withUnsafeBufferPointer { o in
                    blockText.withUnsafeBufferPointer { t in StagingMerge.compare(o, old[i], oldKeys[i], t, block[n], blockKeys[n]) == 0 }
                }
            if same {
                try match(i, n)
                i += 1
            } else {
                try add(n)
            }
        }
        while i < old.count {
            try remove(i)
            i += 1
        }
    }

    /// The next region (in key order) the source has staged after `after`, or its first.
    private func nextStagedRegion(after: String?) throws -> String? {
        let s = nextRegion.stmt
        sqlite3_bind_int64(s, 1, sourceKey)
        nextRegion.bind(2, after ?? "")
        defer {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
        }
        let rc = sqlite3_step(s)
        if rc == SQLITE_ROW {
            let n = Int(sqlite3_column_bytes(s, 0))
            guard n > 0, let p = sqlite3_column_text(s, 0) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        }
        guard rc == SQLITE_DONE else {
            throw WarehouseError.failed(
                "SQLite error \(rc) reading staged regions: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
        }
        return nil
    }

    /// Reads the previous version's cells of a region, in key order.
    private func loadOld(region: String) throws {
        old.removeAll(keepingCapacity: true)
        oldKeys.removeAll(keepingCapacity: true)
        oldText.removeAll(keepingCapacity: true)
        let stmt = regionRows.stmt
        sqlite3_bind_int64(stmt, 1, sourceKey)
        regionRows.bind(2, region)
        sqlite3_bind_int64(stmt, 3, Int64(StagingMerge.maxBlock) + 1)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        func text(_ i: Int32) -> StagingBatch.TextRef {
            let n = Int(sqlite3_column_bytes(stmt, i))
            let at = UInt32(oldText.count)
            if n > 0, let p = sqlite3_column_text(stmt, i) {
                oldText.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
            }
            return StagingBatch.TextRef(offset: at, length: UInt32(n))
        }
        let none = StagingBatch.TextRef(offset: 0, length: 0)
        var rc = sqlite3_step(stmt)
        while rc == SQLITE_ROW {
            var flags: UInt8 = 0
            let hasValue = sqlite3_column_type(stmt, 4) != SQLITE_NULL
            if hasValue { flags |= StagingBatch.Row.hasValue }
            let hasStatus = sqlite3_column_type(stmt, 5) != SQLITE_NULL
            if hasStatus { flags |= StagingBatch.Row.hasStatus }
            if sqlite3_column_int64(stmt, 6) != 0 { flags |= StagingBatch.Row.inValidity }
            if sqlite3_column_type(stmt, 7) != SQLITE_NULL { flags |= StagingBatch.Row.hasLine }
            if sqlite3_column_type(stmt, 8) != SQLITE_NULL { flags |= StagingBatch.Row.hasColumn }
            let hasPath = sqlite3_column_type(stmt, 9) != SQLITE_NULL
            if hasPath { flags |= StagingBatch.Row.hasPath }
            old.append(
                StagingBatch.Row(
                    measure: 0, column: Int32(truncatingIfNeeded: sqlite3_column_int64(stmt, 8)), line: sqlite3_column_int64(stmt, 7),
                    value: hasValue ? sqlite3_column_double(stmt, 4) : 0, region: text(0), period: text(1), breakdown: text(3),
                    status: hasStatus ? text(5) : none, path: hasPath ? text(9) : none, flags: flags))
            oldKeys.append(sqlite3_column_int64(stmt, 2))
            rc = sqlite3_step(stmt)
        }
        guard rc == SQLITE_DONE else {
            throw WarehouseError.failed("SQLite error \(rc) reading staged rows: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
        }
        guard old.count <= StagingMerge.maxBlock else {
            throw OutOfOrder(description: "region \(region) has more than \(StagingMerge.maxBlock) staged cells")
        }
    }

    // MARK: Writes

    /// Block cell `n` is new.
    private func add(_ n: Int) throws {
        let s = insert.stmt
        try blockText.withUnsafeBufferPointer { t in
            sqlite3_bind_int64(s, 1, sourceKey)
            sqlite3_bind_int64(s, 2, blockKeys[n])
            StagingMerge.bindCell(s, from: 3, block[n], t)
            try step(insert)
        }
        counts.added += 1
        try recordCell(change: "added", old: nil, new: n)
    }

    /// The previous version's cell `i` is not in the new one.
    private func remove(_ i: Int) throws {
        let s = delete.stmt
        let o = old[i]
        try oldText.withUnsafeBufferPointer { t in
            sqlite3_bind_int64(s, 1, sourceKey)
            sqlite3_bind_int64(s, 2, oldKeys[i])
            StagingMerge.bindText(s, 3, o.region, t)
            StagingMerge.bindText(s, 4, o.period, t)
            StagingMerge.bindText(s, 5, o.breakdown, t)
            try step(delete)
        }
        counts.removed += 1
        try recordCell(change: "removed", old: i, new: nil)
    }

    /// The same key in both versions: updated when anything differs; recorded as revised when
    /// its value, status or validity does (its place in the file is kept, not compared).
    private func match(_ i: Int, _ n: Int) throws {
        let o = old[i], r = block[n]
        let (revised, moved) = oldText.withUnsafeBufferPointer { ot in
            blockText.withUnsafeBufferPointer { nt -> (Bool, Bool) in
                let f = r.flags, g = o.flags
                let bits = StagingBatch.Row.hasValue | StagingBatch.Row.hasStatus | StagingBatch.Row.inValidity
                var revised = (f & bits) != (g & bits)
                if !revised, f & StagingBatch.Row.hasValue != 0, r.value != o.value { revised = true }
                if !revised, f & StagingBatch.Row.hasStatus != 0, !StagingMerge.equal(nt, r.status, ot, o.status) { revised = true }
                let place = StagingBatch.Row.hasLine | StagingBatch.Row.hasColumn | StagingBatch.Row.hasPath
                var moved = (f & place) != (g & place)
                if !moved, f & StagingBatch.Row.hasLine != 0, r.line != o.line { moved = true }
                if !moved, f & StagingBatch.Row.hasColumn != 0, r.column != o.column { moved = true }
                if !moved, f & StagingBatch.Row.hasPath != 0, !StagingMerge.equal(nt, r.path, ot, o.path) { moved = true }
                return (revised, moved)
            }
        }
        guard revised || moved else { return }
        let s = update.stmt
        try blockText.withUnsafeBufferPointer { t in
            sqlite3_bind_int64(s, 1, sourceKey)
            sqlite3_bind_int64(s, 2, blockKeys[n])
            StagingMerge.bindCell(s, from: 3, r, t)
            try step(update)
        }
        if revised {
            counts.revised += 1
            try recordCell(change: "revised", old: i, new: n)
        } else {
            counts.moved += 1
        }
    }

    /// Binds a cell's key texts and content from parameter `i` on: region, period, breakdown,
    /// value, status, validity, line, column, path.
    private static func bindCell(_ s: OpaquePointer, from i: Int32, _ r: StagingBatch.Row, _ text: UnsafeBufferPointer<UInt8>) {
        let f = r.flags
        bindText(s, i, r.region, text)
        bindText(s, i + 1, r.period, text)
        bindText(s, i + 2, r.breakdown, text)
        if f & StagingBatch.Row.hasValue != 0 { sqlite3_bind_double(s, i + 3, r.value) } else { sqlite3_bind_null(s, i + 3) }
        if f & StagingBatch.Row.hasStatus != 0 { bindText(s, i + 4, r.status, text) } else { sqlite3_bind_null(s, i + 4) }
        sqlite3_bind_int64(s, i + 5, f & StagingBatch.Row.inValidity != 0 ? 1 : 0)
        if f & StagingBatch.Row.hasLine != 0 { sqlite3_bind_int64(s, i + 6, r.line) } else { sqlite3_bind_null(s, i + 6) }
        if f & StagingBatch.Row.hasColumn != 0 { sqlite3_bind_int64(s, i + 7, Int64(r.column)) } else { sqlite3_bind_null(s, i + 7) }
        if f & StagingBatch.Row.hasPath != 0 { bindText(s, i + 8, r.path, text) } else { sqlite3_bind_null(s, i + 8) }
    }

    /// A changed cell of the new version, with the previous content (`etl_source_cell`): the
    /// previous version's cell `old`, the block's cell `new`.
    private func recordCell(change: String, old i: Int?, new n: Int?) throws {
        guard let version else { return }
        let s = record.stmt
        record.bind(1, version.sourceId)
        sqlite3_bind_int64(s, 2, version.number)
        record.bind(3, codes[n.map { blockKeys[$0] } ?? oldKeys[i!]] ?? "")
        record.bind(7, change)
        for p: Int32 in 8...15 { sqlite3_bind_null(s, p) }
        // Texts are copied (transient): both buffers may grow before the step.
        blockText.withUnsafeBufferPointer { t in
            guard let n else { return }
            let r = block[n]
            StagingMerge.bindText(s, 4, r.region, t, transient: true)
            StagingMerge.bindText(s, 5, r.period, t, transient: true)
            StagingMerge.bindText(s, 6, r.breakdown, t, transient: true)
            if r.flags & StagingBatch.Row.hasValue != 0 { sqlite3_bind_double(s, 14, r.value) }
            if r.flags & StagingBatch.Row.hasStatus != 0 { StagingMerge.bindText(s, 15, r.status, t, transient: true) }
        }
        oldText.withUnsafeBufferPointer { t in
            guard let i else { return }
            let o = old[i]
            if n == nil {
                StagingMerge.bindText(s, 4, o.region, t, transient: true)
                StagingMerge.bindText(s, 5, o.period, t, transient: true)
                StagingMerge.bindText(s, 6, o.breakdown, t, transient: true)
            }
            let g = o.flags
            if g & StagingBatch.Row.hasValue != 0 { sqlite3_bind_double(s, 8, o.value) }
            if g & StagingBatch.Row.hasStatus != 0 { StagingMerge.bindText(s, 9, o.status, t, transient: true) }
            sqlite3_bind_int64(s, 10, g & StagingBatch.Row.inValidity != 0 ? 1 : 0)
            if g & StagingBatch.Row.hasLine != 0 { sqlite3_bind_int64(s, 11, o.line) }
            if g & StagingBatch.Row.hasColumn != 0 { sqlite3_bind_int64(s, 12, Int64(o.column)) }
            if g & StagingBatch.Row.hasPath != 0 { StagingMerge.bindText(s, 13, o.path, t, transient: true) }
        }
        try step(record)
    }

    private func step(_ b: Binder) throws {
        let rc = sqlite3_step(b.stmt)
        sqlite3_reset(b.stmt)
        sqlite3_clear_bindings(b.stmt)
        guard rc == SQLITE_DONE else {
            throw WarehouseError.failed("SQLite error \(rc) restaging rows: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
        }
    }

    // MARK: Keys and texts

    /// The key order within a region: period and breakdown by SQLite's BINARY collation
    /// (bytes, then length), the measure by its key.
    static func compare(
        _ x: UnsafeBufferPointer<UInt8>, _ a: StagingBatch.Row, _ am: Int64, _ y: UnsafeBufferPointer<UInt8>, _ b: StagingBatch.Row,
        _ bm: Int64
    ) -> Int {
        let c = compareText(x, a.period, y, b.period)
        if c != 0 { return c }
        if am != bm { return am < bm ? -1 : 1 }
        return compareText(x, a.breakdown, y, b.breakdown)
    }

    static func compareText(
        _ x: UnsafeBufferPointer<UInt8>, _ a: StagingBatch.TextRef, _ y: UnsafeBufferPointer<UInt8>, _ b: StagingBatch.TextRef
    ) -> Int {
        let n = Int(min(a.length, b.length))
        if n > 0 {
            let c = memcmp(x.baseAddress! + Int(a.offset), y.baseAddress! + Int(b.offset), n)
            if c != 0 { return Int(c) }
        }
        return Int(a.length) - Int(b.length)
    }

    static func equal(
        _ x: UnsafeBufferPointer<UInt8>, _ a: StagingBatch.TextRef, _ y: UnsafeBufferPointer<UInt8>, _ b: StagingBatch.TextRef
    ) -> Bool {
        a.length == b.length && compareText(x, a, y, b) == 0
    }

    static func string(_ x: UnsafeBufferPointer<UInt8>, _ t: StagingBatch.TextRef) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: x[Int(t.offset)..<Int(t.offset + t.length)]), as: UTF8.self)
    }

    /// Binds a text of a buffer: in place (the buffer outlives the step) unless `transient`.
    static func bindText(
        _ s: OpaquePointer, _ i: Int32, _ t: StagingBatch.TextRef, _ buffer: UnsafeBufferPointer<UInt8>, transient: Bool = false
    ) {
        if t.length == 0 || buffer.baseAddress == nil {
            sqlite3_bind_text(s, i, StagingWriter.empty, 0, nil)
        } else {
            sqlite3_bind_text(
                s, i, UnsafeRawPointer(buffer.baseAddress! + Int(t.offset)).assumingMemoryBound(to: CChar.self), Int32(t.length),
                transient ? SQLITE_TRANSIENT : nil)
        }
    }
}
