import Foundation
import GRDB
import Ingest
import Testing
import TestSupport
@testable import Warehouse

// Restaging a changed source in place (docs/ARCHITECTURE.md, "Restaging a changed source")
// must leave exactly what staging it afresh leaves: the same staged rows and the same changed
// cells recorded for the new version. Generated versions, compared both ways.

/// Draws from a seeded generator (`SplitMix64`), so a failing case can be replayed from its seed.
private struct Generator {
    var random: SplitMix64
    init(state: UInt64) { random = SplitMix64(seed: state) }
    mutating func next() -> UInt64 { random.next() }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
}

/// One staged cell as a reader hands it over.
private struct Cell: Equatable {
    var region: String, period: String, measure: String, breakdown: String
    var value: Double?, status: String?, inValidity: Bool, line: Int
    var key: String { "\(region)|\(period)|\(measure)|\(breakdown)" }
}

// Codes chosen so byte order differs from length order and from Swift's String order: a code
// that is a prefix of another, non-ASCII bytes, an empty breakdown beside a non-empty one.
private let regions = ["03", "0301", "030", "1103", "K-3118", "Ø5001", "EKA03", "3118"]
private let periods = ["2019", "2020", "2020M01", "2024"]
private let measures = ["Plasser (antall)", "Beboere (antall)", "Andel (prosent)"]
private let breakdowns = ["", "kjonn=1", "alder=80+"]
private let symbols = ["..", ":", "."]

private func randomCell(_ g: inout Generator, measure: String? = nil) -> Cell {
    let hasValue = g.chance(80)
    return Cell(
        region: g.pick(regions), period: g.pick(periods), measure: measure ?? g.pick(measures), breakdown: g.pick(breakdowns),
        value: hasValue ? Double(g.int(2000)) / 10 : nil, status: hasValue ? (g.chance(10) ? "e" : nil) : g.pick(symbols),
        inValidity: g.chance(85), line: 2 + g.int(500))
}

/// A first version, and a second made from it: cells removed, added (one new measure among
/// them), revised (value, symbol, validity) and moved in the file.
private func versions(seed: UInt64) -> (first: [Cell], second: [Cell]) {
    var g = Generator(state: seed)
    var first: [String: Cell] = [:]
    for _ in 0..<(20 + g.int(150)) {
        let c = randomCell(&g)
        first[c.key] = c
    }
    var second: [String: Cell] = [:]
    for (k, c) in first {
        if g.chance(8) { continue } // removed
        var n = c
        switch g.int(10) {
        case 0: n.value = n.value.map { $0 + 1 } ?? 1; n.status = nil
        case 1: n.value = nil; n.status = g.pick(symbols)
        case 2: n.inValidity.toggle()
        case 3: n.line += 1 + g.int(5)
        default: break
        }
        second[k] = n
    }
    for _ in 0..<g.int(20) {
        let c = randomCell(&g, measure: g.chance(30) ? "Ny maaling (antall)" : nil)
        if second[c.key] == nil { second[c.key] = c }
    }
    return (Array(first.values).sorted { $0.line < $1.line }, Array(second.values))
}

/// The cells region by region, as a long table comes: regions in a random order, and the
/// cells of each region in a random order.
private func inRegionBlocks(_ cells: [Cell], seed: UInt64) -> [Cell] {
    var g = Generator(state: seed ^ 0x5EED)
    var byRegion: [String: [Cell]] = [:]
    for c in cells { byRegion[c.region, default: []].append(c) }
    var order = byRegion.keys.sorted()
    for i in order.indices.reversed() where i > 0 { order.swapAt(i, g.int(i + 1)) }
    return order.flatMap { region -> [Cell] in
        var block = byRegion[region]!.sorted { $0.key < $1.key }
        for i in block.indices.reversed() where i > 0 { block.swapAt(i, g.int(i + 1)) }
        return block
    }
}

private func write(_ cells: [Cell], into writer: StagingWriter, perBatch: Int = 7) throws {
    var encoder = StagingEncoder(file: "s.csv")
    for (i, c) in cells.enumerated() {
        encoder.append(
            measure: c.measure, region: c.region, period: c.period, breakdown: c.breakdown, value: c.value, status: c.status,
            inValidity: c.inValidity, location: SourceLocation(file: "s.csv", line: c.line, column: 4))
        if (i + 1) % perBatch == 0 { try writer.write(encoder.take()) }
    }
    try writer.write(encoder.take())
}

private func record(_ db: Database, _ id: String, hash: String, runId: Int64) -> Warehouse.SourceRecord {
    Warehouse.SourceRecord(id: id, path: "\(id).csv", format: "csv", tableId: nil, contentHash: hash, origin: nil)
}

/// Stages the first version of source `id` afresh and records it as version 1.
private func stageFirst(_ db: Database, _ id: String, _ cells: [Cell], runId: Int64) throws -> Int64 {
    let key = try Warehouse.replaceSource(db, record(db, id, hash: "v1", runId: runId), runId: runId)
    let w = try StagingWriter(db, sourceKey: key)
    defer { w.close() }
    try write(cells, into: w)
    try Warehouse.finishSource(db, key: key, observations: w.inserted, rejected: 0, outOfValidity: 0, title: nil, updated: nil)
    try Vintages.recordVersion(db, sourceId: id, key: key, previous: nil, runId: runId)
    return key
}

private func measureKeys(_ db: Database, _ key: Int64) throws -> [String: Int64] {
    var out: [String: Int64] = [:]
    for r in try Row.fetchAll(db, sql: "SELECT code, measure_key FROM stg_measure WHERE source_key = ?", arguments: [key]) {
        out[r[0]] = r[1]
    }
    return out
}

/// What a source has staged, by measure code, and the cells recorded for its version 2.
private func state(_ db: Database, _ id: String) throws -> (staged: [String], cells: [String], version: [String]) {
    let staged = try String.fetchAll(
        db,
        sql: """
            SELECT o.region || '|' || o.period || '|' || m.code || '|' || o.breakdown || '|' || quote(o.value) || '|' || quote(o.status)
                   || '|' || o.in_validity || '|' || quote(o.line) || '|' || quote(o.col) || '|' || quote(o.path)
            FROM stg_observation o JOIN stg_measure m USING (measure_key) JOIN dim_source s ON s.source_key = o.source_key
            WHERE s.source_id = ? ORDER BY 1
            """, arguments: [id])
    let cells = try String.fetchAll(
        db,
        sql: """
            SELECT version || '|' || measure || '|' || region || '|' || period || '|' || breakdown || '|' || change || '|' || quote(value)
                   || '|' || quote(status) || '|' || quote(in_validity) || '|' || quote(line) || '|' || quote(col) || '|' || quote(path)
                   || '|' || quote(new_value) || '|' || quote(new_status)
            FROM etl_source_cell WHERE source_id = ? ORDER BY 1
            """, arguments: [id])
    let version = try String.fetchAll(
        db,
        sql: """
            SELECT version || '|' || observations || '|' || cells_added || '|' || cells_removed || '|' || cells_revised
            FROM etl_source_version WHERE source_id = ? ORDER BY version
            """, arguments: [id])
    return (staged, cells, version)
}

@Suite struct StagingMergeTests {
    /// For many generated pairs of versions: restaging in place gives the staged rows, changed
    /// cells and version counts that staging afresh (and comparing in SQL) gives.
    @Test func restagingInPlaceEqualsStagingAfresh() throws {
        let scratch = try TemporaryDirectory("etl-merge")
        defer { scratch.remove() }
        let wh = try Warehouse(path: scratch.file("w.sqlite").path)
        try wh.transaction { db in
            let runId = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
            var changed = 0
            for seed in UInt64(1)...60 {
                let (first, second) = versions(seed: seed)
                // In place.
                let inPlace = "p\(seed)"
                let key = try stageFirst(db, inPlace, first, runId: runId)
                let ordered = inRegionBlocks(second, seed: seed)
                try Warehouse.refreshSource(db, key: key, record(db, inPlace, hash: "v2", runId: runId), runId: runId)
                let version = try #require(try Vintages.nextVersion(db, sourceId: inPlace, hash: "v2"))
                #expect(version.number == 2 && version.recordCells)
                let w = try StagingWriter.restaging(db, sourceKey: key, version: (inPlace, version.number))
                try write(ordered, into: w)
                try w.finish()
                let counts = try #require(w.restaged)
                #expect(w.inserted == second.count)
                w.close()
                try Warehouse.finishSource(
                    db, key: key, observations: second.count, rejected: 0, outOfValidity: 0, title: nil, updated: nil)
                try Vintages.recordRestaged(
                    db, sourceId: inPlace, key: key, number: version.number, runId: runId, added: counts.added, removed: counts.removed,
                    revised: counts.revised)
                // Afresh, beside the set-aside first version.
                let afresh = "f\(seed)"
                _ = try stageFirst(db, afresh, first, runId: runId)
                let previous = try Vintages.setAside(db, sourceId: afresh)
                let fresh = try Warehouse.replaceSource(db, record(db, afresh, hash: "v2", runId: runId), runId: runId)
                let f = try StagingWriter(db, sourceKey: fresh)
                try write(second.shuffled(), into: f)
                f.close()
                try Warehouse.finishSource(
                    db, key: fresh, observations: second.count, rejected: 0, outOfValidity: 0, title: nil, updated: nil)
                try Vintages.recordVersion(db, sourceId: afresh, key: fresh, previous: previous, runId: runId)

                let a = try state(db, inPlace), b = try state(db, afresh)
                // Compared as sets of lines, so a failure names only the lines that differ.
                #expect(Set(a.staged).symmetricDifference(b.staged).sorted() == [], "seed \(seed): staged rows differ")
                #expect(Set(a.cells).symmetricDifference(b.cells).sorted() == [], "seed \(seed): recorded cells differ")
                #expect(a.cells.count == b.cells.count)
                #expect(a.version == b.version, "seed \(seed): version counts differ")
                #expect(a.staged.count == second.count)
                changed += a.cells.count
            }
            // The generator did make changes of every kind.
            let kinds = Set(try String.fetchAll(db, sql: "SELECT DISTINCT change FROM etl_source_cell"))
            #expect(kinds == ["added", "removed", "revised"])
            #expect(changed > 100)
        }
    }

    /// A region in two places (a table ordered by year first), or a key twice, cannot be
    /// walked: the writer says so (the runner then stages the source afresh) instead of
    /// staging it wrongly.
    @Test(arguments: [false, true])
    func rowsThatCannotBeWalkedAreRefused(duplicate: Bool) throws {
        let scratch = try TemporaryDirectory("etl-merge")
        defer { scratch.remove() }
        let wh = try Warehouse(path: scratch.file("w.sqlite").path)
        var refusals = 0, cases = 0
        for seed in UInt64(100)...120 {
            let (first, second) = versions(seed: seed)
            var rows = inRegionBlocks(second, seed: seed)
            if duplicate {
                guard rows.count > 2 else { continue }
                // A copy of a cell, placed among the cells of its own region.
                rows.insert(rows[rows.count / 2], at: rows.count / 2 + 1)
            } else {
                // A cell of the first region moved behind the others: its region then comes in
                // two places (when it has another cell and is not the only region).
                let region = rows[0].region
                guard rows.filter({ $0.region == region }).count > 1, rows.contains(where: { $0.region != region }) else { continue }
                rows.append(rows.removeFirst())
            }
            cases += 1
            do {
                try wh.transaction { db in
                    let runId = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
                    let key = try stageFirst(db, "s", first, runId: runId)
                    let w = try StagingWriter.restaging(db, sourceKey: key, version: ("s", 2))
                    defer { w.close() }
                    try write(rows, into: w)
                    try w.finish()
                    Issue.record("seed \(seed): rows that cannot be walked were staged")
                }
            } catch  where StagingWriter.isOutOfOrder(error) {
                refusals += 1
            }
        }
        #expect(refusals == cases && cases > 10)
    }
}
