import Foundation
import GRDB
import Testing
@testable import Warehouse

/// A warehouse path in a scratch directory, removed when the test ends.
private func withScratch(_ body: (String) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("etl-publish-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try body(dir.appendingPathComponent("w.sqlite").path)
}

/// Files beside the warehouse other than the warehouse itself and its run lock.
private func leftovers(_ path: String) throws -> [String] {
    let dir = (path as NSString).deletingLastPathComponent
    return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "w.sqlite" && $0 != "w.sqlite.lock" }.sorted()
}

private func journalMode(_ path: String) throws -> String? {
    try Warehouse.openReadOnly(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
}

private struct Boom: Error {}

/// How a run's copy is journalled while it is built, and what is left once it is published
/// (Warehouse.transaction).
@Suite struct PublishTests {
    /// A new warehouse is small: its copy keeps the rollback journal in memory (no WAL to
    /// checkpoint), and the published file is in rollback-journal mode with nothing beside it.
    @Test func aFirstPublishJournalsInMemoryAndLeavesOnlyTheWarehouse() throws {
        try withScratch { path in
            let wh = try Warehouse(path: path)
            let mode = try wh.transaction { db -> String? in
                let run = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
                try Warehouse.warn(db, runId: run, "published")
                return try String.fetchOne(db, sql: "PRAGMA journal_mode")
            }
            #expect(mode == "memory")
            #expect(try leftovers(path) == [])
            #expect(try journalMode(path) == "delete")
            let messages = try Warehouse.openReadOnly(path: path).read { try String.fetchAll($0, sql: "SELECT message FROM etl_warning") }
            #expect(messages == ["published"])
        }
    }

    /// With the journal in memory a savepoint still rolls back inside the run, and a run that
    /// fails publishes nothing and leaves no copy.
    @Test func rollbackWorksWithTheJournalInMemory() throws {
        try withScratch { path in
            let wh = try Warehouse(path: path)
            try wh.transaction { db in
                let run = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
                try Warehouse.warn(db, runId: run, "kept")
                try db.inSavepoint {
                    try Warehouse.warn(db, runId: run, "rolled back")
                    return .rollback
                }
            }
            #expect(throws: Boom.self) {
                try wh.transaction { db -> Void in
                    #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "memory")
                    let run = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
                    try Warehouse.warn(db, runId: run, "never published")
                    throw Boom()
                }
            }
            let messages = try Warehouse.openReadOnly(path: path).read {
                try String.fetchAll($0, sql: "SELECT message FROM etl_warning ORDER BY 1")
            }
            #expect(messages == ["kept"])
            #expect(try leftovers(path) == [])
        }
    }

    /// A warehouse larger than the in-memory journal's limit is changed in WAL mode (a big
    /// change's journal goes to disk), and is published in rollback-journal mode all the same.
    @Test func aLargeWarehouseIsChangedInWALMode() throws {
        try withScratch { path in
            let wh = try Warehouse(path: path)
            let big = String(repeating: "x", count: Int(Warehouse.memoryJournalLimit) + (1 << 20))
            try wh.transaction { db in
                let run = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
                try Warehouse.warn(db, runId: run, big)
            }
            let mode = try wh.transaction { db -> String? in
                let run = try Warehouse.startRun(db, pipeline: "t", command: "test", structureYear: 2024)
                try Warehouse.warn(db, runId: run, "second")
                return try String.fetchOne(db, sql: "PRAGMA journal_mode")
            }
            #expect(mode == "wal")
            #expect(try leftovers(path) == [])
            #expect(try journalMode(path) == "delete")
            let count = try Warehouse.openReadOnly(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM etl_warning") }
            #expect(count == 2)
        }
    }
}
