import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// A dump of the warehouse's content that does not depend on run ids or timestamps.
func contentDump(_ url: URL) throws -> [String] {
    try openWarehouse(url).read { db in
        var out: [String] = []
        out += try String.fetchAll(
            db,
            sql: """
                SELECT indicator || '|' || region || '|' || year || '|' || breakdown || '|' || ifnull(value, 'null') || '|' || ifnull(status, '') || '|' || method || '|' || structure_year
                FROM v_indicator ORDER BY 1
                """)
        out += try String.fetchAll(
            db,
            sql: """
                SELECT source || '|' || measure || '|' || region || '|' || period || '|' || breakdown || '|' || ifnull(value, 'null') || '|' || ifnull(status, '') || '|' || in_validity
                FROM v_staged ORDER BY 1
                """)
        out += try String.fetchAll(
            db, sql: "SELECT indicator || region || year || source_region || ifnull(share, '') FROM v_lineage ORDER BY 1")
        out += try String.fetchAll(db, sql: "SELECT code || ifnull(valid_from, '') || name FROM dim_region ORDER BY 1")
        return out
    }
}

// Behaviour (in process): reruns, no-op runs, hashing and what a changed source does.
@Suite(.serialized) struct NightlyOpsTests {
    var warehouse: (URL) -> URL = { $0.appendingPathComponent("warehouse/omsorg.sqlite") }

    @Test func loadingTheSameInputsTwiceGivesTheSameWarehouse() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let first = try contentDump(warehouse(dir))
        #expect(runInProcess(in: dir, fullRefresh: true).status == 0)
        #expect(try contentDump(warehouse(dir)) == first)
        #expect(first.count > 1000)
    }

    @Test func unchangedSecondRunParsesNothing() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t0 = Date()
        #expect(runInProcess(in: dir).status == 0)
        let full = Date().timeIntervalSince(t0)
        let t1 = Date()
        let r = runInProcess(in: dir)
        let noop = Date().timeIntervalSince(t1)
        #expect(r.status == 0)
        #expect(r.noChange && r.summary?.status == .noChange, "\(r.diagnosis)")
        #expect(r.sourcesStarted.isEmpty, "\(r.events)")
        print(
            "no-op run took \(String(format: "%.3f", noop)) s against \(String(format: "%.3f", full)) s for the first run (ratio \(String(format: "%.2f", noop / full)))"
        )
        let runs = try openWarehouse(warehouse(dir)).read { try String.fetchAll($0, sql: "SELECT status FROM etl_run ORDER BY run_id") }
        #expect(runs == ["success", "success"])
    }

    /// Sources a warehouse has never staged are hashed while they are staged, not before:
    /// the recorded hashes must still be the files' SHA-256 (checked with coreutils), and the
    /// next run must see nothing changed.
    @Test func sourcesHashedWhileStagedRecordTheirTrueHashes() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let recorded = try openWarehouse(warehouse(dir)).read { db in
            try Row.fetchAll(db, sql: "SELECT path, content_hash FROM dim_source ORDER BY source_id").map {
                ($0[0] as String, $0[1] as String)
            }
        }
        #expect(recorded.count == 5)
        for (path, hash) in recorded {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["sha256sum", path]
            p.currentDirectoryURL = dir
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(text.split(separator: " ").first.map(String.init) == hash, "\(path)")
        }
        let again = runInProcess(in: dir)
        #expect(again.noChange && again.summary?.status == .noChange, "\(again.diagnosis)")
    }

    @Test func aChangedSourceIsTheOnlyOneParsedAgain() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let file = dir.appendingPathComponent("pipelines/sample/06913_befolkning.csv")
        var bytes = try Data(contentsOf: file)
        bytes.append(contentsOf: Array("\"0301 Oslo\";\"2014\";\"Befolkning per 1.1. (personer)\";634463\r\n".utf8))
        try bytes.write(to: file)
        let r = runInProcess(in: dir)
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(r.sourcesStarted.contains("bef_06913"), "\(r.events)")
        for other in ["kostra_12209", "kpr_12752", "bef_07459"] { #expect(r.sourcesReused.contains(other), "\(r.events)") }
        try openWarehouse(warehouse(dir)).read { db in
            let loaded = try Row.fetchAll(db, sql: "SELECT source_id, loaded_run_id FROM dim_source ORDER BY source_id")
            for row in loaded { #expect((row["loaded_run_id"] as Int64) == (row["source_id"] == "bef_06913" ? 2 : 1)) }
            #expect(
                try Double.fetchOne(
                    db, sql: "SELECT value FROM v_staged WHERE source = 'bef_06913' AND region = '0301' AND period = '2014'") == 634463)
        }
    }

}

// Command-line contract (process): the lock between processes, exit statuses 2 and 3, the
// failure and JSON log lines, what `etl status` prints.
@Suite(.serialized) struct NightlyOpsCommandLineTests {
    var warehouse: (URL) -> URL = { $0.appendingPathComponent("warehouse/omsorg.sqlite") }

    @Test func aSecondRunIsRefusedWhileOneHoldsTheLock() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = try RunLock(warehousePath: warehouse(dir).path)
        let r = try etl(["run"], in: dir)
        lock.release()
        #expect(r.status == 1)
        #expect(r.stderr.contains("another etl run is using this warehouse"))
        #expect(r.stderr.contains("pid \(getpid())"))
        #expect(try etl(["run"], in: dir).status == 0)
    }

    @Test func aLockLeftByAKilledProcessIsCleared() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("warehouse"), withIntermediateDirectories: true)
        // A lock file whose process is gone: the note is there, nobody holds the flock.
        try Data("pid 999999 started 2026-11-21T02:00:00Z (etl run)".utf8).write(
            to: dir.appendingPathComponent("warehouse/omsorg.sqlite.lock"))
        let r = try etl(["run"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("cleared a stale lock left by pid 999999"))
    }

    @Test func rejectsOverTheLimitPublishWithStatus3AndUnderItSucceed() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pipelines/sample/06913_befolkning.csv")
        var bytes = try Data(contentsOf: file)
        bytes.append(
            contentsOf: Array(
                "\"0301 Oslo\";\"2014\";\"Befolkning per 1.1. (personer)\";mange\r\n\"XYZ Atlantis\";\"2014\";\"Befolkning per 1.1. (personer)\";12\r\n"
                    .utf8))
        try bytes.write(to: file)
        let over = try etl(["run"], in: dir)
        #expect(over.status == 3, "\(over.stderr)")
        #expect(over.stderr.contains("rows rejected       2 (recorded in etl_reject, run_id = 1)"))
        try openWarehouse(warehouse(dir)).read { db in
            #expect(try String.fetchOne(db, sql: "SELECT status FROM etl_run WHERE run_id = 1") == "rejects_over_limit")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fact_indicator") ?? 0 > 0)
            let rejects = try Row.fetchAll(db, sql: "SELECT location, error FROM etl_reject WHERE run_id = 1 ORDER BY reject_id")
            #expect(rejects.count == 2)
            #expect((rejects[0]["location"] as String).hasSuffix("06913_befolkning.csv:214:4"))
            #expect((rejects[0]["error"] as String).contains("expected a number"))
            #expect((rejects[1]["error"] as String).contains("unknown region code \"XYZ\""))
        }
        let under = try etl(["run", "--full-refresh", "--max-rejects", "5"], in: dir)
        #expect(under.status == 0)
        #expect(under.stderr.contains("recorded in etl_reject"))
    }

    @Test func definitionErrorsExitWith2AndListEveryProblem() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("pipelines/sample.yml")
        var text = try String(contentsOf: p, encoding: .utf8)
        text = text.replacingOccurrences(of: "weight: innbyggere_80", with: "weight: innbyggere_90")
        text = text.replacingOccurrences(
            of: "source: kpr_12752\n    contents: KOSbeboerlang0000", with: "source: kpr_99999\n    contents: KOSbeboerlang0000")
        try text.write(to: p, atomically: true, encoding: .utf8)
        let r = try etl(["run"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("weight refers to unknown measure \"innbyggere_90\""))
        #expect(r.stderr.contains("unknown source \"kpr_99999\""))
        let v = try etl(["validate"], in: dir)
        #expect(v.status == 2)
        #expect(v.stderr.contains("3 problems found"))
        #expect(r.stderr.contains("differs from measure hjemmetj_80_andel's weight"))
    }

    @Test func aRunThatFailsAfterStagingLeavesThePreviousWarehouse() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let before = try contentDump(warehouse(dir))
        // Change a source so the failed run would have staged something new.
        let file = dir.appendingPathComponent("pipelines/sample/06913_befolkning.csv")
        var bytes = try Data(contentsOf: file)
        bytes.append(contentsOf: Array("\"0301 Oslo\";\"2014\";\"Befolkning per 1.1. (personer)\";634463\r\n".utf8))
        try bytes.write(to: file)
        var env = ProcessInfo.processInfo.environment
        env["ETL_TEST_FAIL_AT"] = "harmonise"
        let failed = try etl(["run"], in: dir, environment: env)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("nothing published"))
        #expect(try contentDump(warehouse(dir)) == before)
        let runs = try openWarehouse(warehouse(dir)).read { try String.fetchAll($0, sql: "SELECT status FROM etl_run ORDER BY run_id") }
        #expect(runs == ["success", "failed"])
        #expect(runInProcess(in: dir).status == 0)
        #expect(try contentDump(warehouse(dir)) != before)
    }

    @Test func jsonLogLinesParseAndNoProgressBarWithoutATerminal() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try etl(["run", "--log-format", "json"], in: dir)
        #expect(r.status == 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count >= 6)
        var events: [String] = []
        for l in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any]
            events.append(obj?["event"] as? String ?? "?")
        }
        #expect(
            events.contains("source_started") && events.contains("source_done") && events.contains("harmonised")
                && events.contains("published"))
        #expect(events.last == "summary")
        let text = try etl(["run", "--full-refresh"], in: dir)
        #expect(!text.stderr.contains("\r"))
        #expect(try etl(["run", "--full-refresh", "--quiet"], in: dir).stderr.isEmpty)
    }

    /// What `etl status` prints: both tables, on a warehouse with a run.
    @Test func statusPrintsRunsAndSources() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let r = try etl(["status"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("Last runs\n") && r.stdout.contains("\nSources\n"), "\(r.stdout)")
        #expect(r.stdout.contains("kostra_12209") && r.stdout.contains("success"))
    }
}

/// `etl status` and `etl export` in this process: what they read and write.
// Behaviour (in process): `WarehouseStatus`, `IndicatorExport` read back with `InspectTable`.
@Suite struct StatusAndExportTests {
    var warehouse: (URL) -> URL = { $0.appendingPathComponent("warehouse/omsorg.sqlite") }

    @Test func statusShowsRunsAndSources() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let (runs, sources) = try openWarehouse(warehouse(dir)).read { db in try WarehouseStatus.read(db, runs: 10) }
        #expect(runs.rows.count == 1)
        #expect(runs.rows.contains { $0.contains("success".databaseValue) }, "\(runs.rows)")
        #expect(sources.rows.count == 5)
        #expect(sources.rows.contains { $0.contains("kostra_12209".databaseValue) }, "\(sources.rows)")
        let record = dir.appendingPathComponent("warehouse/runs/last-run.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: Any]
        #expect(json?["status"] as? String == "success")
        // One step per source, then harmonising.
        let count = try openWarehouse(warehouse(dir)).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM dim_source") } ?? 0
        #expect(count == 5)
        #expect((json?["steps"] as? [Any])?.count == count + 1)
    }

    @Test func exportRoundTripsThroughInspect() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let expected = try openWarehouse(warehouse(dir)).read { db in
            try Row.fetchAll(db, sql: "SELECT region, year, indicator, breakdown, value, status FROM v_indicator").map { r -> String in
                let v: Double? = r["value"]
                let s: String? = r["status"]
                return
                    "\(r["region"] as String)|\(r["year"] as Int)|\(r["indicator"] as String)|\(r["breakdown"] as String)|\(v.map { "\($0)" } ?? "")|\(v == nil ? (s ?? "..") : (s == "*" ? "*" : ""))"
            }.sorted()
        }
        for format in IndicatorExport.Format.allCases {
            let file = dir.appendingPathComponent("export.\(format.rawValue)")
            let written = try openWarehouse(warehouse(dir)).read { db in
                try IndicatorExport.write(db, format: format, to: file.path, indicators: [], regions: [])
            }
            let r = inspectInProcess(file, options: ReaderOptions(displayName: file.path))
            #expect(r.error == nil, "\(String(describing: r.error))")
            #expect(r.info?.format == (format == .csv ? .csv : .jsonstat))
            var got: [String] = []
            for line in r.text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                // csv: region, år, statistikkvariabel, breakdown, value, status; jsonstat: Region, ContentsCode, Breakdown, Tid, value, status
                let (region, year, indicator, breakdown) = format == .csv ? (f[0], f[1], f[2], f[3]) : (f[0], f[3], f[1], f[2])
                if format == .jsonstat && f[5] == "." { continue } // no such combination
                let total = breakdown == "I alt" || breakdown == "0"
                got.append("\(region)|\(year)|\(indicator)|\(total ? "" : breakdown)|\(f[4].isEmpty ? "" : "\(Double(f[4])!)")|\(f[5])")
            }
            #expect(got.sorted() == expected, "\(format) export does not read back")
            if format == .csv { #expect(written.values == expected.count) }
        }
    }
}
