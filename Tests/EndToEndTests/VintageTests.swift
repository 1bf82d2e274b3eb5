import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport
import Transform
import Warehouse

/// Vintages (README, "What changed last night"): three successive versions of the KOSTRA
/// source — March unrevised, June revised, a back-cast after the 2024 reform — each run's
/// `v_change` rows, `etl diff` in its three formats, `--as-of` answers at each point, a
/// rebuild of a past state that is bit-identical to what was published then, and a no-op run
/// that records no changes.
// Behaviour (in process): the runs and what they record, what `PublicationDiff` compares,
// what `WarehouseQuery` answers as of each point, the rebuild of past states and the export.
// Command-line contract (process): `etl diff` as printed (CSV) and its exit 5, `etl run
// --max-revision` (exit 5), `etl query --as-of` refusals (exit 2), `etl rerun --as-of` as printed.
@Suite(.serialized) struct VintageTests {
    static let andel = "Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)"
    static let kostra = "pipelines/sample/12209_kostra_nokkeltall.csv"

    /// Rewrites the sample KOSTRA CSV (ISO-8859-1, CRLF) line by line; nil drops a line.
    func rewriteKostra(_ dir: URL, _ change: (String) -> String?) throws {
        let url = dir.appendingPathComponent(Self.kostra)
        let text = String(data: try Data(contentsOf: url), encoding: .isoLatin1)!
        let lines = text.components(separatedBy: "\r\n").compactMap(change)
        try lines.joined(separator: "\r\n").data(using: .isoLatin1)!.write(to: url)
    }

    /// One `v_change` row as text: indicator|region|year|change|old|new|old status|new status.
    func changes(_ warehouse: URL, run: Int64) throws -> [String] {
        try openWarehouse(warehouse).read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT indicator || '|' || region || '|' || year || '|' || change || '|' || ifnull(old_value, '') || '|' || ifnull(new_value, '')
                           || '|' || ifnull(old_status, '') || '|' || ifnull(new_status, '')
                    FROM v_change WHERE run_id = ? ORDER BY indicator, region, year
                    """, arguments: [run])
        }
    }

    func lastRun(_ warehouse: URL) throws -> Int64 {
        try openWarehouse(warehouse).read { try Int64.fetchOne($0, sql: "SELECT max(run_id) FROM etl_run")! }
    }

    /// Every column of every published fact, in key order, as SQLite gives it back.
    func facts(_ warehouse: URL, asOf run: Int64?) throws -> [[DatabaseValue]] {
        try openWarehouse(warehouse).read { db in
            let from = run.map { "(\(Vintages.stateSQL(runId: $0)))" } ?? "v_indicator"
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT indicator, region, year, breakdown, structure_year, value, numerator, denominator, weight, status, method, note
                    FROM \(from) ORDER BY indicator, region, year, breakdown, structure_year
                    """
            ).map { Array($0.databaseValues) }
        }
    }

    /// One value as `etl query --indicator … --region … --years … --as-of …` answers it.
    func value(_ warehouse: URL, indicator: String, region: String, year: Int, asOf: String) throws -> Double? {
        let answer = try openWarehouse(warehouse).inDatabase { db in
            try WarehouseQuery(indicator: indicator, regions: [region], years: String(year), asOf: asOf).answer(db)
        }
        #expect(answer.asOfRun != nil)
        #expect(answer.table.rows.count == 1, "\(answer.table.rows)")
        let column = try #require(answer.table.columns.firstIndex(of: "value"))
        return answer.table.rows.first.flatMap { Double.fromDatabaseValue($0[column]) }
    }

    /// What `etl diff [A [B]]` compares, read in this process.
    func diff(_ warehouse: URL, _ a: String? = nil, _ b: String? = nil) throws -> PublicationDiff.Outcome {
        try openWarehouse(warehouse).read { db in try PublicationDiff.compare(db, runA: a, runB: b) }
    }

    @Test func threeVersionsOfASourceGiveTheirChangesDiffsAndPastStates() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")

        // March: the unrevised figures. The first publication adds every fact.
        let march = runInProcess(in: dir)
        #expect(march.status == 0, "\(march.diagnosis)")
        let run1 = try lastRun(warehouse)
        let facts1 = try facts(warehouse, asOf: nil)
        let added1 = try changes(warehouse, run: run1)
        #expect(added1.count == facts1.count && facts1.count > 100)
        #expect(added1.allSatisfy { $0.split(separator: "|", omittingEmptySubsequences: false)[3] == "added" })
        #expect(
            march.summary?.changes?.line.contains("revised no values; \(RevisionSummary.grouped(facts1.count)) added, 0 removed") == true,
            "\(march.diagnosis)")

        // A night with nothing new: no publication, no changes, an empty diff.
        let noop = runInProcess(in: dir)
        #expect(noop.status == 0)
        let run2 = try lastRun(warehouse)
        #expect(try changes(warehouse, run: run2).isEmpty)
        #expect(
            try openWarehouse(warehouse).read {
                try Int.fetchOne($0, sql: "SELECT count(*) FROM etl_vintage WHERE run_id = ?", arguments: [run2])
            } == 0)
        let emptyDiff = try diff(warehouse)
        #expect(emptyDiff.rows.isEmpty, "\(emptyDiff.rows)")
        #expect(emptyDiff.from == emptyDiff.to && emptyDiff.to == run1)

        // June: two rates revised (3118 by 10 %, Oslo by 0.6 %) and one count withdrawn (`..`).
        try rewriteKostra(dir) { line in
            switch line {
            case "\"3118 Indre Østfold\";\"2024\";\"\(Self.andel)\";32,0": return "\"3118 Indre Østfold\";\"2024\";\"\(Self.andel)\";35,2"
            case "\"0301 Oslo\";\"2024\";\"\(Self.andel)\";31,1": return "\"0301 Oslo\";\"2024\";\"\(Self.andel)\";31,3"
            case "\"0301 Oslo\";\"2024\";\"Korttidsplasser i institusjon (antall)\";625":
                return "\"0301 Oslo\";\"2024\";\"Korttidsplasser i institusjon (antall)\";.."
            default: return line
            }
        }
        let june = try etl(["run", "--max-revision", "0.05"], in: dir)
        #expect(june.status == 5, "\(june.stderr)")
        #expect(
            june.stderr.contains(
                "revised 3 values in 2 indicators; largest: 3118 andel_80_hjemmetjenester 2024 32.0 → 35.2; 0 added, 0 removed"))
        #expect(june.stderr.contains("error: 1 value revised by more than 5 % (--max-revision); published"))
        let run3 = try lastRun(warehouse)
        let korttid = facts1.first {
            $0[0] == "andel_korttid".databaseValue && $0[1] == "0301".databaseValue && $0[2] == 2024.databaseValue
        }!
        let oldKorttid = Double.fromDatabaseValue(korttid[5])!
        #expect(
            try changes(warehouse, run: run3) == [
                "andel_80_hjemmetjenester|0301|2024|revised|31.1|31.3||",
                "andel_80_hjemmetjenester|3118|2024|revised|32.0|35.2||",
                "andel_korttid|0301|2024|revised|\(String(format: "%.15g", oldKorttid))|||.."
            ])
        // What `--max-revision 0.05` lists: the one revision above 5 %, 3118's 10 %.
        let above = try openWarehouse(warehouse).read { db in try PublicationDiff.revisions(db, run: run3, above: 0.05) }
        #expect(
            above.map { "\($0["indicator"] as String) \($0["region"] as String) \($0["year"] as Int)" } == [
                "andel_80_hjemmetjenester 3118 2024"
            ])
        #expect(try openWarehouse(warehouse).read { db in try PublicationDiff.revisions(db, run: run3, above: 0.005) }.count == 2)
        // Within the threshold the same run would have exited 0: the largest revision is 10 %.
        #expect(
            try openWarehouse(warehouse).read {
                try Double.fetchOne($0, sql: "SELECT max(abs(relative_change)) FROM etl_change WHERE run_id = ?", arguments: [run3])
            }.map { abs($0 - 0.1) < 1e-12 } == true)

        // `etl diff` with no runs compares the last two runs: the June changes, in three formats.
        let csv = try etl(["diff", "--format", "csv"], in: dir)
        #expect(csv.status == 0)
        let csvLines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(
            csvLines.first
                == "indicator,sources,region,year,breakdown,structure_year,change,old_value,new_value,relative_change,old_status,new_status"
        )
        #expect(csvLines.count == 4)
        #expect(csvLines[1].hasPrefix("andel_80_hjemmetjenester,\"bef_07459,kostra_12209\",0301,2024,,2024,revised,31.1,31.3,0.0064"))
        #expect(csvLines[2].hasPrefix("andel_80_hjemmetjenester,\"bef_07459,kostra_12209\",3118,2024,,2024,revised,32,35.2,0.1000"))
        #expect(csvLines[3] == "andel_korttid,kostra_12209,0301,2024,,2024,revised,\(oldKorttid),,,,..")
        let last = try diff(warehouse)
        #expect(last.columns == csvLines.first?.split(separator: ",").map(String.init))
        #expect(last.rows.count == 3)
        let region = try #require(last.columns.firstIndex(of: "region"))
        let newStatus = try #require(last.columns.firstIndex(of: "new_status"))
        let newValue = try #require(last.columns.firstIndex(of: "new_value"))
        #expect(last.rows.compactMap { String.fromDatabaseValue($0[region]) } == ["0301", "3118", "0301"])
        #expect(String.fromDatabaseValue(last.rows[2][newStatus]) == ".." && last.rows[2][newValue].isNull)
        let explicit = try diff(warehouse, String(run1), String(run3))
        #expect(explicit.rows == last.rows && explicit.from == run1 && explicit.to == run3)
        #expect(explicit.rows.contains { $0[newValue] == 35.2.databaseValue })
        #expect(explicit.header.hasPrefix("changes from run \(run1) (publication \(run1), "), "\(explicit.header)")
        #expect(PublicationDiff.revisionsAbove(0.2, in: last) == 0)
        #expect(PublicationDiff.revisionsAbove(0.05, in: last) == 1)
        #expect(PublicationDiff.revisionsAbove(0.005, in: last) == 2)
        #expect(try etl(["diff", "--max-revision", "0.2"], in: dir).status == 0)
        #expect(try etl(["diff", "--max-revision", "0.05", "--format", "csv"], in: dir).status == 5)

        // After the 2024 reform SSB re-publishes 2020–2023 on the new code, back-cast: 3014's
        // rows go, 3118 gets their values, two of them revised. The pipeline reads back-casts.
        var series: [String: String] = [:]
        try rewriteKostra(dir) { line in
            if line.hasPrefix("\"3014 Indre Østfold (2020-2023)\";") {
                let f = line.components(separatedBy: ";")
                if ["\"2020\"", "\"2021\"", "\"2022\"", "\"2023\""].contains(f[1]) { series[f[1] + f[2]] = f[3] }
                return nil
            }
            return line
        }
        series["\"2020\"\"\(Self.andel)\""] = "32,3"
        series["\"2023\"\"\(Self.andel)\""] = "28,9"
        try rewriteKostra(dir) { line in
            let f = line.components(separatedBy: ";")
            guard line.hasPrefix("\"3118 Indre Østfold\";"), let v = series[f[1] + f[2]] else { return line }
            return f[0...2].joined(separator: ";") + ";" + v
        }
        let yml = dir.appendingPathComponent("pipelines/sample.yml")
        let definition = try String(contentsOf: yml, encoding: .utf8)
        try definition.replacingOccurrences(of: "    table: \"12209\"\n", with: "    table: \"12209\"\n    backcast: true\n").write(
            to: yml, atomically: true, encoding: .utf8)
        let backcast = runInProcess(in: dir)
        #expect(backcast.status == 0, "\(backcast.diagnosis)")
        let run4 = try lastRun(warehouse)
        #expect(
            try changes(warehouse, run: run4) == [
                "andel_80_hjemmetjenester|3118|2020|revised|32.1|32.3||",
                "andel_80_hjemmetjenester|3118|2023|revised|28.7|28.9||"
            ])
        // The source kept its three versions; the last stores only the cells it changed.
        let versions = try openWarehouse(warehouse).read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT version, run_id, cells_added, cells_removed, cells_revised FROM etl_source_version WHERE source_id = 'kostra_12209' ORDER BY version"
            )
            .map { "\($0[0] as Int64)@\($0[1] as Int64):+\($0[2] as Int)-\($0[3] as Int)~\($0[4] as Int)" }
        }
        #expect(versions == ["1@\(run1):+0-0~0", "2@\(run3):+0-0~3", "3@\(run4):+24-84~0"])
        // Methods changed (renumbered → as published) with the same values: kept, not reported.
        #expect(
            try openWarehouse(warehouse).read {
                try Int.fetchOne(
                    $0, sql: "SELECT count(*) FROM fact_history WHERE superseded_run_id = ? AND method = 'renumbered'", arguments: [run4])
            }! > 2)

        // Any past state, by run or by date. The runs are dated March, June and September 2025.
        try DatabaseQueue(path: warehouse.path).write { db in
            for (run, date) in [(run1, "2025-03-15T06:00:00.000Z"), (run3, "2025-06-15T06:00:00.000Z"), (run4, "2025-09-01T06:00:00.000Z")]
            {
                try db.execute(sql: "UPDATE etl_vintage SET published_at = ? WHERE run_id = ?", arguments: [date, run])
            }
        }
        for (asOf, expected2024, expected2020) in [
            (String(run1), 32.0, 32.1), ("2025-04-01", 32.0, 32.1), (String(run2), 32.0, 32.1),
            (String(run3), 35.2, 32.1), ("2025-06-15", 35.2, 32.1),
            (String(run4), 35.2, 32.3), ("2025-12-31", 35.2, 32.3)
        ] {
            #expect(
                try value(warehouse, indicator: "andel_80_hjemmetjenester", region: "3118", year: 2024, asOf: asOf) == expected2024,
                "as of \(asOf)")
            #expect(
                try value(warehouse, indicator: "andel_80_hjemmetjenester", region: "3118", year: 2020, asOf: asOf) == expected2020,
                "as of \(asOf)")
        }
        #expect(throws: PipelineError.refused("nothing had been published as of 2025-03-01")) {
            try openWarehouse(warehouse).inDatabase { db in
                try WarehouseQuery(indicator: "andel_80_hjemmetjenester", asOf: "2025-03-01").answer(db)
            }
        }
        let early = try etl(["query", "--indicator", "andel_80_hjemmetjenester", "--as-of", "2025-03-01"], in: dir)
        #expect(early.status == 2 && early.stderr.contains("nothing had been published as of 2025-03-01"))
        #expect(try facts(warehouse, asOf: run1) == facts1)
        let vague = try etl(["query", "--indicator", "andel_80_hjemmetjenester", "--as-of", "yesterday"], in: dir)
        #expect(vague.status == 2 && vague.stderr.contains("error: --as-of \"yesterday\": expected a run id (42) or a date (2025-04-01)"))
        // The run record carries the same summary.
        let record =
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("warehouse/runs/run-\(run4).json")))
            as! [String: Any]
        #expect((record["changes"] as? [String: Any])?["revised"] as? Int == 2)

        // Rebuilding each past state from the source versions gives the facts published then, bit for bit.
        // Both were published by the pipeline as it was then, without back-casts.
        try definition.write(to: yml, atomically: true, encoding: .utf8)
        // In this process, as `etl rerun --as-of RUN --output FILE` does it.
        let out3 = dir.appendingPathComponent("warehouse/as-of-\(run3).sqlite")
        let prepared = try AsOfRebuild.prepare(warehousePath: warehouse.path, spec: String(run3), output: out3.path)
        #expect(prepared.runId == run3)
        let rebuilt = runInProcess(in: dir, warehouse: prepared.output, structureYear: prepared.structureYear, rerun: true)
        #expect(rebuilt.status == 0, "\(rebuilt.diagnosis)")
        let check = try PastState.check(prepared)
        #expect(check.identical && check.hash == prepared.hash, "\(check)")
        #expect(try facts(out3, asOf: nil) == facts(warehouse, asOf: run3))
        #expect(throws: PipelineError.self) {
            try AsOfRebuild.prepare(warehousePath: warehouse.path, spec: String(run3), output: out3.path)
        }
        // Through the binary: what it prints, and exit 2 for an output that is already there.
        let out1 = dir.appendingPathComponent("warehouse/as-of-\(run1).sqlite")
        let r = try etl(["rerun", "--as-of", String(run1), "--output", out1.path], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("rebuilt the state published by run \(run1)") && r.stderr.contains("identical"))
        #expect(try facts(out1, asOf: nil) == facts(warehouse, asOf: run1))
        #expect(try etl(["rerun", "--as-of", String(run1), "--output", out1.path], in: dir).status == 2)

        // An export says which publication it came from.
        let export = dir.appendingPathComponent("export.csv")
        let exported = try openWarehouse(warehouse).read { db in
            try IndicatorExport.write(db, format: .csv, to: export.path, indicators: [], regions: [])
        }
        #expect(exported.values > 100, "\(exported)")
        let sidecar =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export.path + ".vintage.json"))) as! [String: Any]
        let hash4 = try openWarehouse(warehouse).read {
            try String.fetchOne($0, sql: "SELECT hash FROM etl_vintage WHERE run_id = ?", arguments: [run4])
        }
        #expect(exported.runId == run4 && exported.hash == hash4)
        #expect((sidecar["run_id"] as? Int).map(Int64.init) == run4 && sidecar["hash"] as? String == hash4)
    }

    /// A full refresh of unchanged inputs stores no new version and reports no change.
    @Test func aFullRefreshOfTheSameInputsRecordsNoChange() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        #expect(runInProcess(in: dir).status == 0)
        let r = try etl(["run", "--full-refresh", "--max-revision", "0"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("no values changed since run 1"))
        let run = try lastRun(warehouse)
        #expect(try changes(warehouse, run: run).isEmpty)
        let (versions, hashes) = try openWarehouse(warehouse).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM etl_source_version WHERE version > 1")!,
                try String.fetchAll(db, sql: "SELECT hash FROM etl_vintage ORDER BY run_id")
            )
        }
        #expect(versions == 0)
        #expect(hashes.count == 2 && hashes[0] == hashes[1])
        // Unchanged facts keep the run that gave them their value.
        #expect(
            try openWarehouse(warehouse).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fact_indicator WHERE run_id <> 1") } == 0)
    }
}
