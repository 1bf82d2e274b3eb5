import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// The sample pipeline in a scratch folder, changed by text substitution, run in-process.
private struct SampleCopy {
    let dir: URL
    var pipelines: URL { dir.appendingPathComponent("pipelines") }
    var samplePath: String { pipelines.appendingPathComponent("sample.yml").path }
    var warehouse: String { dir.appendingPathComponent("w.sqlite").path }

    init() throws { dir = try scratchWithPipelines() }
    func remove() { try? FileManager.default.removeItem(at: dir) }

    /// Replaces `old` with `new` in a file of `pipelines/` (which must contain it).
    func edit(_ file: String, _ old: String, _ new: String, encoding: String.Encoding = .utf8) throws {
        let url = pipelines.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: encoding)
        #expect(text.contains(old), "\(file) has no \(old)")
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: encoding)
    }

    func load() throws -> Pipeline { try Pipeline.load(path: samplePath) }

    @discardableResult
    func run() throws -> RunSummary { try Runner(options: RunOptions(pipelinePath: samplePath, warehouse: warehouse)).run() }

    /// The definition error a load or run gives; fails the test when there is none.
    func definitionProblems(run: Bool = false) -> [String] {
        do {
            if run { try self.run() } else { _ = try load() }
            Issue.record("expected a definition error")
        } catch PipelineError.definition(let problems) { return problems } catch {
            Issue.record("expected a definition error, got \(error)")
        }
        return []
    }

    func rows(_ sql: String) throws -> [Row] {
        try openWarehouse(URL(fileURLWithPath: warehouse)).read { try Row.fetchAll($0, sql: sql) }
    }
}

// Behaviour (in process), `etl validate`'s checks included (`PipelineCheck`); the exit status of
// a refused `etl run` and the working directory of the binary through the binary.
@Suite("Trust: pipeline mistakes are refused with their place", .serialized)
struct PipelineTrustTests {
    // MARK: 1. A strict, typed language

    @Test func aTabOrADuplicateKeyNamesItsLineAndColumn() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit("sample.yml", "max_rejects: 0\n", "max_rejects: 0\n\tdescription: x\n")
        let tab = s.definitionProblems()
        #expect(tab.count == 1 && tab[0].hasPrefix(s.samplePath + ":10:1: error: YAML syntax:") && tab[0].contains("tab"), "\(tab)")

        try s.edit("sample.yml", "max_rejects: 0\n\tdescription: x\n", "max_rejects: 0\nmax_rejects: 5\n")
        let duplicate = s.definitionProblems()
        #expect(
            duplicate == [
                "\(s.samplePath):10:1: error: duplicate key `max_rejects` (first at line 9); each key may appear once in a mapping"
            ], "\(duplicate)")
    }

    @Test func aMisspeltKeyIsRefusedWithTheClosestName() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit("sample.yml", "    combine: weighted_mean", "    combin: weighted_mean")
        try s.edit(
            "indicators.yml",
            "    scale: 1000\n    decimals: 2\n    population: alle innbyggere\n    source_tables: [\"Husbanken investeringstilskudd\", \"06913\"]\n    definition: Places in",
            "    scal: 1000\n    decimals: 2\n    population: alle innbyggere\n    source_tables: [\"Husbanken investeringstilskudd\", \"06913\"]\n    definition: Places in"
        )
        let p = s.definitionProblems()
        #expect(
            p.contains {
                $0.hasPrefix(
                    "\(s.samplePath):58:5: error: measures.hjemmetj_80_andel.combin: unknown key `combin`; did you mean `combine`? Expected one of"
                )
            }, "\(p)")
        try s.edit("sample.yml", "    combin: weighted_mean", "    combine: weighted_mean")
        let q = s.definitionProblems()
        #expect(
            q.contains {
                $0.contains("indicators.yml:")
                    && $0.contains("indicators[7] (tilskudd_plasser_1000).scal: unknown key `scal`; did you mean `scale`?")
            }, "\(q)")
    }

    @Test func anUnknownOptionValueIsRefused() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit(
            "sample.yml", "    absent: zero                         # the register",
            "    absent: zeros                        # the register")
        try s.edit("sample.yml", "  structure_year: latest", "  structure_year: lastest")
        let p = s.definitionProblems()
        #expect(
            p.contains {
                $0.hasSuffix(
                    "measures.husbanken_utbetalt.absent: unknown value `zeros`; did you mean `zero`? Expected one of `zero`, `missing`")
            }, "\(p)")
        #expect(p.contains { $0.contains("harmonisation.structure_year: unknown value `lastest`") && $0.contains("`latest`") }, "\(p)")
    }

    @Test func aFormulaKeyOfAnotherKindIsRefused() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        // A ratio has no weight: the key would be silently ignored.
        try s.edit(
            "indicators.yml", "    numerator: ernaering_vurdert_67\n", "    numerator: ernaering_vurdert_67\n    weight: innbyggere_80\n")
        let p = s.definitionProblems()
        #expect(
            p.contains {
                $0.contains(
                    "indicators[0] (ernaering_sykehjem).weight: does not apply to kind ratio, which uses `numerator` and `denominator`")
            }, "\(p)")
    }

    @Test func definitionIsRequiredInTheCatalogue() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit("indicators.yml", "    definition: Short-term places as a share of all places in institutions.\n", "")
        let p = s.definitionProblems()
        #expect(p.contains { $0.contains("indicators[4] (andel_korttid): required key `definition` is missing") }, "\(p)")
    }

    // MARK: 2. Every selection must match the data

    @Test func aCodeTheSourceLacksStopsTheRunBeforePublishing() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.run()
        let before = try contentDump(URL(fileURLWithPath: s.warehouse)).filter { !$0.hasPrefix("etl_run") }
        try s.edit("sample.yml", #"Kjonn: ["1", "2"]"#, #"Kjonn: ["1", "3"]"#)
        let p = s.definitionProblems(run: true)
        #expect(
            p.contains {
                $0.contains(
                    "sample.yml:54:20: error: measures.innbyggere_80.select.Kjonn[1]: `3` is not a category of Kjonn of source bef_07459")
                    && $0.contains("It has `1` (Menn), `2` (Kvinner)")
            }, "\(p)")
        let after = try contentDump(URL(fileURLWithPath: s.warehouse)).filter { !$0.hasPrefix("etl_run") }
        #expect(after == before, "the refused run changed the warehouse")
        // `etl validate` finds it from the files, before the night.
        let v = validateInProcess(s.dir.appendingPathComponent("pipelines/sample.yml"))
        #expect(v.error == nil, "\(String(describing: v.error))")
        #expect(
            v.problems.contains { $0.contains("measures.innbyggere_80.select.Kjonn[1]: `3` is not a category of Kjonn") }, "\(v.problems)")
        // The command line maps it to status 2.
        let r = try etl(["run", "pipelines/sample.yml", "--warehouse", s.warehouse], in: s.dir)
        #expect(r.status == 2, "\(r.stderr)")
    }

    @Test(arguments: [
        (
            "a dimension that does not exist", #"Kjonn: ["1", "2"]"#, #"Kjønnx: ["1", "2"]"#,
            "measures.innbyggere_80.select.Kjønnx: `Kjønnx` is not a dimension of source bef_07459"
        ),
        (
            "a code outside every category", #"Alder: {from: "080", to: "104"}"#, #"Alder: ["080", "081", "199"]"#,
            "measures.innbyggere_80.select.Alder[2]: `199` is not a category of Alder"
        ),
        (
            "a range matching nothing", #"Alder: {from: "080", to: "104"}"#, #"Alder: {from: "180", to: "199"}"#,
            "measures.innbyggere_80.select.Alder: no category of Alder of source bef_07459"
        ),
        (
            "a label typo in a contents list", #"      - "Plasser i institusjon (antall)""#, #"      - "Plasser i institusjon (antal)""#,
            "measures.plasser_heldogn.contents[0]: `Plasser i institusjon (antal)` is not a measure"
        ),
        (
            "a selected time dimension", #"Kjonn: ["1", "2"]"#, "Kjonn: [\"1\", \"2\"]\n      Tid: \"2020\"",
            "measures.innbyggere_80.select.Tid: `Tid` is the time dimension of source bef_07459"
        )
    ])
    func aSelectionMatchingNothingIsRefused(_ c: (String, String, String, String)) throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit("sample.yml", c.1, c.2)
        let p = s.definitionProblems(run: true)
        #expect(p.contains { $0.contains(c.3) && $0.contains("sample.yml:") }, "\(c.0): \(p)")
    }

    @Test func aForgottenDimensionIsAnErrorNamingIt() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit("sample.yml", "      Kjonn: [\"1\", \"2\"]\n", "")
        let p = s.definitionProblems(run: true)
        #expect(p.contains { $0.contains("innbyggere_80 is broken down by `Kjonn`, which hjemmetj_80_andel is not") }, "\(p)")
    }

    @Test func aMeasureAndAnIndicatorWhoseValuesAreAllMissingAreWarned() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        // Every short-term place value suppressed.
        let url = s.pipelines.appendingPathComponent("sample/12209_kostra_nokkeltall.csv")
        let text = try String(contentsOf: url, encoding: .isoLatin1)
        let lines = text.components(separatedBy: "\r\n").map { line -> String in
            guard line.contains("\"Korttidsplasser i institusjon (antall)\"") else { return line }
            return line.components(separatedBy: ";").dropLast().joined(separator: ";") + ";:"
        }
        try lines.joined(separator: "\r\n").write(to: url, atomically: true, encoding: .isoLatin1)
        let summary = try s.run()
        #expect(
            summary.warnings.contains { $0.hasPrefix("measure plasser_korttid: all ") && $0.contains("values are missing") },
            "\(summary.warnings)")
        #expect(
            summary.warnings.contains { $0.hasPrefix("indicator andel_korttid: all ") && $0.contains("values are missing") },
            "\(summary.warnings)")
    }

    // MARK: 3. Plausibility warnings

    @Test func aPerCentAbove100NamesRegionYearAndSourceLine() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit(
            "sample/12209_kostra_nokkeltall.csv",
            "\"0301 Oslo\";\"2017\";\"Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)\";35,0",
            "\"0301 Oslo\";\"2017\";\"Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)\";135,0", encoding: .isoLatin1)
        let summary = try s.run()
        #expect(summary.status == .success)
        #expect(
            summary.warnings.contains {
                $0.hasPrefix("andel_80_hjemmetjenester 0301 2017: 135.0 per cent is above 100 (hjemmetj_80_andel at ")
                    && $0.contains("12209_kostra_nokkeltall.csv:434")
            }, "\(summary.warnings)")
        // The warning is stored with what it is about, so SQL can find it by kind, indicator, region and year.
        let rows = try openWarehouse(URL(fileURLWithPath: s.warehouse)).read {
            try Row.fetchAll($0, sql: "SELECT indicator, region, year FROM etl_warning WHERE code = 'percent-above-100'")
        }
        let row = try #require(rows.first)
        let indicator: String? = row["indicator"], region: String? = row["region"], year: Int? = row["year"]
        #expect(rows.count == 1)
        #expect(indicator == "andel_80_hjemmetjenester" && region == "0301" && year == 2017, "\(rows)")
    }

    @Test func aJumpAboveTheDeclaredFactorIsWarnedOnlyWhenDeclared() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.edit(
            "sample/12209_kostra_nokkeltall.csv",
            "\"0301 Oslo\";\"2017\";\"Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)\";35,0",
            "\"0301 Oslo\";\"2017\";\"Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)\";95,0", encoding: .isoLatin1)
        let without = try s.run()
        #expect(!without.warnings.contains { $0.contains("max_jump") })
        try s.edit("indicators.yml", "    kind: rate\n", "    kind: rate\n    max_jump: 2\n")
        let with = try s.run()
        #expect(
            with.warnings.contains {
                $0.hasPrefix(
                    "andel_80_hjemmetjenester 0301 2017: 31.6 in 2016 → 95 in 2017, a change by a factor of 3.01, more than max_jump 2")
            }, "\(with.warnings)")
        #expect(
            with.warnings.contains { $0.hasPrefix("andel_80_hjemmetjenester 0301 2018:") && $0.contains("in 2017 →") },
            "the fall back is a jump too: \(with.warnings)")
    }

    // MARK: 4. What decides "nothing changed", and where the warehouse goes

    @Test(arguments: ["fylker.csv", "kostragrupper.csv", "indicators.yml", "kommuneendringer.csv"])
    func aChangedGroupFileOrCatalogueIsNotANoOp(_ file: String) throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.run()
        #expect(try s.run().status == .noChange)
        let url = s.pipelines.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        // A byte more that changes no value: a trailing newline (the readers skip blank lines).
        try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
        #expect(try s.run().status == .success, "a change to \(file) was taken for no change")
    }

    @Test func aRelativeWarehouseIsBesideThePipelineWhateverTheWorkingDirectory() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        let elsewhere = s.dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let r = try etl(["run", s.samplePath], in: elsewhere)
        #expect(r.status == 0, "\(r.stderr)")
        // The sample says `../warehouse/omsorg.sqlite`, relative to pipelines/.
        #expect(FileManager.default.fileExists(atPath: s.dir.appendingPathComponent("warehouse/omsorg.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("warehouse").path))
    }

    // MARK: 9. Group means follow the measure's rule

    @Test func groupMeansOfARegisterCountIncludeMembersWithoutARowAsZero() throws {
        let s = try SampleCopy()
        defer { s.remove() }
        try s.run()
        let rows = try s.rows(
            """
            SELECT p.year AS year, f.mean AS mean, f.median AS median, f.n_with_value AS n, f.n_members AS members, f.weighted AS total
            FROM fact_group_indicator f JOIN dim_group g USING (group_key) JOIN dim_indicator i USING (indicator_key) JOIN dim_period p USING (period_key)
            WHERE g.code = 'EAK' AND i.code = 'tilsagn_plasser' ORDER BY 1
            """)
        #expect(!rows.isEmpty)
        for r in rows {
            let n: Int = r["n"], members: Int = r["members"], mean: Double = r["mean"], total: Double = r["total"]
            // Every municipality with any value that year is a member; those without a grant count as 0.
            #expect(n == members && members > 3, "year \(r["year"] as Int): \(n) of \(members)")
            #expect(abs(mean * Double(members) - total) < 1e-6, "year \(r["year"] as Int): mean \(mean) × \(members) ≠ total \(total)")
        }
        // 2016: two municipalities got 144 places; the mean is over all members, not the two.
        let y2016 = rows.first { ($0["year"] as Int) == 2016 }
        #expect((y2016?["median"] as Double?) == 0)
    }
}
