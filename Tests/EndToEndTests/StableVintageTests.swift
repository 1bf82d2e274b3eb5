import Foundation
import GRDB
import Testing
import TestSupport
import Warehouse

// Command-line contract (process): `etl rerun --as-of` of a pipeline harmonised to stable units
// (`structure_year: stable`), whose facts are keyed by units rather than one year's codes.

@Suite(.serialized) struct StableVintageTests {
    /// Two publications of the sample in stable units, the KOSTRA table revised (restaged in
    /// place) in between: each past state rebuilt from the source versions is the one
    /// published then, bit for bit (the rebuild checks the content hash, and the facts are
    /// compared here too).
    @Test func pastStatesInStableUnitsAreRebuiltBitForBit() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yml = dir.appendingPathComponent("pipelines/sample.yml")
        let definition = try String(contentsOf: yml, encoding: .utf8)
        try definition.replacingOccurrences(of: "structure_year: latest", with: "structure_year: stable").write(
            to: yml, atomically: true, encoding: .utf8)
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        let first = try etl(["run"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")

        // A revision: every 9th KOSTRA value up by one.
        let kostra = dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv")
        let text = String(data: try Data(contentsOf: kostra), encoding: .isoLatin1)!
        var lines = text.components(separatedBy: "\r\n")
        for i in stride(from: 1, to: lines.count, by: 9) where !lines[i].isEmpty {
            var parts = lines[i].components(separatedBy: ";")
            if let v = Double(parts[3].replacingOccurrences(of: ",", with: ".")) {
                parts[3] = String(format: "%.1f", v + 1).replacingOccurrences(of: ".", with: ",")
                lines[i] = parts.joined(separator: ";")
            }
        }
        try lines.joined(separator: "\r\n").data(using: .isoLatin1)!.write(to: kostra)
        let second = try etl(["run", "--log-format", "json"], in: dir)
        #expect(second.status == 0, "\(second.stderr)")

        let runs = try openWarehouse(warehouse).read { try Int64.fetchAll($0, sql: "SELECT run_id FROM etl_vintage ORDER BY run_id") }
        #expect(runs.count == 2)
        let revised = try openWarehouse(warehouse).read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM etl_change WHERE run_id = ? AND change = 'revised'", arguments: [runs[1]])
        }
        #expect((revised ?? 0) > 10)
        let units = try openWarehouse(warehouse).read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM dim_region WHERE level = 'annet'")
        }
        #expect((units ?? 0) > 0, "no stable unit of several codes was published")

        let published = VintageTests() // its reading of a publication's facts
        for run in runs {
            let out = dir.appendingPathComponent("warehouse/as-of-\(run).sqlite")
            let r = try etl(["rerun", "--as-of", String(run), "--output", out.path], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("identical"), "\(r.stderr)")
            let rebuilt = try published.facts(out, asOf: nil)
            #expect(!rebuilt.isEmpty)
            #expect(rebuilt == (try published.facts(warehouse, asOf: run)))
        }
    }
}
