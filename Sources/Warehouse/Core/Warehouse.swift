import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// SQLite's "copy the bytes now" destructor, which Swift does not import.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// The warehouse file, always in rollback-journal mode, so a reader needs no `-wal` or `-shm`
/// file and no write access to its folder (README, "Safety for nightly runs"). A run works in
/// one transaction on a copy beside it (`WAREHOUSE.publishing`) and publishes by renaming the
/// finished copy over it: a run that fails, is interrupted or is killed leaves the previous
/// file untouched, and readers see the previous complete warehouse until the rename.
public final class Warehouse {
    public let path: String
    public private(set) var queue: DatabaseQueue
    let configuration: Configuration

    /// Opens (creating if needed) a warehouse for writing and brings its schema up to date.
    /// A file that is not an etl warehouse, a damaged one, or (given `pipeline`) one another
    /// pipeline published is refused (`WarehouseError.notThisPipeline`, `.damaged`) before
    /// anything is written to it, unless `takeOver` lets `pipeline` replace the other pipeline's content.
    public init(path: String, pipeline: String? = nil, takeOver: Bool = false) throws {
        self.path = path
        if let owner = try Warehouse.inspect(path: path), let pipeline, owner != pipeline, !takeOver {
            throw WarehouseError.notThisPipeline(
                "\(path): error: this warehouse belongs to pipeline \"\(owner)\", not \"\(pipeline)\"; give --warehouse another file, or take it over with `etl run --replace` (replaces \"\(owner)\"'s sources and facts)"
            )
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // A new warehouse gives back the pages a run frees (`transaction`); the pragma does
            // nothing to a file that has tables already.
            try db.execute(
                sql: "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192")
            Interrupt.installProgressHandler(db.sqliteConnection)
        }
        configuration = config
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try Schema.migrator.migrate(queue)
            // Written only when it changes: a write in place makes readers wait.
            if try queue.read({ try String.fetchOne($0, sql: "SELECT value FROM etl_meta WHERE key = 'schema_version'") }) != Schema.version
            {
                try queue.write { db in
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO etl_meta(key, value) VALUES ('schema_version', ?)", arguments: [Schema.version])
                }
            }
        } catch let e as DatabaseError {
            throw WarehouseError.failed("\(path): cannot open the warehouse: \(e.message ?? e.description)")
        }
        // A warehouse written by an older version is in WAL mode: readers without write access need rollback-journal mode.
        _ = try? queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
        }
    }

    /// Looks at an existing file before it is opened for writing, without writing to it:
    /// refuses a file that is not an SQLite database, an SQLite database of something else,
    /// and a damaged warehouse. Returns the pipeline that owns the warehouse: the one recorded
    /// in `etl_meta`, else (a warehouse from before that was recorded) the pipeline of the last
    /// successful run; nil for a new or empty file.
    static func inspect(path: String) throws -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue {
            throw WarehouseError.notThisPipeline("\(path): error: is a directory, not an etl warehouse; give --warehouse a file name")
        }
        // An empty file is an empty SQLite database (SQLite itself treats it so).
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        if header.isEmpty { return nil }
        guard header == Data("SQLite format 3\0".utf8) else {
            throw WarehouseError.notThisPipeline(
                "\(path): error: not an etl warehouse (not an SQLite database); it was left as it is: give --warehouse a new file or an etl warehouse"
            )
        }
        let damaged = { (what: String) in
            WarehouseError.damaged(
                "\(path): error: the warehouse is damaged (\(what)); it was left as it is: run `etl run --full-refresh --warehouse NEW` into a new file, or restore a copy"
            )
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        do {
            // A process that died while writing in place (a no-op or failure record) can leave a
            // hot journal, which only a writing connection rolls back, as any SQLite writer would.
            do {
                _ = try DatabaseQueue(path: path, configuration: config).read {
                    try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master")
                }
            } catch let e as DatabaseError where e.resultCode == .SQLITE_READONLY {
                var recover = Configuration()
                recover.busyMode = .timeout(10)
                let w = try DatabaseQueue(path: path, configuration: recover)
                _ = try w.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
                try w.close()
            }
            let q = try DatabaseQueue(path: path, configuration: config)
            defer { try? q.close() }
            return try q.read { db -> String? in
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                let isWarehouse = tables.contains("etl_meta") || tables.contains("etl_run")
                if !tables.isEmpty && !isWarehouse {
                    let shown = tables.prefix(3).joined(separator: ", ") + (tables.count > 3 ? ", …" : "")
                    throw WarehouseError.notThisPipeline(
                        "\(path): error: not an etl warehouse (an SQLite database with tables \(shown) and no etl_meta or etl_run); it was left as it is: give --warehouse a new file or an etl warehouse"
                    )
                }
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check(1)")
                if check != ["ok"] {
                    // The answer may start with a heading ("*** in database main ***"); name the first problem.
                    let lines = check.flatMap { $0.split(separator: "\n") }.map(String.init).filter { !$0.hasPrefix("***") }
                    throw damaged("PRAGMA quick_check: \(lines.first ?? "no answer")")
                }
                if tables.contains("etl_meta"),
                    let owner = try String.fetchOne(db, sql: "SELECT value FROM etl_meta WHERE key = 'pipeline'")
                {
                    return owner
                }
                guard tables.contains("etl_run") else { return nil }
                return try String.fetchOne(
                    db, sql: "SELECT pipeline FROM etl_run WHERE status IN ('success', 'rejects_over_limit') ORDER BY run_id DESC LIMIT 1")
            }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB {
            throw damaged(e.message ?? e.description)
        } catch let e as DatabaseError {
            throw WarehouseError.failed("\(path): cannot open the warehouse: \(e.message ?? e.description)")
        }
    }

    /// Opens a warehouse read-only, for queries: no statement can write through it.
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw WarehouseError.failed("\(path): no warehouse here; run `etl run` first")
        }
        var config = Configuration()
        config.readonly = true
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// A copy at most this large before the run (a new warehouse, or a small one) keeps its
    /// rollback journal in memory: the journal holds at most the pages the copy had, so memory
    /// stays bounded by this.
    static let memoryJournalLimit: Int64 = 4 << 20

    /// Runs `body` in one immediate transaction on a copy of the warehouse and publishes the
    /// copy by renaming it over the warehouse: all of it is published, or none. A signal
    /// (`Interrupt`) before the commit rolls it back and throws `WarehouseError.interrupted`.
    ///
    /// The copy is the run's own scratch file until the rename, which syncs it to disk first;
    /// a run that fails removes it. So it needs a journal only to roll back (a failed
    /// statement, a savepoint), never to survive a crash: a small copy (a first publish) keeps
    /// it in memory and writes each page once, straight into the file, without syncing; a
    /// larger one runs in WAL mode, so the journal of a big change is on disk, not in memory,
    /// and is checkpointed into the file at the end. Either way the copy is in rollback-journal
    /// mode when it is renamed, so a reader needs no `-wal` or `-shm` file.
    public func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let copyPath = target + ".publishing"
        Warehouse.removeDatabaseFiles(copyPath)
        defer { Warehouse.removeDatabaseFiles(copyPath) }
        // Created empty (an empty SQLite database) with the warehouse's permissions, so the copy
        // is never readable by more people than the warehouse is.
        let mode = (try? FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o644
        let fd = open(copyPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        if fd >= 0 { close(fd) }
        var result: T? = nil
        let copy = try DatabaseQueue(path: copyPath, configuration: configuration)
        try queue.backup(to: copy)
        // The pages the backup read stay in the live file's page cache until it is reopened
        // after the rename: let them go (8 MB of a run's peak memory).
        queue.releaseMemory()
        try copy.writeWithoutTransaction { db in
            // A warehouse from before incremental vacuum is rebuilt once in that mode, on the copy.
            if try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 0 {
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL; VACUUM")
            }
            let size = try Int64.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? .max
            let inMemory = size <= Warehouse.memoryJournalLimit
            if inMemory {
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = MEMORY")
                guard mode == "memory" else {
                    throw WarehouseError.failed("\(copyPath): cannot keep the journal in memory (journal_mode is \(mode ?? "unknown"))")
                }
                try db.execute(sql: "PRAGMA synchronous = OFF")
            } else {
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            // A savepoint keeps the original of every page it changes (to undo them) in a
            // journal that SQLite holds in memory when temporary storage is in memory, decided
            // when the transaction begins: a source restaged in place in a savepoint raised peak
            // memory by 44 MB at 5 M cells. In a file it costs no memory.
            try db.execute(sql: "PRAGMA temp_store = FILE")
            defer { try? db.execute(sql: "PRAGMA temp_store = MEMORY") }
            Interrupt.arm(true)
            defer { Interrupt.arm(false) }
            try db.inTransaction(.immediate) {
                result = try body(db)
                // The pages the run freed (a source's replaced rows, the scratch tables of the
                // vintage) are given back, so the file grows by what the run added, not by what
                // it held at its peak (README, "What changed last night").
                try db.execute(sql: "PRAGMA incremental_vacuum")
                try Interrupt.check()
                Interrupt.arm(false) // from here the run publishes whatever comes
                return .commit
            }
            if !inMemory { try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            guard mode == "delete" else {
                throw WarehouseError.failed("\(copyPath): cannot leave WAL mode (journal_mode is \(mode ?? "unknown"))")
            }
        }
        try copy.close()
        try Warehouse.rename(copyPath, over: target)
        try? queue.close()
        queue = try DatabaseQueue(path: path, configuration: configuration)
        return result!
    }

    /// Runs `body` in a savepoint of the run's transaction: an error undoes what it wrote and
    /// is rethrown. (The savepoint's undo record goes to a temporary file: see `transaction`.)
    public static func inSavepoint(_ db: Database, _ body: () throws -> Void) throws {
        try db.inSavepoint {
            try body()
            return .commit
        }
    }

    /// Runs `body` in one transaction in place, for small records (a run that changed nothing,
    /// a failed run): the rollback journal keeps it atomic.
    public func update<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.write { try body($0) }
    }

    /// Makes the finished copy the warehouse: same permissions and owner, on disk before the
    /// rename, and the rename itself on disk.
    static func rename(_ copy: String, over target: String) throws {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: target) {
            if let mode = attributes[.posixPermissions] as? NSNumber { _ = chmod(copy, mode_t(mode.uint16Value)) }
            if let uid = attributes[.ownerAccountID] as? NSNumber, let gid = attributes[.groupOwnerAccountID] as? NSNumber {
                _ = chown(copy, uid_t(uid.uint32Value), gid_t(gid.uint32Value))
            }
        }
        let fd = open(copy, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
        guard Foundation.rename(copy, target) == 0 else {
            throw WarehouseError.failed("\(target): cannot publish the finished copy \(copy): \(String(cString: strerror(errno)))")
        }
        let dir = (target as NSString).deletingLastPathComponent
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Removes a database file and the files SQLite keeps beside it (a copy left by a killed run).
    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    // MARK: Runs

    public static func startRun(_ db: Database, pipeline: String, command: String, structureYear: Int?) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO etl_run(pipeline, command, started_at, status, structure_year) VALUES (?, ?, ?, 'running', ?)",
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

    /// Ends a run; a successful one also records its pipeline as the warehouse's owner
    /// (`etl_meta.pipeline`), which other pipelines are refused against.
    public static func finishRun(_ db: Database, runId: Int64, status: String, counts: RunCounts, fingerprint: String?, message: String?)
        throws
    {
        if status == "success" || status == "rejects_over_limit" {
            try db.execute(
                sql: "INSERT OR REPLACE INTO etl_meta(key, value) SELECT 'pipeline', pipeline FROM etl_run WHERE run_id = ?",
                arguments: [runId])
        }
        try db.execute(
            sql: """
                UPDATE etl_run SET finished_at = ?, status = ?, sources_read = ?, sources_reused = ?, observations_staged = ?,
                    rows_rejected = ?, facts_written = ?, warnings = ?, fingerprint = ?, message = ? WHERE run_id = ?
                """,
            arguments: [
                Self.now(), status, counts.sourcesRead, counts.sourcesReused, counts.staged, counts.rejected,
                counts.facts, counts.warnings, fingerprint, message, runId
            ])
    }

    /// Records a failed (or `interrupted`) run in its own small transaction, after the run's own was rolled back.
    public func recordFailure(pipeline: String, command: String, startedAt: String, message: String, status: String = "failed") {
        try? queue.write { db in
            try db.execute(
                sql: "INSERT INTO etl_run(pipeline, command, started_at, finished_at, status, message) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [pipeline, command, startedAt, Self.now(), status, message])
        }
    }

    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// The fingerprint of the last successful run, for no-op detection.
    public static func lastSuccessfulFingerprint(_ db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT fingerprint FROM etl_run WHERE status IN ('success', 'rejects_over_limit') ORDER BY run_id DESC LIMIT 1")
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
        public init(
            id: String, path: String, format: String, title: String? = nil, tableId: String? = nil, contentHash: String,
            updated: String? = nil, dialect: String? = nil, origin: String? = nil
        ) {
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
        try db.execute(
            sql: """
                INSERT INTO dim_source(source_id, path, format, title, table_id, content_hash, updated, dialect, origin, loaded_at, loaded_run_id, observations, rejected)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)
                """, arguments: [s.id, s.path, s.format, s.title, s.tableId, s.contentHash, s.updated, s.dialect, s.origin, now(), runId])
        return db.lastInsertedRowID
    }

    /// Registers a source that is restaged in place afresh, keeping its key (and so its staged
    /// rows, which the restaging brings up to date) but not its labels, which the new version
    /// gives again.
    public static func refreshSource(_ db: Database, key: Int64, _ s: SourceRecord, runId: Int64) throws {
        try db.execute(
            sql: """
                UPDATE dim_source SET path = ?, format = ?, title = ?, table_id = ?, content_hash = ?, updated = ?, dialect = ?, origin = ?,
                       loaded_at = ?, loaded_run_id = ?, observations = 0, rejected = 0, out_of_validity = 0, special = 0, notes = NULL
                WHERE source_key = ?
                """, arguments: [s.path, s.format, s.title, s.tableId, s.contentHash, s.updated, s.dialect, s.origin, now(), runId, key])
        try db.execute(sql: "DELETE FROM stg_label WHERE source_key = ?", arguments: [key])
    }

    public static func finishSource(
        _ db: Database, key: Int64, observations: Int, rejected: Int, outOfValidity: Int, special: Int = 0, title: String?, updated: String?
    ) throws {
        try db.execute(sql: "UPDATE dim_source SET special = ? WHERE source_key = ?", arguments: [special, key])
        try db.execute(
            sql:
                "UPDATE dim_source SET observations = ?, rejected = ?, out_of_validity = ?, title = coalesce(?, title), updated = coalesce(?, updated) WHERE source_key = ?",
            arguments: [observations, rejected, outOfValidity, title, updated, key])
    }

    /// Drops sources the pipeline no longer declares.
    public static func removeSources(_ db: Database, notIn ids: [String]) throws -> Int {
        let placeholders = ids.map { _ in "?" }.joined(separator: ",")
        try db.execute(
            sql: "DELETE FROM dim_source WHERE source_id NOT IN (\(placeholders.isEmpty ? "''" : placeholders))",
            arguments: StatementArguments(ids))
        return db.changesCount
    }

    /// The key of a staged source, or nil when the warehouse does not hold it.
    public static func sourceKey(_ db: Database, sourceId: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT source_key FROM dim_source WHERE source_id = ?", arguments: [sourceId])
    }

    /// How many sources the warehouse has staged.
    public static func sourceCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_source") ?? 0
    }

    /// The ids of the sources a warehouse file has staged, read without writing.
    public static func stagedSourceIds(path: String) throws -> [String] {
        try openReadOnly(path: path).read { try String.fetchAll($0, sql: "SELECT source_id FROM dim_source") }
    }

    /// The dialect a source was read in and the footnotes its file carries.
    public static func describeSource(_ db: Database, key: Int64, dialect: String, notes: String?) throws {
        try db.execute(sql: "UPDATE dim_source SET dialect = ?, notes = ? WHERE source_key = ?", arguments: [dialect, notes, key])
    }

    /// A source's content hash, when it was computed while the source was staged.
    public static func setContentHash(_ db: Database, key: Int64, _ hash: String) throws {
        try db.execute(sql: "UPDATE dim_source SET content_hash = ? WHERE source_key = ?", arguments: [hash, key])
    }

    /// The duplicate-cell rejects of a source in a run: their ids and locations.
    public static func duplicateRejects(_ db: Database, runId: Int64, sourceId: String) throws -> [(id: Int64, location: String)] {
        try Row.fetchAll(
            db, sql: "SELECT reject_id, location FROM etl_reject WHERE run_id = ? AND source_id = ? AND error LIKE 'duplicate cell:%'",
            arguments: [runId, sourceId]
        ).map { ($0["reject_id"], $0["location"]) }
    }

    /// Sets a reject's raw text (the line as it is in the file).
    public static func setRejectRaw(_ db: Database, id: Int64, _ raw: String) throws {
        try db.execute(sql: "UPDATE etl_reject SET raw = ? WHERE reject_id = ?", arguments: [raw, id])
    }

    public static func reject(_ db: Database, runId: Int64, sourceId: String, location: String, error: String, raw: String?) throws {
        try db.execute(
            sql: "INSERT INTO etl_reject(run_id, source_id, location, error, raw) VALUES (?, ?, ?, ?, ?)",
            arguments: [runId, sourceId, location, error, raw])
    }

    public static func warn(_ db: Database, runId: Int64, _ message: String) throws {
        try warn(db, runId: runId, .warning(message))
    }

    /// Records a warning with what it is about, so SQL can select warnings by kind, indicator,
    /// region or year.
    public static func warn(_ db: Database, runId: Int64, _ d: Diagnostic) throws {
        try db.execute(
            sql: "INSERT INTO etl_warning(run_id, message, code, indicator, measure, region, year) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [runId, d.description, d.code, d.indicator, d.measure, d.region, d.year])
    }
}
