import Foundation
import GRDB
import Testing
import TestSupport
import Workload
#if canImport(Glibc)
    import Glibc
#endif

// A mistake in a pipeline or a damaged warehouse is refused, never published as a wrong number
// (docs/bad-input.md, "Warehouse refusals"; README, "Safety for nightly runs"): a warehouse
// belongs to one pipeline; a file that is not an etl warehouse, or a damaged one, is left as it
// is; people who may only read the warehouse's folder can read it; SIGINT, SIGTERM and a closed
// pipe end a run cleanly.

// MARK: - Helpers

/// A copy of the sample pipeline under another `name:`, so two pipelines share the sources.
private func writeOtherPipeline(in dir: URL, name: String = "other") throws {
    let sample = try String(contentsOf: dir.appendingPathComponent("pipelines/sample.yml"), encoding: .utf8)
    #expect(sample.contains("\nname: sample\n"))
    try sample.replacingOccurrences(of: "\nname: sample\n", with: "\nname: \(name)\n")
        .write(to: dir.appendingPathComponent("pipelines/\(name).yml"), atomically: true, encoding: .utf8)
}

private func fileBytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }

/// Files SQLite would leave beside a database it wrote to.
private func sideFiles(_ url: URL) -> [String] {
    ["-wal", "-shm", "-journal"].filter { FileManager.default.fileExists(atPath: url.path + $0) }
}

/// Runs a shell command line with bash in a folder.
private func bash(_ script: String, in dir: URL) throws -> ProcessResult {
    try runProcess(URL(fileURLWithPath: "/bin/bash"), ["-c", script], in: dir)
}

/// How to run a program as a user without write access to a root-owned folder. Tests run as
/// root, which ignores permission bits, so the reader must drop to `nobody` (uid 65534); a
/// non-root test run is already such a user.
enum Unprivileged {
    static let prefix: [String]? = {
        if getuid() != 0 { return [] }
        for p in ["/usr/bin/setpriv", "/bin/setpriv"] where FileManager.default.isExecutableFile(atPath: p) {
            return [p, "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        for p in ["/usr/sbin/runuser", "/sbin/runuser"] where FileManager.default.isExecutableFile(atPath: p) {
            return [p, "-u", "nobody", "--"]
        }
        return nil
    }()

    /// Runs `command` as that user in `dir`, with a PATH of system folders only (root's own
    /// tools, e.g. a pyenv under /root, are out of its reach).
    static func run(_ command: [String], in dir: URL) throws -> ProcessResult {
        let full = (prefix ?? []) + command
        return try runProcess(
            URL(fileURLWithPath: full[0]), Array(full.dropFirst()), in: dir,
            environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"])
    }

    /// The first of `candidates` that exists and is executable (nil: that reader is not installed).
    static func tool(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

// MARK: - The warehouse belongs to one pipeline

// Behaviour (in process): who owns a warehouse, taking it over; the one-line refusals that
// `etl run` prints are checked through the binary where a test names them.
@Suite(.serialized) struct WarehouseOwnershipTests {
    @Test func aWarehouseOfAnotherPipelineIsRefusedUnlessReplaced() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeOtherPipeline(in: dir)
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        #expect(runInProcess("pipelines/sample.yml", in: dir, warehouse: "warehouse/omsorg.sqlite").status == 0)
        #expect(
            try openWarehouse(warehouse).read { try String.fetchOne($0, sql: "SELECT value FROM etl_meta WHERE key = 'pipeline'") }
                == "sample")
        let before = try fileBytes(warehouse)

        let refused = try etl(["run", "pipelines/other.yml", "--warehouse", "warehouse/omsorg.sqlite"], in: dir)
        print("warehouse refusal: \(refused.stderr)")
        #expect(refused.status == 2)
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("warehouse/omsorg.sqlite: error: this warehouse belongs to pipeline \"sample\", not \"other\""))
        #expect(refused.stderr.contains("--replace"))
        #expect(try fileBytes(warehouse) == before, "a refused run changed the warehouse")
        #expect(sideFiles(warehouse).isEmpty)

        // Taken over: a full refresh, recorded as the new owner; now the first pipeline is refused.
        let replaced = runInProcess("pipelines/other.yml", in: dir, warehouse: "warehouse/omsorg.sqlite", replace: true)
        #expect(replaced.status == 0, "\(replaced.diagnosis)")
        #expect(replaced.sourcesStarted.contains("kostra_12209"), "--replace must parse every source again")
        try openWarehouse(warehouse).read { (db: Database) throws in
            #expect(try String.fetchOne(db, sql: "SELECT value FROM etl_meta WHERE key = 'pipeline'") == "other")
            #expect(
                try String.fetchAll(db, sql: "SELECT pipeline || ':' || status FROM etl_run ORDER BY run_id") == [
                    "sample:success", "other:success"
                ])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_source WHERE loaded_run_id <> 2") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fact_indicator WHERE run_id <> 2") == 0)
        }
        let back = runInProcess("pipelines/sample.yml", in: dir, warehouse: "warehouse/omsorg.sqlite")
        #expect(back.status == 2)
        #expect(back.message.contains("belongs to pipeline \"other\", not \"sample\""), "\(back.diagnosis)")
        // The same pipeline goes on as before (nothing changed since its run).
        let again = runInProcess("pipelines/other.yml", in: dir, warehouse: "warehouse/omsorg.sqlite")
        #expect(again.status == 0, "\(again.diagnosis)")
        #expect(again.noChange && again.summary?.status == .noChange, "\(again.diagnosis)")
    }

    /// A warehouse made before the owner was recorded belongs to the pipeline of its last successful run.
    @Test func aWarehouseWithoutARecordedOwnerBelongsToItsLastSuccessfulRun() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeOtherPipeline(in: dir)
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        #expect(runInProcess("pipelines/sample.yml", in: dir, warehouse: "warehouse/omsorg.sqlite").status == 0)
        try DatabaseQueue(path: warehouse.path).write { db in
            try db.execute(sql: "DELETE FROM etl_meta WHERE key = 'pipeline'")
            // A later failed run of another pipeline does not make it the owner.
            try db.execute(
                sql: "INSERT INTO etl_run(pipeline, command, started_at, status) VALUES ('third', 'run', '2026-01-01', 'failed')")
        }
        let refused = runInProcess("pipelines/other.yml", in: dir, warehouse: "warehouse/omsorg.sqlite")
        #expect(refused.status == 2)
        #expect(refused.message.contains("belongs to pipeline \"sample\", not \"other\""), "\(refused.diagnosis)")
    }

    enum Foreign: String, CaseIterable, Sendable {
        case textFile, sqliteOfSomethingElse, folder
    }

    @Test(arguments: Foreign.allCases)
    func aFileThatIsNotAnEtlWarehouseIsLeftAsItIs(_ kind: Foreign) throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("notes.db")
        switch kind {
        case .textFile:
            try Data("Møtereferat 3. desember\nIkke en database.\n".utf8).write(to: file)
        case .sqliteOfSomethingElse:
            let q = try DatabaseQueue(path: file.path)
            try q.write { db in
                try db.execute(sql: "CREATE TABLE budget(year INTEGER, amount REAL); INSERT INTO budget VALUES (2024, 1.5e6)")
            }
            try q.close()
        case .folder:
            try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
            try Data("keep me".utf8).write(to: file.appendingPathComponent("inside.txt"))
        }
        let kept = kind == .folder ? file.appendingPathComponent("inside.txt") : file
        let before = try fileBytes(kept)
        let expected =
            kind == .folder
            ? "notes.db: error: is a directory, not an etl warehouse; give --warehouse a file name"
            : "notes.db: error: not an etl warehouse ("
        for args in [
            ["run", "--warehouse", "notes.db"], ["run", "--warehouse", "notes.db", "--replace"], ["rerun", "--warehouse", "notes.db"]
        ] {
            let r = try etl(args, in: dir)
            print("warehouse refusal: \(r.stderr)")
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.hasPrefix(expected), "\(r.stderr)")
            #expect(r.stderr.contains(kind == .folder ? "give --warehouse a file name" : "give --warehouse a new file"))
            #expect(try fileBytes(kept) == before, "\(args): the file was modified")
            #expect(sideFiles(file).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path), "a run record was written beside it")
        }
    }

    /// A damaged warehouse is refused before the run decides that nothing changed (which would
    /// otherwise report success over broken pages), and is not touched.
    @Test func aDamagedWarehouseIsRefusedBeforeTheNoOpDecision() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        #expect(runInProcess(in: dir, warehouse: "warehouse/omsorg.sqlite").status == 0)
        // Overwrite the start (the b-tree page header) of every page in the middle of the file.
        let handle = try FileHandle(forUpdating: warehouse)
        let size = try handle.seekToEnd()
        let pages = size / 4096
        #expect(pages > 40)
        for page in (pages / 5)..<(pages * 4 / 5) {
            try handle.seek(toOffset: page * 4096)
            handle.write(Data(repeating: 0xFF, count: 64))
        }
        try handle.close()
        let damaged = try fileBytes(warehouse)

        let r = try etl(["run", "--warehouse", "warehouse/omsorg.sqlite"], in: dir)
        print("warehouse refusal: \(r.stderr)")
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("warehouse/omsorg.sqlite: error: the warehouse is damaged (PRAGMA quick_check: "), "\(r.stderr)")
        #expect(r.stderr.contains("`etl run --full-refresh --warehouse NEW`") && r.stderr.contains("restore a copy"))
        #expect(!r.stderr.contains("nothing changed"))
        #expect(try fileBytes(warehouse) == damaged, "the damaged warehouse was modified")
        // The way out the message gives works.
        let fresh = runInProcess(in: dir, warehouse: "warehouse/new.sqlite", fullRefresh: true)
        #expect(fresh.status == 0, "\(fresh.diagnosis)")
    }
}

// MARK: - Readers without write access

// Command-line contract (process): other processes, as another user, read what a run published
// (the runs themselves are in this process).
@Suite struct ReadOnlyReaderTests {
    /// A statistician who may only read the folder (root-owned 0755, the file 0644) can use
    /// `etl query`, `etl export`, `etl status`, the sqlite3 shell and Python's sqlite3 module.
    @Test(.enabled(if: Unprivileged.prefix != nil, "no way to run a reader as another user: running as root without setpriv or runuser"))
    func readersWithoutWriteAccessCanReadThePublishedWarehouse() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let published = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        let run = runInProcess(in: dir)
        #expect(run.status == 0, "\(run.diagnosis)")
        #expect(sideFiles(published).isEmpty, "the published warehouse needs \(sideFiles(published)) to be read")
        let expected = try openWarehouse(published).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM v_indicator") } ?? 0
        #expect(expected > 100)

        // A folder the reader may only read, holding a copy of the warehouse and of the binary.
        let shared = URL(fileURLWithPath: "/tmp/etl-readonly-\(UUID().uuidString)")
        let output = URL(fileURLWithPath: "/tmp/etl-readonly-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: shared); try? FileManager.default.removeItem(at: output) }
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: false)
        let file = shared.appendingPathComponent("omsorg.sqlite")
        let binary = shared.appendingPathComponent("etl")
        try FileManager.default.copyItem(at: published, to: file)
        try FileManager.default.copyItem(at: etlBinary, to: binary)
        let root = getuid() == 0
        #expect(chmod(file.path, root ? 0o644 : 0o444) == 0)
        #expect(chmod(binary.path, 0o755) == 0)
        #expect(chmod(shared.path, root ? 0o755 : 0o555) == 0)
        #expect(chmod(output.path, 0o777) == 0)
        defer { _ = chmod(shared.path, 0o755) }
        let before = try fileBytes(file)

        let sql = "SELECT count(*) AS n FROM v_indicator"
        let query = try Unprivileged.run([binary.path, "query", "--warehouse", file.path, "--sql", sql, "--format", "csv"], in: output)
        #expect(query.status == 0, "etl query: \(query.stderr)")
        #expect(query.stdout.split(separator: "\n").last.map(String.init) == "\(expected)", "\(query.stdout)")
        let byIndicator = try Unprivileged.run(
            [binary.path, "query", "--warehouse", file.path, "--indicator", "legemiddelgjennomgang", "--region", "3118"], in: output)
        #expect(byIndicator.status == 0, "etl query --indicator: \(byIndicator.stderr)")
        let status = try Unprivileged.run([binary.path, "status", "--warehouse", file.path], in: output)
        #expect(status.status == 0, "etl status: \(status.stderr)")
        #expect(status.stdout.contains("success"))
        let export = try Unprivileged.run(
            [binary.path, "export", "--warehouse", file.path, "--format", "csv", "-o", output.appendingPathComponent("x.csv").path],
            in: output)
        #expect(export.status == 0, "etl export: \(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("x.csv").path))

        if let sqlite3 = Unprivileged.tool(["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"]) {
            let shell = try Unprivileged.run([sqlite3, "file:\(file.path)?mode=ro", sql], in: output)
            #expect(shell.status == 0 && shell.stdout == "\(expected)\n", "sqlite3: \(shell.stderr)")
        } else {
            print("read-only readers: no sqlite3 shell installed; its check was left out")
        }
        if let python = Unprivileged.tool(["/usr/bin/python3", "/usr/local/bin/python3"]) {
            let script =
                "import sqlite3, sys; print(sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True).execute(sys.argv[2]).fetchone()[0])"
            let py = try Unprivileged.run([python, "-c", script, file.path, sql], in: output)
            #expect(py.status == 0 && py.stdout == "\(expected)\n", "python3: \(py.stderr)")
        } else {
            print("read-only readers: no system python3; its check was left out")
        }
        #expect(try fileBytes(file) == before)
        #expect(sideFiles(file).isEmpty)
    }
}

extension ReadOnlyReaderTests {
    /// A run publishes a copy renamed over the warehouse: the file keeps the permissions its
    /// owner gave it (a warehouse readable by its group only stays so).
    @Test func publishingKeepsTheWarehousesPermissions() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        #expect(runInProcess(in: dir).status == 0)
        #expect(chmod(warehouse.path, 0o640) == 0)
        let inode = try FileManager.default.attributesOfItem(atPath: warehouse.path)[.systemFileNumber] as? NSNumber
        let r = runInProcess(in: dir, fullRefresh: true)
        #expect(r.status == 0, "\(r.diagnosis)")
        let attributes = try FileManager.default.attributesOfItem(atPath: warehouse.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.uint16Value == 0o640)
        #expect(attributes[.systemFileNumber] as? NSNumber != inode, "the run was expected to publish a new file")
        #expect(!FileManager.default.fileExists(atPath: warehouse.path + ".publishing"))
    }
}

// MARK: - Every run leaves a trace

/// What a reader of the warehouse sees, cheap enough for a million staged rows: every
/// published value, and staging by its count, sum and sources.
private func publishedState(_ url: URL) throws -> [String] {
    try openWarehouse(url).read { (db: Database) throws in
        var out = try String.fetchAll(
            db,
            sql: """
                SELECT indicator || '|' || region || '|' || year || '|' || breakdown || '|' || ifnull(value, 'null') || '|' || ifnull(status, '') || '|' || method || '|' || structure_year
                FROM v_indicator ORDER BY 1
                """)
        out += try String.fetchAll(
            db, sql: "SELECT count(*) || '|' || total(value) || '|' || count(DISTINCT measure_key) FROM stg_observation")
        out += try String.fetchAll(db, sql: "SELECT source_id || '|' || content_hash || '|' || observations FROM dim_source ORDER BY 1")
        out += try String.fetchAll(db, sql: "SELECT count(*) || '|' || count(DISTINCT fact_id) FROM fact_lineage")
        return out
    }
}

// Command-line contract (process): SIGINT, SIGTERM and a closed pipe, sent to the binary.
@Suite(.serialized) struct InterruptTests {
    /// Starts `etl`, stderr to a file; waits until the file contains `marker`, waits `delay`,
    /// sends `sig`; returns the exit status, stderr and seconds from the signal to the exit.
    private func interrupt(
        _ args: [String], in dir: URL, after marker: String, delay: Double, with sig: Int32,
        warehouse: URL
    ) throws -> (ProcessResult, Double) {
        let log = dir.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let p = Process()
        p.executableURL = etlBinary
        p.arguments = args
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = handle
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning, Date() < deadline,
            !(String(data: (try? Data(contentsOf: log)) ?? Data(), encoding: .utf8) ?? "").contains(marker)
        {
            Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: delay)
        // The run works on a copy: the warehouse itself is a single file readers can read as it is.
        #expect(FileManager.default.fileExists(atPath: warehouse.path + ".publishing"))
        #expect(sideFiles(warehouse).isEmpty, "\(sideFiles(warehouse)) beside the warehouse during the run")
        let signalled = Date()
        #expect(p.isRunning, "the run ended before the signal; nothing was tested")
        kill(p.processIdentifier, sig)
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(signalled)
        let stderr = String(decoding: try Data(contentsOf: log), as: UTF8.self)
        #expect(p.terminationReason == .exit, "the process was killed by the signal instead of ending cleanly")
        return (ProcessResult(status: p.terminationStatus, stdout: "", stderr: stderr), seconds)
    }

    /// SIGINT while staging a million cells and SIGTERM while harmonising them end the run
    /// with 130 and 143: nothing published, an `interrupted` row and run record, one line.
    @Test(.timeLimit(.minutes(10)))
    func sigintAndSigtermEndARunCleanlyAndPublishNothing() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gen = dir.appendingPathComponent("national")
        try WorkloadWriter.write(
            out: gen.path, observations: 1_000_000, formats: ["csv"],
            catalog: dir.appendingPathComponent("pipelines/kommuneendringer.csv").path)
        let warehouse = gen.appendingPathComponent("w/national.sqlite")
        let args = ["run", "pipeline.yml", "--warehouse", warehouse.path]
        let t0 = Date()
        let first = try etl(args, in: gen)
        #expect(first.status == 0, "\(first.stderr)")
        print("interrupt test: a run of 1 M cells takes \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
        let before = try publishedState(warehouse)

        // Work for the next runs: a new measure to stage, and another structure year to harmonise to.
        let csv = gen.appendingPathComponent("bench.csv")
        var bytes = try Data(contentsOf: csv)
        let eol = bytes.suffix(2) == Data([0x0D, 0x0A]) ? "\r\n" : "\n"
        for year in 2010...2024 {
            bytes.append(contentsOf: Array("\"0301 Oslo\";\"\(year)\";\"Tilleggsvariabel (antall)\";\(year - 2000)\(eol)".utf8))
        }
        try bytes.write(to: csv)
        let changed = args + ["--structure", "2020"]

        for (sig, status, name, marker, delay) in [
            (SIGINT, Int32(130), "SIGINT", "reading bench", 0.5),
            (SIGTERM, Int32(143), "SIGTERM", "observations staged", 0.0)
        ] {
            let (r, seconds) = try interrupt(changed, in: gen, after: marker, delay: delay, with: sig, warehouse: warehouse)
            print("interrupt test: \(name) ended the run in \(String(format: "%.2f", seconds)) s; stderr: \(r.stderr)")
            #expect(r.status == status, "\(name): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n").filter { $0.contains("interrupted") }
            #expect(
                lines == [
                    "error: interrupted by \(name); the run is recorded as interrupted (nothing published; the previous warehouse is unchanged)"
                ], "\(r.stderr)")
            #expect(seconds < 15, "\(name): the run took \(seconds) s to stop")
            #expect(try publishedState(warehouse) == before, "\(name): the interrupted run changed the warehouse")
            try openWarehouse(warehouse).read { (db: Database) throws in
                #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
                let last = try Row.fetchOne(db, sql: "SELECT status, message, finished_at FROM etl_run ORDER BY run_id DESC LIMIT 1")
                #expect(last?["status"] as String? == "interrupted")
                #expect(last?["message"] as String? == "interrupted by \(name)")
                #expect(last?["finished_at"] as String? != nil)
            }
            let record = gen.appendingPathComponent("w/runs/last-run.json")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: Any]
            #expect(json?["status"] as? String == "interrupted")
            #expect(json?["message"] as? String == "interrupted by \(name)")
            #expect(sideFiles(warehouse).isEmpty, "\(name): \(sideFiles(warehouse)) left beside the warehouse")
            #expect(!FileManager.default.fileExists(atPath: warehouse.path + ".publishing"), "\(name): the run's copy was left behind")
        }

        // Not interrupted, the same run publishes, and its change shows.
        let done = try etl(changed, in: gen)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try publishedState(warehouse) != before)
        let statuses = try openWarehouse(warehouse).read { try String.fetchAll($0, sql: "SELECT status FROM etl_run ORDER BY run_id") }
        #expect(statuses == ["success", "interrupted", "interrupted", "success"])
    }

    /// A reader that goes away (`| head -1`) does not kill a run or a query.
    @Test func aClosedPipeDoesNotKillARunOrAQuery() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        let binary = "'\(etlBinary.path)'"
        // Standard error into the pipe too: the run logs a line per source after head has gone.
        let both = try bash("\(binary) run 2>&1 | head -1; exit ${PIPESTATUS[0]}", in: dir)
        #expect(both.status == 0, "etl run 2>&1 | head -1 exited \(both.status)")
        #expect(both.stdout.split(separator: "\n").count == 1)
        try openWarehouse(warehouse).read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT status FROM etl_run") == ["success"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fact_indicator") ?? 0 > 100)
        }
        let plain = try bash("\(binary) run --full-refresh | head -1; exit ${PIPESTATUS[0]}", in: dir)
        #expect(plain.status == 0, "etl run | head -1 exited \(plain.status): \(plain.stderr)")
        let runs = try openWarehouse(warehouse).read { try String.fetchAll($0, sql: "SELECT status FROM etl_run ORDER BY run_id") }
        #expect(runs == ["success", "success"])
        // A query whose output is far larger than a pipe's buffer.
        let query = try bash("\(binary) query --sql 'SELECT * FROM v_staged' --format csv | head -1; exit ${PIPESTATUS[0]}", in: dir)
        #expect(query.status == 0, "etl query … | head -1 exited \(query.status): \(query.stderr)")
        #expect(query.stdout.split(separator: "\n").count == 1)
        #expect(query.stderr.isEmpty, "\(query.stderr)")
        // The JSON log and `inspect` write through the same EPIPE-tolerant path.
        let json = try bash("\(binary) run --full-refresh --log-format json 2>&1 | head -1; exit ${PIPESTATUS[0]}", in: dir)
        #expect(json.status == 0, "etl run --log-format json 2>&1 | head -1 exited \(json.status): \(json.stderr)")
        let inspect = try bash("\(binary) inspect pipelines/sample/12209_kostra_nokkeltall.csv | head -1; exit ${PIPESTATUS[0]}", in: dir)
        #expect(inspect.status == 0, "etl inspect … | head -1 exited \(inspect.status): \(inspect.stderr)")
    }
}
