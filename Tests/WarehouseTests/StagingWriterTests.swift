import Foundation
import GRDB
import Ingest
import Testing
import TestSupport
@testable import Warehouse

/// A fresh warehouse in a scratch directory, removed when the test ends.
private func withWarehouse(_ body: (Warehouse) throws -> Void) throws {
    let scratch = try TemporaryDirectory("etl-wh")
    defer { scratch.remove() }
    try body(try Warehouse(path: scratch.file("w.sqlite").path))
}

private func source(_ db: Database, id: String = "s") throws -> Int64 {
    let run = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
    return try Warehouse.replaceSource(
        db, Warehouse.SourceRecord(id: id, path: "\(id).csv", format: "csv", tableId: nil, contentHash: "h", origin: nil), runId: run)
}

/// One row as the reading thread describes it.
private struct R {
    var region: String, year: Int, value: Double?, line: Int, measure: String, status: String?
}

private func row(
    _ region: String, _ year: Int, _ value: Double?, line: Int, measure: String = "Plasser i institusjon (antall)", status: String? = nil
) -> R {
    R(region: region, year: year, value: value, line: line, measure: measure, status: status)
}

/// Encodes rows as the reading thread does, `perBatch` to a hand-over, and writes them.
private func stage(_ rows: [R], into writer: StagingWriter, perBatch: Int) throws {
    var encoder = StagingEncoder(file: "s.csv")
    for (i, r) in rows.enumerated() {
        encoder.append(
            measure: r.measure, region: r.region, period: String(r.year), breakdown: "", value: r.value, status: r.status,
            inValidity: true, location: SourceLocation(file: "s.csv", line: r.line, column: 4))
        if (i + 1) % perBatch == 0 { try writer.write(encoder.take()) }
    }
    try writer.write(encoder.take())
}

@Suite struct StagingWriterTests {
    /// A duplicate aborts its batch's statement; the batch is then staged row by row, so the
    /// duplicates inside a batch and across batches are both found and nothing else is lost.
    @Test func duplicatesInsideAndAcrossBatchesAreFoundAndEveryOtherRowIsStaged() throws {
        try withWarehouse { wh in
            try wh.transaction { db in
                let writer = try StagingWriter(db, sourceKey: try source(db), batchSize: 4)
                defer { writer.close() }
                var found: [Int] = []
                var described: [String] = []
                writer.onDuplicate = {
                    found.append($0.location.line!)
                    described.append("\($0.region) \($0.period) \($0.measure) [\($0.breakdown)] \($0.location)")
                }
                let rows = [
                    row("0301", 2020, 1, line: 2), row("0301", 2021, 2, line: 3), row("0301", 2020, 99, line: 4),
                    row("0301", 2022, 3, line: 5),
                    row("1103", 2020, 4, line: 6), row("1103", 2021, 5, line: 7), row("0301", 2021, 98, line: 8),
                    row("1103", 2022, 6, line: 9),
                    row("5001", 2020, 7, line: 10), row("5001", 2020, 97, line: 11)
                ]
                // Hand-overs of 9 rows: two full statements of 4, then one row on its own.
                try stage(rows, into: writer, perBatch: 9)
                #expect(found == [4, 8, 11])
                #expect(described.first == "0301 2020 Plasser i institusjon (antall) [] s.csv:4:4")
                #expect(writer.inserted == 7)
                #expect(writer.duplicates == 3)
                let staged = try Row.fetchAll(db, sql: "SELECT region, period, value, line FROM stg_observation ORDER BY region, period")
                #expect(
                    staged.map { "\($0[0] as String) \($0[1] as String) \($0[2] as Double) \($0[3] as Int)" } == [
                        "0301 2020 1.0 2", "0301 2021 2.0 3", "0301 2022 3.0 5", "1103 2020 4.0 6", "1103 2021 5.0 7", "1103 2022 6.0 9",
                        "5001 2020 7.0 10"
                    ])
            }
        }
    }

    /// Registers with one row per project: a repeated key adds up, inside a batch and across
    /// batches; a missing value makes the sum missing with its symbol.
    @Test func sumDuplicatesAddUpInsideAndAcrossBatches() throws {
        try withWarehouse { wh in
            try wh.transaction { db in
                let writer = try StagingWriter(db, sourceKey: try source(db), sumDuplicates: true, batchSize: 3)
                defer { writer.close() }
                let rows = [
                    row("0301", 2020, 10, line: 2), row("0301", 2020, 5, line: 3), row("1103", 2020, 1, line: 4),
                    row("0301", 2020, 2.5, line: 5), row("1103", 2020, nil, line: 6, status: ":"), row("1103", 2020, 7, line: 7),
                    row("5001", 2020, 3, line: 8)
                ]
                try stage(rows, into: writer, perBatch: 7)
                let staged = try Row.fetchAll(db, sql: "SELECT region, value, status FROM stg_observation ORDER BY region")
                #expect(staged.count == 3)
                #expect(staged[0][0] as String == "0301" && staged[0][1] as Double? == 17.5 && staged[0][2] as String? == nil)
                #expect(staged[1][0] as String == "1103" && staged[1][1] as Double? == nil && staged[1][2] as String? == ":")
                #expect(staged[2][0] as String == "5001" && staged[2][1] as Double? == 3)
                #expect(writer.duplicates == 0)
            }
        }
    }

    /// Long and non-ASCII measure labels get one key each, however often they repeat, and two
    /// spellings that only Unicode normalisation makes equal stay two measures, as in SQLite.
    @Test func measureKeysFollowTheBytesOfTheLabel() throws {
        try withWarehouse { wh in
            try wh.transaction { db in
                let writer = try StagingWriter(db, sourceKey: try source(db), batchSize: 2)
                defer { writer.close() }
                let composed = "Beboere i bolig med heldøgns omsorg, 80 år og over (antall)"
                let decomposed = "Beboere i bolig med heldøgns omsorg, 80 a\u{30A}r og over (antall)"
                #expect(Array(composed.utf8) != Array(decomposed.utf8))
                // The last one is equal text in storage of its own.
                let labels = [composed, decomposed, composed, String(decoding: Array(composed.utf8), as: UTF8.self)]
                try stage(
                    labels.enumerated().map { row("0301", 2015 + $0.offset, Double($0.offset), line: $0.offset + 2, measure: $0.element) },
                    into: writer, perBatch: 1)
                let counts = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT m.code, count(*) FROM stg_observation o JOIN stg_measure m USING (measure_key) GROUP BY m.measure_key ORDER BY 2 DESC"
                )
                #expect(counts.count == 2)
                #expect(Array((counts[0][0] as String).utf8) == Array(composed.utf8) && counts[0][1] as Int == 3)
                #expect(Array((counts[1][0] as String).utf8) == Array(decomposed.utf8) && counts[1][1] as Int == 1)
            }
        }
    }

    /// Deleting a source deletes its staged rows (a trigger: the table declares no foreign keys).
    @Test func deletingASourceDeletesItsStagedRowsOnly() throws {
        try withWarehouse { wh in
            try wh.transaction { db in
                for id in ["a", "b"] {
                    let writer = try StagingWriter(db, sourceKey: try source(db, id: id))
                    try stage((2015...2024).map { row("0301", $0, Double($0), line: $0) }, into: writer, perBatch: 100)
                    writer.close()
                }
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_observation") == 20)
                try db.execute(sql: "DELETE FROM dim_source WHERE source_id = 'a'")
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_observation") == 10)
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM v_staged WHERE source = 'b'") == 10)
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_measure") == 1)
            }
        }
    }

    /// A warehouse made before migration v2 keeps its staged rows, views and run history.
    @Test func aVersion1WarehouseIsMigratedWithItsStagedRows() throws {
        let scratch = try TemporaryDirectory("etl-wh")
        defer { scratch.remove() }
        let path = scratch.file("w.sqlite").path
        do {
            var config = Configuration()
            config.foreignKeysEnabled = true
            let queue = try DatabaseQueue(path: path, configuration: config)
            try Schema.migrator.migrate(queue, upTo: "v1_star_schema")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO etl_run(run_id, pipeline, command, started_at, status) VALUES (1, 'p', 'run', '2026-01-01', 'success');
                        INSERT INTO dim_source(source_key, source_id, path, format, content_hash, loaded_at, loaded_run_id, observations, rejected)
                            VALUES (1, 's', 's.csv', 'csv', 'h', '2026-01-01', 1, 2, 0);
                        INSERT INTO stg_measure(measure_key, source_key, code) VALUES (1, 1, 'Plasser i institusjon (antall)');
                        INSERT INTO stg_observation(source_key, measure_key, region, period, value, status, in_validity, line, col)
                            VALUES (1, 1, '0124', '2019', 36, NULL, 1, 2, 4), (1, 1, '3014', '2020', NULL, ':', 1, 3, 4);
                        """)
            }
        }
        let wh = try Warehouse(path: path)
        try wh.queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT measure, region, period, value, status, location FROM v_staged ORDER BY region")
            #expect(rows.count == 2)
            #expect(rows[0][1] as String == "0124" && rows[0][3] as Double? == 36 && rows[0][5] as String == "s.csv:2:4")
            #expect(rows[1][1] as String == "3014" && rows[1][3] as Double? == nil && rows[1][4] as String? == ":")
            #expect(try String.fetchOne(db, sql: "SELECT value FROM etl_meta WHERE key = 'schema_version'") == Schema.version)
            let pk = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info('stg_observation') WHERE pk > 0 ORDER BY pk").map {
                $0[0] as String
            }
            #expect(pk == ["source_key", "region", "period", "measure_key", "breakdown"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM etl_run") == 1)
        }
    }
}
