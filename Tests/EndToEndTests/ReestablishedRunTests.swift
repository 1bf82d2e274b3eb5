import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// Re-established municipalities in a run of the sample (docs/PIPELINE.md, "Re-established municipalities").
// Behaviour (in process).
@Suite struct ReestablishedRunTests {
    /// 1580 Haram (2024) is 1534's territory, so its 2015–2019 values are 1534's own (docs/PIPELINE.md, "Re-established municipalities").
    @Test func haramsSampleValuesBefore2020Are1534s() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        try runPipeline(dir.appendingPathComponent("pipelines/sample.yml"))
        try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read { db in
            let staged = try Row.fetchAll(
                db,
                sql: """
                    SELECT period, sum(value) AS v FROM v_staged WHERE source = 'bef_07459' AND region = '1534' AND in_validity = 1 GROUP BY period ORDER BY period
                    """)
            #expect(staged.count == 5)
            for row in staged {
                let year = Int(row["period"] as String)!
                let fact = try Row.fetchOne(
                    db, sql: "SELECT value, method FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '1580' AND year = ?",
                    arguments: [year])
                #expect(fact?["value"] == (row["v"] as Double), "\(year)")
                #expect(fact?["method"] == "renumbered")
                let lineage = try String.fetchAll(
                    db, sql: "SELECT source_region FROM v_lineage WHERE indicator = 'innbyggere_80' AND region = '1580' AND year = ?",
                    arguments: [year])
                #expect(lineage == ["1534"])
            }
            #expect(
                try Double.fetchOne(
                    db, sql: "SELECT value FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '1580' AND year = 2019") == 472)
            let rest = try Double.fetchOne(
                db,
                sql: """
                    SELECT sum(value) FROM v_staged WHERE source = 'bef_07459' AND region IN ('1504', '1523', '1529', '1546') AND period = '2019' AND in_validity = 1
                    """)
            #expect(
                try Double.fetchOne(
                    db, sql: "SELECT value FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = '1508' AND year = 2019") == rest)
        }
    }
}

/// `structure_year: stable` on the sample: every value exact, units in dim_region with their members.
// Behaviour (in process).
@Suite struct StableUnitsRunTests {
    @Test func theSampleHarmonisedToStableUnits() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yml = dir.appendingPathComponent("pipelines/sample.yml")
        let text = try String(contentsOf: yml, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "structure_year: latest ", with: "structure_year: stable ").utf8).write(to: yml)
        try runPipeline(dir.appendingPathComponent("pipelines/sample.yml"))
        try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fact_indicator WHERE method = 'split_allocated'") == 0)
            let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT value, method, region_name FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = 'S-1508+1580' AND year = 2021"
            )
            #expect(row?["method"] == "renumbered" && row?["region_name"] == "Ålesund + Haram")
            let staged = try Double.fetchOne(
                db,
                sql:
                    "SELECT sum(value) FROM v_staged WHERE source = 'bef_07459' AND region = '1507' AND period = '2021' AND in_validity = 1"
            )
            #expect(row?["value"] == staged)
            let members = try String.fetchAll(
                db, sql: "SELECT member_code FROM dim_region_member WHERE unit_code = 'S-1508+1580' ORDER BY 1")
            #expect(members == ["1504", "1507", "1508", "1523", "1529", "1534", "1546", "1580"])
            #expect(
                try String.fetchOne(
                    db, sql: "SELECT method FROM v_indicator WHERE indicator = 'innbyggere_80' AND region = 'S-1508+1580' AND year = 2019")
                    == "merged")
        }
        let record =
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("warehouse/runs/last-run.json")))
            as? [String: Any]
        #expect((record?["stableUnits"] as? Int ?? 0) > 0)
    }
}
