import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// The register of kommune and fylke codes in runs: validity, special codes, structure years,
/// re-established municipalities and `etl inspect` (docs/PIPELINE.md, "The register").
// Behaviour (in process): runs and `etl validate`'s checks (`PipelineCheck`) in this process.
@Suite struct GeographyTests {
    static let header = #""region";"år";"statistikkvariabel";"06913: Befolkning""#

    /// Population rows, and the two other measures SmallPipeline's indicators read (for Oslo 2019).
    static func csv(_ rows: [(String, Int, Double)]) -> String {
        let others = [
            #""0301 Oslo";"2019";"Korttidsplasser i institusjon (antall)";120"#,
            #""0301 Oslo";"2019";"Plasser i institusjon (antall)";4000"#
        ]
        return ([header] + rows.map { "\"\($0.0)\";\"\($0.1)\";\"Befolkning per 1.1. (personer)\";\(Int($0.2))" } + others).joined(
            separator: "\n") + "\n"
    }

    /// The kommune codes the shipped register has valid in a year.
    static func codes(validIn year: Int) throws -> [String] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("pipelines/register/kommuner.csv"), encoding: .utf8)
        var out = Set<String>()
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            if Int(f[2])! <= year && (f[3].isEmpty || Int(f[3])! >= year) { out.insert(String(f[0])) }
        }
        return out.sorted()
    }

    /// Like SSB's 07459: codes of every era with 0 for the years they did not exist, Svalbard,
    /// unspecified and grouping codes. A correct national file has no reject.
    @Test func codesOfOtherErasAndSpecialCodesAreSetAsideNotRejected() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            GeographyTests.csv([
                ("0301 Oslo", 2019, 680_000), ("0102 Sarpsborg (-1991)", 2019, 0), ("0102 Sarpsborg (-1991)", 1990, 12_000),
                ("2111 Longyearbyen", 2019, 2_100), ("0716u Re (2002-2019)", 2019, 9_000), ("9999 Uoppgitt", 2019, 3),
                ("0399 Uoppgitt kommune Oslo", 2019, 2), ("3118 Indre Østfold", 2019, 0), ("3118 Indre Østfold", 2024, 46_000),
                ("0724 Sandar (-1967)", 2019, 0) // ended before the register begins: another era, not no era
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 0)
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(try p.rejects().isEmpty)
        #expect(r.summary?.special == 4, "\(r.diagnosis)")
        let staged = try p.staged()
        for code in ["2111", "0716u", "9999", "0399", "0102", "0724"] {
            #expect(staged.contains { $0.hasPrefix("\(code)|2019|") && $0.hasSuffix("|0") }, "\(code) staged, set aside: \(staged)")
        }
        let facts = try p.facts("befolkning")
        #expect(!facts.contains { ["2111", "0716u", "9999", "0399"].contains(String($0.prefix { $0 != "|" })) }, "\(facts)")
        #expect(facts.contains("0301|2019|680000.0||as_published"))
        // 0102 in 1990 was valid, but the catalogue starts with 1994's changes.
        #expect(facts.contains { $0.hasPrefix("0102|1990|null||not_computable") }, "\(facts)")
        let record =
            try JSONSerialization.jsonObject(with: Data(contentsOf: p.dir.appendingPathComponent("warehouse/runs/last-run.json")))
            as? [String: Any]
        #expect(record?["special"] as? Int == 4)
        #expect(record?["outOfValidity"] as? Int == 3) // 0102, 3118 and 0724 in 2019
        // A rerun, which reads no source, keeps the counts.
        let again = runInProcess(p.pipelinePath, in: p.dir, structureYear: 2024, rerun: true)
        #expect(again.summary?.special == 4, "\(again.diagnosis)")
    }

    @Test func structureYearsOutsideTheRegisterAreRefused() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(GeographyTests.csv([("0301 Oslo", 2019, 1)]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        for year in [1990, 2030] {
            let r = p.run(structureYear: year)
            #expect(r.status == 2)
            let expected = "error: structure year \(year) is outside the years the register and change catalogue cover (1994–2026)"
            #expect(r.message.contains(expected), "\(r.diagnosis)")
        }
    }

    /// A 2001–2024 series harmonised to the 2024 structure, then rerun to the 2005 structure:
    /// Bodø and Skjerstad (2005), Harstad and Bjarkøy (2013).
    @Test func aLongSeriesIsHarmonisedToThe2005Structure() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        var rows: [(String, Int, Double)] = []
        for y in 2001...2024 {
            if y < 2005 { rows += [("1804 Bodø", y, 40_000), ("1842 Skjerstad", y, 1_000)] } else { rows.append(("1804 Bodø", y, 45_000)) }
            if y < 2013 {
                rows += [("1901 Harstad", y, 23_000), ("1915 Bjarkøy", y, 500)]
            } else if y < 2020 {
                rows.append(("1903 Harstad", y, 24_000))
            } else if y < 2024 {
                rows.append(("5402 Harstad", y, 24_500))
            } else {
                rows.append(("5503 Harstad", y, 25_000))
            }
        }
        try p.write(GeographyTests.csv(rows), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        #expect(p.run().status == 0)
        var facts = try p.facts("befolkning")
        #expect(facts.contains("1804|2003|41000.0||merged"))
        #expect(facts.contains("5503|2003|23500.0||merged"))
        #expect(facts.contains("5503|2015|24000.0||renumbered"))
        let rerun = runInProcess(p.pipelinePath, in: p.dir, structureYear: 2005, rerun: true)
        #expect(rerun.status == 0, "\(rerun.diagnosis)")
        facts = try p.facts("befolkning")
        #expect(facts.contains("1804|2003|41000.0||merged"))
        #expect(facts.contains("1804|2010|45000.0||as_published"))
        #expect(facts.contains("1901|2003|23000.0||as_published") && facts.contains("1915|2003|500.0||as_published"))
        // Harstad after 2013 cannot be divided back into 1901 and 1915.
        #expect(facts.contains { $0.hasPrefix("1903|2015|null||not_computable") }, "\(facts.filter { $0.hasPrefix("19") })")
        #expect(
            try openWarehouse(p.warehouse).read { try Int.fetchOne($0, sql: "SELECT DISTINCT structure_year FROM fact_indicator") } == 2005)
    }

    /// A published county total that differs from its municipalities is a warning of the run,
    /// listed in the run record; the run still publishes.
    @Test func aCountyTotalDifferingFromItsMunicipalitiesIsAGateWarning() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            GeographyTests.csv([
                ("0301 Oslo", 2019, 680_000), ("03 Oslo", 2019, 700_000), ("0301 Oslo", 2020, 690_000), ("03 Oslo", 2020, 690_000)
            ]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        let message = "gate befolkning: county 03 2019: published 700000, its 1 municipalities sum to 680000 (difference 20000)"
        #expect(try p.warnings() == [message])
        let record =
            try JSONSerialization.jsonObject(with: Data(contentsOf: p.dir.appendingPathComponent("warehouse/runs/last-run.json")))
            as? [String: Any]
        #expect(record?["gates"] as? [String] == [message])
        // The county itself is harmonised (Oslo is the same county in 2024) and named from the register.
        #expect(try p.facts("befolkning").contains("03|2019|700000.0||as_published"))
        let name = try openWarehouse(p.warehouse).read {
            try String.fetchOne($0, sql: "SELECT region_name FROM v_indicator WHERE region = '03' LIMIT 1")
        }
        #expect(name == "Oslo")
    }

    /// A change catalogue that contradicts the register is refused by `validate` and `run`.
    @Test func aCatalogueThatContradictsTheRegisterIsRefused() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(GeographyTests.csv([("0301 Oslo", 2019, 1)]), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let catalog = p.dir.appendingPathComponent("pipelines/kommuneendringer.csv")
        let text = try String(contentsOf: catalog, encoding: .utf8)
        try Data((text + "0301,Oslo,3199,Nowhere,2020-01-01,renumber\n").utf8).write(to: catalog)
        // The message names the register folder as the pipeline's path gives it.
        func message(register: String) -> String {
            "the change catalogue disagrees with the register (\(register)): 0301 Oslo → 3199 Nowhere (2020-01-01): 3199 is not valid in 2020 in the register (never)"
        }
        let v = validateInProcess(p.dir.appendingPathComponent(p.pipelinePath))
        #expect(v.error == nil, "validate: \(String(describing: v.error))")
        #expect(
            v.problems.contains {
                $0.contains(p.local("pipelines/kommuneendringer.csv") + ": error: " + message(register: p.local("pipelines/register")))
            },
            "validate: \(v.problems)")
        let r = p.run()
        #expect(r.status == 2, "run: \(r.diagnosis)")
        #expect(
            r.message.contains(p.local("pipelines/kommuneendringer.csv") + ": error: " + message(register: p.local("pipelines/register"))),
            "run: \(r.diagnosis)")
    }

    /// Every code of the register, in 2019 and 2023, as 07459 lists them (0 where the code did
    /// not exist): no reject, and exactly the codes of other years are set aside.
    @Test func aNationalFileWithCodesOfEveryEraHasNoReject() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        let text = try String(contentsOf: packageRoot.appendingPathComponent("pipelines/register/kommuner.csv"), encoding: .utf8)
        let all = Set(text.split(separator: "\n").dropFirst().map { String($0.prefix(4)) })
        var rows: [(String, Int, Double)] = []
        for y in [2019, 2023] {
            let valid = Set(try GeographyTests.codes(validIn: y))
            for code in all.sorted() { rows.append((code, y, valid.contains(code) ? 100 : 0)) }
            rows.append(("2111 Longyearbyen", y, 2_000))
        }
        try p.write(GeographyTests.csv(rows), "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(try p.rejects().isEmpty)
        #expect(all.count == 895)
        let record =
            try JSONSerialization.jsonObject(with: Data(contentsOf: p.dir.appendingPathComponent("warehouse/runs/last-run.json")))
            as? [String: Any]
        #expect(record?["outOfValidity"] as? Int == 2 * 895 - 422 - 356)
        #expect(record?["special"] as? Int == 2)
    }

    /// A 2-digit code that was no fylke in any year is rejected like a kommune code; a fylke of
    /// another year is set aside.
    @Test func fylkeCodesAreCheckedAgainstTheRegister() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            GeographyTests.csv([("29 Nowhere", 2019, 5), ("30 Viken (2020-2023)", 2019, 0), ("01 Østfold (-2019)", 2019, 300_000)]),
            "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 1)
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        let rejects = try p.rejects()
        #expect(rejects.count == 1)
        #expect(
            rejects.first?.error.hasPrefix(
                "unknown region code \"29\": no fylke had this code in any year 1971–2026; fylker valid in 2019: 01, 02, 03,") == true,
            "\(rejects)")
        #expect(try p.staged().contains { $0.hasPrefix("30|2019|") && $0.hasSuffix("|0") })
        let facts = try p.facts("befolkning")
        #expect(!facts.contains { $0.hasPrefix("30|") || $0.hasPrefix("29|") })
        // 01 Østfold (2019) was divided (0121 Rømskog went to Aurskog-Høland, now 32): 31 and 32
        // come from their harmonised municipalities, which this file does not have.
        #expect(facts == ["31|2019|null|..|not_computable", "32|2019|null|..|not_computable"], "\(facts)")
    }
}
