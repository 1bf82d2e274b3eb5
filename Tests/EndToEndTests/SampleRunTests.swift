import Foundation
import GRDB
import Testing
import TestSupport

// Behaviour (in process): the sample pipeline run and rerun in this process.
@Suite(.serialized) struct SampleRunTests {
    @Test func sampleRunPublishesMergedSeriesFor3118() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = runInProcess(in: dir)
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect((r.summary?.staged ?? 0) > 0)
        #expect(r.summary?.warehouse.hasSuffix("warehouse/omsorg.sqlite") == true, "\(r.diagnosis)")
        let db = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        let csv = try sampleCSV(dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv"))
        let places = "Plasser i institusjon (antall)", short = "Korttidsplasser i institusjon (antall)"
        try db.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM v_indicator WHERE region = '3118' AND year < 2020")
            #expect(!rows.isEmpty)
            // andel_korttid 2017 = sum of short-term places / sum of places over the five predecessors.
            let parts = ["0122", "0123", "0124", "0125", "0138"]
            let num = parts.map { csv["\($0)|2017|\(short)"]! }.reduce(0, +)
            let den = parts.map { csv["\($0)|2017|\(places)"]! }.reduce(0, +)
            let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT value, numerator, denominator, method, status, structure_year, region_name FROM v_indicator WHERE indicator = 'andel_korttid' AND region = '3118' AND year = 2017"
            )
            #expect(row?["numerator"] == num)
            #expect(row?["denominator"] == den)
            #expect(abs((row?["value"] as Double?)! - 100 * num / den) < 1e-9)
            #expect(row?["method"] == "merged")
            #expect(row?["structure_year"] == 2024)
            #expect(row?["region_name"] == "Indre Østfold")
            // Hobøl's `..` in 2016 makes the merged 2016 value missing, never too small.
            let missing = try Row.fetchOne(
                db, sql: "SELECT value, status FROM v_indicator WHERE indicator = 'andel_korttid' AND region = '3118' AND year = 2016")
            #expect(missing?["value"] == nil as Double?)
            #expect(missing?["status"] == "..")
            // 2020-2023 values of 3014 are renumbered to 3118.
            let ren = try String.fetchOne(
                db, sql: "SELECT method FROM v_indicator WHERE indicator = 'andel_korttid' AND region = '3118' AND year = 2021")
            #expect(ren == "renumbered")
            // Suppressed part in the JSON-stat source: 0122's medication reviews in 2018 are `:`.
            let sup = try Row.fetchOne(
                db,
                sql: "SELECT value, status FROM v_indicator WHERE indicator = 'legemiddelgjennomgang' AND region = '3118' AND year = 2018")
            #expect(sup?["status"] == ":")
            // Lineage names the five predecessors.
            let lineage = try String.fetchAll(
                db,
                sql: "SELECT source_region FROM v_lineage WHERE indicator = 'andel_korttid' AND region = '3118' AND year = 2017 ORDER BY 1")
            #expect(lineage == parts)
            // Every run is recorded.
            #expect(try String.fetchOne(db, sql: "SELECT status FROM etl_run ORDER BY run_id DESC LIMIT 1") == "success")
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_key_check") == nil)
        }
    }

    @Test func rerunToAnotherStructureReadsNoSourceFile() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        // Take the sources away: a rerun must not need them.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("pipelines/sample"))
        let r = runInProcess(in: dir, structureYear: 2020, rerun: true)
        #expect(r.status == 0, "\(r.diagnosis)")
        let db = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        try db.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT DISTINCT structure_year FROM fact_indicator") == 2020)
            // 2024's 3118 is 3014 in the 2020 structure; 1508 + 1580 go back into 1507.
            #expect(
                try String.fetchOne(
                    db, sql: "SELECT method FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '3014' AND year = 2024")
                    == "renumbered")
            let alesund = try Double.fetchOne(
                db, sql: "SELECT value FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '1507' AND year = 2024")
            let parts = try Double.fetchOne(
                db,
                sql: """
                    SELECT sum(value) FROM v_staged WHERE source = 'bef_07459' AND region IN ('1508', '1580') AND period = '2024' AND in_validity = 1
                    """)
            #expect(alesund == parts)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM v_indicator WHERE region = '3118'") == 0)
        }
        let back = runInProcess(in: dir, structureYear: 2024, rerun: true)
        #expect(back.status == 0, "\(back.diagnosis)")
        let db2 = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        #expect(
            try db2.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM v_indicator WHERE region = '3118' AND year < 2020") } ?? 0 > 0)
    }

    @Test func rerunCanSwapInAnotherCatalogue() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        // A catalogue as it stood before the 2024 reform (as if a user had an older KLASS list).
        let full = try String(contentsOf: dir.appendingPathComponent("pipelines/kommuneendringer.csv"), encoding: .utf8)
        let before2024 = full.split(separator: "\n").filter { !$0.contains(",2024-01-01,") }.joined(separator: "\n") + "\n"
        try before2024.write(to: dir.appendingPathComponent("old-catalogue.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("pipelines/sample"))
        let r = runInProcess(in: dir, structureYear: 2023, catalog: "old-catalogue.csv", rerun: true)
        #expect(r.status == 0, "\(r.diagnosis)")
        try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT DISTINCT structure_year FROM fact_indicator") == 2023)
            // Without the 2024 rows, 3014 is still Indre Østfold (merged from five in 2019), and
            // 3118 is a code the older catalogue has never seen, kept as published.
            #expect(
                try String.fetchOne(
                    db, sql: "SELECT method FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '3014' AND year = 2019")
                    == "merged")
            #expect(
                try String.fetchOne(
                    db, sql: "SELECT method FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '3118' AND year = 2024")
                    == "as_published")
        }
    }

    @Test func readmeQueryRunsFromPython() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        guard
            let python = path.split(separator: ":").map({ "\($0)/python3" }).first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return }
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.currentDirectoryURL = dir
        p.arguments = [
            "-c",
            """
            import sqlite3
            con = sqlite3.connect("file:warehouse/omsorg.sqlite?mode=ro", uri=True)
            rows = con.execute("SELECT region, year, value FROM v_indicator WHERE indicator = ?", ("andel_80_hjemmetjenester",)).fetchall()
            assert len(rows) > 50, rows
            print(len(rows))
            """
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }
}

// Command-line contract (process): what `etl run` and `etl query` print and exit with.
@Suite struct RunCommandLineTests {
    @Test func missingPipelineFileIsAOneLineErrorWithStatus1() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try etl(["run", "nowhere/pipeline.yml"], in: dir)
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("nowhere/pipeline.yml") == true)
    }

    @Test func missingSourceFileIsAOneLineErrorWithStatus1AndKeepsTheWarehouse() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let wh = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        let before = try openWarehouse(wh).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fact_indicator") }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("pipelines/sample/06913_befolkning.csv"))
        let r = try etl(["run", "--full-refresh"], in: dir)
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(lines.first?.contains("pipelines/sample/06913_befolkning.csv") == true)
        #expect(lines.first?.hasSuffix(" (nothing published; the previous warehouse is unchanged)") == true, "\(r.stderr)")
        let after = try openWarehouse(wh).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fact_indicator") }
        #expect(before == after)
    }

    @Test func queryRefusesWritingStatements() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0)
        let r = try etl(["query", "--sql", "DROP TABLE fact_indicator"], in: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("read-only"))
        let ok = try etl(["query", "--indicator", "innbyggere_80", "--region", "3118", "--years", "2019:2020", "--format", "csv"], in: dir)
        #expect(ok.status == 0)
        #expect(ok.stdout.split(separator: "\n").count == 3)
        let db = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fact_indicator") } ?? 0 > 0)
    }
}
