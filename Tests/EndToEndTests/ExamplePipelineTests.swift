import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// Runs docs/example/pipeline.yml as written and checks the arithmetic in docs/PIPELINE.md,
/// one value per catalogued indicator, including a merged municipality.
// Behaviour (in process).
@Suite struct ExamplePipelineTests {
    @Test func referenceExampleRunsAsWrittenWithHandCheckedValues() throws {
        let scratch = try TemporaryDirectory("etl-example")
        defer { scratch.remove() }
        let dir = scratch.url
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("docs"), to: dir.appendingPathComponent("docs"))
        try runPipeline(dir.appendingPathComponent("docs/example/pipeline.yml"))
        let db = try openWarehouse(dir.appendingPathComponent("docs/example/example.sqlite"))
        func value(_ indicator: String, _ region: String, _ year: Int) throws -> Double? {
            try db.read {
                try Double.fetchOne(
                    $0, sql: "SELECT value FROM v_indicator WHERE indicator = ? AND region = ? AND year = ? AND breakdown = ''",
                    arguments: [indicator, region, year])
            }
        }
        let expected: [(String, String, Int, Double)] = [
            ("ernaering_sykehjem", "3118", 2019, 80.0 / 170 * 100),
            ("legemiddelgjennomgang", "3118", 2019, 93.0 / 170 * 100),
            ("andel_80_hjemmetjenester", "3118", 2019, (40.0 * 200 + 30 * 200 + 30 * 600 + 30 * 500 + 20 * 250) / 1750),
            ("dekning_heldogn_80", "3118", 2019, 390.0 / 1750 * 100),
            ("andel_korttid", "3118", 2019, 40.0 / 240 * 100),
            ("helseutdanning", "3118", 2019, 370.0 / 480 * 100),
            ("arsverk_uten_helseutdanning", "3118", 2019, 110),
            ("innbyggere_80", "3118", 2019, 1750),
            ("tilskudd_plasser_1000", "3118", 2019, 32.0 / 44600 * 1000),
            ("legemiddelgjennomgang", "3118", 2020, 100.0 / 172 * 100),
            ("andel_80_hjemmetjenester", "3118", 2020, 31.0),
            ("tilskudd_plasser_1000", "3118", 2020, 9.0 / 45000 * 1000),
            ("legemiddelgjennomgang", "0301", 2019, 1500.0 / 2800 * 100),
            ("andel_80_hjemmetjenester", "0301", 2019, 30.0),
            ("tilskudd_plasser_1000", "0301", 2019, 100.0 / 690000 * 1000),
            ("tilskudd_plasser_1000", "0301", 2020, 0),
            ("tilsagn_plasser", "3118", 2019, 16),
            ("tilsagn_plasser", "0301", 2019, 40),
            ("tilskudd_netto_andel", "3118", 2019, 10.0 / 16 * 100),
            ("tilskudd_netto_andel", "0301", 2019, 0)
        ]
        for (indicator, region, year, want) in expected {
            let got = try value(indicator, region, year)
            #expect(got != nil && abs(got! - want) < 1e-9, "\(indicator) \(region) \(year): got \(String(describing: got)), want \(want)")
        }
        let byKind = try db.read {
            try Row.fetchAll(
                $0,
                sql:
                    "SELECT breakdown, value FROM v_indicator WHERE indicator = 'tilskudd_plasser_1000_etter_art' AND region = '3118' AND year = 2019 ORDER BY breakdown"
            )
        }
        #expect(byKind.map { $0["breakdown"] as String } == ["art=omsorgsbolig", "art=sykehjem"])
        #expect(abs((byKind[0]["value"] as Double) - 12.0 / 44600 * 1000) < 1e-12)
        #expect(abs((byKind[1]["value"] as Double) - 20.0 / 44600 * 1000) < 1e-12)
        let methods = try db.read {
            try Row.fetchAll(
                $0, sql: "SELECT year, method FROM v_indicator WHERE indicator = 'legemiddelgjennomgang' AND region = '3118' ORDER BY year")
        }
        #expect(methods.map { $0["method"] as String } == ["merged", "renumbered"])
        let group = try db.read {
            try Row.fetchOne(
                $0,
                sql:
                    "SELECT mean, weighted, n_with_value, n_members FROM v_group_indicator WHERE group_code = 'begge' AND indicator = 'legemiddelgjennomgang' AND year = 2019"
            )
        }
        #expect(abs((group?["mean"] as Double? ?? 0) - (93.0 / 170 * 100 + 1500.0 / 2800 * 100) / 2) < 1e-9)
        #expect(abs((group?["weighted"] as Double? ?? 0) - 1593.0 / 2970 * 100) < 1e-9)
        #expect(group?["n_with_value"] == 2 && group?["n_members"] == 2)
        // The reference page shows the same file the test ran.
        let page = try String(contentsOf: packageRoot.appendingPathComponent("docs/PIPELINE.md"), encoding: .utf8)
        let example = try String(contentsOf: packageRoot.appendingPathComponent("docs/example/pipeline.yml"), encoding: .utf8)
        #expect(page.contains(example.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
