import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// SQLite's "copy the bytes now" destructor, which Swift does not import.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

public struct WarehouseError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The warehouse file. Every write happens in one immediate transaction, so a run that fails
/// or is killed leaves the previous state, and readers (WAL mode) see the previous complete
/// state while a run is going on.
public final class Warehouse {
    public let path: String
    public let queue: DatabaseQueue

    /// Opens (creating if needed) a warehouse for writing and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try Schema.migrator.migrate(queue)
            try queue.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO etl_meta(key, value) VALUES ('schema_version', ?)", arguments: [Schema.version])
            }
        } catch let e as DatabaseError {
            throw WarehouseError("\(path): cannot open the warehouse: \(e.message ?? e.description)")
        }
    }

    /// Opens a warehouse read-only, for queries: no statement can write through it.
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw WarehouseError("\(path): no warehouse here; run `etl run` first")
        }
        var config = Configuration()
        config.readonly = true
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// Runs `body` in one immediate transaction: all of it is published, or none.
    public func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        var result: T? = nil
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
        }
        try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return result!
    }

    // MARK: Runs

    public static func startRun(_ db: Database, pipeline: String, command: String, structureYear: Int?) throws -> Int64 {
        try db.execute(sql: "INSERT INTO etl_run(pipeline, command, started_at, status, structure_year) VALUES (?, ?, ?, 'running', ?)",
                       arguments: [pipeline, command, Self.now(), structureYear])
        return db.lastInsertedRowID
    }

    public struct RunCounts: Sendable {
        public var sourcesRead = 0
        public var sourcesReused = 0
        public var staged = 0
        public var rejected = 0
        public var facts = 0
        public var warnings = 0
        public init() {}
    }

    public static func finishRun(_ db: Database, runId: Int64, status: String, counts: RunCounts, fingerprint: String?, message: String?) throws {
        try db.execute(sql: """
            UPDATE etl_run SET finished_at = ?, status = ?, sources_read = ?, sources_reused = ?, observations_staged = ?,
                rows_rejected = ?, facts_written = ?, warnings = ?, fingerprint = ?, message = ? WHERE run_id = ?
            """, arguments: [Self.now(), status, counts.sourcesRead, counts.sourcesReused, counts.staged, counts.rejected,
                             counts.facts, counts.warnings, fingerprint, message, runId])
    }

    /// Records a failed run in its own small transaction, after the run's own was rolled back.
    public func recordFailure(pipeline: String, command: String, startedAt: String, message: String) {
        try? queue.write { db in
            try db.execute(sql: "INSERT INTO etl_run(pipeline, command, started_at, finished_at, status, message) VALUES (?, ?, ?, ?, 'failed', ?)",
                           arguments: [pipeline, command, startedAt, Self.now(), message])
        }
    }

    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// The fingerprint of the last successful run, for no-op detection.
    public static func lastSuccessfulFingerprint(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT fingerprint FROM etl_run WHERE status IN ('success', 'rejects_over_limit') ORDER BY run_id DESC LIMIT 1")
    }

    // MARK: Sources

    public struct SourceRecord: Sendable {
        public var id: String
        public var path: String
        public var format: String
        public var title: String?
        public var tableId: String?
        public var contentHash: String
        public var updated: String?
        public var dialect: String?
        public var origin: String?
        public init(id: String, path: String, format: String, title: String? = nil, tableId: String? = nil, contentHash: String, updated: String? = nil, dialect: String? = nil, origin: String? = nil) {
            self.id = id
            self.path = path
            self.format = format
            self.title = title
            self.tableId = tableId
            self.contentHash = contentHash
            self.updated = updated
            self.dialect = dialect
            self.origin = origin
        }
    }

    /// The content hash staged for a source, if any.
    public static func stagedHash(_ db: Database, sourceId: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT content_hash FROM dim_source WHERE source_id = ?", arguments: [sourceId])
    }

    /// Removes a source's staged rows and registers it afresh; returns its key.
    public static func replaceSource(_ db: Database, _ s: SourceRecord, runId: Int64) throws -> Int64 {
        try db.execute(sql: "DELETE FROM dim_source WHERE source_id = ?", arguments: [s.id])
        try db.execute(sql: """
            INSERT INTO dim_source(source_id, path, format, title, table_id, content_hash, updated, dialect, origin, loaded_at, loaded_run_id, observations, rejected)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)
            """, arguments: [s.id, s.path, s.format, s.title, s.tableId, s.contentHash, s.updated, s.dialect, s.origin, now(), runId])
        return db.lastInsertedRowID
    }

    public static func finishSource(_ db: Database, key: Int64, observations: Int, rejected: Int, outOfValidity: Int, special: Int = 0, title: String?, updated: String?) throws {
        try db.execute(sql: "UPDATE dim_source SET special = ? WHERE source_key = ?", arguments: [special, key])
        try db.execute(sql: "UPDATE dim_source SET observations = ?, rejected = ?, out_of_validity = ?, title = coalesce(?, title), updated = coalesce(?, updated) WHERE source_key = ?",
                       arguments: [observations, rejected, outOfValidity, title, updated, key])
    }

    /// Drops sources the pipeline no longer declares.
    public static func removeSources(_ db: Database, notIn ids: [String]) throws -> Int {
        let placeholders = ids.map { _ in "?" }.joined(separator: ",")
        try db.execute(sql: "DELETE FROM dim_source WHERE source_id NOT IN (\(placeholders.isEmpty ? "''" : placeholders))", arguments: StatementArguments(ids))
        return db.changesCount
    }

    public static func sourceKey(_ db: Database, sourceId: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT source_key FROM dim_source WHERE source_id = ?", arguments: [sourceId])
    }

    public static func reject(_ db: Database, runId: Int64, sourceId: String, location: String, error: String, raw: String?) throws {
        try db.execute(sql: "INSERT INTO etl_reject(run_id, source_id, location, error, raw) VALUES (?, ?, ?, ?, ?)",
                       arguments: [runId, sourceId, location, error, raw])
    }

    public static func warn(_ db: Database, runId: Int64, _ message: String) throws {
        try db.execute(sql: "INSERT INTO etl_warning(run_id, message) VALUES (?, ?)", arguments: [runId, message])
    }
}
